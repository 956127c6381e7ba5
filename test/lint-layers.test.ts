// The layers of the house are enforced by lint (eslint.config.mjs): a planted upward
// import, an import into the pure engine from outside it, and a planted import cycle
// each fail, while the files as they are pass. The planted files are written into a
// temporary folder inside the tree (the resolver needs real files) and removed after.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..');

function lint(files: Record<string, string>): Record<string, string[]> {
  const written: string[] = [];
  try {
    for (const [path, text] of Object.entries(files)) {
      const abs = join(root, path);
      mkdirSync(join(abs, '..'), { recursive: true });
      writeFileSync(abs, text);
      written.push(abs);
    }
    // The CLI in a child process: the flat config is an ES module, which jest's CommonJS sandbox cannot load.
    const run = spawnSync(process.execPath, [join(root, 'node_modules', 'eslint', 'bin', 'eslint.js'), '--format', 'json', ...written], { cwd: root, encoding: 'utf8' });
    const results = JSON.parse(run.stdout) as { filePath: string; messages: { ruleId: string | null; message: string }[] }[];
    return Object.fromEntries(results.map((r) => [r.filePath.slice(root.length + 1), r.messages.map((m) => m.ruleId ?? m.message)]));
  } finally {
    for (const abs of written) rmSync(abs, { force: true });
    for (const dir of new Set(Object.keys(files).map((p) => p.split('/').slice(0, -1).join('/')))) {
      if (dir.includes('__planted__')) rmSync(join(root, dir), { recursive: true, force: true });
    }
  }
}

describe('lint: the layers', () => {
  jest.setTimeout(120_000);

  it('fails on an import from the core up into slack/ or jobs/', () => {
    const out = lint({
      'src/store/__planted__/up.ts': "import { slackCommands } from '../../../slack/listeners/commands/index.js';\nexport const x = slackCommands;\n",
      'connectors/__planted__/up.ts': "import { allJobs } from '../../jobs/index.js';\nexport const y = allJobs;\n",
    });
    expect(out['src/store/__planted__/up.ts']).toContain('import-x/no-restricted-paths');
    expect(out['connectors/__planted__/up.ts']).toContain('import-x/no-restricted-paths');
  });

  it('fails on the pure engine importing the store', () => {
    const out = lint({
      'src/engine/__planted__/impure.ts': "import { collections } from '../../store/store.js';\nexport const z = collections;\n",
    });
    expect(out['src/engine/__planted__/impure.ts']).toContain('import-x/no-restricted-paths');
  });

  it('fails on an import cycle', () => {
    const out = lint({
      'src/domain/__planted__/a.ts': "import { b } from './b.js';\nexport const a = (): number => b() + 1;\n",
      'src/domain/__planted__/b.ts': "import { a } from './a.js';\nexport const b = (): number => (a.length > 0 ? 1 : 0);\n",
    });
    expect([...(out['src/domain/__planted__/a.ts'] ?? []), ...(out['src/domain/__planted__/b.ts'] ?? [])]).toContain('import-x/no-cycle');
  });

  it('passes a downward import', () => {
    const out = lint({
      'jobs/__planted__/down.ts': "import { collections } from '../../src/store/store.js';\nexport const w = collections;\n",
    });
    expect(out['jobs/__planted__/down.ts']).toEqual([]);
  });
});

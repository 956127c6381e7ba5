// The production path runs compiled JavaScript without the dev tools: the build
// command from package.json compiles into a temp folder, which gets dist/, the
// package files and the pre-scripts' bootstrap and nothing else; `npm install
// --omit=dev` there leaves tsc and tsx out; then the CLI, audit:verify, the web role
// (answering /healthz) and the worker role run through their npm scripts.
// Entry paths are read from package.json's scripts, never written here.
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../src/db/local-server.js';
import { testDatabaseUri } from './helpers/db.js';

const run = promisify(execFile);
const root = join(__dirname, '..');
const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

/** The .js file an npm script runs with node (`node dist/…/x.js args` → dist/…/x.js). */
function entryOf(script: string): string {
  const m = /(?:^|\s)node\s+(\S+\.js)\b/.exec(scripts[script] ?? '');
  if (!m?.[1]) throw new Error(`package.json's "${script}" script runs no compiled file: ${scripts[script]}`);
  return m[1];
}

let app: string;
const env = () => ({
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '',
  LOG_LEVEL: 'info',
  MONGODB_URI: testDatabaseUri(),
  MONGODB_DB: `t_production_${process.pid}`,
});

/** Starts `npm run <script>` in the production copy, in its own process group. */
function start(script: string, extra: Record<string, string> = {}) {
  const child = spawn('npm', ['run', '--silent', script], { cwd: app, env: { ...env(), ...extra }, detached: true });
  let out = '';
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const w of waiters.filter((w) => w.re.test(out))) w.resolve();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  // 'close', not 'exit': npm's child (the node process) holds the pipes until it is done
  const exited = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
  return {
    output: () => out,
    exited,
    /** Resolves once the output matches re; rejects if the process exits first. */
    seen: (re: RegExp) =>
      Promise.race([
        new Promise<void>((resolve) => (re.test(out) ? resolve() : waiters.push({ re, resolve }))),
        exited.then((code) => Promise.reject(new Error(`npm run ${script} exited (${code}) before printing ${re}:\n${out}`))),
      ]),
    stop: () => {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        /* already gone */
      }
      return exited;
    },
  };
}

beforeAll(async () => {
  app = mkdtempSync(join(tmpdir(), 'overdue-production-'));
  // the build command as package.json has it, pointed at the temp folder
  await run('sh', ['-c', `${scripts.build} --outDir "${join(app, 'dist')}"`], {
    cwd: root,
    env: { ...process.env, PATH: [join(root, 'node_modules', '.bin'), process.env.PATH].join(delimiter) },
  });
  for (const f of ['package.json', 'package-lock.json']) cpSync(join(root, f), join(app, f));
  mkdirSync(join(app, 'scripts'));
  cpSync(join(root, 'scripts', 'bootstrap.js'), join(app, 'scripts', 'bootstrap.js'));
  await run('npm', ['install', '--omit=dev', '--no-audit', '--no-fund'], { cwd: app, env: process.env, maxBuffer: 16 * 1024 * 1024 });
}, 300_000);

afterAll(() => {
  if (app) rmSync(app, { recursive: true, force: true });
});

describe('the compiled production copy (npm install --omit=dev)', () => {
  it('holds every entry the npm scripts run, and no TypeScript sources, tsc or tsx', () => {
    for (const s of ['start', 'web', 'worker', 'cli', 'audit:verify']) expect(existsSync(join(app, entryOf(s)))).toBe(true);
    expect(existsSync(join(app, 'src'))).toBe(false);
    for (const dev of ['typescript', 'tsx', '@swc/core', 'jest']) expect(existsSync(join(app, 'node_modules', dev))).toBe(false);
    expect(existsSync(join(app, 'node_modules', 'express'))).toBe(true);
  });

  it('runs the CLI', async () => {
    const { stdout } = await run('npm', ['run', '--silent', 'cli', '--', '--help'], { cwd: app, env: env() });
    expect(stdout).toMatch(/^usage: npm run cli -- <command>/);
  }, 60_000);

  it('runs audit:verify against the database', async () => {
    const { stdout } = await run('npm', ['run', '--silent', 'audit:verify'], { cwd: app, env: env() });
    expect(stdout).toContain('0 account(s), 0 entries checked: all chains intact');
  }, 60_000);

  it('serves /healthz from the web role and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const web = start('web', { PORT: String(port) });
    try {
      await web.seen(/HTTP server listening/);
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(res.status).toBe(200);
    } finally {
      await web.stop();
    }
    expect(web.output()).toMatch(/shutting down/);
    expect(web.output()).not.toMatch(/Cannot find module|ERR_MODULE_NOT_FOUND|\n\s+at /);
  }, 90_000);

  it('starts the worker role and stops it on SIGTERM', async () => {
    const worker = start('worker');
    try {
      await worker.seen(/worker started/);
    } finally {
      await worker.stop();
    }
    expect(worker.output()).toMatch(/shutting down/);
  }, 90_000);

  it('says to build first when dist/ is missing, instead of compiling', async () => {
    // the pre-script checks before anything else, so the copy needs no node_modules
    const bare = mkdtempSync(join(tmpdir(), 'overdue-nodist-'));
    try {
      for (const f of ['package.json', 'scripts/bootstrap.js']) cpSync(join(app, f), join(bare, f), { recursive: true });
      const err = (await run('npm', ['run', 'web'], { cwd: bare, env: env() }).then(
        () => null,
        (e: unknown) => e,
      )) as { code: number; stderr: string } | null;
      expect(err?.code).toBe(1);
      expect(err?.stderr).toContain(`${entryOf('web')} is missing: run \`npm run build\` first`);
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  }, 60_000);
});

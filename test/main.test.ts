// The process entry, run as a real child process (through tsx, so no build is needed).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../src/db/local-server.js';
import { testDatabaseUri } from './helpers/db.js';

const root = join(__dirname, '..');

function runMain(env: Record<string, string>, args: string[] = []) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'app/main.ts'), ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn', ...env },
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; out: string }>((res) => child.on('exit', (code) => res({ code, out })));
  return { child, exited };
}

it('prints every configuration problem and exits non-zero, without a stack trace', async () => {
  const { exited } = runMain({ PORT: 'abc', TOKEN_ENCRYPTION_KEY: 'short' });
  const { code, out } = await exited;
  expect(code).toBe(1);
  expect(out).toMatch(/Invalid configuration \(2 problems\)/);
  expect(out).toMatch(/PORT: /);
  expect(out).toMatch(/TOKEN_ENCRYPTION_KEY: /);
  expect(out).not.toMatch(/\n\s+at /);
});

it('exits non-zero with a clear message when MONGODB_URI cannot be reached', async () => {
  const port = await freePort();
  const started = Date.now();
  const { exited } = runMain({ MONGODB_URI: `mongodb://127.0.0.1:${port}/`, MONGODB_CONNECT_TIMEOUT_MS: '1500' });
  const { code, out } = await exited;
  expect(code).toBe(1);
  expect(Date.now() - started).toBeLessThan(15_000);
  expect(out).toMatch(new RegExp(`cannot reach the database at mongodb://127.0.0.1:${port}/ within 1500 ms`));
  expect(out).not.toMatch(/Unhandled|\n\s+at /);
});

it('refuses an unknown role', async () => {
  const { code, out } = await runMain({}, ['everything']).exited;
  expect(code).toBe(2);
  expect(out).toMatch(/unknown role "everything"/);
});

it('serves /readyz, runs the worker, and stops cleanly on SIGTERM', async () => {
  const port = await freePort();
  const { child, exited } = runMain({ MONGODB_URI: testDatabaseUri(), MONGODB_DB: `t_main_${port}`, PORT: String(port) }, ['all']);
  let ready = false;
  for (let i = 0; i < 100 && !ready; i++) {
    await new Promise((r) => setTimeout(r, 200));
    ready = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status === 200, () => false);
  }
  expect(ready).toBe(true);
  child.kill('SIGTERM');
  const { code } = await exited;
  expect(code).toBe(0);
}, 60_000);

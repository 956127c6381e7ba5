import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import {
  ensureFerretDb,
  ferretDbArgs,
  ferretDbPostgresArgs,
  findPostgresBinDir,
  LocalServerError,
  postgresArgs,
  postgresUrl,
  POOL_MAX_CONNS,
  MAX_CONNECTIONS,
  startLocalServer,
  type LocalServer,
} from '../src/db/local-server.js';

const dirs: string[] = [];
function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Retry `op` until it succeeds or timeoutMs passed (then rethrow its last error). */
async function eventually<T>(op: () => Promise<T>, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await op();
    } catch (err) {
      if (Date.now() > end) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

async function roundTrip(server: LocalServer): Promise<void> {
  const client = await MongoClient.connect(server.uri, { serverSelectionTimeoutMS: 2000 });
  try {
    await client.db('x').collection('y').insertOne({ a: 1 });
    expect(await client.db('x').collection('y').countDocuments()).toBe(1);
  } finally {
    await client.close();
  }
}

async function expectStopped(server: LocalServer): Promise<void> {
  const after = new MongoClient(server.uri, { serverSelectionTimeoutMS: 300 });
  await expect(after.connect()).rejects.toThrow();
  await after.close();
}

const hasPostgres = findPostgresBinDir() !== undefined;
/** The supervision and stale-state tests need PostgreSQL (tests and CI run on it: docs/database.md). */
function requirePostgres(): void {
  if (!hasPostgres) throw new Error('PostgreSQL server binaries are not installed (apt-get install postgresql-15): docs/database.md');
}

it('starts a server that answers ping with its data in the given folder, over PostgreSQL when it is installed, and stops it', async () => {
  const server = await startLocalServer({ dataDir: tempDir('overdue-ls-'), throwaway: true });
  const { postgres } = server.pids();
  try {
    expect(server.kind).toBe(hasPostgres ? 'ferretdb-postgresql' : 'ferretdb-sqlite');
    expect(server.uri).toMatch(/^mongodb:\/\/127\.0\.0\.1:\d+\/$/);
    await roundTrip(server);
  } finally {
    await server.stop();
  }
  await expectStopped(server);
  if (postgres !== undefined) expect(isAlive(postgres)).toBe(false);
}, 90_000);

it('indexes _id and the account\'s keys with GIN on every new table, so the equalities FerretDB pushes down (_jsonb->\'f\' @> v) use them', async () => {
  requirePostgres();
  const server = await startLocalServer({ dataDir: tempDir('overdue-ls-gin-'), throwaway: true });
  try {
    const client = await MongoClient.connect(server.uri);
    try {
      await client.db('gin').collection('outbox').insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: `e${i}` as never, customerId: `c${i % 5}`, accountId: `c${i % 5}`, customerExternalId: `x${i}` })));
    } finally {
      await client.close();
    }
    const bin = findPostgresBinDir();
    const psql = (sql: string): string => execFileSync(join(bin ?? '', 'psql'), ['-h', '127.0.0.1', '-p', String(server.postgresPort), '-U', 'postgres', '-d', 'ferretdb', '-At', '-v', 'ON_ERROR_STOP=1', '-c', sql], { encoding: 'utf8' }).trim();
    const table = psql("SELECT tablename FROM pg_tables WHERE schemaname = 'gin' AND tablename LIKE 'outbox%'");
    const defs = psql(`SELECT indexdef FROM pg_indexes WHERE schemaname = 'gin' AND tablename = '${table}'`);
    for (const key of ['_id', 'customerId', 'accountId', 'customerExternalId']) expect(defs).toContain(`USING gin (((_jsonb -> '${key}'::text)))`);
    const plan = psql(`SET enable_seqscan = off; EXPLAIN SELECT _jsonb FROM gin."${table}" WHERE _jsonb->'customerId' @> '"c1"'`);
    expect(plan).toMatch(/Bitmap Index Scan on overdue_customer_gin_/);
  } finally {
    await server.stop();
  }
}, 90_000);

it('falls back to FerretDB over SQLite when asked to', async () => {
  const notices: string[] = [];
  const server = await startLocalServer({ dataDir: tempDir('overdue-ls-sqlite-'), backend: 'sqlite', progress: (m) => notices.push(m) });
  try {
    expect(server.kind).toBe('ferretdb-sqlite');
    expect(server.pids().postgres).toBeUndefined();
    await roundTrip(server);
  } finally {
    await server.stop();
  }
  await expectStopped(server);
  expect(notices.some((n) => n.includes('over SQLite'))).toBe(true);
}, 60_000);

it('restarts FerretDB and PostgreSQL when either is killed, and the data survives', async () => {
  requirePostgres();
  const server = await startLocalServer({ dataDir: tempDir('overdue-ls-crash-'), throwaway: true });
  const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 2_000, retryReads: true, retryWrites: true });
  try {
    const docs = client.db('x').collection<{ _id: string }>('y');
    await docs.insertOne({ _id: 'before' });
    const first = server.pids();
    process.kill(first.server ?? 0, 'SIGKILL');
    await eventually(() => docs.insertOne({ _id: 'after-ferretdb' }), 30_000);
    expect(server.pids().server).not.toBe(first.server);

    // synchronous_commit=off: a commit is acknowledged before its WAL is written, so a
    // crashed postmaster may lose the last few hundred ms of writes (docs/database.md).
    // A checkpoint makes everything so far durable.
    execFileSync(join(findPostgresBinDir() ?? '', 'psql'), ['-h', '127.0.0.1', '-p', String(server.postgresPort), '-U', 'postgres', '-d', 'ferretdb', '-c', 'CHECKPOINT']);
    process.kill(first.postgres ?? 0, 'SIGKILL');
    await eventually(() => docs.insertOne({ _id: 'after-postgres' }), 60_000);
    expect(server.pids().postgres).not.toBe(first.postgres);
    expect((await docs.find().toArray()).map((d) => d._id).sort()).toEqual(['after-ferretdb', 'after-postgres', 'before']);
    expect(server.restarts()).toBe(2);
  } finally {
    await client.close();
    await server.stop();
  }
  await expectStopped(server);
}, 120_000);

it('cleans up after a launcher that was killed: its orphaned servers are stopped and the data folder starts again', async () => {
  requirePostgres();
  const dataDir = tempDir('overdue-ls-stale-');
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'helpers', 'local-server-child.ts'), dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((res, rej) => {
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('\n')) res(out.split('\n')[0] ?? '');
    });
    child.once('exit', (code) => rej(new Error(`the launcher exited (${code}) before it was ready`)));
  });
  const orphans = JSON.parse(line) as { server: number; postgres: number };
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  expect(isAlive(orphans.server) && isAlive(orphans.postgres)).toBe(true); // they outlive their launcher

  const server = await startLocalServer({ dataDir, throwaway: true });
  try {
    expect(isAlive(orphans.server) || isAlive(orphans.postgres)).toBe(false);
    const client = await MongoClient.connect(server.uri);
    expect(await client.db('x').collection<{ _id: string }>('y').findOne({ _id: 'kept' })).toEqual({ _id: 'kept' });
    await client.close();
  } finally {
    await server.stop();
  }
}, 120_000);

it('names what is missing when no server can be had', () => {
  const empty = tempDir('overdue-nogo-');
  let err: unknown;
  try {
    ensureFerretDb(() => {}, { bin: join(empty, 'ferretdb'), goDirs: [empty] });
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(LocalServerError);
  expect(String(err)).toMatch(/MONGODB_URI is unset.*no `mongod` on PATH.*`go`/s);
});

it('runs FerretDB on loopback only, never reporting telemetry, with a debug port that cannot collide', () => {
  for (const args of [ferretDbArgs(27123, '/data/x'), ferretDbPostgresArgs(27123, '/data/x', postgresUrl(5999))]) {
    expect(args).toContain('--telemetry=disable');
    expect(args).toContain('--listen-addr=127.0.0.1:27123');
    expect(args).toContain('--debug-addr=127.0.0.1:0');
  }
  expect(ferretDbArgs(27123, '/data/x')).toContain('--sqlite-url=file:/data/x/');
  expect(ferretDbPostgresArgs(27123, '/data/x', postgresUrl(5999))).toContain(`--postgresql-url=postgres://postgres@127.0.0.1:5999/ferretdb?pool_max_conns=${POOL_MAX_CONNS}`);
});

it('runs PostgreSQL on loopback with asynchronous commit and custom plans, and without fsync only for throwaway data', () => {
  const kept = postgresArgs(5999, '/d/pg', { throwaway: false, socketDir: '/d/pg' });
  const thrown = postgresArgs(5999, '/d/pg', { throwaway: true, socketDir: '/d/pg' });
  for (const args of [kept, thrown]) {
    expect(args).toEqual(expect.arrayContaining(['-D', '/d/pg', '-p', '5999']));
    for (const s of ['listen_addresses=127.0.0.1', 'unix_socket_directories=/d/pg', 'synchronous_commit=off', 'plan_cache_mode=force_custom_plan', `max_connections=${MAX_CONNECTIONS}`]) expect(args).toContain(s);
  }
  expect(kept.join(' ')).not.toMatch(/fsync|full_page_writes/);
  expect(thrown).toEqual(expect.arrayContaining(['fsync=off', 'full_page_writes=off']));
  expect(MAX_CONNECTIONS).toBeGreaterThan(POOL_MAX_CONNS + 3);
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { ensureFerretDb, ferretDbArgs, LocalServerError, startLocalServer } from '../src/db/local-server.js';

it('starts a server that answers ping with its data in the given folder, and stops it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'overdue-ls-'));
  const server = await startLocalServer({ dataDir: dir });
  try {
    expect(server.uri).toMatch(/^mongodb:\/\/127\.0\.0\.1:\d+\/$/);
    const client = await MongoClient.connect(server.uri, { serverSelectionTimeoutMS: 2000 });
    await client.db('x').collection('y').insertOne({ a: 1 });
    expect(await client.db('x').collection('y').countDocuments()).toBe(1);
    await client.close();
  } finally {
    await server.stop();
  }
  const after = new MongoClient(server.uri, { serverSelectionTimeoutMS: 300 });
  await expect(after.connect()).rejects.toThrow();
  await after.close();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

it('names what is missing when no server can be had', () => {
  const empty = mkdtempSync(join(tmpdir(), 'overdue-nogo-'));
  let err: unknown;
  try {
    ensureFerretDb(() => {}, { bin: join(empty, 'ferretdb'), goDirs: [empty] });
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(LocalServerError);
  expect(String(err)).toMatch(/MONGODB_URI is unset.*no `mongod` on PATH.*`go`/s);
  rmSync(empty, { recursive: true, force: true });
});

it('runs FerretDB on loopback only, never reporting telemetry, with a debug port that cannot collide', () => {
  const args = ferretDbArgs(27123, '/data/x');
  expect(args).toContain('--telemetry=disable');
  expect(args).toContain('--listen-addr=127.0.0.1:27123');
  expect(args).toContain('--debug-addr=127.0.0.1:0');
  expect(args).toContain('--sqlite-url=file:/data/x/');
});

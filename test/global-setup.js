// Jest global setup: a real local MongoDB-compatible server for the whole run
// (FerretDB over a throwaway PostgreSQL cluster, fsync off; over SQLite when
// PostgreSQL is not installed), in a fresh temp folder, or the server MONGODB_URI
// names, when set. Temp folders left by an earlier run that was killed (its
// launcher gone, its servers possibly still running) are cleaned up first.
// Plain CommonJS, because jest loads this file without its moduleNameMapper;
// tsx lets it require the TypeScript module that starts the server.
const { mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { register } = require('tsx/cjs/api');

const PREFIX = 'overdue-test-db-';

module.exports = async function globalSetup() {
  if (process.env.MONGODB_URI) {
    process.env.OVERDUE_TEST_MONGODB_URI = process.env.MONGODB_URI;
    return;
  }
  const unregister = register();
  const { startLocalServer, reapStaleTempDirs } = require('../src/db/local-server.ts');
  unregister();
  const log = (m) => process.stderr.write(`[test db] ${m}\n`);
  for (const dir of await reapStaleTempDirs(tmpdir(), PREFIX)) log(`removed ${dir}, left by a run that did not stop its server`);
  const dataDir = mkdtempSync(join(tmpdir(), PREFIX));
  const server = await startLocalServer({ dataDir, throwaway: true, progress: log });
  globalThis.__overdueTestServer = server;
  process.env.OVERDUE_TEST_MONGODB_URI = server.uri;
};

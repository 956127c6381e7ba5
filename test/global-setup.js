// Jest global setup: a real local MongoDB-compatible server for the whole run,
// in a fresh temp folder (or the server MONGODB_URI names, when set).
// Plain CommonJS, because jest loads this file without its moduleNameMapper;
// tsx lets it require the TypeScript module that starts the server.
const { mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { register } = require('tsx/cjs/api');

module.exports = async function globalSetup() {
  if (process.env.MONGODB_URI) {
    process.env.OVERDUE_TEST_MONGODB_URI = process.env.MONGODB_URI;
    return;
  }
  const unregister = register();
  const { startLocalServer } = require('../src/db/local-server.ts');
  unregister();
  const dataDir = mkdtempSync(join(tmpdir(), 'overdue-test-db-'));
  const server = await startLocalServer({ dataDir, progress: (m) => process.stderr.write(`[test db] ${m}\n`) });
  globalThis.__overdueTestServer = server;
  process.env.OVERDUE_TEST_MONGODB_URI = server.uri;
};

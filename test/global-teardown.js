// Jest global teardown: FerretDB, then PostgreSQL (fast shutdown), then the temp folder.
const { rmSync } = require('node:fs');

module.exports = async function globalTeardown() {
  const server = globalThis.__overdueTestServer;
  if (!server) return;
  await server.stop();
  rmSync(server.dataDir, { recursive: true, force: true });
};

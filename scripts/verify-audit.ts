// `npm run audit:verify -- [--account <id>]`: checks the audit trail's hash chain
// of every account (or one) in the configured database; exits 1 naming the first
// broken entry of each broken chain, 2 on bad usage or no database.
import { loadConfig } from '../src/config.js';
import { connectDatabase } from '../src/db/connect.js';
import { startLocalServer, type LocalServer } from '../src/db/local-server.js';
import { runVerify } from '../src/documents/verify.js';
import { createStore } from '../src/store/store.js';

async function main(): Promise<number> {
  const config = loadConfig(process.env);
  let local: LocalServer | undefined;
  let uri = config.mongo.uri;
  if (!uri) {
    local = await startLocalServer({ dataDir: config.mongo.localDir, progress: () => {} });
    uri = local.uri;
  }
  try {
    const database = await connectDatabase(uri, config.mongo.dbName, config.mongo.connectTimeoutMs);
    try {
      return await runVerify(database.db, createStore(database.db).audit, process.argv.slice(2), (l) => console.log(l));
    } finally {
      await database.close();
    }
  } finally {
    await local?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`audit:verify: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  },
);

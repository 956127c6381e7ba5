// For one-shot commands (audit:verify, cli): open the configured database —
// MONGODB_URI, else the embedded local server — run `work` against it, and
// close everything again whatever happens.
import type { Db } from 'mongodb';
import type { Config } from '../config.js';
import { connectDatabase } from './connect.js';
import { startLocalServer, type LocalServer } from './local-server.js';

export class LocalServerUnavailableError extends Error {}

export async function withConfiguredDatabase<T>(config: Config, work: (db: Db) => Promise<T>): Promise<T> {
  let local: LocalServer | undefined;
  let uri = config.mongo.uri;
  if (!uri) {
    local = await startLocalServer({ dataDir: config.mongo.localDir, progress: () => {} }).catch((err: unknown) => {
      throw new LocalServerUnavailableError(`no database: MONGODB_URI is unset and the local server did not start (${err instanceof Error ? err.message : String(err)})`);
    });
    uri = local.uri;
  }
  try {
    const database = await connectDatabase(uri, config.mongo.dbName, config.mongo.connectTimeoutMs);
    try {
      return await work(database.db);
    } finally {
      await database.close();
    }
  } finally {
    await local?.stop();
  }
}

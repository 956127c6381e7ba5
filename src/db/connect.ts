// Connect to MongoDB (or FerretDB) and fail with a clear message — never an
// unhandled rejection — when the server cannot be reached in time.
import { MongoClient, type Db, type MongoClientOptions } from 'mongodb';

export class DatabaseUnreachableError extends Error {
  constructor(uri: string, timeoutMs: number, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`cannot reach the database at ${redactUri(uri)} within ${timeoutMs} ms: ${reason}`);
    this.name = 'DatabaseUnreachableError';
  }
}

/** The URI with any password replaced, for messages and logs. */
export function redactUri(uri: string): string {
  return uri.replace(/\/\/([^:@/]+):([^@/]+)@/, '//$1:***@');
}

export interface Database {
  client: MongoClient;
  db: Db;
  close(): Promise<void>;
}

/** extra: more driver options, e.g. `{ monitorCommands: true }` for the benches' round-trip counts. */
export async function connectDatabase(uri: string, dbName: string, timeoutMs: number, extra: MongoClientOptions = {}): Promise<Database> {
  const client = new MongoClient(uri, {
    ...extra,
    serverSelectionTimeoutMS: timeoutMs,
    connectTimeoutMS: timeoutMs,
    appName: 'overdue',
  });
  try {
    await client.connect();
    await client.db(dbName).command({ ping: 1 });
  } catch (err) {
    await client.close().catch(() => {});
    throw new DatabaseUnreachableError(uri, timeoutMs, err);
  }
  return { client, db: client.db(dbName), close: () => client.close() };
}

/** True when the database answers ping within timeoutMs. */
export async function pingDatabase(db: Db, timeoutMs = 2_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((res) => {
    timer = setTimeout(() => res(false), timeoutMs);
  });
  try {
    return await Promise.race([db.command({ ping: 1 }).then(() => true as const), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

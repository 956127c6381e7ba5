// A launcher in its own process, for the stale-server test: starts the local
// server in argv[2], inserts { _id: 'kept' } into x.y, prints its pids as JSON
// and waits to be killed (SIGKILL: it never stops its servers).
import { MongoClient } from 'mongodb';
import { startLocalServer } from '../../src/db/local-server.js';

async function main(): Promise<void> {
  const dataDir = process.argv[2];
  if (!dataDir) throw new Error('usage: local-server-child <dataDir>');
  const server = await startLocalServer({ dataDir, throwaway: true });
  const client = await MongoClient.connect(server.uri);
  await client.db('x').collection<{ _id: string }>('y').insertOne({ _id: 'kept' });
  await client.close();
  process.stdout.write(`${JSON.stringify({ kind: server.kind, ...server.pids() })}\n`);
  setInterval(() => {}, 60_000);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});

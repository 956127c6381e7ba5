// A dispatcher in its own process, for the crash test: dispatches until killed.
// argv: <mongodb uri> <database name> <smtp url> <worker name> <lease ms>
import { connectDatabase } from '../../src/db/connect.js';
import { createChannels, createSmtpTransport, Dispatcher } from '../../src/outbox/index.js';
import { fixedPolicySource } from '../../src/planning/policy-source.js';
import { createStore } from '../../src/store/store.js';
import { anyTimePolicy } from './accounts.js';

async function main(): Promise<void> {
  const [uri, dbName, smtpUrl, worker, lease] = process.argv.slice(2);
  if (uri === undefined || dbName === undefined || smtpUrl === undefined || worker === undefined) throw new Error('usage: dispatch-worker <uri> <db> <smtp> <worker> [leaseMs]');
  const database = await connectDatabase(uri, dbName, 10_000);
  const store = createStore(database.db);
  const transport = createSmtpTransport(smtpUrl, { maxConnections: 2, timeoutMs: 1_000 });
  const dispatcher = new Dispatcher(store, {
    worker,
    leaseMs: Number(lease ?? 3_000),
    concurrency: 2,
    // It runs on the wall clock: any hour of any day is sending time.
    policies: fixedPolicySource(anyTimePolicy),
    batchSize: 4,
    channels: createChannels(database.db, { transport, from: 'Northwind <ar@northwind.example>', sendEnabled: true }),
  });
  process.stdout.write('ready\n');
  for (;;) {
    const stats = await dispatcher.runOnce({ maxEntries: 20 });
    if (stats.claimed === 0) await new Promise((r) => setTimeout(r, 100));
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});

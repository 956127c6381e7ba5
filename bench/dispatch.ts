// `npm run bench -- dispatch`: 10,000 due outbox entries (10,000 customers, one
// invoice and reminder each: the dispatcher sends one customer email per account
// a day), two dispatchers in this process on separate database connections, an
// SMTP sink on loopback. Reports entries/s, duplicates (target 0: counted at the
// sink by outbox key), the delay from due to received at the sink (p50/p95) and
// the time spent in each store operation, and the database round trips per entry sent
// (every command the driver starts, counted with its command monitoring, during the
// dispatch phase only). Uses MONGODB_URI when set, otherwise a local server
// (throwaway: fsync off) in a temporary folder. BENCH_DISPATCH_ENTRIES changes the count (default
// 10,000), BENCH_DISPATCH_WORKERS the number of dispatchers (default 2),
// BENCH_DISPATCH_SECONDS caps the run (a capped run prints the full drain time its
// rate implies; on the SQLite fallback 10,000 entries take most of an hour).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectDatabase, type Database } from '../src/db/connect.js';
import { startLocalServer, type LocalServer } from '../src/db/local-server.js';
import { OutboxEntries } from '../src/store/outbox-entries.js';
import { DueQueue } from '../src/store/outbox-due.js';
import { createChannels, createSmtpTransport, Dispatcher, type DispatchStats } from '../src/outbox/index.js';
import { fixedPolicySource } from '../src/planning/policy-source.js';
import { collections, createStore, ensureIndexes, type Store } from '../src/store/store.js';
import { anyTimePolicy, liveConnection, seedDueReminders, seedOrg } from '../test/helpers/accounts.js';
import { startSmtpSink } from '../test/helpers/smtp-sink.js';

const ENTRIES = Number(process.env['BENCH_DISPATCH_ENTRIES'] ?? 10_000);
/** Stop claiming after this many seconds (0: run until the outbox is drained). */
const MAX_SECONDS = Number(process.env['BENCH_DISPATCH_SECONDS'] ?? 0);
/** One entry per customer: the dispatcher sends at most one customer email per account a day. */
const PER_CUSTOMER = 1;
const DISPATCHERS = Number(process.env['BENCH_DISPATCH_WORKERS'] ?? 2);
const CONCURRENCY = 4;
/** Entries claimed per scan of the due queue (src/store/outbox-due.ts). */
const BATCH = 16;
const ORG = 'org-bench';

/** Wall time per store operation (calls overlap across lanes: each is the time one caller waited). */
const timings = new Map<string, { n: number; ms: number }>();

function timed(target: object, method: string, label: string): void {
  const original: unknown = Reflect.get(target, method);
  if (typeof original !== 'function') throw new Error(`no method ${method} to time`);
  Reflect.set(target, method, async function (this: unknown, ...args: unknown[]): Promise<unknown> {
    const started = performance.now();
    try {
      return await Reflect.apply(original, this, args);
    } finally {
      const t = timings.get(label) ?? { n: 0, ms: 0 };
      t.n++;
      t.ms += performance.now() - started;
      timings.set(label, t);
    }
  });
}

function timeStore(store: Store): void {
  timed(store.outbox, 'markSent', 'outbox.markSent');
  timed(store.outbox, 'markFailed', 'outbox.markFailed');
  timed(store.audit, 'append', 'audit.append');
  timed(store.claims, 'take', 'claims.take');
  timed(store.claims, 'holder', 'claims.holder');
  timed(store.customers, 'get', 'customers.get');
  timed(store.invoices, 'get', 'invoices.get');
  timed(store.organisations, 'get', 'organisations.get');
  timed(store.connections, 'get', 'connections.get');
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

async function seed(database: Database, now: Date): Promise<number> {
  const store = createStore(database.db);
  await seedOrg(store, ORG, now, 'UTC');
  await liveConnection(store, ORG, now);
  return (await seedDueReminders(database.db, { orgId: ORG, entries: ENTRIES, perCustomer: PER_CUSTOMER, now })).length;
}

export async function run(): Promise<void> {
  for (const [name, v, min] of [['BENCH_DISPATCH_ENTRIES', ENTRIES, 1], ['BENCH_DISPATCH_WORKERS', DISPATCHERS, 1], ['BENCH_DISPATCH_SECONDS', MAX_SECONDS, 0]] as const) {
    if (!Number.isInteger(v) || v < min) throw new Error(`${name} must be an integer ≥ ${min}`);
  }
  console.log(`dispatch bench: ${ENTRIES} due entries, ${DISPATCHERS} dispatchers × ${CONCURRENCY} lanes${MAX_SECONDS > 0 ? `, capped at ${MAX_SECONDS} s` : ', until drained'}`);
  let local: LocalServer | undefined;
  let dataDir: string | undefined;
  let uri = process.env['MONGODB_URI'];
  if (!uri) {
    dataDir = mkdtempSync(join(tmpdir(), 'overdue-bench-dispatch-'));
    local = await startLocalServer({ dataDir, throwaway: true });
    uri = local.uri;
  }
  const dbName = `bench_dispatch_${Date.now()}`;
  // Round trips: every command any dispatcher's client starts while dispatching.
  const commands = new Map<string, number>();
  /** The same, by command and collection (find outbox_due, insert claims, …): the per-operation profile. */
  const byCollection = new Map<string, number>();
  let counting = false;
  const monitored = async (): Promise<Database> => {
    const d = await connectDatabase(uri, dbName, 10_000, { monitorCommands: true });
    d.client.on('commandStarted', (e) => {
      if (!counting) return;
      commands.set(e.commandName, (commands.get(e.commandName) ?? 0) + 1);
      const target: unknown = (e.command as Record<string, unknown>)[e.commandName];
      const key = `${e.commandName} ${typeof target === 'string' ? target : ''}`.trim();
      byCollection.set(key, (byCollection.get(key) ?? 0) + 1);
    });
    return d;
  };
  const main = await monitored();
  const sink = await startSmtpSink();
  const extra: Database[] = [];
  try {
    await ensureIndexes(main.db);
    const t0 = new Date();
    const seeded = await seed(main, t0);
    console.log(`database: ${local ? `local ${local.kind}` : 'MONGODB_URI'}; seeded ${seeded} due entries in ${((Date.now() - t0.getTime()) / 1000).toFixed(1)} s`);

    const workers = [];
    for (let w = 0; w < DISPATCHERS; w++) {
      const db = w === 0 ? main : await monitored();
      if (w > 0) extra.push(db);
      const store = createStore(db.db);
      timeStore(store);
      const transport = createSmtpTransport(sink.url, { maxConnections: CONCURRENCY, timeoutMs: 10_000 });
      const dispatcher = new Dispatcher(store, {
        worker: `bench-${w}`,
        channels: createChannels(db.db, { transport, from: 'Northwind Collections <ar@northwind.example>', sendEnabled: true }),
        concurrency: CONCURRENCY,
        batchSize: BATCH,
        // The bench runs on the wall clock: any hour of any day is sending time.
        policies: fixedPolicySource(anyTimePolicy),
      });
      workers.push({ dispatcher, transport });
    }
    timed(DueQueue.prototype, 'promote', 'due.promote (once per run)');
    timed(DueQueue.prototype, 'next', 'due.next (scan + reads by _id)');
    timed(DueQueue.prototype, 'drop', 'due.drop (pointer delete)');
    timed(OutboxEntries.prototype, 'claim', 'entries.claim (the claim insert)');
    timed(OutboxEntries.prototype, 'finish', 'entries.finish (the one update)');
    // Every entry is due by now: the delay is counted from the moment the dispatchers start.
    const dueAt = Date.now();
    const progress = setInterval(() => console.log(`  … ${sink.messages.length} received after ${((Date.now() - dueAt) / 1000).toFixed(0)} s`), 30_000);
    const start = Date.now();
    counting = true;
    const stopAt = MAX_SECONDS > 0 ? start + MAX_SECONDS * 1000 : undefined;
    const stats: DispatchStats[] = await Promise.all(workers.map((w) => w.dispatcher.runOnce(stopAt !== undefined ? { stopAt } : {})));
    const seconds = (Date.now() - start) / 1000;
    counting = false;
    clearInterval(progress);
    for (const w of workers) w.transport.close();

    const byKey = new Map<string, number>();
    for (const m of sink.messages) {
      const key = m.headers.get('x-overdue-key') ?? '?';
      byKey.set(key, (byKey.get(key) ?? 0) + 1);
    }
    const duplicates = sink.messages.length - byKey.size;
    const delays = sink.messages.map((m) => m.receivedAt - dueAt).sort((a, b) => a - b);
    const states = await createStore(main.db).outbox.countByState();
    if (sink.messages.length < seeded) {
      const rate = sink.messages.length / seconds;
      const left = rate > 0 ? `; at this rate all ${seeded} would take ≈ ${(seeded / rate / 60).toFixed(0)} min` : '';
      console.log(`stopped after ${MAX_SECONDS} s (BENCH_DISPATCH_SECONDS): figures are for the ${sink.messages.length} entries sent so far${left}`);
    }
    console.log(`entries: ${seeded}; received at the sink: ${sink.messages.length} (${byKey.size} distinct); duplicates: ${duplicates} (target 0)`);
    console.log(`per dispatcher: ${stats.map((s, i) => `bench-${i} sent ${s.sent}, retried ${s.retried}, failed ${s.failed}, lost leases ${s.lostLease}`).join('; ')}`);
    console.log(`outbox afterwards: ${JSON.stringify(states)}; due queue afterwards: ${await main.db.collection(collections.outboxDue).countDocuments({})} pointers`);
    console.log(`throughput: ${(sink.messages.length / seconds).toFixed(1)} entries/s over ${seconds.toFixed(1)} s (${DISPATCHERS} dispatchers × ${CONCURRENCY} lanes, batches of ${BATCH})`);
    const perEntry = Math.max(1, sink.messages.length);
    const roundTrips = [...commands.values()].reduce((a, b) => a + b, 0);
    const stuck = (states['sending'] ?? 0) + (states['pending'] ?? 0);
    console.log(`stuck (left sending or pending): ${stuck}${sink.messages.length < seeded ? ' (a capped run leaves the rest pending)' : ''} (target 0)`);
    console.log(
      `database round trips: ${roundTrips} while dispatching, ${(roundTrips / perEntry).toFixed(1)} per entry sent (${[...commands.entries()]
        .sort((a, b) => b[1] - a[1])
        .map(([name, n]) => `${name} ${(n / perEntry).toFixed(2)}`)
        .join(', ')})`,
    );
    console.log(
      `  by collection, per entry sent: ${[...byCollection.entries()]
        .sort((a, b) => b[1] - a[1])
        .map(([name, n]) => `${name} ${(n / perEntry).toFixed(2)}`)
        .join(', ')}`,
    );
    console.log('store time per operation (wall, lanes overlap):');
    for (const [label, t] of [...timings.entries()].sort((a, b) => b[1].ms - a[1].ms)) {
      console.log(`  ${label.padEnd(32)} ${String(t.n).padStart(6)} calls  ${(t.ms / t.n).toFixed(1).padStart(7)} ms/call  ${(t.ms / perEntry).toFixed(1).padStart(7)} ms/entry sent`);
    }
    console.log(`delay due → sent (received at the sink): p50 ${(percentile(delays, 50) / 1000).toFixed(1)} s, p95 ${(percentile(delays, 95) / 1000).toFixed(1)} s, max ${(percentile(delays, 100) / 1000).toFixed(1)} s (every entry due when the dispatchers start: a backlog drain)`);
  } finally {
    await sink.close();
    for (const d of extra) await d.close();
    await main.db.dropDatabase().catch(() => undefined);
    await main.close();
    await local?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

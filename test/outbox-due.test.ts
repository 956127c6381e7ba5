// The due queue (src/store/outbox-due.ts): the dispatcher's scan costs the same
// however many entries the outbox keeps. Held to machine-independent figures: the
// documents the scan returns, and (on the local FerretDB) that the scan goes to
// SQL with its LIMIT (explain's limitPushdown), while the outbox's old `$or`
// query was evaluated in FerretDB over every row (filterPushdown false).
import { createChannels, createSmtpTransport, Dispatcher } from '../src/outbox/index.js';
import { fixedPolicySource } from '../src/planning/policy-source.js';
import { DueQueue } from '../src/store/outbox-due.js';
import { collections, createStore, ensureIndexes } from '../src/store/store.js';
import type { OutboxEntryDoc } from '../src/store/types.js';
import { anyTimePolicy, liveConnection, seedDueReminders, seedOrg } from './helpers/accounts.js';
import { openTestDatabase } from './helpers/db.js';
import { startSmtpSink, type SmtpSink } from './helpers/smtp-sink.js';

let database: Awaited<ReturnType<typeof openTestDatabase>>;
let sink: SmtpSink;
const ORG = 'org-due';

beforeAll(async () => {
  database = await openTestDatabase('outboxdue');
  await ensureIndexes(database.db);
  sink = await startSmtpSink();
});
afterAll(async () => {
  await sink.close();
  await database.drop();
});

const outbox = () => database.db.collection<OutboxEntryDoc>(collections.outbox);
const queue = () => new DueQueue(database.db, outbox());

function entry(id: string, state: OutboxEntryDoc['state'], at: Date): OutboxEntryDoc {
  return { _id: id, orgId: ORG, customerId: `c-${id}`, channel: 'task', kind: 'task', payload: {}, invoiceIds: [], state, attempts: state === 'sent' ? 1 : 0, dueAt: at, nextAttemptAt: at, createdAt: at, updatedAt: at };
}

async function addSent(prefix: string, n: number, at: Date): Promise<void> {
  for (let k = 0; k < n; k += 1_000) await outbox().insertMany(Array.from({ length: Math.min(1_000, n - k) }, (_, i) => entry(`${prefix}-${k + i}`, 'sent', at)));
}

/** What FerretDB says it sent to SQL for a query (absent on a real MongoDB, where the indexes serve instead). */
async function pushdown(cursor: { explain(): Promise<unknown> }): Promise<{ filter?: boolean; limit?: boolean } | null> {
  const e = (await cursor.explain()) as Record<string, unknown>;
  if (!('limitPushdown' in e)) return null;
  return { filter: e['filterPushdown'] === true, limit: e['limitPushdown'] === true };
}

describe('the due queue', () => {
  it('returns the same documents per scan whether the outbox holds 500 or 3,500 sent entries', async () => {
    const now = new Date('2026-12-05T10:00:00Z');
    await addSent('old', 500, new Date(now.getTime() - 86_400_000));
    await outbox().insertMany([
      ...Array.from({ length: 5 }, (_, i) => entry(`due-${i}`, 'pending', new Date(now.getTime() - i * 1_000))),
      ...Array.from({ length: 3 }, (_, i) => entry(`later-${i}`, 'pending', new Date(now.getTime() + 3_600_000))),
    ]);
    const q = queue();
    expect(await q.promote(now)).toBe(5);
    expect(await q.promote(now)).toBe(0); // pointers are added once
    const small = await q.scan(16).toArray();
    const first = await q.next('w1', now, 16, ['task']);

    await addSent('more', 3_000, new Date(now.getTime() - 3_600_000));
    expect(await q.promote(now)).toBe(0);
    const large = await q.scan(16).toArray();
    const second = await q.next('w1', now, 16, ['task']);

    expect(small).toHaveLength(5);
    expect(large).toHaveLength(5);
    expect(first.entries.map((e) => e._id).sort()).toEqual(['due-0', 'due-1', 'due-2', 'due-3', 'due-4']);
    expect(second.entries.map((e) => e._id).sort()).toEqual(first.entries.map((e) => e._id).sort());
    // Longest waiting first.
    expect(first.entries[0]?._id).toBe('due-4');

    const scanPlan = await pushdown(q.scan(16));
    const oldScan = outbox().find({ $or: [{ state: 'pending', nextAttemptAt: { $lte: now } }, { state: 'sending', lockedUntil: { $lt: now } }] }).limit(32);
    const oldPlan = await pushdown(oldScan);
    if (scanPlan && oldPlan) {
      // On FerretDB: the scan is a SQL LIMIT; the old query fetched and decoded every row of the outbox.
      expect(scanPlan.limit).toBe(true);
      expect(oldPlan).toEqual({ filter: false, limit: false });
    }

    // The later entries come due: the next promotion adds them, and only them.
    const later = new Date(now.getTime() + 3_600_000);
    expect(await q.promote(later)).toBe(3);
    expect(await q.count()).toBe(8);
  });

  it('drops the pointer of an entry that is no longer due when a scan meets it', async () => {
    const now = new Date('2026-12-05T11:00:00Z');
    await outbox().insertMany([entry('gone-sent', 'pending', now), entry('gone-later', 'pending', now)]);
    const q = queue();
    await q.promote(now);
    await outbox().updateOne({ _id: 'gone-sent' }, { $set: { state: 'sent' } });
    await outbox().updateOne({ _id: 'gone-later' }, { $set: { nextAttemptAt: new Date(now.getTime() + 60_000) } });
    await database.db.collection(collections.outboxDue).deleteMany({ _id: { $nin: ['gone-sent', 'gone-later'] } } as never);
    const batch = await q.next('w1', now, 16, ['task']);
    expect(batch.entries).toEqual([]);
    expect(batch.dropped).toBe(2);
    expect(await q.count()).toBe(0);
  });

  it('the dispatcher sends through it: every due entry once, the queue empty afterwards, sent entries never scanned again', async () => {
    const db2 = await openTestDatabase('outboxdue2');
    try {
      await ensureIndexes(db2.db);
      const s = createStore(db2.db);
      const now = new Date(Date.now() - 1_000);
      await seedOrg(s, ORG, now, 'UTC');
      await liveConnection(s, ORG, now);
      const keys = await seedDueReminders(db2.db, { orgId: ORG, entries: 12, perCustomer: 1, now });
      const transport = createSmtpTransport(sink.url, { maxConnections: 2, timeoutMs: 10_000 });
      const dispatcher = new Dispatcher(s, {
        worker: 'due-test',
        channels: createChannels(db2.db, { transport, from: 'Northwind Collections <ar@northwind.example>', sendEnabled: true }),
        concurrency: 2,
        batchSize: 4,
        policies: fixedPolicySource(anyTimePolicy),
      });
      const before = sink.messages.length;
      const stats = await dispatcher.runOnce();
      transport.close();
      expect(stats.sent).toBe(12);
      const got = sink.messages.slice(before).map((m) => m.headers.get('x-overdue-key'));
      expect(new Set(got)).toEqual(new Set(keys));
      expect(got).toHaveLength(12);
      expect(await db2.db.collection(collections.outboxDue).countDocuments({})).toBe(0);
      // A later run finds nothing, and leaves nothing behind.
      const again = await dispatcher.runOnce();
      expect(again.claimed).toBe(0);
      expect(await db2.db.collection(collections.outboxDue).countDocuments({})).toBe(0);
    } finally {
      await db2.drop();
    }
  });
});

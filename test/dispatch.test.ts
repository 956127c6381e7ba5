import { zonedInstant } from '../src/domain/calendar.js';
import { connectDatabase, type Database } from '../src/db/connect.js';
import { nextRetryDelay } from '../src/domain/retry.js';
import { createChannels, createSmtpTransport, Dispatcher, outboxRetry, sentMarker, TaskChannel, type SmtpTransport } from '../src/outbox/index.js';
import { Planner } from '../src/planning/plan.js';
import { storedPolicySource } from '../src/planning/policy-source.js';
import { bounces } from '../src/planning/state.js';
import { createStore, ensureIndexes, type Store } from '../src/store/store.js';
import type { CustomerDoc, InvoiceDoc } from '../src/store/types.js';
import { customerDoc, invoiceDoc, liveConnection, payInvoice, saveCustomer, seedOrg, standardContacts } from './helpers/accounts.js';
import { openTestDatabase, testDatabaseUri } from './helpers/db.js';
import { startSmtpSink, type SmtpSink } from './helpers/smtp-sink.js';

const T0 = new Date('2025-03-01T00:00:00Z');
const at = (date: string, hhmm: string): Date => new Date(zonedInstant(date, hhmm, 'America/Chicago'));

let database: Awaited<ReturnType<typeof openTestDatabase>>;
let store: Store;
let sink: SmtpSink;
let transport: SmtpTransport;
let planner: Planner;
let seq = 0;

beforeAll(async () => {
  database = await openTestDatabase('dispatch');
  await ensureIndexes(database.db);
  store = createStore(database.db);
  sink = await startSmtpSink();
  transport = createSmtpTransport(sink.url, { maxConnections: 4, timeoutMs: 5_000 });
  planner = new Planner(store, { worker: 'planner', policies: storedPolicySource(store.policies) });
  await seedOrg(store, 'org-d', T0);
  await liveConnection(store, 'org-d', T0);
});
afterAll(async () => {
  transport.close();
  await sink.close();
  await database.drop();
});

function dispatcher(worker: string, now: () => Date, extra: Partial<ConstructorParameters<typeof Dispatcher>[1]> = {}, s: Store = store): Dispatcher {
  return new Dispatcher(s, {
    worker,
    now,
    channels: createChannels(s.db, { transport, from: 'Northwind Collections <ar@northwind.example>', sendEnabled: true }),
    ...extra,
  });
}

async function account(domain: string, due = '2025-03-03', amountMinor = 250_000, extra: Partial<CustomerDoc> = {}): Promise<{ c: CustomerDoc; inv: InvoiceDoc }> {
  seq++;
  const c = customerDoc('org-d', `d${seq}`, `Customer ${seq}`, standardContacts(domain), T0, extra);
  const inv = invoiceDoc(c, `di${seq}`, `INV-${5000 + seq}`, due, amountMinor, T0);
  await saveCustomer(store, c, [inv]);
  return { c, inv };
}

const messagesFor = (key: string) => sink.messages.filter((m) => m.headers.get('x-overdue-key') === key);

it('sends a due reminder once: text and HTML parts, reply-to the collector, every past-due invoice, audited', async () => {
  const { c, inv } = await account('acme.example');
  const planned = await planner.plan(c._id, at('2025-03-04', '08:00'));
  const key = planned.enqueued[0] ?? '';
  const early = await dispatcher('w1', () => at('2025-03-04', '08:30')).runOnce();
  expect(early.claimed).toBe(0); // not due before 09:00 local
  const stats = await dispatcher('w1', () => at('2025-03-04', '09:00')).runOnce();
  expect(stats).toMatchObject({ claimed: 1, sent: 1, cancelled: 0 });
  const [m] = messagesFor(key);
  expect(messagesFor(key)).toHaveLength(1);
  expect(m?.to).toEqual(['bea@acme.example']);
  expect(m?.headers.get('subject')).toBe(`Friendly reminder: invoice ${inv.number} past due`);
  expect(m?.headers.get('reply-to')).toBe('cole.lector@northwind.example');
  expect(m?.headers.get('content-type')).toMatch(/multipart\/alternative/);
  expect(m?.raw).toContain('text/html');
  expect(m?.raw).toContain('https://pay.example/' + inv.number);
  expect(m?.raw).toContain('2,500.00 USD');
  expect(await store.outbox.get(key)).toMatchObject({ state: 'sent', attempts: 1 });
  const sent = (await store.audit.list(c._id)).find((e) => e.action === 'outbox.sent');
  expect(sent?.outcome).toBe('first reminder email sent to Bea Billing <bea@acme.example>');
  // The engine now sees it in the history: nothing more today.
  expect((await planner.plan(c._id, at('2025-03-04', '10:00'))).decision?.actions).toEqual([]);
});

it('paid before sending: nothing is sent, the entry is cancelled and the audit trail says why', async () => {
  const { c, inv } = await account('paid.example');
  const key = (await planner.plan(c._id, at('2025-03-04', '08:00'))).enqueued[0] ?? '';
  await payInvoice(store, inv, at('2025-03-04', '08:45'));
  const stats = await dispatcher('w1', () => at('2025-03-04', '09:00')).runOnce();
  expect(stats).toMatchObject({ claimed: 1, sent: 0, cancelled: 1, replan: [c._id] });
  expect(messagesFor(key)).toHaveLength(0);
  expect(await store.outbox.get(key)).toMatchObject({ state: 'cancelled', cancelReason: `${inv.number} was paid before sending` });
  const trail = await store.audit.list(c._id);
  expect(trail.find((e) => e.action === 'outbox.cancelled')?.outcome).toBe(`${inv.number} was paid before sending`);
});

it('paid at the platform since a stale sync: the live balance cancels the entry', async () => {
  const { c, inv } = await account('live.example');
  const key = (await planner.plan(c._id, at('2025-03-04', '08:00'))).enqueued[0] ?? '';
  const asked: string[] = [];
  const d = dispatcher('w1', () => at('2025-03-04', '09:00'), {
    freshness: {
      staleAfterMs: 15 * 60_000,
      fetchLiveBalance: (i) => {
        asked.push(i.number);
        return Promise.resolve({ balanceMinor: 0, status: 'paid' });
      },
    },
  });
  const stats = await d.runOnce();
  expect(asked).toEqual([inv.number]); // the connection was never synced: stale
  expect(stats.cancelled).toBe(1);
  expect(messagesFor(key)).toHaveLength(0);
  expect((await store.outbox.get(key))?.cancelReason).toMatch(new RegExp(`^${inv.number} was paid at quickbooks before sending \\(checked live`));
});

it('a refused recipient bounces: recorded, audited, and after the wait for that role the plan writes to the next contact', async () => {
  const { c } = await account('bounce.example');
  sink.refuse.add('bea@bounce.example');
  const key = (await planner.plan(c._id, at('2025-03-04', '08:00'))).enqueued[0] ?? '';
  const stats = await dispatcher('w1', () => at('2025-03-04', '09:00')).runOnce();
  expect(stats).toMatchObject({ sent: 0, failed: 1, bounced: 1, replan: [c._id] });
  expect(await store.outbox.get(key)).toMatchObject({ state: 'failed' });
  expect(await bounces(database.db).bouncedAmong('org-d', ['bea@bounce.example'])).toEqual(new Set(['bea@bounce.example']));
  const trail = await store.audit.list(c._id);
  expect(trail.find((e) => e.action === 'contact.bounced')?.outcome).toMatch(/^bea@bounce\.example refused: .*550/);

  // The only billing contact bounced: the collector is asked to find another, and the reminder waits for one
  // (5 business days, docs/escalation.md) before it goes up the ladder to AP, saying so.
  const again = await planner.plan(c._id, at('2025-03-04', '09:05'));
  expect(again.revived).toEqual([]);
  expect(again.decision?.explanation).toContain('no reachable billing contact');
  await dispatcher('w1', () => at('2025-03-04', '09:06')).runOnce();
  const later = await planner.plan(c._id, at('2025-03-11', '08:00'));
  expect(later.revived).toEqual([key]);
  await dispatcher('w1', () => at('2025-03-11', '09:06')).runOnce();
  expect(messagesFor(key).map((m) => m.to)).toEqual([['al@bounce.example']]);
  sink.refuse.clear();
});

it('a transient SMTP failure is retried with exponential backoff', async () => {
  const { c } = await account('retry.example');
  const key = (await planner.plan(c._id, at('2025-03-04', '08:00'))).enqueued[0] ?? '';
  sink.failNext = 1;
  const first = await dispatcher('w1', () => at('2025-03-04', '09:00'), { retry: outboxRetry }).runOnce();
  expect(first).toMatchObject({ retried: 1, sent: 0 });
  expect(await store.outbox.get(key)).toMatchObject({ state: 'pending', nextAttemptAt: at('2025-03-04', '09:01') });
  expect((await dispatcher('w1', () => new Date(at('2025-03-04', '09:00').getTime() + 30_000)).runOnce()).claimed).toBe(0);
  const second = await dispatcher('w1', () => at('2025-03-04', '09:01'), { retry: outboxRetry }).runOnce();
  expect(second).toMatchObject({ sent: 1 });
  expect(messagesFor(key)).toHaveLength(1);
  expect(nextRetryDelay(2, outboxRetry)).toBe(120_000);
  expect(nextRetryDelay(8, outboxRetry)).toBeNull();
});

it('urgent emails ask for a read receipt; letters carry the attachment the hook gives', async () => {
  const { c } = await account('urgent.example', '2025-01-01', 400_000);
  // First seen 36 days past due: catch-up to 'collector call' (urgent account matter).
  const planned = await planner.plan(c._id, at('2025-02-06', '08:00'));
  const emailKey = planned.enqueued.find((k) => k.includes(':collector-call:email:')) ?? '';
  expect(emailKey).not.toBe('');
  await dispatcher('w1', () => at('2025-02-06', '16:00')).runOnce();
  const [m] = messagesFor(emailKey);
  expect(m?.headers.get('subject')).toMatch(/^Urgent Account Matter: Customer \d+, 4,000.00 USD past due$/);
  expect(m?.headers.get('disposition-notification-to')).toBe('cole.lector@northwind.example');
  expect(m?.headers.get('x-priority')).toMatch(/^1/);
  const tasks = await new TaskChannel(database.db).list('org-d');
  expect(tasks.filter((t) => t.customerId === c._id).map((t) => t.kind)).toEqual(['call']);

  const { c: c2 } = await account('letter.example', '2025-01-01', 400_000);
  const letterPlan = await planner.plan(c2._id, at('2025-03-04', '08:00')); // 62 days: the written warning (mandatory)
  const letterKey = letterPlan.enqueued.find((k) => k.includes(':written-warning:letter:')) ?? '';
  expect(letterKey).not.toBe('');
  await dispatcher('w1', () => at('2025-03-04', '16:00'), {
    channels: createChannels(database.db, {
      transport,
      from: 'Northwind Collections <ar@northwind.example>',
      sendEnabled: true,
      attachLetter: (ctx) => Promise.resolve({ filename: `${ctx.action.levelId}.pdf`, content: Buffer.from('%PDF-1.4 letter'), contentType: 'application/pdf' }),
    }),
  }).runOnce();
  const [letter] = messagesFor(letterKey);
  expect(letter?.headers.get('subject')).toMatch(/^Written notice: past-due balance of 4,000.00 USD/);
  expect(letter?.raw).toContain('filename=written-warning.pdf');
  // 7 business days from Tue 4 March (the policy's letters.deadlineDays, business by default; was 7 calendar days,
  // 11 March), dated in the letters' style: the organisation's document locale (en-US) for a customer whose country is not known.
  expect(letter?.raw).toMatch(/by March 13, 2025/);
});

it('dry run (SEND_ENABLED=false, decided by the dispatcher): renders and records, sends nothing', async () => {
  const { c } = await account('dry.example');
  const key = (await planner.plan(c._id, at('2025-03-04', '08:00'))).enqueued[0] ?? '';
  await dispatcher('w1', () => at('2025-03-04', '09:00'), {
    channels: createChannels(database.db, { transport, from: 'ar@northwind.example' }),
    sendEnabled: false,
  }).runOnce();
  expect(messagesFor(key)).toHaveLength(0);
  expect(await store.outbox.get(key)).toMatchObject({ state: 'sent', result: { dryRun: true } });
});

it('two dispatchers on separate connections send every entry exactly once', async () => {
  const N = 60;
  const now = at('2025-03-04', '09:00');
  const keys: string[] = [];
  for (let i = 0; i < N; i++) {
    const key = `race-${i}`;
    keys.push(key);
    const { c } = await account(`race${i}.example`);
    const planned = await planner.plan(c._id, at('2025-03-04', '08:00'));
    keys[i] = planned.enqueued[0] ?? key;
  }
  const second: Database = await connectDatabase(testDatabaseUri(), database.name, 10_000);
  try {
    const storeB = createStore(second.db);
    const [a, b] = await Promise.all([
      dispatcher('worker-a', () => now, { concurrency: 4 }).runOnce(),
      dispatcher('worker-b', () => now, { concurrency: 4 }, storeB).runOnce(),
    ]);
    expect(a.sent + b.sent).toBe(N);
    expect(a.sent).toBeGreaterThan(0);
    expect(b.sent).toBeGreaterThan(0);
  } finally {
    await second.close();
  }
  for (const k of keys) expect(messagesFor(k)).toHaveLength(1);
  expect(await store.outbox.countByState()).not.toHaveProperty('sending');
}, 120_000);

it('hands an entry back unsent when too little of its lease is left to send, and sends it on a fresh claim', async () => {
  const a = await account('slow-a.example');
  const b = await account('slow-b.example');
  const keys = [...(await planner.plan(a.c._id, at('2025-03-04', '08:00'))).enqueued, ...(await planner.plan(b.c._id, at('2025-03-04', '08:00'))).enqueued];
  let clock = at('2025-03-04', '09:00');
  let slow = 1;
  // The checks before sending take long once (a slow platform answering the live balance): 20 s of a 60 s lease.
  const freshness = {
    staleAfterMs: 15 * 60_000,
    fetchLiveBalance: () => {
      if (slow-- > 0) clock = new Date(clock.getTime() + 20_000);
      return Promise.resolve(null);
    },
  };
  const d = dispatcher('slow', () => clock, { freshness, concurrency: 1, batchSize: 2, leaseMs: 60_000, sendMarginMs: 45_000 });
  const stats = await d.runOnce();
  expect(stats).toMatchObject({ claimed: 3, sent: 2, handedBack: 1 });
  for (const k of keys) expect(messagesFor(k)).toHaveLength(1);
});

it('an entry whose claim was taken by a worker that died before writing its lease is sent after the lease time', async () => {
  const { c } = await account('dead-claim.example');
  const key = (await planner.plan(c._id, at('2025-03-04', '08:00'))).enqueued[0] ?? '';
  expect(await store.claims.take(`outbox:${key}:1`, 'dead-worker', at('2025-03-04', '09:00'))).toBe(true);
  const d = (t: string) => dispatcher('alive', () => at('2025-03-04', t), { leaseMs: 60_000 });
  expect((await d('09:00').runOnce()).sent).toBe(0); // claimed a moment ago: maybe still at work
  expect((await d('09:02').runOnce()).sent).toBe(1); // a lease later: moved past the dead attempt
  expect(await store.outbox.get(key)).toMatchObject({ state: 'sent', attempts: 2 });
  expect(messagesFor(key)).toHaveLength(1);
});

it('an expired lease whose takeover claim died too is still taken over', async () => {
  const { c } = await account('dead-twice.example');
  const key = (await planner.plan(c._id, at('2025-03-04', '08:00'))).enqueued[0] ?? '';
  // Worker 1 claims attempt 1 and dies mid-send; worker 2 claims attempt 2 and dies before writing its lease.
  const claimed = await store.outbox.claimNext('dies-1', at('2025-03-04', '09:00'), 60_000);
  expect(claimed?._id).toBe(key);
  expect(await store.claims.take(`outbox:${key}:2`, 'dies-2', new Date(at('2025-03-04', '09:01').getTime() + 30_000))).toBe(true);
  expect((await dispatcher('alive', () => at('2025-03-04', '09:02'), { leaseMs: 60_000 }).runOnce()).sent).toBe(0);
  expect((await dispatcher('alive', () => at('2025-03-04', '09:03'), { leaseMs: 60_000 }).runOnce()).sent).toBe(1);
  expect(await store.outbox.get(key)).toMatchObject({ state: 'sent', attempts: 3 });
  expect(messagesFor(key)).toHaveLength(1);
});

it('a worker that died right after the SMTP accept does not cause a second send', async () => {
  const { c } = await account('accepted.example');
  const key = (await planner.plan(c._id, at('2025-03-04', '08:00'))).enqueued[0] ?? '';
  expect((await store.outbox.claimNext('dies', at('2025-03-04', '09:00'), 60_000))?._id).toBe(key);
  expect(await store.claims.take(sentMarker(key), 'dies', at('2025-03-04', '09:00'))).toBe(true); // accepted, then killed
  const stats = await dispatcher('alive', () => at('2025-03-04', '09:05'), { leaseMs: 60_000 }).runOnce();
  expect(stats).toMatchObject({ claimed: 1, sent: 1 });
  expect(messagesFor(key)).toHaveLength(0);
  expect(await store.outbox.get(key)).toMatchObject({ state: 'sent', attempts: 2, result: { recovered: true, sentBy: 'dies' } });
});

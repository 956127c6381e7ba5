// Outbound safety at dispatch time, against the real database and the SMTP sink:
// the organisation's kill switch and the connection's dry run (both through the
// admin API), per-minute send rates, one customer email per account per local
// day, and sending hours in the customer's zone — plus the pure slot math.
import type { Server } from 'node:http';
import { zonedInstant } from '../src/domain/calendar.js';
import { defaultPolicy, nextSendingDay, nextSendingStart, sendingWindow } from '../src/engine/index.js';
import { createApp } from '../src/http/app.js';
import { orgAuditAccount, outboundRouter } from '../app/http/outbound.js';
import { createLogger } from '../src/logger.js';
import { createChannels, createSmtpTransport, Dispatcher, TaskChannel, type SmtpTransport } from '../src/outbox/index.js';
import { minuteKey, nextMinute, rateSlotKey, slotsToTry } from '../src/outbox/safety.js';
import { Planner } from '../src/planning/plan.js';
import { storedPolicySource } from '../src/planning/policy-source.js';
import { createStore, ensureIndexes, type Store } from '../src/store/store.js';
import type { CustomerDoc, InvoiceDoc } from '../src/store/types.js';
import { anyTimePolicy, COMPANY, customerDoc, invoiceDoc, liveConnection, saveCustomer, seedOrg, standardContacts } from './helpers/accounts.js';
import { openTestDatabase } from './helpers/db.js';
import { startSmtpSink, type SmtpSink } from './helpers/smtp-sink.js';

const TZ = 'America/Chicago';
const ORG = 'org-s';
const CONN = `quickbooks:${COMPANY}`;
const T0 = new Date('2025-01-01T00:00:00Z');
const at = (date: string, hhmm: string): Date => new Date(zonedInstant(date, hhmm, TZ));

describe('slot math (pure)', () => {
  const w = sendingWindow(defaultPolicy);
  it('sending hours: inside → null; before → today at 09:00; after or on a weekend → the next business day at 09:00', () => {
    expect(nextSendingStart(at('2025-03-04', '10:00').getTime(), TZ, w)).toBeNull();
    expect(nextSendingStart(at('2025-03-04', '08:30').getTime(), TZ, w)).toBe(at('2025-03-04', '09:00').getTime());
    expect(nextSendingStart(at('2025-03-04', '17:00').getTime(), TZ, w)).toBe(at('2025-03-05', '09:00').getTime());
    expect(nextSendingStart(at('2025-03-07', '18:00').getTime(), TZ, w)).toBe(at('2025-03-10', '09:00').getTime()); // Friday → Monday
    expect(nextSendingStart(at('2025-03-08', '10:00').getTime(), TZ, w)).toBe(at('2025-03-10', '09:00').getTime()); // Saturday
    expect(nextSendingDay(at('2025-03-07', '10:00').getTime(), TZ, w)).toBe(at('2025-03-10', '09:00').getTime());
    // 23:59 means until midnight: a policy that sends at any time never defers.
    expect(nextSendingStart(Date.parse('2025-03-08T23:59:30Z'), 'UTC', sendingWindow(anyTimePolicy))).toBeNull();
  });

  it('rate slots: one key per scope, UTC minute and slot; the next minute; slots from the hint up to the cap', () => {
    const t = Date.parse('2025-03-04T15:07:42.123Z');
    expect(minuteKey(t)).toBe('2025-03-04T15:07');
    expect(nextMinute(t)).toBe(Date.parse('2025-03-04T15:08:00Z'));
    expect(nextMinute(Date.parse('2025-03-04T15:08:00Z'))).toBe(Date.parse('2025-03-04T15:09:00Z'));
    expect(rateSlotKey('co:quickbooks:1', t, 3)).toBe('rate:co:quickbooks:1:2025-03-04T15:07:3');
    expect(slotsToTry(0, 3)).toEqual([0, 1, 2]);
    expect(slotsToTry(2, 5)).toEqual([2, 3, 4]);
    expect(slotsToTry(5, 5)).toEqual([]);
  });
});

describe('at dispatch', () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let store: Store;
  let sink: SmtpSink;
  let transport: SmtpTransport;
  let planner: Planner;
  let server: Server;
  let api: string;
  let clock = T0;
  let seq = 0;
  const TOKEN = 'safety-admin-token-0123456789abcdef';

  beforeAll(async () => {
    database = await openTestDatabase('safety');
    await ensureIndexes(database.db);
    store = createStore(database.db);
    sink = await startSmtpSink();
    transport = createSmtpTransport(sink.url, { maxConnections: 2, timeoutMs: 5_000 });
    planner = new Planner(store, { worker: 'planner', policies: storedPolicySource(store.policies) });
    await seedOrg(store, ORG, T0, TZ);
    await liveConnection(store, ORG, T0);
    const app = createApp({ db: database.db, logger: createLogger('silent'), adminApiToken: TOKEN, bodyLimit: '1mb', adminRouters: [outboundRouter({ store, now: () => clock })] });
    server = await new Promise<Server>((res) => {
      const s = app.listen(0, '127.0.0.1', () => res(s));
    });
    const addr = server.address();
    api = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/api`;
  });
  afterAll(async () => {
    await new Promise<void>((res) => {
      server.close(() => res());
      server.closeAllConnections();
    });
    transport.close();
    await sink.close();
    await database.drop();
  });

  const post = async (path: string, body: unknown, token = TOKEN): Promise<{ status: number; json: unknown }> => {
    const r = await fetch(`${api}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: r.status, json: await r.json() };
  };
  const dispatcher = (now: Date, extra: Partial<ConstructorParameters<typeof Dispatcher>[1]> = {}): Dispatcher =>
    new Dispatcher(store, { worker: 'w-safety', now: () => now, channels: createChannels(database.db, { transport, from: 'Northwind <ar@northwind.example>', sendEnabled: true }), ...extra });
  const messagesFor = (key: string) => sink.messages.filter((m) => m.headers.get('x-overdue-key') === key);

  async function account(domain: string, due = '2025-03-03', amountMinor = 250_000): Promise<{ c: CustomerDoc; inv: InvoiceDoc }> {
    seq++;
    const c = customerDoc(ORG, `s${seq}`, `Safety ${seq}`, standardContacts(domain), T0);
    const inv = invoiceDoc(c, `si${seq}`, `INV-${8000 + seq}`, due, amountMinor, T0);
    await saveCustomer(store, c, [inv]);
    return { c, inv };
  }

  it('kill switch: a paused organisation holds customer email (pending, audited once) while tasks flow; resuming sends it', async () => {
    const { c } = await account('paused.example', '2025-01-01', 400_000);
    const planned = await planner.plan(c._id, at('2025-02-06', '08:00')); // 36 days past due: urgent email + call task
    const emailKey = planned.enqueued.find((k) => k.includes(':email:')) ?? '';
    expect(emailKey).not.toBe('');
    clock = at('2025-02-06', '15:00');
    expect((await post(`/orgs/${ORG}/outbound/pause`, { by: 'ops@northwind.example', reason: 'wrong template' })).status).toBe(200);
    expect((await post('/orgs/nope/outbound/pause', {})).status).toBe(404);
    expect((await post(`/orgs/${ORG}/outbound/pause`, {}, 'wrong-token-0123456789abcdefgh')).status).toBe(401);

    const first = await dispatcher(at('2025-02-06', '16:00')).runOnce();
    expect(first).toMatchObject({ deferred: 1, failed: 0, cancelled: 0 });
    expect((await new TaskChannel(database.db).list(ORG)).filter((t) => t.customerId === c._id).map((t) => t.kind)).toEqual(['call']);
    expect(messagesFor(emailKey)).toHaveLength(0);
    expect(await store.outbox.get(emailKey)).toMatchObject({ state: 'pending', deferredFor: 'paused', deferrals: 1, nextAttemptAt: at('2025-02-06', '16:10') });
    // Looked at again ten minutes later: still held, not audited twice.
    expect((await dispatcher(at('2025-02-06', '16:10')).runOnce()).deferred).toBe(1);
    const held = (await store.audit.list(c._id)).filter((e) => e.action === 'outbox.deferred');
    expect(held.map((e) => e.outcome)).toEqual(['held: outbound paused for Northwind Supply Co. by ops@northwind.example (wrong template)']);

    clock = at('2025-02-06', '16:12');
    const resumed = await post(`/orgs/${ORG}/outbound/resume`, { by: 'ops@northwind.example' });
    expect(resumed).toMatchObject({ status: 200, json: { released: 1, outbound: { paused: false } } });
    expect((await dispatcher(at('2025-02-06', '16:12')).runOnce()).sent).toBe(1);
    expect(messagesFor(emailKey)).toHaveLength(1);
    // The retry budget is untouched: deferrals are not failed attempts.
    expect(await store.outbox.get(emailKey)).toMatchObject({ state: 'sent', attempts: 3, deferrals: 2 });
    const orgTrail = await store.audit.list(orgAuditAccount(ORG));
    expect(orgTrail.map((e) => e.action)).toEqual(['outbound.paused', 'outbound.resumed']);
    expect(orgTrail[1]?.outcome).toBe('customer-facing sends resumed; 1 held entry is due again');
  });

  it('dry run per connection: new connections start in it; the admin API turns a connection live or back', async () => {
    const fresh = await store.connections.upsert({ orgId: ORG, provider: 'xero', companyId: 'new-tenant', companyName: 'New Co' }, T0);
    expect(fresh.sendMode).toBe('dry-run');
    await store.connections.setSendMode(fresh._id, 'live', T0);
    expect((await store.connections.upsert({ orgId: ORG, provider: 'xero', companyId: 'new-tenant', companyName: 'New Co' }, T0)).sendMode).toBe('live'); // a reconnect keeps it

    clock = at('2025-03-04', '08:00');
    expect(await post(`/connections/${CONN}/send-mode`, { mode: 'dry-run', by: 'ops@northwind.example' })).toMatchObject({ status: 200, json: { sendMode: 'dry-run' } });
    expect((await post(`/connections/${CONN}/send-mode`, { mode: 'loud' })).status).toBe(422);
    const { c } = await account('dryrun.example');
    const key = (await planner.plan(c._id, at('2025-03-04', '08:00'))).enqueued[0] ?? '';
    expect((await dispatcher(at('2025-03-04', '09:00')).runOnce()).sent).toBe(1);
    expect(messagesFor(key)).toHaveLength(0);
    expect(await store.outbox.get(key)).toMatchObject({ state: 'sent', result: { dryRun: true } });
    expect((await store.audit.list(c._id)).find((e) => e.action === 'outbox.sent')?.outcome).toBe('dry run: not sent: first reminder email to Bea Billing <bea@dryrun.example>');

    expect((await post(`/connections/${CONN}/send-mode`, { mode: 'live' })).status).toBe(200);
    expect((await store.connections.get(CONN))?.sendMode).toBe('live');
    expect((await store.audit.list(orgAuditAccount(ORG))).filter((e) => e.action === 'connection.send-mode').map((e) => e.details?.['to'])).toEqual(['dry-run', 'live']);
  });

  it('send rates: over the company cap an entry waits for the next minute (not an error, not a failed attempt); the global cap too', async () => {
    const keys: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { c } = await account(`rate${i}.example`);
      keys.push((await planner.plan(c._id, at('2025-03-05', '08:00'))).enqueued[0] ?? '');
    }
    const t = at('2025-03-05', '09:00');
    const first = await dispatcher(t, { rates: { perMinute: 100, perCompanyPerMinute: 2 } }).runOnce();
    expect(first).toMatchObject({ sent: 2, deferred: 1, retried: 0, failed: 0 });
    const waiting = (await Promise.all(keys.map((k) => store.outbox.get(k)))).filter((e) => e?.state === 'pending');
    expect(waiting).toHaveLength(1);
    expect(waiting[0]).toMatchObject({ deferredFor: 'rate', dueAt: new Date(nextMinute(t.getTime())), nextAttemptAt: new Date(nextMinute(t.getTime())) });
    expect(waiting[0]?.lastError).toBeUndefined();
    expect((await dispatcher(new Date(t.getTime() + 30_000), { rates: { perMinute: 100, perCompanyPerMinute: 2 } }).runOnce()).claimed).toBe(0);
    expect((await dispatcher(new Date(nextMinute(t.getTime())), { rates: { perMinute: 100, perCompanyPerMinute: 2 } }).runOnce()).sent).toBe(1);
    for (const k of keys) expect(messagesFor(k)).toHaveLength(1);

    const more: string[] = [];
    for (let i = 0; i < 2; i++) {
      const { c } = await account(`global${i}.example`);
      more.push((await planner.plan(c._id, at('2025-03-05', '08:00'))).enqueued[0] ?? '');
    }
    const t2 = at('2025-03-05', '10:00');
    expect(await dispatcher(t2, { rates: { perMinute: 1, perCompanyPerMinute: 30 } }).runOnce()).toMatchObject({ sent: 1, deferred: 1 });
  });

  it('one customer email per account per local day, even when two plans raced: the second waits for the next sending day', async () => {
    const { c } = await account('twice.example');
    const key = (await planner.plan(c._id, at('2025-03-06', '08:00'))).enqueued[0] ?? '';
    const entry = await store.outbox.get(key);
    if (!entry) throw new Error('not planned');
    // A second plan (another worker, another policy version) wanted a different email today.
    const other = `${key}:other`;
    await store.outbox.enqueue({ _id: other, orgId: ORG, customerId: c._id, channel: 'email', kind: 'email', payload: entry.payload, invoiceIds: entry.invoiceIds, dueAt: entry.dueAt }, at('2025-03-06', '08:00'));
    expect((await dispatcher(at('2025-03-06', '09:00'), { concurrency: 1 }).runOnce()).deferred).toBe(1);
    expect(sink.messages.filter((m) => m.to.includes('bea@twice.example'))).toHaveLength(1);
    const waiting = [await store.outbox.get(key), await store.outbox.get(other)].filter((e) => e?.state === 'pending');
    expect(waiting).toHaveLength(1);
    expect(waiting[0]).toMatchObject({ deferredFor: 'one-email-a-day', dueAt: at('2025-03-07', '09:00') });
    expect((await store.audit.list(c._id)).find((e) => e.action === 'outbox.deferred')?.outcome).toMatch(/^another customer email went to this account on 2025-03-06 \(.+\): moved to 2025-03-07T15:00:00.000Z$/);
  });

  it("an entry picked up after sending hours (a late retry) moves to the next sending-hours start in the customer's zone", async () => {
    const { c } = await account('late.example');
    const key = (await planner.plan(c._id, at('2025-03-07', '08:00'))).enqueued[0] ?? ''; // Friday
    await dispatcher(at('2025-03-07', '17:30')).runOnce();
    expect(messagesFor(key)).toHaveLength(0);
    expect(await store.outbox.get(key)).toMatchObject({ state: 'pending', deferredFor: 'sending-hours', dueAt: at('2025-03-10', '09:00') });
    expect((await store.audit.list(c._id)).find((e) => e.action === 'outbox.deferred')?.outcome).toBe('outside sending hours in America/Chicago: moved to 2025-03-10T14:00:00.000Z');
    await dispatcher(at('2025-03-10', '09:00')).runOnce();
    expect(await store.outbox.get(key)).toMatchObject({ state: 'sent' });
    expect(messagesFor(key)).toHaveLength(1);
  });
});

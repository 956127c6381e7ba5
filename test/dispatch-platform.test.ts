// The platform's own invoice email and the live balance check, against the
// QuickBooks and Xero sandboxes: a connection starts in dry-run (nothing reaches
// the platform), a live one emails each open invoice once — also when the entry
// is retried after the platform accepted — and an invoice paid at the platform
// since a stale sync cancels the entry ("checked live"). A platform that refuses
// the recipient bounces the address: recorded, audited, and the next plan writes
// to the next contact.
import type { Db } from 'mongodb';
import { channelOf, DEFAULT_POLICY_INPUT, parsePolicy, validatePolicy, type DueAction } from '../src/engine/index.js';
import { createChannels, createSmtpTransport, Dispatcher, type Channel, type SmtpTransport } from '../src/outbox/index.js';
import { liveBalanceFrom } from '../src/outbox/live-balance.js';
import { payloadFor } from '../src/planning/payload.js';
import { Planner } from '../src/planning/plan.js';
import { fixedPolicySource } from '../src/planning/policy-source.js';
import { bounces } from '../src/planning/state.js';
import { collections, type Store } from '../src/store/store.js';
import type { CustomerDoc, InvoiceDoc } from '../src/store/types.js';
import { anyTimePolicy, standardContacts } from './helpers/accounts.js';
import { startSmtpSink, type SmtpSink } from './helpers/smtp-sink.js';
import { connId as qboConn, REALM, startQuickBooks, type Running } from './connectors/quickbooks/harness.js';
import { connA, startXero, TENANT_A, type RunningXero } from './connectors/xero/harness.js';

/** A channel whose send reaches the platform but whose answer the worker never gets (a reset connection). */
function answerLost(real: Channel): Channel {
  return {
    send: async (ctx) => {
      await real.send(ctx);
      throw new Error('socket hang up after the platform accepted');
    },
  };
}

jest.setTimeout(120_000);

/**
 * One open invoice (positive balance) per customer, `n` of them, in `_id` order: the same ones in
 * every test, whatever earlier tests updated (FerretDB over PostgreSQL, like MongoDB, returns
 * unsorted results in no fixed order: an updated row moves).
 */
async function openInvoices(db: Db, n: number): Promise<{ customer: CustomerDoc; invoice: InvoiceDoc }[]> {
  const invoices = await db.collection<InvoiceDoc>(collections.invoices).find({ status: 'open', balanceMinor: { $gt: 0 } }).sort({ _id: 1 }).toArray();
  const out: { customer: CustomerDoc; invoice: InvoiceDoc }[] = [];
  const seen = new Set<string>();
  for (const invoice of invoices) {
    if (seen.has(invoice.customerExternalId)) continue;
    const customer = await db.collection<CustomerDoc>(collections.customers).findOne({ provider: invoice.provider, companyId: invoice.companyId, externalId: invoice.customerExternalId });
    if (!customer) continue;
    seen.add(invoice.customerExternalId);
    out.push({ customer, invoice });
    if (out.length === n) break;
  }
  if (out.length < n) throw new Error(`only ${out.length} customers with open invoices`);
  return out;
}

/** A due 'reminder-1' email for one invoice, sent the way the policy says (`via`). */
async function enqueueReminder(store: Store, customer: CustomerDoc, invoice: InvoiceDoc, email: string, via: 'smtp' | 'platform', now: Date): Promise<string> {
  const action: DueAction = {
    key: `${customer._id}:reminder-1:email:${invoice._id}:${via}`,
    levelId: 'reminder-1',
    levelName: 'Reminder 1',
    actionId: 'email',
    invoiceIds: [invoice._id],
    at: now.getTime(),
    customerFacing: true,
    amounts: { [invoice.currency]: invoice.balanceMinor },
    kind: 'email',
    template: 'reminder-1',
    to: { contactId: 'c-billing', name: 'Bea Billing', email, phone: undefined, role: 'billing', fallbackFrom: undefined },
    cc: [],
    urgent: false,
    readReceipt: false,
    personalGuarantee: false,
    ...(via === 'platform' ? { via: 'platform' as const } : {}),
  };
  const created = await store.outbox.enqueue(
    { _id: action.key, orgId: customer.orgId, customerId: customer._id, channel: channelOf(action), kind: 'email', payload: payloadFor(action, { accountName: customer.displayName, explanation: 'test', previousContacts: 0 }), invoiceIds: [invoice._id], dueAt: now },
    now,
  );
  if (!created) throw new Error('not enqueued');
  return action.key;
}

/** The default ladder at any hour, every email by the platform's own invoice email. */
const platformAnyTime = parsePolicy({
  ...DEFAULT_POLICY_INPUT,
  calendar: { ...DEFAULT_POLICY_INPUT.calendar, weekend: [], sendingHours: { start: '00:00', end: '23:59' } },
  levels: DEFAULT_POLICY_INPUT.levels.map((l) => ({ ...l, actions: l.actions.map((a) => (a.kind === 'email' ? { ...a, via: 'platform', cc: [], urgent: false, readReceipt: false } : a)) })),
});

/** The same, without the wait for a missing role (docs/escalation.md, "A missing role"): a bounced role falls back at once. */
const platformNoWait = parsePolicy({ ...platformAnyTime, contacts: { missingRoleWaitDays: 0 } });

const isoDay = (d: Date, days: number): string => new Date(d.getTime() + days * 86_400_000).toISOString().slice(0, 10);

describe('the policy says which way an email goes', () => {
  it("via 'platform' is carried by the platform_email channel; smtp stays the default", () => {
    const platform = parsePolicy({
      ...DEFAULT_POLICY_INPUT,
      levels: DEFAULT_POLICY_INPUT.levels.map((l) => ({ ...l, actions: l.actions.map((a) => (a.kind === 'email' ? { ...a, via: 'platform', cc: [], urgent: false, readReceipt: false } : a)) })),
    });
    const firstEmail = parsePolicy(DEFAULT_POLICY_INPUT).levels.flatMap((l) => l.actions).find((a) => a.kind === 'email');
    expect(firstEmail).toMatchObject({ via: 'smtp' });
    expect(platform.levels.flatMap((l) => l.actions).filter((a) => a.kind === 'email').every((a) => a.kind === 'email' && a.via === 'platform')).toBe(true);
    const bad = validatePolicy({
      ...DEFAULT_POLICY_INPUT,
      levels: DEFAULT_POLICY_INPUT.levels.map((l) => ({ ...l, actions: l.actions.map((a) => (a.kind === 'email' ? { ...a, via: 'platform' } : a)) })),
    });
    expect(bad.ok).toBe(false);
  });
});

describe('QuickBooks', () => {
  let q: Running;
  let sink: SmtpSink;
  let transport: SmtpTransport;
  beforeAll(async () => {
    q = await startQuickBooks('dplatq', { customers: 6, openInvoices: 12, paidInvoices: 0, voidedInvoices: 0, creditMemos: 0, partialShare: 0, currencies: ['USD'] });
    expect((await q.connect()).status).toBe(200);
    await q.connector.fullSync(qboConn);
    sink = await startSmtpSink();
    transport = createSmtpTransport(sink.url, { maxConnections: 2, timeoutMs: 5_000 });
  });
  afterAll(async () => {
    transport.close();
    await sink.close();
    await q.close();
  });

  const channels = (): ReturnType<typeof createChannels> =>
    createChannels(q.store.db, { transport, from: 'Acme <ar@acme.example>', sendEnabled: true }, { store: q.store, platform: { connectors: { quickbooks: q.connector }, sendEnabled: true } });
  const dispatcher = (extra: Partial<ConstructorParameters<typeof Dispatcher>[1]> = {}): Dispatcher =>
    new Dispatcher(q.store, { worker: 'w-platform', channels: channels(), policies: fixedPolicySource(anyTimePolicy), ...extra });
  /** A retry is due a minute later (the default backoff): a dispatcher two minutes ahead picks it up. */
  const later = (): Date => new Date(Date.now() + 120_000);

  it('a new connection is in dry-run: the entry is recorded, QuickBooks emails nothing', async () => {
    expect((await q.store.connections.get(qboConn))?.sendMode).toBe('dry-run');
    const [a] = await openInvoices(q.store.db, 1);
    if (!a) throw new Error('seed');
    const key = await enqueueReminder(q.store, a.customer, a.invoice, 'bea@dry.example', 'platform', new Date());
    expect(await q.store.outbox.get(key)).toMatchObject({ channel: 'platform_email' });
    const stats = await dispatcher().runOnce();
    expect(stats.sent).toBe(1);
    expect(q.sandbox.company(REALM).sent).toEqual([]);
    expect(await q.store.outbox.get(key)).toMatchObject({ state: 'sent', result: { dryRun: true } });
    const audit = (await q.store.audit.list(a.customer._id)).find((e) => e.action === 'outbox.sent');
    expect(audit?.outcome).toMatch(/^dry run: not sent: first reminder by the platform's own invoice email to Bea Billing/);
    expect(audit?.channel).toBe('platform');
  });

  it('live: QuickBooks emails the invoice once, even when the entry is retried after QuickBooks accepted it', async () => {
    await q.store.connections.setSendMode(qboConn, 'live', new Date());
    const [, b] = await openInvoices(q.store.db, 2);
    if (!b) throw new Error('seed');
    const key = await enqueueReminder(q.store, b.customer, b.invoice, 'bea@live.example', 'platform', new Date());
    const real = channels().platform_email;
    if (!real) throw new Error('no platform channel');
    // The first attempt reaches QuickBooks, then the worker loses the answer (a reset connection).
    const lost = answerLost(real);
    const first = await dispatcher({ channels: { ...channels(), platform_email: lost } }).runOnce();
    expect(first).toMatchObject({ sent: 0, retried: 1 });
    const second = await dispatcher({ now: later }).runOnce();
    expect(second).toMatchObject({ sent: 1 });
    const sent = q.sandbox.company(REALM).sent.filter((s) => s.invoiceId === b.invoice.externalId);
    expect(sent).toEqual([{ invoiceId: b.invoice.externalId, to: 'bea@live.example' }]);
    expect(await q.store.outbox.get(key)).toMatchObject({ state: 'sent', attempts: 2, result: { provider: 'quickbooks', invoices: [b.invoice.number] } });
  });

  it('an invoice paid in QuickBooks since a stale sync: the live check cancels the entry and the audit says so', async () => {
    const [, , c] = await openInvoices(q.store.db, 3);
    if (!c) throw new Error('seed');
    const now = new Date();
    await q.store.connections.update(qboConn, { lastSyncAt: new Date(now.getTime() - 60 * 60_000) }, now);
    const key = await enqueueReminder(q.store, c.customer, c.invoice, 'bea@paid.example', 'smtp', now);
    q.sandbox.pay(REALM, c.invoice.externalId, c.invoice.balanceMinor); // the store has not synced it
    expect((await q.store.invoices.get(c.invoice._id))?.status).toBe('open');
    const stats = await dispatcher({ freshness: { staleAfterMs: 15 * 60_000, fetchLiveBalance: liveBalanceFrom(q.store, { quickbooks: q.connector }) } }).runOnce();
    expect(stats).toMatchObject({ sent: 0, cancelled: 1, replan: [c.customer._id] });
    expect(sink.messages.filter((m) => m.headers.get('x-overdue-key') === key)).toHaveLength(0);
    const entry = await q.store.outbox.get(key);
    expect(entry?.state).toBe('cancelled');
    expect(entry?.cancelReason).toMatch(new RegExp(`^${c.invoice.number} was paid at quickbooks before sending \\(checked live: last sync `));
    const trail = await q.store.audit.list(c.customer._id);
    expect(trail.find((e) => e.action === 'outbox.cancelled')?.outcome).toContain('checked live');
    // The fetch saved the invoice: the store knows it is paid now.
    expect((await q.store.invoices.get(c.invoice._id))?.status).toBe('paid');
  });
});

describe('QuickBooks refuses the recipient', () => {
  let q: Running;
  beforeAll(async () => {
    q = await startQuickBooks('dplatr', { customers: 3, openInvoices: 6, paidInvoices: 0, voidedInvoices: 0, creditMemos: 0, partialShare: 0, currencies: ['USD'] });
    expect((await q.connect()).status).toBe(200);
    await q.connector.fullSync(qboConn);
    await q.store.connections.setSendMode(qboConn, 'live', new Date());
  });
  afterAll(() => q.close());

  it('the address bounces: recorded, audited, and the next plan has QuickBooks email the next contact', async () => {
    const [a] = await openInvoices(q.store.db, 1);
    if (!a) throw new Error('seed');
    const now = new Date();
    // The account as the planner should see it: five contacts, its invoices one day past due.
    await q.store.db.collection<CustomerDoc>(collections.customers).updateOne({ _id: a.customer._id }, { $set: { contacts: standardContacts('refuse.example'), timeZone: 'UTC' } });
    await q.store.db.collection<InvoiceDoc>(collections.invoices).updateMany(
      { provider: 'quickbooks', companyId: a.invoice.companyId, customerExternalId: a.customer.externalId },
      { $set: { dueDate: isoDay(now, -1), issueDate: isoDay(now, -31) } },
    );
    q.sandbox.refusedEmails.add('bea@refuse.example');
    const planner = new Planner(q.store, { worker: 'planner', policies: fixedPolicySource(platformNoWait) });
    const dispatcher = new Dispatcher(q.store, { worker: 'w-refuse', channels: createChannels(q.store.db, null, { store: q.store, platform: { connectors: { quickbooks: q.connector }, sendEnabled: true } }), policies: fixedPolicySource(platformNoWait) });

    const first = await planner.plan(a.customer._id, now);
    const key = first.enqueued.find((k) => k.includes(':email:')) ?? '';
    expect(key).not.toBe('');
    expect(await q.store.outbox.get(key)).toMatchObject({ channel: 'platform_email' });
    const stats = await dispatcher.runOnce();
    expect(stats).toMatchObject({ sent: 0, failed: 1, bounced: 1, replan: [a.customer._id] });
    expect(q.sandbox.company(REALM).sent).toEqual([]);
    const entry = await q.store.outbox.get(key);
    expect(entry?.state).toBe('failed');
    expect(entry?.lastError).toMatch(/^quickbooks refused to email .*Invalid email address: bea@refuse\.example/);
    expect(await bounces(q.store.db).bouncedAmong(a.customer.orgId, ['bea@refuse.example'])).toEqual(new Set(['bea@refuse.example']));
    const trail = await q.store.audit.list(a.customer._id);
    const bounced = trail.find((e) => e.action === 'contact.bounced');
    expect(bounced?.outcome).toMatch(/^bea@refuse\.example refused: quickbooks refused to email /);
    expect(bounced?.channel).toBe('platform');
    expect(bounced?.details).toMatchObject({ key, email: 'bea@refuse.example' });

    const again = await planner.plan(a.customer._id, new Date());
    expect(again.revived).toEqual([key]);
    // The email to AP (its fallback stated) and the collector's task to find a billing contact.
    const revived = await q.store.outbox.get(key);
    expect(revived?.payload['action']).toMatchObject({ to: { email: 'al@refuse.example', fallbackNote: 'no billing contact: sent to the AP' } });
    expect(await dispatcher.runOnce()).toMatchObject({ sent: 2, bounced: 0 });
    expect(q.sandbox.company(REALM).sent.map((s) => s.to)).toEqual(Array.from({ length: q.sandbox.company(REALM).sent.length }, () => 'al@refuse.example'));
    expect(q.sandbox.company(REALM).sent.length).toBeGreaterThan(0);
  });

  it('a refusal that does not name the address fails the entry and bounces nobody', async () => {
    const [, b] = await openInvoices(q.store.db, 2);
    if (!b) throw new Error('seed');
    const key = await enqueueReminder(q.store, b.customer, b.invoice, 'bea@other.example', 'platform', new Date());
    // QuickBooks no longer knows the invoice: a refusal about the invoice, not the recipient.
    q.sandbox.company(REALM).records.Invoice.delete(b.invoice.externalId);
    const stats = await new Dispatcher(q.store, { worker: 'w-refuse', channels: createChannels(q.store.db, null, { store: q.store, platform: { connectors: { quickbooks: q.connector }, sendEnabled: true } }), policies: fixedPolicySource(anyTimePolicy) }).runOnce();
    expect(stats).toMatchObject({ failed: 1, bounced: 0 });
    expect((await q.store.outbox.get(key))?.lastError).toMatch(/not found at quickbooks/);
    expect((await bounces(q.store.db).bouncedAmong(b.customer.orgId, ['bea@other.example'])).size).toBe(0);
  });
});

describe('Xero', () => {
  let x: RunningXero;
  beforeAll(async () => {
    x = await startXero('dplatx', { a: { contacts: 4, openInvoices: 8, paidInvoices: 0, voidedInvoices: 0, draftInvoices: 0, bills: 0, creditNotes: 0, partialShare: 0, currencies: ['NZD'] } });
    expect((await x.connect()).status).toBe(200);
    await x.connector.fullSync(connA);
  });
  afterAll(() => x.close());

  it("live: Xero emails the invoice to its contact once, even when the entry is retried", async () => {
    await x.store.connections.setSendMode(connA, 'live', new Date());
    const [a] = await openInvoices(x.store.db, 1);
    if (!a) throw new Error('seed');
    const key = await enqueueReminder(x.store, a.customer, a.invoice, 'ap@customer.example', 'platform', new Date());
    const channels = () => createChannels(x.store.db, null, { store: x.store, platform: { connectors: { xero: x.connector }, sendEnabled: true } });
    const real = channels().platform_email;
    if (!real) throw new Error('no platform channel');
    const lost = answerLost(real);
    const d = (c: ReturnType<typeof channels>, now: () => Date) => new Dispatcher(x.store, { worker: 'w-xero', channels: c, policies: fixedPolicySource(anyTimePolicy), now });
    expect(await d({ ...channels(), platform_email: lost }, () => new Date()).runOnce()).toMatchObject({ retried: 1 });
    expect(await d(channels(), () => new Date(Date.now() + 120_000)).runOnce()).toMatchObject({ sent: 1 });
    expect(x.sandbox.tenant(TENANT_A).emailed.filter((id) => id === a.invoice.externalId)).toHaveLength(1);
    expect(await x.store.outbox.get(key)).toMatchObject({ state: 'sent', result: { provider: 'xero' } });
  });

  it("Xero has no email address for the contact any more: the contact's address as last synced bounces", async () => {
    await x.store.connections.setSendMode(connA, 'live', new Date());
    const [, b] = await openInvoices(x.store.db, 2);
    if (!b) throw new Error('seed');
    const address = b.customer.email ?? '';
    expect(address).not.toBe('');
    x.sandbox.change(TENANT_A, 'Contacts', b.customer.externalId, { EmailAddress: '' }); // removed at Xero after the sync
    const key = await enqueueReminder(x.store, b.customer, b.invoice, address, 'platform', new Date());
    const channels = createChannels(x.store.db, null, { store: x.store, platform: { connectors: { xero: x.connector }, sendEnabled: true } });
    const stats = await new Dispatcher(x.store, { worker: 'w-xero', channels, policies: fixedPolicySource(anyTimePolicy) }).runOnce();
    expect(stats).toMatchObject({ sent: 0, failed: 1, bounced: 1, replan: [b.customer._id] });
    expect(x.sandbox.tenant(TENANT_A).emailed).not.toContain(b.invoice.externalId);
    expect((await x.store.outbox.get(key))?.lastError).toMatch(new RegExp(`^xero has no usable email address for ${b.invoice.number}'s customer \\(${address.replace(/\./g, '\\.')}\\)`));
    expect(await bounces(x.store.db).bouncedAmong(b.customer.orgId, [address])).toEqual(new Set([address.toLowerCase()]));
    expect((await x.store.audit.list(b.customer._id)).find((e) => e.action === 'contact.bounced')?.outcome).toMatch(/^.+ refused: xero has no usable email address/);
  });
});

// End to end over HTTP against the QuickBooks sandbox: connect → full sync →
// webhook → incremental sync; the refresh race; faults; forged and replayed webhooks.
import { processQuickbooksInbox } from '../../../connectors/quickbooks/routes.js';
import { createLogger } from '../../../src/logger.js';
import { REALM, connId, startQuickBooks, type Running } from './harness.js';

const seed = { customers: 60, openInvoices: 1_100, paidInvoices: 20, voidedInvoices: 5, creditMemos: 6, partialShare: 0.2 };

async function snapshot(q: Running) {
  const db = q.store.db;
  return {
    invoices: (await db.collection('invoices').find({}).sort({ _id: 1 }).toArray()).map(({ syncedAt: _s, ...rest }) => rest),
    customers: (await db.collection('customers').find({}).sort({ _id: 1 }).toArray()).map(({ syncedAt: _s, ...rest }) => rest),
    payments: (await db.collection('payments').find({}).sort({ _id: 1 }).toArray()).map(({ syncedAt: _s, ...rest }) => rest),
  };
}

// Slow on purpose: FerretDB replaces records slowly (see docs/quickbooks.md, Figures), and these tests re-save ~1,100 records.
jest.setTimeout(400_000);

describe('QuickBooks end to end', () => {
  let q: Running;
  beforeAll(async () => {
    q = await startQuickBooks('qbe2e', seed);
  });
  afterAll(() => q.close());

  it('connect → full sync → webhook → incremental sync', async () => {
    const r = await q.connect();
    expect(r.status).toBe(200);
    expect(r.text).toContain('Acme Supplies');
    // QuickBooks times have whole seconds and the checkpoint is the sync's start, floored to its second:
    // start in a later second than the seeding, or CDC would rightly return every seeded record again.
    await new Promise((r) => setTimeout(r, 1_005 - (Date.now() % 1_000)));
    q.sandbox.resetCounts();
    const full = await q.connector.fullSync(connId);
    expect(full.saved.invoice).toBe(1_100);
    expect(q.sandbox.counts.query).toBe(2 /* invoices */ + 1 /* customers */ + 1 /* payments */ + 1 /* credit memos */);
    // The invoice queries ask for InvoiceLink (include=invoiceLink): every synced invoice has its pay link, no extra call.
    const company0 = q.sandbox.company(REALM);
    const sample = [...company0.records.Invoice.values()].slice(0, 3);
    for (const i of sample) expect((await q.store.invoices.findByKey('quickbooks', REALM, i.Id))?.payUrl).toBe(String(i.InvoiceLink));

    // A payment lands in QuickBooks; Intuit sends a webhook.
    const company = q.sandbox.company(REALM);
    const inv = [...company.records.Invoice.values()].find((i) => Number(i.Balance) > 100)!;
    const payment = q.sandbox.pay(REALM, inv.Id, 10_030); // 100.30
    const body = q.sandbox.cloudEventsPayload(REALM, [{ name: 'Invoice', id: inv.Id, operation: 'Update' }, { name: 'Payment', id: payment.Id, operation: 'Create' }]);
    const res = await q.sandbox.deliver(`${q.appUrl}/webhooks/quickbooks`, body, { contentType: 'application/cloudevents+json' });
    expect(res.status).toBe(200);
    expect(await q.store.inbox.count({ provider: 'quickbooks', status: 'pending' })).toBe(1);
    expect(await processQuickbooksInbox({ connector: q.connector, store: q.store, logger: createLogger('silent'), worker: 'w1' })).toBe(1);
    const stored = await q.store.invoices.findByKey('quickbooks', REALM, inv.Id);
    expect(stored?.balanceMinor).toBe(Math.round(Number(inv.Balance) * 100));
    expect((await q.store.payments.findByKey('quickbooks', REALM, payment.Id))?.appliedTo).toEqual([{ invoiceExternalId: inv.Id, amountMinor: 10_030 }]);

    // Meanwhile an invoice is voided and another deleted: the next incremental sync (one CDC call) sees both.
    const [a, b] = [...company.records.Invoice.values()].filter((i) => Number(i.Balance) > 0).slice(5, 7);
    q.sandbox.voidInvoice(REALM, a!.Id);
    q.sandbox.remove(REALM, 'Invoice', b!.Id);
    q.sandbox.resetCounts();
    const inc = await q.connector.incrementalSync(connId);
    expect(inc.method).toBe('cdc');
    expect(q.sandbox.counts.total).toBe(1);
    expect((await q.store.invoices.findByKey('quickbooks', REALM, a!.Id))?.status).toBe('voided');
    expect((await q.store.invoices.findByKey('quickbooks', REALM, b!.Id))?.status).toBe('deleted');
    // The change feed carries no InvoiceLink: a changed invoice keeps the link stored by the query.
    expect((await q.store.invoices.findByKey('quickbooks', REALM, a!.Id))?.payUrl).toBe(String(a!.InvoiceLink));
  });

  it('falls back to a paged query when the checkpoint is older than 30 days', async () => {
    await q.store.connections.update(connId, { checkpoint: { since: new Date(Date.now() - 40 * 86_400_000).toISOString() } }, new Date());
    const inc = await q.connector.incrementalSync(connId);
    expect(inc.method).toBe('query');
    expect(inc.saved.invoice).toBeGreaterThan(1_000);
  });

  it('refresh race: 20 concurrent callers in 4 processes on an expired token → one token request; newest refresh token stored', async () => {
    const before = q.sandbox.tokenLog.length;
    q.sandbox.expireAccessTokens();
    const conn = (await q.store.connections.get(connId))!;
    const old = q.connector.tokens.open(conn)!;
    await q.store.connections.update(connId, q.connector.tokens.seal(connId, { ...old, accessTokenExpiresAt: new Date(Date.now() - 1000).toISOString() }), new Date());
    const processes = ['p1', 'p2', 'p3', 'p4'].map((o) => q.makeConnector(o));
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => processes[i % 4]!.fetchRecord(connId, 'customer', '1')));
    expect(results.every((r) => r.found)).toBe(true);
    const refreshes = q.sandbox.tokenLog.slice(before).filter((t) => t.grant === 'refresh_token');
    expect(refreshes).toHaveLength(1);
    const stored = q.connector.tokens.open((await q.store.connections.get(connId))!);
    expect(stored?.refreshToken).toBe(q.sandbox.latestRefreshToken(REALM));
  });

  it('a dead refresh token marks the connection needs_reconnect, once', async () => {
    const conn = (await q.store.connections.get(connId))!;
    const t = q.connector.tokens.open(conn)!;
    await q.store.connections.update(connId, q.connector.tokens.seal(connId, { ...t, refreshToken: 'rt_unknown', accessTokenExpiresAt: new Date(0).toISOString() }), new Date());
    const d = await q.connector.refreshTokens(connId);
    expect(d).toMatchObject({ ok: false, reason: 'needs_reconnect' });
    expect((await q.store.connections.get(connId))?.status).toBe('needs_reconnect');
    const before = q.sandbox.tokenLog.length;
    expect(await q.connector.refreshTokens(connId)).toMatchObject({ ok: false, reason: 'needs_reconnect' });
    expect(q.sandbox.tokenLog.length).toBe(before);
    // Reconnecting restores it.
    expect((await q.connect()).status).toBe(200);
    expect((await q.store.connections.get(connId))?.status).toBe('active');
  });

  it('20% of requests failing with 429/500 → the same data as a clean run', async () => {
    const clean = await snapshot(q);
    await q.store.db.collection('invoices').deleteMany({});
    await q.store.db.collection('customers').deleteMany({});
    await q.store.db.collection('payments').deleteMany({});
    await q.store.connections.update(connId, { checkpoint: {} }, new Date());
    q.sandbox.faults.rate = 0.2;
    q.sandbox.resetCounts();
    try {
      await q.connector.fullSync(connId);
    } finally {
      q.sandbox.faults.rate = 0;
    }
    expect(q.sandbox.counts.faults).toBeGreaterThan(0);
    const faulty = await snapshot(q);
    // The clean run included records changed by later syncs; compare the open invoices' ids and balances.
    const view = (s: typeof clean) => s.invoices.filter((i) => i.status === 'open').map((i) => [i._id, i.balanceMinor]);
    expect(view(faulty)).toEqual(view(clean).filter(([id]) => faulty.invoices.some((f) => f._id === id)));
    expect(faulty.invoices.length).toBe(view(clean).length);
    expect(faulty.customers.length).toBe(clean.customers.length);
  });

  describe('webhook endpoint', () => {
    const url = () => `${q.appUrl}/webhooks/quickbooks`;
    it('rejects a forged signature with 401 and stores nothing', async () => {
      const before = await q.store.inbox.count();
      const body = q.sandbox.legacyPayload(REALM, [{ name: 'Invoice', id: '1', operation: 'Update' }]);
      expect((await q.sandbox.deliver(url(), body, { signature: q.sandbox.signature(body, 'wrong') })).status).toBe(401);
      expect((await q.sandbox.deliver(url(), body, { signature: '' })).status).toBe(401);
      expect(await q.store.inbox.count()).toBe(before);
    });
    it('stores a replayed delivery once', async () => {
      const body = q.sandbox.legacyPayload(REALM, [{ name: 'Customer', id: '2', operation: 'Update' }]);
      const before = await q.store.inbox.count();
      expect(JSON.parse((await q.sandbox.deliver(url(), body)).text)).toEqual({ status: 'stored' });
      expect(JSON.parse((await q.sandbox.deliver(url(), body)).text)).toEqual({ status: 'duplicate' });
      expect(await q.store.inbox.count()).toBe(before + 1);
    });
    it('answers 400 to a signed but malformed body and 202 to an unknown realm', async () => {
      const junk = '{"hello":1}';
      expect((await q.sandbox.deliver(url(), junk)).status).toBe(400);
      const other = q.sandbox.legacyPayload('1234567890', [{ name: 'Invoice', id: '1', operation: 'Update' }]);
      expect((await q.sandbox.deliver(url(), other)).status).toBe(202);
    });
  });

  describe('OAuth callback', () => {
    it('refuses a missing or forged state with a clear page', async () => {
      const missing = await fetch(`${q.appUrl}/callback/quickbooks?code=x&realmId=${REALM}`);
      expect(missing.status).toBe(400);
      expect(await missing.text()).toContain('no state');
      const forged = await fetch(`${q.appUrl}/callback/quickbooks?code=x&realmId=${REALM}&state=eyJwIjoicXVpY2tib29rcyJ9.AAAA`);
      expect(forged.status).toBe(400);
      expect(await forged.text()).toContain('not issued by Overdue');
    });
    it('refuses a connect link that is not signed', async () => {
      expect((await fetch(`${q.appUrl}/connect/quickbooks?org=org1&exp=99999999999999&sig=abc`, { redirect: 'manual' })).status).toBe(403);
    });
  });
});

// End to end over HTTP against the Xero sandbox: connect two tenants of one
// login → full sync → webhook → incremental sync; the refresh race and the
// grace period; daily-limit pacing; minute pacing and Retry-After;
// Intent-to-Receive good and bad; forged webhooks; disconnecting one tenant.
import { PAY_LINKS_PER_SYNC } from '../../../connectors/xero/sync.js';
import { XeroApiError } from '../../../connectors/xero/client.js';
import { XeroConnector } from '../../../connectors/xero/connector.js';
import { processXeroInbox } from '../../../connectors/xero/routes.js';
import { createLogger } from '../../../src/logger.js';
import { TENANT_A, TENANT_B, connA, connB, startXero, type RunningXero } from './harness.js';

jest.setTimeout(120_000);

let skewMs = 0;
const sandboxNow = () => new Date(Date.now() + skewMs);
const minor = (v: unknown, currency: unknown) => Math.round(Number(v) * (currency === 'JPY' ? 1 : 100));

describe('Xero end to end', () => {
  let x: RunningXero;
  beforeAll(async () => {
    x = await startXero('xeroe2e', {
      a: { contacts: 50, openInvoices: 1_150, paidInvoices: 20, voidedInvoices: 5, draftInvoices: 5, bills: 10, creditNotes: 6, partialShare: 0.2 },
      b: { contacts: 20, openInvoices: 140, paidInvoices: 5, creditNotes: 2 },
    }, { sandboxNow });
  });
  afterAll(() => x.close());

  it('connect two tenants → full sync → webhook → incremental sync', async () => {
    const r = await x.connect();
    expect(r.status).toBe(200);
    expect(r.text).toContain('Demo Company (NZ)');
    expect(r.text).toContain('Demo Company (AU)');
    const [a, b] = [await x.store.connections.get(connA), await x.store.connections.get(connB)];
    expect(a?.status).toBe('active');
    expect(b?.tokenHolderId).toBe(a?.tokenHolderId); // one login, one token set
    expect(a?.tokens).toBeUndefined();
    expect((await x.connector.grants.get(a!.tokenHolderId!))?.tokens?.tag).toBeTruthy();

    x.sandbox.resetCounts();
    const full = await x.connector.fullSync(connA);
    expect(full.saved.invoice).toBe(1_150);
    expect(full.rejected).toBe(0);
    expect(full.rateLimited).toBe(0);
    // pages of 1,000: 1 contacts + 2 invoices + 1 payments + 1 credit notes (a full sync fetches no pay links)
    expect(x.sandbox.counts.total).toBe(5);
    expect(x.sandbox.counts.byPath['GET /Invoices']).toBe(2);
    const fullB = await x.connector.fullSync(connB);
    expect(fullB.saved.invoice).toBe(140);
    expect(await x.store.invoices.countByCompany('xero', TENANT_B)).toBe(140);

    // A payment lands in Xero (no payment webhook); the invoice change is announced.
    const tenant = x.sandbox.tenant(TENANT_A);
    const inv = x.sandbox.openInvoices(TENANT_A).find((i) => Number(i.AmountDue) > 100)!;
    const id = String(inv.InvoiceID);
    const payment = x.sandbox.pay(TENANT_A, id, 10_030);
    const body = x.sandbox.payload([{ tenantId: TENANT_A, category: 'INVOICE', id }]);
    const res = await x.sandbox.deliver(`${x.appUrl}/webhooks/xero`, body);
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    expect(await x.store.inbox.count({ provider: 'xero', status: 'pending' })).toBe(1);
    expect(await processXeroInbox({ connector: x.connector, store: x.store, logger: createLogger('silent'), worker: 'w1' })).toBe(1);
    expect((await x.store.invoices.findByKey('xero', TENANT_A, id))?.balanceMinor).toBe(minor(inv.AmountDue, inv.CurrencyCode));

    // Meanwhile: an invoice is voided, another paid in full, a contact renamed.
    const [v, p] = x.sandbox.openInvoices(TENANT_A).slice(5, 7);
    x.sandbox.voidInvoice(TENANT_A, String(v!.InvoiceID));
    x.sandbox.pay(TENANT_A, String(p!.InvoiceID), minor(p!.AmountDue, p!.CurrencyCode));
    const contact = [...tenant.records.Contacts.values()][3]!;
    x.sandbox.change(TENANT_A, 'Contacts', String(contact.ContactID), { Name: 'Renamed Ltd' });
    x.sandbox.resetCounts();
    const inc = await x.connector.incrementalSync(connA);
    expect(inc.method).toBe('modified_since');
    // One call per list, then the pay links (OnlineInvoice) of the 5 oldest past-due invoices without one
    // (PAY_LINKS_PER_SYNC): one call each, once in an invoice's life.
    expect(x.sandbox.counts.total).toBe(4 + PAY_LINKS_PER_SYNC);
    const linked = await x.store.db.collection('invoices').find({ provider: 'xero', companyId: TENANT_A, payUrl: { $exists: true } }).toArray();
    expect(linked).toHaveLength(PAY_LINKS_PER_SYNC);
    for (const l of linked) expect(l['payUrl']).toMatch(/^https:\/\/in\.xero\.example\//);
    expect((await x.store.invoices.findByKey('xero', TENANT_A, String(v!.InvoiceID)))).toMatchObject({ status: 'voided', balanceMinor: 0 });
    expect((await x.store.invoices.findByKey('xero', TENANT_A, String(p!.InvoiceID)))).toMatchObject({ status: 'paid', balanceMinor: 0 });
    expect((await x.store.payments.findByKey('xero', TENANT_A, String(payment.PaymentID)))?.appliedTo).toEqual([{ invoiceExternalId: id, amountMinor: 10_030 }]);
    expect((await x.store.customers.findByKey('xero', TENANT_A, String(contact.ContactID)))?.displayName).toBe('Renamed Ltd');

    // Nothing changed: the next cycle reads four empty lists (and 5 more pay links, while past-due invoices lack one).
    x.sandbox.resetCounts();
    const quiet = await x.connector.incrementalSync(connA);
    expect(x.sandbox.counts.total).toBe(4 + PAY_LINKS_PER_SYNC);
    // The links stay through later syncs (the store replaces whole documents; Invoices.keepPayLinks keeps them).
    expect(await x.store.db.collection('invoices').countDocuments({ provider: 'xero', companyId: TENANT_A, payUrl: { $exists: true } })).toBe(2 * PAY_LINKS_PER_SYNC);
    expect(quiet.saved).toEqual({ customer: 0, invoice: 0, payment: 0, credit_memo: 0 });
  });

  it('a full sync also updates invoices that left AUTHORISED while nobody looked', async () => {
    const [gone] = x.sandbox.openInvoices(TENANT_B).slice(0, 1);
    x.sandbox.voidInvoice(TENANT_B, String(gone!.InvoiceID));
    x.sandbox.tenant(TENANT_B).records.Invoices.delete(String(x.sandbox.openInvoices(TENANT_B)[0]!.InvoiceID)); // vanished entirely
    await x.store.connections.update(connB, { checkpoint: {} }, new Date());
    await x.connector.fullSync(connB);
    expect((await x.store.invoices.findByKey('xero', TENANT_B, String(gone!.InvoiceID)))?.status).toBe('voided');
    const open = await x.store.db.collection('invoices').countDocuments({ provider: 'xero', companyId: TENANT_B, status: 'open' });
    expect(open).toBe(x.sandbox.openInvoices(TENANT_B).length);
  });

  it('20% of requests failing with 500/503/429 → the same open invoices as the sandbox holds', async () => {
    for (const c of ['invoices', 'customers', 'payments']) await x.store.db.collection(c).deleteMany({ companyId: TENANT_B });
    await x.store.connections.update(connB, { checkpoint: {} }, new Date());
    x.sandbox.faults.rate = 0.2;
    x.sandbox.faults.statuses = [500, 503, 429];
    x.sandbox.resetCounts();
    try {
      await x.connector.fullSync(connB);
    } finally {
      x.sandbox.faults.rate = 0;
    }
    expect(x.sandbox.counts.faults).toBeGreaterThan(0);
    const stored = await x.store.db.collection('invoices').find({ companyId: TENANT_B, status: 'open' }).toArray();
    const expected = new Map(x.sandbox.openInvoices(TENANT_B).map((i) => [String(i.InvoiceID), minor(i.AmountDue, i.CurrencyCode)]));
    expect(new Map(stored.map((d) => [String(d.externalId), Number(d.balanceMinor)]))).toEqual(expected);
  });

  it('fetches the pay link when asked and keeps it through later syncs', async () => {
    const id = String(x.sandbox.openInvoices(TENANT_A)[10]!.InvoiceID);
    const url = await x.connector.payLink(connA, id);
    expect(url).toMatch(/^https:\/\/in\.xero\.example\//);
    x.sandbox.change(TENANT_A, 'Invoices', id, { Reference: 'touched' });
    await x.connector.incrementalSync(connA);
    expect((await x.store.invoices.findByKey('xero', TENANT_A, id))?.payUrl).toBe(url);
  });

  it('refresh race: 24 callers in 4 processes over both tenants on expired tokens → one token request for the login', async () => {
    const before = x.sandbox.tokenLog.length;
    x.sandbox.expireAccessTokens();
    x.sandbox.tokenDelayMs = 100;
    const processes = ['p1', 'p2', 'p3', 'p4'].map((o) => x.makeConnector(o));
    const ids = [connA, connB];
    const customers = [TENANT_A, TENANT_B].map((t) => String([...x.sandbox.tenant(t).records.Contacts.values()][0]!.ContactID));
    try {
      const results = await Promise.all(Array.from({ length: 24 }, (_, i) => processes[i % 4]!.fetchRecord(ids[i % 2]!, 'customer', customers[i % 2]!)));
      expect(results.every((r) => r.found)).toBe(true);
    } finally {
      x.sandbox.tokenDelayMs = 0;
    }
    const refreshes = x.sandbox.tokenLog.slice(before).filter((t) => t.grant === 'refresh_token');
    expect(refreshes).toHaveLength(1);
    const holder = (await x.connector.grants.get((await x.store.connections.get(connA))!.tokenHolderId!))!;
    const stored = x.connector.tokens.open(holder)!;
    expect(stored.refreshToken).toBe(x.sandbox.latestRefreshToken(x.sandbox.loginOf(stored.refreshToken)!));
  });

  it('grace period: a lost refresh answer is recovered with the old token within 30 minutes; after that the login needs reconnecting', async () => {
    const holderId = (await x.store.connections.get(connA))!.tokenHolderId!;
    const held = x.connector.tokens.open((await x.connector.grants.get(holderId))!)!;
    // Someone refreshed with our token but the answer never arrived: our stored token is now superseded.
    const lost = await fetch(`${x.settings.identityUrl}/connect/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('xero-client-1:xero-secret-1').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: held.refreshToken }),
    });
    expect(lost.status).toBe(200);
    skewMs = 20 * 60_000; // 20 minutes later, still inside the grace period
    const d = await x.connector.refreshTokens(connA, { force: true });
    expect(d).toMatchObject({ ok: true, reason: 'refreshed' });
    const rotated = x.connector.tokens.open((await x.connector.grants.get(holderId))!)!;
    expect(rotated.refreshToken).not.toBe(held.refreshToken);

    // Put the superseded token back and move past the grace period: invalid_grant → both tenants need reconnecting.
    await x.connector.grants.update(holderId, x.connector.tokens.seal(holderId, { ...rotated, refreshToken: held.refreshToken }), new Date());
    skewMs = 31 * 60_000 + 20 * 60_000;
    try {
      expect(await x.connector.refreshTokens(connA, { force: true })).toMatchObject({ ok: false, reason: 'needs_reconnect' });
      expect(x.sandbox.tokenLog.at(-1)).toMatchObject({ grant: 'refresh_token', status: 400, error: 'invalid_grant' });
      expect((await x.store.connections.get(connA))?.status).toBe('needs_reconnect');
      expect(await x.connector.refreshTokens(connB)).toMatchObject({ ok: false, reason: 'needs_reconnect' });
      expect((await x.store.connections.get(connB))?.status).toBe('needs_reconnect');
    } finally {
      skewMs = 0;
    }
    // Reconnecting restores both.
    expect((await x.connect()).status).toBe(200);
    expect((await x.store.connections.get(connA))?.status).toBe('active');
    expect((await x.store.connections.get(connB))?.status).toBe('active');
  });

  it('daily limit: with the budget nearly spent a full sync is deferred (and says why), polling and webhooks go on', async () => {
    x.sandbox.setDayRemaining(TENANT_A, 120);
    const c = x.makeConnector('daily', { dailyReserve: 500 });
    await c.incrementalSync(connA); // learns X-DayLimit-Remaining
    expect(c.rates.for(TENANT_A).dayRemaining).toBeLessThan(120);
    x.sandbox.resetCounts();
    const full = await c.fullSync(connA);
    expect(full.deferred?.reason).toMatch(/daily API budget nearly spent \(\d+ calls left/);
    expect(x.sandbox.counts.total).toBe(0);
    expect((await x.store.connections.get(connA))?.checkpoint?.deferredFull).toMatch(/deferred/);
    // Payment polling still runs.
    const inv = x.sandbox.openInvoices(TENANT_A)[20]!;
    const pay = x.sandbox.pay(TENANT_A, String(inv.InvoiceID), 500);
    await c.incrementalSync(connA);
    expect(await x.store.payments.findByKey('xero', TENANT_A, String(pay.PaymentID))).not.toBeNull();
    // A full sync that runs into the reserve part-way stops, keeps its place, and polling still goes on.
    x.sandbox.setDayRemaining(TENANT_A, 502);
    c.rates.for(TENANT_A).dayRemaining = 502; // as if the last answer had said so: 2 pages, then below the reserve
    const partial = await c.fullSync(connA);
    expect(partial.deferred?.reason).toMatch(/deferred/);
    expect(partial.apiCalls).toBe(3);
    expect((await x.store.connections.get(connA))?.checkpoint?.fullStartedAt).toBeDefined();
    const polled = await c.incrementalSync(connA);
    expect(polled.method).toBe('modified_since');
    // The budget runs out: a 429 'day' is not waited out or retried.
    x.sandbox.setDayRemaining(TENANT_A, 0);
    x.sandbox.resetCounts();
    await expect(c.incrementalSync(connA)).rejects.toMatchObject({ status: 429, problem: 'day' });
    expect(x.sandbox.counts.rateLimited).toBe(1);
    x.sandbox.setDayRemaining(TENANT_A, 5000);
  });

  it('minute limit: paced under the limit (no 429), and Retry-After honoured when bounced', async () => {
    x.sandbox.limits.perMinute = 10;
    x.sandbox.limits.windowMs = 1_000;
    const contacts = [...x.sandbox.tenant(TENANT_B).records.Contacts.values()].map((c) => String(c.ContactID));
    try {
      // The same margin in proportion would be tiny at this scale; a loaded test machine delays requests by up to a few hundred ms.
      const paced = x.makeConnector('paced', { perMinute: 10, windowMs: 1_500 });
      await new Promise((r) => setTimeout(r, 1_100)); // calls of earlier tests leave the window
      x.sandbox.resetCounts();
      const started = Date.now();
      await Promise.all(contacts.slice(0, 20).map((id) => paced.fetchRecord(connB, 'customer', id)));
      expect(paced.rates.for(TENANT_B).rateLimited).toEqual({});
      expect(x.sandbox.counts.rateLimited).toBe(0);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_500); // 20 calls at 10 per 1.5 s
      const eager = x.makeConnector('eager', { perMinute: 1_000 });
      x.sandbox.resetCounts();
      const results = await Promise.all(contacts.slice(0, 20).map((id) => eager.fetchRecord(connB, 'customer', id)));
      expect(results.every((r) => r.found)).toBe(true);
      expect(x.sandbox.counts.rateLimited).toBeGreaterThan(0);
      expect(eager.rates.for(TENANT_B).rateLimited.minute).toBeGreaterThan(0);
    } finally {
      x.sandbox.limits.perMinute = 60;
      x.sandbox.limits.windowMs = 60_000;
    }
  });

  describe('webhook endpoint', () => {
    const url = () => `${x.appUrl}/webhooks/xero`;
    it('Intent-to-Receive: 200 with an empty body for a good signature, 401 for a bad one, fast, nothing stored', async () => {
      const before = await x.store.inbox.count();
      const itr = await x.sandbox.intentToReceive(url());
      expect(itr.good).toMatchObject({ status: 200, text: '' });
      expect(itr.bad).toMatchObject({ status: 401, text: '' });
      expect(Math.max(itr.good.ms, itr.bad.ms)).toBeLessThan(1_000);
      expect(await x.store.inbox.count()).toBe(before);
    });
    it('rejects a forged or missing signature with 401 and stores nothing', async () => {
      const before = await x.store.inbox.count();
      const body = x.sandbox.payload([{ tenantId: TENANT_A, category: 'INVOICE', id: String(x.sandbox.openInvoices(TENANT_A)[0]!.InvoiceID) }]);
      expect((await x.sandbox.deliver(url(), body, { signature: x.sandbox.signature(body, 'forged-key') })).status).toBe(401);
      expect((await x.sandbox.deliver(url(), body, { signature: '' })).status).toBe(401);
      expect((await x.sandbox.deliver(url(), body.replace('INVOICE', 'CONTACT'), { signature: x.sandbox.signature(body) })).status).toBe(401);
      expect(await x.store.inbox.count()).toBe(before);
    });
    it('stores a redelivered body once; acknowledges unknown tenants without storing', async () => {
      const before = await x.store.inbox.count();
      const body = x.sandbox.payload([{ tenantId: TENANT_B, category: 'CONTACT', id: String([...x.sandbox.tenant(TENANT_B).records.Contacts.values()][1]!.ContactID) }]);
      expect((await x.sandbox.deliver(url(), body)).status).toBe(200);
      expect((await x.sandbox.deliver(url(), body)).status).toBe(200);
      expect(await x.store.inbox.count()).toBe(before + 1);
      const other = x.sandbox.payload([{ tenantId: '99999999-0000-4000-a000-000000000000', category: 'INVOICE', id: 'x' }]);
      expect((await x.sandbox.deliver(url(), other)).status).toBe(200);
      expect(await x.store.inbox.count()).toBe(before + 1);
      expect(await processXeroInbox({ connector: x.connector, store: x.store, logger: createLogger('silent'), worker: 'w2' })).toBe(1);
    });
  });

  it('writes a short History note with a reference, refusing nothing over 250 characters', async () => {
    const contact = String([...x.sandbox.tenant(TENANT_B).records.Contacts.values()][2]!.ContactID);
    const r = await x.connector.appendCustomerNote(connB, contact, 'Credit hold placed: 3 invoices past 60 days. '.repeat(10), 'hold:cust-1:2026-03-02');
    expect(r).toMatchObject({ ok: true });
    const notes = x.sandbox.tenant(TENANT_B).history.get(contact)!;
    expect(notes).toHaveLength(1);
    expect(notes[0]!.Details.length).toBeLessThanOrEqual(250);
    expect(notes[0]!.Details).toMatch(/^\d{4}-\d{2}-\d{2} Overdue: Credit hold placed.*\[ref [0-9a-f]{10}\]$/);
    expect(XeroConnector.idempotencyKey('k'.repeat(200))).toHaveLength(71);
    expect(await x.connector.appendCustomerNote(connB, '99999999-0000-4000-a000-000000000000', 'x', 'k2')).toMatchObject({ ok: false, reason: 'not_found' });
  });

  it('refuses to email an invoice that is not open, or to a recipient Xero cannot target', async () => {
    const voided = [...x.sandbox.tenant(TENANT_A).records.Invoices.values()].find((i) => i.Status === 'VOIDED')!;
    expect(await x.connector.emailInvoice(connA, String(voided.InvoiceID), { idempotencyKey: 'e1' })).toMatchObject({ ok: false, reason: 'not_open' });
    const open = String(x.sandbox.openInvoices(TENANT_A)[3]!.InvoiceID);
    expect(await x.connector.emailInvoice(connA, open, { idempotencyKey: 'e2', sendTo: 'someone@else.example' })).toMatchObject({ ok: false, reason: 'rejected' });
    expect(await x.connector.emailInvoice(connA, open, { idempotencyKey: 'e3' })).toMatchObject({ ok: true });
    expect(await x.connector.emailInvoice(connA, open, { idempotencyKey: 'e3' })).toMatchObject({ ok: true });
    expect(x.sandbox.tenant(TENANT_A).emailed.filter((i) => i === open)).toHaveLength(1);
  });

  it('disconnecting one tenant leaves its sibling connected', async () => {
    await x.connector.disconnect(connB);
    expect((await x.store.connections.get(connB))?.status).toBe('disconnected');
    expect(await x.connector.refreshTokens(connB)).toMatchObject({ ok: false, reason: 'not_connected' });
    // Xero no longer lets the login reach tenant B; tenant A still works.
    const a = await x.connector.fetchRecord(connA, 'invoice', String(x.sandbox.openInvoices(TENANT_A)[0]!.InvoiceID));
    expect(a.found).toBe(true);
    const t = await x.connector.refreshTokens(connA);
    if (!t.ok) throw new Error('expected a token');
    const list = await fetch(x.settings.connectionsUrl, { headers: { authorization: `Bearer ${t.accessToken}` } });
    expect(((await list.json()) as { tenantId: string }[]).map((c) => c.tenantId)).toEqual([TENANT_A]);
    await expect(x.connector.fullSync(connB)).rejects.toBeInstanceOf(XeroApiError);
  });
});

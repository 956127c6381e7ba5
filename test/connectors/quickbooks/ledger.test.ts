// Ledger fidelity against the QuickBooks sandbox: every customer that may owe is
// an account (inactive ones too, with their real names), due dates come from
// terms, and a full sync settles what it did not see.
import { REALM, connId, startQuickBooks, type Running } from './harness.js';

jest.setTimeout(120_000);

describe('QuickBooks ledger fidelity', () => {
  let q: Running;
  beforeAll(async () => {
    q = await startQuickBooks('qbledger', { customers: 8, openInvoices: 24 });
    expect((await q.connect()).status).toBe(200);
  });
  afterAll(() => q.close());

  const company = () => q.sandbox.company(REALM);
  const customerWithOpenInvoice = (skip = 0) => {
    const owing = [...new Set([...company().records.Invoice.values()].filter((i) => Number(i.Balance) > 0).map((i) => (i.CustomerRef as { value: string }).value))];
    return company().records.Customer.get(owing[skip]!)!;
  };

  describe('inactive customers', () => {
    it('a full sync makes an inactive customer with open invoices an account, tagged inactive', async () => {
      const c = customerWithOpenInvoice(0);
      q.sandbox.deactivateCustomer(REALM, c.Id);
      const r = await q.connector.fullSync(connId);
      expect(r.saved.customer).toBe(8);
      const stored = await q.store.customers.findByKey('quickbooks', REALM, c.Id);
      expect(stored).toMatchObject({ displayName: c.DisplayName, active: false, ledgerStatus: 'inactive' });
      const active = await q.store.customers.findByKey('quickbooks', REALM, customerWithOpenInvoice(1).Id);
      expect(active?.ledgerStatus).toBeUndefined();
    });

    it('the change feed names an inactive customer "(deleted)": the account keeps its real name', async () => {
      const c = customerWithOpenInvoice(2);
      await new Promise((r) => setTimeout(r, 1_005 - (Date.now() % 1_000)));
      q.sandbox.deactivateCustomer(REALM, c.Id);
      const r = await q.connector.incrementalSync(connId);
      expect(r.method).toBe('cdc');
      expect(await q.store.customers.findByKey('quickbooks', REALM, c.Id)).toMatchObject({ displayName: c.DisplayName, ledgerStatus: 'inactive' });
      expect(String(c.DisplayName)).not.toMatch(/deleted/);
    });

    it('an incremental sync by query and a webhook read include inactive customers', async () => {
      const c = customerWithOpenInvoice(3);
      q.sandbox.change(REALM, 'Customer', c.Id, { Active: false, DisplayName: `${String(c.DisplayName)} Renamed` });
      await q.store.connections.update(connId, { checkpoint: { since: new Date(Date.now() - 40 * 86_400_000).toISOString() } }, new Date());
      expect((await q.connector.incrementalSync(connId)).method).toBe('query');
      expect(await q.store.customers.findByKey('quickbooks', REALM, c.Id)).toMatchObject({ displayName: `${String(c.DisplayName)}`, ledgerStatus: 'inactive' });
      q.sandbox.change(REALM, 'Customer', c.Id, { DisplayName: 'Renamed Again Ltd' });
      const r = await q.connector.applyChanges([{ provider: 'quickbooks', companyId: REALM, kind: 'customer', externalId: c.Id, operation: 'update' }]);
      expect(r.saved).toBe(1);
      expect(await q.store.customers.findByKey('quickbooks', REALM, c.Id)).toMatchObject({ displayName: 'Renamed Again Ltd', ledgerStatus: 'inactive' });
    });

    it('a customer made active again loses the tag', async () => {
      const c = customerWithOpenInvoice(0);
      q.sandbox.change(REALM, 'Customer', c.Id, { Active: true });
      await q.connector.applyChanges([{ provider: 'quickbooks', companyId: REALM, kind: 'customer', externalId: c.Id, operation: 'update' }]);
      const stored = await q.store.customers.findByKey('quickbooks', REALM, c.Id);
      expect(stored?.active).toBe(true);
      expect(stored?.ledgerStatus).toBeUndefined();
    });
  });
});

describe('QuickBooks due dates from terms', () => {
  let q: Running;
  beforeAll(async () => {
    q = await startQuickBooks('qbterms', { customers: 4, openInvoices: 4 });
    expect((await q.connect()).status).toBe(200);
  });
  afterAll(() => q.close());

  it('an invoice without DueDate is dated by its terms, else the customer\'s; with neither it is flagged, kept out of the ladder and told once', async () => {
    const s = q.sandbox;
    const net45 = s.put(REALM, 'Term', { Name: 'Net 45', Active: true, Type: 'STANDARD', DueDays: 45 });
    const fifteenth = s.put(REALM, 'Term', { Name: '15th of month', Active: false, Type: 'DATE_DRIVEN', DayOfMonthDue: 15, DueNextMonthDays: 5 });
    const [withTerms, withDefault, bare] = [...s.company(REALM).records.Customer.values()];
    s.change(REALM, 'Customer', withDefault!.Id, { SalesTermRef: { value: fifteenth.Id } });
    const inv = (cust: typeof bare, fields: Record<string, unknown>) => s.put(REALM, 'Invoice', {
      DocNumber: `T-${cust!.Id}`, TxnDate: '2026-03-12', TotalAmt: 100, Balance: 100, CustomerRef: { value: cust!.Id }, CurrencyRef: { value: 'USD' }, ...fields,
    });
    const a = inv(withTerms, { SalesTermRef: { value: net45.Id } });
    const b = inv(withDefault, {});
    const c = inv(bare, {});
    await q.connector.fullSync(connId);
    const stored = async (id: string) => q.store.invoices.findByKey('quickbooks', REALM, id);
    expect(await stored(a.Id)).toMatchObject({ dueDate: '2026-04-26', dueDateSource: 'invoice_terms', termsName: 'Net 45' });
    expect(await stored(b.Id)).toMatchObject({ dueDate: '2026-04-15', dueDateSource: 'customer_terms', termsName: '15th of month' });
    expect(await stored(c.Id)).toMatchObject({ dueDateSource: 'none' });
    const seeded = [...s.company(REALM).records.Invoice.values()].find((i) => i.DueDate)!;
    expect(await stored(seeded.Id)).toMatchObject({ dueDate: seeded.DueDate, dueDateSource: 'ledger' });

    // Not in the ladder's list, listed apart, and one audit entry however often it is synced.
    const listed = await q.store.invoices.listOpenForCustomer('quickbooks', REALM, bare!.Id);
    expect(listed.map((i) => i.externalId)).not.toContain(c.Id);
    expect((await q.store.invoices.listUndatedOpenForCustomer('quickbooks', REALM, bare!.Id)).map((i) => i.externalId)).toEqual([c.Id]);
    await q.connector.fullSync(connId);
    await q.store.connections.update(connId, { checkpoint: {} }, new Date());
    await q.connector.fullSync(connId);
    const audit = await q.store.audit.list(`quickbooks:${REALM}:${bare!.Id}`);
    expect(audit.filter((e) => e.action === 'invoice.undated')).toHaveLength(1);

    // The ledger dates it later: it joins the ladder.
    s.change(REALM, 'Invoice', c.Id, { DueDate: '2026-04-01' });
    await q.connector.applyChanges([{ provider: 'quickbooks', companyId: REALM, kind: 'invoice', externalId: c.Id, operation: 'update' }]);
    expect(await stored(c.Id)).toMatchObject({ dueDate: '2026-04-01', dueDateSource: 'ledger' });
    expect((await q.store.invoices.listOpenForCustomer('quickbooks', REALM, bare!.Id)).map((i) => i.externalId)).toContain(c.Id);
  });
});

describe('QuickBooks full sync that reconciles', () => {
  let q: Running;
  // QuickBooks' clock runs two hours behind Overdue's: checkpoints must follow QuickBooks'.
  const skewMs = -2 * 3_600_000;
  beforeAll(async () => {
    q = await startQuickBooks('qbsettle', { customers: 6, openInvoices: 30 }, { sandboxNow: () => new Date(Date.now() + skewMs) });
    expect((await q.connect()).status).toBe(200);
  });
  afterAll(() => q.close());

  it('settles invoices paid, voided or deleted since, whose webhooks were lost, reading them by id in one query', async () => {
    await q.connector.fullSync(connId);
    const open = [...q.sandbox.company(REALM).records.Invoice.values()].filter((i) => Number(i.Balance) > 0);
    const [paid, voided, gone] = open;
    q.sandbox.pay(REALM, paid!.Id, Math.round(Number(paid!.Balance) * 100));
    q.sandbox.voidInvoice(REALM, voided!.Id);
    q.sandbox.remove(REALM, 'Invoice', gone!.Id);
    q.sandbox.resetCounts();
    const r = await q.connector.fullSync(connId);
    const stored = (id: string) => q.store.invoices.findByKey('quickbooks', REALM, id);
    expect((await stored(paid!.Id))?.status).toBe('paid');
    expect((await stored(voided!.Id))?.status).toBe('voided');
    expect((await stored(gone!.Id))?.status).toBe('deleted');
    expect(r.deleted).toBe(1);
    expect(q.sandbox.counts.query).toBe(4 /* one page per entity */ + 1 /* Id IN (the three) */);
    // Idempotent: a third run finds nothing left to settle and changes nothing.
    q.sandbox.resetCounts();
    await q.connector.fullSync(connId);
    expect(q.sandbox.counts.query).toBe(4);
    expect(await q.store.invoices.countByCompany('quickbooks', REALM)).toBe(30);
  });

  it('checkpoints come from QuickBooks\' clock, so a change made just after a sync is seen by the next', async () => {
    await q.connector.fullSync(connId);
    const since = (await q.store.connections.get(connId))!.checkpoint!.since!;
    expect(Math.abs(Date.parse(since) - (Date.now() + skewMs))).toBeLessThan(5_000);
    await new Promise((r) => setTimeout(r, 1_005 - (Date.now() % 1_000)));
    const inv = [...q.sandbox.company(REALM).records.Invoice.values()].find((i) => Number(i.Balance) > 1)!;
    q.sandbox.pay(REALM, inv.Id, 100);
    const inc = await q.connector.incrementalSync(connId);
    expect(inc.method).toBe('cdc');
    expect((await q.store.invoices.findByKey('quickbooks', REALM, inv.Id))?.balanceMinor).toBe(Math.round(Number(inv.Balance) * 100));
  });

  it('resumes a full sync that stopped after reading invoices, settling with the first run\'s start', async () => {
    await q.connector.fullSync(connId);
    const inv = [...q.sandbox.company(REALM).records.Invoice.values()].find((i) => Number(i.Balance) > 0)!;
    const before = new Date(Date.now() - 60_000).toISOString();
    q.sandbox.pay(REALM, inv.Id, Math.round(Number(inv.Balance) * 100));
    // As if a full sync started a minute ago stopped after its invoice pages, before settling.
    await q.store.connections.update(connId, { checkpoint: { fullLocalStart: new Date().toISOString(), fullStartedAt: before, 'full:Customer': 'done', 'full:Invoice': 'done' } }, new Date());
    const r = await q.connector.fullSync(connId);
    expect(r.checkpoint).toBe(before);
    expect((await q.store.invoices.findByKey('quickbooks', REALM, inv.Id))?.status).toBe('paid');
  });
});

describe('QuickBooks contacts and numbers as data', () => {
  let q: Running;
  beforeAll(async () => {
    q = await startQuickBooks('qbcontacts', { customers: 3, openInvoices: 3 });
    expect((await q.connect()).status).toBe(200);
  });
  afterAll(() => q.close());

  it('several addresses in PrimaryEmailAddr become several validated contacts; invalid ones are dropped', async () => {
    const c = [...q.sandbox.company(REALM).records.Customer.values()][0]!;
    q.sandbox.change(REALM, 'Customer', c.Id, { PrimaryEmailAddr: { Address: 'ap@acme.example, Controller@Acme.example; not-an-address ;ap@ACME.example,' } });
    await q.connector.fullSync(connId);
    const stored = await q.store.customers.findByKey('quickbooks', REALM, c.Id);
    expect(stored?.email).toBe('ap@acme.example');
    expect(stored?.contacts.map((x) => x.email)).toEqual(['ap@acme.example', 'Controller@Acme.example']);
    expect(stored?.contacts.every((x) => x.roles.includes('billing'))).toBe(true);
  });

  it('an invoice without a DocNumber reads "invoice of <date>" with its ledger reference, never its Id as a number', async () => {
    const cust = [...q.sandbox.company(REALM).records.Customer.values()][1]!;
    const unnumbered = q.sandbox.put(REALM, 'Invoice', { TxnDate: '2026-03-12', DueDate: '2026-04-11', TotalAmt: 50, Balance: 50, CustomerRef: { value: cust.Id }, CurrencyRef: { value: 'USD' } });
    // A real invoice whose number is the other one's Id: the two must not read alike.
    const real = q.sandbox.put(REALM, 'Invoice', { DocNumber: unnumbered.Id, TxnDate: '2026-03-12', DueDate: '2026-04-11', TotalAmt: 60, Balance: 60, CustomerRef: { value: cust.Id }, CurrencyRef: { value: 'USD' } });
    await q.connector.fullSync(connId);
    const a = await q.store.invoices.findByKey('quickbooks', REALM, unnumbered.Id);
    const b = await q.store.invoices.findByKey('quickbooks', REALM, real.Id);
    expect(a).toMatchObject({ number: `invoice of 2026-03-12 (QuickBooks ref ${unnumbered.Id})`, numberSource: 'none' });
    expect(b).toMatchObject({ number: unnumbered.Id });
    expect(b?.numberSource).toBeUndefined();
  });
});

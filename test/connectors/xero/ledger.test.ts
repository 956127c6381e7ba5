// Ledger fidelity against the Xero sandbox: archived contacts that may owe are
// accounts, due dates come from payment terms, and a full sync settles what it did not see.
import { TENANT_A, connA, startXero, type RunningXero } from './harness.js';

jest.setTimeout(120_000);

describe('Xero ledger fidelity', () => {
  let x: RunningXero;
  beforeAll(async () => {
    x = await startXero('xeroledger', { a: { contacts: 8, openInvoices: 24 } });
    expect((await x.connect()).status).toBe(200);
  });
  afterAll(() => x.close());

  const tenant = () => x.sandbox.tenant(TENANT_A);
  const contactWithOpenInvoice = (skip = 0) => {
    const owing = [...new Set(x.sandbox.openInvoices(TENANT_A).map((i) => String((i.Contact as { ContactID: string }).ContactID)))];
    return tenant().records.Contacts.get(owing[skip]!)!;
  };

  describe('archived contacts', () => {
    it('a full sync makes an archived contact with open invoices an account, tagged archived', async () => {
      const c = contactWithOpenInvoice(0);
      x.sandbox.change(TENANT_A, 'Contacts', String(c.ContactID), { ContactStatus: 'ARCHIVED' });
      const r = await x.connector.fullSync(connA);
      expect(r.saved.customer).toBe(8);
      expect(await x.store.customers.findByKey('xero', TENANT_A, String(c.ContactID))).toMatchObject({ displayName: c.Name, active: false, ledgerStatus: 'archived' });
      expect((await x.store.customers.findByKey('xero', TENANT_A, String(contactWithOpenInvoice(1).ContactID)))?.ledgerStatus).toBeUndefined();
    });

    it('an incremental sync sees a contact archived since', async () => {
      const c = contactWithOpenInvoice(2);
      x.sandbox.change(TENANT_A, 'Contacts', String(c.ContactID), { ContactStatus: 'ARCHIVED' });
      await x.connector.incrementalSync(connA);
      expect(await x.store.customers.findByKey('xero', TENANT_A, String(c.ContactID))).toMatchObject({ ledgerStatus: 'archived' });
    });
  });
});

describe('Xero due dates from payment terms', () => {
  let x: RunningXero;
  beforeAll(async () => {
    x = await startXero('xeroterms', { a: { contacts: 4, openInvoices: 4 } });
    expect((await x.connect()).status).toBe(200);
  });
  afterAll(() => x.close());

  it('an invoice without DueDate is dated by its contact\'s sales terms, else the organisation\'s; with neither it is flagged and kept out of the ladder', async () => {
    const s = x.sandbox;
    const [withTerms, bare] = [...s.tenant(TENANT_A).records.Contacts.values()];
    s.change(TENANT_A, 'Contacts', String(withTerms!.ContactID), { PaymentTerms: { Sales: { Day: 20, Type: 'OFFOLLOWINGMONTH' } } });
    const inv = (c: typeof bare, n: string) => s.put(TENANT_A, 'Invoices', {
      InvoiceNumber: n, Type: 'ACCREC', Contact: { ContactID: c!.ContactID }, Date: '2026-03-12T00:00:00', Status: 'AUTHORISED',
      Total: 100, AmountDue: 100, AmountPaid: 0, CurrencyCode: 'NZD',
    });
    const a = inv(withTerms, 'T-1');
    const b = inv(bare, 'T-2');
    await x.connector.fullSync(connA);
    const stored = (id: unknown) => x.store.invoices.findByKey('xero', TENANT_A, String(id));
    expect(await stored(a.InvoiceID)).toMatchObject({ dueDate: '2026-04-20', dueDateSource: 'customer_terms', termsName: 'day 20 of the following month' });
    expect(await stored(b.InvoiceID)).toMatchObject({ dueDateSource: 'none' });
    expect((await x.store.invoices.listOpenForCustomer('xero', TENANT_A, String(bare!.ContactID))).map((i) => i.externalId)).not.toContain(b.InvoiceID);
    expect((await x.store.audit.list(`xero:${TENANT_A}:${String(bare!.ContactID)}`)).filter((e) => e.action === 'invoice.undated')).toHaveLength(1);

    // The organisation gets default terms: the next read dates the invoice by them.
    s.tenant(TENANT_A).salesTerms = { Day: 30, Type: 'DAYSAFTERBILLMONTH' };
    s.change(TENANT_A, 'Invoices', String(b.InvoiceID), { Reference: 'touched' });
    await x.connector.incrementalSync(connA);
    expect(await stored(b.InvoiceID)).toMatchObject({ dueDate: '2026-04-30', dueDateSource: 'organisation_terms' });
    expect((await x.store.invoices.listOpenForCustomer('xero', TENANT_A, String(bare!.ContactID))).map((i) => i.externalId)).toContain(b.InvoiceID);
  });
});

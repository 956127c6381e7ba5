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

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

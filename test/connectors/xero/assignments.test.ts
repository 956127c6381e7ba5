// Sales reps and collectors from Xero contact groups ("Rep: <email>",
// "Collector: <email>"), and assignments made in Overdue surviving syncs of the
// sandbox's contacts.
import { assignmentsFromGroups } from '../../../connectors/xero/records.js';
import { TENANT_A, connA, startXero, type RunningXero } from './harness.js';

jest.setTimeout(120_000);

describe('Xero contact groups → rep and collector (pure)', () => {
  it('reads active "Rep:" / "Sales rep:" / "Collector:" groups, case-insensitive, first by name; ignores others', () => {
    expect(assignmentsFromGroups([
      { Name: 'Wholesale', Status: 'ACTIVE' },
      { Name: 'rep: Zed@Northwind.example', Status: 'ACTIVE' },
      { Name: 'Rep: amy@northwind.example' },
      { Name: 'Collector: gone@northwind.example', Status: 'DELETED' },
      { Name: 'COLLECTOR : cole@northwind.example', Status: 'ACTIVE' },
      { Name: 'Rep: not-an-email', Status: 'ACTIVE' },
    ])).toEqual({ salesRepEmail: 'amy@northwind.example', collectorEmail: 'cole@northwind.example' });
    expect(assignmentsFromGroups([{ Name: 'Sales rep: sam@northwind.example' }])).toEqual({ salesRepEmail: 'sam@northwind.example' });
    expect(assignmentsFromGroups([])).toEqual({});
  });
});

describe('assignments across Xero syncs', () => {
  let x: RunningXero;
  beforeAll(async () => {
    x = await startXero('xeroassign', { a: { contacts: 6, openInvoices: 12 } });
    expect((await x.connect()).status).toBe(200);
    await x.connector.fullSync(connA);
  });
  afterAll(() => x.close());

  it('an assignment made in Overdue survives a sync of the changed contact; a contact group sets it from Xero', async () => {
    const [c1, c2] = [...x.sandbox.tenant(TENANT_A).records.Contacts.values()].map((c) => String(c.ContactID));
    const doc1 = await x.store.customers.findByKey('xero', TENANT_A, c1!);
    if (!doc1) throw new Error('contact not synced');
    await x.store.customers.raw().updateOne({ _id: doc1._id }, { $set: { salesRepEmail: 'sam@northwind.example', collectorEmail: 'cole@northwind.example' } });

    x.sandbox.change(TENANT_A, 'Contacts', c1!, { Name: 'Renamed Ltd' });
    x.sandbox.change(TENANT_A, 'Contacts', c2!, { ContactGroups: [{ ContactGroupID: 'g-1', Name: 'Rep: ria@northwind.example', Status: 'ACTIVE' }, { ContactGroupID: 'g-2', Name: 'Collector: lee@northwind.example', Status: 'ACTIVE' }] });
    const inc = await x.connector.incrementalSync(connA);
    expect(inc.saved.customer).toBe(2);
    expect(await x.store.customers.findByKey('xero', TENANT_A, c1!)).toMatchObject({ displayName: 'Renamed Ltd', salesRepEmail: 'sam@northwind.example', collectorEmail: 'cole@northwind.example' });
    expect(await x.store.customers.findByKey('xero', TENANT_A, c2!)).toMatchObject({ salesRepEmail: 'ria@northwind.example', collectorEmail: 'lee@northwind.example' });

    // A full sync rewrites every contact: still assigned.
    await x.connector.fullSync(connA);
    expect(await x.store.customers.findByKey('xero', TENANT_A, c1!)).toMatchObject({ salesRepEmail: 'sam@northwind.example', collectorEmail: 'cole@northwind.example' });
    // The group now names another rep: Xero's word wins over the stored one.
    x.sandbox.change(TENANT_A, 'Contacts', c1!, { ContactGroups: [{ ContactGroupID: 'g-3', Name: 'Rep: amy@northwind.example', Status: 'ACTIVE' }] });
    await x.connector.incrementalSync(connA);
    expect(await x.store.customers.findByKey('xero', TENANT_A, c1!)).toMatchObject({ salesRepEmail: 'amy@northwind.example', collectorEmail: 'cole@northwind.example' });
  });
});

// Contacts people entered survive real syncs of the Xero sandbox: the sync
// replaces the customer's ledger contacts (ContactPersons included), never the
// entered ones, and planning merges the two (entered first, one per address).
import { applyEntered, EnteredContactInput } from '../../../src/planning/contacts.js';
import { Planner } from '../../../src/planning/plan.js';
import { storedPolicySource } from '../../../src/planning/policy-source.js';
import { accountStates } from '../../../src/planning/state.js';
import { TENANT_A, connA, startXero, type RunningXero } from './harness.js';

jest.setTimeout(120_000);

describe('entered contacts across Xero syncs', () => {
  let x: RunningXero;
  beforeAll(async () => {
    x = await startXero('xerocontacts', { a: { contacts: 3, openInvoices: 6 } });
    expect((await x.connect()).status).toBe(200);
    await x.connector.fullSync(connA);
  });
  afterAll(() => x.close());

  it('a CFO entered in Overdue survives incremental and full syncs; the ledger listing the same address merges into one contact', async () => {
    const [c1] = [...x.sandbox.tenant(TENANT_A).records.Contacts.values()].map((c) => String(c.ContactID));
    const doc = await x.store.customers.findByKey('xero', TENANT_A, c1!);
    if (!doc) throw new Error('contact not synced');
    const at = new Date();
    const states = accountStates(x.store.db);
    await states.updateContacts(doc._id, doc.orgId, (current) => applyEntered(current, EnteredContactInput.parse({ role: 'cfo', name: 'Ann Lee', email: 'ann@cfo.example' }), 'cole@northwind.example', at).contacts, at);

    // Xero now lists Ann as a contact person (not included in emails) and the contact is renamed.
    x.sandbox.change(TENANT_A, 'Contacts', c1!, { Name: 'Renamed Ltd', ContactPersons: [{ FirstName: 'Ann', LastName: 'L.', EmailAddress: 'ANN@cfo.example', IncludeInEmails: false }] });
    expect((await x.connector.incrementalSync(connA)).saved.customer).toBe(1);
    await x.connector.fullSync(connA);

    const synced = await x.store.customers.findByKey('xero', TENANT_A, c1!);
    expect(synced?.displayName).toBe('Renamed Ltd');
    expect(synced?.contacts.map((c) => [c.email, c.roles])).toContainEqual(['ANN@cfo.example', ['other']]);
    expect((await states.get(doc._id))?.contacts).toMatchObject([{ id: 'entered:email:ann@cfo.example', name: 'Ann Lee', roles: ['cfo'] }]);

    const loaded = await new Planner(x.store, { worker: 'test', policies: storedPolicySource(x.store.policies) }).load(doc._id);
    const anns = loaded?.account.contacts.filter((c) => c.email?.toLowerCase() === 'ann@cfo.example') ?? [];
    expect(anns).toEqual([expect.objectContaining({ id: 'entered:email:ann@cfo.example', name: 'Ann Lee', roles: ['cfo', 'other'] })]);
    expect(loaded?.account.contacts[0]?.id).toBe('entered:email:ann@cfo.example');
  });
});

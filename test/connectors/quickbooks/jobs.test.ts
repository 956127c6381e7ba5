// QuickBooks jobs (sub-customers): a job billed with its parent (Job, ParentRef,
// BillWithParent: true) is collected through its top-level parent: its invoices are the
// parent's account's, with the job's name; a job not billed with its parent is its own
// account; the roll-up follows re-parenting, BillWithParent switched off, renames and a
// job made inactive, through the change feed and webhooks; the reconciliation counts a
// job's report rows in the parent's account.
import { reconcileConnection } from '../../../connectors/reconcile.js';
import type { Connector } from '../../../connectors/types.js';
import { createLogger } from '../../../src/logger.js';
import { REALM, connId, startQuickBooks, type Running } from './harness.js';

jest.setTimeout(120_000);

describe('QuickBooks jobs billed with their parent', () => {
  let q: Running;
  beforeAll(async () => {
    q = await startQuickBooks('qbjobs', { customers: 4, openInvoices: 0, currencies: ['USD'] });
    expect((await q.connect()).status).toBe(200);
  });
  afterAll(() => q.close());

  const s = () => q.sandbox;
  const tick = () => new Promise((r) => setTimeout(r, 1_005 - (Date.now() % 1_000)));
  const invoiceFor = (customerId: string, name: string, n: number) =>
    s().put(REALM, 'Invoice', {
      DocNumber: `J-${n}`, TxnDate: '2025-01-01', DueDate: '2025-01-31', TotalAmt: 100, Balance: 100,
      CustomerRef: { value: customerId, name }, CurrencyRef: { value: 'USD', name: 'USD' }, LinkedTxn: [], Line: [{ Amount: 100, DetailType: 'SalesItemLineDetail' }],
    });
  const stored = (id: string) => q.store.invoices.findByKey('quickbooks', REALM, id);

  it('a job billed with its parent (and its own job) rolls up into the top-level parent; one not billed with it is its own account; the report counts there too', async () => {
    const [a, b] = [...s().company(REALM).records.Customer.values()];
    const job = s().put(REALM, 'Customer', { DisplayName: `${String(a!.DisplayName)}:Site 1`, Active: true, Job: true, ParentRef: { value: a!.Id }, BillWithParent: true, CurrencyRef: { value: 'USD' } });
    const sub = s().put(REALM, 'Customer', { DisplayName: `${String(a!.DisplayName)}:Site 1:Phase 2`, Active: true, Job: true, ParentRef: { value: job.Id }, BillWithParent: true, CurrencyRef: { value: 'USD' } });
    const own = s().put(REALM, 'Customer', { DisplayName: `${String(b!.DisplayName)}:Own`, Active: true, Job: true, ParentRef: { value: b!.Id }, BillWithParent: false, CurrencyRef: { value: 'USD' } });
    const i1 = invoiceFor(job.Id, String(job.DisplayName), 1);
    const i2 = invoiceFor(sub.Id, String(sub.DisplayName), 2);
    const i3 = invoiceFor(own.Id, String(own.DisplayName), 3);
    await q.connector.fullSync(connId);
    expect(await stored(i1.Id)).toMatchObject({ customerExternalId: a!.Id, jobExternalId: job.Id, jobName: job.DisplayName });
    expect(await stored(i2.Id)).toMatchObject({ customerExternalId: a!.Id, jobExternalId: sub.Id });
    const i3doc = await stored(i3.Id);
    expect(i3doc?.customerExternalId).toBe(own.Id);
    expect(i3doc?.jobExternalId).toBeUndefined();
    expect((await q.store.invoices.listOpenForCustomer('quickbooks', REALM, a!.Id)).map((i) => i.externalId).sort()).toEqual([i1.Id, i2.Id].sort());
    expect(await q.store.invoices.listOpenForCustomer('quickbooks', REALM, job.Id)).toEqual([]);
    const run = await reconcileConnection({ store: q.store, connector: q.connector as Connector, now: () => new Date(), logger: createLogger('silent') }, connId);
    expect(run).toMatchObject({ status: 'exact', compared: 2, exact: 2 });
  });

  it('re-parenting (change feed), BillWithParent off (webhook), a rename and a job made inactive: the invoices follow', async () => {
    const customers = [...s().company(REALM).records.Customer.values()];
    const [a, , c] = customers;
    const job = customers.find((x) => x.DisplayName === `${String(a!.DisplayName)}:Site 1`)!;
    const sub = customers.find((x) => String(x.DisplayName).endsWith('Phase 2'))!;
    const i1 = [...s().company(REALM).records.Invoice.values()].find((i) => i.DocNumber === 'J-1')!;
    const i2 = [...s().company(REALM).records.Invoice.values()].find((i) => i.DocNumber === 'J-2')!;

    await tick();
    s().change(REALM, 'Customer', job.Id, { ParentRef: { value: c!.Id } });
    expect((await q.connector.incrementalSync(connId)).method).toBe('cdc');
    expect(await stored(i1.Id)).toMatchObject({ customerExternalId: c!.Id, jobExternalId: job.Id });
    expect(await stored(i2.Id)).toMatchObject({ customerExternalId: c!.Id, jobExternalId: sub.Id }); // its sub-job moves with it

    s().change(REALM, 'Customer', job.Id, { DisplayName: 'Renamed Site', BillWithParent: false });
    await q.connector.applyChanges([{ provider: 'quickbooks', companyId: REALM, kind: 'customer', externalId: job.Id, operation: 'update' }]);
    const own = await stored(i1.Id);
    expect(own?.customerExternalId).toBe(job.Id);
    expect(own?.jobExternalId).toBeUndefined();
    expect(await stored(i2.Id)).toMatchObject({ customerExternalId: job.Id, jobExternalId: sub.Id, jobName: sub.DisplayName }); // now the top of its chain

    s().change(REALM, 'Customer', job.Id, { BillWithParent: true });
    s().deactivateCustomer(REALM, sub.Id);
    await q.connector.applyChanges([
      { provider: 'quickbooks', companyId: REALM, kind: 'customer', externalId: job.Id, operation: 'update' },
      { provider: 'quickbooks', companyId: REALM, kind: 'customer', externalId: sub.Id, operation: 'update' },
    ]);
    expect(await stored(i1.Id)).toMatchObject({ customerExternalId: c!.Id, jobExternalId: job.Id, jobName: 'Renamed Site' });
    expect(await stored(i2.Id)).toMatchObject({ customerExternalId: c!.Id, jobExternalId: sub.Id });
  });
});

// The sync jobs against the QuickBooks sandbox: a full sync plans every synced
// account; a webhook delivery is fetched, saved and re-plans exactly its account.
import { processQuickbooksInbox } from '../connectors/quickbooks/routes.js';
import { processWebhookDeliveries, syncAll } from '../jobs/sync.js';
import type { JobContext } from '../jobs/agenda.js';
import { createLogger } from '../src/logger.js';
import { REALM, connId, startQuickBooks, type Running } from './connectors/quickbooks/harness.js';
import { testServices } from './helpers/services.js';

jest.setTimeout(120_000);

let q: Running;
let ctx: JobContext;
const logger = createLogger('silent');
const planned = () => q.store.db.collection<{ _id: string; lastPlannedAt?: Date }>('account_states').find({ lastPlannedAt: { $exists: true } }).toArray();

beforeAll(async () => {
  q = await startQuickBooks('syncjobs', { customers: 8, openInvoices: 40, paidInvoices: 4 });
  ctx = testServices(q.store, {
    logger,
    worker: 'w1',
    connectors: { quickbooks: q.connector },
    inbox: { quickbooks: () => processQuickbooksInbox({ connector: q.connector, store: q.store, logger, worker: 'w1' }) },
  });
});
afterAll(() => q.close());

it('a full sync saves the company and plans every account it touched', async () => {
  expect((await q.connect()).status).toBe(200);
  await syncAll(ctx, 'full');
  expect(await q.store.invoices.countByCompany('quickbooks', REALM)).toBeGreaterThanOrEqual(40);
  const customers = await q.store.customers.listByOrg('org1');
  expect(customers.length).toBe(8);
  expect((await planned()).map((s) => s._id).sort()).toEqual(customers.map((c) => c._id).sort());
});

it('a webhook delivery re-plans exactly the account whose invoice changed', async () => {
  const before = new Map((await planned()).map((s) => [s._id, s.lastPlannedAt?.getTime()]));
  const inv = [...q.sandbox.company(REALM).records.Invoice.values()].find((i) => Number(i.Balance) > 0)!;
  const payment = q.sandbox.pay(REALM, inv.Id, 100);
  const body = q.sandbox.legacyPayload(REALM, [{ name: 'Invoice', id: inv.Id, operation: 'Update' }, { name: 'Payment', id: payment.Id, operation: 'Create' }]);
  expect((await q.sandbox.deliver(`${q.appUrl}/webhooks/quickbooks`, body)).status).toBe(200);
  await new Promise((r) => setTimeout(r, 5)); // a later syncedAt than the full sync's
  const r = await processWebhookDeliveries(ctx);
  expect(r).toEqual({ handled: 1, replanned: 1 });
  const after = await planned();
  const moved = after.filter((s) => s.lastPlannedAt?.getTime() !== before.get(s._id)).map((s) => s._id);
  const customer = await q.store.invoices.findByKey('quickbooks', REALM, inv.Id);
  expect(moved).toEqual([`quickbooks:${REALM}:${customer?.customerExternalId}`]);
  expect(await processWebhookDeliveries(ctx)).toEqual({ handled: 0, replanned: 0 });
});

it('skips a connection whose provider is not configured in this worker', async () => {
  const calls = q.sandbox.counts.total;
  await syncAll({ ...ctx, connectors: {}, inbox: {} }, 'incremental');
  expect(q.sandbox.counts.total).toBe(calls);
  expect(connId).toBe(`quickbooks:${REALM}`);
});

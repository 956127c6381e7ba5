// Webhook freshness: a stored delivery is processed within seconds, not at the
// next minute. The web role enqueues `process-webhooks-now` on an Agenda it never
// starts (webhookTrigger); a worker's Agenda runs it at its next scan: the change
// is fetched and saved, and the account re-planned. No per-minute cron is
// scheduled here, so only the enqueued run can do it.
import type { Agenda } from 'agenda';
import { processQuickbooksInbox } from '../connectors/quickbooks/routes.js';
import { createAgenda, defineJobs, JOBS_COLLECTION, type JobContext } from '../jobs/agenda.js';
import { processWebhooksNow, syncAll, webhookTrigger } from '../jobs/sync.js';
import { createLogger } from '../src/logger.js';
import { collections } from '../src/store/store.js';
import { REALM, connId, startQuickBooks, type Running } from './connectors/quickbooks/harness.js';
import { testServices } from './helpers/services.js';
import { waitFor } from './sandbox/slack/harness.js';

jest.setTimeout(120_000);

let q: Running;
let ctx: JobContext;
let web: Agenda;
let worker: Agenda | undefined;
const logger = createLogger('silent');
const enqueued: string[] = [];

beforeAll(async () => {
  q = await startQuickBooks('freshness', { customers: 4, openInvoices: 12, paidInvoices: 0 }, {
    onStored: async (id) => {
      enqueued.push(id);
      await webhookTrigger(web)(id);
    },
  });
  web = createAgenda(q.store.db, { name: 'web:enqueue', processEveryMs: 5_000, maxConcurrency: 1 });
  ctx = testServices(q.store, {
    logger,
    worker: 'w1',
    connectors: { quickbooks: q.connector },
    inbox: { quickbooks: () => processQuickbooksInbox({ connector: q.connector, store: q.store, logger, worker: 'w1' }) },
  });
  expect((await q.connect()).status).toBe(200);
  await syncAll(ctx, 'full');
});
afterAll(async () => {
  await worker?.stop();
  await web.stop().catch(() => undefined);
  await q.close();
});

const pending = () => q.store.db.collection(JOBS_COLLECTION).countDocuments({ name: processWebhooksNow.name, 'data.connectionId': connId, lockedAt: null, lastFinishedAt: null });

it('a burst of triggers for one connection leaves one pending run', async () => {
  const trigger = webhookTrigger(web);
  for (let i = 0; i < 5; i++) await trigger(connId);
  expect(await pending()).toBe(1);
});

it('a signed payment webhook is stored, fetched and its account re-planned by the enqueued run, without the minute cron', async () => {
  const inv = [...q.sandbox.company(REALM).records.Invoice.values()].find((i) => Number(i.Balance) > 0)!;
  const stored = await q.store.invoices.findByKey('quickbooks', REALM, inv.Id);
  const account = `quickbooks:${REALM}:${stored?.customerExternalId}`;
  const states = q.store.db.collection<{ _id: string; lastPlannedAt?: Date }>('account_states');
  const plannedBefore = (await states.findOne({ _id: account }))?.lastPlannedAt?.getTime() ?? 0;
  const balanceBefore = stored!.balanceMinor;

  const payment = q.sandbox.pay(REALM, inv.Id, 100);
  const body = q.sandbox.legacyPayload(REALM, [{ name: 'Invoice', id: inv.Id, operation: 'Update' }, { name: 'Payment', id: payment.Id, operation: 'Create' }]);
  expect((await q.sandbox.deliver(`${q.appUrl}/webhooks/quickbooks`, body)).status).toBe(200);
  expect(enqueued).toContain(connId);

  worker = createAgenda(q.store.db, { name: 'worker-1', processEveryMs: 200, maxConcurrency: 2 });
  defineJobs(worker, [processWebhooksNow as never], ctx);
  await worker.start();

  await waitFor('the payment saved', async () => (await q.store.invoices.findByKey('quickbooks', REALM, inv.Id))?.balanceMinor === balanceBefore - 100, 30_000);
  await waitFor('the account re-planned', async () => ((await states.findOne({ _id: account }))?.lastPlannedAt?.getTime() ?? 0) > plannedBefore, 30_000);
  expect((await q.store.db.collection(collections.inbox).find({}).toArray()).map((d) => d['status'])).toEqual(['done']);
  // Processed: the pending run is gone (removed once it succeeded).
  await waitFor('no pending run left', async () => (await pending()) === 0, 30_000);
});

// Webhook latency: a run re-plans each batch's accounts as soon as the batch is
// saved — not after the rest of the run — and keeps taking deliveries stored
// while it runs. The accounts come from the saved records read back by `_id`
// (AppliedChanges.changed); a customer change falls back to what was saved since.
// A gate holds the second delivery's fetch, so what happened before it is observed
// while the run is provably still on it (no sleeps).
import { processQuickbooksInbox } from '../connectors/quickbooks/routes.js';
import type { ChangeEvent, Connector } from '../connectors/types.js';
import type { JobContext } from '../jobs/agenda.js';
import { processWebhookDeliveries, syncAll } from '../jobs/sync.js';
import { createLogger } from '../src/logger.js';
import { collections } from '../src/store/store.js';
import type { WebhookDeliveryDoc } from '../src/store/types.js';
import { REALM, connId, startQuickBooks, type Running } from './connectors/quickbooks/harness.js';
import { testServices } from './helpers/services.js';
import { waitFor } from './sandbox/slack/harness.js';

jest.setTimeout(120_000);

let q: Running;
const logger = createLogger('silent');

beforeAll(async () => {
  q = await startQuickBooks('webhook-replan', { customers: 4, openInvoices: 12, paidInvoices: 0 });
  expect((await q.connect()).status).toBe(200);
  await syncAll(testServices(q.store, { logger, connectors: { quickbooks: q.connector } }), 'full');
});
afterAll(async () => {
  await q.close();
});

const states = () => q.store.db.collection<{ _id: string; lastPlannedAt?: Date }>('account_states');
const plannedAt = async (account: string) => (await states().findOne({ _id: account }))?.lastPlannedAt?.getTime() ?? 0;
const inbox = () => q.store.db.collection<WebhookDeliveryDoc>(collections.inbox);

/** An open invoice of each of two customers, their account ids and a signed payment delivery for each. */
async function twoPayments(): Promise<{ account: string; invoiceId: string; body: string }[]> {
  const invoices = [...q.sandbox.company(REALM).records.Invoice.values()].filter((i) => Number(i.Balance) > 1);
  const out: { account: string; invoiceId: string; body: string }[] = [];
  for (const inv of invoices) {
    if (out.length === 2) break;
    const stored = await q.store.invoices.findByKey('quickbooks', REALM, inv.Id);
    const account = `quickbooks:${REALM}:${stored?.customerExternalId}`;
    if (!stored || out.some((o) => o.account === account)) continue;
    const payment = q.sandbox.pay(REALM, inv.Id, 100);
    out.push({ account, invoiceId: inv.Id, body: q.sandbox.legacyPayload(REALM, [{ name: 'Invoice', id: inv.Id, operation: 'Update' }, { name: 'Payment', id: payment.Id, operation: 'Create' }]) });
  }
  expect(out).toHaveLength(2);
  return out;
}

/** The connector, with the fetch of events naming `invoiceId` held until `open()`. */
function gated(connector: Connector, invoiceId: string): { connector: Pick<Connector, 'applyChanges'>; reached: Promise<void>; open: () => void } {
  let open = (): void => {};
  let reachedNow = (): void => {};
  const gate = new Promise<void>((r) => (open = r));
  const reached = new Promise<void>((r) => (reachedNow = r));
  return {
    connector: {
      applyChanges: async (events: ChangeEvent[]) => {
        if (events.some((e) => e.kind === 'invoice' && e.externalId === invoiceId)) {
          reachedNow();
          await gate;
        }
        return connector.applyChanges(events);
      },
    },
    reached,
    open: () => open(),
  };
}

function services(connector: Pick<Connector, 'applyChanges'>, batch: number): JobContext {
  return testServices(q.store, {
    logger,
    worker: 'w1',
    connectors: { quickbooks: q.connector },
    inbox: { quickbooks: (opts) => processQuickbooksInbox({ connector, store: q.store, logger, worker: 'w1', batch, ...opts }) },
  });
}

it('re-plans the first batch\'s account while the run is still fetching the next delivery', async () => {
  const [a, b] = await twoPayments();
  const before = { a: await plannedAt(a!.account), b: await plannedAt(b!.account) };
  for (const p of [a!, b!]) expect((await q.sandbox.deliver(`${q.appUrl}/webhooks/quickbooks`, p.body)).status).toBe(200);
  const g = gated(q.connector, b!.invoiceId);

  const run = processWebhookDeliveries(services(g.connector, 1));
  await g.reached; // the run is on the second delivery, held
  await waitFor('the first delivery\'s account re-planned', async () => (await plannedAt(a!.account)) > before.a, 30_000);
  // The second delivery is claimed and held: not saved, its account not re-planned yet.
  expect((await inbox().find({ status: 'processing' }).toArray()).length).toBe(1);
  expect(await plannedAt(b!.account)).toBe(before.b);

  g.open();
  expect(await run).toEqual({ handled: 2, replanned: 2 });
  expect(await plannedAt(b!.account)).toBeGreaterThan(before.b);
  expect(await inbox().countDocuments({ status: { $ne: 'done' } })).toBe(0);
});

it('takes deliveries stored while it runs in the same run, without another job', async () => {
  const [a, b] = await twoPayments();
  const before = await plannedAt(b!.account);
  expect((await q.sandbox.deliver(`${q.appUrl}/webhooks/quickbooks`, a!.body)).status).toBe(200);
  const g = gated(q.connector, a!.invoiceId);

  const run = processWebhookDeliveries(services(g.connector, 100));
  await g.reached; // the run holds the first delivery; the second arrives only now
  expect((await q.sandbox.deliver(`${q.appUrl}/webhooks/quickbooks`, b!.body)).status).toBe(200);
  g.open();
  expect((await run).handled).toBe(2);
  expect(await plannedAt(b!.account)).toBeGreaterThan(before);
});

it('names the accounts a change touched, read back by _id; a customer change says "look up what was saved"', async () => {
  const [a] = await twoPayments();
  const events: ChangeEvent[] = [{ provider: 'quickbooks', companyId: REALM, kind: 'invoice', externalId: a!.invoiceId, operation: 'update' }];
  expect((await q.connector.applyChanges(events)).changed).toEqual([{ connectionId: connId, accounts: [a!.account] }]);
  const customer = a!.account.split(':')[2]!;
  const withCustomer: ChangeEvent[] = [...events, { provider: 'quickbooks', companyId: REALM, kind: 'customer', externalId: customer, operation: 'update' }];
  expect((await q.connector.applyChanges(withCustomer)).changed).toEqual([{ connectionId: connId, accounts: null }]);
});

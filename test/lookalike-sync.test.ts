// The look-alike check runs where customers arrive: a customer created in QuickBooks (a webhook delivery) or
// edited there (an incremental sync) is checked, after the sync, against the organisation's known bad payers,
// and a look-alike is flagged with its alert task; the ledger's tax id is kept on the customer.
import { processQuickbooksInbox } from '../connectors/quickbooks/routes.js';
import { processWebhookDeliveries, syncAll } from '../jobs/sync.js';
import type { JobContext } from '../jobs/agenda.js';
import { createLogger } from '../src/logger.js';
import { LookalikeFlags, lookalikeFlagId } from '../src/store/lookalike.js';
import { recordId } from '../src/store/records.js';
import { collections } from '../src/store/store.js';
import { CreditFlags } from '../slack/services/credit-flags.js';
import { lookalikeTaskId } from '../slack/services/lookalike.js';
import { REALM, startQuickBooks, type Running } from './connectors/quickbooks/harness.js';
import { testServices } from './helpers/services.js';

jest.setTimeout(120_000);

let q: Running;
let ctx: JobContext;
const logger = createLogger('silent');
const idOf = (externalId: string) => recordId({ provider: 'quickbooks', companyId: REALM, externalId });

beforeAll(async () => {
  q = await startQuickBooks('lookalikesync', { customers: 4, openInvoices: 6 });
  ctx = testServices(q.store, {
    logger,
    worker: 'w1',
    connectors: { quickbooks: q.connector },
    inbox: { quickbooks: () => processQuickbooksInbox({ connector: q.connector, store: q.store, logger, worker: 'w1' }) },
  });
  expect((await q.connect()).status).toBe(200);
  await syncAll(ctx, 'full');
});
afterAll(() => q.close());

it('a new customer with a known bad payer\'s phone and email domain is flagged after the webhook is processed', async () => {
  const customers = [...q.sandbox.company(REALM).records.Customer.values()];
  const bad = customers[0];
  if (!bad) throw new Error('no customer');
  await new CreditFlags(q.store.db).setPrepayOnly(idOf(bad.Id), 'org1', 'referred to the collection agency', { kind: 'system', id: 'test' }, new Date());

  const fresh = q.sandbox.put(REALM, 'Customer', {
    DisplayName: 'Brand New Trading LLC', PrimaryEmailAddr: { Address: 'orders@customer0.example' }, PrimaryPhone: bad.PrimaryPhone,
    PrimaryTaxIdentifier: 'XXXXX6789', Active: true, Job: false, CurrencyRef: bad.CurrencyRef, Balance: 0,
  });
  const body = q.sandbox.legacyPayload(REALM, [{ name: 'Customer', id: fresh.Id, operation: 'Create' }]);
  expect((await q.sandbox.deliver(`${q.appUrl}/webhooks/quickbooks`, body)).status).toBe(200);
  await processWebhookDeliveries(ctx);

  expect((await q.store.customers.get(idOf(fresh.Id)))?.taxNumber).toBe('XXXXX6789');
  const flags = await new LookalikeFlags(q.store.db).forCustomer(idOf(fresh.Id));
  expect(flags.map((f) => [f.knownId, f.knownReasons, f.matched.map((m) => m.field)])).toEqual([[idOf(bad.Id), ['prepay_only'], ['phone', 'emailDomain']]]);
  expect(await q.store.db.collection(collections.tasks).findOne({ _id: lookalikeTaskId(lookalikeFlagId(idOf(fresh.Id), idOf(bad.Id))) as never })).toMatchObject({ kind: 'lookalike', status: 'open' });
});

it('an existing customer edited to look like the known bad payer is flagged by the next incremental sync', async () => {
  const customers = [...q.sandbox.company(REALM).records.Customer.values()];
  const bad = customers[0];
  const other = customers[2];
  if (!bad || !other) throw new Error('no customers');
  await new Promise((r) => setTimeout(r, 1_100)); // QuickBooks times are to the second: the edit must come after the last sync
  q.sandbox.change(REALM, 'Customer', other.Id, { PrimaryPhone: bad.PrimaryPhone, PrimaryEmailAddr: { Address: 'billing@customer0.example' } });
  await syncAll(ctx, 'incremental');
  const flags = await new LookalikeFlags(q.store.db).forCustomer(idOf(other.Id));
  expect(flags.map((f) => f.knownId)).toEqual([idOf(bad.Id)]);
});

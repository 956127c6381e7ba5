// Issue 15 finding 1: one account whose data makes planning throw (an instalment
// with an impossible date, stored as a Slack payment plan once could) must not
// stop the others; it is quarantined once (audit entry, one alert), listed by
// the admin API, retried on later passes and released when fixed.
import request from 'supertest';
import { planDaily, planDue as planDueJob, planRequested } from '../jobs/plan.js';
import { quarantineRouter } from '../app/http/quarantine.js';
import { zonedInstant } from '../src/domain/calendar.js';
import { createApp } from '../src/http/app.js';
import { createLogger } from '../src/logger.js';
import type { AlertTaskDoc } from '../src/outbox/alerts.js';
import { Planner } from '../src/planning/plan.js';
import { storedPolicySource } from '../src/planning/policy-source.js';
import { Quarantine } from '../src/planning/quarantine.js';
import { ReplanRequests } from '../src/planning/requests.js';
import { accountStates, type PaymentPlanDoc } from '../src/planning/state.js';
import { collections, createStore, ensureIndexes, type Store } from '../src/store/store.js';
import type { CustomerDoc } from '../src/store/types.js';
import { customerDoc, invoiceDoc, saveCustomer, seedOrg, standardContacts } from './helpers/accounts.js';
import { openTestDatabase } from './helpers/db.js';
import { testServices } from './helpers/services.js';

const T0 = new Date('2025-03-01T00:00:00Z');
const at = (date: string, hhmm: string): Date => new Date(zonedInstant(date, hhmm, 'America/Chicago'));
const token = 'test-admin-token-0123456789abcdef';

let database: Awaited<ReturnType<typeof openTestDatabase>>;
let store: Store;
let planner: Planner;

beforeAll(async () => {
  database = await openTestDatabase('quarantine');
  await ensureIndexes(database.db);
  store = createStore(database.db);
  planner = new Planner(store, { worker: 'test-planner', policies: storedPolicySource(store.policies) });
});
afterAll(() => database.drop());

const plan = (dueDate: string, invoiceIds: string[]): PaymentPlanDoc => ({
  id: 'plan-1', createdAt: T0, status: 'active', invoiceIds, instalments: [{ dueDate, currency: 'USD', amountMinor: 1, paidMinor: 0 }],
});

/** Customers c0..c{n-1} of the organisation with one past-due invoice each; the one at `bad` has a payment plan due on 2999-02-31. */
async function seed(orgId: string, n: number, bad: number): Promise<{ customers: CustomerDoc[]; badOne: CustomerDoc; badInvoice: string }> {
  await seedOrg(store, orgId, T0);
  const customers: CustomerDoc[] = [];
  let badInvoice = '';
  for (let i = 0; i < n; i++) {
    const c = customerDoc(orgId, `${orgId}-c${i}`, `Customer ${orgId} ${i}`, standardContacts(`${orgId}-c${i}.example`), T0);
    const inv = invoiceDoc(c, `${orgId}-i${i}`, `INV-${orgId}-${i}`, '2025-03-03', 10_000 + i, T0);
    await saveCustomer(store, c, [inv]);
    customers.push(c);
    if (i === bad) badInvoice = inv._id;
  }
  const badOne = customers[bad];
  if (!badOne) throw new Error('no bad customer');
  await accountStates(database.db).savePauses(badOne._id, orgId, { disputes: [], promises: [], snoozes: [], paymentPlans: [plan('2999-02-31', [badInvoice])] }, T0);
  return { customers, badOne, badInvoice };
}

const alertsOf = (customerId: string) => database.db.collection<AlertTaskDoc>(collections.tasks).find({ kind: 'alert', customerId }).toArray();
const trailOf = async (customerId: string, action: string) => (await store.audit.list(customerId)).filter((e) => e.action === action);

it('a bad account does not stop the daily pass; it is quarantined once (audit, one alert), retried, listed, and released when fixed', async () => {
  const { customers, badOne, badInvoice } = await seed('org-a', 5, 2);
  const now = at('2025-03-04', '08:00');
  const first = await planner.planOrganisation('org-a', now, 2);
  expect(first).toMatchObject({ accounts: 4, enqueued: 4, failed: 1, released: 0 });
  for (const c of customers) {
    const entries = await store.outbox.listByCustomer(c._id);
    expect(entries).toHaveLength(c._id === badOne._id ? 0 : 1);
  }
  const q = await new Quarantine(store).get(badOne._id);
  expect(q).toMatchObject({ orgId: 'org-a', stage: 'decide', failures: 1, since: now, accountName: badOne.displayName });
  expect(q?.error).toContain('2999-02-31');

  // Retried on the next pass and by plan-due: still failing, counted, but audited and alerted once.
  const later = new Date(now.getTime() + 3_600_000);
  expect(await planner.planOrganisation('org-a', later, 2)).toMatchObject({ failed: 1 });
  expect((await planner.planDue('org-a', later)).failed).toBe(1);
  expect(await new Quarantine(store).get(badOne._id)).toMatchObject({ failures: 3, since: now, lastFailedAt: later });
  expect(await trailOf(badOne._id, 'account.quarantined')).toHaveLength(1);
  expect((await trailOf(badOne._id, 'account.quarantined'))[0]?.details).toMatchObject({ stage: 'decide' });
  const alerts = await alertsOf(badOne._id);
  expect(alerts).toHaveLength(1);
  expect(alerts[0]?.title).toContain('2999-02-31');

  // The admin API lists it.
  const app = createApp({ db: database.db, logger: createLogger('silent'), adminApiToken: token, bodyLimit: '1kb', adminRouters: [quarantineRouter({ store })] });
  const listed = await request(app).get('/api/orgs/org-a/quarantine').set('Authorization', `Bearer ${token}`).expect(200);
  expect(listed.body).toMatchObject({ orgId: 'org-a', accounts: [{ customerId: badOne._id, stage: 'decide', since: now.toISOString(), failures: 3 }] });
  expect((listed.body as { accounts: { error: string }[] }).accounts[0]?.error).toContain('2999-02-31');
  await request(app).get('/api/orgs/nope/quarantine').set('Authorization', `Bearer ${token}`).expect(404);

  // Fixed (a real date): plan-due retries it although its next evaluation has not come, and releases it.
  await accountStates(database.db).savePauses(badOne._id, 'org-a', { disputes: [], promises: [], snoozes: [], paymentPlans: [plan('2025-04-30', [badInvoice])] }, later);
  const fixed = await planner.planDue('org-a', new Date(later.getTime() + 60_000));
  expect(fixed).toMatchObject({ failed: 0, released: 1 });
  expect(await new Quarantine(store).get(badOne._id)).toBeNull();
  expect(await trailOf(badOne._id, 'account.released')).toHaveLength(1);
  expect((await request(app).get('/api/orgs/org-a/quarantine').set('Authorization', `Bearer ${token}`).expect(200)).body).toEqual({ orgId: 'org-a', accounts: [] });
  expect((await store.audit.verify(badOne._id)).ok).toBe(true);
});

it('planMany plans the others around a bad account', async () => {
  const { customers, badOne } = await seed('org-b', 3, 1);
  const results = await planner.planMany(customers.map((c) => c._id), at('2025-03-04', '08:00'));
  expect(results.map((r) => [r.customerId === badOne._id, r.enqueued.length, r.failed?.stage ?? null])).toEqual([
    [false, 1, null],
    [true, 0, 'decide'],
    [false, 1, null],
  ]);
  expect(await alertsOf(badOne._id)).toHaveLength(1);
});

it('the plan jobs never throw because of one account or one organisation', async () => {
  const { badOne } = await seed('org-c', 3, 0);
  const { customers: others } = await seed('org-d', 2, 1);
  // org-e's policy cannot be read at all: the organisation fails, the ones after it go on.
  await seedOrg(store, 'org-e', T0);
  const policies = storedPolicySource(store.policies, { cacheMs: 0 });
  const brokenOrgE: typeof policies = { forOrg: (orgId) => (orgId === 'org-e' ? Promise.reject(new Error('policy store unreadable')) : policies.forOrg(orgId)) };
  const now = at('2025-03-04', '08:00');
  const ctx = testServices(store, { now: () => now, policies: brokenOrgE });
  await expect(planDaily.run({ pageSize: 200, hour: 7, all: true }, ctx, undefined as never)).resolves.toBeUndefined();
  expect(await store.outbox.listByCustomer(others[0]?._id ?? '')).toHaveLength(1);
  expect(await new Quarantine(store).get(badOne._id)).toMatchObject({ failures: 1 });
  await expect(planDueJob.run({ pageSize: 200 }, ctx, undefined as never)).resolves.toBeUndefined();
  expect(await new Quarantine(store).get(badOne._id)).toMatchObject({ failures: 2 });
  for (const id of [badOne._id, others[0]?._id ?? '']) await new ReplanRequests(database.db).request(id, 'test', now);
  await expect(planRequested.run({ limit: 10 }, ctx, undefined as never)).resolves.toBeUndefined();
  expect(await new Quarantine(store).get(badOne._id)).toMatchObject({ failures: 3 });
  expect(await alertsOf(badOne._id)).toHaveLength(1);
});

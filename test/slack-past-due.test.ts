// One past-due rule: what Slack shows as an account's past-due total (nudges,
// holds, App Home, /overdue) is the engine's, disputed invoices left out.
import { decide, defaultPolicy } from '../src/engine/index.js';
import { pastDueOf } from '../slack/services/deliver.js';
import { seedAcme, startHarness, type Harness } from './sandbox/slack/harness.js';

const T0 = new Date('2025-03-20T15:00:00Z');

describe("Slack's past-due totals are the engine's", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('slackpastdue', T0);
  });
  afterAll(async () => {
    await h.stop();
  });

  it('an account with a disputed invoice: the disputed one is out of both totals', async () => {
    const acme = await seedAcme(h); // INV-1042 12,400.00 due 4 Mar, INV-1050 2,500.00 due 10 Mar
    const open = await h.store.invoices.listOpenForCustomer(acme.provider, acme.companyId, acme.externalId);
    const disputed = open.find((i) => i.number === 'INV-1042')?._id ?? '';
    await h.slack.services.states.savePauses(acme._id, acme.orgId, { disputes: [{ id: 'd1', invoiceIds: [disputed], openedAt: T0 }], promises: [], paymentPlans: [], snoozes: [] }, T0);
    const loaded = await h.planner.load(acme._id);
    if (!loaded) throw new Error('no account');
    const engine = decide(loaded.account, defaultPolicy, T0).pastDue;
    const slack = await pastDueOf(h.slack.services, acme, T0, 'America/Chicago');
    expect(slack.totals).toEqual(engine.totals);
    expect(slack.totals).toEqual({ USD: 250_000 });
    expect(slack.invoices.map((i) => i.number)).toEqual(['INV-1050']);
  });
});

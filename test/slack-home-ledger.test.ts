// App Home's ledger line: an admin sees the connections whose last nightly
// reconciliation found differences that persisted (held accounts); a collector does
// not. And the collector's Slack alert for a held account (pure rendering).
import { ReconciliationRuns } from '../src/ledger/runs.js';
import { noticeMessage } from '../slack/blocks/notice.js';
import { ORG, seedPeople, SIGNING_SECRET, startHarness, users, waitFor, type Harness } from './sandbox/slack/harness.js';
import { sendEvent } from './sandbox/slack/signed.js';

const T0 = new Date('2025-03-20T15:00:00Z');

const homeOpened = (user: string, id: string) => ({
  token: 'legacy-verification-token', team_id: 'T0SANDBOX', api_app_id: 'A0SANDBOX', type: 'event_callback', event_id: id, event_time: Math.floor(Date.now() / 1000),
  authorizations: [{ team_id: 'T0SANDBOX', user_id: 'UBOT0001', is_bot: true }],
  event: { type: 'app_home_opened', user, channel: `D${user.slice(1)}`, tab: 'home', event_ts: `${Date.now() / 1000}` },
});

describe('Slack: the ledger reconciliation in App Home and alerts', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('slackhomeledger', T0);
    await seedPeople(h);
    await h.slack.services.people.upsert({ orgId: ORG, email: users.stranger.email, name: users.stranger.name, slackUserId: users.stranger.id, roles: ['admin'] }, T0);
    await new ReconciliationRuns(h.store.db).save({
      _id: 'quickbooks:123', orgId: ORG, provider: 'quickbooks', companyId: '123', companyName: 'Northwind Books', at: T0, asOf: '2025-03-20',
      status: 'mismatch', compared: 12, exact: 11, resynced: true, firstPass: { compared: 12, exact: 10, mismatches: 2 },
      mismatches: [{ customerId: 'quickbooks:123:7', accountName: 'Globex Retail', customerExternalId: '7', currency: 'USD', overdue: { openMinor: 120_000, pastDueMinor: 70_000 }, ledger: { openMinor: 100_000, pastDueMinor: 50_000 } }],
      held: ['quickbooks:123:7'], apiCalls: 2,
    });
  });
  afterAll(() => h.stop());

  it('an admin sees the persisting difference and its held accounts; a collector does not', async () => {
    expect((await sendEvent(h.endpoint, SIGNING_SECRET, homeOpened(users.stranger.id, 'EvL01'))).status).toBe(200);
    const admin = await waitFor('views.publish', () => h.sandbox.callsOf('views.publish').find((c) => c.args['user_id'] === users.stranger.id));
    const text = JSON.stringify(admin.args['view']);
    expect(text).toContain("*Ledger differs* — Northwind Books's aged receivables report (2025-03-20) disagrees with Overdue for 1 account after a re-sync: Globex Retail");
    expect((await sendEvent(h.endpoint, SIGNING_SECRET, homeOpened(users.collector.id, 'EvL02'))).status).toBe(200);
    const collector = await waitFor('views.publish', () => h.sandbox.callsOf('views.publish').find((c) => c.args['user_id'] === users.collector.id));
    expect(JSON.stringify(collector.args['view'])).not.toContain('Ledger differs');
  });

  it("the collector's alert says the sends are held, with both figures per currency", () => {
    const m = noticeMessage({ kind: 'ledger', taskId: 't1', customerId: 'c1', accountName: 'Globex Retail', company: 'Northwind Books', asOf: '2025-03-20', lines: ['USD: Overdue open 1,200.00 USD, past due 700.00 USD; ledger open 1,000.00 USD, past due 500.00 USD'] });
    expect(m.text).toBe("Sends held: Globex Retail: Northwind Books's report disagrees with Overdue (USD: Overdue open 1,200.00 USD, past due 700.00 USD; ledger open 1,000.00 USD, past due 500.00 USD)");
    expect(JSON.stringify(m.blocks)).toContain('are held (not dropped)');
  });
});

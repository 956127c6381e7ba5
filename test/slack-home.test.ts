// App Home end to end: a signed app_home_opened event → views.publish with the
// call list ordered by amount × age.
import { customerDoc, invoiceDoc, saveCustomer, standardContacts } from './helpers/accounts.js';
import { Quarantine } from '../src/planning/quarantine.js';
import { expectFixture } from './sandbox/slack/fixtures.js';
import { ORG, seedAcme, seedPeople, SIGNING_SECRET, startHarness, taskFromPlan, users, waitFor, type Harness } from './sandbox/slack/harness.js';
import { sendEvent } from './sandbox/slack/signed.js';

const T0 = new Date('2025-03-20T15:00:00Z');

const homeOpened = (user: string, id: string) => ({
  token: 'legacy-verification-token',
  team_id: 'T0SANDBOX',
  api_app_id: 'A0SANDBOX',
  type: 'event_callback',
  event_id: id,
  event_time: Math.floor(Date.now() / 1000),
  authorizations: [{ team_id: 'T0SANDBOX', user_id: 'UBOT0001', is_bot: true }],
  event: { type: 'app_home_opened', user, channel: `D${user.slice(1)}`, tab: 'home', event_ts: `${Date.now() / 1000}` },
});

describe('Slack: App Home', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('slackhome', T0);
    await seedPeople(h);
  });
  afterAll(async () => {
    await h.stop();
  });

  it("shows the collector today's calls, biggest × oldest first, and the counts", async () => {
    const acme = await seedAcme(h);
    const globex = customerDoc(ORG, '77', 'Globex Retail', standardContacts('globex.example'), T0);
    await saveCustomer(h.store, globex, [invoiceDoc(globex, '2001', 'INV-2001', '2025-03-02', 3_000_000, T0)]);
    const small = customerDoc(ORG, '78', 'Initech', standardContacts('initech.example'), T0);
    await saveCustomer(h.store, small, [invoiceDoc(small, '3001', 'INV-3001', '2025-03-03', 90_000, T0)]);
    for (const c of [acme, globex, small]) await taskFromPlan(h, c, 'slackNudge');

    const res = await sendEvent(h.endpoint, SIGNING_SECRET, homeOpened(users.collector.id, 'Ev001'));
    expect(res.status).toBe(200);
    const publish = await waitFor('views.publish', () => h.sandbox.callsOf('views.publish')[0]);
    expect(publish.args['user_id']).toBe(users.collector.id);
    const view = publish.args['view'] as { blocks: { text?: { text: string } }[] };
    expectFixture('home', view);
    const order = view.blocks.map((b) => b.text?.text ?? '').filter((t) => /^\*\d+\./.test(t)).map((t) => /^\*\d+\. ([^*]+)\*/.exec(t)?.[1]);
    expect(order).toEqual(['Globex Retail', 'Acme Industrial', 'Initech']);
  });

  it('shows the collector the accounts planning set aside, and not a sales rep', async () => {
    const q = new Quarantine(h.store);
    await q.record({ customerId: 'cust-broken', orgId: ORG, accountName: 'Broken Books Ltd', stage: 'decide', error: new RangeError('invalid date 2999-02-31'), now: T0 });
    expect((await sendEvent(h.endpoint, SIGNING_SECRET, homeOpened(users.collector.id, 'Ev010'))).status).toBe(200);
    const mine = await waitFor('views.publish', () => h.sandbox.callsOf('views.publish').filter((c) => c.args['user_id'] === users.collector.id).find((c) => JSON.stringify(c.args['view']).includes('Set aside')));
    const text = JSON.stringify(mine.args['view']);
    expect(text).toContain('Broken Books Ltd');
    expect(text).toContain('invalid date 2999-02-31');
    expect((await sendEvent(h.endpoint, SIGNING_SECRET, homeOpened(users.rep.id, 'Ev011'))).status).toBe(200);
    const reps = await waitFor('views.publish', () => h.sandbox.callsOf('views.publish').find((c) => c.args['user_id'] === users.rep.id));
    expect(JSON.stringify(reps.args['view'])).not.toContain('Set aside');
    await q.release({ _id: 'cust-broken', orgId: ORG, since: T0, failures: 1, error: 'x' }, T0);
  });

  it('a sales rep sees only their own customers', async () => {
    // Acme and Initech belong to Sam (the seeded rep); Sid has none.
    expect((await sendEvent(h.endpoint, SIGNING_SECRET, homeOpened(users.stranger.id, 'Ev003'))).status).toBe(200);
    const publish = await waitFor('views.publish', () => h.sandbox.callsOf('views.publish').find((c) => c.args['user_id'] === users.stranger.id));
    expect(JSON.stringify(publish.args['view'])).toContain('no account is due a call today');
  });

  it('handles a retried event once', async () => {
    const before = h.sandbox.callsOf('views.publish').length;
    const event = homeOpened(users.approver.id, 'Ev004');
    expect((await sendEvent(h.endpoint, SIGNING_SECRET, event)).status).toBe(200);
    expect((await sendEvent(h.endpoint, SIGNING_SECRET, event, { retryNum: 1 })).status).toBe(200);
    await waitFor('views.publish', () => h.sandbox.callsOf('views.publish').length > before);
    // A later event for someone else: once its view is published, the retry has had
    // its turn, and it published nothing.
    expect((await sendEvent(h.endpoint, SIGNING_SECRET, homeOpened(users.rep.id, 'Ev005'))).status).toBe(200);
    await waitFor('views.publish', () => h.sandbox.callsOf('views.publish').slice(before).find((c) => c.args['user_id'] === users.rep.id));
    expect(h.sandbox.callsOf('views.publish').slice(before).map((c) => c.args['user_id'])).toEqual([users.approver.id, users.rep.id]);
  });

  it('tells a Slack user Overdue does not know that they need adding', async () => {
    expect((await sendEvent(h.endpoint, SIGNING_SECRET, homeOpened('U0NOBODY1', 'Ev002'))).status).toBe(200);
    const publish = await waitFor('views.publish', () => h.sandbox.callsOf('views.publish').find((c) => c.args['user_id'] === 'U0NOBODY1'));
    expect(JSON.stringify(publish.args['view'])).toContain('does not know you yet');
  });
});

// The slack-deliver job: registered with the worker, a no-op until Slack is
// configured, then delivering the open tasks through the configured client.
import { allJobs } from '../jobs/index.js';
import { slackDeliver } from '../jobs/slack-deliver.js';
import { slackDigest } from '../jobs/slack-digest.js';
import { expectFixture } from './sandbox/slack/fixtures.js';
import type { TaskDoc } from '../src/outbox/task-channel.js';
import { collections } from '../src/store/store.js';
import { slackDeliveryFactory, slackWebApp } from '../slack/wiring.js';
import { testServices } from './helpers/services.js';
import { loadConfig } from '../src/config.js';
import { BOT_TOKEN, seedAcme, seedPeople, startHarness, taskFromPlan, type Harness } from './sandbox/slack/harness.js';

describe('slack-deliver job', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('slackjob', new Date('2025-03-20T15:00:00Z'));
    await seedPeople(h);
  });
  afterAll(async () => {
    await h.stop();
  });

  it('is one of the worker jobs', () => {
    expect(allJobs.map((j) => j.name)).toEqual(expect.arrayContaining(['slack-deliver', 'slack-digest']));
  });

  it('does nothing without Slack configured, then delivers through the configured client; an unanswered nudge goes to the collector', async () => {
    const acme = await seedAcme(h);
    const task = await taskFromPlan(h, acme, 'slackNudge');
    const now = new Date(Math.max(h.clock.now.getTime(), task.dueAt.getTime()));
    expect(slackDeliveryFactory(loadConfig({}))).toBeNull();
    await slackDeliver.run({ limit: 10, repWindowHours: 48 }, testServices(h.store, { worker: 'test', now: () => now }), undefined as never);
    expect(h.sandbox.callsOf('chat.postMessage')).toHaveLength(0);

    const slack = slackDeliveryFactory(loadConfig({ SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: h.sandbox.apiUrl })) ?? undefined;
    const ctx = testServices(h.store, { worker: 'test', now: () => now, slack });
    await slackDeliver.run({ limit: 10, repWindowHours: 48 }, ctx, undefined as never);
    expect(h.sandbox.callsOf('chat.postMessage')).toHaveLength(1);
    expect((await h.store.db.collection<TaskDoc>(collections.tasks).findOne({ _id: task._id }))?.status).toBe('delivered');

    // Nobody answered within the rep's window: the collector gets the account, once.
    const later = { ...ctx, now: () => new Date(now.getTime() + 47 * 3_600_000) };
    await slackDeliver.run({ limit: 10, repWindowHours: 48 }, later, undefined as never);
    expect(h.sandbox.callsOf('chat.postMessage')).toHaveLength(1);
    const muchLater = { ...ctx, now: () => new Date(now.getTime() + 49 * 3_600_000) };
    await slackDeliver.run({ limit: 10, repWindowHours: 48 }, muchLater, undefined as never);
    await slackDeliver.run({ limit: 10, repWindowHours: 48 }, muchLater, undefined as never);
    expect(h.sandbox.callsOf('chat.postMessage').map((c) => c.args['channel'])).toEqual(['D0REP0001', 'D0COL0001']);
    expect(JSON.stringify(h.sandbox.callsOf('chat.update')[0]?.args['blocks'])).toContain('No answer within 48 hours: handed to Cole Lector');
    expect((await h.store.db.collection<TaskDoc>(collections.tasks).findOne({ _id: task._id }))?.assignee).toMatchObject({ role: 'collector' });
    expect((await h.store.audit.list(acme._id)).filter((e) => e.action === 'slack.escalated_to_collector')).toHaveLength(1);
  });
});

describe('slack-digest job', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('slackdigest', new Date('2025-03-20T13:00:00Z'));
    await seedPeople(h);
  });
  afterAll(async () => {
    await h.stop();
  });

  it("DMs each collector once at the organisation's morning", async () => {
    const acme = await seedAcme(h); // Chicago: 13:00 UTC is 08:00
    await taskFromPlan(h, acme, 'slackNudge');
    const slack = slackDeliveryFactory(loadConfig({ SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: h.sandbox.apiUrl })) ?? undefined;
    const at = (iso: string) => testServices(h.store, { worker: 'test', now: () => new Date(iso), slack });
    await slackDigest.run({ hour: 8 }, at('2025-03-20T12:00:00Z'), undefined as never); // 07:00 there
    expect(h.sandbox.callsOf('chat.postMessage')).toHaveLength(0);
    await slackDigest.run({ hour: 8 }, at('2025-03-20T13:00:00Z'), undefined as never);
    await slackDigest.run({ hour: 8 }, at('2025-03-20T13:30:00Z'), undefined as never);
    const posts = h.sandbox.callsOf('chat.postMessage');
    expect(posts.map((p) => p.args['channel'])).toEqual(['D0COL0001']);
    expectFixture('digest', posts[0]?.args['blocks']);
  });
});

describe('slackWebApp (the web wiring)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('slackwiring', new Date('2025-03-20T15:00:00Z'));
  });
  afterAll(async () => {
    await h.stop();
  });

  it('is off without Slack settings, on with a bot token (one auth.test), and off — not crashing — when Slack cannot be reached', async () => {
    const services = testServices(h.store, { worker: 'w' });
    expect(await slackWebApp(loadConfig({}), services)).toBeNull();
    const before = h.sandbox.callsOf('auth.test').length;
    const on = await slackWebApp(loadConfig({ SLACK_SIGNING_SECRET: 's', SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: h.sandbox.apiUrl }), services);
    expect(on).not.toBeNull();
    expect(h.sandbox.callsOf('auth.test').length).toBe(before + 1);
    const down = await slackWebApp(loadConfig({ SLACK_SIGNING_SECRET: 's', SLACK_BOT_TOKEN: 'xoxb-wrong', SLACK_API_URL: h.sandbox.apiUrl }), services);
    expect(down).toBeNull();
  });
});

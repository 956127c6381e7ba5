// The Slack admin API (people, linking a workspace) and delivery through an
// OAuth-installed workspace's token.
import express from 'express';
import request from 'supertest';
import { createApp } from '../src/http/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { adminRouter } from '../app/http/admin.js';
import { CreditFlags } from '../slack/services/credit-flags.js';
import { deliverOpenTasks } from '../slack/services/deliver.js';
import { slackDeliveryFactory } from '../slack/wiring.js';
import { testServices } from './helpers/services.js';
import { INSTALL_KEY, installWorkspace, ORG, seedAcme, startHarness, STATE_SECRET, taskFromPlan, users, type Harness } from './sandbox/slack/harness.js';

const TOKEN = 'admin-token-0123456789abcdefghij';

describe('Slack admin API and OAuth delivery', () => {
  let h: Harness;
  let api: express.Express;
  beforeAll(async () => {
    h = await startHarness('slackadmin', new Date('2025-03-20T15:00:00Z'), { oauth: true });
    api = createApp({ db: h.store.db, logger: createLogger('silent'), adminApiToken: TOKEN, bodyLimit: '1mb', adminRouters: [adminRouter({ store: h.store, now: () => h.clock.now })] });
  });
  afterAll(async () => {
    await h.stop();
  });
  const auth = { authorization: `Bearer ${TOKEN}` };

  it('imports people (validated) and lists them', async () => {
    await seedAcme(h);
    const bad = await request(api).put('/api/slack/people').set(auth).send({ orgId: ORG, people: [{ email: 'nope', name: 'X', roles: ['boss'] }] });
    expect(bad.status).toBe(422);
    expect((await request(api).put('/api/slack/people').send({ orgId: ORG, people: [] })).status).toBe(401);
    const ok = await request(api)
      .put('/api/slack/people')
      .set(auth)
      .send({ orgId: ORG, people: Object.values(users).map((u) => ({ email: u.email, name: u.name, slackUserId: u.id, roles: u === users.rep ? ['sales_rep'] : ['collector', 'approver'] })) });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ upserted: 5 });
    const list = await request(api).get(`/api/slack/people/${ORG}`).set(auth);
    expect(list.body.people).toHaveLength(5);
  });

  it('answers an account\'s credit status for order systems', async () => {
    const acme = (await h.store.customers.listByOrg(ORG))[0];
    if (!acme) throw new Error('no customer');
    expect((await request(api).get('/api/accounts/nope/credit-status').set(auth)).status).toBe(404);
    expect((await request(api).get(`/api/accounts/${encodeURIComponent(acme._id)}/credit-status`).set(auth)).body).toEqual({ onHold: false, since: null, reason: null, placedBy: null, prepayOnly: false, prepayOnlySince: null, prepayOnlyLiftedAt: null, lookalike: { flagged: false, flags: [] } });
    const now = h.clock.now;
    await h.store.creditHolds.create({ _id: 'hold-1', orgId: ORG, customerId: acme._id, status: 'proposed', reason: 'Over 60 days past due', requestedBy: { kind: 'system', id: 'planner' } }, now);
    await h.store.creditHolds.transition('hold-1', 'active', { kind: 'person', id: users.collector.email, name: users.collector.name }, now);
    expect((await request(api).get(`/api/accounts/${encodeURIComponent(acme._id)}/credit-status`).set(auth)).body).toEqual({
      onHold: true, since: now.toISOString(), reason: 'Over 60 days past due', placedBy: users.collector.name, prepayOnly: false, prepayOnlySince: null, prepayOnlyLiftedAt: null, lookalike: { flagged: false, flags: [] },
    });
  });

  it('lifts prepay-only once (two simultaneous lifts record one), audited; credit-status shows it lifted; a later referral sets it again', async () => {
    const acme = (await h.store.customers.listByOrg(ORG))[0];
    if (!acme) throw new Error('no customer');
    const url = `/api/accounts/${encodeURIComponent(acme._id)}/prepay-only/lift`;
    const status = async () => (await request(api).get(`/api/accounts/${encodeURIComponent(acme._id)}/credit-status`).set(auth)).body as Record<string, unknown>;
    expect((await request(api).post(url).set(auth).send({ reason: 'paid' })).status).toBe(409); // not prepay-only
    expect((await request(api).post(url).send({ reason: 'paid' })).status).toBe(401);
    expect((await request(api).post('/api/accounts/nope/prepay-only/lift').set(auth).send({ reason: 'paid' })).status).toBe(404);
    const flags = new CreditFlags(h.store.db);
    const setAt = h.clock.now;
    expect(await flags.setPrepayOnly(acme._id, ORG, 'referred to the agency', { kind: 'person', id: users.approver.email }, setAt)).toBe(true);
    expect(await status()).toMatchObject({ prepayOnly: true, prepayOnlySince: setAt.toISOString(), prepayOnlyLiftedAt: null });
    expect((await request(api).post(url).set(auth).send({ reason: '' })).status).toBe(422);

    // A named person acts: the one authorization table decides (managers and admins lift prepay-only).
    await h.slack.services.people.upsert({ orgId: ORG, email: users.approver2.email, name: users.approver2.name, slackUserId: users.approver2.id, roles: ['approver', 'manager'] }, h.clock.now);
    const refused = await request(api).post(url).set(auth).send({ reason: 'Settled', by: users.collector.email });
    expect(refused.status).toBe(403);
    expect(JSON.stringify(refused.body)).toContain('Only managers and admins can do this.');
    expect((await request(api).post(url).set(auth).send({ reason: 'Settled', by: 'nobody@northwind.example' })).status).toBe(403);

    const [a, b] = await Promise.all([
      request(api).post(url).set(auth).send({ reason: 'Settled in full with the agency', by: users.approver2.email }),
      request(api).post(url).set(auth).send({ reason: 'Settled in full with the agency', by: users.approver2.email }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    expect((a.status === 200 ? a : b).body).toEqual({ prepayOnly: false, prepayOnlyLiftedAt: setAt.toISOString(), liftedBy: users.approver2.name, reason: 'Settled in full with the agency' });
    expect(await status()).toMatchObject({ prepayOnly: false, prepayOnlySince: null, prepayOnlyLiftedAt: setAt.toISOString() });
    const lifted = (await h.store.audit.list(acme._id)).filter((e) => e.action === 'account.prepay_only_lifted');
    expect(lifted.map((e) => [e.actor.id, e.outcome])).toEqual([[users.approver2.email, 'prepay-only lifted by Abe Approver: Settled in full with the agency']]);

    const later = new Date(setAt.getTime() + 86_400_000);
    expect(await flags.setPrepayOnly(acme._id, ORG, 'referred again', { kind: 'person', id: users.approver.email }, later)).toBe(true);
    expect(await flags.setPrepayOnly(acme._id, ORG, 'referred again', { kind: 'person', id: users.approver.email }, later)).toBe(false);
    expect(await status()).toMatchObject({ prepayOnly: true, prepayOnlySince: later.toISOString(), prepayOnlyLiftedAt: null });
  });

  it('links an installed workspace to its organisation; the worker then delivers with that workspace token', async () => {
    expect((await request(api).post('/api/slack/installations/T0SANDBOX/link').set(auth).send({ orgId: ORG })).status).toBe(404);
    expect((await installWorkspace(h)).status).toBe(200);
    const config = loadConfig({
      SLACK_CLIENT_ID: 'cid', SLACK_CLIENT_SECRET: 'csecret', SLACK_STATE_SECRET: STATE_SECRET,
      TOKEN_ENCRYPTION_KEY: INSTALL_KEY.toString('base64'), SLACK_API_URL: h.sandbox.apiUrl,
    });
    const factory = slackDeliveryFactory(config);
    if (!factory) throw new Error('no factory');
    const acme = (await h.store.customers.listByOrg(ORG))[0];
    if (!acme) throw new Error('no customer');
    const task = await taskFromPlan(h, acme, 'slackNudge');
    const now = new Date(Math.max(h.clock.now.getTime(), task.dueAt.getTime()));
    const svc = factory(testServices(h.store, { worker: 'test', now: () => now }));

    // Not linked yet: the task waits.
    expect(await deliverOpenTasks(svc)).toEqual({ delivered: 0, skipped: 1, failed: [] });
    expect((await request(api).post('/api/slack/installations/T0SANDBOX/link').set(auth).send({ orgId: ORG })).status).toBe(200);
    expect(await deliverOpenTasks(svc)).toEqual({ delivered: 1, skipped: 0, failed: [] });
    expect(h.sandbox.callsOf('chat.postMessage').map((c) => c.token)).toEqual(['xoxb-sandbox-installed-T0SANDBOX']);
  });
});

// Credit holds from Slack end to end: the proposal reaches the collector; only
// collectors/managers/admins may act; placing asks for the reason, records the
// hold once, announces it in the holds channel; lifting likewise.
import type { TaskDoc } from '../src/outbox/task-channel.js';
import { collections } from '../src/store/store.js';
import type { CustomerDoc } from '../src/store/types.js';
import { actionIds, inputIds, viewIds } from '../slack/ids.js';
import { deliverOpenTasks } from '../slack/services/deliver.js';
import { holdIdOf } from '../slack/services/holds.js';
import { expectFixture } from './sandbox/slack/fixtures.js';
import { ORG, seedAcme, seedPeople, SIGNING_SECRET, startHarness, users, waitFor, type Harness } from './sandbox/slack/harness.js';
import { blockAction, sendInteraction, viewSubmission } from './sandbox/slack/signed.js';

describe('Slack: credit holds', () => {
  let h: Harness;
  let acme: CustomerDoc;
  let task: TaskDoc;
  let dm: { channel: string; ts: string };

  beforeAll(async () => {
    h = await startHarness('slackholds', new Date('2025-05-01T15:00:00Z'));
    await seedPeople(h);
    acme = await seedAcme(h);
    await h.store.organisations.setSettings(ORG, { slack: { holdsChannel: 'C0OPS' } }, h.clock.now);
    task = {
      _id: `${acme._id}:written-warning:hold`, orgId: ORG, customerId: acme._id, accountName: acme.displayName, kind: 'credit-hold',
      assignee: { role: 'collector', id: null, name: null }, title: 'credit hold proposed', invoiceIds: [], dueAt: h.clock.now, status: 'open', createdAt: h.clock.now,
      action: { kind: 'creditHold', mode: 'propose', approval: null, key: 'k', levelId: 'written-warning', levelName: 'written warning', actionId: 'hold', invoiceIds: [], at: h.clock.now.getTime(), customerFacing: false, amounts: {} },
    };
    await h.store.db.collection<TaskDoc>(collections.tasks).insertOne(task);
  });
  afterAll(async () => {
    await h.stop();
  });

  const press = (user: string, actionId: string) => sendInteraction(h.endpoint, SIGNING_SECRET, blockAction({ userId: user }, { actionId, value: task._id, ...dm }));
  const reasonSubmit = (user: string, callbackId: string, view: Record<string, unknown>, reason: string) =>
    sendInteraction(h.endpoint, SIGNING_SECRET, viewSubmission({ userId: user }, { callbackId, privateMetadata: String(view['private_metadata']), values: { [inputIds.reason.block]: { [inputIds.reason.action]: { type: 'plain_text_input', value: reason } } } }));

  it('proposes the hold to the collector', async () => {
    expect((await deliverOpenTasks(h.slack.services)).delivered).toBe(1);
    const post = h.sandbox.callsOf('chat.postMessage')[0];
    expect(post?.args['channel']).toBe('D0COL0001');
    expectFixture('hold-proposed', post?.args['blocks']);
    const m = [...h.sandbox.messages.values()][0];
    if (!m) throw new Error('no message');
    dm = { channel: m.channel, ts: m.ts };
  });

  it('refuses a sales rep', async () => {
    expect((await press(users.rep.id, actionIds.placeHold)).status).toBe(200);
    const e = await waitFor('ephemeral', () => h.sandbox.callsOf('chat.postEphemeral')[0]);
    expect(e.args['text']).toBe('Only collectors, managers and admins can do this.');
    expect(h.sandbox.callsOf('views.open')).toHaveLength(0);
  });

  it('places the hold once, audits and announces it; a second submission changes nothing', async () => {
    expect((await press(users.collector.id, actionIds.placeHold)).status).toBe(200);
    const view = (await waitFor('views.open', () => h.sandbox.callsOf('views.open')[0])).args['view'] as Record<string, unknown>;
    expectFixture('hold-place-modal', view);
    const [a, b] = await Promise.all([
      reasonSubmit(users.collector.id, viewIds.placeHold, view, '70 days past due; no answer to the written warning'),
      reasonSubmit(users.collector.id, viewIds.placeHold, view, '70 days past due; no answer to the written warning'),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    await waitFor('announcement', () => h.sandbox.callsOf('chat.postMessage').some((c) => c.args['channel'] === 'C0OPS'));
    await waitFor('the loser is told', () => h.sandbox.callsOf('chat.postEphemeral').length === 2);
    const hold = await h.store.creditHolds.activeForCustomer(acme._id);
    expect(hold).toMatchObject({ _id: holdIdOf(task._id), status: 'active', reason: '70 days past due; no answer to the written warning', decidedBy: { id: users.collector.email } });
    expect((await h.store.audit.list(acme._id)).filter((e) => e.action === 'credit_hold.placed')).toHaveLength(1);
    expect(h.sandbox.callsOf('chat.postMessage').filter((c) => c.args['channel'] === 'C0OPS')).toHaveLength(1);
    expectFixture('hold-active', h.sandbox.callsOf('chat.update')[0]?.args['blocks']);
  });

  it('lifts the hold with a reason and says so in the channel', async () => {
    const views = h.sandbox.callsOf('views.open').length;
    expect((await press(users.approver2.id, actionIds.liftHold)).status).toBe(200); // a manager
    const view = (await waitFor('views.open', () => h.sandbox.callsOf('views.open')[views])).args['view'] as Record<string, unknown>;
    expect((await reasonSubmit(users.approver2.id, viewIds.liftHold, view, 'Paid in full on 2 May')).status).toBe(200);
    await waitFor('released', async () => (await h.store.creditHolds.listByOrg(ORG, 'released')).length === 1);
    await waitFor('announcement', () => h.sandbox.callsOf('chat.postMessage').filter((c) => c.args['channel'] === 'C0OPS').length === 2);
    expect(await h.store.creditHolds.activeForCustomer(acme._id)).toBeNull();
    expect((await h.store.audit.list(acme._id)).filter((e) => e.action === 'credit_hold.lifted')).toHaveLength(1);
  });
});

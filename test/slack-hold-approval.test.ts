// A strategic account's credit hold needs a manager, end to end through signed
// requests: the collector's hold waits (pending_approval) and every manager gets
// Approve / Reject; a non-manager is refused; two managers clicking at once
// decide once; on approval the hold is active, written back (outbox entry) and
// announced in the holds channel; a rejection leaves the account off hold.
import type { TaskDoc } from '../src/outbox/task-channel.js';
import { collections } from '../src/store/store.js';
import type { CustomerDoc, OutboxEntryDoc } from '../src/store/types.js';
import { actionIds, inputIds, viewIds } from '../slack/ids.js';
import { deliverOpenTasks } from '../slack/services/deliver.js';
import { writebackKey } from '../slack/services/effects.js';
import { holdApprovalIdOf, holdIdOf } from '../slack/services/holds.js';
import { expectFixture } from './sandbox/slack/fixtures.js';
import { ORG, seedAcme, seedPeople, SIGNING_SECRET, startHarness, users, waitFor, type Harness } from './sandbox/slack/harness.js';
import { blockAction, sendInteraction, viewSubmission } from './sandbox/slack/signed.js';

describe('Slack: a strategic account\'s credit hold needs a manager', () => {
  let h: Harness;
  let acme: CustomerDoc;

  beforeAll(async () => {
    h = await startHarness('slackholdmgr', new Date('2025-05-01T15:00:00Z'));
    await seedPeople(h);
    // Two managers (Ada also approves referrals); the collector Cole is not one.
    await h.slack.services.people.upsert({ orgId: ORG, email: users.approver.email, name: users.approver.name, slackUserId: users.approver.id, roles: ['approver', 'manager'] }, h.clock.now);
    acme = await seedAcme(h);
    await h.store.organisations.setSettings(ORG, { slack: { holdsChannel: 'C0OPS' } }, h.clock.now);
  });
  afterAll(async () => {
    await h.stop();
  });

  async function holdTask(suffix: string): Promise<TaskDoc> {
    const task: TaskDoc = {
      _id: `${acme._id}:written-warning:hold${suffix}`, orgId: ORG, customerId: acme._id, accountName: acme.displayName, kind: 'credit-hold',
      assignee: { role: 'manager', id: null, name: null }, title: 'credit hold proposed (needs manager approval)', invoiceIds: [], dueAt: h.clock.now, status: 'open', createdAt: h.clock.now,
      action: { kind: 'creditHold', mode: 'propose', approval: 'manager', key: 'k', levelId: 'written-warning', levelName: 'written warning', actionId: 'hold', invoiceIds: [], at: h.clock.now.getTime(), customerFacing: false, amounts: {} },
    };
    await h.store.db.collection<TaskDoc>(collections.tasks).insertOne(task);
    return task;
  }

  /** Deliver the proposal, place the hold as the collector; returns the managers' DMs of the approval request. */
  async function placeStrategicHold(task: TaskDoc, reason: string): Promise<Map<string, { channel: string; ts: string }>> {
    const posted = h.sandbox.callsOf('chat.postMessage').length;
    expect((await deliverOpenTasks(h.slack.services)).delivered).toBe(1);
    const proposal = [...h.sandbox.messages.values()].filter((m) => m.channel === 'D0COL0001').pop();
    if (!proposal) throw new Error('no proposal to the collector');
    const views = h.sandbox.callsOf('views.open').length;
    await sendInteraction(h.endpoint, SIGNING_SECRET, blockAction({ userId: users.collector.id }, { actionId: actionIds.placeHold, value: task._id, channel: proposal.channel, ts: proposal.ts }));
    const view = (await waitFor('views.open', () => h.sandbox.callsOf('views.open')[views])).args['view'] as Record<string, unknown>;
    const values = { [inputIds.reason.block]: { [inputIds.reason.action]: { type: 'plain_text_input', value: reason } } };
    expect((await sendInteraction(h.endpoint, SIGNING_SECRET, viewSubmission({ userId: users.collector.id }, { callbackId: viewIds.placeHold, privateMetadata: String(view['private_metadata']), values }))).status).toBe(200);
    // The proposal, then one request per manager.
    await waitFor('the managers are asked', () => h.sandbox.callsOf('chat.postMessage').length === posted + 3);
    const dms = new Map<string, { channel: string; ts: string }>();
    for (const m of [...h.sandbox.messages.values()].slice(-2)) dms.set(`U${m.channel.slice(1)}`, { channel: m.channel, ts: m.ts });
    return dms;
  }

  const ephemeralsFor = (user: string) => h.sandbox.callsOf('chat.postEphemeral').filter((c) => c.args['user'] === user).map((c) => String(c.args['text']));

  it('the hold waits for a manager; each manager gets Approve / Reject', async () => {
    const task = await holdTask('');
    const dms = await placeStrategicHold(task, '80 days past due; strategic, so asking a manager');
    expectFixture('hold-proposed-strategic', h.sandbox.callsOf('chat.postMessage')[0]?.args['blocks']);
    expect([...dms.keys()].sort()).toEqual([users.approver.id, users.approver2.id]);
    const request = h.sandbox.callsOf('chat.postMessage').find((c) => c.args['channel'] === 'D0APP0001');
    expectFixture('hold-approval-request', request?.args['blocks']);
    expectFixture('hold-pending', (await waitFor('pending', () => h.sandbox.callsOf('chat.update')[0])).args['blocks']);
    const holdId = holdIdOf(task._id);
    expect((await h.store.db.collection(collections.creditHolds).findOne({ _id: holdId as never }))?.['status']).toBe('pending_approval');
    expect(await h.store.approvals.get(holdApprovalIdOf(holdId))).toMatchObject({ kind: 'credit_hold', status: 'pending', requestedBy: { id: users.collector.email } });
    expect(await h.store.creditHolds.activeForCustomer(acme._id)).toBeNull();
    expect(await h.store.outbox.get(writebackKey(holdId, 'placed'))).toBeNull();

    // A non-manager (the requesting collector, also a referral approver) is refused and nothing changes.
    const first = dms.get(users.approver.id);
    if (!first) throw new Error('no DM');
    await sendInteraction(h.endpoint, SIGNING_SECRET, blockAction({ userId: users.collector.id }, { actionId: actionIds.approve, value: holdApprovalIdOf(holdId), ...first }));
    await waitFor('refusal', () => ephemeralsFor(users.collector.id).length === 1);
    expect(ephemeralsFor(users.collector.id)).toEqual(['Only managers can decide this request.']);
    expect((await h.store.approvals.get(holdApprovalIdOf(holdId)))?.status).toBe('pending');

    // Two managers approve at the same moment: decided once.
    const updates = h.sandbox.callsOf('chat.update').length;
    const clicks = [users.approver.id, users.approver2.id].map((u) => {
      const dm = dms.get(u);
      if (!dm) throw new Error('no DM');
      return sendInteraction(h.endpoint, SIGNING_SECRET, blockAction({ userId: u }, { actionId: actionIds.approve, value: holdApprovalIdOf(holdId), ...dm }));
    });
    expect((await Promise.all(clicks)).map((r) => r.status)).toEqual([200, 200]);
    await waitFor('the announcement', () => h.sandbox.callsOf('chat.postMessage').some((c) => c.args['channel'] === 'C0OPS'));
    await waitFor('the loser is told', () => ephemeralsFor(users.approver.id).length + ephemeralsFor(users.approver2.id).length === 1);
    // Both managers' copies and the collector's hold message.
    await waitFor('updates', () => h.sandbox.callsOf('chat.update').length === updates + 3);
    const approval = await h.store.approvals.get(holdApprovalIdOf(holdId));
    expect(approval?.status).toBe('approved');
    const hold = await h.store.creditHolds.activeForCustomer(acme._id);
    expect(hold).toMatchObject({ _id: holdId, status: 'active', reason: '80 days past due; strategic, so asking a manager', decidedBy: { id: approval?.decidedBy?.id } });
    const audit = await h.store.audit.list(acme._id);
    expect(audit.filter((e) => e.action === 'credit_hold.placed')).toHaveLength(1);
    expect(audit.filter((e) => e.action === 'approval.approved')).toHaveLength(1);
    const entries = await h.store.db.collection<OutboxEntryDoc>(collections.outbox).find({ channel: 'writeback' }).toArray();
    expect(entries.map((e) => e._id)).toEqual([writebackKey(holdId, 'placed')]);
    expect(h.sandbox.callsOf('chat.postMessage').filter((c) => c.args['channel'] === 'C0OPS')).toHaveLength(1);
    const collectorCopy = h.sandbox.callsOf('chat.update').slice(updates).find((c) => c.args['channel'] === 'D0COL0001');
    // Whichever manager won the race: the fixture names the winner "<manager>".
    const winner = approval?.decidedBy?.name ?? '';
    expect([users.approver.name, users.approver2.name]).toContain(winner);
    expectFixture('hold-approved-by-manager', JSON.parse(JSON.stringify(collectorCopy?.args['blocks']).replaceAll(winner, '<manager>')));
  });

  it('a manager rejects with a reason: the account stays off hold and nothing is written back', async () => {
    // The first hold is active; lift it so the account has none.
    await h.store.creditHolds.transition(holdIdOf(`${acme._id}:written-warning:hold`), 'released', { kind: 'system', id: 'test' }, h.clock.now);
    const task = await holdTask(':2');
    const dms = await placeStrategicHold(task, 'Second try');
    const dm = dms.get(users.approver2.id);
    if (!dm) throw new Error('no DM');
    const holdId = holdIdOf(task._id);
    const views = h.sandbox.callsOf('views.open').length;
    await sendInteraction(h.endpoint, SIGNING_SECRET, blockAction({ userId: users.approver2.id }, { actionId: actionIds.reject, value: holdApprovalIdOf(holdId), ...dm }));
    const view = (await waitFor('views.open', () => h.sandbox.callsOf('views.open')[views])).args['view'] as Record<string, unknown>;
    const updates = h.sandbox.callsOf('chat.update').length;
    const values = { [inputIds.reason.block]: { [inputIds.reason.action]: { type: 'plain_text_input', value: 'Key account: the CFO is calling them today' } } };
    await sendInteraction(h.endpoint, SIGNING_SECRET, viewSubmission({ userId: users.approver2.id }, { callbackId: viewIds.reject, privateMetadata: String(view['private_metadata']), values }));
    await waitFor('updates', () => h.sandbox.callsOf('chat.update').length === updates + 3);
    expect((await h.store.db.collection(collections.creditHolds).findOne({ _id: holdId as never }))?.['status']).toBe('rejected');
    expect(await h.store.creditHolds.activeForCustomer(acme._id)).toBeNull();
    expect(await h.store.outbox.get(writebackKey(holdId, 'placed'))).toBeNull();
    expect((await h.store.audit.list(acme._id)).filter((e) => e.action === 'credit_hold.rejected').map((e) => e.outcome)).toEqual([`credit hold rejected by ${users.approver2.name}: Key account: the CFO is calling them today`]);
    const collectorCopy = h.sandbox.callsOf('chat.update').slice(updates).find((c) => c.args['channel'] === 'D0COL0001');
    expectFixture('hold-rejected-by-manager', collectorCopy?.args['blocks']);
  });

  it('approved while another hold went active: no second hold; the request is rejected and the refusal audited', async () => {
    const task = await holdTask(':4');
    const dms = await placeStrategicHold(task, 'Meanwhile');
    const holdId = holdIdOf(task._id);
    const other = { kind: 'system' as const, id: 'test', name: 'Elsewhere' };
    await h.store.creditHolds.create({ _id: 'hold:elsewhere', orgId: ORG, customerId: acme._id, status: 'proposed', reason: 'placed elsewhere', requestedBy: other }, h.clock.now);
    await h.store.creditHolds.transition('hold:elsewhere', 'active', other, h.clock.now);
    const dm = dms.get(users.approver2.id);
    if (!dm) throw new Error('no DM');
    await sendInteraction(h.endpoint, SIGNING_SECRET, blockAction({ userId: users.approver2.id }, { actionId: actionIds.approve, value: holdApprovalIdOf(holdId), ...dm }));
    const refused = await waitFor('refusal audited', async () => (await h.store.audit.list(acme._id)).find((e) => e.action === 'credit_hold.refused'));
    expect(refused.actor.id).toBe(users.approver2.email);
    expect(refused.details).toMatchObject({ holdId, inPlace: { holdId: 'hold:elsewhere', placedBy: { id: 'test' } } });
    expect((await h.store.creditHolds.get(holdId))?.status).toBe('rejected');
    expect((await h.store.creditHolds.activeForCustomer(acme._id))?._id).toBe('hold:elsewhere');
    expect(await h.store.outbox.get(writebackKey(holdId, 'placed'))).toBeNull();
    await h.store.creditHolds.transition('hold:elsewhere', 'released', other, h.clock.now);
  });

  it('no manager in Slack: the collector is told and the audit trail says so', async () => {
    for (const u of [users.approver, users.approver2]) await h.slack.services.people.upsert({ orgId: ORG, email: u.email, name: u.name, slackUserId: u.id, roles: ['approver'] }, h.clock.now);
    const task = await holdTask(':3');
    expect((await deliverOpenTasks(h.slack.services)).delivered).toBe(1);
    const proposal = [...h.sandbox.messages.values()].filter((m) => m.channel === 'D0COL0001').pop();
    if (!proposal) throw new Error('no proposal');
    const views = h.sandbox.callsOf('views.open').length;
    await sendInteraction(h.endpoint, SIGNING_SECRET, blockAction({ userId: users.collector.id }, { actionId: actionIds.placeHold, value: task._id, channel: proposal.channel, ts: proposal.ts }));
    const view = (await waitFor('views.open', () => h.sandbox.callsOf('views.open')[views])).args['view'] as Record<string, unknown>;
    const posted = h.sandbox.callsOf('chat.postMessage').length;
    const values = { [inputIds.reason.block]: { [inputIds.reason.action]: { type: 'plain_text_input', value: 'Third try' } } };
    await sendInteraction(h.endpoint, SIGNING_SECRET, viewSubmission({ userId: users.collector.id }, { callbackId: viewIds.placeHold, privateMetadata: String(view['private_metadata']), values }));
    await waitFor('the collector is told', () => ephemeralsFor(users.collector.id).some((t) => t.startsWith('No manager is in Slack to approve this hold')));
    expect(h.sandbox.callsOf('chat.postMessage')).toHaveLength(posted);
    expect((await h.store.audit.list(acme._id)).filter((e) => e.action === 'credit_hold.approval_unreachable')).toHaveLength(1);
    expect((await h.store.db.collection(collections.creditHolds).findOne({ _id: holdIdOf(task._id) as never }))?.['status']).toBe('pending_approval');
  });
});

// Approvals in Slack, end to end: the request goes to every approver by DM;
// the requester and a non-approver are refused; two simultaneous clicks decide
// once; a rejection asks for the reason; more time pauses the ladder.
import type { TaskDoc } from '../src/outbox/task-channel.js';
import { accountStates } from '../src/planning/state.js';
import { collections } from '../src/store/store.js';
import type { CustomerDoc } from '../src/store/types.js';
import { actionIds, inputIds, viewIds } from '../slack/ids.js';
import { deliverOpenTasks } from '../slack/services/deliver.js';
import { expectFixture } from './sandbox/slack/fixtures.js';
import { approvalTask, ORG, seedAcme, seedPeople, SIGNING_SECRET, startHarness, users, waitFor, type Harness } from './sandbox/slack/harness.js';
import { blockAction, sendInteraction, viewSubmission } from './sandbox/slack/signed.js';

const T0 = new Date('2025-06-10T15:00:00Z');

describe('Slack: approvals', () => {
  let h: Harness;
  let acme: CustomerDoc;
  let task: TaskDoc;
  const dms = new Map<string, { channel: string; ts: string }>();

  beforeAll(async () => {
    h = await startHarness('slackapproval', T0);
    await seedPeople(h);
    acme = await seedAcme(h);
    // An approved referral sends the packet to the agency (test/slack-referral.test.ts follows it to the mail).
    await h.store.organisations.setSettings(ORG, { documents: { agency: { name: 'Recovery Partners', email: 'referrals@recovery.example' } } }, T0);
  });
  afterAll(async () => {
    await h.stop();
  });

  const ephemeralsFor = (user: string) => h.sandbox.callsOf('chat.postEphemeral').filter((c) => c.args['user'] === user).map((c) => String(c.args['text']));
  const click = (user: string, actionId: string, approvalId: string) => {
    const dm = dms.get(user);
    if (!dm) throw new Error(`no DM for ${user}`);
    return sendInteraction(h.endpoint, SIGNING_SECRET, blockAction({ userId: user }, { actionId, value: approvalId, ...dm }));
  };

  it('asks every approver by DM, with the case in brief', async () => {
    task = await approvalTask(h, acme);
    expect(await deliverOpenTasks(h.slack.services)).toEqual({ delivered: 1, skipped: 0, failed: [] });
    const posts = h.sandbox.callsOf('chat.postMessage');
    expect(posts.map((p) => p.args['channel']).sort()).toEqual(['D0APP0001', 'D0APP0002', 'D0COL0001']);
    expectFixture('approval', posts[0]?.args['blocks']);
    for (const m of h.sandbox.messages.values()) dms.set(`U${m.channel.slice(1)}`, { channel: m.channel, ts: m.ts });
    dms.set(users.stranger.id, { channel: 'D0STR0001', ts: '1.000001' });
    const approval = await h.store.approvals.get(task._id);
    expect(approval).toMatchObject({ status: 'pending', kind: 'agency_referral', requestedBy: { kind: 'person', id: users.collector.email } });
  });

  it('refuses the requester and a non-approver, and changes nothing', async () => {
    expect((await click(users.collector.id, actionIds.approve, task._id)).status).toBe(200);
    expect((await click(users.stranger.id, actionIds.approve, task._id)).status).toBe(200);
    expect((await click(users.stranger.id, actionIds.reject, task._id)).status).toBe(200);
    await waitFor('refusals', () => ephemeralsFor(users.collector.id).length === 1 && ephemeralsFor(users.stranger.id).length === 2);
    expect(ephemeralsFor(users.collector.id)).toEqual(['You asked for this approval, so another approver has to decide it.']);
    expect(ephemeralsFor(users.stranger.id)).toEqual(['Only approvers can decide this request.', 'Only approvers can decide this request.']);
    expect((await h.store.approvals.get(task._id))?.status).toBe('pending');
    expect(h.sandbox.callsOf('views.open')).toHaveLength(0);
    expect(h.sandbox.callsOf('chat.update')).toHaveLength(0);
  });

  it('two approvers clicking at the same moment: decided once, the other is told', async () => {
    const [a, b, retry] = await Promise.all([
      click(users.approver.id, actionIds.approve, task._id),
      click(users.approver2.id, actionIds.approve, task._id),
      click(users.approver.id, actionIds.approve, task._id), // a double click (or Slack's retry)
    ]);
    expect([a.status, b.status, retry.status]).toEqual([200, 200, 200]);
    await waitFor('both answers', () => ephemeralsFor(users.approver.id).length + ephemeralsFor(users.approver2.id).length === 2 && h.sandbox.callsOf('chat.update').length === 3);
    const approval = await h.store.approvals.get(task._id);
    expect(approval?.status).toBe('approved');
    const decisions = (await h.store.audit.list(acme._id)).filter((e) => e.action.startsWith('approval.'));
    expect(decisions).toHaveLength(1);
    expect(decisions[0]?.actor.id).toBe(approval?.decidedBy?.id);
    expect([...ephemeralsFor(users.approver.id), ...ephemeralsFor(users.approver2.id)]).toEqual(['Someone else has already decided this request.', 'Someone else has already decided this request.']);
    // Every approver's copy now shows the decision instead of the buttons.
    const updates = h.sandbox.callsOf('chat.update');
    expect(updates.map((u) => u.args['channel']).sort()).toEqual(['D0APP0001', 'D0APP0002', 'D0COL0001']);
    const blocks = updates[0]?.args['blocks'] as { type: string; elements?: { action_id?: string }[] }[];
    // The decision buttons give way to the decision; an approved referral offers managers only "Lift prepay-only".
    const buttons = blocks.filter((x) => x.type === 'actions').flatMap((x) => (x.elements ?? []).map((e) => e.action_id));
    expect(buttons).toEqual([actionIds.liftPrepay]);
    expect((await h.store.db.collection<TaskDoc>(collections.tasks).findOne({ _id: task._id }))?.status).toBe('done');
  });

  it('reject asks an approver for the reason and records it', async () => {
    const second = await approvalTask(h, acme, `${acme._id}:agency-referral:2`);
    const before = h.sandbox.callsOf('chat.postMessage').length;
    expect((await deliverOpenTasks(h.slack.services)).delivered).toBe(1);
    for (const m of h.sandbox.callsOf('chat.postMessage').slice(before)) dms.set(`U${String(m.args['channel']).slice(1)}`, { channel: String(m.args['channel']), ts: [...h.sandbox.messages.values()].find((x) => x.channel === m.args['channel'] && x.updates === 0)?.ts ?? '' });
    expect((await click(users.approver.id, actionIds.reject, second._id)).status).toBe(200);
    const view = (await waitFor('views.open', () => h.sandbox.callsOf('views.open')[0])).args['view'] as Record<string, unknown>;
    expectFixture('reject-modal', view);
    const res = await sendInteraction(
      h.endpoint,
      SIGNING_SECRET,
      viewSubmission({ userId: users.approver.id }, {
        callbackId: viewIds.reject,
        privateMetadata: String(view['private_metadata']),
        values: { [inputIds.reason.block]: { [inputIds.reason.action]: { type: 'plain_text_input', value: 'They paid half yesterday; give them two weeks' } } },
      }),
    );
    expect(res.status).toBe(200);
    const decided = await waitFor('rejection', async () => {
      const a = await h.store.approvals.get(second._id);
      return a?.status === 'rejected' ? a : null;
    });
    expect(decided).toMatchObject({ decidedBy: { id: users.approver.email }, note: 'They paid half yesterday; give them two weeks' });
    const updated = await waitFor('updates', () => h.sandbox.callsOf('chat.update').length === 6 && h.sandbox.callsOf('chat.update')[5]);
    expectFixture('approval-rejected', updated.args['blocks']);
  });

  it('give more time: the request closes and the ladder pauses until the date', async () => {
    const third = await approvalTask(h, acme, `${acme._id}:agency-referral:3`);
    const before = h.sandbox.callsOf('chat.postMessage').length;
    expect((await deliverOpenTasks(h.slack.services)).delivered).toBe(1);
    const mine = h.sandbox.callsOf('chat.postMessage').slice(before).find((c) => c.args['channel'] === 'D0APP0002');
    const msg = [...h.sandbox.messages.values()].filter((m) => m.channel === 'D0APP0002').pop();
    if (!mine || !msg) throw new Error('no DM to the second approver');
    const views = h.sandbox.callsOf('views.open').length;
    const res = await sendInteraction(h.endpoint, SIGNING_SECRET, blockAction({ userId: users.approver2.id }, { actionId: actionIds.moreTime, value: third._id, channel: msg.channel, ts: msg.ts }));
    expect(res.status).toBe(200);
    const view = (await waitFor('views.open', () => h.sandbox.callsOf('views.open')[views])).args['view'] as Record<string, unknown>;
    expectFixture('more-time-modal', view);
    const updates = h.sandbox.callsOf('chat.update').length;
    const sent = await sendInteraction(
      h.endpoint,
      SIGNING_SECRET,
      viewSubmission({ userId: users.approver2.id }, {
        callbackId: viewIds.moreTime,
        privateMetadata: String(view['private_metadata']),
        values: {
          [inputIds.moreTimeUntil.block]: { [inputIds.moreTimeUntil.action]: { type: 'datepicker', selected_date: '2025-06-30' } },
          [inputIds.reason.block]: { [inputIds.reason.action]: { type: 'plain_text_input', value: 'New CFO starts Monday and promised to sort it' } },
        },
      }),
    );
    expect(sent.status).toBe(200);
    await waitFor('updates', () => h.sandbox.callsOf('chat.update').length === updates + 3);
    expect(await h.store.approvals.get(third._id)).toMatchObject({ status: 'rejected', note: 'New CFO starts Monday and promised to sort it' });
    expect((await accountStates(h.store.db).get(acme._id))?.snoozes).toMatchObject([{ until: '2025-06-30', by: users.approver2.email }]);
    expect(JSON.stringify(h.sandbox.callsOf('chat.update')[updates]?.args['blocks'])).toContain('*More time* until 2025-06-30');
  });
});

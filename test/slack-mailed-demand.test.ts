// The mailed demand (issue #17 §6): the final demand's post task reaches the collector with the 48-hour ask
// to the customer; *Done* asks for the tracking number (parsed: empty and malformed refused), stored on the
// task, audited, its message updated. An agency referral needs it — the approval card says which — or an
// approver's explicit override with the reason (recorded with who and why); without either, Approve is refused.
import { zonedInstant } from '../src/domain/calendar.js';
import type { TaskDoc } from '../src/outbox/task-channel.js';
import { collections } from '../src/store/store.js';
import type { CustomerDoc } from '../src/store/types.js';
import { actionIds, inputIds, viewIds } from '../slack/ids.js';
import { deliverOpenTasks } from '../slack/services/deliver.js';
import { expectFixture } from './sandbox/slack/fixtures.js';
import { approvalTask, ORG, seedAcme, seedPeople, SIGNING_SECRET, startHarness, users, waitFor, type Harness } from './sandbox/slack/harness.js';
import { blockAction, sendInteraction, viewSubmission } from './sandbox/slack/signed.js';

const T0 = new Date('2025-05-20T15:00:00Z');

describe('Slack: the mailed demand', () => {
  let h: Harness;
  let acme: CustomerDoc;
  const tasks = () => h.store.db.collection<TaskDoc>(collections.tasks);

  beforeAll(async () => {
    h = await startHarness('mailedDemand', T0);
    await seedPeople(h);
    acme = await seedAcme(h);
    await h.store.organisations.setSettings(ORG, { documents: { agency: { name: 'Recovery Partners', email: 'referrals@recovery.example' } } }, T0);
  });
  afterAll(async () => {
    await h.stop();
  });

  const ephemeralsFor = (user: string) => h.sandbox.callsOf('chat.postEphemeral').filter((c) => c.args['user'] === user).map((c) => String(c.args['text']));
  const lastDmTo = (channel: string) => [...h.sandbox.messages.values()].filter((m) => m.channel === channel).pop();

  function mailTask(id: string, createdAt: Date): TaskDoc {
    return {
      _id: id, orgId: ORG, customerId: acme._id, accountName: acme.displayName, kind: 'mail',
      assignee: { role: 'collector', id: null, name: null },
      title: 'Send the final demand by certified post and ask the customer to respond within 48 hours: Ann Lee (cfo)',
      invoiceIds: [], dueAt: createdAt, followUpAt: new Date(createdAt.getTime() + 48 * 3_600_000), status: 'open', createdAt,
      action: {
        kind: 'task', task: 'mail', assignee: 'collector', person: null, target: { contactId: 'c-cfo', name: 'Ann Lee', email: 'ann@acme.example', role: 'cfo' },
        note: 'send the final demand by certified post and ask the customer to respond within 48 hours',
        key: id, levelId: 'final-demand', levelName: 'final demand', actionId: 'mail', invoiceIds: [], at: createdAt.getTime(), customerFacing: false, amounts: {},
      },
    };
  }

  async function submitTracking(taskId: string, value: string | null, dm: { channel: string; ts: string }) {
    return sendInteraction(h.endpoint, SIGNING_SECRET, viewSubmission({ userId: users.collector.id }, {
      callbackId: viewIds.letterTaskDone,
      privateMetadata: JSON.stringify({ id: taskId, channel: dm.channel, ts: dm.ts }),
      values: { [inputIds.trackingNumber.block]: { [inputIds.trackingNumber.action]: { type: 'plain_text_input', value } } },
    }));
  }

  it('without the mailed demand confirmed: the card says so, Approve is refused, the override records who and why', async () => {
    // The ladder made a mail task; nobody has marked it sent.
    await tasks().insertOne({ ...mailTask(`${acme._id}:final-demand:mail:1`, new Date('2025-05-05T15:00:00Z')), status: 'delivered' });
    const approval = await approvalTask(h, acme, `${acme._id}:agency-referral:1`);
    const before = h.sandbox.callsOf('chat.postMessage').length;
    expect((await deliverOpenTasks(h.slack.services)).delivered).toBe(1);
    const card = h.sandbox.callsOf('chat.postMessage').slice(before).find((p) => p.args['channel'] === 'D0APP0001');
    const text = JSON.stringify(card?.args['blocks']);
    // INV-1042 fell due on 2025-03-04: 77 days past due on 20 May.
    expect(text).toContain('*90-day limit*\\n13 days to the 90-day limit');
    expect(text).toContain('*Mailed demand*\\nNot confirmed: the mail task has no tracking number yet.');
    expect(text).toContain(actionIds.referWithoutMail);
    expectFixture('approval-mail-unconfirmed', card?.args['blocks']);
    const dm = lastDmTo('D0APP0001');
    if (!dm) throw new Error('no DM');

    await sendInteraction(h.endpoint, SIGNING_SECRET, blockAction({ userId: users.approver.id }, { actionId: actionIds.approve, value: approval._id, channel: dm.channel, ts: dm.ts }));
    await waitFor('the approver is told', () => ephemeralsFor(users.approver.id).length === 1);
    expect(ephemeralsFor(users.approver.id)[0]).toContain('The mailed final demand is not confirmed');
    expect((await h.store.approvals.get(approval._id))?.status).toBe('pending');

    // The override: the modal asks for the reason; empty is refused.
    await sendInteraction(h.endpoint, SIGNING_SECRET, blockAction({ userId: users.approver.id }, { actionId: actionIds.referWithoutMail, value: approval._id, channel: dm.channel, ts: dm.ts }));
    const view = (await waitFor('views.open', () => h.sandbox.callsOf('views.open').find((c) => (c.args['view'] as { callback_id?: string }).callback_id === viewIds.referWithoutMail))).args['view'] as Record<string, unknown>;
    const submit = (value: string | null) => sendInteraction(h.endpoint, SIGNING_SECRET, viewSubmission({ userId: users.approver.id }, {
      callbackId: viewIds.referWithoutMail, privateMetadata: String(view['private_metadata']),
      values: { [inputIds.reason.block]: { [inputIds.reason.action]: { type: 'plain_text_input', value } } },
    }));
    const empty = await submit('  ');
    expect(JSON.parse(empty.text)).toMatchObject({ response_action: 'errors', errors: { [inputIds.reason.block]: expect.any(String) } });
    expect((await h.store.approvals.get(approval._id))?.status).toBe('pending');
    expect((await submit('The CFO confirmed receipt of the emailed demand by phone')).status).toBe(200);
    const decided = await waitFor('approved', async () => {
      const a = await h.store.approvals.get(approval._id);
      return a?.status === 'approved' ? a : null;
    });
    expect(decided.mailOverride).toMatchObject({ by: { id: users.approver.email }, reason: 'The CFO confirmed receipt of the emailed demand by phone' });
    // The audit entry follows the approval's write: wait for it rather than read once.
    const audit = await waitFor('override audited', async () => {
      const l = await h.store.audit.list(acme._id);
      return l.some((e) => e.action === 'approval.mailed_demand_override') ? l : null;
    });
    expect(audit.filter((e) => e.action === 'approval.mailed_demand_override').map((e) => [e.actor.id, e.outcome])).toEqual([
      [users.approver.email, 'agency referral approved without mailed-demand confirmation: The CFO confirmed receipt of the emailed demand by phone'],
    ]);
    const updated = await waitFor('card updated', () => h.sandbox.callsOf('chat.update').find((c) => JSON.stringify(c.args['blocks']).includes('Referred without mailed-demand confirmation')));
    expect(JSON.stringify(updated.args['blocks'])).toContain('referred without mailed-demand confirmation by Ada Approver');
  });

  it('the post task: a DM with the 48-hour ask; Done wants a tracking number (empty and malformed refused), stored and audited; a referral then goes through', async () => {
    await tasks().deleteMany({ kind: 'mail' });
    const created = new Date(zonedInstant('2025-05-20', '09:00', 'America/Chicago'));
    const mail = mailTask(`${acme._id}:final-demand:mail:2`, created);
    await tasks().insertOne(mail);
    h.clock.now = new Date(created.getTime() + 60_000);
    const before = h.sandbox.callsOf('chat.postMessage').length;
    expect((await deliverOpenTasks(h.slack.services)).delivered).toBe(1);
    const post = h.sandbox.callsOf('chat.postMessage')[before];
    expect(post?.args['channel']).toBe('D0COL0001');
    expect(JSON.stringify(post?.args['blocks'])).toContain('ask the customer to respond within 48 hours');
    expectFixture('letter-task', post?.args['blocks']);
    const dm = lastDmTo('D0COL0001');
    if (!dm) throw new Error('no DM');

    // A sales rep cannot mark it; the collector gets the modal.
    await sendInteraction(h.endpoint, SIGNING_SECRET, blockAction({ userId: users.rep.id }, { actionId: actionIds.letterTaskDone, value: mail._id, channel: dm.channel, ts: dm.ts }));
    await waitFor('the rep is told', () => ephemeralsFor(users.rep.id).length === 1);
    await sendInteraction(h.endpoint, SIGNING_SECRET, blockAction({ userId: users.collector.id }, { actionId: actionIds.letterTaskDone, value: mail._id, channel: dm.channel, ts: dm.ts }));
    const modal = (await waitFor('views.open', () => h.sandbox.callsOf('views.open').find((c) => (c.args['view'] as { callback_id?: string }).callback_id === viewIds.letterTaskDone))).args['view'];
    expectFixture('letter-task-modal', modal);

    const missing = await submitTracking(mail._id, null, dm);
    expect(JSON.parse(missing.text)).toEqual({ response_action: 'errors', errors: { [inputIds.trackingNumber.block]: 'Give the tracking number' } });
    const bad = await submitTracking(mail._id, 'RR#12;DROP', dm);
    expect(JSON.parse(bad.text)).toEqual({ response_action: 'errors', errors: { [inputIds.trackingNumber.block]: 'a tracking number is letters, digits, spaces and dashes' } });
    expect((await tasks().findOne({ _id: mail._id }))?.status).toBe('delivered');

    expect((await submitTracking(mail._id, '  RR123456785US ', dm)).status).toBe(200);
    const done = await waitFor('done', async () => {
      const t = await tasks().findOne({ _id: mail._id });
      return t?.status === 'done' ? t : null;
    });
    expect(done.completion).toMatchObject({ by: { id: users.collector.email, name: users.collector.name }, trackingNumber: 'RR123456785US' });
    const audit = await waitFor('task.done audited', async () => {
      const l = (await h.store.audit.list(acme._id)).filter((e) => e.action === 'task.done');
      return l.length > 0 ? l : null;
    });
    expect(audit.map((e) => [e.actor.id, e.details?.['trackingNumber']])).toEqual([[users.collector.email, 'RR123456785US']]);
    await waitFor('the message shows it', () => h.sandbox.callsOf('chat.update').some((c) => JSON.stringify(c.args['blocks']).includes('tracking RR123456785US')));

    // The referral card shows the confirmation, and Approve goes through.
    const approval = await approvalTask(h, acme, `${acme._id}:agency-referral:2`);
    const mark = h.sandbox.callsOf('chat.postMessage').length;
    expect((await deliverOpenTasks(h.slack.services)).delivered).toBe(1);
    const card = h.sandbox.callsOf('chat.postMessage').slice(mark).find((p) => p.args['channel'] === 'D0APP0001');
    expect(JSON.stringify(card?.args['blocks'])).toContain('Confirmed: tracking RR123456785US (Cole Lector, 2025-05-20)');
    expect(JSON.stringify(card?.args['blocks'])).not.toContain(actionIds.referWithoutMail);
    const cardDm = lastDmTo('D0APP0001');
    if (!cardDm) throw new Error('no DM');
    await sendInteraction(h.endpoint, SIGNING_SECRET, blockAction({ userId: users.approver.id }, { actionId: actionIds.approve, value: approval._id, channel: cardDm.channel, ts: cardDm.ts }));
    const decided = await waitFor('approved', async () => {
      const a = await h.store.approvals.get(approval._id);
      return a?.status === 'approved' ? a : null;
    });
    expect(decided.mailOverride).toBeUndefined();
  });
});

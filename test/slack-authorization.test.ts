// Findings 3 and 4 through the real Slack listeners: an unknown Slack user recorded a dispute and a
// promise (submitNudge never checked the person); /overdue offered a sales rep the nudge buttons on any
// account; a rep could act on another rep's account. Now the one table (src/domain/authorization.ts)
// decides, the refused are told why, and nothing is recorded.
import type { TaskDoc } from '../src/outbox/task-channel.js';
import { accountStates } from '../src/planning/state.js';
import type { CustomerDoc } from '../src/store/types.js';
import { actionIds, inputIds, viewIds } from '../slack/ids.js';
import { deliverOpenTasks } from '../slack/services/deliver.js';
import { ORG, seedAcme, seedPeople, SIGNING_SECRET, startHarness, taskFromPlan, users, waitFor, type Harness } from './sandbox/slack/harness.js';
import { blockAction, sendCommand, sendInteraction, slashCommand, viewSubmission } from './sandbox/slack/signed.js';

const T0 = new Date('2025-03-20T15:00:00Z');
const UNKNOWN = 'U0NOBODY1';

describe('Slack: who may act on an account', () => {
  let h: Harness;
  let acme: CustomerDoc;
  let task: TaskDoc;

  beforeEach(async () => {
    h = await startHarness('slackauthz', T0);
    await seedPeople(h);
    acme = await seedAcme(h);
    task = await taskFromPlan(h, acme, 'slackNudge');
    h.clock.now = new Date(Math.max(T0.getTime(), task.dueAt.getTime()));
    await deliverOpenTasks(h.slack.services);
  });
  afterEach(async () => {
    await h.stop();
  });

  const dm = () => {
    const m = [...h.sandbox.messages.values()][0];
    if (!m) throw new Error('no DM');
    return { channel: m.channel, ts: m.ts };
  };
  const toldTo = (user: string) => h.sandbox.callsOf('chat.postEphemeral').filter((c) => c.args['user'] === user).map((c) => String(c.args['text']));
  const meta = () => JSON.stringify({ id: task._id, ...dm() });

  it('an unknown Slack user records no dispute and no promise, and is told how to get access', async () => {
    const inv = `${acme._id.replace(/:42$/, '')}:1042`;
    await sendInteraction(h.endpoint, SIGNING_SECRET, viewSubmission({ userId: UNKNOWN }, { callbackId: viewIds.dispute, privateMetadata: meta(), values: {
      [inputIds.disputeInvoices.block]: { [inputIds.disputeInvoices.action]: { type: 'checkboxes', selected_options: [{ value: inv }] } },
      [inputIds.reason.block]: { [inputIds.reason.action]: { type: 'plain_text_input', value: 'not really' } },
    } }));
    await sendInteraction(h.endpoint, SIGNING_SECRET, viewSubmission({ userId: UNKNOWN }, { callbackId: viewIds.promise, privateMetadata: meta(), values: {
      [inputIds.promiseDate.block]: { [inputIds.promiseDate.action]: { type: 'datepicker', selected_date: '2025-04-01' } },
      [inputIds.promiseAmount.block]: { [inputIds.promiseAmount.action]: { type: 'plain_text_input', value: '0.01' } },
    } }));
    await waitFor('told twice', () => toldTo(UNKNOWN).length === 2);
    expect(toldTo(UNKNOWN)[0]).toMatch(/Overdue does not know you yet.*Ask your Overdue admin to add you/);
    const state = await accountStates(h.store.db).get(acme._id);
    expect(state?.disputes ?? []).toEqual([]);
    expect(state?.promises ?? []).toEqual([]);
    expect((await h.store.audit.list(acme._id)).filter((e) => /dispute|promise/.test(e.action))).toEqual([]);
    // Nor does a button open a modal for them.
    await sendInteraction(h.endpoint, SIGNING_SECRET, blockAction({ userId: UNKNOWN }, { actionId: actionIds.snooze, value: task._id, ...dm() }));
    await waitFor('told again', () => toldTo(UNKNOWN).length === 3);
    expect(h.sandbox.callsOf('views.open')).toHaveLength(0);
  });

  it("a sales rep cannot act on another rep's account: no modal, no record, and /overdue offers no such buttons", async () => {
    await sendInteraction(h.endpoint, SIGNING_SECRET, blockAction({ userId: users.stranger.id }, { actionId: actionIds.promise, value: task._id, ...dm() }));
    await waitFor('told', () => toldTo(users.stranger.id).length === 1);
    expect(toldTo(users.stranger.id)[0]).toMatch(/not the sales rep of this account/);
    expect(h.sandbox.callsOf('views.open')).toHaveLength(0);
    await sendInteraction(h.endpoint, SIGNING_SECRET, viewSubmission({ userId: users.stranger.id }, { callbackId: viewIds.snooze, privateMetadata: meta(), values: {
      [inputIds.snoozeUntil.block]: { [inputIds.snoozeUntil.action]: { type: 'datepicker', selected_date: '2025-04-01' } },
      [inputIds.reason.block]: { [inputIds.reason.action]: { type: 'plain_text_input', value: 'mine now' } },
    } }));
    await waitFor('told again', () => toldTo(users.stranger.id).length === 2);
    expect((await accountStates(h.store.db).get(acme._id))?.snoozes ?? []).toEqual([]);

    const before = h.sandbox.callsOf('chat.postEphemeral').length;
    await sendCommand(h.endpoint, SIGNING_SECRET, slashCommand({ userId: users.stranger.id }, '/overdue', 'acme industrial'));
    const answer = (await waitFor('answer', () => h.sandbox.callsOf('chat.postEphemeral')[before])).args;
    const ids = JSON.stringify(answer['blocks']);
    expect(ids).toContain('Acme Industrial');
    for (const id of [actionIds.logCall, actionIds.promise, actionIds.snooze, actionIds.placeHold]) expect(ids).not.toContain(`"${id}"`);
    // The account's own rep still gets them.
    const mine = h.sandbox.callsOf('chat.postEphemeral').length;
    await sendCommand(h.endpoint, SIGNING_SECRET, slashCommand({ userId: users.rep.id }, '/overdue', 'acme industrial'));
    const own = JSON.stringify((await waitFor('own answer', () => h.sandbox.callsOf('chat.postEphemeral')[mine])).args['blocks']);
    for (const id of [actionIds.logCall, actionIds.promise, actionIds.snooze]) expect(own).toContain(`"${id}"`);
    expect(ORG).toBeTruthy();
  });
});

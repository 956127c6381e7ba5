// The Slack app end to end: the Bolt app mounted on our Express server, the
// real @slack/web-api client talking to the local Slack sandbox, and signed HTTP
// requests shaped like Slack's (block_actions, view_submission).
import { decide, defaultPolicy } from '../src/engine/index.js';
import type { TaskDoc } from '../src/outbox/task-channel.js';
import { accountStates } from '../src/planning/state.js';
import { collections } from '../src/store/store.js';
import type { CustomerDoc } from '../src/store/types.js';
import { actionIds, inputIds, viewIds } from '../slack/ids.js';
import { deliverOpenTasks } from '../slack/services/deliver.js';
import { expectFixture } from './sandbox/slack/fixtures.js';
import { seedAcme, seedPeople, SIGNING_SECRET, startHarness, taskFromPlan, users, waitFor, type Harness } from './sandbox/slack/harness.js';
import { blockAction, sendInteraction, viewSubmission } from './sandbox/slack/signed.js';

const T0 = new Date('2025-03-20T15:00:00Z');

describe('Slack: rep nudge → log call → promise to pay', () => {
  let h: Harness;
  let acme: CustomerDoc;
  let task: TaskDoc;
  let dm: { channel: string; ts: string };

  beforeAll(async () => {
    h = await startHarness('slacknudge', T0);
    await seedPeople(h);
    acme = await seedAcme(h);
  });
  afterAll(async () => {
    await h.stop();
  });

  const taskStatus = async (): Promise<string | undefined> => (await h.store.db.collection<TaskDoc>(collections.tasks).findOne({ _id: task._id }))?.status;
  const audits = async (action: string) => (await h.store.audit.list(acme._id)).filter((e) => e.action === action);

  /** Click a button on the DM, wait for the modal, return it. */
  async function openModal(actionId: string, user: string = users.rep.id): Promise<Record<string, unknown>> {
    const before = h.sandbox.callsOf('views.open').length;
    const res = await sendInteraction(h.endpoint, SIGNING_SECRET, blockAction({ userId: user }, { actionId, value: task._id, ...dm }));
    expect(res.status).toBe(200);
    const call = await waitFor('views.open', () => h.sandbox.callsOf('views.open')[before]);
    return call.args['view'] as Record<string, unknown>;
  }

  it('delivers the nudge once, as a DM to the rep found by email, with the bot ids resolved once at start-up', async () => {
    task = await taskFromPlan(h, acme, 'slackNudge');
    expect(task.kind).toBe('slack-nudge');
    h.clock.now = new Date(Math.max(T0.getTime(), task.dueAt.getTime()));
    h.sandbox.rateLimit('chat.postMessage', 1, 1); // Slack says wait a second: the client waits and retries
    const first = await deliverOpenTasks(h.slack.services);
    const again = await deliverOpenTasks(h.slack.services);
    expect(first).toEqual({ delivered: 1, skipped: 0, failed: [] });
    expect(again.delivered).toBe(0);
    expect(await taskStatus()).toBe('delivered');

    expect(h.sandbox.callsOf('users.lookupByEmail')[0]?.args['email']).toBe(users.rep.email);
    expect(h.sandbox.callsOf('conversations.open')[0]?.args['users']).toBe(users.rep.id);
    const posts = h.sandbox.callsOf('chat.postMessage');
    expect(posts).toHaveLength(1);
    expect(h.sandbox.calls.filter((c) => c.method === 'chat.postMessage' && c.status === 429)).toHaveLength(1);
    const post = posts[0];
    if (!post) throw new Error('no post');
    expect(post.token).toBe('xoxb-sandbox-token');
    expect(post.args['channel']).toBe('D0REP0001');
    expectFixture('nudge', post.args['blocks']);
    const msg = [...h.sandbox.messages.values()][0];
    if (!msg) throw new Error('no message');
    dm = { channel: msg.channel, ts: msg.ts };
    expect(await audits('slack.nudge_delivered')).toHaveLength(1);
  });

  it('log call: the button opens the modal; the submission is audited and the message updated in place', async () => {
    const view = await openModal(actionIds.logCall);
    expectFixture('log-call-modal', view);
    const res = await sendInteraction(
      h.endpoint,
      SIGNING_SECRET,
      viewSubmission({ userId: users.rep.id }, {
        callbackId: viewIds.logCall,
        privateMetadata: String(view['private_metadata']),
        values: {
          [inputIds.outcome.block]: { [inputIds.outcome.action]: { type: 'static_select', selected_option: { value: 'reached' } } },
          [inputIds.notes.block]: { [inputIds.notes.action]: { type: 'plain_text_input', value: 'Bob says the payment run is next week' } },
          [inputIds.nextStep.block]: { [inputIds.nextStep.action]: { type: 'plain_text_input', value: null } },
        },
      }),
    );
    expect(res.status).toBe(200);
    const update = await waitFor('chat.update', () => h.sandbox.callsOf('chat.update')[0]);
    expect(update.args['ts']).toBe(dm.ts);
    expectFixture('nudge-after-call', update.args['blocks']);
    const [logged] = await audits('call.logged');
    expect(logged).toMatchObject({ channel: 'phone', actor: { kind: 'person', id: users.rep.email, name: users.rep.name }, outcome: 'call: Reached the buyer' });
    expect(await taskStatus()).toBe('delivered'); // a promise may follow
  });

  it('promise to pay: the date and amount are checked in the modal', async () => {
    const view = await openModal(actionIds.promise);
    expectFixture('promise-modal', view);
    const res = await sendInteraction(
      h.endpoint,
      SIGNING_SECRET,
      viewSubmission({ userId: users.rep.id }, {
        callbackId: viewIds.promise,
        privateMetadata: String(view['private_metadata']),
        values: {
          [inputIds.promiseDate.block]: { [inputIds.promiseDate.action]: { type: 'datepicker', selected_date: '2025-03-01' } },
          [inputIds.promiseAmount.block]: { [inputIds.promiseAmount.action]: { type: 'plain_text_input', value: 'lots' } },
        },
      }),
    );
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({
      response_action: 'errors',
      errors: { [inputIds.promiseDate.block]: '2025-03-01 is in the past: pick today or a later date', [inputIds.promiseAmount.block]: 'Enter an amount like 1,240.00' },
    });
    expect((await accountStates(h.store.db).get(acme._id))?.promises ?? []).toEqual([]);
  });

  it('promise to pay: recorded in the account state, audited, the ladder pauses, the message settles', async () => {
    const view = await openModal(actionIds.promise);
    const updates = h.sandbox.callsOf('chat.update').length;
    const res = await sendInteraction(
      h.endpoint,
      SIGNING_SECRET,
      viewSubmission({ userId: users.rep.id }, {
        callbackId: viewIds.promise,
        privateMetadata: String(view['private_metadata']),
        values: {
          [inputIds.promiseDate.block]: { [inputIds.promiseDate.action]: { type: 'datepicker', selected_date: '2025-03-27' } },
          [inputIds.promiseAmount.block]: { [inputIds.promiseAmount.action]: { type: 'plain_text_input', value: '14,900.00' } },
        },
      }),
    );
    expect(res.status).toBe(200);
    const update = await waitFor('chat.update', () => h.sandbox.callsOf('chat.update')[updates]);
    expectFixture('nudge-after-promise', update.args['blocks']);
    const state = await accountStates(h.store.db).get(acme._id);
    expect(state?.promises).toMatchObject([{ promisedDate: '2025-03-27', status: 'open' }]);
    const [promised] = await audits('promise.recorded');
    expect(promised?.details).toMatchObject({ date: '2025-03-27', amountMinor: 1_490_000, currency: 'USD' });
    await waitFor('task done', async () => (await taskStatus()) === 'done' && (await h.slack.services.messages.get(task._id))?.resolvedAt !== undefined);

    // The re-plan after the submission saw the promise: the ladder is paused, pending nudges cancelled.
    const loaded = await h.planner.load(acme._id);
    if (!loaded) throw new Error('account missing');
    expect(decide(loaded.account, defaultPolicy, h.clock.now).state).toBe('paused');
    const plan = await h.planner.plan(acme._id, h.clock.now);
    expect(plan.decision?.state).toBe('paused');
    expect(plan.enqueued).toEqual([]);

    // A broken promise (date and grace passed, nothing paid) resumes the ladder.
    const later = new Date('2025-04-10T15:00:00Z');
    expect(decide(loaded.account, defaultPolicy, later.getTime()).state).not.toBe('paused');
  });

  it('a settled nudge refuses further buttons', async () => {
    const before = h.sandbox.callsOf('chat.postEphemeral').length;
    const res = await sendInteraction(h.endpoint, SIGNING_SECRET, blockAction({ userId: users.rep.id }, { actionId: actionIds.snooze, value: task._id, ...dm }));
    expect(res.status).toBe(200);
    const eph = await waitFor('ephemeral', () => h.sandbox.callsOf('chat.postEphemeral')[before]);
    expect(String(eph.args['text'])).toMatch(/^Already handled/);
  });

  it('forged and stale signatures get 401 and change nothing', async () => {
    const calls = h.sandbox.calls.length;
    const auditCount = (await h.store.audit.list(acme._id)).length;
    const payload = blockAction({ userId: users.rep.id }, { actionId: actionIds.logCall, value: task._id, ...dm });
    const forged = await sendInteraction(h.endpoint, SIGNING_SECRET, payload, { signature: 'v0=' + 'ab'.repeat(32) });
    const wrongSecret = await sendInteraction(h.endpoint, 'not-the-secret', payload);
    const stale = await sendInteraction(h.endpoint, SIGNING_SECRET, payload, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect([forged.status, wrongSecret.status, stale.status]).toEqual([401, 401, 401]);
    // A correctly signed button on the settled nudge comes after them; once its one
    // answer ("Already handled") is in, the refused requests have had their turn
    // too, and they set off nothing: no Slack call of theirs, no audit entry.
    const valid = await sendInteraction(h.endpoint, SIGNING_SECRET, blockAction({ userId: users.rep.id }, { actionId: actionIds.snooze, value: task._id, ...dm }));
    expect(valid.status).toBe(200);
    const eph = await waitFor('ephemeral', () => h.sandbox.calls.slice(calls).find((c) => c.method === 'chat.postEphemeral'));
    expect(String(eph.args['text'])).toMatch(/^Already handled/);
    expect(h.sandbox.calls.slice(calls).map((c) => c.method)).toEqual(['chat.postEphemeral']);
    expect((await h.store.audit.list(acme._id)).length).toBe(auditCount);
  });

  it('never calls auth.test per request', () => {
    expect(h.sandbox.callsOf('auth.test')).toHaveLength(1);
  });
});

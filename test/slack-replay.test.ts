// Requests from Slack beyond the signature: a timestamp more than 5 minutes away in
// either direction is refused, and a signed interaction replayed inside the window
// is acknowledged with 200 and runs no second time.
import type { TaskDoc } from '../src/outbox/task-channel.js';
import type { CustomerDoc } from '../src/store/types.js';
import { actionIds, inputIds, viewIds } from '../slack/ids.js';
import { interactionKey, slackTimestampFresh } from '../slack/request-guard.js';
import { deliverOpenTasks } from '../slack/services/deliver.js';
import { seedAcme, seedPeople, SIGNING_SECRET, startHarness, taskFromPlan, users, waitFor, type Harness } from './sandbox/slack/harness.js';
import { blockAction, sendInteraction, viewSubmission } from './sandbox/slack/signed.js';

const T0 = new Date('2025-03-20T15:00:00Z');

describe('slack request guard (pure)', () => {
  it('accepts timestamps within 5 minutes either way, nothing else', () => {
    const now = 1_700_000_000_000;
    const s = now / 1000;
    expect([-300, -1, 0, 1, 300].map((d) => slackTimestampFresh(String(s + d), now))).toEqual([true, true, true, true, true]);
    expect([-301, 301, 360].map((d) => slackTimestampFresh(String(s + d), now))).toEqual([false, false, false]);
    for (const bad of [undefined, '', 'abc', '1e9', '-5', ' 1700000000', String(s) + '.5']) expect(slackTimestampFresh(bad, now)).toBe(false);
  });

  it('keys interactions by trigger_id, else by container and action_ts or view id and hash', () => {
    expect(interactionKey({ type: 'block_actions', trigger_id: 't.1', actions: [{ action_ts: '1.2' }] })).toBe('slack:interaction:block_actions:t.1');
    expect(interactionKey({ type: 'block_actions', container: { message_ts: '9.9' }, actions: [{ action_ts: '1.2' }] })).toBe('slack:interaction:block_actions:9.9:1.2');
    expect(interactionKey({ type: 'view_submission', view: { id: 'V1', hash: 'h1' } })).toBe('slack:interaction:view_submission:V1:h1');
    expect(interactionKey({ command: '/overdue', trigger_id: 't.2' })).toBe('slack:interaction:command:t.2');
    expect(interactionKey({ type: 'event_callback', event_id: 'E1' })).toBeUndefined();
    expect(interactionKey({ type: 'block_actions' })).toBeUndefined();
    expect(interactionKey(null)).toBeUndefined();
  });
});

describe('slack request guard (over HTTP)', () => {
  let h: Harness;
  let acme: CustomerDoc;
  let task: TaskDoc;
  let dm: { channel: string; ts: string };

  beforeAll(async () => {
    h = await startHarness('slackreplay', T0);
    await seedPeople(h);
    acme = await seedAcme(h);
    task = await taskFromPlan(h, acme, 'slackNudge');
    h.clock.now = new Date(Math.max(T0.getTime(), task.dueAt.getTime()));
    await deliverOpenTasks(h.slack.services);
    const m = [...h.sandbox.messages.values()][0];
    if (!m) throw new Error('no DM');
    dm = { channel: m.channel, ts: m.ts };
  });
  afterAll(() => h.stop());

  const logCall = () => blockAction({ userId: users.rep.id }, { actionId: actionIds.logCall, value: task._id, ...dm });
  const nowSeconds = () => Math.floor(Date.now() / 1000);
  const opened = () => h.sandbox.callsOf('views.open').length;

  it('refuses a timestamp 6 minutes in the future with 401, accepts one 4 minutes ahead or behind', async () => {
    const before = opened();
    expect((await sendInteraction(h.endpoint, SIGNING_SECRET, logCall(), { timestamp: nowSeconds() + 6 * 60 })).status).toBe(401);
    expect((await sendInteraction(h.endpoint, SIGNING_SECRET, logCall(), { timestamp: nowSeconds() + 4 * 60 })).status).toBe(200);
    await waitFor('views.open', () => opened() === before + 1);
    expect((await sendInteraction(h.endpoint, SIGNING_SECRET, logCall(), { timestamp: nowSeconds() - 4 * 60 })).status).toBe(200);
    await waitFor('views.open', () => opened() === before + 2);
    // Only the two accepted requests opened a modal (the refused one was answered before any listener).
    expect(opened()).toBe(before + 2);
  });

  it('answers a replayed block action 200 and does not run it again', async () => {
    const before = opened();
    const payload = logCall();
    const ts = nowSeconds();
    expect((await sendInteraction(h.endpoint, SIGNING_SECRET, payload, { timestamp: ts })).status).toBe(200);
    await waitFor('views.open', () => opened() === before + 1);
    const replay = await sendInteraction(h.endpoint, SIGNING_SECRET, payload, { timestamp: ts });
    expect(replay.status).toBe(200);
    // A fresh click after the replay opens its modal; the replay opened none.
    expect((await sendInteraction(h.endpoint, SIGNING_SECRET, logCall())).status).toBe(200);
    await waitFor('views.open', () => opened() === before + 2);
    expect(opened()).toBe(before + 2);
  });

  it('answers a replayed modal submission 200 and records it once', async () => {
    const calls = () => h.sandbox.callsOf('views.open');
    const view = calls().at(-1)?.args['view'] as Record<string, unknown>;
    const submission = viewSubmission({ userId: users.rep.id }, {
      callbackId: viewIds.logCall,
      privateMetadata: String(view['private_metadata']),
      values: {
        [inputIds.outcome.block]: { [inputIds.outcome.action]: { type: 'static_select', selected_option: { value: 'reached' } } },
        [inputIds.notes.block]: { [inputIds.notes.action]: { type: 'plain_text_input', value: 'replayed once' } },
        [inputIds.nextStep.block]: { [inputIds.nextStep.action]: { type: 'plain_text_input', value: null } },
      },
    });
    const logged = async () => (await h.store.audit.list(acme._id)).filter((e) => e.action === 'call.logged').length;
    const before = await logged();
    const ts = nowSeconds();
    expect((await sendInteraction(h.endpoint, SIGNING_SECRET, submission, { timestamp: ts })).status).toBe(200);
    await waitFor('call logged', async () => (await logged()) === before + 1);
    expect((await sendInteraction(h.endpoint, SIGNING_SECRET, submission, { timestamp: ts })).status).toBe(200);
    expect(await h.store.claims.holder(interactionKey(submission)!)).toBe('slack');
    // A second, genuine submission (its own trigger_id) of the same modal is recorded: only the replay is dropped.
    const again = { ...submission, trigger_id: `${String(submission['trigger_id'])}.again` };
    expect((await sendInteraction(h.endpoint, SIGNING_SECRET, again)).status).toBe(200);
    await waitFor('second call logged', async () => (await logged()) === before + 2);
    expect(await logged()).toBe(before + 2);
  });
});

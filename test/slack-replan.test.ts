// Re-planning leaves the web request path: through the production web wiring
// (slackWebApp), a rep's snooze is recorded and the message updated, but the
// account is not planned in the web process — a re-plan request is recorded
// (one per account, however many actions) and the worker's plan-requested job
// plans it.
import type { Server } from 'node:http';
import { planRequested } from '../jobs/plan.js';
import { addDays, localDate } from '../src/domain/calendar.js';
import { loadConfig } from '../src/config.js';
import { createApp } from '../src/http/app.js';
import { createLogger } from '../src/logger.js';
import type { TaskDoc } from '../src/outbox/task-channel.js';
import { ReplanRequests } from '../src/planning/requests.js';
import { accountStates } from '../src/planning/state.js';
import { collections } from '../src/store/store.js';
import type { CustomerDoc } from '../src/store/types.js';
import { actionIds, inputIds, viewIds } from '../slack/ids.js';
import { deliverOpenTasks } from '../slack/services/deliver.js';
import { slackWebApp } from '../slack/wiring.js';
import { testServices } from './helpers/services.js';
import { BOT_TOKEN, ORG, seedAcme, seedPeople, SIGNING_SECRET, startHarness, users, waitFor, type Harness } from './sandbox/slack/harness.js';
import { blockAction, sendInteraction, viewSubmission } from './sandbox/slack/signed.js';

describe('Slack actions ask the worker to re-plan', () => {
  let h: Harness;
  let acme: CustomerDoc;
  let server: Server;
  let endpoint = '';
  let requests: ReplanRequests;

  beforeAll(async () => {
    // The web wiring runs on the real clock; so does the harness here.
    h = await startHarness('slackreplan', new Date());
    await seedPeople(h);
    acme = await seedAcme(h);
    requests = new ReplanRequests(h.store.db);
    const task: TaskDoc = {
      _id: `${acme._id}:rep-call:nudge`, orgId: ORG, customerId: acme._id, accountName: acme.displayName, kind: 'slack-nudge',
      assignee: { role: 'salesRep', id: users.rep.email, name: users.rep.name }, title: 'nudge', invoiceIds: [], dueAt: h.clock.now, status: 'open', createdAt: h.clock.now,
      action: { kind: 'slackNudge', template: 'rep-call', to: 'salesRep', person: null, key: 'k', levelId: 'rep-call', levelName: 'rep call', actionId: 'nudge', invoiceIds: [], at: h.clock.now.getTime(), customerFacing: false, amounts: {} },
    };
    await h.store.db.collection<TaskDoc>(collections.tasks).insertOne(task);
    expect((await deliverOpenTasks(h.slack.services)).delivered).toBe(1);
    const web = await slackWebApp(loadConfig({ SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: h.sandbox.apiUrl }), testServices(h.store, { worker: 'web-1' }));
    if (!web) throw new Error('the web wiring is off');
    const app = createApp({ db: h.store.db, logger: createLogger('silent'), adminApiToken: undefined, bodyLimit: '1mb', routers: [web.router] });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const addr = server.address();
    endpoint = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/slack/events`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    await h.stop();
  });

  const plannedEntries = async () => (await h.store.audit.list(acme._id)).filter((e) => e.actor.id === 'planner');

  it('a snooze is recorded at once; the plan waits for the worker', async () => {
    const msg = [...h.sandbox.messages.values()][0];
    if (!msg) throw new Error('no nudge');
    expect((await sendInteraction(endpoint, SIGNING_SECRET, blockAction({ userId: users.rep.id }, { actionId: actionIds.snooze, value: `${acme._id}:rep-call:nudge`, channel: msg.channel, ts: msg.ts }))).status).toBe(200);
    const view = (await waitFor('views.open', () => h.sandbox.callsOf('views.open')[0])).args['view'] as Record<string, unknown>;
    const until = addDays(localDate(new Date(), 'UTC'), 10);
    const res = await sendInteraction(endpoint, SIGNING_SECRET, viewSubmission({ userId: users.rep.id }, {
      callbackId: viewIds.snooze,
      privateMetadata: String(view['private_metadata']),
      values: {
        [inputIds.snoozeUntil.block]: { [inputIds.snoozeUntil.action]: { type: 'datepicker', selected_date: until } },
        [inputIds.reason.block]: { [inputIds.reason.action]: { type: 'plain_text_input', value: 'AP is back in ten days' } },
      },
    }));
    expect(res.status).toBe(200);
    await waitFor('the message updated', () => h.sandbox.callsOf('chat.update')[0]);
    await waitFor('the request', async () => (await requests.count()) === 1);
    // Recorded, not planned: no planner entries, no level on the account.
    expect((await accountStates(h.store.db).get(acme._id))?.snoozes).toMatchObject([{ until }]);
    expect((await accountStates(h.store.db).get(acme._id))?.levelId).toBeUndefined();
    expect(await plannedEntries()).toEqual([]);
    // More requests for the same account before the worker runs: still one.
    await requests.request(acme._id, 'test', new Date());
    expect(await requests.count()).toBe(1);
  });

  it('plan-requested plans the account once and clears the request', async () => {
    const ctx = testServices(h.store, { worker: 'worker-1' });
    await planRequested.run({ limit: 500 }, ctx, undefined as never);
    expect(await requests.count()).toBe(0);
    // The plan ran (it records the level) and saw the snooze.
    const state = await accountStates(h.store.db).get(acme._id);
    expect(state?.levelId).toEqual(expect.any(String));
    expect(state?.snoozes).toHaveLength(1);
    // Nothing left to do: a second run plans nothing.
    const audit = (await h.store.audit.list(acme._id)).length;
    await planRequested.run({ limit: 500 }, ctx, undefined as never);
    expect((await h.store.audit.list(acme._id)).length).toBe(audit);
  });
});

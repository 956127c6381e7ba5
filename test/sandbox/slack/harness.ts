// The Slack app running for real: a test database, the Slack sandbox, the Bolt
// app mounted on our Express app on 127.0.0.1:0, and helpers to seed an account,
// turn the planner's decisions into tasks, and wait for asynchronous work.
import type { Server } from 'node:http';
import { createApp } from '../../../src/http/app.js';
import { createLogger } from '../../../src/logger.js';
import { parsePayload } from '../../../src/planning/payload.js';
import { TaskChannel, type TaskDoc } from '../../../src/outbox/task-channel.js';
import { Planner } from '../../../src/planning/plan.js';
import { storedPolicySource } from '../../../src/planning/policy-source.js';
import { collections, createStore, ensureIndexes, type Store } from '../../../src/store/store.js';
import type { CustomerDoc, OutboxEntryDoc } from '../../../src/store/types.js';
import { createSlackApp, type SlackApp, type SlackAppOptions } from '../../../slack/app.js';
import { MongoInstallationStore } from '../../../slack/services/installations.js';
import { PostQueue } from '../../../slack/services/post-queue.js';
import { customerDoc, invoiceDoc, saveCustomer, seedOrg, standardContacts } from '../../helpers/accounts.js';
import { openTestDatabase } from '../../helpers/db.js';
import { SlackSandbox } from './server.js';

export const SIGNING_SECRET = 'sandbox-signing-secret-0123456789';
export const BOT_TOKEN = 'xoxb-sandbox-token';
export const ORG = 'org-1';

export const users = {
  rep: { id: 'U0REP0001', email: 'sam.rep@northwind.example', name: 'Sam Rep' },
  collector: { id: 'U0COL0001', email: 'cole.lector@northwind.example', name: 'Cole Lector' },
  approver: { id: 'U0APP0001', email: 'ada.approver@northwind.example', name: 'Ada Approver' },
  approver2: { id: 'U0APP0002', email: 'abe.approver@northwind.example', name: 'Abe Approver' },
  stranger: { id: 'U0STR0001', email: 'sid.sales@northwind.example', name: 'Sid Sales' },
} as const;

export interface Harness {
  store: Store;
  sandbox: SlackSandbox;
  slack: SlackApp;
  planner: Planner;
  /** The endpoint Slack posts to. */
  endpoint: string;
  clock: { now: Date };
  stop(): Promise<void>;
}

export interface HarnessOptions {
  /** OAuth v2 install with the MongoDB installation store instead of one bot token. */
  oauth?: boolean;
  /** Run on this store (e.g. a connector harness's, to write holds back to its sandbox); its owner drops it. */
  store?: Store;
  /** Instead of planning inline, how the app asks for a re-plan (the web process records a request). */
  replan?: (customerId: string, at: Date) => Promise<unknown>;
  /** The per-channel post queue (default: 20 ms between posts to one channel). */
  postQueue?: PostQueue;
  /** The ledger's live invoice read (a connector harness's liveBalanceFrom), for reply cards' *They say they paid*. */
  liveBalance?: SlackAppOptions['liveBalance'];
}

export const STATE_SECRET = 'sandbox-state-secret';
export const INSTALL_KEY = Buffer.alloc(32, 7);

export async function startHarness(label: string, start: Date, opts: HarnessOptions = {}): Promise<Harness> {
  const database = opts.store ? null : await openTestDatabase(label);
  const db = opts.store?.db ?? database?.db;
  if (!db) throw new Error('no database');
  if (database) await ensureIndexes(db);
  const store = opts.store ?? createStore(db);
  const sandbox = new SlackSandbox({ botToken: BOT_TOKEN, clientId: 'cid', clientSecret: 'csecret', users: Object.values(users) });
  await sandbox.start();
  // One policy source for the planner and the Slack app, as the composition root hands one to every part.
  const policies = storedPolicySource(store.policies);
  const planner = new Planner(store, { worker: 'test', policies });
  const logger = createLogger(process.env.SLACK_TEST_LOG ?? 'silent');
  const clock = { now: start };
  const slack = await createSlackApp({
    signingSecret: SIGNING_SECRET,
    apiUrl: sandbox.apiUrl,
    ...(opts.oauth
      ? {
          oauth: {
            clientId: 'cid', clientSecret: 'csecret', stateSecret: STATE_SECRET,
            installationStore: new MongoInstallationStore(db, INSTALL_KEY),
            authorizationUrl: `${sandbox.url}/oauth/v2/authorize`,
          },
        }
      : { botToken: BOT_TOKEN }),
    store,
    logger,
    now: () => clock.now,
    policies,
    replan: opts.replan ?? ((id, at) => planner.plan(id, at)),
    retryConfig: { retries: 2, factor: 1, minTimeout: 10, maxTimeout: 50 },
    // Tests post several messages to one DM quickly: a short per-channel interval (Slack's is about a second).
    postQueue: opts.postQueue ?? new PostQueue({ intervalMs: 20 }),
    ...(opts.liveBalance ? { liveBalance: opts.liveBalance } : {}),
  });
  const app = createApp({ db, logger, adminApiToken: undefined, bodyLimit: '1mb', routers: [slack.router] });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const addr = server.address();
  const endpoint = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/slack/events`;
  return {
    store,
    sandbox,
    slack,
    planner,
    endpoint,
    clock,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await sandbox.stop();
      await database?.drop();
    },
  };
}

export async function seedPeople(h: Harness): Promise<void> {
  const now = h.clock.now;
  await h.slack.services.people.upsert({ orgId: ORG, email: users.rep.email, name: users.rep.name, slackUserId: users.rep.id, roles: ['sales_rep'] }, now);
  await h.slack.services.people.upsert({ orgId: ORG, email: users.collector.email, name: users.collector.name, slackUserId: users.collector.id, roles: ['collector', 'approver'] }, now);
  await h.slack.services.people.upsert({ orgId: ORG, email: users.approver.email, name: users.approver.name, slackUserId: users.approver.id, roles: ['approver'] }, now);
  await h.slack.services.people.upsert({ orgId: ORG, email: users.approver2.email, name: users.approver2.name, slackUserId: users.approver2.id, roles: ['approver', 'manager'] }, now);
  await h.slack.services.people.upsert({ orgId: ORG, email: users.stranger.email, name: users.stranger.name, slackUserId: users.stranger.id, roles: ['sales_rep'] }, now);
}

/** Acme: two past-due invoices, the oldest 16 days late on 2025-03-20 (level "rep call"). */
export async function seedAcme(h: Harness): Promise<CustomerDoc> {
  const now = h.clock.now;
  await seedOrg(h.store, ORG, now);
  const c = customerDoc(ORG, '42', 'Acme Industrial', [...standardContacts('acme.example'), { id: 'c-buyer', name: 'Bob Buyer', email: 'bob@acme.example', phone: '+1 555 0199', roles: ['buyer'] }], now);
  await saveCustomer(h.store, c, [
    invoiceDoc(c, '1042', 'INV-1042', '2025-03-04', 1_240_000, now),
    invoiceDoc(c, '1050', 'INV-1050', '2025-03-10', 250_000, now),
  ]);
  return c;
}

/** Plan the account and store the outbox's Slack-bound entry of `kind` as a task, as the dispatcher would. */
export async function taskFromPlan(h: Harness, customer: CustomerDoc, kind: 'slackNudge'): Promise<TaskDoc> {
  await h.planner.plan(customer._id, h.clock.now);
  const entries = await h.store.db.collection<OutboxEntryDoc>(collections.outbox).find({ customerId: customer._id }).toArray();
  for (const entry of entries) {
    const parsed = parsePayload(entry.payload);
    if (!parsed.ok || parsed.payload.action.kind !== kind) continue;
    const org = await h.store.organisations.get(customer.orgId);
    await new TaskChannel(h.store.db).send({ entry, action: parsed.payload.action, accountName: customer.displayName, customer, org, invoices: [], now: h.clock.now, previousContacts: 0 });
    const task = await h.store.db.collection<TaskDoc>(collections.tasks).findOne({ _id: entry._id });
    if (task) return task;
  }
  throw new Error(`the plan has no ${kind} action: ${entries.map((e) => e._id).join(', ')}`);
}

/** An agency-referral approval task, as the task channel stores it. */
export async function approvalTask(h: Harness, customer: CustomerDoc, id = `${customer._id}:agency-referral:1`): Promise<TaskDoc> {
  const task: TaskDoc = {
    _id: id,
    orgId: customer.orgId,
    customerId: customer._id,
    accountName: customer.displayName,
    kind: 'approval',
    assignee: { role: 'approver', id: null, name: null },
    title: 'agency referral: approval requested',
    invoiceIds: [],
    dueAt: h.clock.now,
    status: 'open',
    action: {
      kind: 'agencyReferral', approval: 'approver', key: id, levelId: 'agency-referral', levelName: 'agency referral', actionId: 'approval',
      invoiceIds: [], at: h.clock.now.getTime(), customerFacing: false, amounts: { USD: 1_490_000 },
    },
    createdAt: h.clock.now,
  };
  await h.store.db.collection<TaskDoc>(collections.tasks).insertOne(task);
  return task;
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 5_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Run the OAuth v2 install through the app (needs a harness started with `oauth: true`). */
export async function installWorkspace(h: Harness, installer = 'U0ADMIN01'): Promise<Response> {
  const base = h.endpoint.replace(/\/slack\/events$/, '');
  const start = await fetch(`${base}/slack/install`, { redirect: 'manual' });
  const state = new URL(start.headers.get('location') ?? '').searchParams.get('state') ?? '';
  const cookie = (start.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const code = `code-${Math.random().toString(36).slice(2)}`;
  h.sandbox.codes.set(code, installer);
  return fetch(`${base}/slack/oauth_redirect?code=${code}&state=${encodeURIComponent(state)}`, { headers: { cookie }, redirect: 'manual' });
}

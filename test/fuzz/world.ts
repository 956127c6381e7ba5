// The fuzz suite's world (docs/architecture.md, "Fuzz suite"): the web role's
// whole HTTP app built the way production builds it (loadConfig → buildServices
// → buildConnectors → buildWebApp) on a fresh test database, with the Slack
// sandbox behind the Slack app, QuickBooks and Xero configured (their APIs on a
// closed loopback port, so applying a change fails and is retried, as when the
// provider is down), one organisation with three customers and a person in each
// role, a rep nudge task and an approval task to press buttons on. Every request
// is signed the way its sender signs it, and every response's status is counted.
import { createHmac, randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import fc from 'fast-check';
import { buildWebApp } from '../../app/http/web.js';
import { buildConnectors, buildServices, type Services } from '../../app/services.js';
import { planAccounts, planRequested } from '../../jobs/plan.js';
import { slackDeliver } from '../../jobs/slack-deliver.js';
import { processWebhooks } from '../../jobs/sync.js';
import type { SlackApp } from '../../slack/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { TaskChannel, type TaskDoc } from '../../src/outbox/task-channel.js';
import { parsePayload } from '../../src/planning/payload.js';
import { plannerFor } from '../../src/planning/plan.js';
import { collections, createStore, ensureIndexes, type Store } from '../../src/store/store.js';
import type { CustomerDoc, OutboxEntryDoc } from '../../src/store/types.js';
import { customerDoc, invoiceDoc, liveConnection, saveCustomer, seedOrg, standardContacts } from '../helpers/accounts.js';
import { openTestDatabase } from '../helpers/db.js';
import { closeServer, listenLoopback } from '../sandbox/common.js';
import { SlackSandbox } from '../sandbox/slack/server.js';
import { slackSignature } from '../sandbox/slack/signed.js';

export const ORG = 'org-fuzz';
export const ADMIN_TOKEN = 'fuzz-admin-token-0123456789abcdef';
export const SIGNING_SECRET = 'fuzz-signing-secret-0123456789';
export const QBO_VERIFIER = 'fuzz-qbo-verifier-token';
export const XERO_KEY = 'fuzz-xero-webhook-key';
export const XERO_TENANT = '3f2c1d0e-1a2b-4c3d-8e9f-001122334455';
/** Where QuickBooks' and Xero's APIs "are": nothing listens there. */
const NOWHERE = 'http://127.0.0.1:9';

export const people = {
  rep: { id: 'U0FZREP01', email: 'sam.rep@fuzz.example', name: 'Sam Rep', roles: ['sales_rep'] },
  collector: { id: 'U0FZCOL01', email: 'cole.lector@fuzz.example', name: 'Cole Lector', roles: ['collector'] },
  manager: { id: 'U0FZMAN01', email: 'max.manager@fuzz.example', name: 'Max Manager', roles: ['manager'] },
  approver: { id: 'U0FZAPP01', email: 'ada.approver@fuzz.example', name: 'Ada Approver', roles: ['approver'] },
  admin: { id: 'U0FZADM01', email: 'al.admin@fuzz.example', name: 'Al Admin', roles: ['admin'] },
} as const;
/** A Slack user Overdue does not know. */
export const STRANGER = 'U0FZSTRNG';

/** The suite's own seed: `npm test` and CI are repeatable (a fresh seed may find a new bug: run those by hand). */
const DEFAULT_SEED = 20261205;

/** The seed of a run: FUZZ_SEED when set (`random` for a fresh one), else DEFAULT_SEED; printed either way. */
export function fuzzSeed(): number {
  const env = process.env.FUZZ_SEED;
  if (env === undefined || env === '') return DEFAULT_SEED;
  if (env !== 'random') {
    const n = Number(env);
    if (!Number.isInteger(n)) throw new Error(`FUZZ_SEED must be an integer, not ${env}`);
    return n;
  }
  return randomBytes(4).readInt32LE(0);
}

/** Runs of each property: FUZZ_RUNS_SCALE (default 1) scales the suite's counts. */
export function runs(n: number): number {
  const scale = Number(process.env.FUZZ_RUNS_SCALE ?? '1');
  return Math.max(1, Math.round(n * (Number.isFinite(scale) && scale > 0 ? scale : 1)));
}

/** Statuses seen by one property, and a line for the log. */
export class Tally {
  readonly statuses = new Map<number, number>();
  requests = 0;
  constructor(readonly property: string, readonly seed: number) {}
  /** The first answer of each status (FUZZ_VERBOSE=1 prints them). */
  readonly samples = new Map<number, string>();
  see(status: number, text = ''): void {
    this.requests++;
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    if (!this.samples.has(status)) this.samples.set(status, text.slice(0, 200));
  }
  line(numRuns: number): string {
    const seen = [...this.statuses].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`).join(' ');
    const samples = process.env.FUZZ_VERBOSE ? [...this.samples].map(([st, t]) => `\n  first ${st}: ${t}`).join('') : '';
    return `fuzz ${this.property}: seed=${this.seed} runs=${numRuns} requests=${this.requests} statuses=${seen}${samples}`;
  }
}

/** fast-check's parameters for a property: the seed, the runs, no shrinking past a minute. */
export function params(seed: number, numRuns: number): fc.Parameters<unknown> {
  return { seed, numRuns, endOnFailure: false, interruptAfterTimeLimit: 240_000 };
}

export interface HttpResult {
  status: number;
  text: string;
}

export interface World {
  url: string;
  store: Store;
  services: Services;
  slack: SlackApp;
  /** The Slack sandbox behind the Slack app (what the app posted). */
  sandbox: SlackSandbox;
  customers: CustomerDoc[];
  /** Ids a button can carry: the seeded tasks' (a rep nudge, an approval). */
  taskIds: string[];
  /** A Slack request (interaction or command), signed with the signing secret at the current time. */
  slackPost(body: string, contentType?: string): Promise<HttpResult>;
  /** An admin API request with the admin token. */
  admin(method: string, path: string, body?: string, contentType?: string): Promise<HttpResult>;
  /** A webhook delivery signed like its provider. */
  webhook(provider: 'quickbooks' | 'xero', body: string): Promise<HttpResult>;
  /** Errors logged since the last call (message → count), e.g. a Slack listener that threw after its ack. */
  takeErrors(): Map<string, number>;
  /** The jobs that consume what requests stored, then the planner on every account: throws if any throws. */
  runJobs(): Promise<void>;
  stop(): Promise<void>;
}

async function httpCall(url: string, init: RequestInit): Promise<HttpResult> {
  const res = await fetch(url, init);
  return { status: res.status, text: await res.text() };
}

/** A rep nudge task from the plan of `customer`, stored as the dispatcher would. */
async function nudgeTask(store: Store, services: Services, customer: CustomerDoc, now: Date): Promise<string | null> {
  await plannerFor(services).plan(customer._id, now);
  const entries = await store.db.collection<OutboxEntryDoc>(collections.outbox).find({ customerId: customer._id }).toArray();
  for (const entry of entries) {
    const parsed = parsePayload(entry.payload);
    if (!parsed.ok || parsed.payload.action.kind !== 'slackNudge') continue;
    const org = await store.organisations.get(customer.orgId);
    await new TaskChannel(store.db).send({ entry, action: parsed.payload.action, accountName: customer.displayName, customer, org, invoices: [], now, previousContacts: 0 });
    return entry._id;
  }
  return null;
}

async function approvalTask(store: Store, customer: CustomerDoc, now: Date): Promise<string> {
  const id = `${customer._id}:agency-referral:1`;
  const task: TaskDoc = {
    _id: id, orgId: customer.orgId, customerId: customer._id, accountName: customer.displayName, kind: 'approval',
    assignee: { role: 'approver', id: null, name: null }, title: 'agency referral: approval requested', invoiceIds: [], dueAt: now, status: 'open',
    action: {
      kind: 'agencyReferral', approval: 'approver', key: id, levelId: 'agency-referral', levelName: 'agency referral', actionId: 'approval',
      invoiceIds: [], at: now.getTime(), customerFacing: false, amounts: { USD: 1_490_000 },
    },
    createdAt: now,
  };
  await store.db.collection<TaskDoc>(collections.tasks).insertOne(task);
  return id;
}

export async function startWorld(label: string): Promise<World> {
  const database = await openTestDatabase(label);
  await ensureIndexes(database.db);
  const store = createStore(database.db);
  const sandbox = new SlackSandbox({ botToken: 'xoxb-fuzz-token', users: Object.values(people).map((p) => ({ id: p.id, email: p.email, name: p.name })) });
  await sandbox.start();
  const config = loadConfig({
    ADMIN_API_TOKEN: ADMIN_TOKEN,
    TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: 'xoxb-fuzz-token',
    SLACK_API_URL: sandbox.apiUrl,
    QBO_CLIENT_ID: 'fuzz-qbo-client',
    QBO_CLIENT_SECRET: 'fuzz-qbo-secret',
    QBO_WEBHOOK_VERIFIER_TOKEN: QBO_VERIFIER,
    QBO_ENVIRONMENT: 'sandbox',
    QBO_API_BASE_URL: NOWHERE,
    QBO_OAUTH_TOKEN_URL: `${NOWHERE}/token`,
    XERO_CLIENT_ID: 'fuzz-xero-client',
    XERO_CLIENT_SECRET: 'fuzz-xero-secret',
    XERO_WEBHOOK_KEY: XERO_KEY,
    XERO_API_BASE_URL: NOWHERE,
    XERO_IDENTITY_URL: NOWHERE,
    XERO_CONNECTIONS_URL: `${NOWHERE}/connections`,
  });
  // Errors are kept (not printed): a listener's throw after its ack shows only here.
  const logged: { msg?: string; err?: { message?: string; type?: string } }[] = [];
  const logger = createLogger('error', { write: (line: string) => void logged.push(JSON.parse(line) as (typeof logged)[number]) });
  const connectors = buildConnectors(config, store, logger);
  const services = buildServices(config, store, logger, connectors, { worker: 'fuzz-worker' });
  const web = await buildWebApp(config, services, connectors);
  if (!web.slack) throw new Error('the fuzz world has no Slack app');
  const { server, url } = await listenLoopback(web.app);

  const now = new Date();
  const day = (n: number) => new Date(now.getTime() - n * 86_400_000).toISOString().slice(0, 10);
  await seedOrg(store, ORG, now);
  await liveConnection(store, ORG, now);
  await store.connections.upsert({ orgId: ORG, provider: 'xero', companyId: XERO_TENANT, companyName: 'Fuzz Xero company' }, now);
  const customers: CustomerDoc[] = [];
  for (const [i, name] of ['Acme Industrial', 'Globex Ünïcødé Ltd', 'Initech'].entries()) {
    const c = customerDoc(ORG, `fz${i}`, name, standardContacts(`c${i}.example`), now);
    await saveCustomer(store, c, [invoiceDoc(c, `fz${i}-1`, `INV-${100 + i}`, day(16 + i), 1_240_000 + i, now), invoiceDoc(c, `fz${i}-2`, `INV-${200 + i}`, day(40), 250_000, now)]);
    customers.push(c);
  }
  for (const p of Object.values(people)) await web.slack.services.people.upsert({ orgId: ORG, email: p.email, name: p.name, slackUserId: p.id, roles: [...p.roles] }, now);
  const taskIds: string[] = [];
  const [first, second] = customers;
  if (!first || !second) throw new Error('no customers');
  const nudge = await nudgeTask(store, services, first, now);
  if (nudge) taskIds.push(nudge);
  taskIds.push(await approvalTask(store, second, now));

  const base = url.replace(/\/$/, '');
  return {
    url: base,
    store,
    services,
    slack: web.slack,
    sandbox,
    customers,
    taskIds,
    slackPost(body, contentType = 'application/x-www-form-urlencoded') {
      const ts = Math.floor(Date.now() / 1000);
      return httpCall(`${base}/slack/events`, {
        method: 'POST',
        headers: { 'content-type': contentType, 'x-slack-request-timestamp': String(ts), 'x-slack-signature': slackSignature(SIGNING_SECRET, ts, body) },
        body,
      });
    },
    admin(method, path, body, contentType = 'application/json') {
      return httpCall(`${base}/api${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body !== undefined ? { 'content-type': contentType } : {}) },
        ...(body !== undefined ? { body } : {}),
      });
    },
    webhook(provider, body) {
      const signature = createHmac('sha256', provider === 'quickbooks' ? QBO_VERIFIER : XERO_KEY).update(body).digest('base64');
      return httpCall(`${base}/webhooks/${provider}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [provider === 'quickbooks' ? 'intuit-signature' : 'x-xero-signature']: signature },
        body,
      });
    },
    takeErrors() {
      const out = new Map<string, number>();
      for (const e of logged.splice(0)) {
        const key = `${e.msg ?? ''}: ${e.err?.type ?? ''} ${(e.err?.message ?? '').replace(/\s+/g, ' ').slice(0, 160)}`;
        out.set(key, (out.get(key) ?? 0) + 1);
      }
      return out;
    },
    async runJobs() {
      const job = undefined as never;
      await processWebhooks.run({}, services, job);
      await planRequested.run({ limit: 5_000 }, services, job);
      await planAccounts.run({ customerIds: customers.map((c) => c._id) }, services, job);
      await slackDeliver.run({ limit: 500, repWindowHours: 48 }, services, job);
      const planner = plannerFor(services);
      for (const c of customers) await planner.plan(c._id, new Date());
    },
    async stop() {
      await closeServer(server as Server);
      await sandbox.stop();
      await database.drop();
    },
  };
}

// ---- generators shared by the properties ----

/** Strings a person or a sender might type: empty, blank, unicode, control characters, huge, injection-shaped. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '', ' ', '\u0000', '\n\n', '=1+1', '＝HYPERLINK("x")', '$where', '{"$gt":""}', '../../etc/passwd', '__proto__', 'constructor',
      '<script>alert(1)</script>', '%00', '\u202e', '🙂'.repeat(50), 'NaN', 'Infinity', '-0', '1e309',
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom('x'.repeat(100_000), 'word '.repeat(20_000), 'é'.repeat(5_000)) },
);

/** Dates as strings: real, impossible, edges, malformed. */
export const nastyDate: fc.Arbitrary<string> = fc.oneof(
  fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2100-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  fc.constantFrom('0000-01-01', '0001-01-01', '9999-12-31', '2999-02-31', '2025-02-29', '2024-02-29', '2025-13-01', '2025-00-10', '2025-04-31', '1970-01-01', '275760-09-13', '2025-1-1', '20250101', 'tomorrow', ''),
  fc.tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 })).map(([y, m, d]) => `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`),
);

/** Amounts as a person types them: huge, negative, zero, fractional, localised, not numbers. */
export const nastyAmount: fc.Arbitrary<string> = fc.oneof(
  fc.double({ noNaN: false }).map(String),
  fc.integer().map(String),
  fc.constantFrom('0', '-1', '-0.01', '0.001', '1,000.00', '1.000,00', '1e308', '9'.repeat(400), '0x10', ' 12 ', '12.5.5', '', '∞', '١٢٣'),
);

/** Anything JSON can hold, for fields of the wrong type. */
export const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1e308, [], {}, [null], { $gt: '' }),
  fc.jsonValue({ maxDepth: 2 }),
);

/** A field's value: usually of the right kind (`weight` to 1), sometimes missing, sometimes of the wrong type. */
export function field<T>(good: fc.Arbitrary<T>, weight = 6): fc.Arbitrary<T | unknown> {
  return fc.oneof({ weight, arbitrary: good }, { weight: 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: wrongType });
}

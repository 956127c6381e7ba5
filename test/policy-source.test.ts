// An organisation's own stored policy is the one it is planned, previewed and
// explained by — in the worker and the web role alike, both built by the
// composition root (app/services.ts) — while an organisation without one runs
// the default ladder. Here "its own" moves reminder 1 from day 1 to day 4 past
// due, renames it "friendly reminder", and sends from 06:00 to 20:00.
import type { Agenda } from 'agenda';
import request from 'supertest';
import { policiesRouter } from '../app/http/policies.js';
import { buildWebApp } from '../app/http/web.js';
import { buildServices, type Services } from '../app/services.js';
import { createAgenda } from '../jobs/agenda.js';
import { dispatchOutbox } from '../jobs/dispatch.js';
import { planAccounts } from '../jobs/plan.js';
import { answerCommand } from '../slack/services/command.js';
import type { SlackApp } from '../slack/app.js';
import { previewCompany } from '../src/cli/preview-load.js';
import { loadConfig } from '../src/config.js';
import { createApp } from '../src/http/app.js';
import { DEFAULT_POLICY_INPUT } from '../src/engine/index.js';
import { createLogger } from '../src/logger.js';
import { createSmtpTransport } from '../src/outbox/index.js';
import { storedPolicySource } from '../src/planning/policy-source.js';
import { accountStates } from '../src/planning/state.js';
import { recordId } from '../src/store/records.js';
import { createStore, ensureIndexes, type Store } from '../src/store/store.js';
import type { CustomerDoc } from '../src/store/types.js';
import { COMPANY, customerDoc, invoiceDoc, liveConnection, saveCustomer, seedOrg, standardContacts } from './helpers/accounts.js';
import { openTestDatabase } from './helpers/db.js';
import { startSmtpSink } from './helpers/smtp-sink.js';
import { SlackSandbox } from './sandbox/slack/server.js';

const OWN = 'org-own';
const PLAIN = 'org-plain';
const OTHER_COMPANY = '2222222222';
// Tuesday 4 March 2025, 10:00 in Chicago; the invoices fell due the day before.
const T0 = new Date('2025-03-04T16:00:00Z');
// A collector in each organisation (a Slack user belongs to one).
const collectors = {
  [OWN]: { id: 'U0COLPOL1', email: 'cole.lector@northwind.example', name: 'Cole Lector' },
  [PLAIN]: { id: 'U0COLPOL2', email: 'pat.lain@plain.example', name: 'Pat Lain' },
};

const ownPolicy = {
  ...DEFAULT_POLICY_INPUT,
  name: 'Northwind patient ladder',
  calendar: { ...DEFAULT_POLICY_INPUT.calendar, sendingHours: { start: '06:00', end: '20:00' } },
  levels: DEFAULT_POLICY_INPUT.levels.map((l) => (l.id === 'reminder-1' ? { ...l, name: 'friendly reminder', trigger: { kind: 'daysPastDue' as const, days: 4 } } : l)),
};

let database: Awaited<ReturnType<typeof openTestDatabase>>;
let store: Store;
let sandbox: SlackSandbox;
let agenda: Agenda;
let worker: Services;
let web: Services;
let slack: SlackApp;
let own: CustomerDoc;
let plain: CustomerDoc;

/** A customer of another company (the helpers' customers are all of COMPANY). */
function otherCompanyCustomer(orgId: string, externalId: string, name: string): CustomerDoc {
  const key = { provider: 'quickbooks' as const, companyId: OTHER_COMPANY, externalId };
  return customerDoc(orgId, externalId, name, standardContacts('plain.example'), T0, { ...key, _id: recordId(key), connectionId: `quickbooks:${OTHER_COMPANY}` });
}

beforeAll(async () => {
  database = await openTestDatabase('policysource');
  await ensureIndexes(database.db);
  store = createStore(database.db);
  for (const org of [OWN, PLAIN]) await seedOrg(store, org, T0);
  await liveConnection(store, OWN, T0);
  await liveConnection(store, PLAIN, T0, OTHER_COMPANY);
  own = customerDoc(OWN, 'own1', 'Own Ladder Co', standardContacts('own.example'), T0);
  await saveCustomer(store, own, [invoiceDoc(own, 'own1-1', 'INV-8001', '2025-03-03', 120_000, T0)]);
  plain = otherCompanyCustomer(PLAIN, 'plain1', 'Plain Ladder Co');
  const plainKey = { provider: 'quickbooks' as const, companyId: OTHER_COMPANY, externalId: 'plain1-1' };
  await saveCustomer(store, plain, [invoiceDoc(plain, 'plain1-1', 'INV-9001', '2025-03-03', 120_000, T0, { ...plainKey, _id: recordId(plainKey) })]);
  expect((await store.policies.save(OWN, ownPolicy, T0)).version).toBe(1);

  sandbox = new SlackSandbox({ botToken: 'xoxb-policy-test', users: Object.values(collectors) });
  await sandbox.start();
  const config = loadConfig({ SLACK_SIGNING_SECRET: 'policy-signing-secret-0123456789', SLACK_BOT_TOKEN: 'xoxb-policy-test', SLACK_API_URL: sandbox.apiUrl });
  const logger = createLogger('silent');
  // The two roles as the composition root builds them (app/service.ts): the worker with its Agenda, the web role without.
  agenda = createAgenda(database.db, { name: 'policy-worker', processEveryMs: 60_000, maxConcurrency: 1 });
  worker = buildServices(config, store, logger, {}, { agenda, worker: 'policy-worker', now: () => T0 });
  web = buildServices(config, store, logger, {}, { worker: 'policy-web', now: () => T0 });
  const webApp = await buildWebApp(config, web, {});
  if (!webApp.slack) throw new Error('the web role has no Slack app');
  slack = webApp.slack;
  for (const org of [OWN, PLAIN] as const) {
    const c = collectors[org];
    await slack.services.people.upsert({ orgId: org, email: c.email, name: c.name, slackUserId: c.id, roles: ['collector'] }, T0);
  }
});
afterAll(async () => {
  await agenda.stop().catch(() => {});
  await sandbox.stop();
  await database.drop();
});

it('the web and worker roles read the same policy: the stored version for one organisation, the default ladder for the other', async () => {
  for (const services of [worker, web]) {
    expect(await services.policies.forOrg(OWN)).toMatchObject({ version: 1, name: 'Northwind patient ladder (v1)', policy: { name: 'Northwind patient ladder' } });
    expect(await services.policies.forOrg(PLAIN)).toMatchObject({ version: null, name: 'default ladder', policy: { name: 'Overdue default ladder' } });
  }
  expect(await web.policies.forOrg(OWN)).toEqual(await worker.policies.forOrg(OWN));
  // The Slack app of the web role holds the web role's policy source, not one of its own.
  expect(slack.services.policies).toBe(web.policies);
});

it("plans each account by its organisation's policy (the worker's plan job)", async () => {
  await planAccounts.run({ customerIds: [own._id, plain._id] }, worker, undefined as never);
  const states = accountStates(store.db);
  expect((await states.get(plain._id))?.levelId).toBe('reminder-1');
  // Its reminder 1 is three days away: the account is not at that level yet.
  expect((await states.get(own._id))?.levelId).not.toBe('reminder-1');
  const keys = async (c: CustomerDoc) => (await store.outbox.listByCustomer(c._id)).map((e) => e._id);
  expect((await keys(plain)).some((k) => k.includes('reminder-1'))).toBe(true);
  expect((await keys(own)).some((k) => k.includes('reminder-1'))).toBe(false);
  // Four days past due (Friday), the organisation's own reminder 1 is due.
  const friday = { ...worker, now: () => new Date('2025-03-07T16:00:00Z') };
  await planAccounts.run({ customerIds: [own._id] }, friday, undefined as never);
  expect((await states.get(own._id))?.levelId).toBe('reminder-1');
  expect((await keys(own)).some((k) => k.includes('reminder-1'))).toBe(true);
});

it("previews each company by its organisation's policy (the preview CLI's load and preview)", async () => {
  const ownPreview = await previewCompany(store, storedPolicySource(store.policies), COMPANY, T0, 10);
  const plainPreview = await previewCompany(store, worker.policies, OTHER_COMPANY, T0, 10);
  expect(ownPreview.policy).toBe('Northwind patient ladder (v1)');
  expect(plainPreview.policy).toBe('default ladder');
  const firstReminder = (p: typeof ownPreview) => p.rows.find((r) => r.action.includes("'reminder-1'"));
  expect(firstReminder(ownPreview)).toMatchObject({ date: '2025-03-07', level: 'friendly reminder', account: 'Own Ladder Co' });
  expect(firstReminder(plainPreview)).toMatchObject({ date: '2025-03-04', level: 'reminder 1', account: 'Plain Ladder Co' });
});

it("explains each account by its organisation's policy (/overdue through the web role's Slack app)", async () => {
  const ask = (org: typeof OWN | typeof PLAIN, text: string) => answerCommand(slack.services, { userId: collectors[org].id, channelId: 'C0POLICY1', text });
  const ownAnswer = JSON.stringify(await ask(OWN, 'Own Ladder Co'));
  const plainAnswer = JSON.stringify(await ask(PLAIN, 'Plain Ladder Co'));
  expect(ownAnswer).toContain('Own Ladder Co');
  expect(ownAnswer).toContain('friendly reminder');
  expect(plainAnswer).not.toContain('friendly reminder');
  expect(plainAnswer).toContain('reminder 1');
});

it("sends within each organisation's own sending hours (the worker's dispatch job)", async () => {
  // Friday 19:00 in Chicago: inside the organisation's 06:00–20:00, outside the default ladder's 09:00–17:00.
  const sink = await startSmtpSink();
  const transport = createSmtpTransport(sink.url, { timeoutMs: 5_000 });
  try {
    const evening = { ...worker, now: () => new Date('2025-03-08T01:00:00Z'), outbox: { email: { transport, from: 'Northwind <ar@northwind.example>', sendEnabled: true } } };
    await dispatchOutbox.run({ maxEntries: 100, concurrency: 1 }, evening, undefined as never);
    expect(sink.messages.map((m) => m.to).flat()).toEqual(['bea@own.example']);
    const plainReminder = (await store.outbox.listByCustomer(plain._id)).find((e) => e._id.includes('reminder-1'));
    expect(plainReminder?.state).toBe('pending');
    expect(plainReminder?.nextAttemptAt.getTime()).toBeGreaterThan(new Date('2025-03-08T01:00:00Z').getTime());
  } finally {
    transport.close();
    await sink.close();
  }
});

describe('the policies collection', () => {
  it('appends versions (ids <org>:v<n>), never overwrites, and refuses an invalid policy without saving it', async () => {
    const at = new Date('2025-03-05T00:00:00Z');
    const saved = await Promise.all([1, 2, 3].map(() => store.policies.save('org-versions', ownPolicy, at)));
    expect(saved.map((s) => s.version).sort()).toEqual([1, 2, 3]);
    expect((await store.policies.list('org-versions')).map((v) => v._id)).toEqual(['org-versions:v1', 'org-versions:v2', 'org-versions:v3']);
    await expect(store.policies.save('org-versions', { ...ownPolicy, levels: [] }, at)).rejects.toMatchObject({ code: 'unprocessable' });
    expect((await store.policies.current('org-versions'))?.version).toBe(3);
    expect(await store.policies.current('org-none')).toBeNull();
  });

  it('is written through the admin API: 422 with every problem for an invalid policy, 201 with the new version, GET answers the current one', async () => {
    const token = 'policy-admin-token-0123456789abcdef';
    const auth = { authorization: `Bearer ${token}` };
    const api = createApp({ db: store.db, logger: createLogger('silent'), adminApiToken: token, bodyLimit: '1mb', adminRouters: [policiesRouter({ store, now: () => T0 })] });
    expect((await request(api).get(`/api/orgs/${PLAIN}/policy`).set(auth)).body).toMatchObject({ version: null, name: 'default ladder', versions: [] });
    const bad = await request(api).put(`/api/orgs/${PLAIN}/policy`).set(auth).send({ ...ownPolicy, levels: [] });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details).toEqual(expect.arrayContaining([expect.stringMatching(/^levels/)]));
    expect(await store.policies.list(PLAIN)).toEqual([]);
    expect((await request(api).put('/api/orgs/nope/policy').set(auth).send(ownPolicy)).status).toBe(404);
    expect((await request(api).put(`/api/orgs/${PLAIN}/policy`).send(ownPolicy)).status).toBe(401);
    const saved = await request(api).put(`/api/orgs/${PLAIN}/policy`).set(auth).send(ownPolicy);
    expect(saved.status).toBe(201);
    expect(saved.body).toMatchObject({ orgId: PLAIN, version: 1, name: 'Northwind patient ladder', replan: 'requested' });
    expect((await request(api).get(`/api/orgs/${PLAIN}/policy`).set(auth)).body).toMatchObject({ version: 1, name: 'Northwind patient ladder', versions: [{ version: 1 }] });
    expect((await storedPolicySource(store.policies).forOrg(PLAIN)).version).toBe(1);
  });
});

// The organisation's own ladder, versioned, through the admin API: a policy is
// saved as JSON or YAML (a YAML mistake is a 422 with its line and column), each
// version keeps its author, time and diff; a candidate is previewed against
// today's accounts before it is saved; saving asks the worker to re-plan the
// organisation, whose pass cancels the pending entries the new version no
// longer calls for (audited, naming the version); a rollback is a new version;
// a customer can be put on a version of its own (a custom ladder).
//
// The accounts (Tuesday 4 March 2025, 10:00 in Chicago): Acme's invoice fell due
// yesterday (reminder 1 today under the default ladder), Bolt's three weeks ago,
// Calm's on 20 March (a courtesy email on 17 March). Version 2 moves reminder 1
// from day 1 to day 4 past due: only Acme's next step moves, to Friday 7 March.
import request from 'supertest';
import { stringify } from 'yaml';
import { policiesRouter } from '../app/http/policies.js';
import { orgAuditAccount } from '../app/http/outbound.js';
import { planRequested } from '../jobs/plan.js';
import { previewCompany } from '../src/cli/preview-load.js';
import { DEFAULT_POLICY_INPUT } from '../src/engine/index.js';
import { createApp } from '../src/http/app.js';
import { createLogger } from '../src/logger.js';
import { Planner } from '../src/planning/plan.js';
import { storedPolicySource } from '../src/planning/policy-source.js';
import { ReplanRequests } from '../src/planning/requests.js';
import { accountStates } from '../src/planning/state.js';
import { collections, createStore, ensureIndexes, type Store } from '../src/store/store.js';
import type { AuditEntryDoc, CustomerDoc } from '../src/store/types.js';
import { COMPANY, customerDoc, invoiceDoc, saveCustomer, seedOrg, standardContacts } from './helpers/accounts.js';
import { openTestDatabase } from './helpers/db.js';
import { testServices } from './helpers/services.js';

const ORG = 'org-ladder';
const T0 = new Date('2025-03-04T16:00:00Z');
const TOKEN = 'policy-versions-token-0123456789abcdef';
const auth = { authorization: `Bearer ${TOKEN}` };
const ANN = 'ann.admin@northwind.example';

const v1 = { ...DEFAULT_POLICY_INPUT, name: 'Northwind ladder' };
const withReminderOnDay = (days: number) => ({
  ...v1,
  levels: DEFAULT_POLICY_INPUT.levels.map((l) => (l.id === 'reminder-1' ? { ...l, trigger: { kind: 'daysPastDue' as const, days } } : l)),
});

let database: Awaited<ReturnType<typeof openTestDatabase>>;
let store: Store;
let api: ReturnType<typeof createApp>;
let acme: CustomerDoc;
let bolt: CustomerDoc;
let calm: CustomerDoc;

/** The worker's plan-requested job, run once at T0 with a policy source that caches (as in production). */
const worker = () => testServices(store, { now: () => T0, policies: workerPolicies });
let workerPolicies: ReturnType<typeof storedPolicySource>;

async function auditOf(accountId: string, action: string): Promise<AuditEntryDoc[]> {
  return store.db.collection<AuditEntryDoc>(collections.audit).find({ accountId, action }).sort({ seq: 1 }).toArray();
}

beforeAll(async () => {
  database = await openTestDatabase('policyversions');
  await ensureIndexes(database.db);
  store = createStore(database.db);
  await seedOrg(store, ORG, T0);
  await store.connections.upsert({ orgId: ORG, provider: 'quickbooks', companyId: COMPANY, companyName: 'Northwind test company' }, T0);
  acme = customerDoc(ORG, 'a1', 'Acme Tools', standardContacts('acme.example'), T0);
  bolt = customerDoc(ORG, 'b1', 'Bolt Hardware', standardContacts('bolt.example'), T0);
  calm = customerDoc(ORG, 'c1', 'Calm Goods', standardContacts('calm.example'), T0);
  await saveCustomer(store, acme, [invoiceDoc(acme, 'a1-1', 'INV-101', '2025-03-03', 120_000, T0)]);
  await saveCustomer(store, bolt, [invoiceDoc(bolt, 'b1-1', 'INV-201', '2025-02-11', 80_000, T0)]);
  await saveCustomer(store, calm, [invoiceDoc(calm, 'c1-1', 'INV-301', '2025-03-20', 50_000, T0)]);
  // Another helper's override lives beside the custom ladder in the same document: it must survive.
  await store.db.collection(collections.accountStates).insertOne({ _id: acme._id as never, orgId: ORG, disputes: [], promises: [], paymentPlans: [], snoozes: [], overrides: { strategic: true }, updatedAt: T0 });
  // The worker's source keeps answers 5 s on a clock that does not move: only a forget() (or a new process) reads anew.
  workerPolicies = storedPolicySource(store.policies, { cacheMs: 5_000, nowMs: () => T0.getTime() });
  api = createApp({
    db: store.db, logger: createLogger('silent'), adminApiToken: TOKEN, bodyLimit: '1mb',
    adminRouters: [policiesRouter({ store, now: () => T0, policies: storedPolicySource(store.policies, { cacheMs: 5_000, nowMs: () => T0.getTime() }) })],
  });
});
afterAll(() => database.drop());

describe('saving versions', () => {
  it('refuses YAML with a syntax error as 422 naming the line and column, and an invalid policy with every problem; nothing is saved', async () => {
    const broken = await request(api).put(`/api/orgs/${ORG}/policy`).set(auth).set('content-type', 'application/yaml').send('version: 1\nname: [unclosed\nlevels: x\n');
    expect(broken.status).toBe(422);
    expect(broken.body.error.message).toBe('the body is not valid YAML');
    expect(broken.body.error.details).toEqual(expect.arrayContaining([expect.stringMatching(/^line \d+, column \d+: /)]));
    const invalid = await request(api)
      .put(`/api/orgs/${ORG}/policy`).set(auth).set('content-type', 'text/yaml')
      .send(stringify({ ...v1, calendar: { ...v1.calendar, sendingHours: { start: '18:00', end: '09:00' } }, levels: [] }));
    expect(invalid.status).toBe(422);
    expect(invalid.body.error.details).toEqual(expect.arrayContaining([expect.stringMatching(/^levels: /)]));
    const empty = await request(api).put(`/api/orgs/${ORG}/policy`).set(auth).set('content-type', 'application/yaml').send('');
    expect(empty.status).toBe(422);
    expect((await request(api).get(`/api/orgs/${ORG}/policy`).set(auth)).body).toMatchObject({ version: null, versions: [] });
  });

  it('answers every malformed or hostile YAML body with a 4xx, never a 5xx, and saves nothing', async () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`)].join('\n');
    const bodies = [
      bomb, 'name: a\nname: b\n', '\tversion: 1', '[1, 2', '- just\n- a list', '"just a string"', '42', '~', '!!js/function "function () {}"',
      `version: 1\nname: "nul \\0 here"`, '{'.repeat(5_000), 'version: 1\nlevels: !!binary aGVsbG8=', '\u0000', 'a: *undefined_alias',
    ];
    for (const body of bodies) {
      for (const path of ['policy', 'policy/preview']) {
        const res = await request(api)[path === 'policy' ? 'put' : 'post'](`/api/orgs/${ORG}/${path}`).set(auth).set('content-type', 'application/yaml').send(body);
        expect({ body: body.slice(0, 40), status: res.status < 500 && res.status >= 400 }).toEqual({ body: body.slice(0, 40), status: true });
        expect(res.body.error?.code).toMatch(/^(unprocessable|bad_request|payload_too_large)$/);
      }
    }
    expect(await store.policies.list(ORG)).toEqual([]);
  });

  it('saves a YAML policy as version 1 with its author and its diff against the default ladder, audited, and asks for a re-plan', async () => {
    const res = await request(api).put(`/api/orgs/${ORG}/policy`).set(auth).set('x-overdue-actor', ANN).set('content-type', 'application/yaml').send(stringify(v1));
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ orgId: ORG, version: 1, name: 'Northwind ladder', createdAt: T0.toISOString(), createdBy: ANN, changes: ['name: Overdue default ladder → Northwind ladder'], replan: 'requested' });
    const [audit] = await auditOf(orgAuditAccount(ORG), 'policy.saved');
    expect(audit).toMatchObject({ actor: { kind: 'person', id: ANN }, channel: 'api', outcome: "saved policy version 1 'Northwind ladder': name: Overdue default ladder → Northwind ladder" });
    expect(await new ReplanRequests(store.db).organisationPending(ORG)).toBe(true);
  });

  it('plans the organisation by version 1 when the worker takes the request: reminder 1 for Acme today', async () => {
    await planRequested.run({ limit: 500 }, worker(), undefined as never);
    expect(await new ReplanRequests(store.db).organisationPending(ORG)).toBe(false);
    expect((await workerPolicies.forOrg(ORG)).version).toBe(1);
    const acmeEntries = await store.outbox.listByCustomer(acme._id);
    expect(acmeEntries.find((e) => e._id.includes('reminder-1'))?.state).toBe('pending');
  });
});

describe('previewing a candidate before saving it', () => {
  it("names the accounts whose next step or its date moves, from → to, and saves nothing", async () => {
    const res = await request(api).post(`/api/orgs/${ORG}/policy/preview`).set(auth).send(withReminderOnDay(4));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ orgId: ORG, current: { version: 1, name: 'Northwind ladder (v1)' }, candidate: { name: 'Northwind ladder' }, compared: 3, changed: 1, customLadder: 0, truncated: false });
    expect(res.body.accounts).toEqual([
      {
        accountId: acme._id,
        name: 'Acme Tools',
        from: { step: expect.stringMatching(/^reminder 1: first reminder email goes to Bea Billing/), levelId: 'reminder-1', date: '2025-03-04' },
        to: { step: expect.stringMatching(/^reminder 1: first reminder email goes to Bea Billing/), levelId: 'reminder-1', date: '2025-03-07' },
      },
    ]);
    expect((await store.policies.list(ORG)).length).toBe(1);
  });

  it('takes YAML too, and answers 422 for an invalid candidate and 404 for an unknown organisation', async () => {
    const yaml = await request(api).post(`/api/orgs/${ORG}/policy/preview`).set(auth).set('content-type', 'application/yaml').send(stringify(withReminderOnDay(4)));
    expect(yaml.body).toMatchObject({ changed: 1, accounts: [{ accountId: acme._id }] });
    const bad = await request(api).post(`/api/orgs/${ORG}/policy/preview`).set(auth).send({ ...v1, version: 2 });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details).toEqual([expect.stringMatching(/^version: /)]);
    expect((await request(api).post('/api/orgs/nope/policy/preview').set(auth).send(v1)).status).toBe(404);
  });
});

describe('a new version reaches the next plan', () => {
  it('saves version 2 (JSON) with the changed path from → to; the worker re-plans and cancels the entry version 2 no longer calls for, naming the version', async () => {
    // The worker has version 1 in its cache (5 s, on a clock that does not move).
    expect((await workerPolicies.forOrg(ORG)).version).toBe(1);
    const res = await request(api).put(`/api/orgs/${ORG}/policy`).set(auth).set('x-overdue-actor', ANN).send(withReminderOnDay(4));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ version: 2, createdBy: ANN, changes: ['levels[1].trigger.days: 1 → 4'] });

    await planRequested.run({ limit: 500 }, worker(), undefined as never);
    expect((await workerPolicies.forOrg(ORG)).version).toBe(2);
    const reminder = (await store.outbox.listByCustomer(acme._id)).find((e) => e._id.includes('reminder-1'));
    expect(reminder?.state).toBe('cancelled');
    const cancelled = (await auditOf(acme._id, 'outbox.cancelled')).find((a) => a.details?.['key'] === reminder?._id);
    expect(cancelled?.outcome).toMatch(/\(policy v2\)$/);
    expect(cancelled?.details).toMatchObject({ policy: 'Northwind ladder (v2)', policyVersion: 2 });
  });

  it('lists the versions with author, time and changes, and answers one version whole', async () => {
    const list = await request(api).get(`/api/orgs/${ORG}/policy`).set(auth);
    expect(list.body).toMatchObject({ orgId: ORG, version: 2, name: 'Northwind ladder' });
    expect(list.body.versions).toEqual([
      { version: 1, name: 'Northwind ladder', createdAt: T0.toISOString(), createdBy: ANN, changes: ['name: Overdue default ladder → Northwind ladder'] },
      { version: 2, name: 'Northwind ladder', createdAt: T0.toISOString(), createdBy: ANN, changes: ['levels[1].trigger.days: 1 → 4'] },
    ]);
    const one = await request(api).get(`/api/orgs/${ORG}/policy/versions/2`).set(auth);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ orgId: ORG, version: 2, valid: true, diff: [{ path: 'levels[1].trigger.days', from: '1', to: '4' }] });
    expect(one.body.policy.levels[1].trigger).toEqual({ kind: 'daysPastDue', days: 4 });
    for (const n of ['9', 'abc', '0']) expect((await request(api).get(`/api/orgs/${ORG}/policy/versions/${n}`).set(auth)).status).toBe(404);
  });

  it('picks a version up within the cache time in a process that was not told (another web or worker process)', async () => {
    let clock = T0.getTime();
    const other = storedPolicySource(store.policies, { cacheMs: 5_000, nowMs: () => clock });
    expect((await other.forOrg(ORG)).version).toBe(2);
    await store.policies.save(ORG, withReminderOnDay(5), T0);
    expect((await other.forOrg(ORG)).version).toBe(2);
    clock += 5_000;
    expect((await other.forOrg(ORG)).version).toBe(3);
    // Back to version 2's content for what follows (rollback is tested through the API below).
    await request(api).post(`/api/orgs/${ORG}/policy/rollback`).set(auth).send({ version: 2 });
  });
});

describe('rollback', () => {
  it('saves a new version whose content is the earlier one, with its diff, audited; history stays append-only', async () => {
    const res = await request(api).post(`/api/orgs/${ORG}/policy/rollback`).set(auth).set('x-overdue-actor', ANN).send({ version: 1 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ version: 5, rollbackOf: 1, createdBy: ANN, changes: ['levels[1].trigger.days: 4 → 1'], replan: 'requested' });
    expect((await store.policies.list(ORG)).map((v) => v.version)).toEqual([1, 2, 3, 4, 5]);
    expect((await store.policies.current(ORG))?.policy.levels[1]?.trigger).toEqual({ kind: 'daysPastDue', days: 1 });
    const audit = await auditOf(orgAuditAccount(ORG), 'policy.rolledBack');
    expect(audit.at(-1)).toMatchObject({ actor: { id: ANN }, outcome: "rolled back to v1 as policy version 5 'Northwind ladder': levels[1].trigger.days: 4 → 1", details: { version: 5, rollbackOf: 1 } });
    expect((await request(api).get(`/api/orgs/${ORG}/policy`).set(auth)).body.versions.at(-1)).toMatchObject({ version: 5, rollbackOf: 1 });
  });

  it('answers 404 for an unknown version and 422 for a body that is not { version: n }', async () => {
    expect((await request(api).post(`/api/orgs/${ORG}/policy/rollback`).set(auth).send({ version: 99 })).status).toBe(404);
    const bad = await request(api).post(`/api/orgs/${ORG}/policy/rollback`).set(auth).send({ version: 'one', extra: 1 });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details.length).toBe(2);
    expect((await store.policies.list(ORG)).length).toBe(5);
  });
});

describe("a customer's custom ladder", () => {
  it('puts one customer on version 2 (its own $set: other overrides stay), audited on its trail; planning, the preview CLI and the policy preview use it', async () => {
    const res = await request(api).put(`/api/accounts/${acme._id}/policy-version`).set(auth).set('x-overdue-actor', ANN).send({ version: 2 });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ accountId: acme._id, orgId: ORG, policyVersion: 2, name: 'Northwind ladder' });
    const state = await accountStates(store.db).get(acme._id);
    expect(state?.overrides).toEqual({ strategic: true, policyVersion: 2 });
    expect((await auditOf(acme._id, 'account.policyVersion')).at(-1)).toMatchObject({ actor: { id: ANN }, outcome: "custom ladder: policy version 2 'Northwind ladder'", details: { policyVersion: { from: null, to: 2 } } });

    // The organisation runs version 5 (reminder 1 on day 1); Acme runs version 2 (day 4).
    const planner = new Planner(store, { worker: 'test', policies: storedPolicySource(store.policies, { cacheMs: 0 }) });
    const loaded = await planner.load(acme._id);
    if (!loaded) throw new Error('Acme not found');
    expect(await planner.accountPolicy(loaded)).toMatchObject({ version: 2, custom: true });
    const planned = await planner.plan(acme._id, T0);
    expect(planned.decision?.actions.some((a) => a.levelId === 'reminder-1')).toBe(false);
    const bolts = await planner.plan(bolt._id, T0);
    expect(bolts.found).toBe(true);

    const cli = await previewCompany(store, storedPolicySource(store.policies, { cacheMs: 0 }), COMPANY, T0, 10);
    expect(cli.rows.find((r) => r.accountId === acme._id && r.level === 'reminder 1')?.date).toBe('2025-03-07');

    const impact = await request(api).post(`/api/orgs/${ORG}/policy/preview`).set(auth).send(withReminderOnDay(6));
    expect(impact.body).toMatchObject({ compared: 2, customLadder: 1 });
    expect(impact.body.accounts.map((a: { accountId: string }) => a.accountId)).not.toContain(acme._id);
  });

  it('clears it with null (back to the current policy), and answers 404 for an unknown account or version, 422 for a bad body', async () => {
    expect((await request(api).put(`/api/accounts/${acme._id}/policy-version`).set(auth).send({ version: 42 })).status).toBe(404);
    expect((await request(api).put('/api/accounts/quickbooks:nope:1/policy-version').set(auth).send({ version: 1 })).status).toBe(404);
    expect((await request(api).put(`/api/accounts/${acme._id}/policy-version`).set(auth).send({ version: -1 })).status).toBe(422);
    expect((await request(api).put(`/api/accounts/${acme._id}/policy-version`).set(auth).send({})).status).toBe(422);
    const res = await request(api).put(`/api/accounts/${acme._id}/policy-version`).set(auth).send({ version: null });
    expect(res.body).toMatchObject({ policyVersion: null, name: null });
    expect((await accountStates(store.db).get(acme._id))?.overrides).toEqual({ strategic: true });
    expect((await auditOf(acme._id, 'account.policyVersion')).at(-1)).toMatchObject({ outcome: "custom ladder cleared: the organisation's current policy", details: { policyVersion: { from: 2, to: null } } });
  });
});

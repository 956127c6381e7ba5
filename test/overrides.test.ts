// Per-customer overrides through the admin API (GET/PATCH /api/accounts/:id/overrides):
// every problem answered at once (422), field-by-field writes that leave the
// custom ladder's policyVersion alone, each change audited with who and from → to,
// and their effect on the next plan: an exclusion stops the ladder and cancels the
// pending email, the time zone and the strategic tag reach the engine, and a
// guarantee reaches the letters' action.
import type express from 'express';
import request from 'supertest';
import { overridesRouter, overridesRoutes } from '../app/http/overrides.js';
import { ACTOR_HEADER } from '../app/http/parse.js';
import { zonedInstant } from '../src/domain/calendar.js';
import { compose } from '../src/email/templates.js';
import { createLogger } from '../src/logger.js';
import { createApp } from '../src/http/app.js';
import { Planner } from '../src/planning/plan.js';
import { storedPolicySource } from '../src/planning/policy-source.js';
import { REPLAN_REQUESTS_COLLECTION } from '../src/planning/requests.js';
import { assembleAccount } from '../src/planning/assemble.js';
import { accountStates } from '../src/planning/state.js';
import { collections, createStore, ensureIndexes, type Store } from '../src/store/store.js';
import type { CustomerDoc } from '../src/store/types.js';
import { customerDoc, invoiceDoc, saveCustomer, seedOrg, standardContacts } from './helpers/accounts.js';
import { openTestDatabase } from './helpers/db.js';

const TOKEN = 'admin-token-0123456789abcdefghij';
const ORG = 'org-overrides';
const T0 = new Date('2025-03-01T00:00:00Z');
const auth = { authorization: `Bearer ${TOKEN}` };
const at = (date: string, hhmm: string): Date => new Date(zonedInstant(date, hhmm, 'America/Chicago'));

describe('per-customer overrides through the admin API', () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let store: Store;
  let api: express.Express;
  let planner: Planner;
  let clock = at('2025-03-04', '08:00');
  let acme: CustomerDoc;

  beforeAll(async () => {
    database = await openTestDatabase('overrides');
    await ensureIndexes(database.db);
    store = createStore(database.db);
    await seedOrg(store, ORG, T0);
    api = createApp({ db: store.db, logger: createLogger('silent'), adminApiToken: TOKEN, bodyLimit: '1mb', adminRouters: [overridesRouter({ store, now: () => clock })] });
    planner = new Planner(store, { worker: 'test', policies: storedPolicySource(store.policies) });
    const contacts = [...standardContacts('acme.example'), { id: 'c-guar', name: 'Gus Guarantor', email: 'gus@acme.example', roles: ['guarantor' as const] }];
    acme = customerDoc(ORG, 'ov1', 'Acme Industrial', contacts, T0, { tags: ['account:ACC-1'] });
    await saveCustomer(store, acme, [invoiceDoc(acme, 'i1', 'INV-1042', '2025-03-03', 120_000, T0)]);
  });
  afterAll(async () => {
    await database.drop();
  });

  const patch = (body: unknown, actor?: string) => {
    const r = request(api).patch(`/api/accounts/${acme._id}/overrides`).set(auth);
    return (actor ? r.set(ACTOR_HEADER, actor) : r).send(body as object);
  };

  it('describes its routes with the schemas it parses with', () => {
    expect(overridesRoutes.map((r) => `${r.method} ${r.path}`)).toEqual(['get /accounts/:id/overrides', 'patch /accounts/:id/overrides']);
    expect(overridesRoutes[1]?.body?.safeParse({ strategic: true }).success).toBe(true);
  });

  it('answers 404 for an unknown account and 401 without the token', async () => {
    expect((await request(api).get('/api/accounts/nope/overrides').set(auth)).status).toBe(404);
    expect((await request(api).patch('/api/accounts/nope/overrides').set(auth).send({ strategic: true })).status).toBe(404);
    expect((await request(api).get(`/api/accounts/${acme._id}/overrides`)).status).toBe(401);
  });

  it('starts empty: the ledger and the organisation decide', async () => {
    const res = await request(api).get(`/api/accounts/${acme._id}/overrides`).set(auth);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      accountId: acme._id,
      overrides: { exclusion: null, strategic: null, guarantee: null, timeZone: null, language: null, policyVersion: null },
      effective: { timeZone: 'America/Chicago', strategic: false, personalGuarantee: false, language: null, excluded: false },
    });
  });

  it('lists every problem at once (422) and writes nothing', async () => {
    const bad = await patch({ exclusion: { reason: '' }, strategic: 'yes', timeZone: 'Mars/Olympus', language: 'not a language!', policyVersion: 3 });
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe('unprocessable');
    const paths = (bad.body.error.details as { path: string }[]).map((d) => d.path).sort();
    expect(paths).toEqual(['', 'exclusion.reason', 'language', 'strategic', 'timeZone']); // '' : the unknown key policyVersion
    const empty = await patch({});
    expect(empty.status).toBe(422);
    expect(empty.body.error.details[0].message).toContain('nothing to change');
    // Problems only the account can tell, together.
    const account = await patch({ guarantee: { contactId: 'c-billing', documentRef: 'PG-1' }, exclusion: { reason: 'talks', until: '2025-03-01' } });
    expect(account.status).toBe(422);
    expect((account.body.error.details as { path: string; message: string }[]).map((d) => d.path)).toEqual(['exclusion.until', 'guarantee.contactId']);
    expect((await accountStates(store.db).get(acme._id))?.overrides).toBeUndefined();
  });

  it('sets fields one by one, leaves policyVersion alone, audits each change with who and from → to', async () => {
    // Another route writes the custom ladder's version: it must survive these writes.
    await store.db.collection(collections.accountStates).updateOne({ _id: acme._id as never }, { $set: { 'overrides.policyVersion': 2, orgId: ORG } }, { upsert: true });
    const res = await patch({ strategic: true, timeZone: 'Europe/London', language: 'en-gb', guarantee: { contactId: 'c-guar', documentRef: 'PG-2024-17' } }, 'Kim.Admin@Northwind.example');
    expect(res.status).toBe(200);
    expect(res.body.changed).toEqual(['strategic', 'guarantee', 'timeZone', 'language']);
    expect(res.body.overrides).toEqual({
      exclusion: null, strategic: true, guarantee: { contactId: 'c-guar', documentRef: 'PG-2024-17', contactName: 'Gus Guarantor' }, timeZone: 'Europe/London', language: 'en-GB', policyVersion: 2,
    });
    expect(res.body.effective).toEqual({ timeZone: 'Europe/London', strategic: true, personalGuarantee: true, language: 'en-GB', excluded: false });
    const audit = (await store.audit.list(acme._id)).filter((e) => e.action === 'account.override');
    expect(audit.map((e) => e.outcome)).toEqual([
      'strategic: none → true',
      'guarantee: none → guarantor c-guar, document PG-2024-17',
      'timeZone: none → Europe/London',
      'language: none → en-GB',
    ]);
    expect(audit[0]).toMatchObject({ actor: { kind: 'person', id: 'kim.admin@northwind.example' }, channel: 'api', details: { field: 'strategic', from: null, to: true } });
    // The same again changes nothing and audits nothing.
    const again = await patch({ strategic: true, language: 'en-GB' });
    expect(again.body.changed).toEqual([]);
    expect((await store.audit.list(acme._id)).filter((e) => e.action === 'account.override')).toHaveLength(4);
    // The account is planned again at once.
    expect(await store.db.collection(REPLAN_REQUESTS_COLLECTION).countDocuments({ _id: acme._id as never })).toBe(1);
  });

  it('reaches the next plan: zone, strategic tag, guarantee', async () => {
    clock = at('2025-03-04', '08:00');
    const r = await planner.plan(acme._id, clock);
    expect(r.decision?.timeZone).toBe('Europe/London');
    const loaded = await loadedAccount();
    expect(loaded.tags).toContain('strategic');
    expect(loaded.language).toBe('en-GB');
    expect(loaded.guarantee).toEqual({ contactId: 'c-guar', name: 'Gus Guarantor', documentRef: 'PG-2024-17' });
    const email = r.decision?.actions.find((x) => x.kind === 'email');
    expect(email?.kind === 'email' && [email.personalGuarantee, email.guarantee?.documentRef]).toEqual([true, 'PG-2024-17']);
  });

  it('names the guarantor and the document in the final demand and the decision-makers email', () => {
    const input = {
      customerName: 'Acme Industrial', recipientName: 'Ann Lee', invoices: [], totals: { USD: 120_000 }, sender: { company: 'Northwind', email: 'ar@northwind.example' },
      today: '2025-05-20', responseBy: '2025-05-30', personalGuarantee: true, guarantee: { name: 'Gus Guarantor', documentRef: 'PG-2024-17' }, previousContacts: 6,
    };
    for (const template of ['final-demand', 'decision-makers']) {
      const c = compose({ ...input, template });
      expect(c.ok && c.message.intro.join(' ')).toContain('a personal guarantee given by Gus Guarantor (document PG-2024-17) is on file');
    }
    const plain = compose({ ...input, template: 'decision-makers', guarantee: undefined });
    expect(plain.ok && plain.message.intro.join(' ')).toContain('we note that a personal guarantee is on file for this account');
  });

  it('an exclusion stops the ladder and cancels the pending email; lifting it brings the email back', async () => {
    const pendingBefore = (await store.outbox.listByCustomer(acme._id)).filter((e) => e.state === 'pending' && e.kind === 'email');
    expect(pendingBefore).toHaveLength(1);
    clock = at('2025-03-04', '08:30');
    const res = await patch({ exclusion: { reason: 'in talks with their lawyer', until: '2025-03-20' } }, 'kim.admin@northwind.example');
    expect(res.status).toBe(200);
    expect(res.body.overrides.exclusion).toEqual({ reason: 'in talks with their lawyer', until: '2025-03-20', by: 'kim.admin@northwind.example', at: clock.toISOString() });
    expect(res.body.effective.excluded).toBe(true);
    const excluded = await planner.plan(acme._id, clock);
    expect(excluded.decision?.state).toBe('paused');
    expect(excluded.decision?.explanation).toContain('not chased: in talks with their lawyer (until 20 Mar 2025)');
    expect(excluded.cancelled).toEqual([pendingBefore[0]?._id]);
    expect((await store.outbox.get(pendingBefore[0]?._id ?? ''))?.state).toBe('cancelled');

    const lifted = await patch({ exclusion: null });
    expect(lifted.body.changed).toEqual(['exclusion']);
    const audit = (await store.audit.list(acme._id)).filter((e) => e.action === 'account.override').map((e) => e.outcome);
    expect(audit.slice(-2)).toEqual(['exclusion: none → not chased: in talks with their lawyer (until 2025-03-20)', 'exclusion: not chased: in talks with their lawyer (until 2025-03-20) → none']);
    const back = await planner.plan(acme._id, at('2025-03-04', '09:00'));
    expect(back.decision?.state).toBe('past-due');
    expect(back.revived).toEqual([pendingBefore[0]?._id]);
  });

  it('null lifts strategic, time zone and guarantee back to the ledger and the organisation', async () => {
    const res = await patch({ strategic: null, timeZone: null, guarantee: null, language: null });
    expect(res.body.changed).toEqual(['strategic', 'guarantee', 'timeZone', 'language']);
    expect(res.body.overrides.policyVersion).toBe(2);
    expect(res.body.effective).toEqual({ timeZone: 'America/Chicago', strategic: false, personalGuarantee: false, language: null, excluded: false });
    const forcedOff = await patch({ strategic: false });
    expect(forcedOff.body.effective.strategic).toBe(false);
  });

  it('records a guarantee naming the guarantor (not a contact id): entered as a guarantor contact, audited, read by planning', async () => {
    const bad = await patch({ guarantee: { guarantor: { name: 'Gia Grant', email: 'not-an-email' }, documentRef: 'PG-9' } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details.map((d: { path: string }) => d.path)).toEqual(['guarantee.guarantor']);
    expect((await patch({ guarantee: { contactId: 'c-guar', guarantor: { name: 'Gia Grant', email: 'gia@grant.example' }, documentRef: 'PG-9' } })).status).toBe(422);
    const res = await patch({ guarantee: { guarantor: { name: 'Gia Grant', email: 'Gia@Grant.example' }, documentRef: 'PG-9' } }, 'kim@northwind.example');
    expect(res.status).toBe(200);
    expect(res.body.overrides.guarantee).toEqual({ contactId: 'entered:email:gia@grant.example', documentRef: 'PG-9', contactName: 'Gia Grant' });
    const state = await accountStates(store.db).get(acme._id);
    expect(state?.contacts?.find((c) => c.id === 'entered:email:gia@grant.example')).toMatchObject({ name: 'Gia Grant', roles: ['guarantor'], enteredBy: 'kim@northwind.example' });
    expect((await store.audit.list(acme._id)).some((e) => e.action === 'contact.added' && e.outcome === 'contact added: Gia Grant <gia@grant.example> as guarantor')).toBe(true);
    const account = await loadedAccount();
    expect(account.guarantee).toEqual({ contactId: 'entered:email:gia@grant.example', name: 'Gia Grant', documentRef: 'PG-9' });
    expect((await patch({ guarantee: null })).body.changed).toEqual(['guarantee']);
  });

  async function loadedAccount() {
    const state = await accountStates(store.db).get(acme._id);
    const customer = (await store.customers.get(acme._id)) as CustomerDoc;
    return assembleAccount({ customer, orgTimeZone: 'America/Chicago', invoices: [], payments: [], state, bounced: new Set(), done: [] }).account;
  }
});

// The accounts API (issue 16 §6): GET /api/orgs/:orgId/accounts pages an
// organisation's accounts by id after a cursor, each with its open and past-due
// balances per currency in minor units, its level, state and next step — the
// planner's own decision — in a constant number of round trips per page;
// GET /api/accounts/:id adds the open invoices and the contacts.
import type express from 'express';
import { MongoClient, type CommandStartedEvent } from 'mongodb';
import request from 'supertest';
import { AccountDetailWithDocuments, AccountsPageSchema, accountsRouter } from '../app/http/accounts.js';
import { zonedInstant } from '../src/domain/calendar.js';
import { createApp } from '../src/http/app.js';
import { createLogger } from '../src/logger.js';
import { Planner } from '../src/planning/plan.js';
import { storedPolicySource } from '../src/planning/policy-source.js';
import { accountStates, bounces, type AccountStateDoc, type EnteredContactDoc } from '../src/planning/state.js';
import { collections, createStore, ensureIndexes, type Store } from '../src/store/store.js';
import type { CustomerDoc } from '../src/store/types.js';
import { customerDoc, invoiceDoc, saveCustomer, seedOrg, standardContacts } from './helpers/accounts.js';
import { openTestDatabase, testDatabaseUri } from './helpers/db.js';

const TOKEN = 'admin-token-accounts-0123456789abcdef';
const auth = { authorization: `Bearer ${TOKEN}` };
const ORG = 'org-acc';
const T0 = new Date('2025-02-01T00:00:00Z');
/** A Tuesday morning in Chicago: invoices due 2025-03-03 are one day past due. */
const NOW = new Date(zonedInstant('2025-03-04', '10:00', 'America/Chicago'));

let database: Awaited<ReturnType<typeof openTestDatabase>>;
let client: MongoClient;
let store: Store;
let api: express.Express;
const commands: string[] = [];
const ids: Record<string, string> = {};

async function customer(key: string, name: string, extra: Partial<CustomerDoc> = {}): Promise<CustomerDoc> {
  const c = customerDoc(ORG, `acc-${key}`, name, standardContacts(`${key}.example`), T0, extra);
  ids[key] = c._id;
  return c;
}

beforeAll(async () => {
  database = await openTestDatabase('accountsapi');
  await ensureIndexes(database.db);
  const seeding = createStore(database.db);
  await seedOrg(seeding, ORG, T0);
  await seedOrg(seeding, 'org-other', T0);

  // current: its only invoice falls due next month.
  const current = await customer('current', 'Current Co');
  await saveCustomer(seeding, current, [invoiceDoc(current, 'cur-1', 'INV-C1', '2025-04-15', 20_000, T0)]);
  // past due in two currencies, plus an open invoice not yet due.
  const two = await customer('two', 'Two Currencies Ltd');
  await saveCustomer(seeding, two, [
    invoiceDoc(two, 'two-1', 'INV-T1', '2025-03-03', 10_000, T0),
    invoiceDoc(two, 'two-2', 'INV-T2', '2025-02-25', 5_000, T0, { currency: 'EUR', totalMinor: 7_000 }),
    invoiceDoc(two, 'two-3', 'INV-T3', '2025-04-30', 3_000, T0),
  ]);
  // past due and on an active credit hold.
  const held = await customer('held', 'Held Inc');
  await saveCustomer(seeding, held, [invoiceDoc(held, 'held-1', 'INV-H1', '2025-01-10', 40_000, T0)]);
  await seeding.creditHolds.create({ _id: 'hold-acc', orgId: ORG, customerId: held._id, status: 'proposed', reason: 'long overdue', requestedBy: { kind: 'system', id: 'planner' } }, T0);
  await seeding.creditHolds.transition('hold-acc', 'active', { kind: 'person', id: 'cole@northwind.example', name: 'Cole' }, T0);
  // past due but snoozed until the 20th.
  const snoozed = await customer('snoozed', 'Snoozed GmbH');
  await saveCustomer(seeding, snoozed, [invoiceDoc(snoozed, 'sn-1', 'INV-S1', '2025-03-03', 8_000, T0)]);
  await accountStates(database.db).savePauses(snoozed._id, ORG, { disputes: [], promises: [], paymentPlans: [], snoozes: [{ id: 'z1', by: 'cole', createdAt: T0, until: '2025-03-20' }] }, T0);
  // archived in the ledger, still owing; one disputed invoice; one without a due date; a bounced address; an entered CFO.
  const archived = await customer('archived', 'Archived Partners', { ledgerStatus: 'archived', email: 'ap@archived.example' });
  await saveCustomer(seeding, archived, [
    invoiceDoc(archived, 'ar-1', 'INV-A1', '2025-02-20', 12_000, T0),
    invoiceDoc(archived, 'ar-2', 'INV-A2', '2025-02-21', 4_000, T0),
    invoiceDoc(archived, 'ar-3', 'INV-A3', '2025-01-05', 900, T0, { dueDateSource: 'none' }),
  ]);
  const disputedId = (await seeding.invoices.findByKey('quickbooks', archived.companyId, 'ar-2'))?._id;
  const entered: EnteredContactDoc = { id: 'e-cfo', name: 'Erin Entered', email: 'erin@archived.example', roles: ['cfo'], timeZone: 'Europe/Berlin', language: 'de', enteredBy: 'cole@northwind.example', enteredAt: T0 };
  await database.db.collection<AccountStateDoc>(collections.accountStates).updateOne(
    { _id: archived._id },
    { $set: { orgId: ORG, disputes: [{ id: 'd1', invoiceIds: [disputedId ?? ''], openedAt: T0 }], promises: [], paymentPlans: [], snoozes: [], contacts: [entered], updatedAt: T0 } },
    { upsert: true },
  );
  await bounces(database.db).record({ orgId: ORG, email: 'bea@archived.example', customerId: archived._id, reason: '550 no such user', outboxKey: 'k', at: T0 });
  // deleted in the ledger: not listed, still readable by id.
  const gone = await customer('gone', 'Gone Corp', { active: false });
  await saveCustomer(seeding, gone, [invoiceDoc(gone, 'gone-1', 'INV-G1', '2025-02-01', 1_000, T0)]);
  // another organisation's account: never listed here.
  const other = customerDoc('org-other', 'other-1', 'Other Org Customer', standardContacts('other.example'), T0);
  await saveCustomer(seeding, other, [invoiceDoc(other, 'oth-1', 'INV-O1', '2025-03-01', 1_000, T0)]);

  // The API on its own monitored client: every command a request sends is counted.
  client = new MongoClient(testDatabaseUri(), { monitorCommands: true });
  await client.connect();
  client.on('commandStarted', (e: CommandStartedEvent) => commands.push(`${e.commandName}:${String(e.command[e.commandName])}`));
  store = createStore(client.db(database.name));
  api = createApp({
    db: store.db,
    logger: createLogger('silent'),
    adminApiToken: TOKEN,
    bodyLimit: '1mb',
    adminRouters: [accountsRouter({ store, policies: storedPolicySource(store.policies, { cacheMs: 0 }), now: () => NOW })],
  });
});

afterAll(async () => {
  await client.close();
  await database.drop();
});

type Summary = { id: string; name: string; provider: string; ledgerStatus: string; open: { currency: string; minor: number }[]; pastDue: { currency: string; minor: number }[]; level: { id: string; name: string } | null; state: string; next: { date: string; at: string; kind: string; step: string; level: { id: string } } | null };

async function listAll(query: string): Promise<{ accounts: Summary[]; pages: number; roundTrips: number[] }> {
  const accounts: Summary[] = [];
  const roundTrips: number[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    commands.length = 0;
    const res = await request(api).get(`/api/orgs/${ORG}/accounts?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`).set(auth);
    expect(res.status).toBe(200);
    roundTrips.push(commands.length);
    // The answer is what the OpenAPI document says (its response schema), field for field.
    expect(AccountsPageSchema.strict().parse(res.body)).toEqual(res.body);
    accounts.push(...(res.body.accounts as Summary[]));
    cursor = res.body.nextCursor as string | null;
    pages++;
  } while (cursor !== null && pages < 20);
  return { accounts, pages, roundTrips };
}

describe('GET /api/orgs/:orgId/accounts', () => {
  it("pages the organisation's active accounts by id, each exactly once, in the same round trips whatever the page size", async () => {
    const expected = ['current', 'two', 'held', 'snoozed', 'archived'].map((k) => ids[k]).sort();
    const small = await listAll('limit=2');
    expect(small.accounts.map((a) => a.id)).toEqual(expected);
    expect(small.pages).toBe(3);
    const large = await listAll('limit=500');
    expect(large.accounts.map((a) => a.id)).toEqual(expected);
    expect(large.pages).toBe(1);
    // A page: the organisation, its customers after the cursor, one read per collection for their documents
    // (open and undated invoices, payments, states, outbox, holds, bounces), the policy. Not one per account.
    for (const n of [...small.roundTrips, ...large.roundTrips]) expect(n).toBeLessThanOrEqual(10);
    expect(Math.max(...small.roundTrips)).toBe(Math.max(...large.roundTrips));
  });

  it('answers balances per currency in minor units, the level, the state and the next step', async () => {
    const { accounts } = await listAll('limit=100');
    const by = new Map(accounts.map((a) => [a.id, a]));
    expect(by.get(ids['current'] ?? '')).toEqual({
      id: ids['current'], name: 'Current Co', provider: 'quickbooks', ledgerStatus: 'active',
      open: [{ currency: 'USD', minor: 20_000 }], pastDue: [], level: null, state: 'current', next: null,
    });
    const two = by.get(ids['two'] ?? '');
    expect(two).toMatchObject({
      open: [{ currency: 'EUR', minor: 5_000 }, { currency: 'USD', minor: 13_000 }],
      pastDue: [{ currency: 'EUR', minor: 5_000 }, { currency: 'USD', minor: 10_000 }],
      state: 'past_due',
      // The oldest (EUR) invoice is 7 days past due: the ladder catches up to reminder 2, sent today.
      level: { id: 'reminder-2', name: 'reminder 2' },
      next: { date: '2025-03-04', kind: 'email', level: { id: 'reminder-2' } },
    });
    expect(two?.next?.step).toContain('second reminder email goes to Bea Billing');
    expect(by.get(ids['held'] ?? '')).toMatchObject({ state: 'on_hold', pastDue: [{ currency: 'USD', minor: 40_000 }] });
    const snoozed = by.get(ids['snoozed'] ?? '');
    expect(snoozed).toMatchObject({ state: 'paused', pastDue: [{ currency: 'USD', minor: 8_000 }] });
    // Paused until the 20th: the next step is the ladder's after the snooze, on a later day.
    expect(snoozed?.next?.date !== undefined && snoozed.next.date > '2025-03-20').toBe(true);
    // Archived in the ledger and still owing; the disputed invoice is not past due, the undated one is open only.
    expect(by.get(ids['archived'] ?? '')).toMatchObject({ ledgerStatus: 'archived', open: [{ currency: 'USD', minor: 16_900 }], pastDue: [{ currency: 'USD', minor: 12_000 }], state: 'past_due' });
  });

  it("is the planner's decision: the level planning records and the step it enqueues", async () => {
    const planner = new Planner(createStore(database.db), { worker: 'test', policies: storedPolicySource(store.policies, { cacheMs: 0 }) });
    await planner.planOrganisation(ORG, NOW);
    const { accounts } = await listAll('limit=100');
    for (const a of accounts) {
      const state = await accountStates(database.db).get(a.id);
      expect({ id: a.id, level: a.level?.id ?? 'current' }).toEqual({ id: a.id, level: state?.levelId });
      const pending = (await store.outbox.listByCustomer(a.id)).filter((e) => e.state === 'pending').sort((x, y) => x.dueAt.getTime() - y.dueAt.getTime());
      if (a.next && a.next.date === '2025-03-04') expect(pending[0]?.dueAt.toISOString()).toBe(a.next.at);
    }
    expect(accounts.find((a) => a.id === ids['two'])?.next?.date).toBe('2025-03-04');
  });

  it('filters by state and by past-due balance within the page examined', async () => {
    expect((await listAll('state=past_due')).accounts.map((a) => a.id).sort()).toEqual([ids['two'], ids['archived']].sort());
    expect((await listAll('pastDue=false')).accounts.map((a) => a.id)).toEqual([ids['current']]);
    expect((await listAll('pastDue=true&limit=1')).accounts).toHaveLength(4);
  });

  it('refuses bad queries with 422 listing every problem, an unknown organisation with 404, and wants the token', async () => {
    const bad = await request(api).get(`/api/orgs/${ORG}/accounts?limit=0&state=bogus&pastDue=maybe`).set(auth);
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe('unprocessable');
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['limit', 'pastDue', 'state']);
    for (const q of ['limit=501', 'limit=abc', 'limit=2.5', 'cursor=not-a-cursor', 'limit=1&limit=2']) {
      const r = await request(api).get(`/api/orgs/${ORG}/accounts?${q}`).set(auth);
      expect({ q, status: r.status, code: r.body.error?.code }).toEqual({ q, status: 422, code: 'unprocessable' });
    }
    expect((await request(api).get('/api/orgs/nope/accounts').set(auth)).status).toBe(404);
    expect((await request(api).get(`/api/orgs/${ORG}/accounts`)).status).toBe(401);
  });
});

describe('GET /api/accounts/:id', () => {
  it('answers one account with its open invoices (undated ones too) and its contacts, ledger and entered', async () => {
    const res = await request(api).get(`/api/accounts/${encodeURIComponent(ids['archived'] ?? '')}`).set(auth);
    expect(res.status).toBe(200);
    expect(AccountDetailWithDocuments.strict().parse(res.body)).toEqual(res.body);
    // The documents sent to it (none here: test/sent-documents.test.ts and documents-http.test.ts archive some).
    expect(res.body).toMatchObject({ id: ids['archived'], orgId: ORG, name: 'Archived Partners', ledgerStatus: 'archived', state: 'past_due', documents: [] });
    // The customer's zone is its contact's (the entered CFO's), before the ledger's America/Chicago (src/domain/customer-time-zone.ts).
    expect(res.body).toMatchObject({ timeZone: 'Europe/Berlin', timeZoneSource: 'contact' });
    expect(res.body.explanation).toContain('INV-A1');
    expect(res.body.invoices).toEqual([
      expect.objectContaining({ number: 'INV-A3', dueDate: null, dueDateSource: 'none', balanceMinor: 900, pastDue: false, daysPastDue: null, status: 'open' }),
      expect.objectContaining({ number: 'INV-A1', issueDate: '2025-01-01', dueDate: '2025-02-20', dueDateSource: 'ledger', currency: 'USD', totalMinor: 12_000, balanceMinor: 12_000, pastDue: true, daysPastDue: 12 }),
      expect.objectContaining({ number: 'INV-A2', dueDate: '2025-02-21', pastDue: false, daysPastDue: null }),
    ]);
    const contacts = res.body.contacts as { id: string; source: string; roles: string[]; email: string | null; bounced: boolean; timeZone: string | null; language: string | null }[];
    expect(contacts.find((c) => c.id === 'c-billing')).toMatchObject({ source: 'ledger', roles: ['billing'], email: 'bea@archived.example', bounced: true });
    expect(contacts.find((c) => c.id === 'c-cfo')).toMatchObject({ source: 'ledger', roles: ['cfo'], bounced: false });
    expect(contacts.find((c) => c.email === 'ap@archived.example')).toMatchObject({ source: 'ledger', roles: ['other'] });
    expect(contacts.find((c) => c.id === 'e-cfo')).toEqual({ id: 'e-cfo', source: 'entered', roles: ['cfo'], name: 'Erin Entered', email: 'erin@archived.example', phone: null, timeZone: 'Europe/Berlin', language: 'de', bounced: false });
  });

  it('answers an account deleted in the ledger, and 404 for none', async () => {
    const gone = await request(api).get(`/api/accounts/${encodeURIComponent(ids['gone'] ?? '')}`).set(auth);
    expect(gone.status).toBe(200);
    expect(gone.body).toMatchObject({ ledgerStatus: 'deleted', pastDue: [{ currency: 'USD', minor: 1_000 }] });
    const none = await request(api).get('/api/accounts/quickbooks:nope:nope').set(auth);
    expect(none.status).toBe(404);
    expect(none.body.error.code).toBe('not_found');
  });
});

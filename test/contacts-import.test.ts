// Contacts people enter: the admin API's import (CSV or JSON; every row checked
// before anything is written; each change audited with who made it), its CSV
// export, and how entered contacts merge with the ledger's — entered first for
// their role, one contact per address, a bounce kept — and survive a sync.
import type express from 'express';
import request from 'supertest';
import { contactsRouter } from '../app/http/contacts.js';
import { loadAccount, partyOf } from '../src/documents/load.js';
import { createApp } from '../src/http/app.js';
import { createLogger } from '../src/logger.js';
import { applyEntered, EnteredContactInput, mergeContacts, planContactImport, contactRowsFromCsv } from '../src/planning/contacts.js';
import { Planner } from '../src/planning/plan.js';
import { storedPolicySource } from '../src/planning/policy-source.js';
import { REPLAN_REQUESTS_COLLECTION } from '../src/planning/requests.js';
import { accountStates, bounces, type EnteredContactDoc } from '../src/planning/state.js';
import { createStore, ensureIndexes, type Store } from '../src/store/store.js';
import type { CustomerDoc } from '../src/store/types.js';
import { customerDoc, seedOrg } from './helpers/accounts.js';
import { openTestDatabase } from './helpers/db.js';

const TOKEN = 'admin-token-0123456789abcdefghij';
const ORG = 'org-contacts';
const T0 = new Date('2025-03-01T00:00:00Z');
const auth = { authorization: `Bearer ${TOKEN}` };
const synced = (c: CustomerDoc): Omit<CustomerDoc, '_id'> => {
  const { _id: _i, ...rest } = c;
  return rest;
};
const ledgerContacts = (domain: string) => [
  { id: 'qbo:1:primary', name: 'Bea Billing', email: `bea@${domain}`, phone: '+1 555 0101', roles: ['billing' as const] },
  { id: 'qbo:1:person:0', name: 'Al Payable', email: `al@${domain}`, roles: ['other' as const] },
];

describe('entered contacts (pure)', () => {
  it('reads a contact: role, name, a valid address (lowercased), an IANA zone and a BCP 47 language; blanks are absent; an email or a phone is needed', () => {
    expect(EnteredContactInput.parse({ role: ' CFO ', name: ' Ann Lee ', email: 'Ann@Acme.example', phone: '', timeZone: 'Europe/London', language: 'en-GB' })).toEqual({
      role: 'cfo', name: 'Ann Lee', email: 'ann@acme.example', timeZone: 'Europe/London', language: 'en-GB',
    });
    const bad = EnteredContactInput.safeParse({ role: 'boss', name: '', email: 'nope', timeZone: 'Mars/Olympus', language: 'not a language' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path.join('.')).sort()).toEqual(['email', 'language', 'name', 'role', 'timeZone']);
    expect(EnteredContactInput.safeParse({ role: 'owner', name: 'Ola' }).error?.issues[0]?.message).toBe('an email or a phone is needed');
    expect(EnteredContactInput.safeParse({ role: 'owner', name: 'Ola', phone: '+44 20 7946 0000' }).success).toBe(true);
    // A NUL (the database refuses it) or a line break in what a person typed is refused, not stored.
    expect(EnteredContactInput.safeParse({ role: 'owner', name: 'O\u0000la', phone: '1\n2' }).error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['name', 'control characters are not allowed'], ['phone', 'control characters are not allowed']]);
  });

  it('applies an entry: a new contact, the same entry again changes nothing, the same address again replaces the fields and adds the role', () => {
    const input = EnteredContactInput.parse({ role: 'cfo', name: 'Ann Lee', email: 'ann@acme.example' });
    const first = applyEntered([], input, 'cole@northwind.example', T0);
    expect(first.change).toMatchObject({ before: null, after: { id: 'entered:email:ann@acme.example', roles: ['cfo'], enteredBy: 'cole@northwind.example' } });
    expect(applyEntered(first.contacts, input, 'x@y.example', T0).change).toBeNull();
    const again = applyEntered(first.contacts, EnteredContactInput.parse({ role: 'owner', name: 'Ann B. Lee', email: 'ANN@acme.example', phone: '555' }), 'x@y.example', T0);
    expect(again.contacts).toHaveLength(1);
    expect(again.change?.after).toMatchObject({ name: 'Ann B. Lee', phone: '555', roles: ['cfo', 'owner'], enteredBy: 'x@y.example' });
    expect(again.change?.before?.name).toBe('Ann Lee');
  });

  it('merges: entered first, a ledger contact with the same address becomes one contact with both roles, a bounce on either side stays', () => {
    const bounced = new Date('2025-02-01T00:00:00Z');
    const ledger = [{ id: 'l1', name: 'Bea', email: 'Bea@acme.example', phone: '1', roles: ['billing' as const], bouncedAt: bounced }, { id: 'l2', name: 'Al', email: 'al@acme.example', roles: ['other' as const] }];
    const entered: EnteredContactDoc[] = [
      { id: 'e1', name: 'Bea Bell', email: 'bea@acme.example', roles: ['ap'], enteredBy: 'x', enteredAt: T0 },
      { id: 'e2', name: 'Ann', email: 'ann@acme.example', roles: ['cfo'], enteredBy: 'x', enteredAt: T0 },
    ];
    expect(mergeContacts(ledger, entered)).toEqual([
      { id: 'e1', name: 'Bea Bell', email: 'bea@acme.example', phone: '1', roles: ['ap', 'billing'], bouncedAt: bounced },
      { id: 'e2', name: 'Ann', email: 'ann@acme.example', roles: ['cfo'] },
      { id: 'l2', name: 'Al', email: 'al@acme.example', roles: ['other'] },
    ]);
  });

  it('checks every row of an import: unknown customer, ambiguous name, bad role, email, zone, language, duplicates; each with its line', () => {
    const a = customerDoc(ORG, '1', 'Acme', [], T0);
    const b = customerDoc(ORG, '2', 'Twin', [], T0);
    const c = customerDoc(ORG, '3', 'twin', [], T0);
    const csv = [
      'Customer,Role,Name,Email,Phone,Time Zone,Language',
      'Acme,cfo,Ann Lee,ann@acme.example,,Europe/London,en-GB',
      'Nobody Ltd,cfo,Ann Lee,ann@nobody.example,,,',
      'twin,cfo,Tom,tom@twin.example,,,',
      'Acme,chief,Ann Lee,ann@acme.example,,,',
      'Acme,owner,Ola,not-an-address,,,',
      'Acme,owner,Ola,ola@acme.example,,Mars/Olympus,',
      'Acme,owner,Ola,ola@acme.example,,,xx-not-a-tag-at-all',
      'acme,CFO,Ann Lee,ANN@acme.example,,,',
      ',cfo,Ann,ann@x.example,,,',
    ].join('\n');
    const rows = contactRowsFromCsv(csv);
    expect(rows.invalid).toEqual([]);
    const plan = planContactImport(rows.rows, [a, b, c], () => [], 'admin-api', T0);
    expect(plan.accounts).toEqual([]);
    expect(plan.invalid.map((i) => [i.line, i.problem])).toEqual([
      [3, 'unknown customer: Nobody Ltd'],
      [4, 'twin matches 2 customers: use the account id'],
      [5, 'role: role must be one of billing, ap, ap_manager, controller, cfo, owner, guarantor, buyer, other'],
      [6, 'email: not an email address'],
      [7, 'timeZone: not an IANA time zone (e.g. Europe/London)'],
      [8, 'language: not a language tag (BCP 47, e.g. en-GB)'],
      [9, 'duplicate: the same contact and role of Acme is on line 2'],
      [10, 'customer is empty'],
    ]);
    expect(contactRowsFromCsv('customer,name,email\nAcme,Ann,ann@acme.example\n').invalid).toEqual([{ line: 1, problem: expect.stringContaining('the header must name customer, role, name') }]);
  });
});

describe('the contacts import through the admin API, and syncs keep what people entered', () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let store: Store;
  let api: express.Express;
  let now = T0;
  const acme = customerDoc(ORG, '1', 'Acme Corp', ledgerContacts('acme.example'), T0, { email: 'bea@acme.example', tags: ['account:ACC-1'] });
  const beta = customerDoc(ORG, '2', 'Beta, Inc.', ledgerContacts('beta.example'), T0);
  const put = (body: string | object, actor?: string) => {
    const r = request(api).put(`/api/orgs/${ORG}/contacts`).set(auth);
    if (actor) r.set('x-overdue-actor', actor);
    return typeof body === 'string' ? r.set('content-type', 'text/csv').send(body) : r.send(body);
  };
  const entered = async (id: string) => (await accountStates(store.db).get(id))?.contacts ?? [];

  beforeAll(async () => {
    database = await openTestDatabase('contacts_import');
    await ensureIndexes(database.db);
    store = createStore(database.db);
    await seedOrg(store, ORG, T0);
    api = createApp({ db: store.db, logger: createLogger('silent'), adminApiToken: TOKEN, bodyLimit: '1mb', adminRouters: [contactsRouter({ store, now: () => now })] });
    await store.customers.upsertMany([acme, beta].map(synced));
  });
  afterAll(async () => {
    await database.drop();
  });

  it('refuses the whole import when any row is bad: 422 listing every bad row with its line; nothing written', async () => {
    const csv = 'customer,role,name,email\nAcme Corp,cfo,Ann Lee,ann@acme.example\nNobody,cfo,X,x@y.example\nACC-1,boss,Ola,ola@acme.example\n';
    const res = await put(csv);
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'unprocessable', message: '2 row(s) are invalid; nothing was written' });
    expect(res.body.error.details.map((d: { line: number }) => d.line)).toEqual([3, 4]);
    expect(res.body.error.details[0]).toEqual({ path: 'line 3', line: 3, message: 'unknown customer: Nobody' });
    expect(await entered(acme._id)).toEqual([]);
    expect((await store.audit.list(acme._id)).filter((e) => e.action.startsWith('contact.'))).toEqual([]);
    // The JSON envelope is checked with the admin API's one parser; an unknown organisation is a 404; no token, 401.
    expect((await put({ rows: 'nope' })).body.error).toMatchObject({ code: 'unprocessable', details: [expect.objectContaining({ path: 'rows' })] });
    expect((await request(api).put('/api/orgs/nope/contacts').set(auth).send({ rows: [{}] })).status).toBe(404);
    expect((await request(api).put(`/api/orgs/${ORG}/contacts`).send({ rows: [{}] })).status).toBe(401);
  });

  it('imports CSV (quoted names, any case), audits each contact with who made it, asks for a re-plan; the same import again changes nothing', async () => {
    const csv = [
      'customer,role,name,email,phone,time_zone,language',
      'ACC-1,cfo,Ann Lee,Ann@Acme.example,+1 555 0199,America/New_York,en-US',
      'acme corp,owner,Ann Lee,ann@acme.example,+1 555 0199,America/New_York,en-US',
      `${beta._id},guarantor,"Lee, Pat",,+1 555 0200,,`,
      `"Beta, Inc.",ap,Bea Billing,bea@beta.example,,,`,
    ].join('\r\n');
    const res = await put(csv, 'Cole@Northwind.example');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ updated: 3, accounts: 2 });
    expect(await entered(acme._id)).toEqual([
      { id: 'entered:email:ann@acme.example', name: 'Ann Lee', email: 'ann@acme.example', phone: '+1 555 0199', roles: ['cfo', 'owner'], timeZone: 'America/New_York', language: 'en-US', enteredBy: 'cole@northwind.example', enteredAt: T0 },
    ]);
    expect((await entered(beta._id)).map((c) => [c.id, c.name, c.roles])).toEqual([
      ['entered:role:guarantor', 'Lee, Pat', ['guarantor']],
      ['entered:email:bea@beta.example', 'Bea Billing', ['ap']],
    ]);
    const trail = (await store.audit.list(acme._id)).filter((e) => e.action.startsWith('contact.'));
    expect(trail).toEqual([
      expect.objectContaining({
        action: 'contact.added', channel: 'api', actor: { kind: 'person', id: 'cole@northwind.example', name: 'cole@northwind.example' },
        outcome: 'contact added: Ann Lee <ann@acme.example> as CFO, owner',
        details: { contactId: 'entered:email:ann@acme.example', before: null, after: { name: 'Ann Lee', email: 'ann@acme.example', phone: '+1 555 0199', roles: ['cfo', 'owner'], timeZone: 'America/New_York', language: 'en-US' } },
      }),
    ]);
    expect(await store.db.collection(REPLAN_REQUESTS_COLLECTION).countDocuments({ _id: { $in: [acme._id, beta._id] } as never })).toBe(2);

    now = new Date(T0.getTime() + 60_000);
    expect((await put(csv)).body).toEqual({ updated: 0, accounts: 0 });
    expect((await store.audit.list(acme._id)).filter((e) => e.action.startsWith('contact.'))).toHaveLength(1);
  });

  it('a JSON row replaces an entered contact (same address): audited as a change with before and after', async () => {
    const res = await put({ rows: [{ customer: acme._id, role: 'cfo', name: 'Ann Lee-Smith', email: 'ann@acme.example', language: 'fr-CA' }] });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ updated: 1, accounts: 1 });
    const [ann] = await entered(acme._id);
    expect(ann).toMatchObject({ name: 'Ann Lee-Smith', roles: ['cfo', 'owner'], language: 'fr-CA', enteredBy: 'admin-api' });
    expect(ann?.phone).toBeUndefined();
    const last = (await store.audit.list(acme._id)).at(-1);
    expect(last).toMatchObject({ action: 'contact.updated', actor: { kind: 'system', id: 'admin-api' }, details: { before: { name: 'Ann Lee' }, after: { name: 'Ann Lee-Smith' } } });
  });

  it('exports the entered contacts as CSV with the import columns (one line per role), ready to re-import', async () => {
    const res = await request(api).get(`/api/orgs/${ORG}/contacts`).set(auth);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const lines = res.text.trim().split(/\r?\n/);
    expect(lines[0]).toBe('customer,role,name,email,phone,time_zone,language,display_name');
    expect(lines).toContain(`${acme._id},cfo,Ann Lee-Smith,ann@acme.example,,,fr-CA,Acme Corp`);
    // A phone starting with + is guarded against spreadsheet formulas on the way out and read back as it was.
    expect(lines).toContain(`${beta._id},guarantor,"Lee, Pat",,'+1 555 0200,,,"Beta, Inc."`);
    expect((await put(res.text)).body).toEqual({ updated: 0, accounts: 0 });
    expect((await request(api).get('/api/orgs/nope/contacts').set(auth)).status).toBe(404);
  });

  it('a re-sync of the customers (the store path the sync writes through) keeps them; planning sees them first for their role and merged by address; a bounced address stays bounced', async () => {
    const later = new Date(T0.getTime() + 3_600_000);
    // The ledger now also lists Ann (as 'other') and drops Al; Bea's address bounced.
    const resynced = { ...synced(acme), contacts: [...ledgerContacts('acme.example').slice(0, 1), { id: 'qbo:1:person:1', name: 'Ann L', email: 'ANN@acme.example', roles: ['other' as const] }], syncedAt: later };
    await store.customers.upsertMany([resynced, { ...synced(beta), syncedAt: later }]);
    await bounces(store.db).record({ orgId: ORG, email: 'bea@beta.example', customerId: beta._id, reason: '550', outboxKey: 'k', at: later });
    expect(await entered(acme._id)).toHaveLength(1);
    expect(await entered(beta._id)).toHaveLength(2);

    const planner = new Planner(store, { worker: 'test-contacts', policies: storedPolicySource(store.policies) });
    const a = await planner.load(acme._id);
    expect(a?.account.contacts.map((c) => [c.id, c.roles, c.bounced])).toEqual([
      ['entered:email:ann@acme.example', ['cfo', 'owner', 'other'], false],
      ['qbo:1:primary', ['billing'], false],
    ]);
    // The letters address them too: the final demand goes to the entered CFO.
    const data = await loadAccount(store, acme._id);
    expect(partyOf(data.customer, 'final-demand').attention).toBe('Ann Lee-Smith, CFO');
    const b = await planner.load(beta._id);
    expect(b?.account.contacts.map((c) => [c.id, c.roles, c.bounced])).toEqual([
      ['entered:role:guarantor', ['guarantor'], false],
      ['entered:email:bea@beta.example', ['ap', 'billing'], true],
      ['qbo:1:person:0', ['other'], false],
    ]);
  });
});

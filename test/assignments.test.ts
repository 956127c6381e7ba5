// Customers' sales reps and collectors: kept across a sync's replace, imported
// through the admin API (CSV or JSON; all rows checked before any is written;
// every change audited), exported as CSV, and the organisation's default
// collector used by planning for a customer without one.
import type express from 'express';
import request from 'supertest';
import { createApp } from '../src/http/app.js';
import { createLogger } from '../src/logger.js';
import { Planner } from '../src/planning/plan.js';
import { storedPolicySource } from '../src/planning/policy-source.js';
import { createStore, ensureIndexes, type Store } from '../src/store/store.js';
import { UPSERT_BATCH } from '../src/store/records.js';
import type { CustomerDoc } from '../src/store/types.js';
import { adminRouter } from '../app/http/admin.js';
import { parseCsv, planAssignments, rowsFromCsv } from '../src/planning/assignments.js';
import { customerDoc, seedOrg, standardContacts } from './helpers/accounts.js';
import { openTestDatabase } from './helpers/db.js';

const TOKEN = 'admin-token-0123456789abcdefghij';
const ORG = 'org-assign';
const T0 = new Date('2025-03-01T00:00:00Z');
const auth = { authorization: `Bearer ${TOKEN}` };
const synced = (c: CustomerDoc): Omit<CustomerDoc, '_id'> => {
  const { _id: _i, salesRepEmail: _r, collectorEmail: _c, ...rest } = c;
  return rest;
};

describe('assignment rows (pure)', () => {
  it('parses quoted CSV fields with commas, doubled quotes and line breaks, numbering records by their first line', () => {
    expect(parseCsv('a,b\r\n"x, y","say ""hi"""\n"two\nlines",z\n\n')).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['x, y', 'say "hi"'] },
      { line: 3, cells: ['two\nlines', 'z'] },
    ]);
  });
  it('reads the header in any order; empty leaves a field alone, - clears it; bad addresses are invalid with their line', () => {
    const r = rowsFromCsv('collector_email,customer,sales_rep_email\nCole@X.example,Acme,-\n,Beta,not-an-email\n,,\n');
    expect(r.rows).toEqual([{ line: 2, customer: 'Acme', salesRepEmail: null, collectorEmail: 'cole@x.example' }]);
    expect(r.invalid).toEqual([{ line: 3, problem: 'sales_rep_email: not an email address: not-an-email' }, { line: 4, problem: 'customer is empty' }]);
    expect(rowsFromCsv('name,email\nAcme,a@b.example\n').invalid[0]?.line).toBe(1);
  });
  it('matches by id, external id, account number or display name (case-insensitive); ambiguous names and repeated customers are invalid', () => {
    const a = customerDoc(ORG, '1', 'Acme', [], T0, { tags: ['account:ACC-1'], salesRepEmail: undefined, collectorEmail: undefined });
    const b = customerDoc(ORG, '2', 'Twin', [], T0, { salesRepEmail: undefined, collectorEmail: undefined });
    const c = customerDoc(ORG, '3', 'twin', [], T0, { salesRepEmail: undefined, collectorEmail: undefined });
    const row = (line: number, customer: string, rep?: string) => ({ line, customer, salesRepEmail: rep, collectorEmail: undefined });
    const plan = planAssignments([row(2, 'acc-1', 'r@x.example'), row(3, 'TWIN', 'r@x.example'), row(4, 'acme', 's@x.example'), row(5, 'nobody'), row(6, b._id, 'r@x.example'), row(7, '*', 'r@x.example')], [a, b, c]);
    expect(plan.changes.map((ch) => [ch.customer._id, ch.salesRepEmail])).toEqual([[a._id, 'r@x.example'], [b._id, 'r@x.example']]);
    expect(plan.unmatched).toEqual(['nobody']);
    expect(plan.invalid.map((i) => i.line)).toEqual([3, 4, 7]);
  });
});

describe('assignments in the store and through the admin API', () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let store: Store;
  let api: express.Express;
  let customers: CustomerDoc[];

  beforeAll(async () => {
    database = await openTestDatabase('assignments');
    await ensureIndexes(database.db);
    store = createStore(database.db);
    await seedOrg(store, ORG, T0);
    api = createApp({ db: store.db, logger: createLogger('silent'), adminApiToken: TOKEN, bodyLimit: '1mb', adminRouters: [adminRouter({ store, now: () => T0 })] });
    // More than one batch, so the carry-over read runs per batch.
    customers = Array.from({ length: UPSERT_BATCH + 7 }, (_, i) =>
      customerDoc(ORG, String(100 + i), `Customer ${String(i).padStart(3, '0')}`, standardContacts(`c${i}.example`), T0, { tags: [`account:ACC-${i}`], salesRepEmail: undefined, collectorEmail: undefined }),
    );
    await store.customers.upsertMany(customers.map(synced));
  });
  afterAll(async () => {
    await database.drop();
  });

  it('a sync keeps the assignment unless the platform brings its own', async () => {
    const [first, last] = [customers[0]!, customers[UPSERT_BATCH + 3]!];
    await store.customers.raw().updateOne({ _id: first._id }, { $set: { salesRepEmail: 'sam@northwind.example', collectorEmail: 'cole@northwind.example' } });
    await store.customers.raw().updateOne({ _id: last._id }, { $set: { salesRepEmail: 'ria@northwind.example' } });
    const later = new Date(T0.getTime() + 3_600_000);
    const resync = customers.map((c) => ({ ...synced(c), displayName: `${c.displayName} (renamed)`, syncedAt: later }));
    // The platform names a collector for the last one (a Xero contact group): it wins; the rep is kept.
    resync[UPSERT_BATCH + 3] = { ...resync[UPSERT_BATCH + 3]!, collectorEmail: 'group@northwind.example' };
    expect(await store.customers.upsertMany(resync)).toEqual({ inserted: 0, updated: customers.length });
    expect(await store.customers.get(first._id)).toMatchObject({ displayName: 'Customer 000 (renamed)', salesRepEmail: 'sam@northwind.example', collectorEmail: 'cole@northwind.example' });
    expect(await store.customers.get(last._id)).toMatchObject({ salesRepEmail: 'ria@northwind.example', collectorEmail: 'group@northwind.example' });
    expect((await store.customers.get(customers[1]!._id))?.salesRepEmail).toBeUndefined();
  });

  it('refuses the whole import when any row is invalid: nothing written, every problem listed with its line', async () => {
    const before = await store.customers.get(customers[2]!._id);
    const csv = 'customer,sales_rep_email,collector_email\nCustomer 002 (renamed),rep@northwind.example,\nACC-3,bad-address,\nnobody,rep@northwind.example,\n';
    const res = await request(api).put(`/api/orgs/${ORG}/assignments`).set(auth).set('content-type', 'text/csv').send(csv);
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ updated: 0, unmatched: ['nobody'], invalid: [{ line: 3, problem: 'sales_rep_email: not an email address: bad-address' }] });
    expect(await store.customers.get(customers[2]!._id)).toEqual(before);
    expect((await request(api).put(`/api/orgs/${ORG}/assignments`).set('content-type', 'text/csv').send(csv)).status).toBe(401);
    expect((await request(api).put('/api/orgs/nope/assignments').set(auth).send({ rows: [] })).status).toBe(404);
  });

  it('imports CSV by name, number and id, audits each change once, reports the unmatched, and sets the default collector', async () => {
    const [c2, c3, c4] = [customers[2]!, customers[3]!, customers[4]!];
    const csv = [
      'customer,sales_rep_email,collector_email',
      'customer 002 (RENAMED),Rep.One@Northwind.example,cole@northwind.example',
      'ACC-3,rep.two@northwind.example,',
      `${c4._id},,"lee@northwind.example"`,
      'Nobody Ltd,rep.one@northwind.example,',
      '*,,default@northwind.example',
    ].join('\r\n');
    const res = await request(api).put(`/api/orgs/${ORG}/assignments`).set(auth).set('content-type', 'text/csv').send(csv);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ updated: 3, unmatched: ['Nobody Ltd'], invalid: [], defaultCollectorEmail: 'default@northwind.example' });
    expect(await store.customers.get(c2._id)).toMatchObject({ salesRepEmail: 'rep.one@northwind.example', collectorEmail: 'cole@northwind.example' });
    expect(await store.customers.get(c3._id)).toMatchObject({ salesRepEmail: 'rep.two@northwind.example' });
    expect((await store.customers.get(c3._id))?.collectorEmail).toBeUndefined();
    expect(await store.customers.get(c4._id)).toMatchObject({ collectorEmail: 'lee@northwind.example' });
    const trail = await store.audit.list(c2._id);
    expect(trail.filter((e) => e.action === 'account.assigned')).toEqual([
      expect.objectContaining({ actor: { kind: 'system', id: 'admin-api', name: 'Overdue admin API' }, channel: 'api', details: { salesRepEmail: { from: null, to: 'rep.one@northwind.example' }, collectorEmail: { from: null, to: 'cole@northwind.example' } } }),
    ]);

    // The same import again changes nothing and audits nothing.
    const again = await request(api).put(`/api/orgs/${ORG}/assignments`).set(auth).set('content-type', 'text/csv').send(csv);
    expect(again.body).toMatchObject({ updated: 0 });
    expect((await store.audit.list(c2._id)).filter((e) => e.action === 'account.assigned')).toHaveLength(1);
  });

  it('imports JSON rows (null clears) and exports CSV that imports back unchanged', async () => {
    const c3 = customers[3]!;
    const bad = await request(api).put(`/api/orgs/${ORG}/assignments`).set(auth).send({ rows: [{ customer: 'ACC-3', salesRepEmail: null }, { customer: '', collectorEmail: 'x' }] });
    expect(bad.status).toBe(422);
    expect(bad.body.invalid.map((i: { line: number }) => i.line)).toEqual([2]);
    expect((await store.customers.get(c3._id))?.salesRepEmail).toBe('rep.two@northwind.example');
    const ok = await request(api).put(`/api/orgs/${ORG}/assignments`).set(auth).send({ rows: [{ customer: 'ACC-3', salesRepEmail: null, collectorEmail: 'kim@northwind.example' }] });
    expect(ok.body).toMatchObject({ updated: 1, unmatched: [], invalid: [] });
    expect(await store.customers.get(c3._id)).toMatchObject({ collectorEmail: 'kim@northwind.example' });
    expect((await store.customers.get(c3._id))?.salesRepEmail).toBeUndefined();

    const out = await request(api).get(`/api/orgs/${ORG}/assignments`).set(auth);
    expect(out.status).toBe(200);
    expect(out.headers['content-type']).toMatch(/^text\/csv/);
    const lines = out.text.trimEnd().split('\r\n');
    expect(lines[0]).toBe('customer,sales_rep_email,collector_email,display_name');
    expect(lines[1]).toBe('*,,default@northwind.example,(default collector)');
    expect(lines).toContain(`${c3._id},,kim@northwind.example,Customer 003 (renamed)`);
    expect(lines).toHaveLength(customers.length + 2);
    const back = await request(api).put(`/api/orgs/${ORG}/assignments`).set(auth).set('content-type', 'text/csv').send(out.text);
    expect(back.body).toEqual({ updated: 0, unmatched: [], invalid: [], defaultCollectorEmail: 'default@northwind.example' });
  });

  it('planning uses the organisation default collector for a customer without one', async () => {
    const planner = new Planner(store, { worker: 'test-assign', policies: storedPolicySource(store.policies) });
    const none = await planner.load(customers[5]!._id);
    expect(none?.account.collector).toEqual({ id: 'default@northwind.example', name: 'default@northwind.example' });
    const own = await planner.load(customers[4]!._id);
    expect(own?.account.collector?.id).toBe('lee@northwind.example');
  });
});

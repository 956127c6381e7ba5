import { createStore, ensureIndexes, type Store } from '../src/store/store.js';
import { recordId } from '../src/store/records.js';
import type { CustomerDoc, InvoiceDoc } from '../src/store/types.js';
import { openTestDatabase } from './helpers/db.js';

let database: Awaited<ReturnType<typeof openTestDatabase>>;
let store: Store;
const now = new Date('2026-03-02T10:00:00Z');

beforeAll(async () => {
  database = await openTestDatabase('store');
  await ensureIndexes(database.db);
  await ensureIndexes(database.db); // idempotent at every start
  store = createStore(database.db);
});
afterAll(() => database.drop());

function invoice(externalId: string, balanceMinor: number): Omit<InvoiceDoc, '_id'> {
  return {
    provider: 'quickbooks', companyId: '9130350', externalId, orgId: 'org1', connectionId: 'quickbooks:9130350',
    customerExternalId: 'C1', number: `INV-${externalId}`, issueDate: '2026-01-01', dueDate: '2026-01-31',
    currency: 'USD', totalMinor: 1_240_000, balanceMinor, status: balanceMinor > 0 ? 'open' : 'paid', syncedAt: now,
  };
}

describe('provider records', () => {
  it('upserts idempotently by provider + company + external id', async () => {
    const first = await store.invoices.upsertMany([invoice('101', 1_240_000), invoice('102', 50_000)]);
    expect(first).toEqual({ inserted: 2, updated: 0 });
    const again = await store.invoices.upsertMany([invoice('101', 1_000_000), invoice('102', 50_000)]);
    expect(again.inserted).toBe(0);
    expect(await store.invoices.countByCompany('quickbooks', '9130350')).toBe(2);
    expect(again).toEqual({ inserted: 0, updated: 2 });
    const inv = await store.invoices.findByKey('quickbooks', '9130350', '101');
    expect(inv?.balanceMinor).toBe(1_000_000);
    expect(inv?._id).toBe(recordId({ provider: 'quickbooks', companyId: '9130350', externalId: '101' }));
  });

  it('saves more than one batch, inserting the new and replacing the existing', async () => {
    const many = Array.from({ length: 250 }, (_, i) => ({ ...invoice(`m${i}`, 100 + i), customerExternalId: 'C-many' }));
    expect(await store.invoices.upsertMany(many.slice(0, 120))).toEqual({ inserted: 120, updated: 0 });
    expect(await store.invoices.upsertMany(many.map((d) => ({ ...d, balanceMinor: 1 })))).toEqual({ inserted: 130, updated: 120 });
    expect((await store.invoices.findByKey('quickbooks', '9130350', 'm5'))?.balanceMinor).toBe(1);
    expect((await store.invoices.findByKey('quickbooks', '9130350', 'm249'))?.balanceMinor).toBe(1);
  });

  it('keeps the same external id of two companies apart', async () => {
    await store.invoices.upsertMany([{ ...invoice('101', 7), companyId: '4620816365' }]);
    expect(await store.invoices.countByCompany('quickbooks', '4620816365')).toBe(1);
    expect((await store.invoices.findByKey('quickbooks', '9130350', '101'))?.balanceMinor).toBe(1_000_000);
  });

  it('refuses a second document with the same natural key', async () => {
    const col = database.db.collection<CustomerDoc>('customers');
    const c: CustomerDoc = {
      _id: 'a', provider: 'xero', companyId: 't1', externalId: 'X', orgId: 'org1', connectionId: 'xero:t1',
      displayName: 'Acme', contacts: [], tags: [], active: true, syncedAt: now,
    };
    await col.insertOne(c);
    await expect(col.insertOne({ ...c, _id: 'b' })).rejects.toMatchObject({ code: 11000 });
  });

  it('lists open invoices of a customer, oldest due first', async () => {
    await store.invoices.upsertMany([{ ...invoice('103', 10), dueDate: '2025-12-01' }, invoice('104', 0)]);
    const open = await store.invoices.listOpenForCustomer('quickbooks', '9130350', 'C1');
    expect(open.map((i) => i.externalId)).toEqual(['103', '101', '102']);
  });
});

describe('audit trail', () => {
  const entry = (action: string, at: Date) => ({
    orgId: 'org1', accountId: 'acct-1', actor: { kind: 'system' as const, id: 'overdue' },
    channel: 'email' as const, action, invoiceIds: ['101'], at,
  });

  it('chains entries per account and verifies the chain', async () => {
    const a = await store.audit.append(entry('reminder_1.sent', now));
    const b = await store.audit.append(entry('reminder_2.sent', new Date(now.getTime() + 86_400_000)));
    expect(a.seq).toBe(1);
    expect(b.seq).toBe(2);
    expect(b.prevHash).toBe(a.hash);
    expect(await store.audit.verify('acct-1')).toEqual({ ok: true, entries: 2 });
  });

  it('refuses updates and deletes through its API; a correction is a new entry', async () => {
    expect(() => store.audit.update()).toThrow(/append-only/);
    expect(() => store.audit.delete()).toThrow(/append-only/);
    const [first] = await store.audit.list('acct-1');
    const fix = await store.audit.correct(first!._id, { ...entry('note.corrected', now), outcome: 'wrong contact' });
    expect(fix.correctsId).toBe(first!._id);
    const all = await store.audit.list('acct-1');
    expect(all[0]).toEqual(first);
    expect(all).toHaveLength(3);
  });

  it('serialises concurrent appends into one unbroken chain', async () => {
    await Promise.all(Array.from({ length: 10 }, (_, i) => store.audit.append({ ...entry(`call.${i}`, now), accountId: 'acct-2' })));
    const list = await store.audit.list('acct-2');
    expect(list.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect((await store.audit.verify('acct-2')).ok).toBe(true);
  });

  it('detects an entry edited directly in the database', async () => {
    await database.db.collection('audit_trail').updateOne({ accountId: 'acct-2', seq: 4 }, { $set: { outcome: 'paid in full' } });
    expect(await store.audit.verify('acct-2')).toMatchObject({ ok: false, brokenAtSeq: 4 });
  });
});

describe('outbox', () => {
  const base = { orgId: 'org1', customerId: 'cust-1', channel: 'email' as const, kind: 'reminder_1', payload: {}, invoiceIds: ['101'] };

  it('enqueues a key once', async () => {
    expect(await store.outbox.enqueue({ ...base, _id: 'k1', dueAt: now }, now)).toBe(true);
    expect(await store.outbox.enqueue({ ...base, _id: 'k1', dueAt: now }, now)).toBe(false);
  });

  it('lets exactly one of several workers claim an entry, and only its holder finish it', async () => {
    await store.outbox.enqueue({ ...base, _id: 'k2', dueAt: new Date(now.getTime() - 1000) }, now);
    const claims = await Promise.all(['w1', 'w2', 'w3', 'w4'].map((w) => store.outbox.claimNext(w, now, 60_000)));
    const got = claims.filter((c) => c !== null);
    expect(got.map((c) => c._id).sort()).toEqual(['k1', 'k2']);
    const [c] = got;
    const other = c!.lockedBy === 'w1' ? 'w2' : 'w1';
    expect(await store.outbox.markSent(c!._id, other, now)).toBe(false);
    expect(await store.outbox.markSent(c!._id, c!.lockedBy!, now)).toBe(true);
    expect((await store.outbox.get(c!._id))?.state).toBe('sent');
  });

  it('reclaims an entry whose worker died, and does not hand out future entries', async () => {
    await store.outbox.enqueue({ ...base, _id: 'k3', dueAt: new Date(now.getTime() + 3_600_000) }, now);
    const later = new Date(now.getTime() + 120_000);
    const reclaimed = await store.outbox.claimNext('w9', later, 60_000);
    expect(reclaimed?.state).toBe('sending');
    expect(reclaimed?.attempts).toBe(2);
    expect(reclaimed?._id).not.toBe('k3');
  });

  it('cancels pending entries of a customer but never a sent one', async () => {
    const cancelled = await store.outbox.cancelPendingForCustomer('cust-1', 'account is current', now);
    expect(cancelled).toEqual(['k3']);
    const states = (await store.outbox.listByCustomer('cust-1')).map((e) => [e._id, e.state]);
    expect(states).toContainEqual(['k3', 'cancelled']);
    expect(states.filter(([, s]) => s === 'sent')).toHaveLength(1);
  });
});

describe('approvals and holds', () => {
  const requester = { kind: 'person' as const, id: 'U_REP' };

  it('decides once under simultaneous clicks and refuses the requester', async () => {
    const { created } = await store.approvals.request(
      { _id: 'ap1', orgId: 'org1', customerId: 'cust-1', kind: 'agency_referral', requestedBy: requester, reason: 'final demand expired' }, now);
    expect(created).toBe(true);
    expect((await store.approvals.request(
      { _id: 'ap1', orgId: 'org1', customerId: 'cust-1', kind: 'agency_referral', requestedBy: requester, reason: 'again' }, now)).created).toBe(false);
    await expect(store.approvals.decide('ap1', 'approved', requester, now)).rejects.toMatchObject({ code: 'forbidden' });
    // Segregation of duties covers every decision: rejecting (also how Give more time closes a request) too.
    await expect(store.approvals.decide('ap1', 'rejected', requester, now, 'more time until 9999-12-31')).rejects.toMatchObject({ code: 'forbidden' });
    expect((await store.approvals.get('ap1'))?.status).toBe('pending');
    const results = await Promise.allSettled([
      store.approvals.decide('ap1', 'approved', { kind: 'person', id: 'U_A' }, now),
      store.approvals.decide('ap1', 'approved', { kind: 'person', id: 'U_B' }, now),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
  });

  it('moves a hold only along its life cycle', async () => {
    await store.creditHolds.create({ _id: 'h1', orgId: 'org1', customerId: 'cust-1', status: 'proposed', reason: '45 days', requestedBy: requester }, now);
    await store.creditHolds.transition('h1', 'active', requester, now);
    expect((await store.creditHolds.activeForCustomer('cust-1'))?._id).toBe('h1');
    await store.creditHolds.transition('h1', 'released', requester, now);
    await expect(store.creditHolds.transition('h1', 'active', requester, now)).rejects.toMatchObject({ code: 'conflict' });
  });
});

describe('connections and webhook inbox', () => {
  it('gives a connection lease to one process at a time until it expires', async () => {
    await store.connections.upsert({ orgId: 'org1', provider: 'xero', companyId: 'tenant-1', companyName: 'Demo Co' }, now);
    const a = await store.connections.acquireLease('xero:tenant-1', 'p1', 'refresh', now, 30_000);
    const b = await store.connections.acquireLease('xero:tenant-1', 'p2', 'refresh', now, 30_000);
    expect(a?.lease?.owner).toBe('p1');
    expect(b).toBeNull();
    const c = await store.connections.acquireLease('xero:tenant-1', 'p2', 'refresh', new Date(now.getTime() + 31_000), 30_000);
    expect(c?.lease?.owner).toBe('p2');
  });

  it('stores a delivery once and hands it to one processor', async () => {
    expect(await store.inbox.store('xero', 'evt-1', '{"events":[]}', now)).toBe(true);
    expect(await store.inbox.store('xero', 'evt-1', '{"events":[]}', now)).toBe(false);
    const [x, y] = await Promise.all([store.inbox.claimNext('xero', 'w1', now, 60_000), store.inbox.claimNext('xero', 'w2', now, 60_000)]);
    expect([x, y].filter(Boolean)).toHaveLength(1);
  });
});

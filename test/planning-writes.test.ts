// What planning costs per new account (issue 20 §3, "plan writes/account"): its new outbox entries go in
// with one insert, its audit entries are chained and inserted together (AuditTrail.appendMany: read the
// head, insert, move the head), and the chain still verifies — also when the head lags behind the chain
// or two appenders race. Counted as round trips per collection on a monitored client.
import { MongoClient, type CommandStartedEvent } from 'mongodb';
import { zonedInstant } from '../src/domain/calendar.js';
import { Planner } from '../src/planning/plan.js';
import { accountStates } from '../src/planning/state.js';
import { storedPolicySource } from '../src/planning/policy-source.js';
import { collections, createStore, ensureIndexes, type Store } from '../src/store/store.js';
import type { AuditHeadDoc, AuditInput, CustomerDoc } from '../src/store/types.js';
import { customerDoc, invoiceDoc, saveCustomer, seedOrg, standardContacts } from './helpers/accounts.js';
import { openTestDatabase, testDatabaseUri } from './helpers/db.js';

const T0 = new Date('2025-03-01T00:00:00Z');
const at = (date: string, hhmm: string): Date => new Date(zonedInstant(date, hhmm, 'America/Chicago'));

let database: Awaited<ReturnType<typeof openTestDatabase>>;
let client: MongoClient;
let store: Store;
const commands: string[] = [];

beforeAll(async () => {
  database = await openTestDatabase('plan_writes');
  await ensureIndexes(database.db);
  client = new MongoClient(testDatabaseUri(), { monitorCommands: true });
  await client.connect();
  client.on('commandStarted', (e: CommandStartedEvent) => commands.push(`${e.commandName}:${String(e.command[e.commandName])}`));
  store = createStore(client.db(database.name));
});
afterAll(async () => {
  await client.close();
  await database.drop();
});

/** How many of each `command:collection` f sent. */
async function counted(f: () => Promise<unknown>): Promise<Map<string, number>> {
  commands.length = 0;
  await f();
  const out = new Map<string, number>();
  for (const c of commands) out.set(c, (out.get(c) ?? 0) + 1);
  return out;
}

const entry = (accountId: string, action: string, i: number): AuditInput => ({
  orgId: 'org-a', accountId, actor: { kind: 'system', id: 'test', name: 'Test' }, at: new Date(T0.getTime() + i), channel: 'system', action, invoiceIds: [], outcome: `${action} ${i}`,
});

describe('AuditTrail.appendMany', () => {
  it('chains several entries of one account in three round trips, and the chain verifies', async () => {
    const n = await counted(() => store.audit.appendMany([entry('acc-1', 'a', 1), entry('acc-1', 'b', 2), entry('acc-1', 'c', 3)]));
    expect(Object.fromEntries(n)).toEqual({ 'find:audit_heads': 1, 'insert:audit_trail': 1, 'insert:audit_heads': 1 });
    const more = await counted(() => store.audit.appendMany([entry('acc-1', 'd', 4), entry('acc-1', 'e', 5)]));
    expect(Object.fromEntries(more)).toEqual({ 'find:audit_heads': 1, 'insert:audit_trail': 1, 'update:audit_heads': 1 });
    expect((await store.audit.list('acc-1')).map((e) => [e.seq, e.action])).toEqual([[1, 'a'], [2, 'b'], [3, 'c'], [4, 'd'], [5, 'e']]);
    expect(await store.audit.verify('acc-1')).toEqual({ ok: true, entries: 5 });
    expect(await store.audit.head('acc-1')).toMatchObject({ seq: 5 });
  });

  it('a head that lags behind the chain: the insert is refused, the chain walked forward, the entries chained after its end', async () => {
    await store.audit.appendMany([entry('acc-2', 'a', 1), entry('acc-2', 'b', 2), entry('acc-2', 'c', 3)]);
    // The head left at seq 1 (its writer stopped after inserting entries 2 and 3).
    await store.db.collection<AuditHeadDoc>(collections.auditHeads).updateOne({ _id: 'acc-2' }, { $set: { seq: 1, hash: (await store.audit.list('acc-2'))[0]?.hash ?? '' } });
    const written = await store.audit.appendMany([entry('acc-2', 'd', 4), entry('acc-2', 'e', 5)]);
    expect(written.map((e) => e.seq)).toEqual([4, 5]);
    expect((await store.audit.list('acc-2')).map((e) => e.action)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(await store.audit.verify('acc-2')).toEqual({ ok: true, entries: 5 });
    expect(await store.audit.head('acc-2')).toMatchObject({ seq: 5 });
  });

  it('two appenders racing on one account: every entry lands once, in one chain that verifies', async () => {
    const a = Array.from({ length: 4 }, (_, i) => entry('acc-3', `x${i}`, i));
    const b = Array.from({ length: 4 }, (_, i) => entry('acc-3', `y${i}`, 10 + i));
    await Promise.all([store.audit.appendMany(a), store.audit.appendMany(b), store.audit.append(entry('acc-3', 'z', 20))]);
    const list = await store.audit.list('acc-3');
    expect(list.map((e) => e.action).sort()).toEqual(['x0', 'x1', 'x2', 'x3', 'y0', 'y1', 'y2', 'y3', 'z']);
    // Each appender's entries keep their order.
    const xs = list.filter((e) => e.action.startsWith('x')).map((e) => e.action);
    expect(xs).toEqual(['x0', 'x1', 'x2', 'x3']);
    expect(await store.audit.verify('acc-3')).toEqual({ ok: true, entries: 9 });
  });

  it('refuses entries of several accounts in one call, and takes none', async () => {
    await expect(store.audit.appendMany([entry('acc-4', 'a', 1), entry('acc-5', 'b', 2)])).rejects.toThrow(/one account/);
    expect(await store.audit.list('acc-4')).toEqual([]);
    expect(await store.audit.appendMany([])).toEqual([]);
  });
});

describe('Outbox.enqueueMany', () => {
  it('inserts the new keys in one round trip and leaves an existing key as it was', async () => {
    const base = { orgId: 'org-a', customerId: 'c-1', channel: 'email' as const, kind: 'email', payload: {}, invoiceIds: [], dueAt: T0 };
    expect(await store.outbox.enqueue({ ...base, _id: 'k-1', payload: { first: true } }, T0)).toBe(true);
    let created: string[] = [];
    const n = await counted(async () => {
      created = await store.outbox.enqueueMany([{ ...base, _id: 'k-1' }, { ...base, _id: 'k-2' }, { ...base, _id: 'k-3' }], T0);
    });
    expect(Object.fromEntries(n)).toEqual({ 'insert:outbox': 1 });
    expect(created.sort()).toEqual(['k-2', 'k-3']);
    expect((await store.outbox.get('k-1'))?.payload).toEqual({ first: true });
    expect(await store.outbox.get('k-3')).toMatchObject({ state: 'pending', attempts: 0, nextAttemptAt: T0 });
    expect(await store.outbox.enqueueMany([{ ...base, _id: 'k-2' }, { ...base, _id: 'k-3' }], T0)).toEqual([]);
  });
});

describe('the first pass over new accounts', () => {
  async function seed(orgId: string, n: number): Promise<CustomerDoc[]> {
    const seeding = createStore(database.db);
    await seedOrg(seeding, orgId, T0);
    const out: CustomerDoc[] = [];
    for (let i = 0; i < n; i++) {
      const c = customerDoc(orgId, `${orgId}-${String(i).padStart(3, '0')}`, `Customer ${i}`, standardContacts(`${orgId}-${i}.example`), T0);
      await saveCustomer(seeding, c, [invoiceDoc(c, `${orgId}-i${i}`, `INV-${orgId}-${i}`, '2025-03-03', 10_000 + i, T0), invoiceDoc(c, `${orgId}-j${i}`, `INV-${orgId}-J${i}`, '2025-03-20', 5_000, T0)]);
      out.push(c);
    }
    return out;
  }

  it('costs each new account one outbox insert, three audit round trips and one state insert; every chain verifies', async () => {
    const customers = await seed('org-w', 30);
    const planner = new Planner(store, { worker: 'test-planner', policies: storedPolicySource(store.policies) });
    const n = await counted(async () => {
      expect(await planner.planOrganisation('org-w', at('2025-03-04', '08:00'), 10)).toMatchObject({ accounts: 30, enqueued: 30, failed: 0 });
    });
    // Per account: its entry (one insert), its two audit entries — outbox.enqueued and account.level — chained
    // in one insert after one head read, the new head inserted; the state under its write claim (take, write, release).
    expect(n.get('insert:outbox')).toBe(30);
    expect(n.get('find:audit_heads')).toBe(30);
    expect(n.get('insert:audit_trail')).toBe(30);
    expect(n.get('insert:audit_heads')).toBe(30);
    expect(n.get('find:audit_trail') ?? 0).toBe(0);
    expect(n.get('update:audit_heads') ?? 0).toBe(0);
    // A first plan inserts the state: no write claim needed (nobody's data to overwrite).
    expect(n.get('insert:account_states')).toBe(30);
    expect(n.get('update:account_states') ?? 0).toBe(0);
    expect(n.get('insert:claims') ?? 0).toBe(0);
    for (const c of customers) {
      const trail = await store.audit.list(c._id);
      expect(trail.map((e) => e.action)).toEqual(['outbox.enqueued', 'account.level']);
      expect(await store.audit.verify(c._id)).toEqual({ ok: true, entries: 2 });
    }
  });
});

describe('AccountStates.recordPlan on an account planning read no state for', () => {
  it('inserts it; one someone created meanwhile (contacts entered) is updated under the claim and keeps their data', async () => {
    const states = accountStates(store.db);
    await states.recordPlan('c-new', 'org-a', { nextEvaluationAt: T0, levelId: 'reminder-1' }, T0, { absent: true });
    expect(await states.get('c-new')).toMatchObject({ orgId: 'org-a', levelId: 'reminder-1', nextEvaluationAt: T0, lastPlannedAt: T0, disputes: [], promises: [], paymentPlans: [], snoozes: [] });
    const contact = { id: 'x-1', name: 'Al Payable', email: 'al@example.com', roles: ['billing' as const], enteredBy: 'U1', enteredAt: T0 };
    await states.updateContacts('c-raced', 'org-a', () => [contact], T0);
    const later = new Date(T0.getTime() + 60_000);
    await states.recordPlan('c-raced', 'org-a', { nextEvaluationAt: null, levelId: 'courtesy' }, later, { absent: true });
    expect(await states.get('c-raced')).toMatchObject({ levelId: 'courtesy', nextEvaluationAt: null, lastPlannedAt: later, contacts: [contact] });
  });
});

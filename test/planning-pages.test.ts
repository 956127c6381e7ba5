// Paged planning (issue 20 §3): a pass reads an organisation in a constant number
// of round trips whatever its size, plans the accounts from memory, and writes
// nothing for an account whose decision did not change.
import { MongoClient, type CommandStartedEvent } from 'mongodb';
import { zonedInstant } from '../src/domain/calendar.js';
import { groupByCustomer, mayHaveLostSend } from '../src/planning/page.js';
import { Planner } from '../src/planning/plan.js';
import { storedPolicySource } from '../src/planning/policy-source.js';
import { collections, createStore, ensureIndexes, type Store } from '../src/store/store.js';
import type { CustomerDoc, InvoiceDoc, OutboxEntryDoc } from '../src/store/types.js';
import { customerDoc, invoiceDoc, payInvoice, saveCustomer, seedOrg, standardContacts } from './helpers/accounts.js';
import { openTestDatabase, testDatabaseUri } from './helpers/db.js';

const T0 = new Date('2025-03-01T00:00:00Z');
const at = (date: string, hhmm: string): Date => new Date(zonedInstant(date, hhmm, 'America/Chicago'));
const WRITES = new Set(['insert', 'update', 'delete', 'findAndModify']);

let database: Awaited<ReturnType<typeof openTestDatabase>>;
let client: MongoClient;
let store: Store;
let planner: Planner;
const commands: string[] = [];

beforeAll(async () => {
  database = await openTestDatabase('pages');
  await ensureIndexes(database.db);
  // The planner on its own monitored client: every command it sends is counted.
  client = new MongoClient(testDatabaseUri(), { monitorCommands: true });
  await client.connect();
  client.on('commandStarted', (e: CommandStartedEvent) => commands.push(`${e.commandName}:${String(e.command[e.commandName])}`));
  store = createStore(client.db(database.name));
  planner = new Planner(store, { worker: 'test-planner', policies: storedPolicySource(store.policies) });
});
afterAll(async () => {
  await client.close();
  await database.drop();
});

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

/** Collections the write path reads (the audit chain's head, claims): their reads belong to a write. */
const WRITE_PATH = new Set(['audit_trail', 'audit_heads', 'claims']);

/** Commands sent while f ran: the planning reads (not the write path's) and the writes. */
async function counting<T>(f: () => Promise<T>): Promise<{ value: T; reads: number; writes: number }> {
  commands.length = 0;
  const value = await f();
  const writes = commands.filter((c) => WRITES.has(c.split(':')[0] ?? '')).length;
  const reads = commands.filter((c) => !WRITES.has(c.split(':')[0] ?? '') && !WRITE_PATH.has(c.split(':')[1] ?? '')).length;
  return { value, reads, writes };
}

it('the daily pass reads an organisation in a constant number of round trips, and an unchanged account costs no write', async () => {
  const customers = await seed('org-p', 60);
  const now = at('2025-03-04', '08:00');
  const first = await counting(() => planner.planOrganisation('org-p', now, 25));
  expect(first.value).toMatchObject({ accounts: 60, enqueued: 60, failed: 0 });
  // Reads: organisation, policy, quarantine, 7 collections (+ a getMore or two): not one per account.
  expect(first.reads).toBeLessThanOrEqual(14);
  for (const c of customers.slice(0, 3)) expect(await store.outbox.listByCustomer(c._id)).toHaveLength(1);

  const again = await counting(() => planner.planOrganisation('org-p', new Date(now.getTime() + 60_000), 25));
  expect(again.value).toMatchObject({ accounts: 60, enqueued: 0, cancelled: 0 });
  expect(again.writes).toBe(0);
  expect(again.reads).toBeLessThanOrEqual(14);

  // One account changes (its past-due invoice is paid): only it is written.
  const inv = (await store.invoices.listOpenForCustomer('quickbooks', customers[7]?.companyId ?? '', customers[7]?.externalId ?? ''))[0];
  if (!inv) throw new Error('no invoice');
  await payInvoice(createStore(database.db), inv, now);
  const third = await counting(() => planner.planOrganisation('org-p', new Date(now.getTime() + 120_000), 25));
  expect(third.value).toMatchObject({ accounts: 60, enqueued: 0, cancelled: 1 });
  expect(third.writes).toBeGreaterThan(0);
  expect(third.writes).toBeLessThanOrEqual(12); // claim, cancel, audit (entry + head), state under its write claim (take, release), its console summary row; the list's chunk and head (src/planning/account-list.ts)
});

it('planDue and planMany of many accounts read the organisation once and plan the same as one by one', async () => {
  const customers = await seed('org-q', 40);
  const ids = customers.map((c) => c._id);
  const now = at('2025-03-04', '08:00');
  const many = await counting(() => planner.planMany(ids, now));
  expect(many.value.map((r) => [r.customerId, r.enqueued.length])).toEqual(ids.map((id) => [id, 1]));
  expect(many.reads).toBeLessThanOrEqual(16);
  // The next morning every account is due: one pass, few reads.
  const due = await counting(() => planner.planDue('org-q', at('2025-03-05', '09:00'), 15));
  expect(due.value).toMatchObject({ accounts: 40, failed: 0 });
  expect(due.reads).toBeLessThanOrEqual(16);
  // An unknown id among them is reported as not found; the rest are planned.
  const mixed = await planner.planMany([...ids.slice(0, 30), 'quickbooks:nope:0'], at('2025-03-05', '09:30'));
  expect(mixed.filter((r) => r.found)).toHaveLength(30);
  expect(mixed.find((r) => r.customerId === 'quickbooks:nope:0')).toMatchObject({ found: false });
});

describe('groupByCustomer (pure)', () => {
  it('groups by customer key, sorts invoices by due date then number, and leaves customers without documents empty', () => {
    const a = customerDoc('o', 'a', 'A', [], T0);
    const b = customerDoc('o', 'b', 'B', [], T0);
    const late = invoiceDoc(a, 'x1', 'INV-2', '2025-03-10', 1, T0);
    const early = invoiceDoc(a, 'x2', 'INV-9', '2025-03-01', 1, T0);
    const grouped = groupByCustomer({ customers: [a, b], invoices: [late, early], payments: [], states: [], entries: [], holds: [], bounces: [{ email: 'x@y.example' }] });
    expect(grouped.map((g) => [g.customer._id, g.invoices.map((i) => i.number), g.state, g.hold])).toEqual([
      [a._id, ['INV-9', 'INV-2'], null, null],
      [b._id, [], null, null],
    ]);
    expect(grouped[1]?.bounced.has('x@y.example')).toBe(true);
  });

  it('asks for the sent audit only where a send may have been lost', () => {
    const e = (state: OutboxEntryDoc['state'], attempts: number, deferrals?: number): OutboxEntryDoc =>
      ({ state, attempts, ...(deferrals !== undefined ? { deferrals } : {}) }) as OutboxEntryDoc;
    expect(mayHaveLostSend([e('sent', 1), e('pending', 0), e('cancelled', 1), e('pending', 2, 2)])).toBe(false);
    expect(mayHaveLostSend([e('sending', 1)])).toBe(true);
    expect(mayHaveLostSend([e('pending', 2, 1)])).toBe(true);
    expect(mayHaveLostSend([e('failed', 3)])).toBe(true);
  });
});

it('an invoice the ledger gave no due date is chased by neither the paged pass nor a single plan', async () => {
  const customers = await seed('org-u', 30);
  const undated = customers[4];
  if (!undated) throw new Error('no customer');
  // Its only open invoice has neither a due date nor terms in the ledger (the connectors flag it 'none').
  const seeding = createStore(database.db);
  for (const inv of await seeding.invoices.listOpenForCustomer(undated.provider, undated.companyId, undated.externalId)) {
    await seeding.db.collection<InvoiceDoc>(collections.invoices).updateOne({ _id: inv._id }, { $set: { dueDateSource: 'none', dueDate: '2024-12-01' } });
  }
  const now = at('2025-03-04', '08:00');
  const paged = await planner.planOrganisation('org-u', now, 25);
  expect(paged).toMatchObject({ accounts: 30, failed: 0 });
  expect(await store.outbox.listByCustomer(undated._id)).toEqual([]);
  expect((await planner.plan(undated._id, now)).enqueued).toEqual([]);
  expect(await store.outbox.listByCustomer(customers[5]?._id ?? '')).toHaveLength(1);
});

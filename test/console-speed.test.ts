// The console's read models (docs/console.md "Read models"): per-account summary rows written by planning
// only when they change, the accounts list and CSV reading them, the organisation's daily snapshot written
// by the daily pass (once a day), DSO and the money collected per ladder level, and the overview drawing
// them.
import type { Server } from 'node:http';
import { webApi } from '@slack/bolt';
import express from 'express';
import { ConsoleAuth } from '../app/console/auth.js';
import { buildConsole } from '../app/console/index.js';
import { planDaily } from '../jobs/plan.js';
import { createLogger } from '../src/logger.js';
import { plannerFor } from '../src/planning/plan.js';
import { fixedPolicySource } from '../src/planning/policy-source.js';
import { attributeCollections, dsoOf, levelHistoryOf, orgSnapshots, snapshotId, type OrgSnapshotDoc } from '../src/planning/snapshots.js';
import { accountList, chunkOf, cutChunks } from '../src/planning/account-list.js';
import { accountSummaries, summaryRowId, type AccountSummaryRowDoc } from '../src/planning/summaries.js';
import { collections, createStore, ensureIndexes, type Store } from '../src/store/store.js';
import type { CustomerDoc, InvoiceDoc, OutboxEntryDoc, PaymentDoc } from '../src/store/types.js';
import { SlackContext } from '../slack/services/context.js';
import { anyTimePolicy, customerDoc, invoiceDoc, payInvoice, saveCustomer, seedOrg, standardContacts } from './helpers/accounts.js';
import { openTestDatabase } from './helpers/db.js';
import { testServices } from './helpers/services.js';

const ORG = 'org-speed';
const DAY = 86_400_000;
const policies = fixedPolicySource(anyTimePolicy);
const dayOf = (d: Date): string => d.toISOString().slice(0, 10);

let database: Awaited<ReturnType<typeof openTestDatabase>>;
let store: Store;
const now = new Date(Date.UTC(2026, 11, 5, 8, 0, 0));
const customers: CustomerDoc[] = [];
const invoices = new Map<string, InvoiceDoc[]>();

const planner = () => plannerFor({ store, worker: 'speed-test', policies });
const rowOf = (c: CustomerDoc): Promise<AccountSummaryRowDoc | null> => accountSummaries(store.db).get(ORG, c._id);

beforeAll(async () => {
  database = await openTestDatabase('console-speed');
  await ensureIndexes(database.db);
  store = createStore(database.db);
  await seedOrg(store, ORG, now, 'UTC');
  const spec: [string, string, number, string, Partial<CustomerDoc>][] = [
    ['sp-a', 'Acme Anvils', 40, 'USD', {}],
    ['sp-b', 'Bolt Brothers', 10, 'USD', { salesRepEmail: 'Other.Rep@northwind.example' }],
    ['sp-c', 'Cobalt Crates', -10, 'USD', {}],
    ['sp-d', 'Delta Drums', 100, 'EUR', {}],
    ['sp-e', 'Echo Estates', 5, 'USD', {}],
  ];
  for (const [id, name, daysPast, currency, extra] of spec) {
    const c = customerDoc(ORG, id, name, standardContacts(`${id}.example`), now, { timeZone: 'UTC', ...extra });
    const inv = [
      invoiceDoc(c, `${id}-1`, `INV-${id}-1`, dayOf(new Date(now.getTime() - daysPast * DAY)), 120_000, now, { currency, issueDate: dayOf(new Date(now.getTime() - (daysPast + 30) * DAY)) }),
      invoiceDoc(c, `${id}-2`, `INV-${id}-2`, dayOf(new Date(now.getTime() + 20 * DAY)), 30_000, now, { currency, issueDate: dayOf(new Date(now.getTime() - 10 * DAY)) }),
    ];
    await saveCustomer(store, c, inv);
    customers.push(c);
    invoices.set(c._id, inv);
  }
});

afterAll(async () => {
  await database.drop();
});

describe('summary rows', () => {
  it('the daily pass writes one row per account with what the list shows, and the day’s snapshot', async () => {
    await planner().planOrganisation(ORG, now, 200, { snapshot: true });
    const [a, b, c, d] = await Promise.all(customers.map(rowOf));
    expect(a).toMatchObject({ _id: summaryRowId(ORG, customers[0]?._id ?? ''), name: 'Acme Anvils', nameKey: 'acme anvils', state: 'past_due', currencies: ['USD'], open: [{ currency: 'USD', minor: 150_000 }], pastDue: [{ currency: 'USD', minor: 120_000 }] });
    expect(a?.level).not.toBeNull();
    expect(a?.next?.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    // 40 days past due: the 31–60 bucket; the other invoice not yet due.
    expect(a?.aging).toEqual([{ currency: 'USD', buckets: [30_000, 0, 120_000, 0, 0] }]);
    expect(b?.owners).toEqual(['cole.lector@northwind.example', 'other.rep@northwind.example']);
    expect(c?.state).toBe('current'); // due in 10 days
    expect(d?.aging).toEqual([{ currency: 'EUR', buckets: [30_000, 0, 0, 0, 120_000] }]);
    const snap = await store.db.collection<OrgSnapshotDoc>(collections.orgSnapshots).findOne({ _id: snapshotId(ORG, dayOf(now)) });
    expect(snap).toMatchObject({ source: 'daily', accounts: 5, accountsWithOpen: 5, date: dayOf(now) });
    expect(snap?.aging.find((x) => x.currency === 'USD')?.buckets).toEqual([120_000 + 120_000, 120_000 + 120_000, 120_000, 0, 0]);
  });

  it('an unchanged account’s row is not written again (same plannedAt; planning reports no write)', async () => {
    const before = await Promise.all(customers.map(rowOf));
    const later = new Date(now.getTime() + 60_000);
    await planner().planOrganisation(ORG, later, 200);
    const after = await Promise.all(customers.map(rowOf));
    expect(after.map((r) => r?.plannedAt.getTime())).toEqual(before.map((r) => r?.plannedAt.getTime()));
    const one = await planner().plan(customers[2]?._id ?? '', later);
    expect(one.summaryWritten).toBeUndefined();
    expect(one.summaryRow?.state).toBe('current');
  });

  it('a payment and the re-plan after it (the webhook path) update the row', async () => {
    const c = customers[4] as CustomerDoc;
    const first = invoices.get(c._id)?.[0] as InvoiceDoc;
    await payInvoice(store, first, now);
    const r = await planner().plan(c._id, new Date(now.getTime() + 120_000));
    expect(r.summaryWritten).toBe(true);
    expect(await rowOf(c)).toMatchObject({ state: 'current', open: [{ currency: 'USD', minor: 30_000 }], pastDue: [] });
  });
});

describe('the list documents', () => {
  it('cut rows into chunks in id order and find the chunk of an id (pure)', () => {
    const r = (id: string) => ({ customerId: id }) as AccountSummaryRowDoc;
    expect(cutChunks([r('d'), r('a'), r('c'), r('b'), r('e')], 2).map((c) => c.map((x) => x.customerId))).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect([' ', 'a', 'b', 'c', 'd', 'zz'].map((id) => chunkOf(['a', 'c', 'e'], id))).toEqual([0, 0, 0, 1, 1, 2]);
  });

  it('the pass wrote the head and chunks; a rebuild with the same rows writes nothing', async () => {
    const list = accountList(store.db);
    const head = await list.head(ORG);
    expect(head?.firstIds).toEqual([customers.map((c) => c._id).sort()[0]]);
    const rows = await list.all(ORG);
    expect(rows.map((x) => x.customerId)).toEqual(customers.map((c) => c._id).sort());
    // The payment's re-plan put its row into its chunk since the pass: a rebuild writes that chunk (and the head's hashes) once, then nothing.
    expect(await list.rebuild(ORG, rows, new Date(now.getTime() + 5_000))).toBeLessThanOrEqual(2);
    expect(await list.rebuild(ORG, rows, new Date(now.getTime() + 6_000))).toBe(0);
  });

  it('a single-account plan puts its changed row into its chunk, and a new account into the list', async () => {
    const list = accountList(store.db);
    const e = customers[4] as CustomerDoc;
    expect((await list.all(ORG)).find((x) => x.customerId === e._id)?.open).toEqual([{ currency: 'USD', minor: 30_000 }]);
    const c = customerDoc(ORG, 'sp-0', 'Zero Zinc', standardContacts('sp-0.example'), now, { timeZone: 'UTC' });
    await saveCustomer(store, c, [invoiceDoc(c, 'sp-0-1', 'INV-sp-0-1', dayOf(new Date(now.getTime() - 3 * DAY)), 9_900, now)]);
    await planner().plan(c._id, new Date(now.getTime() + 180_000));
    const all = await list.all(ORG);
    expect(all.map((x) => x.name)).toContain('Zero Zinc');
    expect(all.map((x) => x.customerId)).toEqual([...all.map((x) => x.customerId)].sort());
    expect((await list.head(ORG))?.firstIds[0]).toBe(all[0]?.customerId);
    customers.push(c);
  });

  it('scans pages after a cursor and keeps what a filter keeps', async () => {
    const list = accountList(store.db);
    const ids = customers.map((c) => c._id).sort();
    const first = await list.scan(ORG, { want: 2, examine: 2, keep: () => true });
    expect(first.rows.map((x) => x.customerId)).toEqual(ids.slice(0, 2));
    expect(first.lastId).toBe(ids[1]);
    const rest = await list.scan(ORG, { after: first.lastId ?? '', want: 50, examine: 50, keep: () => true });
    expect(rest.rows.map((x) => x.customerId)).toEqual(ids.slice(2));
    expect(rest.lastId).toBeNull();
    const eur = await list.scan(ORG, { want: 50, examine: 500, keep: (x) => x.currencies.includes('EUR') });
    expect(eur.rows.map((x) => x.name)).toEqual(['Delta Drums']);
    expect(await list.scan('org-other', { want: 50, examine: 50, keep: () => true })).toMatchObject({ rows: [], lastId: null });
  });
});

describe('DSO and attribution (pure)', () => {
  it('DSO = receivables ÷ credit sales over the window × its days; none without sales', () => {
    expect(dsoOf(50_000, 150_000)).toBe(30);
    expect(dsoOf(10_000, 30_000, 90)).toBe(30);
    expect(dsoOf(1, 3, 90)).toBe(30);
    expect(dsoOf(20_000, 90_000)).toBe(20);
    expect(dsoOf(12_345, 100_000)).toBe(11.1);
    expect(dsoOf(10_000, 0)).toBeNull();
    expect(dsoOf(-5, 100)).toBe(0);
  });

  it('each payment goes to the level of the last action sent strictly before its date; none before any', () => {
    const history = [
      { date: '2026-10-01', levelId: 'reminder-1', levelName: 'reminder 1' },
      { date: '2026-10-20', levelId: 'final-demand', levelName: 'final demand' },
      { date: '2026-10-10', levelId: 'reminder-2', levelName: 'reminder 2' },
    ];
    const lines = attributeCollections(
      [
        { date: '2026-09-30', currency: 'USD', amountMinor: 100 },
        { date: '2026-10-01', currency: 'USD', amountMinor: 200 }, // the same day as reminder 1: before it counts
        { date: '2026-10-02', currency: 'USD', amountMinor: 300 },
        { date: '2026-10-15', currency: 'USD', amountMinor: 400 },
        { date: '2026-10-15', currency: 'EUR', amountMinor: 500 },
        { date: '2026-11-01', currency: 'USD', amountMinor: 600 },
        { date: '2026-11-02', currency: 'USD', amountMinor: 0 },
      ],
      history,
    );
    expect(lines).toEqual([
      { levelId: 'final-demand', levelName: 'final demand', currency: 'USD', minor: 600, payments: 1 },
      { levelId: 'none', levelName: 'Before any reminder', currency: 'USD', minor: 300, payments: 2 },
      { levelId: 'reminder-1', levelName: 'reminder 1', currency: 'USD', minor: 300, payments: 1 },
      { levelId: 'reminder-2', levelName: 'reminder 2', currency: 'EUR', minor: 500, payments: 1 },
      { levelId: 'reminder-2', levelName: 'reminder 2', currency: 'USD', minor: 400, payments: 1 },
    ]);
  });

  it('the level history is the ladder’s customer-facing sends, dated in the zone', () => {
    const e = (kind: string, state: OutboxEntryDoc['state'], sentAt: Date, levelId = 'reminder-1') => ({ kind, state, sentAt, updatedAt: sentAt, payload: { action: { levelId, levelName: levelId } } }) as unknown as OutboxEntryDoc;
    expect(
      levelHistoryOf([e('email', 'sent', new Date('2026-10-02T03:00:00Z')), e('email', 'pending', new Date('2026-10-03T00:00:00Z')), e('task', 'sent', new Date('2026-10-04T00:00:00Z')), e('letter', 'sent', new Date('2026-10-05T12:00:00Z'), 'final-demand')], 'America/Chicago'),
    ).toEqual([
      { date: '2026-10-01', levelId: 'reminder-1', levelName: 'reminder-1' },
      { date: '2026-10-05', levelId: 'final-demand', levelName: 'final-demand' },
    ]);
  });
});

describe('daily snapshot', () => {
  it('is written once per day per organisation by plan-daily, with the money collected per level', async () => {
    // What the dispatcher does when it sends: Acme's first planned customer-facing entry is marked sent today.
    const acme = customers[0] as CustomerDoc;
    const outbox = store.db.collection<OutboxEntryDoc>(collections.outbox);
    const entry = (await outbox.find({ customerId: acme._id, state: 'pending' }).toArray()).find((x) => ['email', 'letter'].includes(x.kind));
    if (!entry) throw new Error('no planned email for Acme');
    await outbox.updateOne({ _id: entry._id }, { $set: { state: 'sent', sentAt: now, updatedAt: now } });
    const levelName = String((entry.payload as { action: { levelName: string } }).action.levelName);
    // Paid the next day (synced), and an older payment from before any reminder.
    const pay = (externalId: string, date: string, amountMinor: number): PaymentDoc => ({
      _id: `quickbooks:1234567890:${externalId}`, provider: 'quickbooks', companyId: '1234567890', externalId, orgId: ORG, connectionId: acme.connectionId, customerExternalId: acme.externalId,
      date, currency: 'USD', amountMinor, appliedTo: [], deleted: false, syncedAt: now,
    });
    await store.db.collection<PaymentDoc>(collections.payments).insertMany([pay('pay-1', dayOf(new Date(now.getTime() + DAY)), 50_000), pay('pay-0', dayOf(new Date(now.getTime() - 20 * DAY)), 7_000)]);

    const services = testServices(store, { policies, now: () => new Date(now.getTime() + DAY) });
    const job = { attrs: { _id: 'j', name: 'plan-daily' } } as never;
    await planDaily.run({ pageSize: 200, hour: 7, all: true }, services, job);
    await planDaily.run({ pageSize: 200, hour: 7, all: true }, services, job);
    const snaps = await orgSnapshots(store.db).range(ORG, '2026-01-01', '2027-12-31');
    expect(snaps.map((s) => s._id)).toEqual([snapshotId(ORG, dayOf(now)), snapshotId(ORG, dayOf(new Date(now.getTime() + DAY)))]);
    const today = snaps[1] as OrgSnapshotDoc;
    expect(today.collected).toEqual([
      { levelId: entry.payload && (entry.payload as { action: { levelId: string } }).action.levelId, levelName, currency: 'USD', minor: 50_000, payments: 1 },
      { levelId: 'none', levelName: 'Before any reminder', currency: 'USD', minor: 7_000, payments: 1 },
    ].sort((x, y) => (x.levelId < y.levelId ? -1 : 1)));
    // Credit sales: the invoices issued in the 90 days up to the day (all ten), receivables the open balances.
    const usdSales = today.creditSales.find((x) => x.currency === 'USD')?.minor ?? 0;
    const usdOpen = today.open.find((x) => x.currency === 'USD')?.minor ?? 0;
    expect(usdSales).toBe(4 * 150_000);
    expect(today.dso.find((x) => x.currency === 'USD')?.days).toBe(dsoOf(usdOpen, usdSales));
  });
});

describe('the console reads them', () => {
  let server: Server;
  let base = '';
  let cookie = '';
  beforeAll(async () => {
    const logger = createLogger('silent');
    const clock = () => new Date(now.getTime() + DAY);
    const slack = new SlackContext({ store, client: new webApi.WebClient('xoxb-test', { slackApiUrl: 'http://127.0.0.1:9/api/' }), logger, now: clock, policies, replan: async () => undefined });
    await slack.people.upsert({ orgId: ORG, email: 'cole.lector@northwind.example', name: 'Cole Lector', slackUserId: 'U0SPEED1', roles: ['collector'] }, now);
    const auth = new ConsoleAuth(store);
    const link = await auth.mintSignIn(ORG, 'U0SPEED1', clock());
    const session = await auth.redeem(link.token, clock());
    if (!session.ok) throw new Error('no session');
    cookie = `overdue_console=${session.sessionId}`;
    const app = express();
    app.use(buildConsole({ services: { store, now: clock, logger, policies }, slack, auth, bodyLimit: '1mb' }));
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const addr = server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
  });
  const get = async (path: string): Promise<{ status: number; text: string }> => {
    const res = await fetch(`${base}${path}`, { headers: { cookie } });
    return { status: res.status, text: await res.text() };
  };

  it('the overview shows the trend of the snapshots and the money collected per level', async () => {
    const { status, text } = await get('/console');
    expect(status).toBe(200);
    for (const s of ['DSO and past due over time', 'DSO and past due in USD by day', 'DSO in USD, last 2 days', 'Past-due balance in USD, last 2 days', 'Money collected in USD per ladder level', 'Before any reminder', '<polyline', 'Accounts by state', 'Promises to pay']) expect(text).toContain(s);
    expect(text).toContain(`<th scope="row">${dayOf(now)}</th>`);
    expect(text).not.toContain('computed now');
  });

  it('the accounts list filters the rows and the CSV holds the matching ones', async () => {
    const all = await get('/console/accounts');
    for (const n of ['Acme Anvils', 'Bolt Brothers', 'Cobalt Crates', 'Delta Drums', 'Echo Estates']) expect(all.text).toContain(n);
    const pre = await get('/console/accounts?state=current');
    expect(pre.text).toContain('Cobalt Crates');
    const owner = await get('/console/accounts?owner=other.rep%40northwind.example');
    expect(owner.text).toContain('Bolt Brothers');
    expect(owner.text).not.toContain('Acme Anvils');
    expect(pre.text).not.toContain('Acme Anvils');
    const big = await get('/console/accounts?currency=USD&min=1400');
    expect(big.text).toContain('Acme Anvils');
    expect(big.text).not.toContain('Echo Estates');
    const csv = await get('/console/accounts.csv?q=delta');
    expect(csv.text.split('\r\n').filter((l) => l !== '')).toHaveLength(2);
    expect(csv.text).toContain('Delta Drums');
  });

  it('a fresh organisation’s overview is computed once on demand and says so', async () => {
    await store.db.collection(collections.orgSnapshots).deleteMany({ orgId: ORG });
    const first = await get('/console');
    expect(first.text).toContain('computed now');
    const second = await get('/console');
    expect(second.text).not.toContain('computed now');
    expect(await store.db.collection(collections.orgSnapshots).countDocuments({ orgId: ORG })).toBe(1);
  });
});

// The hold a persisting ledger difference places on an account (src/ledger/runs.ts),
// at dispatch: its customer email waits, pending and audited once per run, while its
// tasks flow and other accounts send; a later run without the hold lets it go.
import { zonedInstant } from '../src/domain/calendar.js';
import { ReconciliationRuns, type ReconciliationRunDoc } from '../src/ledger/runs.js';
import { createChannels, createSmtpTransport, Dispatcher, type SmtpTransport } from '../src/outbox/index.js';
import { Planner } from '../src/planning/plan.js';
import { storedPolicySource } from '../src/planning/policy-source.js';
import { createStore, ensureIndexes, type Store } from '../src/store/store.js';
import { COMPANY, customerDoc, invoiceDoc, liveConnection, saveCustomer, seedOrg, standardContacts } from './helpers/accounts.js';
import { openTestDatabase } from './helpers/db.js';
import { startSmtpSink, type SmtpSink } from './helpers/smtp-sink.js';

const TZ = 'America/Chicago';
const ORG = 'org-h';
const CONN = `quickbooks:${COMPANY}`;
const T0 = new Date('2025-01-01T00:00:00Z');
const at = (date: string, hhmm: string): Date => new Date(zonedInstant(date, hhmm, TZ));

describe('ledger hold at dispatch', () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let store: Store;
  let sink: SmtpSink;
  let transport: SmtpTransport;

  beforeAll(async () => {
    database = await openTestDatabase('ledgerhold');
    await ensureIndexes(database.db);
    store = createStore(database.db);
    sink = await startSmtpSink();
    transport = createSmtpTransport(sink.url, { maxConnections: 2, timeoutMs: 5_000 });
    await seedOrg(store, ORG, T0, TZ);
    await liveConnection(store, ORG, T0);
  });
  afterAll(async () => {
    transport.close();
    await sink.close();
    await database.drop();
  });

  const dispatcher = (now: Date): Dispatcher => new Dispatcher(store, { worker: 'w-hold', now: () => now, channels: createChannels(database.db, { transport, from: 'Northwind <ar@northwind.example>', sendEnabled: true }) });
  const run = (held: string[], when: Date): ReconciliationRunDoc => ({
    _id: CONN, orgId: ORG, provider: 'quickbooks', companyId: COMPANY, companyName: 'Northwind Books', at: when, asOf: '2025-02-06',
    status: held.length > 0 ? 'mismatch' : 'exact', compared: 2, exact: 2 - held.length, resynced: held.length > 0, mismatches: [], held, apiCalls: 2,
  });

  it('a held account\'s email waits (pending, audited once per run) while its call task and another account\'s email go; a run without the hold lets it send', async () => {
    const planner = new Planner(store, { worker: 'planner', policies: storedPolicySource(store.policies) });
    const held = customerDoc(ORG, 'h1', 'Held Co', standardContacts('held.example'), T0);
    const free = customerDoc(ORG, 'h2', 'Free Co', standardContacts('free.example'), T0);
    await saveCustomer(store, held, [invoiceDoc(held, 'hi1', 'INV-9001', '2025-01-01', 400_000, T0)]);
    await saveCustomer(store, free, [invoiceDoc(free, 'hi2', 'INV-9002', '2025-01-01', 400_000, T0)]);
    const heldKeys = (await planner.plan(held._id, at('2025-02-06', '08:00'))).enqueued;
    const freeKeys = (await planner.plan(free._id, at('2025-02-06', '08:00'))).enqueued;
    const heldEmail = heldKeys.find((k) => k.includes(':email:')) ?? '';
    expect(heldEmail).not.toBe('');
    expect(heldKeys.some((k) => !k.includes(':email:'))).toBe(true);

    const runs = new ReconciliationRuns(database.db);
    await runs.save(run([held._id], at('2025-02-06', '03:45')));
    const first = await dispatcher(at('2025-02-06', '10:00')).runOnce();
    expect(first.deferred).toBe(1);
    expect(await store.outbox.get(heldEmail)).toMatchObject({ state: 'pending', deferredFor: 'ledger-mismatch', nextAttemptAt: at('2025-02-06', '10:10') });
    for (const k of [...heldKeys.filter((x) => x !== heldEmail), ...freeKeys]) expect((await store.outbox.get(k))?.state).toBe('sent');
    expect((await dispatcher(at('2025-02-06', '10:10')).runOnce()).deferred).toBe(1);
    const notes = (await store.audit.list(held._id)).filter((e) => e.action === 'outbox.deferred');
    expect(notes.map((e) => e.outcome)).toEqual(["held: Northwind Books's own report (2025-02-06) disagrees with Overdue's balance of this account; sends wait until a reconciliation finds it exact"]);

    await runs.save(run([], at('2025-02-07', '03:45')));
    expect((await dispatcher(at('2025-02-06', '10:20')).runOnce()).sent).toBe(1);
    expect(await store.outbox.get(heldEmail)).toMatchObject({ state: 'sent' });
    expect(sink.messages.filter((m) => m.headers.get('x-overdue-key') === heldEmail)).toHaveLength(1);
  });
});

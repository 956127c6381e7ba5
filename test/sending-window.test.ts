// One calendar: the dispatcher's sending window is the engine's. At the same
// instant, an entry the engine would plan is one the dispatcher sends, and an
// instant the engine waits through (an account holiday, after sending hours) is
// one the dispatcher defers through — at 23:59 and on an account's own holiday.
import { fixedPolicySource } from '../src/planning/policy-source.js';
import { zonedInstant } from '../src/domain/calendar.js';
import { decide, DEFAULT_POLICY_INPUT, parsePolicy, type Policy } from '../src/engine/index.js';
import { createChannels, createSmtpTransport, Dispatcher, type SmtpTransport } from '../src/outbox/index.js';
import { Planner } from '../src/planning/plan.js';
import { accountStates } from '../src/planning/state.js';
import { createStore, ensureIndexes, type Store } from '../src/store/store.js';
import { customerDoc, invoiceDoc, liveConnection, saveCustomer, seedOrg, standardContacts } from './helpers/accounts.js';
import { openTestDatabase } from './helpers/db.js';
import { startSmtpSink, type SmtpSink } from './helpers/smtp-sink.js';

const TZ = 'America/Chicago';
const ORG = 'org-window';
const T0 = new Date('2025-01-01T00:00:00Z');
const at = (date: string, hhmm: string): Date => new Date(zonedInstant(date, hhmm, TZ));

/** Weekdays, sending hours until 23:59 (the latest time a policy can name). */
const lateHours: Policy = parsePolicy({ ...DEFAULT_POLICY_INPUT, calendar: { ...DEFAULT_POLICY_INPUT.calendar, sendingHours: { start: '09:00', end: '23:59' } } });

describe("the dispatcher's sending window is the engine's", () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let store: Store;
  let sink: SmtpSink;
  let transport: SmtpTransport;
  let planner: Planner;
  let seq = 0;

  beforeAll(async () => {
    database = await openTestDatabase('window');
    await ensureIndexes(database.db);
    store = createStore(database.db);
    sink = await startSmtpSink();
    transport = createSmtpTransport(sink.url, { maxConnections: 1, timeoutMs: 5_000 });
    planner = new Planner(store, { worker: 'planner', policies: fixedPolicySource(lateHours) });
    await seedOrg(store, ORG, T0, TZ);
    await liveConnection(store, ORG, T0);
  });
  afterAll(async () => {
    transport.close();
    await sink.close();
    await database.drop();
  });

  const dispatcher = (now: Date): Dispatcher =>
    new Dispatcher(store, { worker: 'w-window', now: () => now, policies: fixedPolicySource(lateHours), channels: createChannels(database.db, { transport, from: 'Northwind <ar@northwind.example>', sendEnabled: true }) });

  /** An account with a reminder planned (and due) at 10:00 on `day`; `holidays` are then added to its own calendar. */
  async function plannedAccount(day: string, holidays: string[] = []): Promise<{ customerId: string; key: string }> {
    seq++;
    const c = customerDoc(ORG, `w${seq}`, `Window ${seq}`, standardContacts(`w${seq}.example`), T0);
    await saveCustomer(store, c, [invoiceDoc(c, `wi${seq}`, `INV-${9000 + seq}`, '2025-03-03', 250_000, T0)]);
    const key = (await planner.plan(c._id, at(day, '10:00'))).enqueued[0] ?? '';
    expect(key).not.toBe('');
    if (holidays.length > 0) await accountStates(store.db).savePauses(c._id, ORG, { disputes: [], promises: [], paymentPlans: [], snoozes: [], holidays }, at(day, '10:00'));
    return { customerId: c._id, key };
  }

  /** Whether the engine would act at `now` and whether the dispatcher sent the account's due entry at `now`. */
  async function answers(customerId: string, key: string, now: Date): Promise<{ engineActs: boolean; dispatcherSends: boolean }> {
    const loaded = await planner.load(customerId);
    if (!loaded) throw new Error('no account');
    const engineActs = decide(loaded.account, lateHours, now).actions.length > 0;
    await dispatcher(now).runOnce();
    const dispatcherSends = (await store.outbox.get(key))?.state === 'sent';
    return { engineActs, dispatcherSends };
  }

  it('at 23:59 on a business day: both say yes (sending hours that end at 23:59 run until midnight)', async () => {
    const { customerId, key } = await plannedAccount('2025-03-11');
    const got = await answers(customerId, key, at('2025-03-11', '23:59'));
    expect(got.dispatcherSends).toBe(got.engineActs);
    expect(got).toEqual({ engineActs: true, dispatcherSends: true });
  });

  it("on the account's own holiday: both say no, and the dispatcher moves the entry to the next business day", async () => {
    const { customerId, key } = await plannedAccount('2025-03-12', ['2025-03-12']);
    const got = await answers(customerId, key, at('2025-03-12', '11:00'));
    expect(got.dispatcherSends).toBe(got.engineActs);
    expect(got).toEqual({ engineActs: false, dispatcherSends: false });
    expect(await store.outbox.get(key)).toMatchObject({ state: 'pending', deferredFor: 'sending-hours', dueAt: at('2025-03-13', '09:00') });
  });
});

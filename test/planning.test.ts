import { zonedInstant } from '../src/domain/calendar.js';
import { assembleAccount, type AccountDocuments } from '../src/planning/assemble.js';
import { Planner } from '../src/planning/plan.js';
import { storedPolicySource } from '../src/planning/policy-source.js';
import { accountStates, bounces, emptyAccountState } from '../src/planning/state.js';
import { payloadFor } from '../src/planning/payload.js';
import { decide, defaultPolicy } from '../src/engine/index.js';
import { collections, createStore, ensureIndexes, type Store } from '../src/store/store.js';
import { customerDoc, invoiceDoc, payInvoice, saveCustomer, seedOrg, standardContacts } from './helpers/accounts.js';
import { openTestDatabase } from './helpers/db.js';

const T0 = new Date('2025-03-01T00:00:00Z');
const at = (date: string, hhmm: string): Date => new Date(zonedInstant(date, hhmm, 'America/Chicago'));

describe('assembleAccount (pure)', () => {
  const base = (): AccountDocuments => {
    const customer = customerDoc('org-1', '42', 'Acme Industrial', standardContacts('acme.example'), T0, { timeZone: undefined, email: 'accounts@acme.example' });
    return {
      customer,
      orgTimeZone: 'Europe/London',
      invoices: [invoiceDoc(customer, '1042', 'INV-1042', '2025-03-03', 1_240_000, T0), invoiceDoc(customer, '1043', 'INV-1043', '2025-03-03', 5_000, T0, { status: 'paid', balanceMinor: 0 })],
      payments: [
        {
          _id: 'p1', provider: 'quickbooks', companyId: '1', externalId: 'p1', orgId: 'org-1', connectionId: 'x', customerExternalId: '42',
          date: '2025-03-05', currency: 'USD', amountMinor: 10_000, appliedTo: [{ invoiceExternalId: '1042', amountMinor: 4_000 }], deleted: false, syncedAt: T0,
        },
        {
          _id: 'p2', provider: 'quickbooks', companyId: '1', externalId: 'p2', orgId: 'org-1', connectionId: 'x', customerExternalId: '42',
          date: '2025-03-05', currency: 'USD', amountMinor: 10_000, appliedTo: [], deleted: true, syncedAt: T0,
        },
      ],
      state: null,
      bounced: new Set(['al@acme.example']),
      done: [],
    };
  };

  it('maps the customer, open invoices, payments and people', () => {
    const { account, unreadable } = assembleAccount(base());
    expect(unreadable).toEqual([]);
    expect(account.id).toBe('quickbooks:1234567890:42');
    expect(account.timeZone).toBe('Europe/London'); // the organisation's, the customer has none
    expect(account.invoices.map((i) => i.number)).toEqual(['INV-1042']);
    expect(account.payments).toEqual([{ id: 'p1', receivedAt: Date.parse('2025-03-05T12:00:00Z'), currency: 'USD', amountMinor: 10_000, unappliedMinor: 6_000 }]);
    expect(account.collector).toEqual({ id: 'cole.lector@northwind.example', name: 'cole.lector@northwind.example' });
    expect(account.personalGuarantee).toBe(false);
  });

  it('marks bounced contacts and adds the main address as billing only when nobody has it', () => {
    const { account } = assembleAccount(base());
    expect(account.contacts.find((c) => c.id === 'c-ap')?.bounced).toBe(true);
    expect(account.contacts.find((c) => c.id === 'c-billing')?.bounced).toBe(false);
    const main = account.contacts.find((c) => c.email === 'accounts@acme.example');
    expect(main?.roles).toEqual(['other']); // Bea already holds billing

    const docs = base();
    const { account: bare } = assembleAccount({ ...docs, customer: { ...docs.customer, contacts: [] } });
    expect(bare.contacts).toEqual([{ id: `${docs.customer._id}:main`, name: 'Acme Industrial', email: 'accounts@acme.example', phone: undefined, roles: ['billing'], bounced: false }]);
  });

  it('builds history from done actions (earliest per key) and counts unreadable payloads', () => {
    const docs = base();
    const { account } = assembleAccount(docs);
    const decision = decide(account, defaultPolicy, at('2025-03-04', '08:00'));
    const action = decision.actions[0];
    if (!action) throw new Error('expected an action');
    const payload = payloadFor(action, { accountName: 'Acme Industrial', explanation: decision.explanation, previousContacts: 0 });
    const later = new Date(action.at + 3_600_000);
    const { account: withHistory, unreadable } = assembleAccount({
      ...docs,
      done: [
        { key: action.key, payload, at: later },
        { key: action.key, payload, at: new Date(action.at) },
        { key: 'broken', payload: { action: { kind: 'nope' } }, at: later },
      ],
    });
    expect(withHistory.history).toEqual([{ key: action.key, levelId: 'reminder-1', actionId: 'email', kind: 'email', invoiceIds: action.invoiceIds, at: action.at, responseBy: undefined, task: undefined }]);
    expect(unreadable.map((u) => u.key)).toEqual(['broken']);
    // Once done, the engine does not ask for it again the same day.
    expect(decide(withHistory, defaultPolicy, at('2025-03-04', '10:00')).actions).toEqual([]);
  });

  it('maps pauses from the account state', () => {
    const docs = base();
    const state = emptyAccountState(docs.customer._id, 'org-1', T0);
    state.promises.push({ id: 'pr1', madeAt: at('2025-03-04', '10:00'), promisedDate: '2025-03-14', status: 'open' });
    state.snoozes.push({ id: 's1', by: 'cole', createdAt: at('2025-03-04', '10:00'), until: '2025-03-06' });
    state.personalGuarantee = true;
    const { account } = assembleAccount({ ...docs, state });
    expect(account.promises).toEqual([{ id: 'pr1', madeAt: at('2025-03-04', '10:00').getTime(), promisedDate: '2025-03-14', status: 'open', closedAt: undefined, invoiceIds: undefined }]);
    expect(account.snoozes[0]?.until).toBe('2025-03-06');
    expect(account.personalGuarantee).toBe(true);
    expect(decide(account, defaultPolicy, at('2025-03-05', '09:00')).state).toBe('paused');
  });

  it('marks the account on hold from the active credit hold', () => {
    expect(assembleAccount(base()).account.onHold).toBeUndefined();
    const since = at('2025-03-04', '10:00');
    expect(assembleAccount({ ...base(), onHoldSince: since }).account.onHold).toEqual({ since: since.getTime() });
  });
});

describe('Planner (real database)', () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let store: Store;
  let planner: Planner;

  beforeAll(async () => {
    database = await openTestDatabase('planning');
    await ensureIndexes(database.db);
    store = createStore(database.db);
    planner = new Planner(store, { worker: 'test-planner', policies: storedPolicySource(store.policies) });
    await seedOrg(store, 'org-p', T0);
  });
  afterAll(async () => {
    await database.drop();
  });

  it('enqueues the due actions once, however often it runs, and audits them', async () => {
    const c = customerDoc('org-p', 'c1', 'Acme Industrial', standardContacts('acme.example'), T0);
    const inv = invoiceDoc(c, 'i1', 'INV-1042', '2025-03-03', 250_000, T0);
    await saveCustomer(store, c, [inv]);
    const now = at('2025-03-04', '08:00');
    const first = await planner.plan(c._id, now);
    expect(first.enqueued).toEqual([`${c._id.replace(/:/g, '%3A')}:reminder-1:email:${inv._id.replace(/:/g, '%3A')}`]);
    const again = await planner.plan(c._id, new Date(now.getTime() + 60_000));
    expect(again.enqueued).toEqual([]);
    const entries = await store.outbox.listByCustomer(c._id);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ channel: 'email', kind: 'email', state: 'pending', dueAt: at('2025-03-04', '09:00'), invoiceIds: [inv._id] });
    const trail = await store.audit.list(c._id);
    expect(trail.filter((e) => e.action === 'outbox.enqueued')).toHaveLength(1);
    expect(trail.find((e) => e.action === 'account.level')?.outcome).toBe("level 'reminder 1' (past-due)");
    expect((await store.audit.verify(c._id)).ok).toBe(true);
    const state = await accountStates(database.db).get(c._id);
    expect(state?.nextEvaluationAt).toEqual(at('2025-03-05', '09:00'));
  });

  it('cancels pending entries when the invoice is paid, with the reason in the audit trail, and revives on the next need', async () => {
    const c = customerDoc('org-p', 'c2', 'Globex', standardContacts('globex.example'), T0);
    const inv = invoiceDoc(c, 'i2', 'INV-2001', '2025-03-03', 90_000, T0);
    await saveCustomer(store, c, [inv]);
    const now = at('2025-03-04', '08:00');
    const planned = await planner.plan(c._id, now);
    const key = planned.enqueued[0] ?? '';
    await payInvoice(store, inv, now);
    const after = await planner.plan(c._id, new Date(now.getTime() + 60_000));
    expect(after.cancelled).toEqual([key]);
    expect(after.decision?.state).toBe('current');
    expect((await store.outbox.get(key))?.state).toBe('cancelled');
    const cancelledEntry = (await store.audit.list(c._id)).find((e) => e.action === 'outbox.cancelled');
    expect(cancelledEntry?.outcome).toBe('no longer wanted: no invoice past due');

    // The payment bounced back in the books: the same action is wanted again and the entry comes back.
    await saveCustomer(store, c, [{ ...inv, syncedAt: now }]);
    const back = await planner.plan(c._id, new Date(now.getTime() + 120_000));
    expect(back.revived).toEqual([key]);
    expect(await store.outbox.get(key)).toMatchObject({ state: 'pending', attempts: 2 });
  });

  it('does not count a recipient as reachable once its address bounced', async () => {
    const c = customerDoc('org-p', 'c3', 'Initech', standardContacts('initech.example'), T0);
    await saveCustomer(store, c, [invoiceDoc(c, 'i3', 'INV-3001', '2025-03-03', 40_000, T0)]);
    await bounces(database.db).record({ orgId: 'org-p', email: 'BEA@initech.example', customerId: c._id, reason: '550 no such user', outboxKey: 'k', at: T0 });
    const r = await planner.plan(c._id, at('2025-03-04', '08:00'));
    // The only billing contact bounced: no email to it; the collector is asked to find one while the reminder waits.
    expect(r.decision?.actions.map((x) => (x.kind === 'task' ? x.task : x.kind))).toEqual(['find-contact']);
    expect(r.decision?.explanation).toContain('no reachable billing contact');
    // The task channel stores the task (here: marked sent as the dispatcher would).
    const sentAt = at('2025-03-04', '09:00');
    await store.db.collection(collections.outbox).updateOne({ _id: r.enqueued[0] as never }, { $set: { state: 'sent', sentAt, updatedAt: sentAt } });
    // After the wait (5 business days) it goes up the ladder, to AP, and says so.
    const later = await planner.plan(c._id, at('2025-03-11', '08:00'));
    const action = later.decision?.actions[0];
    expect(action?.kind === 'email' ? [action.to.email, action.to.fallbackNote] : null).toEqual(['al@initech.example', 'no billing contact after 5 business days: sent to the AP']);
  });

  it('plans every active customer of an organisation, page by page', async () => {
    for (let i = 0; i < 7; i++) {
      const c = customerDoc('org-q', `q${i}`, `Customer ${i}`, standardContacts(`q${i}.example`), T0);
      await saveCustomer(store, c, [invoiceDoc(c, `qi${i}`, `INV-Q${i}`, '2025-03-03', 10_000 + i, T0)]);
    }
    const summary = await planner.planOrganisation('org-q', at('2025-03-04', '08:00'), 3);
    expect(summary).toEqual({ accounts: 7, enqueued: 7, revived: 0, cancelled: 0, cancelLost: 0, failed: 0, released: 0 });
    const due = await planner.planDue('org-q', at('2025-03-05', '09:00'), 3);
    expect(due.accounts).toBe(7);
  });
});

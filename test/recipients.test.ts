// Addressed right (issue 17 §3): each email and letter goes to the role its level
// names with its Cc roles, through the contacts and the ladder; a Cc is never the
// To's address and never twice; a missing role falls back as the missing-role rule
// says and the wording says so; a personal guarantee on record adds the guarantor
// to the final demand, with a paragraph addressed to them; what was sent (To, Cc)
// is stored on the outbox entry.
import { zonedInstant } from '../src/domain/calendar.js';
import { compose } from '../src/email/templates.js';
import { decide, defaultPolicy, type Account, type DueAction } from '../src/engine/index.js';
import { account, contact, FULL_CONTACTS, invoice, simulate } from '../src/engine/testkit.js';
import { createChannels, createSmtpTransport, Dispatcher, type SmtpTransport } from '../src/outbox/index.js';
import { planOverrides } from '../src/planning/overrides.js';
import { Planner } from '../src/planning/plan.js';
import { storedPolicySource } from '../src/planning/policy-source.js';
import { accountStates } from '../src/planning/state.js';
import { createStore, ensureIndexes, type Store } from '../src/store/store.js';
import { customerDoc, invoiceDoc, liveConnection, saveCustomer, seedOrg, standardContacts } from './helpers/accounts.js';
import { openTestDatabase } from './helpers/db.js';
import { startSmtpSink, type SmtpSink } from './helpers/smtp-sink.js';

type Mail = Extract<DueAction, { kind: 'email' | 'letter' }>;

/** Every email and letter the default ladder sends an account over 100 days, by level. */
function mailsOf(a: Account): Map<string, Mail> {
  const run = simulate(a, defaultPolicy, '2025-01-01', 100);
  const out = new Map<string, Mail>();
  for (const s of run.steps) for (const x of s.decision.actions) if (x.kind === 'email' || x.kind === 'letter') out.set(x.levelId, x);
  return out;
}

describe('recipients by role, with Cc (engine)', () => {
  const owing = account({ invoices: [invoice('1', '2025-01-10', 900_000)] });

  it("each level's email or letter goes to its role with its Cc roles", () => {
    const m = mailsOf(owing);
    const who = (level: string) => {
      const x = m.get(level);
      return x ? [x.to.role, x.to.contactId, x.cc.map((c) => `${c.role}:${c.contactId}`)] : null;
    };
    expect(who('reminder-1')).toEqual(['billing', 'bill', []]);
    expect(who('reminder-2')).toEqual(['billing', 'bill', ['ap:ap']]);
    expect(who('collector-call')).toEqual(['ap', 'ap', ['billing:bill']]);
    expect(who('up-the-ladder')).toEqual(['ap_manager', 'apm', ['controller:ctrl']]);
    expect(who('written-warning')).toEqual(['controller', 'ctrl', ['ap:ap']]);
    expect(who('final-demand')).toEqual(['cfo', 'cfo', ['controller:ctrl']]);
  });

  it('a Cc is never the To address (another contact with the same address) and never twice', () => {
    const same = account({
      invoices: owing.invoices,
      contacts: [contact('bill', ['billing']), contact('ap', ['ap'], { email: 'BILL@customer.test' }), contact('apm', ['ap_manager'])],
    });
    const m = mailsOf(same);
    expect(m.get('reminder-2')?.cc).toEqual([]); // AP shares billing's address
    expect(m.get('collector-call')?.cc).toEqual([]); // To AP (bill@…), Cc billing: the same address
  });

  it('a missing role: after the wait the nearest higher role, said in the decision; a missing Cc role is named, not invented', () => {
    const noAp = account({ invoices: owing.invoices, contacts: FULL_CONTACTS.filter((c) => !c.roles.includes('ap')) });
    const run = simulate(noAp, defaultPolicy, '2025-01-01', 100);
    const urgent = run.steps.flatMap((s) => s.decision.actions).find((x): x is Mail => x.kind === 'email' && x.levelId === 'collector-call');
    expect(urgent?.to).toMatchObject({ role: 'ap_manager', fallbackFrom: 'ap' });
    const explained = run.steps.map((s) => s.decision.explanation).join('\n');
    expect(explained).toContain('no reachable AP contact to copy on \'reminder-2\'');
  });

  it('a personal guarantee on record adds the guarantor to the final demand only', () => {
    const guaranteed = account({
      invoices: owing.invoices,
      contacts: [...FULL_CONTACTS, contact('gus', ['guarantor'], { name: 'Gus Grant' })],
      personalGuarantee: true,
      guarantee: { contactId: 'gus', name: 'Gus Grant', documentRef: 'PG-17' },
    });
    const m = mailsOf(guaranteed);
    expect(m.get('final-demand')?.cc.map((c) => [c.role, c.contactId])).toEqual([['controller', 'ctrl'], ['guarantor', 'gus']]);
    for (const level of ['reminder-2', 'up-the-ladder', 'written-warning']) expect(m.get(level)?.cc.some((c) => c.role === 'guarantor')).toBe(false);
    // No working email: not copied, and the decision says so.
    const bounced = { ...guaranteed, contacts: guaranteed.contacts.map((c) => (c.id === 'gus' ? { ...c, bounced: true } : c)) };
    const run = simulate(bounced, defaultPolicy, '2025-01-01', 100);
    const fd = run.steps.flatMap((s) => s.decision.actions).find((x): x is Mail => x.kind === 'letter' && x.letter === 'finalDemand');
    expect(fd?.cc.some((c) => c.role === 'guarantor')).toBe(false);
    expect(run.steps.map((s) => s.decision.explanation).join('\n')).toContain('the guarantor (Gus Grant) has no working email');
  });

  it('decide() alone: the same account gives the same recipients (pure)', () => {
    const now = zonedInstant('2025-01-12', '10:00', owing.timeZone);
    expect(decide(owing, defaultPolicy, now)).toEqual(decide(owing, defaultPolicy, now));
  });
});

describe('the wording follows the recipient', () => {
  const base = {
    customerName: 'Acme Industrial', recipientName: 'Bea Billing',
    invoices: [{ number: 'INV-1', issueDate: '2025-01-01', dueDate: '2025-02-01', currency: 'USD', totalMinor: 10_000, balanceMinor: 10_000, daysPastDue: 50, payUrl: 'https://pay.example/1' }],
    totals: { USD: 10_000 }, sender: { company: 'Northwind Supply Co.', email: 'ar@northwind.example' }, today: '2025-03-23', personalGuarantee: false, previousContacts: 3,
  };
  const body = (x: Parameters<typeof compose>[0]): string => {
    const c = compose(x);
    if (!c.ok) throw new Error(c.problem);
    return [...c.message.intro, ...c.message.outro].join('\n');
  };

  it('a fallback recipient is told why they get it; the role asked for gets no such line', () => {
    expect(body({ ...base, template: 'decision-makers', recipientRole: 'billing', recipientFallbackFrom: 'ap_manager' })).toContain('We are writing to you because we have no AP manager contact on file for Acme Industrial.');
    expect(body({ ...base, template: 'decision-makers', recipientRole: 'ap_manager' })).not.toContain('We are writing to you because');
  });

  it('the guarantor copied on the final demand gets a paragraph addressed to them as guarantor', () => {
    const text = body({ ...base, template: 'final-demand', responseBy: '2025-04-02', personalGuarantee: true, guarantee: { name: 'Gus Grant', documentRef: 'PG-17' }, recipientRole: 'cfo', cc: [{ name: 'Cora Control', role: 'controller' }, { name: 'Gus Grant', role: 'guarantor' }] });
    expect(text).toContain('To Gus Grant: we are writing to you as guarantor of the account of Acme Industrial under the personal guarantee PG-17');
    expect(body({ ...base, template: 'final-demand', responseBy: '2025-04-02', cc: [{ name: 'Cora Control', role: 'controller' }] })).not.toContain('as guarantor');
  });
});

describe('sent with its Cc and stored as sent', () => {
  const ORG = 'org-rcpt';
  const T0 = new Date('2025-01-01T00:00:00Z');
  const at = (date: string, hhmm: string): Date => new Date(zonedInstant(date, hhmm, 'America/Chicago'));
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let store: Store;
  let sink: SmtpSink;
  let transport: SmtpTransport;

  beforeAll(async () => {
    database = await openTestDatabase('recipients');
    await ensureIndexes(database.db);
    store = createStore(database.db);
    sink = await startSmtpSink();
    transport = createSmtpTransport(sink.url, { maxConnections: 1, timeoutMs: 5_000 });
    await seedOrg(store, ORG, T0);
    await liveConnection(store, ORG, T0);
  });
  afterAll(async () => {
    transport.close();
    await sink.close();
    await database.drop();
  });

  it('reminder 2 goes to billing with AP in Cc; the SMTP message and the stored entry both carry them', async () => {
    const c = customerDoc(ORG, 'r1', 'Copied Co', standardContacts('copied.example'), T0);
    await saveCustomer(store, c, [invoiceDoc(c, 'ri1', 'INV-7001', '2025-02-24', 120_000, T0)]);
    const planner = new Planner(store, { worker: 'planner', policies: storedPolicySource(store.policies) });
    // History: the first reminder already went (so the second is due at 8 days past due).
    const planned1 = await planner.plan(c._id, at('2025-02-25', '08:00'));
    const d = new Dispatcher(store, { worker: 'w-r', now: () => at('2025-02-25', '10:00'), channels: createChannels(database.db, { transport, from: 'Northwind <ar@northwind.example>', sendEnabled: true }) });
    await d.runOnce();
    expect(planned1.enqueued.some((k) => k.includes(':reminder-1:'))).toBe(true);
    const planned2 = await planner.plan(c._id, at('2025-03-04', '08:00'));
    const key = planned2.enqueued.find((k) => k.includes(':reminder-2:email')) ?? '';
    expect(key).not.toBe('');
    await new Dispatcher(store, { worker: 'w-r', now: () => at('2025-03-04', '10:00'), channels: createChannels(database.db, { transport, from: 'Northwind <ar@northwind.example>', sendEnabled: true }) }).runOnce();
    const msg = sink.messages.find((m) => m.headers.get('x-overdue-key') === key);
    expect(msg?.to).toEqual(['bea@copied.example', 'al@copied.example']); // envelope: To then Cc
    expect(msg?.headers.get('cc')).toBe('Al Payable <al@copied.example>');
    expect((await store.outbox.get(key))?.result).toMatchObject({ to: 'bea@copied.example', cc: ['al@copied.example'] });
  });

  it('a guarantee recorded through the overrides (a person, not a contact id) enters the guarantor as a contact', async () => {
    const states = accountStates(database.db);
    const c = customerDoc(ORG, 'r2', 'Guaranteed Ltd', standardContacts('guaranteed.example'), T0);
    await saveCustomer(store, c, []);
    const plan = planOverrides({ guarantee: { guarantor: { name: 'Gus Grant', email: 'Gus@Grant.example' }, documentRef: 'PG-9' } }, c, await states.get(c._id), 'kim@northwind.example', '2025-03-01', T0);
    expect(plan.problems).toEqual([]);
    expect(plan.enterGuarantor).toMatchObject({ role: 'guarantor', name: 'Gus Grant', email: 'gus@grant.example' });
    expect(plan.set.guarantee).toEqual({ contactId: 'entered:email:gus@grant.example', documentRef: 'PG-9' });
    const bad = planOverrides({ guarantee: { guarantor: { name: '' }, documentRef: 'PG-9' } }, c, null, 'kim@northwind.example', '2025-03-01', T0);
    expect(bad.problems.map((p) => p.path)).toEqual(['guarantee.guarantor']);
  });
});

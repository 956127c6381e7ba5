// 120 simulated days for a seeded company: every day the planning pass runs at
// the start of sending hours and the dispatcher at each call slot, on a fake
// clock, against the real database and an SMTP sink. What goes out must be
// exactly what the engine's preview of the default ladder promises — the same
// emails and letters on the same business days to the same people, each once —
// and nothing for an invoice once it is paid.
import { fromDayNumber, localDate, toDayNumber, weekday, zonedInstant } from '../src/domain/calendar.js';
import { defaultPolicy, preview, type PreviewEntry } from '../src/engine/index.js';
import { createChannels, createSmtpTransport, Dispatcher, TaskChannel, type SmtpTransport } from '../src/outbox/index.js';
import { Planner } from '../src/planning/plan.js';
import { storedPolicySource } from '../src/planning/policy-source.js';
import { createStore, ensureIndexes, type Store } from '../src/store/store.js';
import type { CustomerDoc, InvoiceDoc } from '../src/store/types.js';
import { customerDoc, invoiceDoc, liveConnection, payInvoice, saveCustomer, seedOrg, standardContacts } from './helpers/accounts.js';
import { openTestDatabase } from './helpers/db.js';
import { startSmtpSink, type SmtpSink } from './helpers/smtp-sink.js';

const TZ = 'America/Chicago';
const ORG = 'org-timeline';
const FIRST_DAY = '2025-02-24';
const DAYS = 120;
const SLOTS = ['09:00', '09:30', '11:00', '13:30', '16:00'];

let database: Awaited<ReturnType<typeof openTestDatabase>>;
let store: Store;
let sink: SmtpSink;
let transport: SmtpTransport;

beforeAll(async () => {
  database = await openTestDatabase('timeline');
  await ensureIndexes(database.db);
  store = createStore(database.db);
  sink = await startSmtpSink();
  transport = createSmtpTransport(sink.url, { maxConnections: 2, timeoutMs: 5_000 });
});
afterAll(async () => {
  transport.close();
  await sink.close();
  await database.drop();
});

interface Seeded {
  c: CustomerDoc;
  invoices: InvoiceDoc[];
  paidOn?: { date: string; invoice: InvoiceDoc };
}

const line = (date: string, what: string, to: string): string => `${date} ${what} → ${to}`;

function expectedLines(s: Seeded, entries: readonly PreviewEntry[]): { customer: string[]; internal: string[] } {
  const before = (e: PreviewEntry): boolean => s.paidOn === undefined || e.date < s.paidOn.date;
  const customer: string[] = [];
  const internal: string[] = [];
  for (const e of entries.filter(before)) {
    const a = e.action;
    if (a.kind === 'email' || a.kind === 'letter') customer.push(line(e.date, a.template, a.to.email ?? '?'));
    else internal.push(`${e.date} ${a.levelId}:${a.actionId}`);
  }
  return { customer, internal };
}

it('sends exactly what the default ladder promises over 120 days, on business days, once each', async () => {
  const t0 = new Date(zonedInstant(FIRST_DAY, '08:00', TZ));
  await seedOrg(store, ORG, t0, TZ);
  await liveConnection(store, ORG, t0);
  const mk = (id: string, name: string, domain: string): CustomerDoc => customerDoc(ORG, id, name, standardContacts(domain), t0);
  const acme = mk('t-acme', 'Acme Industrial', 'acme.example');
  const globex = mk('t-globex', 'Globex', 'globex.example');
  const initech = mk('t-initech', 'Initech', 'initech.example');
  const tiny = mk('t-tiny', 'Tiny Tools', 'tiny.example');
  const seeded: Seeded[] = [
    { c: acme, invoices: [invoiceDoc(acme, 'a1', 'INV-1001', '2025-03-03', 500_000, t0)] },
    { c: globex, invoices: [invoiceDoc(globex, 'g1', 'INV-1042', '2025-03-03', 1_240_000, t0), invoiceDoc(globex, 'g2', 'INV-1057', '2025-03-17', 310_000, t0)] },
    { c: initech, invoices: [invoiceDoc(initech, 'i1', 'INV-2001', '2025-03-10', 200_000, t0)] },
    { c: tiny, invoices: [invoiceDoc(tiny, 't1', 'INV-3001', '2025-03-05', 5_000, t0)] },
  ];
  const initechInvoice = seeded[2]?.invoices[0];
  if (!initechInvoice || !seeded[2]) throw new Error('seed');
  seeded[2].paidOn = { date: '2025-04-02', invoice: initechInvoice };
  for (const s of seeded) await saveCustomer(store, s.c, s.invoices);

  // What the engine promises, computed before anything happens (no history yet).
  const planner = new Planner(store, { worker: 'sim', policies: storedPolicySource(store.policies) });
  const promised = new Map<string, { customer: string[]; internal: string[] }>();
  for (const s of seeded) {
    const loaded = await planner.load(s.c._id);
    if (!loaded) throw new Error('not loaded');
    const p = preview(loaded.account, defaultPolicy, zonedInstant(FIRST_DAY, '09:00', TZ), DAYS);
    promised.set(s.c._id, expectedLines(s, p.entries));
  }

  let clock = t0;
  const dispatcher = new Dispatcher(store, {
    worker: 'sim-dispatcher',
    now: () => clock,
    channels: createChannels(database.db, { transport, from: 'Northwind Collections <ar@northwind.example>', sendEnabled: true }),
  });
  const first = toDayNumber(FIRST_DAY);
  for (let d = 0; d < DAYS; d++) {
    const date = fromDayNumber(first + d);
    clock = new Date(zonedInstant(date, '08:00', TZ));
    for (const s of seeded) if (s.paidOn?.date === date) await payInvoice(store, s.paidOn.invoice, clock); // the morning sync
    for (const hhmm of SLOTS) {
      clock = new Date(zonedInstant(date, hhmm, TZ));
      if (hhmm === '09:00') await planner.planOrganisation(ORG, clock);
      const stats = await dispatcher.runOnce();
      for (const id of stats.replan) await planner.plan(id, clock);
    }
  }

  // Every message went out once, and only for keys the outbox holds as sent.
  const byKey = new Map<string, number>();
  for (const m of sink.messages) {
    const key = m.headers.get('x-overdue-key') ?? '?';
    byKey.set(key, (byKey.get(key) ?? 0) + 1);
  }
  expect([...byKey.values()].filter((n) => n !== 1)).toEqual([]);

  const tasks = await new TaskChannel(database.db).list(ORG);
  for (const s of seeded) {
    const entries = (await store.outbox.listByCustomer(s.c._id)).filter((e) => e.state === 'sent');
    const sentEmails = entries.filter((e) => e.channel === 'email');
    for (const e of sentEmails) expect(byKey.get(e._id)).toBe(1);
    const actual = sentEmails
      .map((e) => {
        const m = sink.messages.find((x) => x.headers.get('x-overdue-key') === e._id);
        const date = localDate(e.sentAt ?? e.updatedAt, TZ);
        const template = typeof e.payload['action'] === 'object' && e.payload['action'] !== null && 'template' in e.payload['action'] ? String(e.payload['action'].template) : '?';
        return { date, text: line(date, template, m?.to[0] ?? '?') };
      })
      .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
    for (const a of actual) expect([1, 2, 3, 4, 5]).toContain(weekday(a.date)); // business days only
    expect({ account: s.c.displayName, emails: actual.map((a) => a.text) }).toEqual({ account: s.c.displayName, emails: promised.get(s.c._id)?.customer });

    const internal = entries
      .filter((e) => e.channel !== 'email')
      .map((e) => {
        const a = e.payload['action'];
        const id = typeof a === 'object' && a !== null && 'levelId' in a && 'actionId' in a ? `${String(a.levelId)}:${String(a.actionId)}` : '?';
        return `${localDate(e.sentAt ?? e.updatedAt, TZ)} ${id}`;
      })
      .sort();
    expect({ account: s.c.displayName, internal }).toEqual({ account: s.c.displayName, internal: [...(promised.get(s.c._id)?.internal ?? [])].sort() });
    expect(tasks.filter((t) => t.customerId === s.c._id)).toHaveLength(internal.length);
  }

  // The paid account: nothing after the payment, and the audit trail says the account is current.
  const initechTrail = await store.audit.list(initech._id);
  expect(initechTrail.some((e) => e.action === 'account.level' && e.details?.['to'] === 'current' && e.at.getTime() >= zonedInstant('2025-04-02', '09:00', TZ))).toBe(true);
  expect((await store.audit.verify(initech._id)).ok).toBe(true);
  // The small balance ends with a write-off suggestion rather than an agency referral.
  expect(tasks.some((t) => t.customerId === tiny._id && t.action.kind === 'writeOffSuggestion')).toBe(true);
  // Sanity: the ladder was walked to its end for the unpaid accounts.
  expect(promised.get(acme._id)?.customer.some((l) => l.includes(' final-demand → '))).toBe(true);
}, 600_000);

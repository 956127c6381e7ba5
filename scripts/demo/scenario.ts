// The demo's seeded scenario, as data: one organisation with a QuickBooks
// company and a Xero organisation, ten customer accounts in five currencies,
// and how each customer and each person behaves. Pure: no I/O, no clock.
import { addDays, type LocalDate } from '../../src/domain/calendar.js';
import type { Provider } from '../../src/store/types.js';
import type { SandboxUser } from '../../test/sandbox/slack/server.js';

export const ORG = { id: 'org-northwind', name: 'Northwind Supply Co.', homeCurrency: 'USD', timeZone: 'America/Chicago' } as const;
export const REALM = '9341453000001234';
export const TENANT = '7d3c5b1e-0000-4000-a000-00000000d3e0';
export const DEFAULT_START: LocalDate = '2025-03-03';

export const PEOPLE = {
  rep: { id: 'U0SAMREP1', email: 'sam.rep@northwind.example', name: 'Sam Rep', roles: ['sales_rep'] },
  rep2: { id: 'U0RIAREP2', email: 'ria.rep@northwind.example', name: 'Ria Rep', roles: ['sales_rep'] },
  collector: { id: 'U0COLE001', email: 'cole.lector@northwind.example', name: 'Cole Lector', roles: ['collector'] },
  approver: { id: 'U0ADA0001', email: 'ada.approver@northwind.example', name: 'Ada Approver', roles: ['approver', 'manager'] },
} as const;

export const slackUsers: SandboxUser[] = Object.values(PEOPLE).map((p) => ({ id: p.id, email: p.email, name: p.name }));

/** What the rep records when the first nudge for the account arrives. */
export type RepAnswer = 'promise-keep' | 'promise-break' | 'dispute' | 'payment-plan' | 'voicemail';

export interface InvoiceSpec {
  number: string;
  amountMinor: number;
  /** Due date as days from the start (negative: already past due on day 0). */
  due: number;
}

export interface AccountSpec {
  /** Short id of the scenario (stable, used by the test). */
  key: string;
  provider: Provider;
  /** The record's id at the provider. */
  externalId: string;
  name: string;
  currency: string;
  contact: { name: string; email: string; phone: string };
  /** A second contact the administrator enters in the accounts-payable role (the ladder's Cc from reminder-2 on). */
  ap?: { name: string; email: string };
  invoices: InvoiceSpec[];
  rep: (typeof PEOPLE)['rep' | 'rep2'];
  /** The story in one line (the report shows it). */
  story: string;
  /** The customer pays everything still open this many days after the first email of this level arrives. */
  paysAfter?: { level: string; days: number };
  /** The rep's answer to the first nudge (later nudges: a voicemail logged). */
  answer?: RepAnswer;
  /** The customer answers the first email of this level by email, with this text (Mailgun's inbound route carries it). */
  replies?: { level: string; text: string };
  /** After an approved write-off, the bookkeeper voids the invoice in the ledger the next morning. */
  voidOnWriteOff?: boolean;
  /**
   * Comes back under a new name this many days after its agency referral is approved: a new customer in the same
   * ledger with a new name and address but the same phone and email domain (the look-alike check flags it).
   */
  returnsAs?: { externalId: string; name: string; contactName: string; email: string; address: string; days: number };
}

const q = (n: number) => String(100 + n);
const xid = (n: number) => `5b0c7a2e-0000-4000-b000-${String(n).padStart(12, '0')}`;

export const ACCOUNTS: readonly AccountSpec[] = [
  {
    key: 'acme', provider: 'quickbooks', externalId: q(1), name: 'Acme Industrial', currency: 'USD',
    contact: { name: 'Bea Billing', email: 'bea@acme.example', phone: '+1 312 555 0101' },
    invoices: [{ number: 'INV-1001', amountMinor: 480_000, due: 2 }], rep: PEOPLE.rep,
    story: 'replies "we paid last Friday" to the first reminder (the ladder pauses, the collector gets the reply card); the payment lands two days later',
    paysAfter: { level: 'reminder-1', days: 2 }, replies: { level: 'reminder-1', text: 'Hi, we paid last Friday. Bea' },
  },
  {
    key: 'bluebird', provider: 'quickbooks', externalId: q(2), name: 'Bluebird Cafés GmbH', currency: 'EUR',
    contact: { name: 'Jonas Weber', email: 'ap@bluebird.example', phone: '+49 30 555 0102' },
    invoices: [{ number: 'INV-1002', amountMinor: 235_000, due: 5 }], rep: PEOPLE.rep,
    story: 'pays the day after the first reminder', paysAfter: { level: 'reminder-1', days: 1 },
  },
  {
    key: 'copperline', provider: 'quickbooks', externalId: q(3), name: 'Copperline Electric', currency: 'USD',
    contact: { name: 'Carl Copper', email: 'carl@copperline.example', phone: '+1 312 555 0103' },
    ap: { name: 'Paula Payables', email: 'payables@copperline.example' },
    invoices: [{ number: 'INV-1003', amountMinor: 890_000, due: 1 }], rep: PEOPLE.rep,
    story: 'promises to pay when the rep calls, and pays on the promised date', answer: 'promise-keep',
  },
  {
    key: 'driftwood', provider: 'quickbooks', externalId: q(4), name: 'Driftwood Traders Ltd', currency: 'GBP',
    contact: { name: 'Dora Drift', email: 'accounts@driftwood.example', phone: '+44 20 5550 0104' },
    invoices: [{ number: 'INV-1004', amountMinor: 620_000, due: 3 }], rep: PEOPLE.rep,
    story: 'promises to pay, breaks the promise, pays after the written warning', answer: 'promise-break', paysAfter: { level: 'written-warning', days: 3 },
  },
  {
    key: 'evergreen', provider: 'quickbooks', externalId: q(5), name: 'Evergreen Foods', currency: 'USD',
    contact: { name: 'Eve Green', email: 'eve@evergreen.example', phone: '+1 312 555 0105' },
    invoices: [{ number: 'INV-1005', amountMinor: 310_000, due: -2 }], rep: PEOPLE.rep,
    story: 'disputes the invoice when the rep calls (goods arrived damaged)', answer: 'dispute',
  },
  {
    key: 'falcon', provider: 'quickbooks', externalId: q(6), name: 'Falcon Freight Inc', currency: 'USD',
    contact: { name: 'Finn Falcon', email: 'finn@falcon.example', phone: '+1 312 555 0106' },
    invoices: [{ number: 'INV-1006', amountMinor: 4_150_000, due: 1 }, { number: 'INV-1007', amountMinor: 2_050_000, due: 8 }], rep: PEOPLE.rep,
    story: 'a 62,000 USD balance on the fast track: credit hold placed, pays after the final demand', answer: 'voicemail', paysAfter: { level: 'final-demand', days: 4 },
  },
  {
    key: 'harbour', provider: 'xero', externalId: xid(1), name: 'Harbour Health Ltd', currency: 'NZD',
    contact: { name: 'Hana Harbour', email: 'accounts@harbour.example', phone: '+64 4 555 0107' },
    invoices: [{ number: 'INV-2001', amountMinor: 198_000, due: 4 }], rep: PEOPLE.rep2,
    story: 'pays three days after the first reminder', paysAfter: { level: 'reminder-1', days: 3 },
  },
  {
    key: 'kauri', provider: 'xero', externalId: xid(2), name: 'Kauri Print Co Pty', currency: 'AUD',
    contact: { name: 'Kip Kauri', email: 'kip@kauri.example', phone: '+61 2 5550 0108' },
    invoices: [{ number: 'INV-2002', amountMinor: 960_000, due: 2 }], rep: PEOPLE.rep2,
    story: 'agrees a payment plan of two instalments, pays the first, misses the second', answer: 'payment-plan',
  },
  {
    key: 'moana', provider: 'xero', externalId: xid(3), name: 'Moana Outfitters', currency: 'NZD',
    contact: { name: 'Mere Moana', email: 'mere@moana.example', phone: '+64 9 555 0109' },
    invoices: [{ number: 'INV-2003', amountMinor: 1_450_000, due: -5 }], rep: PEOPLE.rep2,
    story: 'never answers: referred to the agency after the approver says yes; comes back as Tide Line Apparel Ltd and is flagged', answer: 'voicemail',
    returnsAs: { externalId: xid(5), name: 'Tide Line Apparel Ltd', contactName: 'Mere Moana', email: 'orders@moana.example', address: '14 Quay St, Auckland 1010', days: 2 },
  },
  {
    key: 'pipi', provider: 'xero', externalId: xid(4), name: 'Pipi Crafts', currency: 'USD',
    contact: { name: 'Pia Pipi', email: 'pia@pipi.example', phone: '+64 3 555 0110' },
    invoices: [{ number: 'INV-2004', amountMinor: 6_400, due: -3 }], rep: PEOPLE.rep2,
    story: 'a 64.00 USD balance that never gets paid: written off after approval', answer: 'voicemail', voidOnWriteOff: true,
  },
];

export interface ScenarioOptions {
  start?: LocalDate;
  days: number;
  /** Only these accounts (keys); all when unset. */
  only?: readonly string[];
}

export interface Scenario {
  start: LocalDate;
  days: number;
  accounts: AccountSpec[];
}

export function scenario(o: ScenarioOptions): Scenario {
  const accounts = ACCOUNTS.filter((a) => !o.only || o.only.includes(a.key));
  const unknown = (o.only ?? []).filter((k) => !ACCOUNTS.some((a) => a.key === k));
  if (unknown.length > 0) throw new Error(`unknown scenario accounts: ${unknown.join(', ')}`);
  return { start: o.start ?? DEFAULT_START, days: o.days, accounts };
}

/** Calendar date of a day offset. */
export function dayDate(start: LocalDate, offset: number): LocalDate {
  return addDays(start, offset);
}

/** The instalments the rep agrees for a payment plan: half in a week, the rest two weeks later. */
export function planInstalments(today: LocalDate, totalMinor: number): { date: LocalDate; amountMinor: number }[] {
  const first = Math.floor(totalMinor / 2);
  return [
    { date: addDays(today, 7), amountMinor: first },
    { date: addDays(today, 21), amountMinor: totalMinor - first },
  ];
}

/** The date a customer promises to pay (a week out). */
export function promiseDate(today: LocalDate): LocalDate {
  return addDays(today, 7);
}

/** Demo exchange rates to the organisation's currency (USD), fixed so the summary is reproducible. */
export const USD_RATES: Readonly<Record<string, number>> = { USD: 1, EUR: 1.08, GBP: 1.27, NZD: 0.6, AUD: 0.66 };

/** "1,234.56" for minor units (every scenario currency has two decimals). */
export function decimal(minor: number): string {
  return (minor / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

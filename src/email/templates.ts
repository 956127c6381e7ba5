// Customer messages, one per template the engine may name (src/engine/templates.ts).
// Each is professional and courteous at every level (shared/seeds, 001 tips): it
// states the facts, lists every past-due invoice with a way to pay, offers help,
// and names the next step plainly — never a threat. Pure: data in, text out.
import type { LocalDate } from '../domain/calendar.js';
import { formatCalendarDate } from '../domain/locale.js';
import { formatMoney, formatTotals, money, type Totals } from '../domain/money.js';
import { joinParts, sentence, sentences } from '../domain/text.js';
import type { Wording } from '../engine/decision-types.js';
import { TEMPLATE_CATALOGUE } from '../engine/templates.js';
import { roleLabel } from '../domain/contact-roles.js';

export interface MessageInvoice {
  number: string;
  issueDate: LocalDate;
  dueDate: LocalDate;
  currency: string;
  totalMinor: number;
  balanceMinor: number;
  /** Negative: days until due. */
  daysPastDue: number;
  payUrl?: string | undefined;
}

export interface Sender {
  company: string;
  name?: string | undefined;
  email: string;
  phone?: string | undefined;
  address?: string | undefined;
}

export interface MessageInput {
  template: string;
  customerName: string;
  recipientName: string;
  invoices: readonly MessageInvoice[];
  totals: Totals;
  sender: Sender;
  today: LocalDate;
  /** Letters: the date a response is asked for. */
  responseBy?: LocalDate | undefined;
  personalGuarantee: boolean;
  /** The guarantee on file, when a person recorded it (per-customer overrides): who gave it and the document. */
  guarantee?: { name: string; documentRef: string } | undefined;
  /** Customer emails and letters already sent about this account. */
  previousContacts: number;
  /** What may be said about what comes next (the engine's Wording); absent: the default ladder's (agency ahead, hold possible). */
  wording?: Wording | undefined;
  /** The recipient's contact role ('billing', 'ap', 'ap_manager', 'cfo', …): the wording is for its reader. */
  recipientRole?: string | undefined;
  /** The locale dates are written in (the customer's country: src/documents/settings.ts customerPlace); default en-US. */
  locale?: string | undefined;
  recipientFallbackFrom?: string | undefined;
  /** Who is copied, with the role each is copied as ('guarantor' for the guarantor of a personal guarantee). */
  cc?: readonly { name: string; role: string }[] | undefined;
  /** How to pay without a pay link: the organisation's remittance details and the reference to quote (the account number, else the customer's name). */
  remittance?: { bankDetails: readonly string[]; instructions?: string | undefined; reference: string } | undefined;
  /** The account's customer page (src/crypto/customer-link.ts), printed after the body: CUSTOMER_PAGE_SENTENCE and the link. */
  customerPageUrl?: string | undefined;
}

/** A message as blocks, rendered to text and HTML by render.ts. */
export interface Message {
  subject: string;
  greeting: string;
  /** Paragraphs before the invoice table. */
  intro: string[];
  /** Paragraphs after it. */
  outro: string[];
  /** Shown in the table caption, e.g. "Past-due invoices". */
  tableTitle: string;
  /** The customer's page: the sentence and the link, after the outro (absent: no link configured). */
  customerPage?: { text: string; url: string };
}

/** The sentence before the customer's page link, in every customer email and letter (docs/customer-page.md). */
export const CUSTOMER_PAGE_SENTENCE = 'View your statement and answer online:';

/** "March 3, 2025" (en-US), "3 March 2025" (en-NZ, en-GB): the letters' date style (src/domain/locale.ts). */
export function longDate(date: LocalDate, locale = 'en-US'): string {
  return formatCalendarDate(date, locale, 'long');
}

/** The default ladder's wording, for entries planned before the engine said. */
export const DEFAULT_WORDING: Wording = { agency: true, hold: 'possible' };

export function amount(minor: number, currency: string): string {
  return formatMoney(money(minor, currency));
}

function firstName(name: string): string {
  const first = name.trim().split(/\s+/)[0];
  return first !== undefined && first !== '' ? first : name;
}

function invoiceList(invoices: readonly MessageInvoice[]): string {
  const numbers = invoices.map((i) => i.number);
  if (numbers.length <= 1) return `invoice ${numbers[0] ?? ''}`.trim();
  return `invoices ${numbers.slice(0, -1).join(', ')} and ${numbers[numbers.length - 1] ?? ''}`;
}

function oldest(invoices: readonly MessageInvoice[]): MessageInvoice | undefined {
  return invoices.reduce<MessageInvoice | undefined>((m, i) => (m === undefined || i.daysPastDue > m.daysPastDue ? i : m), undefined);
}

function contactLine(s: Sender): string {
  const name = s.name?.trim();
  const ways = joinParts([s.phone?.trim() ? `by phone on ${s.phone.trim()}` : undefined, `by email at ${s.email}`], ' or ');
  return sentence(`You can reach ${name ? `me, ${name},` : 'us'} ${ways}`);
}

/** The pay-online sentence only when every listed invoice has a link; else only the offer of a copy. */
function payLine(m: Pick<MessageInput, 'invoices'>): string {
  const links = m.invoices.filter((i) => i.payUrl !== undefined && i.payUrl !== '').length;
  const copy = 'If you would like a copy of any invoice, simply reply to this email.';
  if (links === 0 || m.invoices.length === 0) return copy;
  if (links === m.invoices.length) return `${m.invoices.length === 1 ? 'The invoice below has a link' : 'Each invoice below has a link'} to pay online. ${copy}`;
  return `The invoices below with a "Pay online" link can be paid online. ${copy}`;
}
const PAY = payLine;

/** "We have contacted your team 3 times about it without a reply." — nothing when there were none. */
function attempts(n: number, text: (times: string) => string): string[] {
  return n > 0 ? [text(`${n} time${n === 1 ? '' : 's'}`)] : [];
}

function wordingOf(m: MessageInput): Wording {
  return m.wording ?? DEFAULT_WORDING;
}

/** Roles that are the accounts payable team itself: the "up the ladder" email does not tell them their team did not answer. */
const AP_TEAM_ROLES = new Set(['billing', 'ap', 'other']);

type Builder = (m: MessageInput, total: string) => Message;

/** The sentence about a personal guarantee on file: naming the guarantor and the document when they are recorded. */
function guaranteeLines(m: MessageInput): string[] {
  if (m.guarantee) return [`For completeness, we note that a personal guarantee given by ${m.guarantee.name} (document ${m.guarantee.documentRef}) is on file for this account.`];
  return m.personalGuarantee ? ['For completeness, we note that a personal guarantee is on file for this account.'] : [];
}

const builders: Record<string, Builder> = {
  courtesy: (m, total) => ({
    subject: `Upcoming payment to ${m.sender.company}: ${invoiceList(m.invoices)}`,
    greeting: `Hello ${firstName(m.recipientName)},`,
    intro: [
      `A friendly heads-up that ${invoiceList(m.invoices)} for ${total} ${m.invoices.length === 1 ? 'falls' : 'fall'} due on ${longDate(oldest(m.invoices)?.dueDate ?? m.today, m.locale)}.`,
      'If payment is already on its way, thank you, and please disregard this note.',
    ],
    outro: [PAY(m), 'If anything on the invoice does not look right, just reply and we will sort it out.'],
    tableTitle: 'Invoices coming due',
  }),
  'reminder-1': (m, total) => ({
    subject: `Friendly reminder: ${invoiceList(m.invoices)} past due`,
    greeting: `Hello ${firstName(m.recipientName)},`,
    intro: [
      `Our records show that ${invoiceList(m.invoices)}, ${total} in all, ${m.invoices.length === 1 ? 'was' : 'were'} due on ${longDate(oldest(m.invoices)?.dueDate ?? m.today, m.locale)} and ${m.invoices.length === 1 ? 'is' : 'are'} still open. It may simply have slipped through, which happens to all of us.`,
      'Is there anything we can help with — a copy of the invoice, a purchase order number, or a question about the charges?',
    ],
    outro: [PAY(m), 'If you have already sent payment, thank you; please let us know the date so we can match it.'],
    tableTitle: 'Past-due invoices',
  }),
  'reminder-2': (m, total) => ({
    subject: `Second reminder: ${total} past due with ${m.sender.company}`,
    greeting: `Hello ${firstName(m.recipientName)},`,
    intro: [
      m.previousContacts > 0
        ? sentences([`We wrote to you recently about your account with ${m.sender.company}, and we have not yet received payment or heard back`, `The past-due balance is now ${total}`])
        : sentences([`We are writing about your account with ${m.sender.company}`, `The past-due balance is ${total}`]),
      'Please arrange payment of the invoices below, or let us know when we can expect it. If there is a problem with an invoice, tell us and we will work to resolve it quickly.',
    ],
    outro: [PAY(m), contactLine(m.sender)],
    tableTitle: 'Past-due invoices',
  }),
  'urgent-account-matter': (m, total) => ({
    subject: `Urgent Account Matter: ${m.customerName}, ${total} past due`,
    greeting: `Dear ${m.recipientName},`,
    intro: [
      sentences([
        `I am writing about your account with ${m.sender.company}, which is now ${oldest(m.invoices)?.daysPastDue ?? 0} days past due with a balance of ${total}`,
        ...attempts(m.previousContacts, (n) => `We have contacted your team ${n} about it without a reply`),
      ]),
      'Please contact me today to arrange payment, or to tell me what is holding it up. If it would help, we are glad to discuss a payment schedule.',
    ],
    outro: [contactLine(m.sender), PAY(m)],
    tableTitle: 'Past-due invoices',
  }),
  'decision-makers': (m, total) => ({
    subject: `Your help with a past-due balance of ${total}: ${m.customerName}`,
    greeting: `Dear ${m.recipientName},`,
    intro: [
      AP_TEAM_ROLES.has(m.recipientRole ?? 'ap_manager')
        ? `I am writing to you directly because our earlier reminders about a past-due balance of ${total} have not been answered, and I would value your help in resolving it.`
        : `I am reaching out to you because our reminders to your accounts payable team about a past-due balance of ${total} have not been answered, and I would value your help in resolving it.`,
      `The oldest invoice, ${oldest(m.invoices)?.number ?? ''}, is ${oldest(m.invoices)?.daysPastDue ?? 0} days past due. Could you let me know who is best placed to arrange payment, or when we can expect it?`,
      ...guaranteeLines(m),
    ],
    outro: [contactLine(m.sender), PAY(m)],
    tableTitle: 'Past-due invoices',
  }),
  'payment-plan-missed': (m, total) => ({
    subject: `Payment plan: an instalment has been missed (${m.customerName})`,
    greeting: `Hello ${firstName(m.recipientName)},`,
    intro: [
      'Thank you for agreeing a payment plan with us. We have not received the most recent instalment, so the plan is no longer on schedule.',
      `The past-due balance is ${total}. Please pay the missed instalment, or contact us so we can agree new dates.`,
    ],
    outro: [contactLine(m.sender), PAY(m)],
    tableTitle: 'Invoices under the plan',
  }),
  'written-warning': (m, total) => ({
    subject: `Written notice: past-due balance of ${total}, ${m.customerName}`,
    greeting: `Dear ${m.recipientName},`,
    intro: [
      m.previousContacts > 0
        ? sentence(`We have attempted to reach you ${m.previousContacts} time${m.previousContacts === 1 ? '' : 's'} about the past-due balance of ${total} on your account with ${m.sender.company}, without a response`)
        : sentence(`We are writing about the past-due balance of ${total} on your account with ${m.sender.company}`),
      sentences([
        `Please pay the balance, or contact us to agree a way forward, by ${longDate(m.responseBy ?? m.today, m.locale)}`,
        wordingOf(m).hold === 'possible'
          ? 'If we have not heard from you by that date, we will escalate this matter, and the account may be placed on credit hold'
          : 'If we have not heard from you by that date, we will escalate this matter',
        wordingOf(m).hold === 'on-hold' ? 'The account is on credit hold until the balance is brought up to date' : undefined,
      ]),
      'We would much rather resolve this with you directly.',
    ],
    outro: [contactLine(m.sender), PAY(m)],
    tableTitle: 'Past-due invoices',
  }),
  'final-demand': (m, total) => ({
    subject: `Final demand for payment: ${m.customerName}, ${total}`,
    greeting: `Dear ${m.recipientName},`,
    intro: [
      sentences([
        `This is a final demand for the full past-due balance of ${total} on your account with ${m.sender.company}`,
        ...attempts(m.previousContacts, (n) => `We have tried to reach you ${n} by email, letter and phone without an answer`),
      ]),
      sentences([
        `Please pay the full balance, or contact us, by ${longDate(m.responseBy ?? m.today, m.locale)}`,
        wordingOf(m).agency ? 'If we do not hear from you by that date, the account will be referred to a collection agency' : undefined,
        wordingOf(m).hold === 'on-hold' ? 'The account remains on credit hold until the balance is paid' : undefined,
      ]),
      'The letter is attached. If you have already paid, or if you dispute any invoice, please let us know at once.',
      ...guaranteeLines(m),
    ],
    outro: [contactLine(m.sender), ...(m.sender.address?.trim() ? [sentence(`Our address: ${m.sender.address.trim()}`)] : []), PAY(m)],
    tableTitle: 'Balance due',
  }),
};

export const CUSTOMER_TEMPLATES = Object.keys(builders);

/** Every customer-facing template the engine can name has a builder here. */
export function missingTemplates(): string[] {
  return [...TEMPLATE_CATALOGUE.email, ...TEMPLATE_CATALOGUE.letter].filter((t) => !(t in builders));
}

export type Composed = { ok: true; message: Message } | { ok: false; problem: string };

/** Written to another role than the level asked for (no such contact on file): said, with a request to pass it on. */
function addressedLines(m: MessageInput): string[] {
  const from = m.recipientFallbackFrom;
  if (from === undefined || from === m.recipientRole) return [];
  return [`We are writing to you because we have no ${roleLabel(from)} contact on file for ${m.customerName}. If someone else looks after this, please pass this message on or let us know who it is.`];
}

/** A guarantor among the recipients: a paragraph addressed to them, saying in what capacity they receive it. */
function guarantorLines(m: MessageInput): string[] {
  return (m.cc ?? [])
    .filter((c) => c.role === 'guarantor')
    .map((g) => `To ${g.name}: we are writing to you as guarantor of the account of ${m.customerName}${m.guarantee ? ` under the personal guarantee ${m.guarantee.documentRef}` : ''}, so that you are aware of the balance set out below and of this demand for payment.`);
}

/**
 * How to pay: the "link to pay online" sentence only when every listed invoice has a link; otherwise the
 * links there are (in the table) and the organisation's remittance details with the reference to quote.
 */
export function payLines(m: Pick<MessageInput, 'invoices' | 'remittance'>): string[] {
  const linked = m.invoices.filter((i) => i.payUrl !== undefined && i.payUrl !== '').length;
  if (linked > 0 && linked === m.invoices.length) return [payLine(m)];
  const r = m.remittance;
  const lines: string[] = [];
  if (linked > 0) lines.push(`The invoice${linked === 1 ? ' with a link below' : 's with a link below'} can be paid online.`);
  const end = (t: string): string => (/[.!?]$/.test(t) ? t : `${t}.`);
  const quote = r ? ` Please quote ${r.reference} as the reference.` : '';
  if (r && r.bankDetails.length > 0) lines.push(`How to pay${linked > 0 ? ' the others' : ''}: by bank transfer (${r.bankDetails.join('; ')}).${quote}`);
  else lines.push(`How to pay${linked > 0 ? ' the others' : ''}: reply to this email and we will send you our payment details.${quote}`);
  if (r?.instructions) lines.push(end(r.instructions));
  lines.push('If you would like a copy of any invoice, simply reply to this email.');
  return lines;
}

export function compose(input: MessageInput): Composed {
  const build = builders[input.template];
  if (!build) return { ok: false, problem: `no customer template named '${input.template}'` };
  const m = build(input, formatTotals(input.totals));
  // The recipient's capacity first, the guarantor's paragraph after the body, and how to pay where each builder says PAY.
  const pay = PAY(input);
  const page = input.customerPageUrl !== undefined && input.customerPageUrl !== '' ? { customerPage: { text: CUSTOMER_PAGE_SENTENCE, url: input.customerPageUrl } } : {};
  return { ok: true, message: { ...m, intro: [...addressedLines(input), ...m.intro, ...guarantorLines(input)], outro: m.outro.flatMap((p) => (p === pay ? payLines(input) : [p])), ...page } };
}

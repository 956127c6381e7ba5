// The written-warning and final demand letters. Courteous and firm: the balance,
// a dated deadline, the one consequence that follows (referral to a collection
// agency), how to pay, and who to talk to. Every paragraph comes from the
// organisation's settings, with the defaults in settings.ts.
import type { LocalDate } from '../domain/calendar.js';
import { sentences } from '../domain/text.js';
import type { Wording } from '../engine/decision-types.js';
import type { DeadlineDays } from '../domain/deadline.js';
import { addTo, totalsToList, type Totals } from '../domain/money.js';
import { cappedParty, daysPastDue, fill, formatAmount, formatDate, formatTotalsLocale, responseDeadline } from './format.js';
import { balances, documentInstant, pastDue, paidMinor, type DocInvoice, type DocParty } from './model.js';
import { BOLD, facts, finish, letterhead, newDoc, paragraph, table, ensureSpace, type Column, type Pdf } from './pdf.js';
import type { DocumentSettings, LetterKind, LetterTexts } from './settings.js';
import { howToPayFacts } from './how-to-pay.js';
import { CUSTOMER_PAGE_SENTENCE } from '../email/templates.js';
import { roleTitle } from '../domain/contact-roles.js';

export interface LetterInput {
  kind: LetterKind;
  settings: DocumentSettings;
  customer: DocParty;
  /** The account's invoices; the letter lists the open, past-due ones as of `sentDate`. */
  invoices: readonly DocInvoice[];
  /** The day the letter is sent (its date). */
  sentDate: LocalDate;
  /**
   * The response deadline the letter states: for a letter being sent, the one the dispatcher dated with the
   * one deadline rule (src/domain/deadline.ts); for a preview, the same rule under the account's policy.
   * Absent (builder tests, benches): the documents settings' business days (letterDeadline).
   */
  deadline?: LocalDate;
  /** The response days and how they count, for the "Respond by" line ("10 business days from the date of this letter"). */
  terms?: { days: number; kind: DeadlineDays };
  compress?: boolean;
  /** What may be said of what comes next (the engine's Wording on the letter action); absent: the default ladder's. */
  wording?: Wording;
  /** The account's reply address (src/inbound/reply-address.ts), printed under the direct contact: a reply to it is filed with the account. */
  replyTo?: string;
  /** Who else receives the letter, with the role each receives it as ('guarantor': the guarantor of a personal guarantee, addressed in a paragraph of their own). */
  copies?: readonly { name: string; role: string }[];
  /** The personal guarantee's document reference, named in the guarantor's paragraph. */
  guaranteeRef?: string;
  /** The account's customer page (src/crypto/customer-link.ts), printed under how to pay with CUSTOMER_PAGE_SENTENCE. */
  customerPageUrl?: string;
}

export interface BuiltLetter {
  pdf: Buffer;
  kind: LetterKind;
  sentDate: LocalDate;
  deadline: LocalDate;
  /** Past-due balance per currency. */
  totals: Totals;
  invoiceIds: string[];
  filename: string;
}

export const LETTER_NAMES: Readonly<Record<LetterKind, string>> = { 'final-demand': 'Final demand', 'written-warning': 'Written warning' };

/**
 * The deadline of a letter when nothing better is known (an entry whose planned deadline is unreadable): the
 * documents settings' business days on the organisation's holidays, by the one rule (src/domain/deadline.ts).
 */
export function letterDeadline(kind: LetterKind, settings: DocumentSettings, sentDate: LocalDate): LocalDate {
  return responseDeadline(sentDate, settings.responseBusinessDays[kind], settings.holidays);
}

/** A letter refused because nothing is past due: no demand for nothing (never a "$0.00" letter). */
export class EmptyDemandError extends Error {
  readonly code = 'empty_demand';
  constructor(readonly kind: LetterKind, readonly sentDate: LocalDate) {
    super(`no ${LETTER_NAMES[kind].toLowerCase()} for nothing: no invoice of the account is past due on ${sentDate} (a letter is never drawn with an empty invoice table)`);
    this.name = 'EmptyDemandError';
  }
}

/** "10 business days from the date of this letter", "14 days from the date of this letter". */
function termsText(t: { days: number; kind: DeadlineDays }): string {
  return `${t.days} ${t.kind === 'business' ? 'business ' : ''}day${t.days === 1 ? '' : 's'} from the date of this letter`;
}

/** The invoice table of a letter or a cover sheet: one row per invoice, then a total row per currency. */
export function invoiceRows(invoices: readonly DocInvoice[], asOf: LocalDate, locale: string): { columns: Column[]; rows: string[][]; bold: Set<number> } {
  const columns: Column[] = [
    { header: 'Invoice', width: 1.3 },
    { header: 'Date', width: 1.2 },
    { header: 'Due date', width: 1.2 },
    { header: 'Days late', width: 0.8, align: 'right' },
    { header: 'Original', width: 1.4, align: 'right' },
    { header: 'Paid', width: 1.3, align: 'right' },
    { header: 'Balance', width: 1.4, align: 'right' },
  ];
  const rows: string[][] = [];
  const orig: Totals = {};
  const paid: Totals = {};
  const bal: Totals = {};
  for (const i of invoices) {
    addTo(orig, i.currency, i.totalMinor);
    addTo(paid, i.currency, paidMinor(i));
    addTo(bal, i.currency, i.balanceMinor);
    rows.push([
      i.number,
      formatDate(i.issueDate, locale, 'medium'),
      formatDate(i.dueDate, locale, 'medium'),
      String(Math.max(0, daysPastDue(i.dueDate, asOf))),
      formatAmount(i.totalMinor, i.currency, locale),
      formatAmount(paidMinor(i), i.currency, locale),
      formatAmount(i.balanceMinor, i.currency, locale),
    ]);
  }
  const bold = new Set<number>();
  for (const m of totalsToList(bal)) {
    bold.add(rows.length);
    rows.push([`Total ${m.currency}`, '', '', '', formatAmount(orig[m.currency] ?? 0, m.currency, locale), formatAmount(paid[m.currency] ?? 0, m.currency, locale), formatAmount(m.amountMinor, m.currency, locale)]);
  }
  return { columns, rows, bold };
}

export function collectorLines(s: DocumentSettings): string[] {
  const c = s.collector;
  return [c.title ? `${c.name}, ${c.title}` : c.name, ...(c.phone ? [`Phone: ${c.phone}`] : []), ...(c.email ? [`Email: ${c.email}`] : [])];
}

/** The consequence paragraph: the agency sentence only when the ladder refers, the hold sentence as the hold stands. */
export function consequenceText(t: LetterTexts, w: Wording, vars: Readonly<Record<string, string>>): string {
  const hold = w.hold === 'on-hold' ? t.holdInPlace : w.hold === 'possible' ? t.holdPossible : undefined;
  return sentences([fill(w.agency ? t.consequence : t.consequenceWithoutAgency, vars), hold !== undefined ? fill(hold, vars) : undefined]);
}

function recipientBlock(doc: Pdf, customer: DocParty): void {
  const lines = [customer.name, ...(customer.attention ? [`Attn: ${customer.attention}`] : []), ...customer.addressLines];
  lines.forEach((l, i) => paragraph(doc, l, { font: i === 0 ? BOLD : undefined, gap: 0 }));
  doc.y += 14;
}

export async function buildLetter(input: LetterInput): Promise<BuiltLetter> {
  const { kind, settings: s } = input;
  const customer = cappedParty(input.customer);
  const t = s.texts[kind];
  const locale = s.locale;
  const items = pastDue(input.invoices, input.sentDate);
  const totals = balances(items);
  if (items.length === 0 || totalsToList(totals).every((m) => m.amountMinor <= 0)) throw new EmptyDemandError(kind, input.sentDate);
  const deadline = input.deadline ?? letterDeadline(kind, s, input.sentDate);
  const terms = input.terms ?? (input.deadline === undefined ? { days: s.responseBusinessDays[kind], kind: 'business' as const } : undefined);
  const vars: Record<string, string> = {
    company: s.letterhead.name,
    customer: customer.name,
    recipient: customer.attention?.split(',')[0]?.trim() || 'Sir or Madam',
    total: formatTotalsLocale(totals, locale, 'USD'),
    deadline: formatDate(deadline, locale),
    sentDate: formatDate(input.sentDate, locale),
    agency: s.agency.name ? `a collection agency (${s.agency.name})` : 'a collection agency',
    collector: s.collector.name,
    businessDays: String(input.terms?.days ?? s.responseBusinessDays[kind]),
  };
  const title = fill(t.title, vars);
  const footer = `${s.letterhead.name}${s.letterhead.registration ? ` · ${s.letterhead.registration}` : ''} · ${LETTER_NAMES[kind]} · ${customer.name}`;
  const doc = newDoc({ title: `${title}: ${customer.name}`, subject: fill(t.subject, vars), author: s.letterhead.name, createdAt: documentInstant(input.sentDate), paperSize: s.paperSize, ...(input.compress !== undefined ? { compress: input.compress } : {}) });

  letterhead(doc, s);
  paragraph(doc, vars.sentDate ?? '', { gap: 14 });
  recipientBlock(doc, customer);
  const copies = input.copies ?? [];
  if (copies.length > 0) paragraph(doc, `Copy to: ${copies.map((c) => `${c.name} (${roleTitle(c.role)})`).join('; ')}`, { size: 9, gap: 4 });
  if (customer.reference) paragraph(doc, `Account: ${customer.reference}`, { size: 9, gap: 4 });
  paragraph(doc, title, { font: BOLD, size: 13, gap: 2 });
  paragraph(doc, `Re: ${fill(t.subject, vars)}`, { font: BOLD, size: 10, gap: 10 });
  paragraph(doc, fill(t.salutation, vars), { gap: 8 });
  paragraph(doc, fill(t.opening, vars), { gap: 8 });
  paragraph(doc, fill(t.statementIntro, vars), { gap: 4 });
  const tbl = invoiceRows(items, input.sentDate, locale);
  table(doc, tbl.columns, tbl.rows, { boldRows: tbl.bold });
  facts(doc, [
    ['Full balance due', vars.total ?? ''],
    ['Respond by', terms !== undefined ? `${vars.deadline ?? ''} (${termsText(terms)})` : (vars.deadline ?? '')],
  ], 10.5);
  doc.y += 6;
  paragraph(doc, fill(t.demand, vars), { gap: 8 });
  paragraph(doc, consequenceText(t, input.wording ?? { agency: true, hold: 'possible' }, vars), { gap: 8 });
  paragraph(doc, fill(t.dispute, vars), { gap: 10 });
  for (const g of copies.filter((c) => c.role === 'guarantor')) {
    const ref = input.guaranteeRef ? ` under the personal guarantee ${input.guaranteeRef}` : '';
    paragraph(doc, `To ${g.name}: we are writing to you as guarantor of the account of ${customer.name}${ref}, so that you are aware of the balance set out above and of this demand for payment.`, { gap: 10 });
  }

  // How to pay
  const howToPay = howToPayFacts(items, s, customer.reference);
  ensureSpace(doc, 60);
  paragraph(doc, fill(t.payment, vars), { font: BOLD, size: 11, gap: 4 });
  facts(doc, howToPay);
  if (input.customerPageUrl) paragraph(doc, `${CUSTOMER_PAGE_SENTENCE} ${input.customerPageUrl}`, { size: 9.5, gap: 4 });
  doc.y += 6;
  ensureSpace(doc, 50);
  paragraph(doc, 'Your direct contact', { font: BOLD, size: 11, gap: 4 });
  paragraph(doc, collectorLines(s).join('\n'), { gap: input.replyTo ? 4 : 10 });
  if (input.replyTo) paragraph(doc, `To reply by email, write to ${input.replyTo}: your reply reaches us and is filed with your account.`, { size: 9.5, gap: 10 });
  ensureSpace(doc, 70);
  paragraph(doc, fill(t.closing, vars), { gap: 12 });
  paragraph(doc, fill(t.signOff, vars), { gap: 22 });
  paragraph(doc, [s.collector.name, ...(s.collector.title ? [s.collector.title] : []), s.letterhead.name].join('\n'), { gap: 0 });

  const pdf = await finish(doc, footer);
  return {
    pdf,
    kind,
    sentDate: input.sentDate,
    deadline,
    totals,
    invoiceIds: items.map((i) => i.id),
    filename: `${kind}-${input.sentDate}.pdf`,
  };
}

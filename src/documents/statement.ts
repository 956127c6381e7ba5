// Statement of account: every open item and the recently paid ones, with the
// open balance aged into buckets per currency. A long statement runs over as
// many pages as it needs, the table header repeated on each.
import { howToPayFacts } from './how-to-pay.js';
import { toDayNumber, type LocalDate } from '../domain/calendar.js';
import { addTo, totalsToList, type Totals } from '../domain/money.js';
import { cappedParty, daysPastDue, formatAmount, formatDate, formatTotalsLocale } from './format.js';
import { collectorLines } from './letter.js';
import { balances, documentInstant, paidMinor, type DocInvoice, type DocParty } from './model.js';
import { BOLD, facts, finish, letterhead, newDoc, paragraph, table, ensureSpace, type Column } from './pdf.js';
import type { DocumentSettings } from './settings.js';

export const AGING_BUCKETS = ['Current', '1–30', '31–60', '61–90', '90+'] as const;

/** Bucket index of an open item on `asOf`: 0 current (not yet past due), 1 1–30, 2 31–60, 3 61–90, 4 over 90 days. */
export function agingBucket(dueDate: LocalDate, asOf: LocalDate): number {
  const d = daysPastDue(dueDate, asOf);
  return d <= 0 ? 0 : d <= 30 ? 1 : d <= 60 ? 2 : d <= 90 ? 3 : 4;
}

/** Open balances per currency and bucket: { USD: [current, 1–30, 31–60, 61–90, 90+] }. */
export function aging(invoices: readonly DocInvoice[], asOf: LocalDate): Record<string, [number, number, number, number, number]> {
  const out: Record<string, [number, number, number, number, number]> = {};
  for (const i of invoices) {
    if (i.status !== 'open' || i.balanceMinor === 0) continue;
    const row = (out[i.currency] ??= [0, 0, 0, 0, 0]);
    const b = agingBucket(i.dueDate, asOf);
    row[b] = (row[b] ?? 0) + i.balanceMinor;
  }
  return out;
}

/** What a statement lists: open items with a balance, and items paid within `recentlyPaidDays` of `asOf`; by due date. */
export function statementItems(invoices: readonly DocInvoice[], asOf: LocalDate, recentlyPaidDays: number): DocInvoice[] {
  const since = toDayNumber(asOf) - recentlyPaidDays;
  return invoices
    .filter((i) => (i.status === 'open' && i.balanceMinor !== 0) || (i.status === 'paid' && i.paidDate !== undefined && toDayNumber(i.paidDate) >= since && i.paidDate <= asOf))
    .sort((a, b) => (a.dueDate < b.dueDate ? -1 : a.dueDate > b.dueDate ? 1 : a.number < b.number ? -1 : a.number > b.number ? 1 : 0));
}

export interface StatementInput {
  settings: DocumentSettings;
  customer: DocParty;
  invoices: readonly DocInvoice[];
  asOf: LocalDate;
  compress?: boolean;
}

export interface BuiltStatement {
  pdf: Buffer;
  asOf: LocalDate;
  items: number;
  pages: number;
  /** Open balance per currency. */
  totals: Totals;
  filename: string;
}

/** How many invoices' pay links a statement lists in "How to pay" (a long statement says how many more have one). */
const STATEMENT_PAY_LINKS = 12;

export async function buildStatement(input: StatementInput): Promise<BuiltStatement> {
  const { settings: s, asOf } = input;
  const customer = cappedParty(input.customer);
  const locale = s.locale;
  const items = statementItems(input.invoices, asOf, s.recentlyPaidDays);
  const open = items.filter((i) => i.status === 'open');
  const totals = balances(open);
  const doc = newDoc({ title: `Statement of account: ${customer.name}`, subject: `As of ${asOf}`, author: s.letterhead.name, createdAt: documentInstant(asOf), paperSize: s.paperSize, ...(input.compress !== undefined ? { compress: input.compress } : {}) });
  const asOfText = formatDate(asOf, locale);

  letterhead(doc, s);
  paragraph(doc, 'STATEMENT OF ACCOUNT', { font: BOLD, size: 14, gap: 8 });
  facts(doc, [
    ['Customer', [customer.name, ...customer.addressLines].join('\n')],
    ...(customer.reference ? ([['Account', customer.reference]] as [string, string][]) : []),
    ['Statement date', asOfText],
    ['Balance due', formatTotalsLocale(totals, locale, 'USD')],
  ]);
  doc.y += 8;

  paragraph(doc, 'Aging of the open balance', { font: BOLD, size: 11, gap: 4 });
  const age = aging(open, asOf);
  const agingCols: Column[] = [{ header: 'Currency', width: 0.8 }, ...AGING_BUCKETS.map((h) => ({ header: h === 'Current' ? h : `${h} days`, width: 1.2, align: 'right' as const })), { header: 'Total due', width: 1.3, align: 'right' }];
  const agingRows = Object.keys(age)
    .sort()
    .map((c) => {
      const row = age[c] ?? [0, 0, 0, 0, 0];
      return [c, ...row.map((v) => formatAmount(v, c, locale)), formatAmount(row.reduce((a, b) => a + b, 0), c, locale)];
    });
  table(doc, agingCols, agingRows.length > 0 ? agingRows : [['-', '', '', '', '', '', 'Nothing open']]);
  doc.y += 8;

  paragraph(doc, `Open items${s.recentlyPaidDays > 0 ? ` and items paid in the last ${s.recentlyPaidDays} days` : ''}`, { font: BOLD, size: 11, gap: 4 });
  const cols: Column[] = [
    { header: 'Invoice', width: 1.1 },
    { header: 'Date', width: 1.1 },
    { header: 'Due date', width: 1.1 },
    { header: 'Days late', width: 0.9, align: 'right' },
    { header: 'Original', width: 1.3, align: 'right' },
    { header: 'Paid', width: 1.2, align: 'right' },
    { header: 'Balance', width: 1.3, align: 'right' },
    { header: 'Status', width: 1.5 },
  ];
  const orig: Totals = {};
  const paid: Totals = {};
  const rows = items.map((i) => {
    addTo(orig, i.currency, i.totalMinor);
    addTo(paid, i.currency, paidMinor(i));
    const late = daysPastDue(i.dueDate, asOf);
    return [
      i.number,
      formatDate(i.issueDate, locale, 'medium'),
      formatDate(i.dueDate, locale, 'medium'),
      i.status === 'open' && late > 0 ? String(late) : '',
      formatAmount(i.totalMinor, i.currency, locale),
      formatAmount(paidMinor(i), i.currency, locale),
      formatAmount(i.balanceMinor, i.currency, locale),
      i.status === 'paid' ? `Paid ${i.paidDate ? formatDate(i.paidDate, locale, 'medium') : ''}`.trim() : late > 0 ? 'Past due' : 'Open',
    ];
  });
  const bold = new Set<number>();
  for (const c of [...new Set(items.map((i) => i.currency))].sort()) {
    bold.add(rows.length);
    rows.push([`Total ${c}`, '', '', '', formatAmount(orig[c] ?? 0, c, locale), formatAmount(paid[c] ?? 0, c, locale), formatAmount(totals[c] ?? 0, c, locale), '']);
  }
  table(doc, cols, rows, {
    boldRows: bold,
    zebra: true,
    onContinue: (d) => {
      d.font(BOLD).fontSize(9).text(`Statement of account: ${customer.name}, ${asOfText} (continued)`, d.page.margins.left, d.y);
      d.y += 6;
    },
  });

  ensureSpace(doc, 90);
  doc.y += 6;
  const how: [string, string][] = open.length > 0 ? howToPayFacts(open, s, customer.reference, STATEMENT_PAY_LINKS) : [];
  how.push(['Questions', collectorLines(s).join('\n')]);
  facts(doc, how);
  if (totalsToList(totals).length === 0) paragraph(doc, 'Thank you: nothing is open on this account.', { gap: 0 });

  const pages = doc.bufferedPageRange().count;
  const pdf = await finish(doc, `${s.letterhead.name} · Statement of account · ${customer.name} · ${asOfText}`);
  return { pdf, asOf, items: items.length, pages, totals, filename: `statement-${asOf}.pdf` };
}

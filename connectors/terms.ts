// Due dates from payment terms, as each platform defines them (pure). An
// invoice the ledger sends without a due date takes it from its terms; one
// with neither is left undated and flagged (InvoiceDoc.dueDateSource 'none'),
// never given its issue date.
import { civilFromDays, daysFromCivil, fromDayNumber, toDayNumber, type LocalDate } from '../src/domain/calendar.js';

/** Day `day` of the month `monthOffset` months after `date`'s, clamped to that month's last day (31 → 30 Apr). */
export function dayOfMonth(date: LocalDate, day: number, monthOffset = 0): LocalDate {
  const { y, m } = civilFromDays(toDayNumber(date));
  const target = addMonths(y, m, monthOffset);
  const last = lastDayOfMonth(target.y, target.m);
  return fromDayNumber(daysFromCivil(target.y, target.m, Math.min(Math.max(day, 1), last)));
}

function addMonths(y: number, m: number, n: number): { y: number; m: number } {
  const i = y * 12 + (m - 1) + n;
  return { y: Math.floor(i / 12), m: (i % 12) + 1 };
}

function lastDayOfMonth(y: number, m: number): number {
  const next = addMonths(y, m, 1);
  return daysFromCivil(next.y, next.m, 1) - daysFromCivil(y, m, 1);
}

/** The last day of `date`'s month. */
export function endOfMonth(date: LocalDate): LocalDate {
  const { y, m } = civilFromDays(toDayNumber(date));
  return fromDayNumber(daysFromCivil(y, m, lastDayOfMonth(y, m)));
}

/** QuickBooks Term: STANDARD (DueDays after the invoice date) or DATE_DRIVEN (DayOfMonthDue, next month when issued within DueNextMonthDays of it). */
export interface QboTermRule {
  Type?: string | undefined;
  DueDays?: number | undefined;
  DayOfMonthDue?: number | undefined;
  DueNextMonthDays?: number | undefined;
}

/**
 * The due date QuickBooks gives an invoice of `txnDate` under `term`, or null when the term says nothing usable.
 * DATE_DRIVEN: day DayOfMonthDue of the invoice's month; of the next month when that day is already past, or
 * when the invoice is issued DueNextMonthDays days or fewer before it.
 */
export function qboDueDate(txnDate: LocalDate, term: QboTermRule): LocalDate | null {
  const dateDriven = term.Type === 'DATE_DRIVEN' || (term.Type === undefined && term.DayOfMonthDue !== undefined && term.DueDays === undefined);
  if (!dateDriven) return term.DueDays !== undefined && term.DueDays >= 0 ? fromDayNumber(toDayNumber(txnDate) + term.DueDays) : null;
  if (term.DayOfMonthDue === undefined || term.DayOfMonthDue < 1) return null;
  const thisMonth = dayOfMonth(txnDate, term.DayOfMonthDue);
  const daysBefore = toDayNumber(thisMonth) - toDayNumber(txnDate);
  const nextMonth = daysBefore < 0 || daysBefore <= (term.DueNextMonthDays ?? -1);
  return nextMonth ? dayOfMonth(txnDate, term.DayOfMonthDue, 1) : thisMonth;
}

/** Xero PaymentTerms.Sales (or Bills): a day and how to count it. */
export interface XeroTermRule {
  Day: number;
  Type: string;
}

/**
 * The due date Xero gives an invoice dated `date` under `terms`, or null for an unknown type:
 * DAYSAFTERBILLDATE (Day days after the invoice date), DAYSAFTERBILLMONTH (Day days after the end of
 * the invoice's month), OFCURRENTMONTH (day Day of the invoice's month), OFFOLLOWINGMONTH (day Day of the next month).
 */
export function xeroDueDate(date: LocalDate, terms: XeroTermRule): LocalDate | null {
  switch (terms.Type) {
    case 'DAYSAFTERBILLDATE': return fromDayNumber(toDayNumber(date) + terms.Day);
    case 'DAYSAFTERBILLMONTH': return fromDayNumber(toDayNumber(endOfMonth(date)) + terms.Day);
    case 'OFCURRENTMONTH': return dayOfMonth(date, terms.Day);
    case 'OFFOLLOWINGMONTH': return dayOfMonth(date, terms.Day, 1);
    default: return null;
  }
}

/** Xero terms as a person reads them. */
export function xeroTermsName(terms: XeroTermRule): string {
  switch (terms.Type) {
    case 'DAYSAFTERBILLDATE': return `${terms.Day} days after the invoice date`;
    case 'DAYSAFTERBILLMONTH': return `${terms.Day} days after the end of the invoice month`;
    case 'OFCURRENTMONTH': return `day ${terms.Day} of the invoice month`;
    case 'OFFOLLOWINGMONTH': return `day ${terms.Day} of the following month`;
    default: return `${terms.Day} ${terms.Type}`;
  }
}

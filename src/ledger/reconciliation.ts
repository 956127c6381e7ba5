// The nightly reconciliation's rule, pure: Overdue's open and past-due balance per
// ledger customer and currency, and its comparison with the ledger's own report
// (QuickBooks AgedReceivableDetail, Xero Reports/AgedReceivablesByContact; the
// connectors read and parse those). One definition of "open" and "past due" on a
// report date: an invoice owes (open, balance > 0, src/engine/past-due.ts `owes`)
// and is past due when its due date is before the report date.
import { toDayNumber, type LocalDate } from '../domain/calendar.js';
import { owes } from '../engine/past-due.js';

/** One customer's open and past-due balance in one currency (minor units). */
export interface BalanceFigure {
  customerExternalId: string;
  currency: string;
  openMinor: number;
  pastDueMinor: number;
}

/** One invoice as the comparison needs it (Overdue's stored invoice, or a ledger report's invoice row). */
export interface OpenItem {
  customerExternalId: string;
  currency: string;
  balanceMinor: number;
  status: string;
  dueDate: LocalDate;
}

/** What the ledger's report covers: a customer and currency outside it is not compared (neither side). */
export type ReportScope = (customerExternalId: string, currency: string) => boolean;

export interface MismatchLine {
  customerExternalId: string;
  currency: string;
  overdue: { openMinor: number; pastDueMinor: number };
  ledger: { openMinor: number; pastDueMinor: number };
}

export interface Comparison {
  /** Customer × currency pairs compared (a pair with nothing open on either side is not counted). */
  compared: number;
  /** Of those, the pairs whose open and past-due balances agree to the minor unit. */
  exact: number;
  mismatches: MismatchLine[];
}

/** Past due on report date `asOf`: the due date is before it. */
export function isPastDueOn(dueDate: LocalDate, asOf: LocalDate): boolean {
  return toDayNumber(dueDate) < toDayNumber(asOf);
}

const keyOf = (customerExternalId: string, currency: string): string => `${customerExternalId}\u0000${currency}`;

/** Open and past-due totals per customer and currency of the items that owe, on `asOf`. */
export function figuresOf(items: Iterable<OpenItem>, asOf: LocalDate): BalanceFigure[] {
  const out = new Map<string, BalanceFigure>();
  for (const i of items) {
    if (!owes(i)) continue;
    const k = keyOf(i.customerExternalId, i.currency);
    const f = out.get(k) ?? { customerExternalId: i.customerExternalId, currency: i.currency, openMinor: 0, pastDueMinor: 0 };
    f.openMinor += i.balanceMinor;
    if (isPastDueOn(i.dueDate, asOf)) f.pastDueMinor += i.balanceMinor;
    out.set(k, f);
  }
  return [...out.values()];
}

/** Overdue's figures against the ledger's, within the report's scope: every pair on either side is compared. */
export function compareFigures(overdue: readonly BalanceFigure[], ledger: readonly BalanceFigure[], inScope: ReportScope): Comparison {
  const ours = new Map(overdue.filter((f) => inScope(f.customerExternalId, f.currency)).map((f) => [keyOf(f.customerExternalId, f.currency), f]));
  const theirs = new Map(ledger.filter((f) => inScope(f.customerExternalId, f.currency)).map((f) => [keyOf(f.customerExternalId, f.currency), f]));
  const keys = [...new Set([...ours.keys(), ...theirs.keys()])].sort();
  const mismatches: MismatchLine[] = [];
  let compared = 0;
  for (const k of keys) {
    const a = ours.get(k);
    const b = theirs.get(k);
    const o = { openMinor: a?.openMinor ?? 0, pastDueMinor: a?.pastDueMinor ?? 0 };
    const l = { openMinor: b?.openMinor ?? 0, pastDueMinor: b?.pastDueMinor ?? 0 };
    if (o.openMinor === 0 && o.pastDueMinor === 0 && l.openMinor === 0 && l.pastDueMinor === 0) continue;
    compared++;
    if (o.openMinor === l.openMinor && o.pastDueMinor === l.pastDueMinor) continue;
    const f = (a ?? b) as BalanceFigure;
    mismatches.push({ customerExternalId: f.customerExternalId, currency: f.currency, overdue: o, ledger: l });
  }
  return { compared, exact: compared - mismatches.length, mismatches };
}

// The past-due rule, one definition: an invoice is past due on a local day when
// it is open, still owes something, its due date is before that day, and no open
// dispute takes it out of the ladder. The engine's decide(), Slack (nudges, holds,
// App Home, /overdue), letters, packets and statements all count with this.
import { toDayNumber, type LocalDate } from '../domain/calendar.js';
import { addTo, type Totals } from '../domain/money.js';
import type { Dispute, Instant } from './account.js';

/** Days past due on local day `today` (0 on the due date, negative before it). */
export function daysPastDue(dueDate: LocalDate, today: LocalDate): number {
  return toDayNumber(today) - toDayNumber(dueDate);
}

/** Open with a balance left: an invoice the ladder may chase (past due or not yet). */
export function owes(inv: { readonly status: string; readonly balanceMinor: number }): boolean {
  return inv.status === 'open' && inv.balanceMinor > 0;
}

/** Past due from the first day after the due date (days past due ≥ 1). */
export function isPastDueAge(daysPastDue: number): boolean {
  return daysPastDue >= 1;
}

/** Open, a balance left, and due before `today` (at least one day past due). Disputes aside: see pastDueOf. */
export function isPastDue(inv: { readonly status: string; readonly balanceMinor: number; readonly dueDate: LocalDate }, today: LocalDate): boolean {
  return owes(inv) && isPastDueAge(daysPastDue(inv.dueDate, today));
}

/** Invoices an open dispute (one naming them; not yet resolved at `now`) takes out of the ladder. */
export function disputedInvoiceIds(disputes: readonly Dispute[], now: Instant): Set<string> {
  const out = new Set<string>();
  for (const d of disputes) {
    if (d.resolvedAt !== undefined && d.resolvedAt <= now) continue;
    for (const id of d.invoiceIds ?? []) out.add(id);
  }
  return out;
}

export interface PastDueInvoiceInput {
  readonly id: string;
  readonly number: string;
  readonly dueDate: LocalDate;
  readonly currency: string;
  readonly balanceMinor: number;
  readonly status: string;
  /** The invoice's own dispute flag (the engine's Invoice.disputed). */
  readonly disputed?: boolean;
}

export interface PastDueLine {
  readonly id: string;
  readonly number: string;
  readonly dueDate: LocalDate;
  readonly daysPastDue: number;
  readonly currency: string;
  readonly balanceMinor: number;
}

export interface PastDue {
  /** Oldest first (most days past due), then by number. */
  readonly invoices: PastDueLine[];
  readonly oldestDays: number;
  readonly totals: Totals;
}

/** An account's past-due invoices and totals on local day `today`: the engine's rule, disputed invoices left out. */
export function pastDueOf(invoices: readonly PastDueInvoiceInput[], disputes: readonly Dispute[], today: LocalDate, now: Instant): PastDue {
  const disputed = disputedInvoiceIds(disputes, now);
  const lines = invoices
    .filter((i) => isPastDue(i, today) && i.disputed !== true && !disputed.has(i.id))
    .map((i) => ({ id: i.id, number: i.number, dueDate: i.dueDate, daysPastDue: daysPastDue(i.dueDate, today), currency: i.currency, balanceMinor: i.balanceMinor }))
    .sort((a, b) => b.daysPastDue - a.daysPastDue || a.number.localeCompare(b.number));
  const totals: Totals = {};
  for (const i of lines) addTo(totals, i.currency, i.balanceMinor);
  return { invoices: lines, oldestDays: lines[0]?.daysPastDue ?? 0, totals };
}

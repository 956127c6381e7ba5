// The plain data every document builder takes. Builders are pure: this data in,
// PDF bytes out; nothing is read from the clock or the store while drawing.
import type { LocalDate } from '../domain/calendar.js';
import { addTo, type Totals } from '../domain/money.js';
import { isPastDue } from '../engine/past-due.js';

export interface DocParty {
  /** Legal name (the display name when no legal name is known). */
  name: string;
  addressLines: string[];
  /** The person the letter is addressed to, e.g. "Ann Lee, CFO". */
  attention?: string;
  /** Our reference for the account. */
  reference?: string;
}

export interface DocInvoice {
  id: string;
  number: string;
  issueDate: LocalDate;
  dueDate: LocalDate;
  currency: string;
  totalMinor: number;
  balanceMinor: number;
  status: 'open' | 'paid' | 'voided' | 'deleted';
  payUrl?: string;
  /** For paid invoices: the date of the last payment applied. */
  paidDate?: LocalDate;
}

export function paidMinor(i: DocInvoice): number {
  return i.totalMinor - i.balanceMinor;
}

/** The invoices past due on `asOf` by the engine's rule (open, a balance, due before `asOf`), oldest due first. */
export function pastDue(invoices: readonly DocInvoice[], asOf: LocalDate): DocInvoice[] {
  return invoices
    .filter((i) => isPastDue(i, asOf))
    .sort((a, b) => (a.dueDate < b.dueDate ? -1 : a.dueDate > b.dueDate ? 1 : a.number < b.number ? -1 : a.number > b.number ? 1 : 0));
}

export function balances(invoices: readonly DocInvoice[]): Totals {
  const t: Totals = {};
  for (const i of invoices) addTo(t, i.currency, i.balanceMinor);
  return t;
}

/** The PDF creation date for a document dated `date`: midnight UTC of that day, so output never depends on the clock. */
export function documentInstant(date: LocalDate): Date {
  return new Date(`${date}T00:00:00Z`);
}

/** A safe file-name part: "INV/2025-01" → "INV-2025-01". */
export function fileSafe(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'x';
}

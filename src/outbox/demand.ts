// What the dispatcher decides about a demand just before it leaves (pure): the
// response deadline a letter states, dated by the one deadline rule from the day
// it is actually sent, and whether anything is still past due to demand.
import { addDays, type CompiledCalendar, type LocalDate } from '../domain/calendar.js';
import { DEFAULT_DEADLINE_DAYS, responseDeadline, type DeadlineDays } from '../domain/deadline.js';
import { pastDueOf } from '../engine/index.js';
import { disputesOf } from '../planning/assemble.js';
import type { AccountStateDoc } from '../planning/state.js';
import type { InvoiceDoc } from '../store/types.js';

/**
 * The deadline a letter states: the policy's response days counted from the day it is sent (its
 * `deadlineDays`, business by default) on the account's calendar. A payload planned before letters
 * carried their days states the deadline it planned.
 */
export function statedDeadline(a: { responseBy: string; responseDays?: number | undefined; deadlineDays?: DeadlineDays | undefined }, sentDate: LocalDate, cal: CompiledCalendar): LocalDate {
  if (a.responseDays === undefined) return a.responseBy;
  return responseDeadline(sentDate, a.responseDays, a.deadlineDays ?? DEFAULT_DEADLINE_DAYS, cal);
}

/**
 * Null when something of these invoices is past due on `today` (the engine's rule: open, owing, due
 * before today, not disputed); otherwise why nothing may be demanded.
 */
export function nothingPastDueReason(invoices: readonly InvoiceDoc[], state: Pick<AccountStateDoc, 'disputes'> | null | undefined, today: LocalDate, now: Date): string | null {
  const due = pastDueOf(invoices.map((i) => ({ id: i._id, number: i.number, dueDate: i.dueDate, currency: i.currency, balanceMinor: i.balanceMinor, status: i.status })), disputesOf(state), today, now.getTime());
  if (due.invoices.length > 0) return null;
  const numbers = invoices.map((i) => i.number).join(', ') || 'no invoice';
  return `nothing past due on ${today} (${numbers}: no balance past due with the balances read at sending): no demand sent`;
}

/**
 * The referral never precedes the deadline: null when the last final demand sent (the archive's, with the
 * deadline it stated) has its deadline before `today`, or none was sent; otherwise the first day the referral
 * may go (the day after the deadline).
 */
export function referralWaitsUntil(sent: readonly { kind: string; letter?: string | undefined; deadline?: string | undefined }[], today: LocalDate): LocalDate | null {
  const demand = sent.filter((d) => d.kind === 'letter' && d.letter === 'final-demand').at(-1);
  if (demand?.deadline === undefined || demand.deadline < today) return null;
  return addDays(demand.deadline, 1);
}

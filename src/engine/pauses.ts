// Pauses: open disputes, promises to pay, payment plans, snoozes and a
// customer's reply stop the ladder (for the whole account or for the invoices
// they cover), and the paused days are not counted by the ladder's clock.

import { formatDayNumberShort, localDayNumber, toDayNumber } from '../domain/calendar.js';
import type { Account, Dispute, Instant, PaymentPlan, PromiseToPay, Snooze } from './account.js';
import type { Reason } from './decision-types.js';
import type { Policy } from './policy.js';

export interface PauseState {
  /** Account-wide pauses in force today. */
  readonly active: Reason[];
  /** Account-wide paused day ranges [from, to] (inclusive), for the ladder clock. */
  readonly intervals: [number, number][];
  /** Invoices out of the ladder today (disputed, under a scoped promise or plan). */
  readonly excluded: Map<string, string>;
  readonly resumed: Reason[];
  /** Days on which the pause state changes by itself. */
  readonly wakeDays: number[];
}

const NO_PAUSES: PauseState = { active: [], intervals: [], excluded: new Map(), resumed: [], wakeDays: [] };

function hasPauseData(a: Account): boolean {
  return (
    a.disputes.length > 0 ||
    a.promises.length > 0 ||
    a.paymentPlans.length > 0 ||
    a.snoozes.length > 0 ||
    a.lastCustomerReplyAt !== undefined ||
    a.exclusion !== undefined
  );
}

/** What the pauses of an account mean today. */
export function pauseState(a: Account, policy: Policy, today: number, now: Instant, tz: string): PauseState {
  if (!hasPauseData(a)) return NO_PAUSES;
  const s: PauseState = { active: [], intervals: [], excluded: new Map(), resumed: [], wakeDays: [] };
  const scan: Scan = { s, today, now, day: (t) => localDayNumber(t, tz) };
  for (const d of a.disputes) disputePause(scan, d);
  for (const p of a.promises) promisePause(scan, p, policy.pauses.promiseGraceDays);
  for (const plan of a.paymentPlans) planPause(scan, plan, policy.pauses.instalmentGraceDays);
  for (const z of a.snoozes) snoozePause(scan, z);
  if (a.lastCustomerReplyAt !== undefined && policy.pauses.replyPauseDays > 0) replyPause(scan, a.lastCustomerReplyAt, policy.pauses.replyPauseDays);
  if (a.exclusion !== undefined) exclusionPause(scan, a.exclusion);
  return s;
}

interface Scan {
  readonly s: PauseState;
  readonly today: number;
  readonly now: Instant;
  readonly day: (t: Instant) => number;
}

/** Puts the invoices a pause is scoped to out of the ladder; false when it covers the whole account. */
function scoped(s: PauseState, ids: readonly string[] | undefined, reason: string): boolean {
  if (ids === undefined || ids.length === 0) return false;
  for (const id of ids) s.excluded.set(id, reason);
  return true;
}

function disputePause({ s, today, now, day }: Scan, d: Dispute): void {
  const from = day(d.openedAt);
  const resolved = d.resolvedAt !== undefined && d.resolvedAt <= now;
  if (!resolved) {
    if (!scoped(s, d.invoiceIds, 'disputed')) {
      s.active.push({ code: 'paused', text: `paused: dispute open since ${formatDayNumberShort(from)}` });
      s.intervals.push([from, today]);
    }
  } else if (d.invoiceIds === undefined || d.invoiceIds.length === 0) {
    s.intervals.push([from, day(d.resolvedAt ?? now) - 1]);
  }
}

function promisePause({ s, today, day }: Scan, p: PromiseToPay, graceDays: number): void {
  const from = day(p.madeAt);
  const lapse = toDayNumber(p.promisedDate) + graceDays;
  const whole = p.invoiceIds === undefined || p.invoiceIds.length === 0;
  if (p.status === 'open' && today <= lapse) {
    s.wakeDays.push(lapse + 1);
    if (!scoped(s, p.invoiceIds, `promise to pay by ${formatDayNumberShort(toDayNumber(p.promisedDate))}`)) {
      s.active.push({ code: 'paused', text: `paused: promise to pay by ${formatDayNumberShort(toDayNumber(p.promisedDate))}` });
      s.intervals.push([from, today]);
    }
  } else {
    const end = p.status === 'open' ? lapse : Math.min(lapse, p.closedAt !== undefined ? day(p.closedAt) - 1 : lapse);
    if (whole) s.intervals.push([from, end]);
    if (p.status !== 'kept' && today - end <= 7) {
      s.resumed.push({ code: 'resumed', text: `promise to pay by ${formatDayNumberShort(toDayNumber(p.promisedDate))} not kept; ladder resumed` });
    }
  }
}

function planPause({ s, today, day }: Scan, plan: PaymentPlan, graceDays: number): void {
  const from = day(plan.createdAt);
  const whole = plan.invoiceIds === undefined || plan.invoiceIds.length === 0;
  let missed: number | undefined;
  let missedDue: number | undefined;
  let nextCheck: number | undefined;
  for (const inst of plan.instalments) {
    if (inst.paidMinor >= inst.amountMinor) continue;
    const due = toDayNumber(inst.dueDate);
    const lapse = due + graceDays;
    if (lapse < today) {
      if (missed === undefined || lapse + 1 < missed) {
        missed = lapse + 1;
        missedDue = due;
      }
    } else if (nextCheck === undefined || lapse + 1 < nextCheck) {
      nextCheck = lapse + 1;
    }
  }
  if (plan.status === 'active' && missed === undefined) {
    if (nextCheck !== undefined) s.wakeDays.push(nextCheck);
    if (!scoped(s, plan.invoiceIds, 'on a payment plan')) {
      s.active.push({ code: 'paused', text: 'paused: payment plan on schedule' });
      s.intervals.push([from, today]);
    }
  } else {
    const closed = plan.status !== 'active' && plan.closedAt !== undefined ? day(plan.closedAt) - 1 : today;
    const end = missed !== undefined ? Math.min(missed - 1, closed) : closed;
    if (whole) s.intervals.push([from, end]);
    if (plan.status === 'active' && missedDue !== undefined) {
      s.resumed.push({ code: 'resumed', text: `payment plan instalment due ${formatDayNumberShort(missedDue)} missed; ladder resumed` });
    }
  }
}

function snoozePause({ s, today, day }: Scan, z: Snooze): void {
  const from = day(z.createdAt);
  const until = toDayNumber(z.until);
  s.intervals.push([from, Math.min(until, today)]);
  if (today <= until) {
    s.active.push({ code: 'paused', text: `paused: snoozed by ${z.by} until ${formatDayNumberShort(until)}` });
    s.wakeDays.push(until + 1);
  }
}

function replyPause({ s, today, day }: Scan, repliedAt: Instant, pauseDays: number): void {
  const from = day(repliedAt);
  const end = from + pauseDays - 1;
  s.intervals.push([from, Math.min(end, today)]);
  if (today <= end) {
    s.active.push({ code: 'paused', text: `paused: customer replied on ${formatDayNumberShort(from)}` });
    s.wakeDays.push(end + 1);
  }
}

/**
 * "Do not chase" (a per-customer override): no step while excluded, until the end date inclusive (in the
 * account's zone) or until lifted; like a snooze, the excluded days are not counted by the ladder's clock.
 */
function exclusionPause({ s, today, day }: Scan, x: NonNullable<Account['exclusion']>): void {
  const from = day(x.since);
  const until = x.until === undefined ? undefined : toDayNumber(x.until);
  s.intervals.push([from, until === undefined ? today : Math.min(until, today)]);
  if (until === undefined || today <= until) {
    s.active.push({ code: 'excluded', text: `not chased: ${x.reason}${until === undefined ? '' : ` (until ${formatDayNumberShort(until)})`}` });
    if (until !== undefined) s.wakeDays.push(until + 1);
  }
}

/** Days in [from, to] covered by the union of the intervals. */
export function coveredDays(intervals: [number, number][], from: number, to: number): number {
  if (intervals.length === 0 || to < from) return 0;
  const sorted = intervals
    .map(([a, b]): [number, number] => [Math.max(a, from), Math.min(b, to)])
    .filter(([a, b]) => a <= b)
    .sort((x, y) => x[0] - y[0]);
  let total = 0;
  let curA = Number.NaN;
  let curB = Number.NaN;
  for (const [a, b] of sorted) {
    if (Number.isNaN(curA) || a > curB + 1) {
      if (!Number.isNaN(curA)) total += curB - curA + 1;
      curA = a;
      curB = b;
    } else if (b > curB) curB = b;
  }
  if (!Number.isNaN(curA)) total += curB - curA + 1;
  return total;
}

// The business calendar and sending hours of an account, one definition: the
// policy's weekend and holidays plus the account's own holidays, and sending
// hours [start, end) in the account's time zone (end excluded: with an end of
// 23:59 nothing goes out at 23:59). decide() plans by it; the dispatcher checks
// the same window just before sending (a retry or a late pick-up can drift out).
import {
  compileCalendar,
  isBusinessDayNumber,
  localDayNumber,
  localMinuteOfDay,
  onOrAfterBusinessDayNumber,
  zonedInstantOfDayNumber,
  type CompiledCalendar,
  type LocalDate,
} from '../domain/calendar.js';
import type { Instant } from './account.js';
import { compiledOf, type CompiledPolicy, type PolicyLike } from './policy.js';

/** The policy's compiled calendar with the account's own holidays added. */
export function accountCalendar(cp: CompiledPolicy, holidays: readonly LocalDate[]): CompiledCalendar {
  if (holidays.length === 0) return cp.calendar;
  return compileCalendar({ weekend: cp.policy.calendar.weekend, holidays: [...cp.policy.calendar.holidays, ...holidays] });
}

export interface SendingWindow {
  readonly calendar: CompiledCalendar;
  /** Minutes after local midnight: sending hours are [start, end). */
  readonly start: number;
  readonly end: number;
}

/** The sending window of an account under a policy. */
export function sendingWindow(policy: PolicyLike, accountHolidays: readonly LocalDate[] = []): SendingWindow {
  const cp = compiledOf(policy);
  return { calendar: accountCalendar(cp, accountHolidays), start: cp.sendStart, end: cp.sendEnd };
}

/** Local day `day` is a business day and minute `minute` of it is before the end of sending hours. */
export function canSendOnDay(day: number, minute: number, w: SendingWindow): boolean {
  return isBusinessDayNumber(day, w.calendar) && minute < w.end;
}

/**
 * Null when `now` is inside sending hours on a business day in `tz`; otherwise
 * the instant sending hours next begin (later today, or the next business day).
 */
export function nextSendingStart(now: Instant, tz: string, w: SendingWindow): Instant | null {
  const day = localDayNumber(now, tz);
  const minute = localMinuteOfDay(now, tz);
  if (canSendOnDay(day, minute, w)) return minute >= w.start ? null : zonedInstantOfDayNumber(day, w.start, tz);
  return zonedInstantOfDayNumber(onOrAfterBusinessDayNumber(day + 1, w.calendar), w.start, tz);
}

/** The start of sending hours on the next business day after today (local to `tz`). */
export function nextSendingDay(now: Instant, tz: string, w: SendingWindow): Instant {
  return zonedInstantOfDayNumber(onOrAfterBusinessDayNumber(localDayNumber(now, tz) + 1, w.calendar), w.start, tz);
}

// The one deadline rule: the response deadline a letter states, from the day it
// is sent, the number of days the policy gives, how those days are counted (the
// policy's `letters.deadlineDays`: business or calendar days) and the account's
// calendar (the policy's weekend and holidays, the organisation's and the
// account's own). The engine (the letter it plans, its 'deadlineExpired' trigger
// and waiting reason), the dispatcher (the date the email and the letter state,
// stored with the sent letter), the documents (a preview of a letter not yet
// sent, the referral packet's cover sheet) all date a deadline here.
import { compileCalendar, fromDayNumber, onOrAfterBusinessDayNumber, toDayNumber, type CompiledCalendar, type LocalDate } from './calendar.js';

/** How a letter's response days are counted: business days (the sending day not counted), or calendar days. */
export const DEADLINE_DAY_KINDS = ['business', 'calendar'] as const;
export type DeadlineDays = (typeof DEADLINE_DAY_KINDS)[number];
/** The default: business days (the weekend and holidays do not count). */
export const DEFAULT_DEADLINE_DAYS: DeadlineDays = 'business';

/**
 * The deadline day (a day number) of a letter sent on day `sentDay`:
 * - 'business': `days` business days after the sending day (the sending day itself does not count);
 * - 'calendar': `days` calendar days after it, moved to the next business day when it falls on a
 *   weekend day or a holiday (a deadline is never a day the customer's office is closed).
 */
export function deadlineDayNumber(sentDay: number, days: number, kind: DeadlineDays, cal: CompiledCalendar): number {
  if (!Number.isInteger(days) || days < 0) throw new RangeError(`response days must be a whole number ≥ 0, got ${days}`);
  if (kind === 'calendar') return onOrAfterBusinessDayNumber(sentDay + days, cal);
  let n = sentDay;
  for (let i = 0; i < days; i++) n = onOrAfterBusinessDayNumber(n + 1, cal);
  return n;
}

/** deadlineDayNumber on calendar dates: the response deadline of a letter sent on `sent`. */
export function responseDeadline(sent: LocalDate, days: number, kind: DeadlineDays, cal: CompiledCalendar): LocalDate {
  return fromDayNumber(deadlineDayNumber(toDayNumber(sent), days, kind, cal));
}

/** A calendar from a plain holiday list (weekend Saturday and Sunday), for callers that have no policy calendar. */
export function holidayCalendar(holidays: Iterable<LocalDate>): CompiledCalendar {
  return compileCalendar(holidays);
}

/** Whole days from the deadline to `day`: 1 the day after the deadline, 0 on it, negative before it. */
export function daysAfterDeadline(deadline: LocalDate, day: LocalDate): number {
  return toDayNumber(day) - toDayNumber(deadline);
}

/** The words for a count of days past a deadline: "1 day", "12 days". */
export function dayCount(n: number): string {
  return `${n} day${n === 1 ? '' : 's'}`;
}

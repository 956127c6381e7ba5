// The dispatcher's safety rules for customer-facing entries, as pure functions
// of (policy calendar, time zone, now): sending hours in the customer's zone,
// the next sending day, and the per-minute send-rate slots. The dispatcher does
// the I/O (claims); these only compute instants and keys.
import {
  compileCalendar,
  isBusinessDayNumber,
  localDayNumber,
  localMinuteOfDay,
  parseTimeOfDay,
  zonedInstantOfDayNumber,
  fromDayNumber,
  type CompiledCalendar,
} from '../domain/calendar.js';
import type { Policy } from '../engine/index.js';

export interface SendingWindow {
  calendar: CompiledCalendar;
  /** Minutes after local midnight. */
  start: number;
  end: number;
}

const windows = new WeakMap<Policy, SendingWindow>();

/** The policy's sending hours and business days, compiled once per policy object. */
export function sendingWindowOf(policy: Policy): SendingWindow {
  let w = windows.get(policy);
  if (!w) {
    const { weekend, holidays, sendingHours } = policy.calendar;
    const end = parseTimeOfDay(sendingHours.end);
    // 23:59 (the latest time of day a policy can name) means until midnight.
    w = { calendar: compileCalendar({ weekend, holidays }), start: parseTimeOfDay(sendingHours.start), end: end === 1439 ? 1440 : end };
    windows.set(policy, w);
  }
  return w;
}

/** The start of sending hours on the first business day on or after local day `day`. */
function startOnOrAfter(day: number, tz: string, w: SendingWindow): number {
  let d = day;
  for (let i = 0; i < 3660 && !isBusinessDayNumber(d, w.calendar); i++) d++;
  return zonedInstantOfDayNumber(d, w.start, tz);
}

/**
 * Null when `now` is inside sending hours on a business day in `tz`; otherwise
 * the instant sending hours next begin (later today, or the next business day).
 */
export function nextSendingStart(now: number, tz: string, w: SendingWindow): number | null {
  const day = localDayNumber(now, tz);
  const minute = localMinuteOfDay(now, tz);
  if (isBusinessDayNumber(day, w.calendar)) {
    if (minute >= w.start && minute < w.end) return null;
    if (minute < w.start) return zonedInstantOfDayNumber(day, w.start, tz);
  }
  return startOnOrAfter(day + 1, tz, w);
}

/** The start of sending hours on the next business day after today (local to `tz`). */
export function nextSendingDay(now: number, tz: string, w: SendingWindow): number {
  return startOnOrAfter(localDayNumber(now, tz) + 1, tz, w);
}

/** The customer's local date, for the one-email-per-day claim. */
export function localDay(now: number, tz: string): string {
  return fromDayNumber(localDayNumber(now, tz));
}

/** 'yyyy-mm-ddThh:mm' (UTC) of the minute `now` falls in. */
export function minuteKey(now: number): string {
  return new Date(now).toISOString().slice(0, 16);
}

/** The first instant of the next UTC minute. */
export function nextMinute(now: number): number {
  return (Math.floor(now / 60_000) + 1) * 60_000;
}

/** The claim key of send slot `n` (0 ≤ n < cap) of a scope ('global', 'co:<connectionId>') in the minute of `now`. */
export function rateSlotKey(scope: string, now: number, n: number): string {
  return `rate:${scope}:${minuteKey(now)}:${n}`;
}

/**
 * The slots to try, in order, for a scope's minute: from `hint` (the first slot
 * this process has not yet seen taken) up to the cap. Slots below the hint are
 * known taken (claims are never given back within their minute).
 */
export function slotsToTry(hint: number, cap: number): number[] {
  const out: number[] = [];
  for (let n = Math.max(0, hint); n < cap; n++) out.push(n);
  return out;
}

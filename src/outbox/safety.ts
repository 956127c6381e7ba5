// The dispatcher's safety rules for customer-facing entries that are not the
// calendar (sending hours and business days are the engine's:
// src/engine/sending-window.ts): the customer's local day for the one-email-a-day
// claim, and the per-minute send-rate slots. The dispatcher does the I/O
// (claims); these only compute instants and keys.
import { fromDayNumber, localDayNumber } from '../domain/calendar.js';

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

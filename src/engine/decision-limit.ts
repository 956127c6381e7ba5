// The agency-decision limit (the seeds: no account goes past 90 days past due before
// the agency decision). Working back from the limit day, the latest day each
// mandatory level (and the referral level) may be reached so that every letter's
// response deadline still passes before the next level: a level's trigger is
// brought forward to that day when its own schedule would be later. An account
// first seen late therefore runs its mandatory letters back to back, each as soon
// as the previous deadline allows. Pure.

import { isBusinessDayNumber, type CompiledCalendar } from '../domain/calendar.js';
import { deadlineDayNumber } from '../domain/deadline.js';
import type { CompiledPolicy } from './policy.js';

/** The policy's limit (days past due by which the agency decision is asked), or null without one. */
export function agencyDecisionLimit(cp: CompiledPolicy): number | null {
  return cp.policy.limits.agencyDecisionByDay ?? null;
}

/** The last business day on or before `n`. */
function onOrBeforeBusinessDay(n: number, cal: CompiledCalendar): number {
  let d = n;
  for (let i = 0; i < 366 && !isBusinessDayNumber(d, cal); i++) d--;
  return d;
}

/**
 * Per level index: the latest local day number the level may be reached for the account to meet the limit
 * (undefined: no such day for that level — before the first past-due level, after the referral, a level that
 * may be skipped, or no limit). `day0`: the local day number the oldest invoice counts as day 0 past due
 * (today − ladder days).
 */
export function latestLevelDays(cp: CompiledPolicy, cal: CompiledCalendar, day0: number): (number | undefined)[] {
  const limit = agencyDecisionLimit(cp);
  const out: (number | undefined)[] = [];
  if (limit === null) return out;
  const referral = cp.levels.findIndex((l) => l.hasAgencyReferral);
  if (referral < 0 || referral < cp.firstPastDue) return out;
  let latest = onOrBeforeBusinessDay(day0 + limit, cal);
  out[referral] = latest;
  for (let i = referral - 1; i >= cp.firstPastDue; i--) {
    const l = cp.levels[i];
    if (!l) break;
    // A level that is not mandatory may be skipped (catch-up): it does not hold the ladder back.
    if (!l.spec.mandatory) continue;
    let x = onOrBeforeBusinessDay(latest - 1, cal); // one level per day
    // The next level waits for this level's letter's response deadline to pass (ladder.ts; the one deadline rule).
    if (l.responseDays !== undefined) {
      for (let n = 0; n < 366 && deadlineDayNumber(x, l.responseDays, cp.deadlineDays, cal) >= latest; n++) x = onOrBeforeBusinessDay(x - 1, cal);
    }
    out[i] = x;
    latest = x;
  }
  return out;
}

/** Days from `today` to the limit day of an account `ladderDays` past due (negative: past it), or null without a limit. */
export function daysToDecisionLimit(cp: CompiledPolicy, ladderDays: number): number | null {
  const limit = agencyDecisionLimit(cp);
  return limit === null ? null : limit - ladderDays;
}

/** "4 days to the 90-day limit", "the 90-day limit is today", "21 days past the 90-day limit". */
export function decisionLimitLine(limit: number, daysPastDue: number): string {
  const left = limit - daysPastDue;
  const days = (n: number): string => `${n} day${n === 1 ? '' : 's'}`;
  if (left === 0) return `the ${limit}-day limit is today`;
  return left > 0 ? `${days(left)} to the ${limit}-day limit` : `${days(-left)} past the ${limit}-day limit`;
}

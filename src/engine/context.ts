// The decision in progress: what decide() knows about the account today, the
// reasons gathered so far and the earliest day to look again; and the rules
// shared by the ladder and the courtesy level (may anything go out today, and when).

import {
  formatDayNumberShort,
  isBusinessDayNumber,
  localDayNumber,
  localMinuteOfDay,
  onOrAfterBusinessDayNumber,
  zonedInstantOfDayNumber,
  type CompiledCalendar,
} from '../domain/calendar.js';
import type { Account, Instant } from './account.js';
import { isCustomerFacing } from './action-kinds.js';
import type { AccountState, Decision, DueAction, LevelRef, Reason } from './decision-types.js';
import type { CompiledLevel, CompiledPolicy } from './policy.js';
import { accountCalendar } from './sending-window.js';

export interface Ctx {
  readonly a: Account;
  readonly cp: CompiledPolicy;
  readonly now: Instant;
  readonly tz: string;
  readonly today: number;
  readonly cal: CompiledCalendar;
  readonly reasons: Reason[];
  nextDay: number | undefined;
}

/** The parts of a Decision known before the level is chosen. */
export type Base = Pick<Decision, 'accountId' | 'now' | 'today' | 'timeZone' | 'pastDue'>;

/** Asks to look again on `day` (tomorrow at the earliest); the earliest day asked for wins. */
export function wakeOn(ctx: Ctx, day: number | undefined): void {
  if (day === undefined) return;
  const d = day > ctx.today ? day : ctx.today + 1;
  if (ctx.nextDay === undefined || d < ctx.nextDay) ctx.nextDay = d;
}

/** The policy's calendar, plus the account's own holidays when it has any (the dispatcher's too: sending-window.ts). */
export function calendarFor(a: Account, cp: CompiledPolicy): CompiledCalendar {
  return accountCalendar(cp, a.holidays);
}

export function ref(l: CompiledLevel): LevelRef {
  return { id: l.id, name: l.name, index: l.index };
}

export function finish(ctx: Ctx, base: Base, state: AccountState, level: LevelRef, actions: DueAction[]): Decision {
  let nextEvaluationAt: Instant | null = null;
  if (ctx.nextDay !== undefined) {
    const day = onOrAfterBusinessDayNumber(ctx.nextDay, ctx.cal);
    nextEvaluationAt = zonedInstantOfDayNumber(day, ctx.cp.sendStart, ctx.tz);
  }
  const keys: string[] = [];
  for (const x of actions) keys.push(x.key);
  let explanation = '';
  for (const r of ctx.reasons) explanation += (explanation === '' ? '' : '; ') + r.text;
  return {
    accountId: base.accountId,
    now: base.now,
    today: base.today,
    timeZone: base.timeZone,
    state,
    level,
    actions,
    pendingToKeep: keys,
    nextEvaluationAt,
    pastDue: base.pastDue,
    reasons: ctx.reasons,
    explanation,
  };
}

function lastCustomerDay(ctx: Ctx): number | undefined {
  let last: number | undefined;
  for (const h of ctx.a.history) {
    if (!isCustomerFacing(h.kind)) continue;
    const d = localDayNumber(h.at, ctx.tz);
    if (last === undefined || d > last) last = d;
  }
  return last;
}

/** Whether actions may go out today; if not, records why and when to look again. */
export function canActToday(ctx: Ctx, customerFacing: boolean, reachedToday: boolean): boolean {
  const { today, cal } = ctx;
  if (reachedToday) {
    ctx.reasons.push({ code: 'waiting', text: 'one level per day: next step tomorrow' });
    wakeOn(ctx, today + 1);
    return false;
  }
  if (customerFacing && lastCustomerDay(ctx) === today) {
    ctx.reasons.push({ code: 'waiting', text: 'a customer email already went out today: next one tomorrow' });
    wakeOn(ctx, today + 1);
    return false;
  }
  if (!isBusinessDayNumber(today, cal)) {
    const next = onOrAfterBusinessDayNumber(today, cal);
    ctx.reasons.push({ code: 'waiting', text: `not a business day: next step on ${formatDayNumberShort(next)}` });
    wakeOn(ctx, next);
    return false;
  }
  if (localMinuteOfDay(ctx.now, ctx.tz) >= ctx.cp.sendEnd) {
    const next = onOrAfterBusinessDayNumber(today + 1, cal);
    ctx.reasons.push({ code: 'waiting', text: `after sending hours: next step on ${formatDayNumberShort(next)}` });
    wakeOn(ctx, next);
    return false;
  }
  return true;
}

/** When today's actions go out: now, or the start of sending hours if that is later. */
export function sendAt(ctx: Ctx): Instant {
  return Math.max(ctx.now, zonedInstantOfDayNumber(ctx.today, ctx.cp.sendStart, ctx.tz));
}

// The ladder: which level an account is at, whether the next one is due today
// (its trigger met, the previous letter's deadline passed, one level per day),
// and the courtesy level before the due date.

import { formatDayNumberShort, localDayNumber, toDayNumber } from '../domain/calendar.js';
import { deadlineDayNumber } from '../domain/deadline.js';
import { addTo, type Totals } from '../domain/money.js';
import type { Invoice } from './account.js';
import { buildActions } from './actions.js';
import { canActToday, finish, ref, wakeOn, type Base, type Ctx } from './context.js';
import { CURRENT_LEVEL, type Decision } from './decision-types.js';
import { agencyDecisionLimit, latestLevelDays } from './decision-limit.js';
import type { CompiledAction, CompiledLevel, CompiledPolicy } from './policy.js';

/** A level's progress for the invoices now past due. */
export interface LevelStatus {
  /** The level's actions already done. */
  readonly done: Set<CompiledAction>;
  /** The first day one of them was done. */
  reachedDay: number;
  /** The latest response deadline of the level's letters. */
  deadlineDay: number | undefined;
}

const NOTHING: ReadonlySet<CompiledAction> = new Set();

/** Per level (by index): which actions are done for the invoices now past due, and since when; absent for a level not reached. */
export function levelStatuses(ctx: Ctx, pastDueIds: ReadonlySet<string>): (LevelStatus | undefined)[] {
  const { cp, a, tz } = ctx;
  const st: (LevelStatus | undefined)[] = [];
  for (const h of a.history) {
    const level = cp.levelById.get(h.levelId);
    if (!level || level.preDue) continue;
    let overlaps = false;
    for (const id of h.invoiceIds) {
      if (pastDueIds.has(id)) {
        overlaps = true;
        break;
      }
    }
    if (!overlaps) continue;
    const s = (st[level.index] ??= { done: new Set(), reachedDay: Number.POSITIVE_INFINITY, deadlineDay: undefined });
    const action = level.actionById.get(h.actionId);
    if (action) s.done.add(action);
    const day = localDayNumber(h.at, tz);
    if (day < s.reachedDay) s.reachedDay = day;
    if (h.kind === 'letter') {
      const deadline =
        h.responseBy !== undefined
          ? toDayNumber(h.responseBy)
          : deadlineDayNumber(day, level.responseDays ?? 0, ctx.cp.deadlineDays, ctx.cal);
      if (s.deadlineDay === undefined || deadline > s.deadlineDay) s.deadlineDay = deadline;
    }
  }
  return st;
}

/** The last past-due level with an action done, if any. */
export function lastReachedLevel(cp: CompiledPolicy, st: readonly (LevelStatus | undefined)[]): CompiledLevel | undefined {
  let last: CompiledLevel | undefined;
  for (const l of cp.levels) if (!l.preDue && (st[l.index]?.done.size ?? 0) > 0) last = l;
  return last;
}

/** The courtesy level: invoices coming due, none past due. */
export function courtesy(ctx: Ctx, base: Base, window: Invoice[]): Decision {
  const level = ctx.cp.preDue;
  if (!level) return finish(ctx, base, 'current', CURRENT_LEVEL, []);
  const covered = new Set<string>();
  for (const h of ctx.a.history) if (h.levelId === level.id) for (const id of h.invoiceIds) covered.add(id);
  const due = window.filter((i) => !covered.has(i.id));
  const first = window.reduce((m, i) => (i.dueDate < m.dueDate ? i : m));
  ctx.reasons.push({ code: 'nothing-past-due', text: `no invoice past due; ${first.number} due ${formatDayNumberShort(toDayNumber(first.dueDate))}` });
  if (due.length === 0) {
    ctx.reasons.push({ code: 'courtesy-sent', text: `level '${level.name}' (already sent)` });
    return finish(ctx, base, 'pre-due', ref(level), []);
  }
  ctx.reasons.push({ code: 'courtesy-due', text: `level '${level.name}'` });
  if (!canActToday(ctx, true, false)) return finish(ctx, base, 'pre-due', ref(level), []);
  wakeOn(ctx, ctx.today + 1);
  const ids = due.map((i) => i.id).sort();
  const amounts: Totals = {};
  for (const i of due) addTo(amounts, i.currency, i.balanceMinor);
  const actions = buildActions(ctx, level, level.actions, ids, amounts, undefined);
  return finish(ctx, base, 'pre-due', ref(level), actions);
}

/** A schedule day run at `percent` of its length (fast track); never before day 1. */
function scheduled(days: number, percent: number): number {
  return days <= 0 || percent === 100 ? days : Math.max(1, Math.ceil((days * percent) / 100));
}

/** The day a level's trigger is met, or undefined when it depends on a level not reached. */
function triggerDay(
  l: CompiledLevel,
  last: { day: number; deadline: number | undefined } | undefined,
  today: number,
  ladderDays: number,
  percent: number,
): number | undefined {
  const t = l.spec.trigger;
  if (t.kind === 'daysPastDue') return today + (scheduled(t.days, percent) - ladderDays);
  if (t.kind === 'daysAfterPrevious') return last ? last.day + scheduled(t.days, percent) : undefined;
  return last?.deadline !== undefined ? last.deadline + 1 : undefined;
}

export interface LadderInput {
  /** The past-due invoice ids, sorted. */
  readonly ids: readonly string[];
  readonly status: readonly (LevelStatus | undefined)[];
  /** Days past due of the oldest invoice, paused days not counted. */
  readonly ladderDays: number;
  /** The fast-track tier's schedule percent; 100 without one. */
  readonly schedulePercent: number;
  /** The past-due balance net of credits. */
  readonly net: Totals;
}

/** The past-due ladder: the level the account is at and the actions due today. */
export function ladder(ctx: Ctx, base: Base, { ids, status, ladderDays, schedulePercent: percent, net }: LadderInput): Decision {
  const { cp, today } = ctx;
  // The agency-decision limit: the latest day each mandatory level may come (decision-limit.ts).
  const latest = latestLevelDays(cp, ctx.cal, today - ladderDays);
  const broughtForward: CompiledLevel[] = [];
  /** A level's trigger day, brought forward to its latest day under the limit when later. */
  const capped = (l: CompiledLevel, day: number | undefined): number | undefined => {
    const cap = latest[l.index];
    if (day === undefined || cap === undefined || l.spec.trigger.kind === 'deadlineExpired' || day <= cap) return day;
    if (!broughtForward.includes(l)) broughtForward.push(l);
    return cap;
  };

  let last: { level: CompiledLevel; day: number; deadline: number | undefined } | undefined;
  let due: CompiledLevel | undefined;
  let partial: readonly CompiledAction[] = [];
  const skipped: CompiledLevel[] = [];
  for (let i = cp.firstPastDue; i >= 0 && i < cp.levels.length; i++) {
    const l = cp.levels[i];
    if (!l) break;
    const s = status[i];
    // A level reached (an action done, or only its find-contact task asked: missing-role.ts) is finished before the ladder moves on.
    if (s !== undefined) {
      // On credit hold already: the level's hold counts as done, so the ladder moves on without a second one.
      const missing = notDone(l.actions, s.done, heldActions(ctx, l));
      if (missing.length > 0) {
        due = l;
        partial = missing;
        break;
      }
      last = { level: l, day: s.reachedDay, deadline: s.deadlineDay };
      continue;
    }
    const tday = capped(l, triggerDay(l, last, today, ladderDays, percent));
    if (tday === undefined) break;
    if (tday > today) {
      wakeOn(ctx, tday);
      break;
    }
    if (last?.deadline !== undefined && today <= last.deadline) {
      ctx.reasons.push({ code: 'waiting', text: `response deadline ${formatDayNumberShort(last.deadline)} not passed yet` });
      wakeOn(ctx, last.deadline + 1);
      break;
    }
    const next = cp.levels[i + 1];
    const nextDay = next && next.spec.trigger.kind === 'daysPastDue' ? capped(next, triggerDay(next, undefined, today, ladderDays, percent)) : undefined;
    if (!l.spec.mandatory && nextDay !== undefined && nextDay <= today) {
      skipped.push(l);
      continue;
    }
    due = l;
    break;
  }

  const shown = due ?? last?.level;
  ctx.reasons.push({ code: 'level', text: `level '${shown?.name ?? CURRENT_LEVEL.name}'` });
  const level = shown ? ref(shown) : CURRENT_LEVEL;
  if (!due) return finish(ctx, base, 'past-due', level, []);

  const limit = agencyDecisionLimit(cp);
  if (due && limit !== null && broughtForward.includes(due)) {
    ctx.reasons.push({ code: 'decision-limit', text: `'${due.name}' brought forward to reach the agency decision by day ${limit} past due` });
  }
  if (skipped.length > 0) {
    ctx.reasons.push({ code: 'catch-up', text: `catch-up: skipped ${skipped.map((l) => `'${l.name}'`).join(', ')}` });
  }
  if (partial.length > 0) ctx.reasons.push({ code: 'partial-level', text: 'finishing the actions of this level' });
  const done = status[due.index]?.done ?? NOTHING;
  const held = withoutDone(heldActions(ctx, due), done);
  if (held.size > 0 && ctx.a.onHold) {
    ctx.reasons.push({ code: 'on-hold', text: `already on credit hold since ${formatDayNumberShort(localDayNumber(ctx.a.onHold.since, ctx.tz))}: no second hold` });
  }
  const wanted = partial.length > 0 ? partial : due.actions;
  const todo = held.size === 0 ? wanted : wanted.filter((x) => !held.has(x));
  if (todo.length === 0) return finish(ctx, base, 'past-due', level, []);
  const customerFacing = todo.some((x) => x.customerFacing);
  const reachedToday = partial.length === 0 && last !== undefined && last.day === today;
  if (!canActToday(ctx, customerFacing, reachedToday)) return finish(ctx, base, 'past-due', level, []);
  wakeOn(ctx, today + 1);
  // On the small-balance track (decide.ts chose it), the last level's approver step is a write-off suggestion.
  const writeOff = cp.isSmallBalance;
  if (writeOff && todo.some((x) => x.spec.kind === 'agencyReferral')) ctx.reasons.push({ code: 'write-off', text: 'small-balance track: write-off suggested to the approver' });
  return finish(ctx, base, 'past-due', level, buildActions(ctx, due, todo, ids, net, writeOff, status[due.index]?.reachedDay ?? today));
}

/** The actions neither done nor held, in their order. */
function notDone(actions: readonly CompiledAction[], done: ReadonlySet<CompiledAction>, held: ReadonlySet<CompiledAction>): readonly CompiledAction[] {
  if (done.size === actions.length) return []; // `done` holds actions of this level only
  let out: CompiledAction[] | undefined;
  for (const x of actions) if (!done.has(x) && !held.has(x)) (out ??= []).push(x);
  return out ?? [];
}

/** `actions` less those already done. */
function withoutDone(actions: ReadonlySet<CompiledAction>, done: ReadonlySet<CompiledAction>): ReadonlySet<CompiledAction> {
  if (actions.size === 0 || done.size === 0) return actions;
  return new Set([...actions].filter((x) => !done.has(x)));
}

/** The level's credit-hold actions when the account is already on hold (they are not to be done again); else none. */
function heldActions(ctx: Ctx, l: CompiledLevel): ReadonlySet<CompiledAction> {
  if (ctx.a.onHold === undefined) return NOTHING;
  return new Set(l.actions.filter((x) => x.spec.kind === 'creditHold'));
}

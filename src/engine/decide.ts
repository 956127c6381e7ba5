// decide(account, policy, now): the pure heart of Overdue. State and `now` in,
// a Decision out — the account's level, the actions due now (each with a stable
// idempotency key), when to look again, and why. No I/O, no clock.

import {
  formatDayNumberShort,
  fromDayNumber,
  isBusinessDayNumber,
  localDayNumber,
  localMinuteOfDay,
  onOrAfterBusinessDayNumber,
  toDayNumber,
  zonedInstantOfDayNumber,
  compileCalendar,
  type CompiledCalendar,
  type LocalDate,
} from '../domain/calendar.js';
import { addTo, compareWithThreshold, formatTotals, type ExchangeRates, type Totals } from '../domain/money.js';
import type { Account, Contact, HistoryKind, Instant, Invoice, Person } from './account.js';
import { compilePolicy, type CompiledLevel, type CompiledPolicy, type Policy } from './policy.js';

export interface DecideOptions {
  /** Rates into the organisation's home currency; thresholds then compare converted totals. */
  readonly rates?: ExchangeRates | undefined;
}

export interface LevelRef {
  readonly id: string;
  readonly name: string;
  /** Position in the policy's ladder; -1 for 'current'. */
  readonly index: number;
}

export const CURRENT_LEVEL: LevelRef = { id: 'current', name: 'current', index: -1 };

export interface Recipient {
  readonly contactId: string;
  readonly name: string;
  readonly email: string | undefined;
  readonly phone: string | undefined;
  /** The role the contact was reached as. */
  readonly role: string;
  /** The role the policy asked for, when a fallback up (or down) the ladder was needed. */
  readonly fallbackFrom: string | undefined;
}

export type ActionBody =
  | {
      readonly kind: 'email';
      readonly template: string;
      readonly to: Recipient;
      readonly cc: readonly Recipient[];
      readonly urgent: boolean;
      readonly readReceipt: boolean;
      readonly personalGuarantee: boolean;
      /** Present (and 'platform') when the accounting platform emails the invoices instead of our SMTP. */
      readonly via?: 'platform';
    }
  | {
      readonly kind: 'letter';
      readonly letter: 'writtenWarning' | 'finalDemand';
      readonly template: string;
      readonly to: Recipient;
      readonly cc: readonly Recipient[];
      readonly responseBy: LocalDate;
      readonly personalGuarantee: boolean;
    }
  | {
      readonly kind: 'slackNudge';
      readonly template: string;
      readonly to: 'salesRep' | 'collector' | 'approver' | 'manager';
      readonly person: Person | null;
    }
  | {
      readonly kind: 'task';
      readonly task: 'call' | 'voicemail' | 'mail' | 'courier' | 'fax' | 'find-contact';
      readonly assignee: 'salesRep' | 'collector';
      readonly person: Person | null;
      readonly target: Recipient | null;
      /** Why the task exists when it replaces an action that could not be done. */
      readonly note: string | undefined;
    }
  | { readonly kind: 'creditHold'; readonly mode: 'propose' | 'place'; readonly approval: 'manager' | 'collector' | null }
  | { readonly kind: 'agencyReferral'; readonly approval: 'approver' }
  | { readonly kind: 'writeOffSuggestion'; readonly approval: 'approver' };

export type DueAction = ActionBody & {
  /** Stable idempotency key: account, level, action and the sorted invoice ids covered. */
  readonly key: string;
  readonly levelId: string;
  readonly levelName: string;
  readonly actionId: string;
  readonly invoiceIds: readonly string[];
  /** Not before this instant (inside sending hours; the suggested slot for calls). */
  readonly at: Instant;
  readonly customerFacing: boolean;
  /** Amounts the action is about (past-due balance net of unapplied credits, per currency). */
  readonly amounts: Totals;
};

export type ReasonCode =
  | 'nothing-past-due'
  | 'covered-by-credits'
  | 'courtesy-due'
  | 'courtesy-sent'
  | 'oldest-past-due'
  | 'balance'
  | 'fast-track'
  | 'invoice-excluded'
  | 'paused'
  | 'resumed'
  | 'level'
  | 'catch-up'
  | 'partial-level'
  | 'waiting'
  | 'write-off'
  | 'strategic-approval'
  | 'on-hold'
  | 'contact-fallback'
  | 'contact-missing'
  | 'no-sales-rep';

export interface Reason {
  readonly code: ReasonCode;
  readonly text: string;
}

export interface PastDueSummary {
  readonly invoiceIds: readonly string[];
  readonly oldest: { readonly invoiceId: string; readonly number: string; readonly dueDate: LocalDate; readonly daysPastDue: number } | null;
  /** Days past due minus the days the ladder was paused: what the schedule counts. */
  readonly ladderDays: number;
  readonly pausedDays: number;
  readonly totals: Totals;
  /** Totals net of unapplied payments and credits in the same currency. */
  readonly netTotals: Totals;
  readonly fastTrack: string | null;
  readonly excluded: readonly { readonly invoiceId: string; readonly number: string; readonly reason: string }[];
}

export type AccountState = 'current' | 'pre-due' | 'past-due' | 'paused';

export interface Decision {
  readonly accountId: string;
  readonly now: Instant;
  readonly today: LocalDate;
  readonly timeZone: string;
  readonly state: AccountState;
  /** The level the account is at (being entered when `actions` belong to it). */
  readonly level: LevelRef;
  readonly actions: readonly DueAction[];
  /**
   * The only pending (not yet done) outbox keys of this account that are still
   * wanted. Every other pending action of the account is to be cancelled — e.g.
   * all of them when the account is paused or back to 'current'.
   */
  readonly pendingToKeep: readonly string[];
  /** When to call decide() again if nothing changes (null: only on a new event). */
  readonly nextEvaluationAt: Instant | null;
  readonly pastDue: PastDueSummary;
  readonly reasons: readonly Reason[];
  /** e.g. "oldest invoice INV-1042 is 47 days past due; balance 12,400.00 USD ≥ fast-track threshold; level 'up the ladder'" */
  readonly explanation: string;
}

/** Pending keys the outbox should cancel after this decision. */
export function keysToCancel(decision: Decision, pendingKeys: Iterable<string>): string[] {
  const keep = new Set(decision.pendingToKeep);
  return [...pendingKeys].filter((k) => !keep.has(k));
}

const ROLE_LABELS: Readonly<Record<string, string>> = {
  billing: 'billing',
  ap: 'AP',
  ap_manager: 'AP manager',
  controller: 'controller',
  cfo: 'CFO',
  owner: 'owner',
};

/** "AP manager" for 'ap_manager'; unknown roles as they are. */
export function roleLabel(role: string): string {
  return ROLE_LABELS[role] ?? role;
}

// ---- keys ---------------------------------------------------------------------

const UNSAFE = /[:,%]/;
function part(s: string): string {
  return UNSAFE.test(s) ? encodeURIComponent(s) : s;
}

/** The idempotency key of an action: stable for the same account, level, action and invoice set. */
export function actionKey(accountId: string, levelId: string, actionId: string, sortedInvoiceIds: readonly string[]): string {
  return `${part(accountId)}:${part(levelId)}:${part(actionId)}:${joinIds(sortedInvoiceIds)}`;
}

function joinIds(sortedInvoiceIds: readonly string[]): string {
  let ids = '';
  for (let i = 0; i < sortedInvoiceIds.length; i++) ids += (i > 0 ? ',' : '') + part(sortedInvoiceIds[i] ?? '');
  return ids;
}

// ---- pauses -------------------------------------------------------------------

interface PauseState {
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
    a.lastCustomerReplyAt !== undefined
  );
}

function pauseState(a: Account, policy: Policy, today: number, now: Instant, tz: string): PauseState {
  if (!hasPauseData(a)) return NO_PAUSES;
  const s: PauseState = { active: [], intervals: [], excluded: new Map(), resumed: [], wakeDays: [] };
  const day = (t: Instant): number => localDayNumber(t, tz);
  const scoped = (ids: readonly string[] | undefined, reason: string): boolean => {
    if (ids === undefined || ids.length === 0) return false;
    for (const id of ids) s.excluded.set(id, reason);
    return true;
  };

  for (const d of a.disputes) {
    const from = day(d.openedAt);
    const resolved = d.resolvedAt !== undefined && d.resolvedAt <= now;
    if (!resolved) {
      if (!scoped(d.invoiceIds, 'disputed')) {
        s.active.push({ code: 'paused', text: `paused: dispute open since ${formatDayNumberShort(from)}` });
        s.intervals.push([from, today]);
      }
    } else if (d.invoiceIds === undefined || d.invoiceIds.length === 0) {
      s.intervals.push([from, day(d.resolvedAt ?? now) - 1]);
    }
  }

  const promiseGrace = policy.pauses.promiseGraceDays;
  for (const p of a.promises) {
    const from = day(p.madeAt);
    const lapse = toDayNumber(p.promisedDate) + promiseGrace;
    const whole = p.invoiceIds === undefined || p.invoiceIds.length === 0;
    if (p.status === 'open' && today <= lapse) {
      s.wakeDays.push(lapse + 1);
      if (!scoped(p.invoiceIds, `promise to pay by ${formatDayNumberShort(toDayNumber(p.promisedDate))}`)) {
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

  const instalmentGrace = policy.pauses.instalmentGraceDays;
  for (const plan of a.paymentPlans) {
    const from = day(plan.createdAt);
    const whole = plan.invoiceIds === undefined || plan.invoiceIds.length === 0;
    let missed: number | undefined;
    let missedDue: number | undefined;
    let nextCheck: number | undefined;
    for (const inst of plan.instalments) {
      if (inst.paidMinor >= inst.amountMinor) continue;
      const due = toDayNumber(inst.dueDate);
      const lapse = due + instalmentGrace;
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
      if (!scoped(plan.invoiceIds, 'on a payment plan')) {
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

  for (const z of a.snoozes) {
    const from = day(z.createdAt);
    const until = toDayNumber(z.until);
    s.intervals.push([from, Math.min(until, today)]);
    if (today <= until) {
      s.active.push({ code: 'paused', text: `paused: snoozed by ${z.by} until ${formatDayNumberShort(until)}` });
      s.wakeDays.push(until + 1);
    }
  }

  if (a.lastCustomerReplyAt !== undefined && policy.pauses.replyPauseDays > 0) {
    const from = day(a.lastCustomerReplyAt);
    const end = from + policy.pauses.replyPauseDays - 1;
    s.intervals.push([from, Math.min(end, today)]);
    if (today <= end) {
      s.active.push({ code: 'paused', text: `paused: customer replied on ${formatDayNumberShort(from)}` });
      s.wakeDays.push(end + 1);
    }
  }
  return s;
}

/** Days in [from, to] covered by the union of the intervals. */
function coveredDays(intervals: [number, number][], from: number, to: number): number {
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

// ---- contacts -----------------------------------------------------------------

/** The first reachable contact per ladder rank (email present, never bounced). */
function contactsByRank(a: Account, cp: CompiledPolicy, needEmail: boolean): (Contact | undefined)[] {
  const byRank: (Contact | undefined)[] = [];
  for (let i = 0; i < cp.policy.contactLadder.length; i++) byRank.push(undefined);
  for (const c of a.contacts) {
    const reachable = needEmail ? c.email !== undefined && c.email !== '' && !c.bounced : (c.phone ?? '') !== '' || (c.email !== undefined && !c.bounced);
    if (!reachable) continue;
    for (const r of c.roles) {
      const rank = cp.roleRank.get(r);
      if (rank !== undefined && byRank[rank] === undefined) byRank[rank] = c;
    }
  }
  return byRank;
}

function recipient(c: Contact, role: string, asked: string): Recipient {
  return { contactId: c.id, name: c.name, email: c.email, phone: c.phone, role, fallbackFrom: role === asked ? undefined : asked };
}

/** The contact for a role: that role, else up the ladder, else (last resort) down it. */
function resolveRole(role: string, byRank: readonly (Contact | undefined)[], cp: CompiledPolicy): Recipient | null {
  const start = cp.roleRank.get(role) ?? 0;
  const ladder = cp.policy.contactLadder;
  for (let r = start; r < byRank.length; r++) {
    const c = byRank[r];
    if (c) return recipient(c, ladder[r] ?? role, role);
  }
  for (let r = start - 1; r >= 0; r--) {
    const c = byRank[r];
    if (c) return recipient(c, ladder[r] ?? role, role);
  }
  return null;
}

function resolveCc(roles: readonly string[], to: Recipient, byRank: readonly (Contact | undefined)[], cp: CompiledPolicy): Recipient[] {
  const out: Recipient[] = [];
  for (const role of roles) {
    const rank = cp.roleRank.get(role);
    const c = rank === undefined ? undefined : byRank[rank];
    if (c && c.id !== to.contactId && !out.some((r) => r.contactId === c.id)) out.push(recipient(c, role, role));
  }
  return out;
}

// ---- the decision ---------------------------------------------------------------

interface LevelStatus {
  doneBits: number;
  reachedDay: number;
  deadlineDay: number | undefined;
}

interface Ctx {
  readonly a: Account;
  readonly cp: CompiledPolicy;
  readonly now: Instant;
  readonly tz: string;
  readonly today: number;
  readonly cal: CompiledCalendar;
  readonly reasons: Reason[];
  nextDay: number | undefined;
}

function wakeOn(ctx: Ctx, day: number | undefined): void {
  if (day === undefined) return;
  const d = day > ctx.today ? day : ctx.today + 1;
  if (ctx.nextDay === undefined || d < ctx.nextDay) ctx.nextDay = d;
}

const extraCalendars = new WeakMap<readonly LocalDate[], CompiledCalendar>();

function calendarFor(a: Account, cp: CompiledPolicy): CompiledCalendar {
  if (a.holidays.length === 0) return cp.calendar;
  let cal = extraCalendars.get(a.holidays);
  if (!cal) {
    cal = compileCalendar({ weekend: cp.policy.calendar.weekend, holidays: [...cp.policy.calendar.holidays, ...a.holidays] });
    extraCalendars.set(a.holidays, cal);
  }
  return cal;
}

/** Decides what happens to an account now. Pure: same inputs, same decision. */
export function decide(account: Account, policy: Policy, now: Instant | Date, options: DecideOptions = {}): Decision {
  const cp = compilePolicy(policy);
  const nowMs = typeof now === 'number' ? now : now.getTime();
  const tz = account.timeZone;
  const today = localDayNumber(nowMs, tz);
  const ctx: Ctx = { a: account, cp, now: nowMs, tz, today, cal: calendarFor(account, cp), reasons: [], nextDay: undefined };
  const pauses = pauseState(account, policy, today, nowMs, tz);
  for (const d of pauses.wakeDays) wakeOn(ctx, d);

  // Sort the open invoices into past due, coming due (courtesy window) and later.
  const preDueDays = cp.preDue?.spec.trigger.kind === 'daysPastDue' ? cp.preDue.spec.trigger.days : 0;
  const pastDue: Invoice[] = [];
  const window: Invoice[] = [];
  const excluded: { invoiceId: string; number: string; reason: string }[] = [];
  const totals: Totals = {};
  let oldest: Invoice | undefined;
  let oldestAge = 0;
  for (const inv of account.invoices) {
    if (inv.status !== 'open' || inv.balanceMinor <= 0) continue;
    const due = toDayNumber(inv.dueDate);
    const age = today - due;
    const why = inv.disputed ? 'disputed' : pauses.excluded.size > 0 ? pauses.excluded.get(inv.id) : undefined;
    if (why !== undefined) {
      if (age >= 1) excluded.push({ invoiceId: inv.id, number: inv.number, reason: why });
      continue;
    }
    if (age >= 1) {
      pastDue.push(inv);
      addTo(totals, inv.currency, inv.balanceMinor);
      if (oldest === undefined || age > oldestAge || (age === oldestAge && inv.number < oldest.number)) {
        oldest = inv;
        oldestAge = age;
      }
    } else {
      wakeOn(ctx, due + 1);
      if (cp.preDue !== undefined) {
        if (age >= preDueDays) window.push(inv);
        else wakeOn(ctx, due + preDueDays);
      }
    }
  }
  for (const e of excluded) ctx.reasons.push({ code: 'invoice-excluded', text: `${e.number} ${e.reason}, left out` });

  const netTotals = pastDue.length > 0 ? netOfCredits(account, totals) : totals;
  const pausedDays = oldest === undefined ? 0 : coveredDays(pauses.intervals, today - oldestAge + 1, today - 1);
  const ladderDays = oldestAge - pausedDays;
  const tier = pastDue.length > 0 ? fastTrackTier(cp, netTotals, options.rates) : undefined;
  const ids = pastDue.map((i) => i.id).sort();
  const summary: PastDueSummary = {
    invoiceIds: ids,
    oldest: oldest ? { invoiceId: oldest.id, number: oldest.number, dueDate: oldest.dueDate, daysPastDue: oldestAge } : null,
    ladderDays,
    pausedDays,
    totals,
    netTotals,
    fastTrack: tier?.name ?? null,
    excluded,
  };
  const base = { accountId: account.id, now: nowMs, today: fromDayNumber(today), timeZone: tz, pastDue: summary };

  if (pastDue.length === 0 && window.length === 0) {
    ctx.reasons.unshift({ code: 'nothing-past-due', text: 'no invoice past due' });
    return finish(ctx, base, 'current', CURRENT_LEVEL, []);
  }
  if (pastDue.length > 0 && Object.values(netTotals).every((v) => v <= 0)) {
    ctx.reasons.unshift({ code: 'covered-by-credits', text: `past-due ${formatTotals(totals)} is covered by unapplied payments and credits` });
    return finish(ctx, base, 'current', CURRENT_LEVEL, []);
  }
  if (pastDue.length === 0) {
    // Only invoices coming due: no courtesy email (and no pause) for what credits already cover.
    const dueSoon: Totals = {};
    for (const i of window) addTo(dueSoon, i.currency, i.balanceMinor);
    if (Object.values(netOfCredits(account, dueSoon)).every((v) => v <= 0)) {
      ctx.reasons.unshift({ code: 'covered-by-credits', text: `${formatTotals(dueSoon)} coming due is covered by unapplied payments and credits` });
      return finish(ctx, base, 'current', CURRENT_LEVEL, []);
    }
  }

  if (pastDue.length > 0) {
    ctx.reasons.push({
      code: 'oldest-past-due',
      text:
        `oldest invoice ${oldest?.number ?? '?'} is ${oldestAge} day${oldestAge === 1 ? '' : 's'} past due` +
        (pausedDays > 0 ? ` (${pausedDays} paused day${pausedDays === 1 ? '' : 's'} not counted)` : ''),
    });
    ctx.reasons.push(
      tier
        ? { code: 'fast-track', text: `balance ${formatTotals(netTotals)} ≥ ${tier.name} threshold` }
        : { code: 'balance', text: `balance ${formatTotals(netTotals)}` },
    );
  }
  for (const r of pauses.resumed) ctx.reasons.push(r);

  const status = pastDue.length > 0 ? levelStatuses(ctx, new Set(ids)) : undefined;
  if (pauses.active.length > 0) {
    for (const r of pauses.active) ctx.reasons.push(r);
    const at = status ? lastReachedLevel(cp, status) : undefined;
    ctx.reasons.push({ code: 'level', text: `level '${at?.name ?? CURRENT_LEVEL.name}'` });
    return finish(ctx, base, 'paused', at ? ref(at) : CURRENT_LEVEL, []);
  }

  if (pastDue.length === 0) return courtesy(ctx, base, window);
  return ladder(ctx, base, pastDue, ids, status ?? [], ladderDays, tier?.schedulePercent ?? 100, netTotals, options.rates);
}

type Base = Pick<Decision, 'accountId' | 'now' | 'today' | 'timeZone' | 'pastDue'>;

function ref(l: CompiledLevel): LevelRef {
  return { id: l.id, name: l.name, index: l.index };
}

function finish(ctx: Ctx, base: Base, state: AccountState, level: LevelRef, actions: DueAction[]): Decision {
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

function netOfCredits(a: Account, totals: Totals): Totals {
  if (a.credits.length === 0 && a.payments.length === 0) return totals;
  const net: Totals = { ...totals };
  for (const c of a.credits) if (c.remainingMinor > 0 && net[c.currency] !== undefined) addTo(net, c.currency, -c.remainingMinor);
  for (const p of a.payments) if (p.unappliedMinor > 0 && net[p.currency] !== undefined) addTo(net, p.currency, -p.unappliedMinor);
  for (const k in net) if ((net[k] ?? 0) < 0) net[k] = 0;
  return net;
}

function fastTrackTier(cp: CompiledPolicy, net: Totals, rates: ExchangeRates | undefined): Policy['fastTrack'][number] | undefined {
  for (const t of cp.fastTrack) if (compareWithThreshold(net, t.minPastDue, rates) === 'at-or-above') return t;
  return undefined;
}

function isCustomerFacing(kind: HistoryKind): boolean {
  return kind === 'email' || kind === 'letter';
}

/** Per level: which actions are done for the invoices now past due, and since when. */
function levelStatuses(ctx: Ctx, pastDueIds: ReadonlySet<string>): LevelStatus[] {
  const { cp, a, tz } = ctx;
  const st: LevelStatus[] = cp.levels.map(() => ({ doneBits: 0, reachedDay: Number.POSITIVE_INFINITY, deadlineDay: undefined }));
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
    const s = st[level.index];
    if (!s) continue;
    s.doneBits |= level.actionBits.get(h.actionId) ?? 0;
    const day = localDayNumber(h.at, tz);
    if (day < s.reachedDay) s.reachedDay = day;
    if (h.kind === 'letter') {
      const deadline =
        h.responseBy !== undefined
          ? toDayNumber(h.responseBy)
          : onOrAfterBusinessDayNumber(day + (level.responseDays ?? 0), ctx.cal);
      if (s.deadlineDay === undefined || deadline > s.deadlineDay) s.deadlineDay = deadline;
    }
  }
  return st;
}

function lastReachedLevel(cp: CompiledPolicy, st: readonly LevelStatus[]): CompiledLevel | undefined {
  let last: CompiledLevel | undefined;
  for (const l of cp.levels) if (!l.preDue && (st[l.index]?.doneBits ?? 0) !== 0) last = l;
  return last;
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
function canActToday(ctx: Ctx, customerFacing: boolean, reachedToday: boolean): boolean {
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

function sendAt(ctx: Ctx): Instant {
  return Math.max(ctx.now, zonedInstantOfDayNumber(ctx.today, ctx.cp.sendStart, ctx.tz));
}

function courtesy(ctx: Ctx, base: Base, window: Invoice[]): Decision {
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
  const actions = buildActions(ctx, level, level.allBits, ids, amounts, undefined);
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

function ladder(
  ctx: Ctx,
  base: Base,
  _pastDue: Invoice[],
  ids: string[],
  status: readonly LevelStatus[],
  ladderDays: number,
  percent: number,
  net: Totals,
  rates: ExchangeRates | undefined,
): Decision {
  const { cp, today } = ctx;

  let last: { level: CompiledLevel; day: number; deadline: number | undefined } | undefined;
  let due: CompiledLevel | undefined;
  let partialBits = 0;
  const skipped: CompiledLevel[] = [];
  for (let i = cp.firstPastDue; i >= 0 && i < cp.levels.length; i++) {
    const l = cp.levels[i];
    const s = status[i];
    if (!l || !s) break;
    if (s.doneBits !== 0) {
      // On credit hold already: the level's hold counts as done, so the ladder moves on without a second one.
      const doneBits = s.doneBits | heldBits(ctx, l);
      if ((doneBits & l.allBits) !== l.allBits) {
        due = l;
        partialBits = l.allBits & ~doneBits;
        break;
      }
      last = { level: l, day: s.reachedDay, deadline: s.deadlineDay };
      continue;
    }
    const tday = triggerDay(l, last, today, ladderDays, percent);
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
    if (!l.spec.mandatory && next && next.spec.trigger.kind === 'daysPastDue' && scheduled(next.spec.trigger.days, percent) <= ladderDays) {
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

  if (skipped.length > 0) {
    ctx.reasons.push({ code: 'catch-up', text: `catch-up: skipped ${skipped.map((l) => `'${l.name}'`).join(', ')}` });
  }
  if (partialBits !== 0) ctx.reasons.push({ code: 'partial-level', text: 'finishing the actions of this level' });
  const held = heldBits(ctx, due) & ~(status[due.index]?.doneBits ?? 0);
  if (held !== 0 && ctx.a.onHold) {
    ctx.reasons.push({ code: 'on-hold', text: `already on credit hold since ${formatDayNumberShort(localDayNumber(ctx.a.onHold.since, ctx.tz))}: no second hold` });
  }
  const bits = (partialBits !== 0 ? partialBits : due.allBits) & ~held;
  if (bits === 0) return finish(ctx, base, 'past-due', level, []);
  const customerFacing = due.actions.some((x) => (x.bit & bits) !== 0 && x.customerFacing);
  const reachedToday = partialBits === 0 && last !== undefined && last.day === today;
  if (!canActToday(ctx, customerFacing, reachedToday)) return finish(ctx, base, 'past-due', level, []);
  wakeOn(ctx, today + 1);
  const writeOff =
    due.hasAgencyReferral && cp.policy.writeOff !== null && compareWithThreshold(net, cp.policy.writeOff.below, rates) === 'below';
  if (writeOff) ctx.reasons.push({ code: 'write-off', text: `balance under the write-off threshold: write-off suggested instead of agency referral` });
  return finish(ctx, base, 'past-due', level, buildActions(ctx, due, bits, ids, net, writeOff));
}

/** The level's credit-hold actions when the account is already on hold (they are not to be done again); else 0. */
function heldBits(ctx: Ctx, l: CompiledLevel): number {
  if (ctx.a.onHold === undefined) return 0;
  let bits = 0;
  for (const x of l.actions) if (x.spec.kind === 'creditHold') bits |= x.bit;
  return bits;
}

function buildActions(ctx: Ctx, level: CompiledLevel, bits: number, ids: readonly string[], amounts: Totals, writeOff: boolean | undefined): DueAction[] {
  const { a, cp } = ctx;
  const out: DueAction[] = [];
  const at = sendAt(ctx);
  const keyPrefix = part(a.id) + ':' + part(level.id) + ':';
  const keySuffix = ':' + joinIds(ids);
  let emailContacts: (Contact | undefined)[] | undefined;
  let phoneContacts: (Contact | undefined)[] | undefined;
  let calls = -1;
  const strategic = a.tags.some((t) => cp.strategicTags.has(t));
  const collector = a.collector ?? null;

  for (const act of level.actions) {
    if ((act.bit & bits) === 0) continue;
    const spec = act.spec;
    const common = {
      key: keyPrefix + part(spec.id) + keySuffix,
      levelId: level.id,
      levelName: level.name,
      actionId: spec.id,
      invoiceIds: ids,
      at,
      customerFacing: act.customerFacing,
      amounts,
    };
    switch (spec.kind) {
      case 'email':
      case 'letter': {
        emailContacts ??= contactsByRank(a, cp, true);
        const to = resolveRole(spec.to, emailContacts, cp);
        if (!to) {
          ctx.reasons.push({ code: 'contact-missing', text: `no reachable contact for ${roleLabel(spec.to)}: find-contact task instead of '${spec.template}'` });
          out.push({
            key: common.key,
            levelId: common.levelId,
            levelName: common.levelName,
            actionId: common.actionId,
            invoiceIds: common.invoiceIds,
            at: common.at,
            amounts: common.amounts,
            customerFacing: false,
            kind: 'task',
            task: 'find-contact',
            assignee: 'collector',
            person: collector,
            target: null,
            note: `no contact with a working email to send '${spec.template}' to`,
          });
          break;
        }
        if (to.fallbackFrom !== undefined) {
          ctx.reasons.push({ code: 'contact-fallback', text: `no reachable ${roleLabel(to.fallbackFrom)} contact: '${spec.template}' goes to ${to.name} (${roleLabel(to.role)})` });
        }
        const cc = resolveCc(spec.cc, to, emailContacts, cp);
        if (spec.kind === 'email') {
          out.push({ key: common.key, levelId: common.levelId, levelName: common.levelName, actionId: common.actionId, invoiceIds: common.invoiceIds, at: common.at, customerFacing: common.customerFacing, amounts: common.amounts, kind: 'email', template: spec.template, to, cc, urgent: spec.urgent, readReceipt: spec.readReceipt, personalGuarantee: a.personalGuarantee, ...(spec.via === 'platform' ? { via: 'platform' as const } : {}) });
        } else {
          const responseBy = fromDayNumber(onOrAfterBusinessDayNumber(ctx.today + (spec.responseDays ?? 0), ctx.cal));
          out.push({ key: common.key, levelId: common.levelId, levelName: common.levelName, actionId: common.actionId, invoiceIds: common.invoiceIds, at: common.at, customerFacing: common.customerFacing, amounts: common.amounts, kind: 'letter', letter: spec.letter, template: spec.template, to, cc, responseBy, personalGuarantee: a.personalGuarantee });
        }
        break;
      }
      case 'slackNudge': {
        let person: Person | null = null;
        if (spec.to === 'salesRep') {
          person = a.salesRep ?? collector;
          if (!a.salesRep) ctx.reasons.push({ code: 'no-sales-rep', text: 'no sales rep on the account: the collector gets the nudge' });
        } else if (spec.to === 'collector') person = collector;
        out.push({ key: common.key, levelId: common.levelId, levelName: common.levelName, actionId: common.actionId, invoiceIds: common.invoiceIds, at: common.at, customerFacing: common.customerFacing, amounts: common.amounts, kind: 'slackNudge', template: spec.template, to: spec.to, person });
        break;
      }
      case 'task': {
        phoneContacts ??= contactsByRank(a, cp, false);
        const target = spec.target !== undefined ? resolveRole(spec.target, phoneContacts, cp) : null;
        const person = spec.assignee === 'salesRep' ? (a.salesRep ?? collector) : collector;
        let taskAt = at;
        if (spec.task === 'call') {
          if (calls < 0) calls = a.history.reduce((n, h) => (h.kind === 'task' && h.task === 'call' ? n + 1 : n), 0);
          const slot = cp.callSlots[calls % cp.callSlots.length] ?? cp.sendStart;
          taskAt = zonedInstantOfDayNumber(ctx.today, slot, ctx.tz);
          calls++;
        }
        out.push({ key: common.key, levelId: common.levelId, levelName: common.levelName, actionId: common.actionId, invoiceIds: common.invoiceIds, at: taskAt, customerFacing: common.customerFacing, amounts: common.amounts, kind: 'task', task: spec.task, assignee: spec.assignee, person, target, note: undefined });
        break;
      }
      case 'creditHold': {
        const approval = strategic ? 'manager' : spec.mode === 'propose' ? 'collector' : null;
        if (strategic) ctx.reasons.push({ code: 'strategic-approval', text: 'strategic account: the credit hold needs a manager’s approval' });
        out.push({ key: common.key, levelId: common.levelId, levelName: common.levelName, actionId: common.actionId, invoiceIds: common.invoiceIds, at: common.at, customerFacing: common.customerFacing, amounts: common.amounts, kind: 'creditHold', mode: spec.mode, approval });
        break;
      }
      case 'agencyReferral':
        out.push({ key: common.key, levelId: common.levelId, levelName: common.levelName, actionId: common.actionId, invoiceIds: common.invoiceIds, at: common.at, customerFacing: common.customerFacing, amounts: common.amounts, kind: writeOff === true ? 'writeOffSuggestion' : 'agencyReferral', approval: 'approver' });
        break;
    }
  }
  return out;
}

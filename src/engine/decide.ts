// decide(account, policy, now): the pure heart of Overdue. State and `now` in,
// a Decision out — the account's level, the actions due now (each with a stable
// idempotency key), when to look again, and why. No I/O, no clock.
//
// The parts: decision-types.ts (what a Decision is), pauses.ts, contacts.ts,
// ladder.ts (levels and the courtesy level), actions.ts (the actions of a
// level made concrete), context.ts (the decision in progress).

import { fromDayNumber, localDayNumber, toDayNumber } from '../domain/calendar.js';
import { addTo, compareWithThreshold, formatTotals, type ExchangeRates, type Totals } from '../domain/money.js';
import type { Account, Instant, Invoice } from './account.js';
import { isPastDueAge, owes } from './past-due.js';
import { calendarFor, finish, ref, wakeOn, type Ctx } from './context.js';
import { CURRENT_LEVEL, type DecideOptions, type Decision, type PastDueSummary } from './decision-types.js';
import { courtesy, ladder, lastReachedLevel, levelStatuses } from './ladder.js';
import { coveredDays, pauseState } from './pauses.js';
import { compiledOf, type CompiledPolicy, type Policy, type PolicyLike } from './policy.js';

export * from './decision-types.js';
export { actionKey } from './actions.js';
export { roleLabel } from './contacts.js';

/** Decides what happens to an account now. Pure: same inputs, same decision. */
export function decide(account: Account, policyLike: PolicyLike, now: Instant | Date, options: DecideOptions = {}): Decision {
  const cp = compiledOf(policyLike);
  const policy = cp.policy;
  const nowMs = typeof now === 'number' ? now : now.getTime();
  const tz = account.timeZone;
  const today = localDayNumber(nowMs, tz);
  const first: Ctx = { a: account, cp, now: nowMs, tz, today, cal: calendarFor(account, cp), reasons: [], nextDay: undefined };
  let ctx = first;
  const pauses = pauseState(account, policy, today, nowMs, tz);
  for (const d of pauses.wakeDays) wakeOn(ctx, d);

  const { pastDue, window, excluded, totals, oldest, oldestAge } = sortInvoices(ctx, pauses.excluded);
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

  // The small-balance track: one rule (isSmallBalance), the one place it is chosen; from here on the ladder is the track's.
  const track = pastDue.length > 0 ? trackFor(cp, netTotals, options.rates) : cp;
  if (track !== cp) {
    ctx = { ...first, cp: track };
    ctx.reasons.push({ code: 'small-balance', text: 'under the write-off threshold: small-balance track (reminders, then a write-off suggestion)' });
  }
  const status = pastDue.length > 0 ? levelStatuses(ctx, new Set(ids)) : undefined;
  if (pauses.active.length > 0) {
    for (const r of pauses.active) ctx.reasons.push(r);
    const at = status ? lastReachedLevel(ctx.cp, status) : undefined;
    ctx.reasons.push({ code: 'level', text: `level '${at?.name ?? CURRENT_LEVEL.name}'` });
    return finish(ctx, base, 'paused', at ? ref(at) : CURRENT_LEVEL, []);
  }

  if (pastDue.length === 0) return courtesy(ctx, base, window);
  return ladder(ctx, base, { ids, status: status ?? [], ladderDays, schedulePercent: tier?.schedulePercent ?? 100, net: netTotals });
}

interface SortedInvoices {
  readonly pastDue: Invoice[];
  /** Coming due inside the courtesy level's window. */
  readonly window: Invoice[];
  /** Past due but out of the ladder (disputed, or under a scoped promise or plan). */
  readonly excluded: { invoiceId: string; number: string; reason: string }[];
  /** Past-due balances per currency. */
  readonly totals: Totals;
  readonly oldest: Invoice | undefined;
  readonly oldestAge: number;
}

/**
 * Sorts the open invoices into past due, coming due (courtesy window) and later,
 * and asks to look again when one falls due or enters the window.
 */
function sortInvoices(ctx: Ctx, pausedInvoices: ReadonlyMap<string, string>): SortedInvoices {
  const { cp, today } = ctx;
  const preDueDays = cp.preDue?.spec.trigger.kind === 'daysPastDue' ? cp.preDue.spec.trigger.days : 0;
  const pastDue: Invoice[] = [];
  const window: Invoice[] = [];
  const excluded: { invoiceId: string; number: string; reason: string }[] = [];
  const totals: Totals = {};
  let oldest: Invoice | undefined;
  let oldestAge = 0;
  for (const inv of ctx.a.invoices) {
    if (!owes(inv)) continue;
    const due = toDayNumber(inv.dueDate);
    const age = today - due;
    const why = inv.disputed ? 'disputed' : pausedInvoices.size > 0 ? pausedInvoices.get(inv.id) : undefined;
    if (why !== undefined) {
      if (isPastDueAge(age)) excluded.push({ invoiceId: inv.id, number: inv.number, reason: why });
      continue;
    }
    if (isPastDueAge(age)) {
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
  return { pastDue, window, excluded, totals, oldest, oldestAge };
}

/** Totals net of unapplied credits and payments in the same currency (never below zero). */
function netOfCredits(a: Account, totals: Totals): Totals {
  if (a.credits.length === 0 && a.payments.length === 0) return totals;
  const net: Totals = { ...totals };
  for (const c of a.credits) if (c.remainingMinor > 0 && net[c.currency] !== undefined) addTo(net, c.currency, -c.remainingMinor);
  for (const p of a.payments) if (p.unappliedMinor > 0 && net[p.currency] !== undefined) addTo(net, p.currency, -p.unappliedMinor);
  for (const k in net) if ((net[k] ?? 0) < 0) net[k] = 0;
  return net;
}

/** Whether a past-due balance (net of credits) is under the policy's write-off threshold: it follows the small-balance track. */
export function isSmallBalance(policy: Policy, net: Totals, rates: ExchangeRates | undefined): boolean {
  return policy.writeOff !== null && Object.keys(net).length > 0 && compareWithThreshold(net, policy.writeOff.below, rates) === 'below';
}

/** The ladder an account with this past-due balance follows: the small-balance track under the write-off threshold, else the policy's. */
export function trackFor(cp: CompiledPolicy, net: Totals, rates: ExchangeRates | undefined): CompiledPolicy {
  return cp.smallBalance !== null && isSmallBalance(cp.policy, net, rates) ? cp.smallBalance : cp;
}

/** The strongest fast-track tier the net balance reaches, if any. */
function fastTrackTier(cp: CompiledPolicy, net: Totals, rates: ExchangeRates | undefined): Policy['fastTrack'][number] | undefined {
  for (const t of cp.fastTrack) if (compareWithThreshold(net, t.minPastDue, rates) === 'at-or-above') return t;
  return undefined;
}

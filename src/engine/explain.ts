// explain() and preview(): the human side of decide(). preview() replays the
// account day by day "if nothing changes" (no payment, no reply, every action
// done as decided) and returns the timeline the demo and Slack show.

import {
  formatDayNumberShort,
  formatZoned,
  fromDayNumber,
  localDayNumber,
  toDayNumber,
  zonedInstantOfDayNumber,
  type LocalDate,
} from '../domain/calendar.js';
import { formatMoney } from '../domain/money.js';
import type { Account, HistoryEntry, Instant } from './account.js';
import { decide, roleLabel, type Decision, type DecideOptions, type DueAction, type Recipient } from './decide.js';
import { compiledOf, type PolicyLike } from './policy.js';
import { taskTitle, templateTitle } from './templates.js';

function who(r: Recipient): string {
  return `${r.name} (${roleLabel(r.role)})${r.fallbackNote !== undefined ? ` [${r.fallbackNote}]` : ''}`;
}

/** One line describing an action, e.g. "the final demand goes to Ann Lee (CFO), response by 2025-03-24". */
export function describeAction(a: DueAction): string {
  switch (a.kind) {
    case 'email':
      return `${templateTitle(a.template)} email goes to ${who(a.to)}${a.cc.length > 0 ? `, cc ${a.cc.map(who).join(', ')}` : ''}${a.urgent ? ' (urgent)' : ''}`;
    case 'letter':
      return `the ${a.letter === 'finalDemand' ? 'final demand' : 'written warning'} goes to ${who(a.to)}, response by ${a.responseBy}`;
    case 'slackNudge':
      return `Slack message (${templateTitle(a.template)}) to ${a.person?.name ?? a.to}`;
    case 'task':
      return `${taskTitle(a.task)} task for ${a.person?.name ?? a.assignee}${a.target ? ` → ${who(a.target)}` : ''}${a.note ? ` (${a.note})` : ''}`;
    case 'creditHold':
      return `credit hold ${a.mode === 'place' ? 'placed' : 'proposed'}${a.approval ? ` (needs ${a.approval} approval)` : ''}`;
    case 'agencyReferral':
      return 'agency referral goes to the approver';
    case 'writeOffSuggestion':
      return 'write-off suggestion goes to the approver';
  }
}

/** The history entry the outbox records once an action is done. */
export function historyEntryFor(a: DueAction, at: Instant = a.at): HistoryEntry {
  return {
    key: a.key,
    levelId: a.levelId,
    actionId: a.actionId,
    kind: a.kind,
    invoiceIds: a.invoiceIds,
    at,
    responseBy: a.kind === 'letter' ? a.responseBy : undefined,
    task: a.kind === 'task' ? a.task : undefined,
  };
}

export interface PreviewEntry {
  readonly date: LocalDate;
  readonly at: Instant;
  readonly levelId: string;
  readonly levelName: string;
  readonly action: DueAction;
  /** "on 12 Mar 2025 (final demand): the final demand goes to Ann Lee (CFO), response by 2025-03-24" */
  readonly text: string;
}

export interface Preview {
  readonly accountId: string;
  readonly from: Instant;
  readonly days: number;
  readonly entries: readonly PreviewEntry[];
  /** The account's state at the end of the previewed period. */
  readonly finalLevel: string;
}

/**
 * The future timeline if nothing changes: decide() once per day (at the start of
 * sending hours; at `from` on the first day), every action taken as decided.
 */
export function preview(account: Account, policy: PolicyLike, from: Instant | Date, days: number, options: DecideOptions = {}): Preview {
  const fromMs = typeof from === 'number' ? from : from.getTime();
  const entries: PreviewEntry[] = [];
  const replay = previewEntries(account, policy, fromMs, days, options);
  let r = replay.next();
  for (; r.done !== true; r = replay.next()) entries.push(r.value);
  return { accountId: account.id, from: fromMs, days, entries, finalLevel: r.value };
}

/** preview()'s replay, one entry at a time (a caller that wants the first match stops early); returns the final level's name. */
function* previewEntries(account: Account, policy: PolicyLike, fromMs: Instant, days: number, options: DecideOptions): Generator<PreviewEntry, string> {
  const cp = compiledOf(policy);
  const tz = account.timeZone;
  const firstDay = localDayNumber(fromMs, tz);
  const history: HistoryEntry[] = [...account.history];
  let finalLevel = 'current';
  for (let d = 0; d < days; d++) {
    const day = firstDay + d;
    const now = d === 0 ? fromMs : zonedInstantOfDayNumber(day, cp.sendStart, tz);
    const decision = decide({ ...account, history }, cp, now, options);
    finalLevel = decision.level.name;
    for (const a of decision.actions) {
      history.push(historyEntryFor(a));
      yield {
        date: fromDayNumber(localDayNumber(a.at, tz)),
        at: a.at,
        levelId: a.levelId,
        levelName: a.levelName,
        action: a,
        text: `on ${formatDayNumberShort(localDayNumber(a.at, tz))} (${a.levelName}): ${describeAction(a)}`,
      };
    }
  }
  return finalLevel;
}

/**
 * What comes next if nothing changes, after `decision`'s day: the first customer-facing step of another
 * level in the preview, else its first step after today; null for a current account or none in the horizon.
 * explain() words it as its `nextStep`; the accounts API answers it as `next`.
 */
export function nextStepAfter(account: Account, policy: PolicyLike, decision: Decision, options: DecideOptions & { horizonDays?: number } = {}): PreviewEntry | null {
  if (decision.state === 'current') return null;
  const today = toDayNumber(decision.today);
  let first: PreviewEntry | null = null;
  for (const e of previewEntries(account, policy, decision.now, options.horizonDays ?? 120, { rates: options.rates })) {
    if (toDayNumber(e.date) <= today) continue;
    if (e.action.customerFacing !== false && e.levelId !== decision.level.id) return e;
    first ??= e;
  }
  return first;
}

export interface Explanation {
  readonly decision: Decision;
  /** The one-line explanation of the decision. */
  readonly summary: string;
  /** Detail lines: invoices, actions, next evaluation, what happens next if unpaid. */
  readonly lines: readonly string[];
  /** The next step in the preview after today, if any ("if unpaid, on 12 Mar 2025 the final demand goes to …"). */
  readonly nextStep: string | null;
  readonly text: string;
}

/** decide() plus the human detail: which invoices, which actions, and what comes next if unpaid. */
export function explain(account: Account, policyLike: PolicyLike, now: Instant | Date, options: DecideOptions & { horizonDays?: number } = {}): Explanation {
  const policy = compiledOf(policyLike);
  const decision = decide(account, policy, now, options);
  const tz = account.timeZone;
  const lines: string[] = [];
  const today = toDayNumber(decision.today);
  const past = new Set(decision.pastDue.invoiceIds);
  const invoiceLines = account.invoices
    .filter((i) => past.has(i.id))
    .sort((x, y) => (x.dueDate < y.dueDate ? -1 : x.dueDate > y.dueDate ? 1 : 0))
    .map((i) => `${i.number} ${today - toDayNumber(i.dueDate)} days past due, ${formatMoney({ amountMinor: i.balanceMinor, currency: i.currency })} open`);
  if (invoiceLines.length > 0) lines.push(`past due: ${invoiceLines.join('; ')}`);
  for (const e of decision.pastDue.excluded) lines.push(`left out: ${e.number} (${e.reason})`);
  for (const a of decision.actions) lines.push(`now (${formatZoned(a.at, tz)}): ${describeAction(a)}`);
  if (decision.nextEvaluationAt !== null) lines.push(`next evaluation: ${formatZoned(decision.nextEvaluationAt, tz)}`);

  const next = nextStepAfter(account, policy, decision, options);
  const nextStep = next ? `if unpaid, on ${formatDayNumberShort(toDayNumber(next.date))} ${describeAction(next.action)} (${next.levelName})` : null;
  if (nextStep) lines.push(nextStep);
  const text = [decision.explanation, ...lines].join('\n');
  return { decision, summary: decision.explanation, lines, nextStep, text };
}

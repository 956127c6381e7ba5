// What a policy change does to an account today: its next step (the first action
// the ladder would take if nothing changes) and that step's date, under one policy
// and under another. Pure: the account, two policies and `now` in. Used by the
// admin API's policy preview (POST /api/orgs/:orgId/policy/preview) before a new
// version is saved.
import { fromDayNumber, localDayNumber, type LocalDate } from '../domain/calendar.js';
import type { Account } from './account.js';
import { decide } from './decide.js';
import { describeAction } from './explain.js';
import { compiledOf, type PolicyLike } from './policy.js';

export interface NextStep {
  /** "reminder 2: email 'reminder-2' to Bea Billing (billing)": the level and what it does. */
  step: string;
  levelId: string;
  /** The local date (the account's zone) the step is due. */
  date: LocalDate;
}

export interface StepChange {
  accountId: string;
  name: string;
  /** null: nothing would happen within the horizon. */
  from: NextStep | null;
  to: NextStep | null;
}

/** How far ahead a next step is looked for. */
export const NEXT_STEP_HORIZON_DAYS = 366;
/** decide() calls per account at most (each jumps to the decision's next evaluation). */
const MAX_EVALUATIONS = 64;

/**
 * The first action the ladder would take for the account from `now` if nothing changes (no payment, no
 * reply; earlier actions are taken as decided), or null within the horizon. Jumps from one evaluation to
 * the next (the decision says when to look again) instead of deciding every day.
 */
export function nextStep(account: Account, policy: PolicyLike, now: Date | number, horizonDays = NEXT_STEP_HORIZON_DAYS): NextStep | null {
  const cp = compiledOf(policy);
  const start = typeof now === 'number' ? now : now.getTime();
  const end = start + horizonDays * 86_400_000;
  let t = start;
  for (let i = 0; i < MAX_EVALUATIONS && t <= end; i++) {
    const d = decide(account, cp, t);
    const first = [...d.actions].sort((a, b) => a.at - b.at)[0];
    if (first) return { step: `${first.levelName}: ${describeAction(first)}`, levelId: first.levelId, date: fromDayNumber(localDayNumber(first.at, account.timeZone)) };
    if (d.nextEvaluationAt === null || d.nextEvaluationAt <= t) return null;
    t = d.nextEvaluationAt;
  }
  return null;
}

/** Whether two next steps differ (the step itself or its date). */
export function sameStep(a: NextStep | null, b: NextStep | null): boolean {
  return a === null || b === null ? a === b : a.step === b.step && a.date === b.date;
}

/** The account's next step under both policies, or null when it is the same. */
export function stepChange(account: Account, current: PolicyLike, candidate: PolicyLike, now: Date | number): StepChange | null {
  const from = nextStep(account, current, now);
  const to = nextStep(account, candidate, now);
  return sameStep(from, to) ? null : { accountId: account.id, name: account.name, from, to };
}

// The 90-day limit (issue #17, the seeds): the default ladder asks for the agency decision by day 90 past due
// whatever weekday the invoice fell due on and with holidays in the way; an account first seen late runs its
// mandatory letters back to back, each response deadline kept, and reaches the decision as soon as they allow.
import { addDays, isBusinessDay, onOrAfterBusinessDay, toDayNumber } from '../domain/calendar.js';
import type { Decision } from './decide.js';
import { daysToDecisionLimit, decisionLimitLine, latestLevelDays } from './decision-limit.js';
import { DEFAULT_POLICY_INPUT, defaultPolicy } from './default-policy.js';
import { compilePolicy, parsePolicy, validatePolicy, type PolicyInput } from './policy.js';
import { account, invoice, simulate } from './testkit.js';

const policyWith = (change: (p: PolicyInput) => void) => {
  const p: PolicyInput = structuredClone(DEFAULT_POLICY_INPUT);
  change(p);
  return parsePolicy(p);
};

/** Day past due on which each level was first entered, and the letters' response dates. */
function walk(due: string, from: number, days: number, policy = defaultPolicy): { entered: Map<string, number>; responseBy: Map<string, string>; steps: { date: string; decision: Decision }[] } {
  const a = account({ invoices: [invoice('1', due, 500_000)] });
  const { steps } = simulate(a, policy, addDays(due, from), days);
  const entered = new Map<string, number>();
  const responseBy = new Map<string, string>();
  for (const s of steps) {
    for (const x of s.decision.actions) {
      if (!entered.has(x.levelId)) entered.set(x.levelId, toDayNumber(s.date) - toDayNumber(due));
      if (x.kind === 'letter') responseBy.set(x.levelId, x.responseBy);
    }
  }
  return { entered, responseBy, steps };
}

describe('the agency-decision limit (90 days)', () => {
  it('is in the default policy: 90 days, validated', () => {
    expect(defaultPolicy.limits.agencyDecisionByDay).toBe(90);
    const bad = validatePolicy({ ...structuredClone(DEFAULT_POLICY_INPUT), limits: { inputHorizonDays: 366, agencyDecisionByDay: 3 } });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problems.join('\n')).toContain('agencyDecisionByDay must be at least 14');
    expect(parsePolicy({ ...structuredClone(DEFAULT_POLICY_INPUT), limits: { agencyDecisionByDay: null } }).limits).toEqual({ inputHorizonDays: 366, agencyDecisionByDay: null });
  });

  // 2025-03-03 is a Monday: one due date per weekday.
  it.each([0, 1, 2, 3, 4, 5, 6])('the default ladder asks for the decision by day 90, due date Monday + %i', (offset) => {
    const due = addDays('2025-03-03', offset);
    const { entered, responseBy } = walk(due, -6, 110);
    const referral = entered.get('agency-referral');
    expect(referral).toBeDefined();
    expect(referral).toBeLessThanOrEqual(90);
    // The final demand's deadline has passed when the decision is asked.
    const fd = responseBy.get('final-demand') ?? '';
    expect(toDayNumber(addDays(due, referral ?? 0))).toBeGreaterThan(toDayNumber(fd));
  });

  it('holds with holidays in the way: the final demand comes earlier, its 10 business days kept', () => {
    const due = '2025-03-03';
    // A week of holidays just after the usual final-demand day (75 = 2025-05-17).
    const holidays = [18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28].map((d) => addDays('2025-05-05', d));
    const policy = policyWith((p) => {
      p.calendar.holidays = holidays;
    });
    const { entered, responseBy, steps } = walk(due, -6, 110, policy);
    const referral = entered.get('agency-referral') ?? 999;
    expect(referral).toBeLessThanOrEqual(90);
    const fdDay = entered.get('final-demand') ?? 999;
    expect(fdDay).toBeLessThan(75);
    expect(toDayNumber(responseBy.get('final-demand') ?? '')).toBeLessThan(toDayNumber(addDays(due, referral)));
    // Without the limit the same calendar goes past 90.
    const unlimited = walk(due, -6, 130, policyWith((p) => {
      p.calendar.holidays = holidays;
      p.limits = { agencyDecisionByDay: null };
    }));
    expect(unlimited.entered.get('agency-referral')).toBeGreaterThan(90);
    expect(steps.some((st) => st.decision.reasons.some((r) => r.code === 'decision-limit' && r.text.includes('by day 90')))).toBe(true);
  });

  // With deadlines in calendar days (letters.deadlineDays): the default's business-day deadlines (7 + 10) take about
  // 25 calendar days together, which leaves an account first seen after about day 62 no way to meet day 90.
  it('an account first seen 70 days past due: written warning now, final demand right after its deadline, decision by day 90', () => {
    const due = '2025-03-05'; // a Wednesday: day 70 is a Wednesday too
    const { entered, responseBy } = walk(due, 70, 40, policyWith((p) => {
      p.letters = { deadlineDays: 'calendar' };
    }));
    expect(entered.get('written-warning')).toBe(70);
    // Earlier, optional levels are caught up (skipped), the mandatory letters are not.
    expect(entered.has('up-the-ladder')).toBe(false);
    const firstAfter = (date: string): number => toDayNumber(onOrAfterBusinessDay(addDays(date, 1))) - toDayNumber(due);
    expect(entered.get('final-demand')).toBe(firstAfter(responseBy.get('written-warning') ?? ''));
    const referral = entered.get('agency-referral') ?? 999;
    expect(referral).toBe(firstAfter(responseBy.get('final-demand') ?? ''));
    expect(referral).toBeLessThanOrEqual(90);
  });

  it('an account first seen 85 days past due: the letters back to back, each deadline kept, the decision as soon as they allow', () => {
    const due = '2025-03-03';
    const { entered, responseBy } = walk(due, 85, 60);
    expect(entered.get('written-warning')).toBe(85);
    const wwBy = responseBy.get('written-warning') ?? '';
    // The final demand goes on the first business day after the warning's deadline...
    const firstAfter = (date: string): number => toDayNumber(onOrAfterBusinessDay(addDays(date, 1))) - toDayNumber(due);
    expect(entered.get('final-demand')).toBe(firstAfter(wwBy));
    // ...and the decision on the first business day after the demand's.
    expect(entered.get('agency-referral')).toBe(firstAfter(responseBy.get('final-demand') ?? ''));
    expect(entered.get('agency-referral')).toBeGreaterThan(90);
  });

  it('latestLevelDays: the referral on the last business day by day 90, each letter early enough for its deadline', () => {
    const cp = compilePolicy(defaultPolicy);
    const day0 = toDayNumber('2025-03-03');
    const latest = latestLevelDays(cp, cp.calendar, day0);
    const idx = (id: string): number => cp.levelById.get(id)?.index ?? -1;
    const referral = latest[idx('agency-referral')] ?? 0;
    expect(referral - day0).toBeLessThanOrEqual(90);
    expect(referral - day0).toBeGreaterThanOrEqual(88);
    const fd = latest[idx('final-demand')] ?? 0;
    const ww = latest[idx('written-warning')] ?? 0;
    expect(isBusinessDay(addDays('2025-03-03', fd - day0))).toBe(true);
    expect(fd).toBeLessThan(referral);
    expect(ww).toBeLessThan(fd);
    // Optional levels may be skipped: no latest day.
    expect(latest[idx('up-the-ladder')]).toBeUndefined();
    const none = compilePolicy(policyWith((p) => {
      p.limits = { agencyDecisionByDay: null };
    }));
    expect(latestLevelDays(none, none.calendar, day0)).toEqual([]);
  });

  it('says how far the limit is, in the approval card’s words', () => {
    const cp = compilePolicy(defaultPolicy);
    expect(daysToDecisionLimit(cp, 86)).toBe(4);
    expect(decisionLimitLine(90, 86)).toBe('4 days to the 90-day limit');
    expect(decisionLimitLine(90, 89)).toBe('1 day to the 90-day limit');
    expect(decisionLimitLine(90, 90)).toBe('the 90-day limit is today');
    expect(decisionLimitLine(90, 111)).toBe('21 days past the 90-day limit');
  });
});

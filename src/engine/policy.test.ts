import fc from 'fast-check';
import { DEFAULT_POLICY_INPUT, defaultPolicy } from './default-policy.js';
import { parsePolicy, PolicyError, PolicySchema, validatePolicy, type PolicyInput } from './policy.js';

const clone = (): PolicyInput => structuredClone(DEFAULT_POLICY_INPUT);

describe('policy schema', () => {
  it('ships a valid default ladder in the DESIGN order', () => {
    expect(validatePolicy(DEFAULT_POLICY_INPUT)).toEqual({ ok: true, policy: defaultPolicy });
    expect(defaultPolicy.levels.map((l) => l.name)).toEqual([
      'courtesy', 'reminder 1', 'reminder 2', 'rep call', 'collector call', 'up the ladder', 'written warning', 'final demand', 'agency referral',
    ]);
    expect(defaultPolicy.levels.map((l) => (l.trigger.kind === 'daysPastDue' ? l.trigger.days : l.trigger.kind))).toEqual([
      -3, 1, 7, 15, 30, 45, 60, 75, 'deadlineExpired',
    ]);
    expect(defaultPolicy.levels.filter((l) => l.mandatory).map((l) => l.id)).toEqual(['written-warning', 'final-demand']);
  });

  it('round-trips the default policy through JSON and the schema', () => {
    const again = parsePolicy(JSON.parse(JSON.stringify(defaultPolicy)));
    expect(again).toEqual(defaultPolicy);
  });

  it('round-trips any valid variation (property)', () => {
    const arb = fc.record({
      gaps: fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 7, maxLength: 7 }),
      percent: fc.integer({ min: 1, max: 100 }),
      grace: fc.integer({ min: 0, max: 10 }),
      response: fc.integer({ min: 1, max: 30 }),
      holidays: fc.uniqueArray(fc.integer({ min: 0, max: 364 }), { maxLength: 5 }),
    });
    fc.assert(
      fc.property(arb, ({ gaps, percent, grace, response, holidays }) => {
        const p = clone();
        let day = 0;
        p.levels.forEach((l, i) => {
          if (i === 0 || l.trigger.kind !== 'daysPastDue') return;
          day += gaps[i - 1] ?? 1;
          l.trigger = { kind: 'daysPastDue', days: day };
        });
        p.fastTrack = [{ name: 'ft', minPastDue: { USD: 1000 }, schedulePercent: percent }];
        p.pauses = { promiseGraceDays: grace, instalmentGraceDays: grace, replyPauseDays: grace };
        p.calendar.holidays = holidays.map((d) => new Date(Date.UTC(2026, 0, 1 + d)).toISOString().slice(0, 10));
        for (const l of p.levels) for (const a of l.actions) if (a.kind === 'letter') a.responseDays = response;
        const v = validatePolicy(p);
        if (!v.ok) throw new Error(v.problems.join('\n'));
        expect(PolicySchema.parse(JSON.parse(JSON.stringify(v.policy)))).toEqual(v.policy);
      }),
      { numRuns: 100 },
    );
  });

  it('checks the missing-role wait: 0 to 60 business days, 5 by default', () => {
    const p = clone();
    delete (p as { contacts?: unknown }).contacts;
    const v = validatePolicy(p);
    expect(v.ok && v.policy.contacts.missingRoleWaitDays).toBe(5);
    const bad = validatePolicy({ ...clone(), contacts: { missingRoleWaitDays: -1 } });
    expect(bad.ok ? [] : bad.problems).toEqual(['contacts.missingRoleWaitDays: missingRoleWaitDays must be 0 or more']);
    const big = validatePolicy({ ...clone(), contacts: { missingRoleWaitDays: 61 } });
    expect(big.ok ? [] : big.problems).toEqual(['contacts.missingRoleWaitDays: missingRoleWaitDays must be at most 60']);
  });

  it('lists every consistency problem at once', () => {
    const p = clone();
    const [, r1, r2, rep, , , ww, fd] = p.levels;
    if (!r1 || !r2 || !rep || !ww || !fd) throw new Error('default ladder changed');
    r2.trigger = { kind: 'daysPastDue', days: 1 }; // same day as reminder 1: out of order
    rep.trigger = { kind: 'daysAfterPrevious', days: -2 }; // negative days
    const fdLetter = fd.actions[0];
    if (fdLetter?.kind === 'letter') delete fdLetter.responseDays; // letter without deadline
    r1.actions = [{ id: 'email', kind: 'email', template: 'shouty-reminder', to: 'purchasing' }]; // unknown template + role
    p.pauses.promiseGraceDays = -1;
    const v = validatePolicy(p);
    expect(v.ok).toBe(false);
    if (v.ok) return;
    const text = v.problems.join('\n');
    expect(text).toMatch(/levels\[2\] 'reminder-2': levels out of order/);
    expect(text).toMatch(/levels\[3\] 'rep-call': negative days \(-2\)/);
    expect(text).toMatch(/'final-demand'.*letter without a response deadline/);
    expect(text).toMatch(/unknown email template 'shouty-reminder'/);
    expect(text).toMatch(/unknown contact role 'purchasing'/);
    expect(text).toMatch(/pauses.promiseGraceDays: negative days/);
    // the agency referral now waits on a deadline that no longer exists
    expect(text).toMatch(/'agency-referral': trigger 'deadlineExpired' needs a previous level with a letter/);
    expect(v.problems.length).toBeGreaterThanOrEqual(7);
  });

  it('checks the small-balance track: known, past-due, email-only levels, a threshold, the reserved write-off id', () => {
    const p = clone();
    p.smallBalance = { levels: ['reminder-1', 'reminder-1', 'courtesy', 'final-demand', 'nope'], writeOffAfterDays: 14 };
    p.writeOff = null;
    p.levels = [...p.levels.slice(0, 2), { ...p.levels[1]!, id: 'write-off' }, ...p.levels.slice(2)];
    const v = validatePolicy(p);
    expect(v.ok).toBe(false);
    if (!v.ok) {
      expect(v.problems.filter((x) => x.startsWith('smallBalance') || x.startsWith('levels:'))).toEqual([
        "levels: 'write-off' is reserved for the small-balance track's write-off suggestion",
        'smallBalance: needs writeOff.below, the threshold under which an account follows it',
        "smallBalance.levels[1] 'reminder-1': listed twice",
        "smallBalance.levels[2] 'courtesy': the level before the due date applies to every account; list past-due levels only",
        "smallBalance.levels[3] 'final-demand': a small-balance level may only send emails (no letters, holds, calls or referrals)",
        "smallBalance.levels[4] 'nope': no such level in the ladder",
      ]);
    }
    const days = clone();
    days.smallBalance = { levels: ['reminder-1'], writeOffAfterDays: 0 };
    expect(validatePolicy(days).ok).toBe(false);
    // without a section, a policy with a threshold takes its email-only past-due levels
    const implicit = clone();
    delete implicit.smallBalance;
    expect(validatePolicy(implicit).ok).toBe(true);
  });

  it('rejects an agency referral without a written warning and a final demand before it', () => {
    const p = clone();
    p.levels = p.levels.filter((l) => l.id !== 'written-warning' && l.id !== 'final-demand');
    const v = validatePolicy(p);
    expect(v.ok).toBe(false);
    if (!v.ok) {
      expect(v.problems.join('\n')).toMatch(/agency referral needs a written warning and a final demand/);
    }
  });

  it('rejects two customer emails in one level and a non-mandatory letter level', () => {
    const p = clone();
    const r2 = p.levels[2];
    if (!r2) throw new Error('default ladder changed');
    r2.actions.push({ id: 'second', kind: 'email', template: 'reminder-2', to: 'ap' });
    const ww = p.levels[6];
    if (ww) ww.mandatory = false;
    const v = validatePolicy(p);
    expect(v.ok).toBe(false);
    if (!v.ok) {
      expect(v.problems.join('\n')).toMatch(/more than one customer email/);
      expect(v.problems.join('\n')).toMatch(/writtenWarning letter must be mandatory/);
    }
  });

  it('reports structural problems with their paths', () => {
    const v = validatePolicy({ version: 2, name: '', levels: [{ id: 'Bad Id', trigger: { kind: 'soon' } }] });
    expect(v.ok).toBe(false);
    if (v.ok) return;
    const text = v.problems.join('\n');
    expect(text).toMatch(/^version:/m);
    expect(text).toMatch(/^contactLadder:/m);
    expect(text).toMatch(/^levels\[0\]\.id:/m);
    expect(text).toMatch(/^levels\[0\]\.trigger/m);
    expect(() => parsePolicy({})).toThrow(PolicyError);
  });

  it('checks sending hours and the calendar', () => {
    const p = clone();
    p.calendar.sendingHours = { start: '18:00', end: '09:00' };
    p.calendar.weekend = [0, 1, 2, 3, 4, 5, 6];
    const v = validatePolicy(p);
    expect(v.ok).toBe(false);
    if (!v.ok) {
      expect(v.problems).toEqual(
        expect.arrayContaining([expect.stringMatching(/start 18:00 must be before end/), expect.stringMatching(/every day is a weekend/)]),
      );
    }
  });
});

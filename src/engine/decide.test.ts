import { addDays, toDayNumber, fromDayNumber, localDate } from '../domain/calendar.js';
import type { Account, HistoryEntry } from './account.js';
import { actionKey, decide, keysToCancel, type Decision, type DueAction } from './decide.js';
import { DEFAULT_POLICY_INPUT, defaultPolicy } from './default-policy.js';
import { describeAction, historyEntryFor } from './explain.js';
import { parsePolicy, type PolicyInput } from './policy.js';
import { account, at, contact, invoice, simulate } from './testkit.js';

const DUE = '2025-03-03'; // a Monday
const day = (n: number): string => addDays(DUE, n);
const policyWith = (change: (p: PolicyInput) => void) => {
  const p: PolicyInput = structuredClone(DEFAULT_POLICY_INPUT);
  change(p);
  return parsePolicy(p);
};
/** The default ladder without weekends, so the table reads in plain days. */
const everyDay = policyWith((p) => {
  p.calendar.weekend = [];
});

/** History entries saying the levels were done `daysPastDue` days after DUE. */
function done(a: Account, levels: [string, number][], invoiceIds = ['1']): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  for (const [levelId, d] of levels) {
    const level = defaultPolicy.levels.find((l) => l.id === levelId);
    if (!level) throw new Error(levelId);
    for (const act of level.actions) {
      out.push({
        key: actionKey(a.id, levelId, act.id, invoiceIds),
        levelId,
        actionId: act.id,
        kind: act.kind,
        invoiceIds,
        at: at(a, day(d)),
        responseBy: act.kind === 'letter' ? day(d + (act.responseDays ?? 0)) : undefined,
        task: act.kind === 'task' ? act.task : undefined,
      });
    }
  }
  return out;
}

/** [day past due, levels entered that day] in order. */
const levelsEntered = (steps: { date: string; decision: Decision }[]): [number, string][] => {
  const out: [number, string][] = [];
  for (const s of steps) {
    const ids = [...new Set(s.decision.actions.map((a) => a.levelId))];
    if (ids.length > 0) out.push([toDayNumber(s.date) - toDayNumber(DUE), ids.join('+')]);
  }
  return out;
};

describe('default ladder, day by day', () => {
  it('walks every level on its day (no weekends)', () => {
    const a = account({ invoices: [invoice('1', DUE, 100_000)] });
    const { steps, account: after } = simulate(a, everyDay, day(-6), 100);
    expect(levelsEntered(steps)).toEqual([
      [-3, 'courtesy'],
      [1, 'reminder-1'],
      [7, 'reminder-2'],
      [15, 'rep-call'],
      [30, 'collector-call'],
      [45, 'up-the-ladder'],
      [60, 'written-warning'],
      [75, 'final-demand'],
      [86, 'agency-referral'], // the final demand's response deadline (day 85) has passed
    ]);
    // the level shown on each day is the last level entered
    const table: [number, string, string][] = [
      [-6, 'current', 'current'], [-3, 'courtesy', 'pre-due'], [0, 'courtesy', 'pre-due'], [1, 'reminder-1', 'past-due'],
      [6, 'reminder-1', 'past-due'], [7, 'reminder-2', 'past-due'], [29, 'rep-call', 'past-due'], [59, 'up-the-ladder', 'past-due'],
      [70, 'written-warning', 'past-due'], [85, 'final-demand', 'past-due'], [93, 'agency-referral', 'past-due'],
    ];
    for (const [d, level, state] of table) {
      const s = steps[d + 6];
      expect([d, s?.decision.level.id, s?.decision.state]).toEqual([d, level, state]);
    }
    expect(after.history.map((h) => h.key)).toHaveLength(new Set(after.history.map((h) => h.key)).size);
  });

  it('emits the right actions per level', () => {
    const a = account({ invoices: [invoice('1', DUE, 100_000)] });
    const { steps } = simulate(a, everyDay, day(-6), 100);
    const byLevel = new Map<string, DueAction[]>();
    for (const s of steps) for (const x of s.decision.actions) byLevel.set(x.levelId, [...(byLevel.get(x.levelId) ?? []), x]);
    const kinds = (id: string) => (byLevel.get(id) ?? []).map((x) => (x.kind === 'task' ? `task:${x.task}` : x.kind));
    expect(kinds('courtesy')).toEqual(['email']);
    expect(kinds('rep-call')).toEqual(['slackNudge', 'task:call']);
    expect(kinds('collector-call')).toEqual(['email', 'task:call']);
    expect(kinds('up-the-ladder')).toEqual(['email', 'task:call', 'creditHold']);
    expect(kinds('written-warning')).toEqual(['letter', 'task:voicemail', 'creditHold']);
    expect(kinds('final-demand')).toEqual(['letter', 'task:mail', 'task:fax']);
    expect(kinds('agency-referral')).toEqual(['agencyReferral']);
    const email = byLevel.get('collector-call')?.[0];
    expect(email?.kind === 'email' && [email.template, email.urgent, email.readReceipt, email.to.role]).toEqual(['urgent-account-matter', true, true, 'ap']);
    const fd = byLevel.get('final-demand')?.[0];
    expect(fd?.kind === 'letter' && [fd.to.role, fd.responseBy]).toEqual(['cfo', day(85)]);
    const nudge = byLevel.get('rep-call')?.[0];
    expect(nudge?.kind === 'slackNudge' && nudge.person?.slackUserId).toBe('U1');
  });

  it('lands on business days with real weekends and holidays', () => {
    const p = policyWith((x) => {
      x.calendar.holidays = ['2025-03-10']; // a Monday
    });
    const a = account({ invoices: [invoice('1', DUE, 100_000)] });
    const { steps } = simulate(a, p, day(-6), 25);
    const entered = levelsEntered(steps).map(([d, l]) => [fromDayNumber(toDayNumber(DUE) + d), l]);
    expect(entered).toEqual([
      ['2025-02-28', 'courtesy'], // Friday, day -3
      ['2025-03-04', 'reminder-1'],
      ['2025-03-11', 'reminder-2'], // day 7 is the holiday Monday
      ['2025-03-18', 'rep-call'],
    ]);
  });
});

describe('decide: rules', () => {
  const ladderAccount = (over: Partial<Account> = {}): Account => {
    const base = account({ invoices: [invoice('1', DUE, 100_000, { number: 'INV-1042' })], ...over });
    return base;
  };

  it('explains like the issue example', () => {
    const a = ladderAccount({ invoices: [invoice('1', DUE, 1_240_000, { number: 'INV-1042' })] });
    const history = done(a, [['reminder-1', 1], ['reminder-2', 6], ['rep-call', 12], ['collector-call', 24]]);
    const d = decide({ ...a, history }, everyDay, at(a, day(47)));
    expect(d.explanation).toBe("oldest invoice INV-1042 is 47 days past due; balance 12,400.00 USD ≥ fast-track threshold; level 'up the ladder'");
    expect(d.actions.map((x) => x.key)).toEqual(['acc-1:up-the-ladder:email:1', 'acc-1:up-the-ladder:call:1', 'acc-1:up-the-ladder:hold:1']);
  });

  it('compresses the schedule for large balances only', () => {
    const history = (a: Account) => done(a, [['reminder-1', 1], ['reminder-2', 7], ['rep-call', 15], ['collector-call', 30], ['up-the-ladder', 45]]);
    const big = ladderAccount({ invoices: [invoice('1', DUE, 1_240_000)] });
    const small = ladderAccount({ invoices: [invoice('1', DUE, 124_000)] });
    const dBig = decide({ ...big, history: history(big) }, everyDay, at(big, day(48)));
    const dSmall = decide({ ...small, history: history(small) }, everyDay, at(small, day(48)));
    expect(dBig.level.id).toBe('written-warning'); // 60 × 80% = 48
    expect(dBig.pastDue.fastTrack).toBe('fast-track');
    expect(dSmall.level.id).toBe('up-the-ladder');
    expect(dSmall.actions).toEqual([]);
    expect(dSmall.explanation).toBe("oldest invoice INV-1 is 48 days past due; balance 1,240.00 USD; level 'up the ladder'");
    // a priority balance (≥ 50,000 USD) runs at 60%: written warning on day 36
    const huge = ladderAccount({ invoices: [invoice('1', DUE, 6_000_000)] });
    expect(decide({ ...huge, history: history(huge) }, everyDay, at(huge, day(36))).level.id).toBe('written-warning');
  });

  it('uses exchange rates only when given, for mixed currencies', () => {
    const a = ladderAccount({
      invoices: [invoice('1', DUE, 600_000), invoice('2', DUE, 600_000, { currency: 'CHF' })],
    });
    const d1 = decide(a, everyDay, at(a, day(1)));
    expect(d1.pastDue.totals).toEqual({ USD: 600_000, CHF: 600_000 });
    expect(d1.pastDue.fastTrack).toBeNull();
    expect(d1.explanation).toContain('balance 6,000.00 CHF + 6,000.00 USD');
    const d2 = decide(a, everyDay, at(a, day(1)), { rates: { home: 'USD', rates: { CHF: '1.12' } } });
    expect(d2.pastDue.fastTrack).toBe('fast-track');
  });

  it('suggests a write-off, never an agency referral, under the threshold (the small-balance track)', () => {
    // An account that had gone up the full ladder before its balance fell under the threshold: the track
    // takes over (reminder 2 still owed, then the write-off suggestion), the letters' history is not its own.
    const a = ladderAccount({ invoices: [invoice('1', DUE, 5_000)] });
    const history = done(a, [['reminder-1', 1], ['reminder-2', 7], ['written-warning', 60], ['final-demand', 75]]);
    const d = decide({ ...a, history }, everyDay, at(a, day(86)));
    expect(d.actions.map((x) => x.kind)).toEqual(['writeOffSuggestion']);
    expect(d.level.id).toBe('write-off');
    expect(d.explanation).toContain('write-off');
    const big = ladderAccount({ invoices: [invoice('1', DUE, 50_000)] });
    expect(decide({ ...big, history }, everyDay, at(big, day(86))).actions.map((x) => x.kind)).toEqual(['agencyReferral']);
  });

  it('runs a 64 USD account through reminder emails, then the write-off suggestion: no letter, hold, call or agency', () => {
    const a = account({ invoices: [invoice('1', DUE, 6_400)] });
    const { steps } = simulate(a, everyDay, day(-6), 120);
    expect(levelsEntered(steps)).toEqual([
      [-3, 'courtesy'],
      [1, 'reminder-1'],
      [7, 'reminder-2'],
      [21, 'write-off'],
    ]);
    const kinds = steps.flatMap((s) => s.decision.actions.map((x) => x.kind));
    expect(kinds).toEqual(['email', 'email', 'email', 'writeOffSuggestion']);
    for (const s of steps) for (const x of s.decision.actions) if (x.kind === 'email' && x.levelId !== 'courtesy') expect(x.wording).toEqual({ agency: false, hold: 'none' });
    // on the default ladder with the weekend too, and whatever the day: never a letter, hold, call or referral
    const weekdays = simulate(a, defaultPolicy, day(-6), 200).steps.flatMap((s) => s.decision.actions.map((x) => x.kind));
    expect(new Set(weekdays)).toEqual(new Set(['email', 'writeOffSuggestion']));
    expect(weekdays.filter((k) => k === 'writeOffSuggestion')).toHaveLength(1);
  });

  it('keeps an account over the threshold on the full ladder, and a policy may name its small-balance levels', () => {
    const big = account({ invoices: [invoice('1', DUE, 64_000)] });
    expect(simulate(big, everyDay, day(-6), 100).steps.flatMap((s) => s.decision.actions.map((x) => x.kind))).toContain('letter');
    const withCall = () =>
      policyWith((p) => {
        p.smallBalance = { levels: ['reminder-1', 'reminder-2', 'collector-call'], writeOffAfterDays: 10 };
      });
    // collector-call also has a call task: a small-balance level may only send emails
    expect(withCall).toThrow(/smallBalance.levels\[2\] 'collector-call': a small-balance level may only send emails/);
    const courtesyOnly = policyWith((p) => {
      p.calendar.weekend = [];
      p.smallBalance = { levels: ['reminder-2'], writeOffAfterDays: 10 };
    });
    const small = account({ invoices: [invoice('1', DUE, 6_400)] });
    expect(levelsEntered(simulate(small, courtesyOnly, day(-6), 60).steps)).toEqual([
      [-3, 'courtesy'],
      [7, 'reminder-2'],
      [17, 'write-off'],
    ]);
  });

  it('needs a manager to approve a credit hold on a strategic account', () => {
    const history = (a: Account) => done(a, [['reminder-1', 1], ['collector-call', 30]]);
    const plain = ladderAccount();
    const strategic = ladderAccount({ tags: ['strategic'] });
    const hold = (a: Account) => decide({ ...a, history: history(a) }, everyDay, at(a, day(45))).actions.find((x) => x.kind === 'creditHold');
    expect(hold(plain)).toMatchObject({ mode: 'propose', approval: 'collector' });
    expect(hold(strategic)).toMatchObject({ mode: 'propose', approval: 'manager' });
  });

  describe('an account already on credit hold', () => {
    const since = (a: Account) => ({ since: at(a, day(46)) });

    it('tells the written warning the hold is in place, not that one may come', () => {
      const plain = ladderAccount();
      const history = done(plain, [['reminder-1', 1], ['collector-call', 30], ['up-the-ladder', 45]]);
      const letterOf = (a: Account) => decide(a, everyDay, at(a, day(60))).actions.find((x) => x.kind === 'letter');
      expect(letterOf({ ...plain, history, onHold: since(plain) })).toMatchObject({ wording: { agency: true, hold: 'on-hold' } });
      expect(letterOf({ ...plain, history })).toMatchObject({ wording: { agency: true, hold: 'possible' } });
      // a ladder without holds or a referral says neither
      const plainLadder = policyWith((p) => {
        p.calendar.weekend = [];
        p.levels = p.levels.filter((l) => l.id !== 'agency-referral').map((l) => ({ ...l, actions: l.actions.filter((x) => x.kind !== 'creditHold') }));
      });
      expect(decide({ ...plain, history }, plainLadder, at(plain, day(60))).actions.find((x) => x.kind === 'letter')).toMatchObject({ wording: { agency: false, hold: 'none' } });
    });

    it('gets no second hold, and the explanation says why', () => {
      const plain = ladderAccount();
      const history = done(plain, [['reminder-1', 1], ['collector-call', 30]]);
      const held = { ...plain, history, onHold: since(plain) };
      const d = decide(held, everyDay, at(held, day(45)));
      expect(d.actions.map((x) => x.kind)).toEqual(['email', 'task']);
      expect(d.explanation).toContain('already on credit hold since 18 Apr 2025: no second hold');
      expect(d.reasons.map((r) => r.code)).toContain('on-hold');
      // the same account off hold is proposed one
      expect(decide({ ...plain, history }, everyDay, at(plain, day(45))).actions.map((x) => x.kind)).toContain('creditHold');
      // a strategic account is neither proposed one nor sent to a manager
      const strategic = { ...held, tags: ['strategic'] };
      const s = decide(strategic, everyDay, at(strategic, day(45)));
      expect(s.actions.some((x) => x.kind === 'creditHold')).toBe(false);
      expect(s.reasons.map((r) => r.code)).not.toContain('strategic-approval');
    });

    it('cancels a pending hold proposal once the hold is placed', () => {
      const a = ladderAccount();
      const history = done(a, [['reminder-1', 1], ['collector-call', 30]]);
      const proposed = decide({ ...a, history }, everyDay, at(a, day(45))).actions.find((x) => x.kind === 'creditHold');
      if (!proposed) throw new Error('no hold proposed');
      const d = decide({ ...a, history, onHold: since(a) }, everyDay, at(a, day(45), 11 * 60));
      expect(keysToCancel(d, [proposed.key])).toEqual([proposed.key]);
    });

    it('treats the level’s hold as done: the ladder moves on (no level left half finished)', () => {
      const a = ladderAccount();
      // up the ladder went out without its hold (the account was put on hold by hand)
      const history = done(a, [['reminder-1', 1], ['collector-call', 30], ['up-the-ladder', 45]]).filter((h) => h.kind !== 'creditHold');
      const off = decide({ ...a, history }, everyDay, at(a, day(50)));
      expect(off.actions.map((x) => x.kind)).toEqual(['creditHold']); // off hold: the level is finished
      const on = decide({ ...a, history, onHold: since(a) }, everyDay, at(a, day(50)));
      expect(on.actions).toEqual([]);
      expect(on.reasons.map((r) => r.code)).not.toContain('partial-level');
      expect(on.nextEvaluationAt).toBe(at(a, day(60), 9 * 60));
    });

    it('walks the rest of the ladder on the same days as off hold, without a hold action', () => {
      const a = account({ invoices: [invoice('1', DUE, 100_000)] });
      const off = simulate(a, everyDay, day(-6), 100);
      const on = simulate(a, everyDay, day(-6), 100, { change: (acc, date) => (date >= day(46) ? { ...acc, onHold: since(acc) } : acc) });
      expect(levelsEntered(on.steps)).toEqual(levelsEntered(off.steps));
      const holds = (steps: typeof on.steps) => steps.flatMap((s) => s.decision.actions.filter((x) => x.kind === 'creditHold').map((x) => x.levelId));
      expect(holds(off.steps)).toEqual(['up-the-ladder', 'written-warning']);
      expect(holds(on.steps)).toEqual(['up-the-ladder']);
      const warning = on.steps[60 + 6]?.decision;
      expect(warning?.actions.map((x) => x.kind)).toEqual(['letter', 'task']);
      expect(warning?.explanation).toContain('already on credit hold since 18 Apr 2025');
    });
  });

  describe('contact ladder', () => {
    it('waits for a missing role (a find-contact task for the collector), then goes to the nearest higher role, said so', () => {
      const a = ladderAccount({ contacts: [contact('ctrl', ['controller']), contact('ap', ['ap'])] });
      const first = decide(a, everyDay, at(a, day(1)));
      expect(first.actions).toHaveLength(1);
      const task = first.actions[0];
      expect(task).toMatchObject({ kind: 'task', task: 'find-contact', assignee: 'collector', customerFacing: false, levelId: 'reminder-1', actionId: 'find-contact.billing', key: 'acc-1:reminder-1:find-contact.billing' });
      expect(task?.kind === 'task' && task.note).toBe("Find a billing contact for Acme Industrial: the 'reminder-1' email waits for one until 9 Mar 2025");
      expect(first.explanation).toContain("no reachable billing contact: the 'reminder-1' email waits for one until 9 Mar 2025");
      expect(first.nextEvaluationAt).not.toBeNull();
      // Replans during the wait: no email, and the task (done) is not asked for again.
      const history = first.actions.map((x) => historyEntryFor(x));
      for (const d of [2, 5]) {
        const x = decide({ ...a, history }, everyDay, at(a, day(d)));
        expect(x.actions).toEqual([]);
        expect(x.explanation).toContain('waits for one until 9 Mar 2025');
      }
      // After 5 business days (everyDay: every day is one): the nearest higher role, with the fallback stated.
      const after = decide({ ...a, history }, everyDay, at(a, day(6)));
      const email = after.actions[0];
      expect(email?.kind === 'email' && [email.to.contactId, email.to.role, email.to.fallbackFrom, email.to.fallbackNote]).toEqual(['ap', 'ap', 'billing', 'no billing contact after 5 business days: sent to the AP']);
      expect(after.explanation).toContain("the 'reminder-1' email: no billing contact after 5 business days: sent to the AP");
      expect(email && describeAction(email)).toBe("first reminder email goes to Contact ap (AP) [no billing contact after 5 business days: sent to the AP]");
    });
    it('counts the wait in business days from the day the level was reached', () => {
      const a = ladderAccount({ contacts: [contact('ap', ['ap'])] });
      const first = decide(a, defaultPolicy, at(a, day(1))); // Tue 4 Mar 2025
      expect(first.explanation).toContain('waits for one until 11 Mar 2025'); // 5 business days: Wed Thu Fri Mon Tue
      const history = first.actions.map((x) => historyEntryFor(x));
      expect(decide({ ...a, history }, defaultPolicy, at(a, day(7))).actions.filter((x) => x.kind === 'email')).toEqual([]);
      const sent = decide({ ...a, history }, defaultPolicy, at(a, day(8))).actions;
      expect(sent.map((x) => x.kind)).toEqual(['email']);
    });
    it('sends to the role when it appears during the wait', () => {
      const a = ladderAccount({ contacts: [contact('ap', ['ap'])] });
      const history = decide(a, everyDay, at(a, day(1))).actions.map((x) => historyEntryFor(x));
      const withBilling = { ...a, history, contacts: [...a.contacts, contact('bill', ['billing'])] };
      const x = decide(withBilling, everyDay, at(a, day(3))).actions;
      expect(x.map((y) => y.kind)).toEqual(['email']);
      expect(x[0]?.kind === 'email' && [x[0].to.contactId, x[0].to.fallbackFrom, x[0].to.fallbackNote]).toEqual(['bill', undefined, undefined]);
    });
    it('never addresses a bounced email', () => {
      const a = ladderAccount({ contacts: [contact('bill', ['billing'], { bounced: true }), contact('apm', ['ap_manager'])] });
      const history = decide(a, everyDay, at(a, day(1))).actions.map((x) => historyEntryFor(x));
      const x = decide({ ...a, history }, everyDay, at(a, day(6))).actions[0];
      expect(x?.kind === 'email' && x.to.contactId).toBe('apm');
      const b = ladderAccount({ contacts: [contact('bill', ['billing'], { bounced: true }), contact('ap', ['ap'], { bounced: true })] });
      const h2 = decide(b, everyDay, at(b, day(1))).actions.map((y) => historyEntryFor(y));
      const y = decide({ ...b, history: h2 }, everyDay, at(b, day(6))).actions[0];
      expect(y).toMatchObject({ kind: 'task', task: 'find-contact', customerFacing: false, actionId: 'email' });
    });
    it('goes down the ladder only after the wait, and says so', () => {
      const a = ladderAccount({ contacts: [contact('bill', ['billing']), contact('ctrl', ['controller'])] });
      const history = done(a, [['reminder-1', 1], ['written-warning', 60]]);
      const waiting = decide({ ...a, history }, everyDay, at(a, day(75)));
      expect(waiting.actions.filter((x) => x.kind === 'letter')).toEqual([]);
      expect(waiting.actions.filter((x) => x.kind === 'task' && x.task === 'find-contact').map((x) => x.key)).toEqual(['acc-1:final-demand:find-contact.cfo']);
      expect(waiting.explanation).toContain('no reachable CFO contact: the final demand waits for one until 22 May 2025');
      const h2 = [...history, ...waiting.actions.map((x) => historyEntryFor(x))];
      const x = decide({ ...a, history: h2 }, everyDay, at(a, day(80))).actions[0];
      expect(x?.kind === 'letter' && [x.to.contactId, x.to.fallbackFrom, x.to.fallbackNote]).toEqual(['ctrl', 'cfo', 'no CFO contact after 5 business days: sent to the controller']);
    });
    it('asks for a missing role once per level and role, however often it is planned', () => {
      const a = account({ invoices: [invoice('1', DUE, 100_000)], contacts: [contact('bill', ['billing'])] });
      const { steps } = simulate(a, everyDay, day(-6), 120);
      const finds = steps.flatMap((st) => st.decision.actions.filter((x) => x.kind === 'task' && x.task === 'find-contact').map((x) => x.key));
      expect(new Set(finds).size).toBe(finds.length);
      expect(finds).toContain('acc-1:final-demand:find-contact.cfo');
    });
    it('with missingRoleWaitDays 0 it does not wait, and still says so', () => {
      const noWait = policyWith((p) => {
        p.calendar.weekend = [];
        p.contacts = { missingRoleWaitDays: 0 };
      });
      const a = ladderAccount({ contacts: [contact('ap', ['ap'])] });
      const x = decide(a, noWait, at(a, day(1))).actions;
      expect(x.map((y) => y.kind)).toEqual(['task', 'email']);
      expect(x[1]?.kind === 'email' && x[1].to.fallbackNote).toBe('no billing contact: sent to the AP');
    });
    it('leaves bounced addresses out of cc', () => {
      const a = ladderAccount({ contacts: [contact('bill', ['billing']), contact('ap', ['ap'], { bounced: true })], history: [] });
      const history = done(a, [['reminder-1', 1]]);
      const x = decide({ ...a, history }, everyDay, at(a, day(7))).actions[0];
      expect(x?.kind === 'email' && x.cc).toEqual([]);
    });
  });

  describe('business calendar', () => {
    it('sends inside sending hours in the customer time zone', () => {
      const a = ladderAccount({ timeZone: 'Pacific/Auckland' });
      const early = decide(a, everyDay, at(a, day(1), 6 * 60));
      expect(early.actions).toHaveLength(1);
      expect(localDate(early.actions[0]?.at ?? 0, 'Pacific/Auckland')).toBe(day(1));
      expect(early.actions[0]?.at).toBe(at(a, day(1), 9 * 60));
      const late = decide(a, everyDay, at(a, day(1), 17 * 60 + 30));
      expect(late.actions).toEqual([]);
      expect(late.nextEvaluationAt).toBe(at(a, day(2), 9 * 60));
      expect(late.explanation).toContain('after sending hours');
    });
    it('does not act on a weekend and looks again on Monday morning', () => {
      const a = ladderAccount();
      const sat = '2025-03-08';
      const d = decide({ ...a, invoices: [invoice('1', '2025-03-07', 100_000)] }, defaultPolicy, at(a, sat));
      expect(d.actions).toEqual([]);
      expect(d.nextEvaluationAt).toBe(at(a, '2025-03-10', 9 * 60));
    });
    it('decides by the local date around midnight and DST', () => {
      // New York springs forward on 2025-03-09; due 2025-03-08, day 1 is the 9th (a Sunday)
      const a = ladderAccount({ invoices: [invoice('1', '2025-03-09', 100_000)] });
      const justBefore = decide(a, everyDay, Date.parse('2025-03-10T03:59:00Z')); // 23:59 EDT on the 9th
      expect(justBefore.today).toBe('2025-03-09');
      expect(justBefore.pastDue.invoiceIds).toEqual([]);
      const justAfter = decide(a, everyDay, Date.parse('2025-03-10T04:01:00Z')); // 00:01 EDT on the 10th
      expect(justAfter.today).toBe('2025-03-10');
      expect(justAfter.pastDue.oldest?.daysPastDue).toBe(1);
      expect(justAfter.actions[0]?.at).toBe(Date.parse('2025-03-10T13:00:00Z')); // 09:00 EDT
    });
    it('rotates the time of day of call tasks', () => {
      const a = ladderAccount();
      const { steps } = simulate(a, everyDay, day(0), 50, { minuteOfDay: 8 * 60 });
      const calls = steps.flatMap((s) => s.decision.actions).filter((x) => x.kind === 'task' && x.task === 'call');
      const times = calls.map((c) => new Date(c.at).toISOString().slice(11, 16));
      expect(times).toEqual(['13:30', '17:30', '20:00']); // 09:30, 13:30, 16:00 EDT
    });
  });

  describe('pauses', () => {
    const withHistory = (a: Account) => ({ ...a, history: done(a, [['reminder-1', 1], ['reminder-2', 7]]) });

    it('an open dispute on the account pauses everything and cancels pending actions', () => {
      const a = withHistory(ladderAccount({ disputes: [{ id: 'd', openedAt: at(account(), day(10)) }] }));
      const d = decide(a, everyDay, at(a, day(15)));
      expect(d.state).toBe('paused');
      expect(d.level.id).toBe('reminder-2');
      expect(d.actions).toEqual([]);
      expect(keysToCancel(d, ['acc-1:rep-call:nudge:1'])).toEqual(['acc-1:rep-call:nudge:1']);
      expect(d.explanation).toContain('dispute open since 13 Mar 2025');
    });

    it('a disputed invoice drops out of the reminders', () => {
      const a = ladderAccount({ invoices: [invoice('1', DUE, 100_000), invoice('2', DUE, 50_000, { disputed: true })] });
      const d = decide(a, everyDay, at(a, day(1)));
      expect(d.actions[0]?.invoiceIds).toEqual(['1']);
      expect(d.pastDue.totals).toEqual({ USD: 100_000 });
      expect(d.explanation).toContain('INV-2 disputed, left out');
      const scoped = ladderAccount({ invoices: [invoice('1', DUE, 100_000), invoice('2', DUE, 5)], disputes: [{ id: 'd', invoiceIds: ['2'], openedAt: 0 }] });
      expect(decide(scoped, everyDay, at(a, day(1))).actions[0]?.invoiceIds).toEqual(['1']);
    });

    it('a promise to pay pauses until its date plus grace, then resumes at once', () => {
      const a = withHistory(ladderAccount({ promises: [{ id: 'p', madeAt: at(account(), day(10)), promisedDate: day(20), status: 'open' }] }));
      const during = decide(a, everyDay, at(a, day(22)));
      expect(during.state).toBe('paused');
      expect(during.nextEvaluationAt).toBe(at(a, day(23), 9 * 60));
      const after = decide(a, everyDay, at(a, day(23)));
      expect(after.state).toBe('past-due');
      expect(after.explanation).toContain('not kept; ladder resumed');
      // 13 paused days (10..22) are not counted: ladder day 10 → still before the rep call
      expect(after.pastDue.pausedDays).toBe(13);
      expect(after.actions).toEqual([]);
      expect(decide(a, everyDay, at(a, day(28))).actions.map((x) => x.levelId)).toEqual(['rep-call', 'rep-call']);
    });

    it('a missed instalment resumes the ladder at the level it had', () => {
      const plan = {
        id: 'plan',
        createdAt: at(account(), day(8)),
        status: 'active' as const,
        instalments: [
          { dueDate: day(20), currency: 'USD', amountMinor: 50_000, paidMinor: 50_000 },
          { dueDate: day(50), currency: 'USD', amountMinor: 50_000, paidMinor: 0 },
        ],
      };
      const a = withHistory(ladderAccount({ paymentPlans: [plan] }));
      expect(decide(a, everyDay, at(a, day(40))).state).toBe('paused');
      expect(decide(a, everyDay, at(a, day(53))).state).toBe('paused'); // grace 3 days
      const resumed = decide(a, everyDay, at(a, day(54)));
      expect(resumed.state).toBe('past-due');
      expect(resumed.explanation).toContain('instalment due 22 Apr 2025 missed');
      expect(resumed.level.id).toBe('reminder-2'); // not up the ladder although 54 days old
      const { steps } = simulate(a, everyDay, day(54), 30);
      // paused from the plan's first day (8) to the day before the miss counted (54): ladder day 8 on day 54
      expect(resumed.pastDue.ladderDays).toBe(8);
      expect(levelsEntered(steps)[0]).toEqual([61, 'rep-call']);
    });

    it('a snooze and a recent reply pause, and end by themselves', () => {
      const snoozed = withHistory(ladderAccount({ snoozes: [{ id: 's', by: 'Cole', createdAt: at(account(), day(14)), until: day(16) }] }));
      expect(decide(snoozed, everyDay, at(snoozed, day(15))).explanation).toContain('snoozed by Cole');
      expect(decide(snoozed, everyDay, at(snoozed, day(15))).nextEvaluationAt).toBe(at(snoozed, day(17), 9 * 60));
      const replied = withHistory(ladderAccount({ lastCustomerReplyAt: at(account(), day(14)) }));
      expect(decide(replied, everyDay, at(replied, day(16))).state).toBe('paused');
      expect(decide(replied, everyDay, at(replied, day(17))).state).toBe('past-due');
    });
  });

  describe('catch-up', () => {
    it('goes straight to the level the age calls for, but never skips the letters before an agency referral', () => {
      const a = ladderAccount({ invoices: [invoice('1', DUE, 100_000)] });
      const first = decide(a, everyDay, at(a, day(120)));
      expect(first.level.id).toBe('written-warning');
      expect(first.explanation).toContain("catch-up: skipped 'reminder 1', 'reminder 2', 'rep call', 'collector call', 'up the ladder'");
      const { steps } = simulate(a, everyDay, day(120), 30);
      expect(levelsEntered(steps)).toEqual([[120, 'written-warning'], [128, 'final-demand'], [139, 'agency-referral']]);
    });

    it('enters at most one level and sends at most one customer email per day', () => {
      const a = ladderAccount({ invoices: [invoice('1', DUE, 100_000)] });
      const h = done(a, [['reminder-1', 1]]);
      // the reminder went out this morning; on the same day the account is 40 days past due
      const sameDay = h.map((e) => ({ ...e, at: at(a, day(40), 9 * 60) }));
      const d = decide({ ...a, history: sameDay }, everyDay, at(a, day(40), 11 * 60));
      expect(d.actions).toEqual([]);
      expect(d.explanation).toContain('one level per day');
      expect(d.nextEvaluationAt).toBe(at(a, day(41), 9 * 60));
    });
  });

  describe('leaving the ladder', () => {
    const deep = (): Account => {
      const a = ladderAccount({ invoices: [invoice('1', DUE, 100_000), invoice('2', day(10), 20_000)] });
      return { ...a, history: done(a, [['reminder-1', 1], ['reminder-2', 7], ['rep-call', 15]], ['1', '2']) };
    };

    it.each(['paid', 'voided', 'deleted'] as const)('a %s invoice leaves at once', (status) => {
      const a = deep();
      const d = decide({ ...a, invoices: a.invoices.map((i) => (i.id === '1' ? { ...i, status } : i)) }, everyDay, at(a, day(30)));
      expect(d.pastDue.invoiceIds).toEqual(['2']);
      expect(d.level.id).toBe('rep-call'); // the account stays where it was for the rest
    });

    it('an invoice credited to zero leaves at once', () => {
      const a = deep();
      const d = decide({ ...a, invoices: a.invoices.map((i) => ({ ...i, balanceMinor: i.id === '2' ? 0 : i.balanceMinor })) }, everyDay, at(a, day(30)));
      expect(d.pastDue.invoiceIds).toEqual(['1']);
      expect(d.actions[0]?.key).toBe('acc-1:collector-call:email:1');
    });

    it('nothing past due returns to current and cancels every pending action', () => {
      const a = deep();
      const d = decide({ ...a, invoices: a.invoices.map((i) => ({ ...i, status: 'paid' as const, balanceMinor: 0 })) }, everyDay, at(a, day(30)));
      expect(d.state).toBe('current');
      expect(d.level.id).toBe('current');
      expect(d.actions).toEqual([]);
      expect(d.pendingToKeep).toEqual([]);
      expect(keysToCancel(d, ['acc-1:collector-call:email:1,2'])).toEqual(['acc-1:collector-call:email:1,2']);
      expect(d.explanation).toBe('no invoice past due');
      expect(d.nextEvaluationAt).toBeNull();
    });

    it('unapplied credits covering the past-due balance count as paid', () => {
      const a = deep();
      const credits = [{ id: 'cn', issuedAt: 0, currency: 'USD', amountMinor: 120_000, remainingMinor: 120_000 }];
      const d = decide({ ...a, credits }, everyDay, at(a, day(30)));
      expect(d.state).toBe('current');
      expect(d.explanation).toContain('covered by unapplied payments and credits');
      const partial = decide({ ...a, credits: [{ id: 'cn', issuedAt: 0, currency: 'USD', amountMinor: 120_000, remainingMinor: 20_000 }] }, everyDay, at(a, day(30)));
      expect(partial.pastDue.netTotals).toEqual({ USD: 100_000 });
    });

    it('no courtesy email and no pause for invoices coming due that credits already cover', () => {
      // Found by the 'paying everything' property: a covered pre-due invoice plus a recent reply read as 'paused'.
      const a = account({ invoices: [invoice('1', DUE, 50_000)], credits: [{ id: 'cn', issuedAt: 0, currency: 'USD', amountMinor: 50_000, remainingMinor: 50_000 }] });
      for (const replied of [undefined, at(a, day(-4))]) {
        const d = decide({ ...a, ...(replied === undefined ? {} : { lastCustomerReplyAt: replied }) }, everyDay, at(a, day(-3)));
        expect(d.state).toBe('current');
        expect(d.actions).toEqual([]);
        expect(d.explanation).toContain('coming due is covered by unapplied payments and credits');
      }
      const uncovered = decide(account({ invoices: [invoice('1', DUE, 50_000)] }), everyDay, at(a, day(-3)));
      expect(uncovered.actions.map((x) => x.kind)).toEqual(['email']);
    });

    it('a new invoice after everything was paid starts a fresh ladder', () => {
      const a = deep();
      const later = invoice('3', day(60), 30_000);
      const paid = a.invoices.map((i) => ({ ...i, status: 'paid' as const }));
      const d = decide({ ...a, invoices: [...paid, later] }, everyDay, at(a, day(61)));
      expect(d.actions.map((x) => x.key)).toEqual(['acc-1:reminder-1:email:3']);
    });
  });

  it('builds stable keys from the sorted invoice set and escapes separators', () => {
    const a = ladderAccount({ invoices: [invoice('b', DUE, 100), invoice('a', DUE, 100), invoice('c:1', DUE, 100)] });
    const d1 = decide(a, everyDay, at(a, day(1)));
    const d2 = decide({ ...a, invoices: [...a.invoices].reverse() }, everyDay, at(a, day(1), 11 * 60));
    expect(d1.actions[0]?.key).toBe('acc-1:reminder-1:email:a,b,c%3A1');
    expect(d2.actions[0]?.key).toBe(d1.actions[0]?.key);
    expect(d1.actions[0]?.invoiceIds).toEqual(['a', 'b', 'c:1']);
  });

  it('is pure: same input, same output, input untouched', () => {
    const a = ladderAccount();
    const frozen = structuredClone(a);
    const d1 = decide(a, defaultPolicy, at(a, day(7)));
    const d2 = decide(a, defaultPolicy, new Date(at(a, day(7))));
    expect(d2).toEqual(d1);
    expect(a).toEqual(frozen);
  });

  it('sets the next evaluation to the next trigger day at the start of sending hours', () => {
    const a = ladderAccount();
    const h = done(a, [['reminder-1', 1]]);
    const d = decide({ ...a, history: h }, everyDay, at(a, day(3)));
    expect(d.nextEvaluationAt).toBe(at(a, day(7), 9 * 60));
    const current = ladderAccount({ invoices: [invoice('1', day(30), 100)] });
    expect(decide(current, everyDay, at(a, day(0))).nextEvaluationAt).toBe(at(a, day(27), 9 * 60)); // courtesy window
  });

  it('records letters so the response deadline gates the next level', () => {
    const a = ladderAccount();
    const { steps } = simulate(a, everyDay, day(59), 3);
    const letter = steps[1]?.decision.actions.find((x) => x.kind === 'letter');
    expect(letter && historyEntryFor(letter).responseBy).toBe(day(67));
  });
});

describe('decide: per-customer overrides', () => {
  const a = account({ invoices: [invoice('1', DUE, 100_000)] });
  const since = at(a, day(5));
  it('does not chase an excluded account until the end date (inclusive), and says why', () => {
    const excluded = { ...a, exclusion: { reason: 'in talks with their lawyer', since, until: day(20) } };
    const d = decide(excluded, defaultPolicy, at(a, day(20)));
    expect(d.state).toBe('paused');
    expect(d.actions).toEqual([]);
    expect(d.pendingToKeep).toEqual([]);
    expect(d.explanation).toContain('not chased: in talks with their lawyer (until 23 Mar 2025)');
    expect(d.nextEvaluationAt).toBe(at(a, day(21), 9 * 60)); // the day after the end date, at the start of sending hours
    // The day after: the ladder resumes, the excluded days not counted by its clock.
    const after = decide(excluded, defaultPolicy, at(a, day(21)));
    expect(after.state).toBe('past-due');
    expect(after.pastDue.pausedDays).toBe(16);
    expect(after.actions.map((x) => x.levelId)).toEqual(['reminder-1']);
  });
  it('without an end date it stays excluded until lifted', () => {
    const d = decide({ ...a, exclusion: { reason: 'strategic partner', since } }, defaultPolicy, at(a, day(200)));
    expect(d.state).toBe('paused');
    expect(d.explanation).toContain('not chased: strategic partner');
    expect(d.explanation).not.toContain('until');
  });
  it('carries the guarantee on file to emails and letters', () => {
    const g = { ...a, personalGuarantee: true, guarantee: { contactId: 'g1', name: 'Gus Guarantor', documentRef: 'PG-2024-17' } };
    const x = decide(g, defaultPolicy, at(a, day(1))).actions[0];
    expect(x?.kind === 'email' && [x.personalGuarantee, x.guarantee]).toEqual([true, { contactId: 'g1', name: 'Gus Guarantor', documentRef: 'PG-2024-17' }]);
  });
});

// One deadline rule (src/domain/deadline.ts): business or calendar days, a policy
// setting (letters.deadlineDays), one function. The engine plans letters and waits
// for their deadlines by it; the documents count by it; a sent letter's stated
// deadline is what the ladder then waits for.
import { addDays, compileCalendar, toDayNumber } from '../src/domain/calendar.js';
import { DEFAULT_DEADLINE_DAYS, daysAfterDeadline, responseDeadline } from '../src/domain/deadline.js';
import { responseDeadline as documentsDeadline } from '../src/documents/format.js';
import { finalDemandLine } from '../src/documents/packet.js';
import { DEFAULT_POLICY_INPUT, decide, parsePolicy, preview, validatePolicy, type Policy, type PolicyInput } from '../src/engine/index.js';
import { account, at, contact, invoice } from '../src/engine/testkit.js';
import { referralWaitsUntil, statedDeadline } from '../src/outbox/demand.js';
import { withStatedDeadline } from '../src/planning/plan.js';

const weekdays = compileCalendar({ weekend: [0, 6], holidays: ['2025-12-25', '2025-12-26'] });

const policyWith = (change: (p: PolicyInput) => void): Policy => {
  const p: PolicyInput = structuredClone(DEFAULT_POLICY_INPUT);
  change(p);
  return parsePolicy(p);
};

describe('the deadline rule', () => {
  it('counts business days (the sending day not counted) or calendar days moved off a closed day', () => {
    // Wed 12 March 2025 + 10
    expect(responseDeadline('2025-03-12', 10, 'business', weekdays)).toBe('2025-03-26');
    expect(responseDeadline('2025-03-12', 10, 'calendar', weekdays)).toBe('2025-03-24'); // Sat 22 → Mon 24
    expect(responseDeadline('2025-03-12', 7, 'calendar', weekdays)).toBe('2025-03-19'); // a Wednesday: unchanged
    // Over Christmas: business days skip the holidays; a calendar deadline landing on one moves past it.
    expect(responseDeadline('2025-12-19', 5, 'business', weekdays)).toBe('2025-12-30');
    expect(responseDeadline('2025-12-19', 7, 'calendar', weekdays)).toBe('2025-12-29'); // Fri 26 (holiday) → Mon 29
    expect(() => responseDeadline('2025-03-12', -1, 'business', weekdays)).toThrow(RangeError);
    expect(daysAfterDeadline('2025-03-21', '2025-03-22')).toBe(1);
    expect(daysAfterDeadline('2025-03-21', '2025-03-21')).toBe(0);
  });

  it('is the documents’ business-day count too (one function)', () => {
    for (const sent of ['2025-03-12', '2025-03-14', '2025-03-15', '2025-12-19']) {
      expect(documentsDeadline(sent, 10, ['2025-12-25', '2025-12-26'])).toBe(responseDeadline(sent, 10, 'business', weekdays));
    }
  });

  it('is a validated policy setting, business by default', () => {
    expect(DEFAULT_DEADLINE_DAYS).toBe('business');
    expect(parsePolicy(DEFAULT_POLICY_INPUT).letters.deadlineDays).toBe('business');
    expect(policyWith((p) => (p.letters = { deadlineDays: 'calendar' })).letters.deadlineDays).toBe('calendar');
    const bad = validatePolicy({ ...DEFAULT_POLICY_INPUT, letters: { deadlineDays: 'weeks' } });
    expect(bad).toEqual({ ok: false, problems: ["letters.deadlineDays: letters.deadlineDays must be 'business' or 'calendar'"] });
  });

  it('the engine dates each letter it plans by the policy setting, and waits for that date', () => {
    const a = account({ invoices: [invoice('1', '2025-03-03', 400_000)], contacts: [contact('cfo', ['cfo'], { name: 'Ann Lee' }), contact('ctl', ['controller'], { name: 'Cora Control' })] });
    const cal = compileCalendar({ weekend: [0, 6], holidays: [] });
    for (const kind of ['business', 'calendar'] as const) {
      const policy = policyWith((p) => (p.letters = { deadlineDays: kind }));
      const p = preview(a, policy, at(a, '2025-03-04'), 150);
      const letters = p.entries.filter((e) => e.action.kind === 'letter');
      expect(letters.map((e) => e.levelId)).toEqual(['written-warning', 'final-demand']);
      for (const e of letters) {
        if (e.action.kind !== 'letter') continue;
        const days = e.levelId === 'written-warning' ? 7 : 10;
        expect({ kind, level: e.levelId, responseBy: e.action.responseBy, days: e.action.responseDays, counted: e.action.deadlineDays }).toEqual({
          kind, level: e.levelId, responseBy: responseDeadline(e.date, days, kind, cal), days, counted: kind,
        });
      }
      // The final demand comes the day after the written warning's deadline, never before it.
      const [ww, fd] = letters;
      if (ww?.action.kind !== 'letter' || !fd) throw new Error('no letters');
      expect(toDayNumber(fd.date)).toBeGreaterThan(toDayNumber(ww.action.responseBy));
      // The referral (approval asked) comes after the final demand's deadline.
      const referral = p.entries.find((e) => e.levelId === 'agency-referral');
      if (fd.action.kind !== 'letter' || !referral) throw new Error('no referral');
      expect(referral.date > fd.action.responseBy).toBe(true);
    }
  });

  it('the ladder waits for the deadline the letter stated (stored at sending), not one computed again', () => {
    const sent = { action: { kind: 'letter', responseBy: '2025-03-19', levelId: 'final-demand' }, accountName: 'A' };
    expect(withStatedDeadline(sent, { responseBy: '2025-03-20' })).toEqual({ ...sent, action: { ...sent.action, responseBy: '2025-03-20' } });
    expect(withStatedDeadline(sent, {})).toBe(sent);
    expect(withStatedDeadline({ action: { kind: 'email' } }, { responseBy: '2025-03-20' })).toEqual({ action: { kind: 'email' } });

    // Written warning and final demand done; the final demand stated `stated`: the referral level comes the day after it.
    const a = account({ invoices: [invoice('1', '2025-01-01', 400_000)] });
    const policy = parsePolicy(DEFAULT_POLICY_INPUT);
    const historyStating = (stated: string) =>
      policy.levels.flatMap((l) => {
        if (l.id === 'courtesy' || l.id === 'agency-referral') return [];
        const d = l.id === 'written-warning' ? '2025-03-03' : l.id === 'final-demand' ? '2025-03-10' : '2025-02-15';
        return l.actions.map((act) => ({ key: `${l.id}:${act.id}`, levelId: l.id, actionId: act.id, kind: act.kind, invoiceIds: ['1'], at: at(a, d), responseBy: act.kind === 'letter' ? (l.id === 'final-demand' ? stated : addDays(d, 9)) : undefined, task: act.kind === 'task' ? act.task : undefined }));
      });
    const on24 = (stated: string) => decide({ ...a, history: historyStating(stated) }, policy, at(a, '2025-03-24'));
    expect(on24('2025-03-24')).toMatchObject({ level: { id: 'final-demand' }, actions: [] }); // its deadline is today: wait
    expect(on24('2025-03-21').level.id).toBe('agency-referral'); // stated 21 March: passed
    expect(decide({ ...a, history: historyStating('2025-03-24') }, policy, at(a, '2025-03-25')).level.id).toBe('agency-referral');
  });

  it('the dispatcher dates a letter from the day it is sent; the referral waits for the day after the stated deadline', () => {
    const planned = { responseBy: '2025-03-19', responseDays: 10, deadlineDays: 'business' as const };
    expect(statedDeadline(planned, '2025-03-06', weekdays)).toBe('2025-03-20');
    expect(statedDeadline({ ...planned, deadlineDays: 'calendar' }, '2025-03-06', weekdays)).toBe('2025-03-17'); // Sun 16 → Mon 17
    expect(statedDeadline({ responseBy: '2025-03-19' }, '2025-03-06', weekdays)).toBe('2025-03-19'); // an older payload: as planned
    const sent = [{ kind: 'letter', letter: 'written-warning', deadline: '2025-03-01' }, { kind: 'letter', letter: 'final-demand', deadline: '2025-03-21' }];
    expect(referralWaitsUntil(sent, '2025-03-21')).toBe('2025-03-22');
    expect(referralWaitsUntil(sent, '2025-03-22')).toBeNull();
    expect(referralWaitsUntil([], '2025-03-01')).toBeNull();
  });

  it('the cover sheet states the deadline as stated and the days after it; never "not yet passed"', () => {
    const demand = { sentDate: '2025-03-07', deadline: '2025-03-21' };
    expect(finalDemandLine(demand, '2025-03-22', 'en-US')).toBe('sent March 7, 2025; response deadline March 21, 2025 (as stated in the letter), passed without payment; referred 1 day after the response deadline');
    expect(finalDemandLine(demand, '2025-04-01', 'en-US')).toMatch(/referred 11 days after the response deadline$/);
    expect(finalDemandLine(demand, '2025-03-21', 'en-US')).toBe('sent March 7, 2025; response deadline March 21, 2025 (as stated in the letter); the account cannot be referred before March 22, 2025');
    expect(finalDemandLine(undefined, '2025-03-21', 'en-US')).toBe('no final demand on record');
  });
});

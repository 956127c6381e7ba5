import { DEFAULT_POLICY_INPUT, defaultPolicy } from './default-policy.js';
import { changeLine, diffPolicies, valueText } from './policy-diff.js';
import { parsePolicy } from './policy.js';

const edit = (f: (p: typeof DEFAULT_POLICY_INPUT) => unknown) => parsePolicy(f(structuredClone(DEFAULT_POLICY_INPUT)));

describe('diffPolicies', () => {
  it('finds nothing between a policy and itself, defaults applied (a field left out equals its default)', () => {
    expect(diffPolicies(defaultPolicy, parsePolicy(DEFAULT_POLICY_INPUT))).toEqual([]);
  });

  it('names each changed path from → to, in the order of the policy', () => {
    const next = edit((p) => ({
      ...p,
      name: 'Patient',
      calendar: { ...p.calendar, sendingHours: { start: '08:00', end: '18:00' }, holidays: ['2025-12-25'] },
      levels: p.levels.map((l) => (l.id === 'reminder-2' ? { ...l, trigger: { kind: 'daysPastDue', days: 10 } } : l)),
    }));
    expect(diffPolicies(defaultPolicy, next).map(changeLine)).toEqual([
      'name: Overdue default ladder → Patient',
      'calendar.holidays: [] → ["2025-12-25"]',
      `calendar.sendingHours.start: ${defaultPolicy.calendar.sendingHours.start} → 08:00`,
      `calendar.sendingHours.end: ${defaultPolicy.calendar.sendingHours.end} → 18:00`,
      'levels[2].trigger.days: 7 → 10',
    ]);
  });

  it('reports an added or removed level as one change, summarised by its id', () => {
    const fewer = edit((p) => ({ ...p, levels: p.levels.slice(0, -1) }));
    const changes = diffPolicies(defaultPolicy, fewer);
    expect(changes).toEqual([{ path: `levels[${defaultPolicy.levels.length - 1}]`, from: expect.stringMatching(/agency-referral/), to: '(none)' }]);
    expect(diffPolicies(fewer, defaultPolicy)[0]).toMatchObject({ from: '(none)' });
  });

  it('cuts long values', () => {
    expect(valueText('x'.repeat(500)).length).toBe(120);
    expect(valueText({ id: 'big', text: 'y'.repeat(500) })).toBe('{id: big, …}');
  });
});

// Calls rotate through the policy's time slots, in the contact's own zone, and climb the contact ladder as
// the levels do (issue #17: the same contact at the same 09:00 for months).
import { localMinuteOfDay, zonedInstant } from '../domain/calendar.js';
import { callInstant, callSlotFor } from './call-slots.js';
import type { DueAction } from './decide.js';
import { defaultPolicy } from './default-policy.js';
import { account, contact, FULL_CONTACTS, invoice, simulate } from './testkit.js';

const hhmm = (m: number): string => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

describe('call slots', () => {
  it('the Nth attempt takes the Nth slot, round and round', () => {
    const slots = [570, 810, 960, 660];
    expect([0, 1, 2, 3, 4, 5].map((n) => callSlotFor(slots, n, 540))).toEqual([570, 810, 960, 660, 570, 810]);
    expect(callSlotFor([], 3, 540)).toBe(540);
  });

  it("a slot is a local time of the contact's zone, on the contact's own date", () => {
    const now = zonedInstant('2025-05-12', '10:00', 'America/Chicago'); // already Tuesday 13 May in Auckland
    const at = callInstant([570, 810], 1, now, 'Pacific/Auckland', 540);
    expect(at).toBe(zonedInstant('2025-05-13', '13:30', 'Pacific/Auckland'));
    expect(callInstant([570, 810], 0, now, 'America/Chicago', 540)).toBe(zonedInstant('2025-05-12', '09:30', 'America/Chicago'));
  });

  it('the default ladder: each call a new slot, in the contact’s zone, and a more senior contact at each level', () => {
    const contacts = FULL_CONTACTS.map((c) => (c.roles.includes('ap_manager') ? contact('apm', ['ap_manager'], { timeZone: 'Pacific/Auckland' }) : c));
    const a = account({ invoices: [invoice('1', '2025-03-03', 500_000)], contacts });
    const { steps } = simulate(a, defaultPolicy, '2025-03-01', 60);
    const calls = steps.flatMap((s) => s.decision.actions).filter((x): x is Extract<DueAction, { kind: 'task' }> => x.kind === 'task' && x.task === 'call');
    expect(calls.map((c) => c.target?.role)).toEqual(['ap', 'ap_manager', 'controller']);
    const local = calls.map((c) => hhmm(localMinuteOfDay(c.at, c.target?.timeZone ?? a.timeZone)));
    expect(local).toEqual(['09:30', '13:30', '16:00']);
    expect(calls[1]?.target?.timeZone).toBe('Pacific/Auckland');
  });
});

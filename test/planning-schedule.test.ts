import { isDailyPlanningHour } from '../src/planning/schedule.js';

describe('isDailyPlanningHour', () => {
  it('is the organisation-local hour, across zones and daylight saving', () => {
    // 13:30 UTC on 4 March 2025 (CST, UTC-6) is 07:30 in Chicago, 13:30 in London, 02:30 next day in Auckland.
    const t = new Date('2025-03-04T13:30:00Z');
    expect(isDailyPlanningHour(t, 'America/Chicago')).toBe(true);
    expect(isDailyPlanningHour(t, 'Europe/London')).toBe(false);
    expect(isDailyPlanningHour(t, 'Pacific/Auckland')).toBe(false);
    // After the switch to CDT (UTC-5) the same local hour starts an hour earlier in UTC.
    expect(isDailyPlanningHour(new Date('2025-03-10T12:00:00Z'), 'America/Chicago')).toBe(true);
    expect(isDailyPlanningHour(new Date('2025-03-10T13:00:00Z'), 'America/Chicago')).toBe(false);
    expect(isDailyPlanningHour(new Date('2025-03-04T07:00:00Z'), 'UTC')).toBe(true);
    expect(isDailyPlanningHour(new Date('2025-03-04T07:59:59Z'), 'UTC')).toBe(true);
    expect(isDailyPlanningHour(new Date('2025-03-04T08:00:00Z'), 'UTC')).toBe(false);
    expect(isDailyPlanningHour(new Date('2025-03-04T18:00:00Z'), 'Pacific/Auckland', 7)).toBe(true); // 07:00 NZDT on the 5th
  });
});

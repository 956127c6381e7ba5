import fc from 'fast-check';
import {
  addDays,
  compileCalendar,
  daysBetween,
  formatZoned,
  fromDayNumber,
  isBusinessDay,
  isValidTimeZone,
  localDate,
  localMinuteOfDay,
  nextBusinessDay,
  offsetMinutes,
  onOrAfterBusinessDay,
  toDayNumber,
  weekday,
  zonedInstant,
} from './calendar.js';

const iso = (s: string): number => Date.parse(s);

describe('calendar days', () => {
  it('converts dates to day numbers and back', () => {
    expect(toDayNumber('1970-01-01')).toBe(0);
    expect(toDayNumber('2000-03-01')).toBe(11017);
    expect(fromDayNumber(-1)).toBe('1969-12-31');
    expect(() => toDayNumber('2025-02-29')).toThrow();
    expect(() => toDayNumber('2025-2-3')).toThrow();
    fc.assert(
      fc.property(fc.integer({ min: -200_000, max: 200_000 }), (n) => {
        expect(toDayNumber(fromDayNumber(n))).toBe(n);
        expect(fromDayNumber(n)).toBe(new Date(n * 86_400_000).toISOString().slice(0, 10));
      }),
    );
  });

  it('adds days and counts days between, across month, year and leap day', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2024-02-28', 2)).toBe('2024-03-01');
    expect(addDays('2024-12-31', 1)).toBe('2025-01-01');
    expect(addDays('2025-03-01', -1)).toBe('2025-02-28');
    expect(daysBetween('2025-01-01', '2025-03-01')).toBe(59);
    expect(daysBetween('2025-03-09', '2025-03-10')).toBe(1); // a US DST day is still one day
    expect(daysBetween('2025-03-10', '2025-03-09')).toBe(-1);
  });

  it('knows weekdays, business days and holidays', () => {
    expect(weekday('2025-03-10')).toBe(1); // Monday
    expect(isBusinessDay('2025-03-08')).toBe(false); // Saturday
    expect(isBusinessDay('2025-12-25', ['2025-12-25'])).toBe(false);
    expect(nextBusinessDay('2025-03-07')).toBe('2025-03-10'); // Friday → Monday
    expect(nextBusinessDay('2025-12-24', ['2025-12-25', '2025-12-26'])).toBe('2025-12-29');
    expect(onOrAfterBusinessDay('2025-03-10')).toBe('2025-03-10');
    expect(onOrAfterBusinessDay('2025-03-08')).toBe('2025-03-10');
    // a Friday/Saturday weekend
    expect(isBusinessDay('2025-03-09', { weekend: [5, 6], holidays: [] })).toBe(true);
    expect(compileCalendar({ weekend: [5, 6], holidays: ['2025-01-01'] }).holidays.has(toDayNumber('2025-01-01'))).toBe(true);
  });
});

describe('time zones', () => {
  it('validates zone names', () => {
    expect(isValidTimeZone('Pacific/Auckland')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
  });

  it('gives the local date around midnight without off-by-one', () => {
    // 2025-03-10T04:30Z is 00:30 EDT on the 10th; 03:59Z is 23:59 EDT on the 9th
    expect(localDate(iso('2025-03-10T04:30:00Z'), 'America/New_York')).toBe('2025-03-10');
    expect(localDate(iso('2025-03-10T03:59:00Z'), 'America/New_York')).toBe('2025-03-09');
    // Auckland is ahead: 11:30Z on the 5th is already the 6th there (NZDT +13)
    expect(localDate(iso('2025-01-05T11:30:00Z'), 'Pacific/Auckland')).toBe('2025-01-06');
    expect(localDate(iso('2025-01-05T10:59:00Z'), 'Pacific/Auckland')).toBe('2025-01-05');
    expect(localDate(new Date('2025-06-30T23:30:00Z'), 'Europe/London')).toBe('2025-07-01'); // BST
    expect(localDate(iso('2025-12-31T23:30:00Z'), 'Europe/London')).toBe('2025-12-31'); // GMT
    expect(localDate(iso('2025-12-31T23:30:00Z'), 'UTC')).toBe('2025-12-31');
  });

  it('computes offsets on both sides of DST switches', () => {
    expect(offsetMinutes('America/New_York', iso('2025-03-09T06:59:00Z'))).toBe(-300);
    expect(offsetMinutes('America/New_York', iso('2025-03-09T07:00:00Z'))).toBe(-240);
    expect(offsetMinutes('Europe/London', iso('2025-03-30T00:59:00Z'))).toBe(0);
    expect(offsetMinutes('Europe/London', iso('2025-03-30T01:00:00Z'))).toBe(60);
    // Auckland leaves daylight time on 6 Apr 2025 at 03:00 NZDT (= 5 Apr 14:00Z)
    expect(offsetMinutes('Pacific/Auckland', iso('2025-04-05T13:59:00Z'))).toBe(780);
    expect(offsetMinutes('Pacific/Auckland', iso('2025-04-05T14:00:00Z'))).toBe(720);
    expect(offsetMinutes('Asia/Kolkata', iso('2025-04-05T14:00:00Z'))).toBe(330);
  });

  it('places local times correctly on DST switch days', () => {
    // New York spring forward 2025-03-09: 09:00 is EDT
    expect(new Date(zonedInstant('2025-03-09', '09:00', 'America/New_York')).toISOString()).toBe('2025-03-09T13:00:00.000Z');
    expect(new Date(zonedInstant('2025-03-08', '09:00', 'America/New_York')).toISOString()).toBe('2025-03-08T14:00:00.000Z');
    // 02:30 does not exist that day: moved forward by the gap to 03:30 EDT
    expect(new Date(zonedInstant('2025-03-09', '02:30', 'America/New_York')).toISOString()).toBe('2025-03-09T07:30:00.000Z');
    // fall back 2025-11-02: 01:30 happens twice, the earlier (EDT) is taken
    expect(new Date(zonedInstant('2025-11-02', '01:30', 'America/New_York')).toISOString()).toBe('2025-11-02T05:30:00.000Z');
    expect(new Date(zonedInstant('2025-11-02', '09:00', 'America/New_York')).toISOString()).toBe('2025-11-02T14:00:00.000Z');
    // London
    expect(new Date(zonedInstant('2025-03-30', '09:00', 'Europe/London')).toISOString()).toBe('2025-03-30T08:00:00.000Z');
    expect(new Date(zonedInstant('2025-10-26', '09:00', 'Europe/London')).toISOString()).toBe('2025-10-26T09:00:00.000Z');
    // Auckland: autumn switch 6 Apr 2025 and spring switch 28 Sep 2025
    expect(new Date(zonedInstant('2025-04-06', '09:00', 'Pacific/Auckland')).toISOString()).toBe('2025-04-05T21:00:00.000Z');
    expect(new Date(zonedInstant('2025-04-05', '09:00', 'Pacific/Auckland')).toISOString()).toBe('2025-04-04T20:00:00.000Z');
    expect(new Date(zonedInstant('2025-09-28', '02:30', 'Pacific/Auckland')).toISOString()).toBe('2025-09-27T14:30:00.000Z');
    // midnight itself
    expect(new Date(zonedInstant('2025-01-06', '00:00', 'Pacific/Auckland')).toISOString()).toBe('2025-01-05T11:00:00.000Z');
  });

  it('zonedInstant and localDate agree for every zone and day (property)', () => {
    const zones = ['America/New_York', 'Europe/London', 'Pacific/Auckland', 'Australia/Lord_Howe', 'Asia/Tokyo', 'America/Sao_Paulo'];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: toDayNumber('2020-01-01'), max: toDayNumber('2030-12-31') }),
        fc.integer({ min: 0, max: 23 * 60 + 59 }),
        (tz, day, minute) => {
          const hhmm = `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
          const t = zonedInstant(fromDayNumber(day), hhmm, tz);
          expect(localDate(t, tz)).toBe(fromDayNumber(day));
          const shown = localMinuteOfDay(t, tz);
          // equal unless the wall time fell into a DST gap (then moved forward by the gap)
          expect(shown === minute || (shown > minute && shown - minute <= 60)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('formats an instant with its local offset', () => {
    expect(formatZoned(iso('2025-03-09T13:00:00Z'), 'America/New_York')).toBe('2025-03-09T09:00:00-04:00');
    expect(formatZoned(iso('2025-01-05T11:00:00Z'), 'Pacific/Auckland')).toBe('2025-01-06T00:00:00+13:00');
  });
});

// Due dates from payment terms, per term type, as QuickBooks and Xero define them.
import { dayOfMonth, endOfMonth, qboDueDate, xeroDueDate } from '../../connectors/terms.js';

describe('calendar helpers', () => {
  it('clamps a day of month to the month, across years', () => {
    expect(dayOfMonth('2026-02-10', 31)).toBe('2026-02-28');
    expect(dayOfMonth('2028-02-10', 30)).toBe('2028-02-29');
    expect(dayOfMonth('2026-12-20', 15, 1)).toBe('2027-01-15');
    expect(dayOfMonth('2026-01-31', 31, 1)).toBe('2026-02-28');
    expect(endOfMonth('2026-04-03')).toBe('2026-04-30');
  });
});

describe('QuickBooks terms', () => {
  it('STANDARD: DueDays after the invoice date (0 = due on receipt)', () => {
    expect(qboDueDate('2026-01-20', { Type: 'STANDARD', DueDays: 30 })).toBe('2026-02-19');
    expect(qboDueDate('2026-01-20', { Type: 'STANDARD', DueDays: 60 })).toBe('2026-03-21');
    expect(qboDueDate('2026-01-20', { Type: 'STANDARD', DueDays: 0 })).toBe('2026-01-20');
    expect(qboDueDate('2026-01-20', { Type: 'STANDARD' })).toBeNull();
  });
  it('DATE_DRIVEN: DayOfMonthDue of this month, or of the next when issued within DueNextMonthDays of it or after it', () => {
    const t = { Type: 'DATE_DRIVEN', DayOfMonthDue: 15, DueNextMonthDays: 5 };
    expect(qboDueDate('2026-03-03', t)).toBe('2026-03-15'); // 12 days before
    expect(qboDueDate('2026-03-09', t)).toBe('2026-03-15'); // 6 days before
    expect(qboDueDate('2026-03-10', t)).toBe('2026-04-15'); // 5 days before: next month
    expect(qboDueDate('2026-03-20', t)).toBe('2026-04-15'); // already past
    expect(qboDueDate('2026-12-28', t)).toBe('2027-01-15');
    expect(qboDueDate('2026-01-10', { Type: 'DATE_DRIVEN', DayOfMonthDue: 31 })).toBe('2026-01-31');
    expect(qboDueDate('2026-02-01', { Type: 'DATE_DRIVEN', DayOfMonthDue: 31, DueNextMonthDays: 0 })).toBe('2026-02-28');
    expect(qboDueDate('2026-02-01', { Type: 'DATE_DRIVEN' })).toBeNull();
  });
});

describe('Xero payment terms', () => {
  it('each type', () => {
    expect(xeroDueDate('2026-01-20', { Day: 20, Type: 'DAYSAFTERBILLDATE' })).toBe('2026-02-09');
    expect(xeroDueDate('2026-01-20', { Day: 20, Type: 'DAYSAFTERBILLMONTH' })).toBe('2026-02-20');
    expect(xeroDueDate('2026-01-10', { Day: 20, Type: 'OFCURRENTMONTH' })).toBe('2026-01-20');
    expect(xeroDueDate('2026-01-20', { Day: 20, Type: 'OFFOLLOWINGMONTH' })).toBe('2026-02-20');
    expect(xeroDueDate('2026-01-20', { Day: 31, Type: 'OFFOLLOWINGMONTH' })).toBe('2026-02-28');
    expect(xeroDueDate('2026-01-20', { Day: 5, Type: 'SOMETHINGELSE' })).toBeNull();
  });
});

// The one parser per kind of human input (src/domain/human-input.ts): what a person types in Slack or the
// admin API is a real date within the horizon, an amount in the currency's minor unit within the balance,
// a known currency, text within its cap — or one sentence saying what is wrong.
import { parseAmount, parseCurrency, parseDate, parseInstalments, parseText, TEXT_LIMITS } from '../src/domain/human-input.js';

const today = '2025-03-20';

describe('human input parsers', () => {
  it('dates: real calendar days only, from today (or tomorrow), within the horizon', () => {
    expect(parseDate('2999-02-31', { today, from: 'today' })).toEqual({ ok: false, problem: '2999-02-31: Not a real calendar date' });
    expect(parseDate('2025-02-29', { today, from: 'today' }).ok).toBe(false);
    expect(parseDate('2025-03-19', { today, from: 'today' })).toEqual({ ok: false, problem: '2025-03-19 is in the past: pick today or a later date' });
    expect(parseDate('2025-03-20', { today, from: 'today' })).toEqual({ ok: true, value: '2025-03-20' });
    expect(parseDate('2025-03-20', { today, from: 'tomorrow' }).ok).toBe(false);
    expect(parseDate('2026-03-21', { today, from: 'today' })).toEqual({ ok: true, value: '2026-03-21' });
    expect(parseDate('2026-03-22', { today, from: 'today' })).toEqual({ ok: false, problem: '2026-03-22 is too far ahead: pick a date up to 2026-03-21' });
    expect(parseDate('9999-12-31', { today, from: 'tomorrow' }).ok).toBe(false);
    expect(parseDate('2025-04-01', { today, from: 'today', horizonDays: 7 }).ok).toBe(false);
    expect(parseDate('', { today, from: 'today' })).toEqual({ ok: false, problem: 'Pick a date' });
    expect(parseDate('01/04/2025', { today, from: 'today' }).ok).toBe(false);
  });

  it('amounts: above zero, in the minor unit of the currency, within the balance', () => {
    expect(parseAmount('1,240.00', { currency: 'USD' })).toEqual({ ok: true, value: 124_000 });
    expect(parseAmount('0.01', { currency: 'USD' })).toEqual({ ok: true, value: 1 });
    expect(parseAmount('0.00', { currency: 'USD' })).toEqual({ ok: false, problem: 'Enter an amount above zero' });
    expect(parseAmount('1.005', { currency: 'USD' }).ok).toBe(false);
    expect(parseAmount('1240', { currency: 'JPY' })).toEqual({ ok: true, value: 1240 });
    expect(parseAmount('1240.5', { currency: 'JPY' })).toEqual({ ok: false, problem: 'JPY has 0 decimal place(s): enter an amount like 1,240' });
    expect(parseAmount('1.234', { currency: 'KWD' })).toEqual({ ok: true, value: 1234 });
    expect(parseAmount('-5', { currency: 'USD' }).ok).toBe(false);
    expect(parseAmount('1e9', { currency: 'USD' }).ok).toBe(false);
    expect(parseAmount('99999999999999999999', { currency: 'USD' })).toEqual({ ok: false, problem: 'That amount is too large' });
    expect(parseAmount('100.01', { currency: 'USD', maxMinor: 10_000 })).toEqual({ ok: false, problem: 'That is more than the balance (100.00 USD)' });
    expect(parseAmount('100.00', { currency: 'USD', maxMinor: 10_000 })).toEqual({ ok: true, value: 10_000 });
  });

  it('currencies: ISO 4217 only', () => {
    expect(parseCurrency('usd')).toEqual({ ok: true, value: 'USD' });
    expect(parseCurrency('ZZZ').ok).toBe(false);
    expect(parseCurrency('').ok).toBe(false);
  });

  it('text: trimmed and capped by kind', () => {
    expect(parseText('  Goods damaged ', 'reason', 'Say why')).toEqual({ ok: true, value: 'Goods damaged' });
    expect(parseText('   ', 'reason', 'Say why')).toEqual({ ok: false, problem: 'Say why' });
    expect(parseText('', 'notes', false)).toEqual({ ok: true, value: undefined });
    expect(parseText('x'.repeat(TEXT_LIMITS.reason), 'reason', 'Say why').ok).toBe(true);
    expect(parseText('x'.repeat(TEXT_LIMITS.reason + 1), 'reason', 'Say why')).toEqual({ ok: false, problem: 'At most 500 characters (this is 501)' });
    expect(parseText('x'.repeat(2001), 'notes', false).ok).toBe(false);
  });

  it('instalments: "2999-02-31 0.01" is refused with a message; the total stays within the balance', () => {
    const rules = { today, currency: 'USD', balanceMinor: 1_000_000 };
    expect(parseInstalments('2999-02-31 0.01', rules)).toEqual({ ok: false, problem: '2999-02-31: Not a real calendar date' });
    expect(parseInstalments('2026-12-30 0.01', rules)).toEqual({ ok: false, problem: '2026-12-30 is too far ahead: pick a date up to 2026-03-21' });
    expect(parseInstalments('2025-04-01 5,000.00\n2025-05-01 5,000.01', rules)).toEqual({ ok: false, problem: 'The instalments add up to 10,000.01 USD, more than the balance (10,000.00 USD)' });
    expect(parseInstalments('2025-04-01 5,000.00\n2025-03-25 1.00', rules)).toEqual({ ok: false, problem: 'Dates must go up, one instalment per date' });
    expect(parseInstalments('2025-04-01 0.001', rules).ok).toBe(false);
    expect(parseInstalments('2025-04-01 5,000.00\n\n2025-05-01 5,000.00', rules)).toEqual({ ok: true, value: [{ dueDate: '2025-04-01', amountMinor: 500_000 }, { dueDate: '2025-05-01', amountMinor: 500_000 }] });
  });
});

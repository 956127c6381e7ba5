import fc from 'fast-check';
import {
  add,
  addTo,
  compareWithThreshold,
  convert,
  formatMoney,
  formatTotals,
  minorUnitExponent,
  money,
  sub,
  totalInHome,
  totalsByCurrency,
} from './money.js';

describe('money', () => {
  it('knows minor-unit exponents', () => {
    expect(minorUnitExponent('USD')).toBe(2);
    expect(minorUnitExponent('JPY')).toBe(0);
    expect(minorUnitExponent('KWD')).toBe(3);
    expect(minorUnitExponent('BHD')).toBe(3);
    expect(minorUnitExponent('XYZ')).toBe(2);
  });

  it('rejects floats and bad codes', () => {
    expect(() => money(12.5, 'USD')).toThrow(/integer/);
    expect(() => money(100, 'usd')).toThrow(/ISO 4217/);
    expect(money(100, 'USD')).toEqual({ amountMinor: 100, currency: 'USD' });
  });

  it('adds and subtracts within one currency only', () => {
    expect(add(money(150, 'EUR'), money(250, 'EUR'))).toEqual(money(400, 'EUR'));
    expect(sub(money(150, 'EUR'), money(250, 'EUR'))).toEqual(money(-100, 'EUR'));
    expect(() => add(money(1, 'EUR'), money(1, 'USD'))).toThrow(/convert/);
  });

  it('totals per currency', () => {
    const t = totalsByCurrency([money(100, 'USD'), money(5, 'JPY'), money(250, 'USD')]);
    expect(t).toEqual({ USD: 350, JPY: 5 });
    expect(addTo(t, 'EUR', 7)).toEqual({ USD: 350, JPY: 5, EUR: 7 });
  });

  it('formats like "12,400.00 USD"', () => {
    expect(formatMoney(money(1240000, 'USD'))).toBe('12,400.00 USD');
    expect(formatMoney(money(5, 'USD'))).toBe('0.05 USD');
    expect(formatMoney(money(-123456789, 'EUR'))).toBe('-1,234,567.89 EUR');
    expect(formatMoney(money(1200, 'JPY'))).toBe('1,200 JPY');
    expect(formatMoney(money(3500, 'KWD'))).toBe('3.500 KWD');
    expect(formatMoney(money(0, 'GBP'))).toBe('0.00 GBP');
    expect(formatTotals({ USD: 100, EUR: 250 })).toBe('2.50 EUR + 1.00 USD');
    expect(formatTotals({})).toBe('0');
  });

  it('formatting round-trips the integer amount', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), fc.constantFrom('USD', 'JPY', 'KWD'), (amount, cur) => {
        const text = formatMoney(money(amount, cur)).split(' ')[0] ?? '';
        expect(Number(text.replace(/[,.]/g, ''))).toBe(amount);
      }),
    );
  });

  it('converts only through explicit rates, exactly and rounded half away from zero', () => {
    const rates = { home: 'USD', rates: { EUR: '1.10', JPY: '0.0067', KWD: '3.25' } };
    expect(convert(money(1000, 'EUR'), rates)).toEqual(money(1100, 'USD'));
    expect(convert(money(1000, 'JPY'), rates)).toEqual(money(670, 'USD')); // 1000 yen = 6.70 USD
    expect(convert(money(1001, 'KWD'), rates)).toEqual(money(325, 'USD')); // 1.001 KWD = 3.25325 USD
    expect(convert(money(15, 'EUR'), { home: 'USD', rates: { EUR: '0.1' } })).toEqual(money(2, 'USD')); // 0.15 → 0.015 → 0.02
    expect(convert(money(-15, 'EUR'), { home: 'USD', rates: { EUR: '0.1' } })).toEqual(money(-2, 'USD'));
    expect(convert(money(100, 'USD'), rates)).toEqual(money(100, 'USD'));
    expect(() => convert(money(100, 'GBP'), rates)).toThrow(/no exchange rate/);
    expect(() => convert(money(100, 'EUR'), { home: 'USD', rates: { EUR: '1e3' } })).toThrow(/decimal/);
    expect(totalInHome({ EUR: 1000, USD: 5 }, rates)).toEqual(money(1105, 'USD'));
  });

  it('compares totals with per-currency thresholds', () => {
    const threshold = { USD: 1_000_000, EUR: 900_000 };
    expect(compareWithThreshold({ USD: 1_000_000 }, threshold)).toBe('at-or-above');
    expect(compareWithThreshold({ USD: 999_999, EUR: 10 }, threshold)).toBe('below');
    expect(compareWithThreshold({ USD: 10, CHF: 5_000_000 }, threshold)).toBe('unknown');
    // with rates the home-currency total decides: 6,000 + 5,000 EUR*1.0 = 11,000 USD
    const rates = { home: 'USD', rates: { EUR: '1.0', CHF: '1.0' } };
    expect(compareWithThreshold({ USD: 600_000, EUR: 500_000 }, threshold, rates)).toBe('at-or-above');
    expect(compareWithThreshold({ USD: 10, CHF: 5_000_000 }, threshold, rates)).toBe('at-or-above');
    expect(compareWithThreshold({ USD: 10, CHF: 5_000 }, threshold, rates)).toBe('below');
  });
});

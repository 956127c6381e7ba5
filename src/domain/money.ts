// Money as integer minor units plus an ISO 4217 currency code. Never a float:
// amounts are added per currency, and a conversion to another currency happens
// only through an explicit exchange-rate input, with exact (BigInt) arithmetic.
import { ISO_4217_MINOR_UNITS } from './iso4217.js';

export interface Money {
  readonly amountMinor: number;
  readonly currency: string;
}

/** Per-currency totals in minor units, e.g. { USD: 1240000, EUR: 5000 }. */
export type Totals = Record<string, number>;

/**
 * Exchange rates into a home currency: `rates[c]` is a decimal string giving how
 * many home-currency units one unit of `c` is worth ("1.0825"). Strings, not
 * numbers, so a rate is exact as written.
 */
export interface ExchangeRates {
  readonly home: string;
  readonly rates: Readonly<Record<string, string>>;
}

/** An active ISO 4217 code with a minor unit (src/domain/iso4217.ts): not just three capitals, so ZZZ is refused. */
export function isCurrencyCode(code: string): boolean {
  return Object.hasOwn(ISO_4217_MINOR_UNITS, code);
}

/** Number of digits after the decimal point for a currency (2 for a code not in ISO 4217). */
export function minorUnitExponent(currency: string): number {
  return isCurrencyCode(currency) ? (ISO_4217_MINOR_UNITS[currency] ?? 2) : 2;
}

export function money(amountMinor: number, currency: string): Money {
  if (!Number.isSafeInteger(amountMinor)) {
    throw new RangeError(`amount must be an integer number of minor units, got ${amountMinor}`);
  }
  if (!isCurrencyCode(currency)) throw new RangeError(`not an ISO 4217 currency code: ${currency}`);
  return { amountMinor, currency };
}

function sameCurrency(a: Money, b: Money, op: string): void {
  if (a.currency !== b.currency) {
    throw new RangeError(`cannot ${op} ${a.currency} and ${b.currency}; convert with explicit rates first`);
  }
}

function checked(n: number): number {
  if (!Number.isSafeInteger(n)) throw new RangeError('money amount out of safe integer range');
  return n;
}

export function add(a: Money, b: Money): Money {
  sameCurrency(a, b, 'add');
  return { amountMinor: checked(a.amountMinor + b.amountMinor), currency: a.currency };
}

export function sub(a: Money, b: Money): Money {
  sameCurrency(a, b, 'subtract');
  return { amountMinor: checked(a.amountMinor - b.amountMinor), currency: a.currency };
}

/** Adds one amount into a per-currency totals record (mutates and returns it). */
export function addTo(totals: Totals, currency: string, amountMinor: number): Totals {
  totals[currency] = checked((totals[currency] ?? 0) + amountMinor);
  return totals;
}

/** Totals per currency of a list of amounts. */
export function totalsByCurrency(items: Iterable<Money>): Totals {
  const totals: Totals = {};
  for (const m of items) addTo(totals, m.currency, m.amountMinor);
  return totals;
}

/** The totals as a list of Money, sorted by currency code (stable output). */
export function totalsToList(totals: Totals): Money[] {
  return Object.keys(totals)
    .sort()
    .map((currency) => ({ currency, amountMinor: totals[currency] ?? 0 }));
}

function groupThousands(digits: string): string {
  let out = '';
  const len = digits.length;
  for (let i = 0; i < len; i++) {
    if (i > 0 && (len - i) % 3 === 0) out += ',';
    out += digits[i];
  }
  return out;
}

/** "12,400.00 USD", "-3.500 KWD", "1,200 JPY" (English grouping, code after). */
export function formatMoney(m: Money): string {
  const exp = minorUnitExponent(m.currency);
  const negative = m.amountMinor < 0;
  const digits = String(Math.abs(m.amountMinor)).padStart(exp + 1, '0');
  const whole = digits.slice(0, digits.length - exp);
  const frac = exp > 0 ? '.' + digits.slice(digits.length - exp) : '';
  return `${negative ? '-' : ''}${groupThousands(whole)}${frac} ${m.currency}`;
}

/** "12,400.00 USD + 300 JPY" (currencies sorted); "0" for no totals. */
export function formatTotals(totals: Totals): string {
  const list = totalsToList(totals);
  return list.length === 0 ? '0' : list.map(formatMoney).join(' + ');
}

const RATE_RE = /^(\d+)(?:\.(\d+))?$/;

function parseRate(rate: string): { num: bigint; scale: bigint } {
  const m = RATE_RE.exec(rate);
  if (!m) throw new RangeError(`exchange rate must be a positive decimal string, got "${rate}"`);
  const frac = m[2] ?? '';
  return { num: BigInt((m[1] ?? '0') + frac), scale: 10n ** BigInt(frac.length) };
}

/** Rounds numerator/denominator half away from zero (denominator > 0). */
function divRound(n: bigint, d: bigint): bigint {
  const q = n / d;
  const r = n % d;
  if (2n * (r < 0n ? -r : r) >= d) return n < 0n ? q - 1n : q + 1n;
  return q;
}

/**
 * Converts an amount into `rates.home` using the explicit rate for its currency.
 * Exact decimal arithmetic, rounded half away from zero to the home currency's
 * minor unit. Throws when no rate is given for the currency.
 */
export function convert(m: Money, rates: ExchangeRates): Money {
  if (m.currency === rates.home) return m;
  const rate = rates.rates[m.currency];
  if (rate === undefined) throw new RangeError(`no exchange rate for ${m.currency} → ${rates.home}`);
  const { num, scale } = parseRate(rate);
  const expFrom = BigInt(minorUnitExponent(m.currency));
  const expTo = BigInt(minorUnitExponent(rates.home));
  const n = BigInt(m.amountMinor) * num * 10n ** expTo;
  const d = scale * 10n ** expFrom;
  return { amountMinor: checked(Number(divRound(n, d))), currency: rates.home };
}

/** Whether every currency in the totals can be converted with these rates. */
export function canConvert(totals: Totals, rates: ExchangeRates): boolean {
  return Object.keys(totals).every((c) => c === rates.home || rates.rates[c] !== undefined);
}

/** Sum of all totals in the home currency; throws if a rate is missing. */
export function totalInHome(totals: Totals, rates: ExchangeRates): Money {
  let sum = 0;
  for (const m of totalsToList(totals)) sum = checked(sum + convert(m, rates).amountMinor);
  return { amountMinor: sum, currency: rates.home };
}

/**
 * Compares per-currency totals with a per-currency threshold.
 * - with rates whose home currency has a threshold: the converted total decides;
 * - otherwise 'at-or-above' when any currency reaches its own threshold,
 *   'below' when every currency has a threshold and stays under it,
 *   'unknown' when some currency has no threshold (it cannot be judged).
 */
export function compareWithThreshold(
  totals: Totals,
  threshold: Readonly<Record<string, number>>,
  rates?: ExchangeRates,
): 'at-or-above' | 'below' | 'unknown' {
  if (rates !== undefined) {
    const homeThreshold = threshold[rates.home];
    if (homeThreshold !== undefined && canConvert(totals, rates)) {
      return totalInHome(totals, rates).amountMinor >= homeThreshold ? 'at-or-above' : 'below';
    }
  }
  let allKnown = true;
  for (const currency in totals) {
    const t = threshold[currency];
    if (t === undefined) {
      allKnown = false;
      continue;
    }
    if ((totals[currency] ?? 0) >= t) return 'at-or-above';
  }
  return allKnown ? 'below' : 'unknown';
}

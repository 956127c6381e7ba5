// Locale-aware formatting for documents. Amounts stay integers until the very
// end: the minor units are turned into a decimal *string* ("1234.56") and that
// string is handed to Intl.NumberFormat, which formats decimal strings exactly —
// no float ever touches a stored amount. Dates are calendar dates ('YYYY-MM-DD')
// formatted as such (in UTC, so no zone can move them by a day).
import { addDays, compileCalendar, type LocalDate } from '../domain/calendar.js';
import { responseDeadline as deadlineOf } from '../domain/deadline.js';
import { TEXT_LIMITS } from '../domain/human-input.js';
import { formatCalendarDate } from '../domain/locale.js';
import { minorUnitExponent, totalsToList, type Totals } from '../domain/money.js';
import type { DocParty } from './model.js';

/** Minor units → exact decimal string: (123456, 'USD') → "1234.56", (-5, 'KWD') → "-0.005", (1200, 'JPY') → "1200". */
export function decimalString(amountMinor: number, currency: string): string {
  if (!Number.isSafeInteger(amountMinor)) throw new RangeError(`amount must be an integer number of minor units, got ${amountMinor}`);
  const exp = minorUnitExponent(currency);
  const negative = amountMinor < 0;
  const digits = String(Math.abs(amountMinor)).padStart(exp + 1, '0');
  const whole = digits.slice(0, digits.length - exp);
  const frac = exp > 0 ? `.${digits.slice(digits.length - exp)}` : '';
  return `${negative ? '-' : ''}${whole}${frac}`;
}

/** Caps of text drawn into a PDF, in characters: a field by its kind (src/domain/human-input.ts), any one drawn string, an unbroken run. */
export const PDF_TEXT = { ...TEXT_LIMITS, drawn: 20_000, run: 80 } as const;

/** At most `max` characters (code points), the last one an ellipsis when cut. */
export function capText(text: string, max: number): string {
  if (text.length <= max) return text;
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

const LONG_RUN = new RegExp(`\\S{${PDF_TEXT.run + 1},}`, 'gu');
const RUN_PIECE = new RegExp(`\\S{1,${PDF_TEXT.run}}`, 'gu');

/**
 * A break opportunity (a space) every `PDF_TEXT.run` characters of an unbroken run, so no word is wider
 * than a line: pdfkit wraps a word wider than the line character by character in roughly quadratic time
 * (a 100,000-character name took ~500 s). Runs this long are not words a reader reads as one (a long
 * pay link is split where the line would have split it anyway).
 */
export function breakLongRuns(text: string): string {
  return text.replace(LONG_RUN, (run) => (run.match(RUN_PIECE) ?? [run]).join(' '));
}

/**
 * Every string drawn into a PDF goes through here: capped (PDF_TEXT.drawn), long runs broken, and the
 * characters some locales use that the standard fonts (WinAnsi) cannot draw — narrow no-break space in
 * fr-FR grouping, the Unicode minus sign in sv-SE — mapped to ones they can; the meaning does not change.
 */
export function pdfSafe(text: string): string {
  return winAnsi(breakLongRuns(capText(text, PDF_TEXT.drawn)).replace(/[\u202f\u2009\u2007]/g, '\u00a0').replace(/\u2212/g, '-'));
}

/** Windows-1252's characters above Latin-1's C1 range (what the standard PDF fonts draw besides 0x20–0x7E and 0xA0–0xFF). */
const WIN_ANSI_EXTRA = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');
/** Latin letters that Unicode does not decompose into a base letter and an accent. */
const NO_DECOMPOSITION: Readonly<Record<string, string>> = { Ł: 'L', ł: 'l', Đ: 'D', đ: 'd', Ħ: 'H', ħ: 'h', ı: 'i', Œ: 'OE', œ: 'oe' };
const isWinAnsi = (ch: string): boolean => {
  const c = ch.codePointAt(0) ?? 0;
  return ch === '\n' || ch === '\t' || (c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && c <= 0xff) || WIN_ANSI_EXTRA.has(ch);
};

/**
 * Text the letters' standard fonts (Helvetica: Windows-1252) can draw: a letter outside it loses its accent
 * ("Kōwhai" → "Kowhai", "Łódź" → "Lodz"); what has no Latin letter becomes "?". Never garbage.
 */
function winAnsi(text: string): string {
  let out = '';
  for (const ch of text) {
    if (isWinAnsi(ch)) out += ch;
    else {
      const base = NO_DECOMPOSITION[ch] ?? ch.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
      out += base !== '' && [...base].every(isWinAnsi) ? base : '?';
    }
  }
  return out;
}

/** A party as documents draw it: name and reference capped as names, the attention line and address lines too. */
export function cappedParty(p: DocParty): DocParty {
  const name = (t: string): string => capText(t, PDF_TEXT.name);
  return {
    name: name(p.name),
    addressLines: p.addressLines.slice(0, 10).map(name),
    ...(p.attention !== undefined ? { attention: name(p.attention) } : {}),
    ...(p.reference !== undefined ? { reference: name(p.reference) } : {}),
  };
}

const numberFormats = new Map<string, Intl.NumberFormat>();

function numberFormat(locale: string, currency: string): Intl.NumberFormat {
  const key = `${locale}|${currency}`;
  let f = numberFormats.get(key);
  if (!f) {
    const exp = minorUnitExponent(currency);
    f = new Intl.NumberFormat(locale, { style: 'currency', currency, currencyDisplay: 'symbol', minimumFractionDigits: exp, maximumFractionDigits: exp });
    numberFormats.set(key, f);
  }
  return f;
}

/** "$1,234.56" (en-US, USD), "1.234,56 €" (de-DE, EUR), "¥1,200" (ja-JP / en-US, JPY). */
export function formatAmount(amountMinor: number, currency: string, locale: string): string {
  // A decimal string literal is formatted exactly by Intl (no conversion to a double).
  const literal = decimalString(amountMinor, currency) as `${number}`;
  return pdfSafe(numberFormat(locale, currency).format(literal));
}

/** Per-currency totals, sorted by currency: "$1,234.56 + 500,00 €"; the zero of the fallback currency when empty. */
export function formatTotalsLocale(totals: Totals, locale: string, fallbackCurrency: string): string {
  const list = totalsToList(totals);
  if (list.length === 0) return formatAmount(0, fallbackCurrency, locale);
  return list.map((m) => formatAmount(m.amountMinor, m.currency, locale)).join(' + ');
}

/**
 * 'YYYY-MM-DD' → "March 12, 2025" (en-US, long), "12 March 2025" (en-NZ, long), "12. März 2025" (de-DE, long):
 * the one date style of letters and emails (src/domain/locale.ts formatCalendarDate), made safe to draw.
 */
export function formatDate(date: LocalDate, locale: string, style: 'long' | 'medium' | 'short' = 'long'): string {
  return pdfSafe(formatCalendarDate(date, locale, style));
}

/** An instant in a zone: "Mar 12, 2025, 3:04 PM" with the zone's abbreviation. */
export function formatInstant(at: Date, locale: string, timeZone: string): string {
  return pdfSafe(new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(at));
}

/**
 * The response deadline `businessDays` business days after `sent` (the sending day itself does not count)
 * on a calendar of Saturday/Sunday weekends and the holidays given: the one deadline rule
 * (src/domain/deadline.ts) in business days.
 */
export function responseDeadline(sent: LocalDate, businessDays: number, holidays: Iterable<LocalDate> = []): LocalDate {
  return deadlineOf(sent, businessDays, 'business', compileCalendar(holidays));
}

/** Days past due on a day (negative: not yet due): the engine's count (src/engine/past-due.ts). */
export { daysPastDue } from '../engine/past-due.js';

export { addDays };

/** Replaces {name} placeholders; an unknown placeholder is left as written, so a typo shows instead of vanishing. */
export function fill(template: string, vars: Readonly<Record<string, string>>): string {
  // "{company}." with a company named "Co." must not end in "Co..".
  return template.replace(/\{([a-zA-Z][a-zA-Z0-9]*)\}(\.?)/g, (whole, name: string, dot: string) => {
    const v = vars[name];
    if (v === undefined) return whole;
    return v.endsWith('.') ? v : v + dot;
  });
}

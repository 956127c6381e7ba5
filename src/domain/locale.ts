// The customer's place: its country (ISO 3166-1 alpha-2, from the billing
// address), the locale its letters and emails are dated in, and its paper size.
// One date function (formatCalendarDate) serves letters and emails alike.
import { toDayNumber, type LocalDate } from './calendar.js';

/** Country names and common spellings as accounting platforms store them → ISO 3166-1 alpha-2. */
const NAMES: Readonly<Record<string, string>> = {
  'united states': 'US', 'united states of america': 'US', usa: 'US', 'u.s.a.': 'US', 'u.s.': 'US', america: 'US',
  canada: 'CA', 'new zealand': 'NZ', 'aotearoa': 'NZ', australia: 'AU', 'united kingdom': 'GB', uk: 'GB', 'u.k.': 'GB',
  'great britain': 'GB', england: 'GB', scotland: 'GB', wales: 'GB', 'northern ireland': 'GB', ireland: 'IE',
  germany: 'DE', deutschland: 'DE', france: 'FR', spain: 'ES', italy: 'IT', netherlands: 'NL', 'the netherlands': 'NL',
  belgium: 'BE', switzerland: 'CH', austria: 'AT', sweden: 'SE', norway: 'NO', denmark: 'DK', finland: 'FI',
  portugal: 'PT', poland: 'PL', japan: 'JP', china: 'CN', 'hong kong': 'HK', singapore: 'SG', india: 'IN',
  'south africa': 'ZA', mexico: 'MX', brazil: 'BR',
};

/** An ISO 3166-1 alpha-2 code for a country as written in an address ("New Zealand", "nz", "USA"), or undefined. */
export function countryCode(text: string | undefined | null): string | undefined {
  if (typeof text !== 'string') return undefined;
  const t = text.trim();
  if (t === '') return undefined;
  const named = NAMES[t.toLowerCase()];
  if (named !== undefined) return named;
  if (/^[A-Za-z]{2}$/.test(t)) {
    const code = t.toUpperCase();
    return code === 'UK' ? 'GB' : code;
  }
  return undefined;
}

/** Letter-size paper in the US and Canada; A4 everywhere else. Unknown country: the organisation's default. */
export function paperSizeFor(country: string | undefined, fallback: 'A4' | 'LETTER'): 'A4' | 'LETTER' {
  if (country === undefined) return fallback;
  return country === 'US' || country === 'CA' ? 'LETTER' : 'A4';
}

/**
 * The locale a customer's documents are written in: `language` (English, the language of the templates)
 * in the customer's country — 'en-NZ', 'en-US' — so dates and amounts follow the country's style.
 * Unknown country: the fallback locale.
 */
export function localeFor(country: string | undefined, fallback: string): string {
  if (country === undefined) return fallback;
  const lang = fallback.split('-')[0] ?? 'en';
  const tag = `${lang}-${country}`;
  try {
    return Intl.DateTimeFormat.supportedLocalesOf([tag]).length === 1 ? tag : fallback;
  } catch {
    return fallback;
  }
}

const formats = new Map<string, Intl.DateTimeFormat>();

/**
 * A calendar date ('YYYY-MM-DD') in a locale's style: "22 May 2026" (en-NZ, en-GB, en-AU, long),
 * "May 22, 2026" (en-US, long), "22 May 2026"/"May 22, 2026" (medium). Formatted in UTC, so no zone moves it.
 */
export function formatCalendarDate(date: LocalDate, locale: string, style: 'long' | 'medium' | 'short' = 'long'): string {
  toDayNumber(date); // validates
  const key = `${locale}|${style}`;
  let f = formats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { dateStyle: style, timeZone: 'UTC' });
    formats.set(key, f);
  }
  return f.format(new Date(`${date}T00:00:00Z`));
}

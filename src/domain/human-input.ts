// One parser per kind of human input, shared by every boundary where a person
// types something (Slack modals, the admin API, the assignments import): real
// calendar dates within a horizon, amounts in a currency's minor unit and within
// the balance, ISO 4217 currencies, capped text. Pure: the caller passes `today`
// and the limits. A refusal is one sentence for the person, not a stack trace.
import { z } from 'zod';
import { addDays, isValidDate, type LocalDate } from './calendar.js';
import { formatMoney, isCurrencyCode, minorUnitExponent, money } from './money.js';

/** How far ahead a person may put a date (a promise, a snooze, an instalment) unless the caller says otherwise. */
export const DEFAULT_INPUT_HORIZON_DAYS = 366;

/** Length caps of typed text, in characters. */
export const TEXT_LIMITS = { name: 200, reason: 500, notes: 2000 } as const;
export type TextKind = keyof typeof TEXT_LIMITS;

/** At most this many instalments in a payment plan. */
export const MAX_INSTALMENTS = 24;

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };
const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const no = <T>(problem: string): Parsed<T> => ({ ok: false, problem });

/** A real calendar date written YYYY-MM-DD (2999-02-31 is not one). */
export const CalendarDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'Write the date as YYYY-MM-DD')
  .refine(isValidDate, 'Not a real calendar date');

export interface DateRules {
  today: LocalDate;
  /** The earliest day allowed: today, or the day after (a snooze must end after today). */
  from: 'today' | 'tomorrow';
  /** Days after today the date may be at most. */
  horizonDays?: number;
}

/** A date a person picked or typed, checked against the calendar and the horizon. */
export function parseDate(text: string | null | undefined, rules: DateRules): Parsed<LocalDate> {
  const raw = (text ?? '').trim();
  if (raw === '') return no('Pick a date');
  const d = CalendarDate.safeParse(raw);
  if (!d.success) return no(`${raw.slice(0, 20)}: ${d.error.issues[0]?.message ?? 'not a date'}`);
  const earliest = rules.from === 'today' ? rules.today : addDays(rules.today, 1);
  if (d.data < earliest) return no(rules.from === 'today' ? `${d.data} is in the past: pick today or a later date` : `${d.data}: pick a date after today`);
  const latest = addDays(rules.today, rules.horizonDays ?? DEFAULT_INPUT_HORIZON_DAYS);
  if (d.data > latest) return no(`${d.data} is too far ahead: pick a date up to ${latest}`);
  return ok(d.data);
}

/** A date that has happened (a payment's): a real calendar date, today at the latest, at most `horizonDays` back. */
export function parsePastDate(text: string | null | undefined, rules: { today: LocalDate; horizonDays?: number }): Parsed<LocalDate> {
  const raw = (text ?? '').trim();
  if (raw === '') return no('Pick a date');
  const d = CalendarDate.safeParse(raw);
  if (!d.success) return no(`${raw.slice(0, 20)}: ${d.error.issues[0]?.message ?? 'not a date'}`);
  if (d.data > rules.today) return no(`${d.data} is in the future: pick today or an earlier date`);
  const earliest = addDays(rules.today, -(rules.horizonDays ?? DEFAULT_INPUT_HORIZON_DAYS));
  if (d.data < earliest) return no(`${d.data} is too long ago: pick a date from ${earliest}`);
  return ok(d.data);
}

/** An ISO 4217 currency code (ZZZ is refused). */
export const CurrencyCode = z
  .string()
  .trim()
  .toUpperCase()
  .refine(isCurrencyCode, 'Not an ISO 4217 currency code');

export function parseCurrency(text: string | null | undefined): Parsed<string> {
  const c = CurrencyCode.safeParse(text ?? '');
  return c.success ? ok(c.data) : no(`${String(text ?? '').slice(0, 10)} is not a currency code (ISO 4217, e.g. USD)`);
}

const AMOUNT = /^\s*(\d{1,3}(?:,\d{3})*|\d+)(?:\.(\d+))?\s*$/;

export interface AmountRules {
  currency: string;
  /** The most the amount may be (the account's balance in that currency), minor units. */
  maxMinor?: number;
}

/** "1,240.00" in minor units of the currency: > 0, no finer than its minor unit, at most `maxMinor`. */
export function parseAmount(text: string | null | undefined, rules: AmountRules): Parsed<number> {
  const raw = (text ?? '').trim();
  const exponent = minorUnitExponent(rules.currency);
  const example = exponent === 0 ? '1,240' : `1,240.${'0'.repeat(exponent)}`;
  const m = AMOUNT.exec(raw);
  if (!m || raw.length > 30) return no(`Enter an amount like ${example}`);
  const frac = m[2] ?? '';
  if (frac.length > exponent) return no(`${rules.currency} has ${exponent} decimal place(s): enter an amount like ${example}`);
  const n = Number((m[1] ?? '0').replace(/,/g, '') + frac.padEnd(exponent, '0'));
  if (!Number.isSafeInteger(n)) return no('That amount is too large');
  if (n <= 0) return no('Enter an amount above zero');
  if (rules.maxMinor !== undefined && n > rules.maxMinor) return no(`That is more than the balance (${formatMoney(money(rules.maxMinor, rules.currency))})`);
  return ok(n);
}

/** Typed text, trimmed, capped by kind; `required` refuses an empty answer with `missing`. */
export function parseText(text: string | null | undefined, kind: TextKind, required: string | false): Parsed<string | undefined> {
  const t = (text ?? '').trim();
  if (t === '') return required === false ? ok(undefined) : no(required);
  const max = TEXT_LIMITS[kind];
  if ([...t].length > max) return no(`At most ${max} characters (this is ${[...t].length})`);
  return ok(t);
}

/** A zod string with the cap of its kind, for API bodies and imports. */
export const cappedText = (kind: TextKind): z.ZodString => z.string().trim().min(1).max(TEXT_LIMITS[kind]);

export interface Instalment {
  dueDate: LocalDate;
  amountMinor: number;
}

/**
 * A payment plan typed one instalment a line, "2025-04-01 5,000.00": real dates from today within the
 * horizon, ascending, one per date; amounts in the currency's minor unit; the total within the balance.
 */
export function parseInstalments(
  text: string | null | undefined,
  rules: { today: LocalDate; currency: string; balanceMinor?: number; horizonDays?: number },
): Parsed<Instalment[]> {
  const lines = (text ?? '').split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  if (lines.length === 0) return no('Add at least one instalment');
  if (lines.length > MAX_INSTALMENTS) return no(`At most ${MAX_INSTALMENTS} instalments`);
  const out: Instalment[] = [];
  let total = 0;
  for (const line of lines) {
    const m = /^(\S+)\s+(.+)$/.exec(line);
    const shown = line.slice(0, 40);
    if (!m?.[1] || !m[2]) return no(`Not "date amount": ${shown}`);
    const date = parseDate(m[1], { today: rules.today, from: 'today', ...(rules.horizonDays !== undefined ? { horizonDays: rules.horizonDays } : {}) });
    if (!date.ok) return no(date.problem);
    const amount = parseAmount(m[2], { currency: rules.currency });
    if (!amount.ok) return no(`${shown}: ${amount.problem}`);
    if (out.length > 0 && date.value <= (out[out.length - 1]?.dueDate ?? '')) return no('Dates must go up, one instalment per date');
    total += amount.value;
    if (!Number.isSafeInteger(total)) return no('That total is too large');
    out.push({ dueDate: date.value, amountMinor: amount.value });
  }
  if (rules.balanceMinor !== undefined && total > rules.balanceMinor) {
    return no(`The instalments add up to ${formatMoney(money(total, rules.currency))}, more than the balance (${formatMoney(money(rules.balanceMinor, rules.currency))})`);
  }
  return ok(out);
}

// Calendar days in an IANA time zone, with Intl only (no dependency).
//
// A calendar date is a 'YYYY-MM-DD' string at the edges and a "day number"
// (days since 1970-01-01) inside, so arithmetic is plain integer arithmetic and
// never crosses a DST boundary by accident. Instants are epoch milliseconds.
// Time-zone offsets are cached per zone and UTC day, so a hot loop pays for an
// Intl call only the first time it meets a zone on a given day.

export type LocalDate = string;

const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;
const TIME_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;

// ---- day numbers (proleptic Gregorian, Howard Hinnant's algorithms) --------

export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const mp = (m + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function civilFromDays(n: number): { y: number; m: number; d: number } {
  const z = n + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d };
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

function digit(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : Number.NaN;
}

/** Day number of 'YYYY-MM-DD', or NaN when it is not a real calendar date. */
function parseDayNumber(s: string): number {
  if (s.length !== 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return Number.NaN;
  const y = digit(s, 0) * 1000 + digit(s, 1) * 100 + digit(s, 2) * 10 + digit(s, 3);
  const m = digit(s, 5) * 10 + digit(s, 6);
  const d = digit(s, 8) * 10 + digit(s, 9);
  if (!(m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m))) return Number.NaN; // NaN fails too
  return daysFromCivil(y, m, d);
}

export function isValidDate(s: string): boolean {
  return !Number.isNaN(parseDayNumber(s));
}

/** 'YYYY-MM-DD' → day number. Throws on a malformed or impossible date. */
export function toDayNumber(date: LocalDate): number {
  const n = parseDayNumber(date);
  if (Number.isNaN(n)) throw new RangeError(`not a calendar date (YYYY-MM-DD): "${date}"`);
  return n;
}

/** Day number → 'YYYY-MM-DD'. */
export function fromDayNumber(n: number): LocalDate {
  const { y, m, d } = civilFromDays(n);
  return `${String(y).padStart(4, '0')}-${m < 10 ? '0' : ''}${m}-${d < 10 ? '0' : ''}${d}`;
}

// ---- string API ------------------------------------------------------------

export function addDays(date: LocalDate, days: number): LocalDate {
  return fromDayNumber(toDayNumber(date) + days);
}

/** Whole calendar days from a to b (positive when b is later). */
export function daysBetween(a: LocalDate, b: LocalDate): number {
  return toDayNumber(b) - toDayNumber(a);
}

/** 0 = Sunday … 6 = Saturday. */
export function weekdayOfDayNumber(n: number): number {
  return (((n + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
}

export function weekday(date: LocalDate): number {
  return weekdayOfDayNumber(toDayNumber(date));
}

export interface BusinessCalendar {
  /** Weekdays that are not business days (0 = Sunday); default Saturday and Sunday. */
  readonly weekend?: readonly number[];
  readonly holidays: Iterable<LocalDate>;
}

/** A calendar compiled to day numbers for fast checks. */
export interface CompiledCalendar {
  readonly weekendMask: number;
  readonly holidays: ReadonlySet<number>;
}

export function compileCalendar(cal: BusinessCalendar | Iterable<LocalDate>): CompiledCalendar {
  const spec: BusinessCalendar = isBusinessCalendar(cal) ? cal : { holidays: cal };
  let weekendMask = 0;
  for (const d of spec.weekend ?? [0, 6]) weekendMask |= 1 << d;
  const holidays = new Set<number>();
  for (const h of spec.holidays) holidays.add(toDayNumber(h));
  return { weekendMask, holidays };
}

function isBusinessCalendar(x: BusinessCalendar | Iterable<LocalDate>): x is BusinessCalendar {
  return typeof x === 'object' && x !== null && 'holidays' in x;
}

export function isBusinessDayNumber(n: number, cal: CompiledCalendar): boolean {
  return (cal.weekendMask & (1 << weekdayOfDayNumber(n))) === 0 && !cal.holidays.has(n);
}

/** The first business day on or after day n. */
export function onOrAfterBusinessDayNumber(n: number, cal: CompiledCalendar): number {
  let d = n;
  for (let i = 0; i < 3660 && !isBusinessDayNumber(d, cal); i++) d++;
  return d;
}

/** The business day `days` business days after day n (n itself when days is 0). */
export function addBusinessDayNumbers(n: number, days: number, cal: CompiledCalendar): number {
  let d = n;
  for (let i = 0; i < days; i++) d = onOrAfterBusinessDayNumber(d + 1, cal);
  return d;
}

export function isBusinessDay(date: LocalDate, holidays: BusinessCalendar | Iterable<LocalDate> = []): boolean {
  return isBusinessDayNumber(toDayNumber(date), compileCalendar(holidays));
}

/** The first business day strictly after `date`. */
export function nextBusinessDay(date: LocalDate, holidays: BusinessCalendar | Iterable<LocalDate> = []): LocalDate {
  return fromDayNumber(onOrAfterBusinessDayNumber(toDayNumber(date) + 1, compileCalendar(holidays)));
}

/** `date` itself when it is a business day, else the next one. */
export function onOrAfterBusinessDay(date: LocalDate, holidays: BusinessCalendar | Iterable<LocalDate> = []): LocalDate {
  return fromDayNumber(onOrAfterBusinessDayNumber(toDayNumber(date), compileCalendar(holidays)));
}

// ---- time zones ------------------------------------------------------------

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** Whether Intl knows the IANA zone name. */
export function isValidTimeZone(tz: string): boolean {
  try {
    formatterFor(tz);
    return true;
  } catch {
    return false;
  }
}

/** Offset of the zone from UTC at an instant, in minutes (exact, uncached). */
function computeOffsetMinutes(tz: string, instant: number): number {
  const parts = formatterFor(tz).formatToParts(new Date(instant));
  let y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, bc = false;
  for (const p of parts) {
    switch (p.type) {
      case 'year': y = Number(p.value); break;
      case 'month': mo = Number(p.value); break;
      case 'day': d = Number(p.value); break;
      case 'hour': h = Number(p.value); break;
      case 'minute': mi = Number(p.value); break;
      case 'second': s = Number(p.value); break;
      case 'era': bc = p.value === 'BC' || p.value === 'B'; break;
      default: break;
    }
  }
  const year = bc ? 1 - y : y;
  const wall = daysFromCivil(year, mo, d) * MS_PER_DAY + ((h * 60 + mi) * 60 + s) * 1000;
  const floored = Math.floor(instant / 1000) * 1000;
  return Math.round((wall - floored) / MS_PER_MINUTE);
}

// Per zone: UTC day number → offset for the whole day, or NaN when the offset
// changes during that day (then it is computed exactly each time).
const offsetCache = new Map<string, Map<number, number>>();
const MAX_CACHED_DAYS_PER_ZONE = 20_000;

/** Offset of the zone from UTC at an instant, in minutes (cached per UTC day). */
export function offsetMinutes(tz: string, instant: number): number {
  if (tz === 'UTC' || tz === 'Etc/UTC') return 0;
  let days = offsetCache.get(tz);
  if (!days) {
    days = new Map();
    offsetCache.set(tz, days);
  }
  const day = Math.floor(instant / MS_PER_DAY);
  let off = days.get(day);
  if (off === undefined) {
    const start = computeOffsetMinutes(tz, day * MS_PER_DAY);
    const end = computeOffsetMinutes(tz, (day + 1) * MS_PER_DAY - 1000);
    off = start === end ? start : NaN;
    if (days.size >= MAX_CACHED_DAYS_PER_ZONE) days.clear();
    days.set(day, off);
  }
  return Number.isNaN(off) ? computeOffsetMinutes(tz, instant) : off;
}

/** Day number of the local calendar date of an instant in a zone. */
export function localDayNumber(instant: number, tz: string): number {
  return Math.floor((instant + offsetMinutes(tz, instant) * MS_PER_MINUTE) / MS_PER_DAY);
}

/** Local calendar date of an instant in a zone: 'YYYY-MM-DD'. */
export function localDate(instant: Date | number, tz: string): LocalDate {
  return fromDayNumber(localDayNumber(typeof instant === 'number' ? instant : instant.getTime(), tz));
}

/** Minutes after local midnight of an instant in a zone. */
export function localMinuteOfDay(instant: number, tz: string): number {
  const local = instant + offsetMinutes(tz, instant) * MS_PER_MINUTE;
  return Math.floor((local - Math.floor(local / MS_PER_DAY) * MS_PER_DAY) / MS_PER_MINUTE);
}

/** 'hh:mm' → minutes after midnight. */
export function parseTimeOfDay(hhmm: string): number {
  const m = TIME_RE.exec(hhmm);
  if (!m) throw new RangeError(`not a time of day (hh:mm): "${hhmm}"`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/**
 * The instant at which the wall clock in `tz` shows `minuteOfDay` on local day
 * `dayNumber`. Across DST it behaves like Temporal's "compatible" choice: in a
 * gap (spring forward) the time moves forward by the gap; in an overlap (fall
 * back) the earlier of the two instants is taken.
 */
export function zonedInstantOfDayNumber(dayNumber: number, minuteOfDay: number, tz: string): number {
  let zone = instantCache.get(tz);
  if (!zone) {
    zone = new Map();
    instantCache.set(tz, zone);
  }
  const k = dayNumber * 1440 + minuteOfDay;
  let t = zone.get(k);
  if (t === undefined) {
    t = computeZonedInstant(dayNumber, minuteOfDay, tz);
    if (zone.size >= MAX_CACHED_DAYS_PER_ZONE) zone.clear();
    zone.set(k, t);
  }
  return t;
}

const instantCache = new Map<string, Map<number, number>>();

function computeZonedInstant(dayNumber: number, minuteOfDay: number, tz: string): number {
  const wall = dayNumber * MS_PER_DAY + minuteOfDay * MS_PER_MINUTE;
  const before = offsetMinutes(tz, wall - MS_PER_DAY);
  const after = offsetMinutes(tz, wall + MS_PER_DAY);
  const c1 = wall - before * MS_PER_MINUTE;
  const c2 = wall - after * MS_PER_MINUTE;
  const ok1 = offsetMinutes(tz, c1) === before;
  const ok2 = offsetMinutes(tz, c2) === after;
  if (ok1 && ok2) return Math.min(c1, c2);
  if (ok1) return c1;
  if (ok2) return c2;
  // In a gap: use the offset from before the transition, which lands after it.
  return c1;
}

/** The instant of local date `date` at 'hh:mm' in `tz` (correct across DST). */
export function zonedInstant(date: LocalDate, hhmm: string, tz: string): number {
  return zonedInstantOfDayNumber(toDayNumber(date), parseTimeOfDay(hhmm), tz);
}

/** Format an instant as an ISO string with the zone's local offset, e.g. 2025-03-09T09:00:00-04:00. */
export function formatZoned(instant: number, tz: string): string {
  const off = offsetMinutes(tz, instant);
  const local = new Date(instant + off * MS_PER_MINUTE).toISOString().slice(0, 19);
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "12 Mar 2025" for explanations. */
export function formatDayNumberShort(n: number): string {
  const { y, m, d } = civilFromDays(n);
  return `${d} ${MONTHS[m - 1] ?? '?'} ${y}`;
}

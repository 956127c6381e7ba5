// What an inbound message is, decided from its headers and text alone (pure):
// - a delivery status notification (RFC 3464: multipart/report;
//   report-type=delivery-status), with its per-recipient fields;
// - an auto-reply (RFC 3834 Auto-Submitted, the X-Autoreply/X-Autorespond and
//   Precedence headers vendors use, and the common out-of-office subjects), with
//   the return date when the text gives one;
// - otherwise a person's reply.

/** Header values by lowercased name (the first value of a repeated header). */
export type HeaderLookup = (name: string) => string | undefined;

export interface DsnRecipient {
  /** The address the report is about (Final-Recipient, else Original-Recipient), lowercased, without "rfc822;". */
  recipient: string;
  action: string;
  /** RFC 3463 status, e.g. "5.1.1". */
  status: string;
  diagnostic?: string;
  /** Action failed with a 5.x.x status: the address will never take mail. */
  permanent: boolean;
}

export function isDeliveryReport(contentType: string | undefined, reportType: string | undefined): boolean {
  return (contentType ?? '').toLowerCase() === 'multipart/report' && (reportType ?? '').toLowerCase() === 'delivery-status';
}

/** Unfolded header fields of one block of "Name: value" lines. */
function fieldsOf(block: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of block.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    if (!out.has(name)) out.set(name, line.slice(i + 1).trim());
  }
  return out;
}

function addressOfField(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const semi = v.indexOf(';');
  const a = (semi >= 0 ? v.slice(semi + 1) : v).trim().replace(/^<|>$/g, '');
  return a === '' ? undefined : a.toLowerCase();
}

/**
 * The per-recipient fields of a message/delivery-status body: the first block is about the message
 * (Reporting-MTA…), each further block about one recipient.
 */
export function parseDeliveryStatus(body: string): DsnRecipient[] {
  const blocks = body.split(/\r?\n\s*\r?\n/).map((b) => b.trim()).filter((b) => b !== '');
  const out: DsnRecipient[] = [];
  for (const b of blocks) {
    const f = fieldsOf(b);
    const recipient = addressOfField(f.get('final-recipient')) ?? addressOfField(f.get('original-recipient'));
    const action = (f.get('action') ?? '').toLowerCase();
    const status = /\d\.\d{1,3}\.\d{1,3}/.exec(f.get('status') ?? '')?.[0] ?? '';
    if (recipient === undefined || action === '') continue;
    const diagnostic = f.get('diagnostic-code');
    out.push({ recipient, action, status, ...(diagnostic ? { diagnostic } : {}), permanent: action === 'failed' && status.startsWith('5') });
  }
  return out;
}

/** The Message-ID, In-Reply-To and References ids named in a header block (the returned original's headers). */
export function messageIdsIn(headerText: string): string[] {
  const f = fieldsOf(headerText.split(/\r?\n\r?\n/)[0] ?? '');
  return [...['message-id', 'in-reply-to', 'references'].flatMap((n) => idsOf(f.get(n)))];
}

/** The ids in a Message-ID / In-Reply-To / References value, without angle brackets. */
export function idsOf(v: string | undefined): string[] {
  if (!v) return [];
  const bracketed = [...v.matchAll(/<([^<>\s]+)>/g)].map((m) => m[1] ?? '');
  return bracketed.length > 0 ? bracketed.filter((s) => s !== '') : v.split(/\s+/).filter((s) => s.includes('@'));
}

const OOO_SUBJECTS = [
  /\bout of (the )?office\b/i,
  /\bautomatic reply\b/i,
  /\bauto(matic)?[- ]?(reply|response)\b/i,
  /\bautoreply\b/i,
  /\bon (annual )?leave\b/i,
  /\bon vacation\b/i,
  /\babwesenheitsnotiz\b/i,
  /\babwesend\b/i,
  /\bautomatische antwort\b/i,
  /\br[ée]ponse automatique\b/i,
  /\babsence du bureau\b/i,
  /\bfuera de la oficina\b/i,
  /\brespuesta autom[áa]tica\b/i,
];

/** Why this message is an auto-reply, or null when it looks written by a person. */
export function autoReplyReason(header: HeaderLookup, subject: string): string | null {
  const auto = (header('auto-submitted') ?? '').trim().toLowerCase();
  if (auto !== '' && auto !== 'no') return `Auto-Submitted: ${auto}`;
  if (header('x-autoreply') !== undefined) return 'X-Autoreply';
  if (header('x-autorespond') !== undefined) return 'X-Autorespond';
  if (header('x-auto-response-suppress') !== undefined && OOO_SUBJECTS.some((r) => r.test(subject))) return 'X-Auto-Response-Suppress with an out-of-office subject';
  const precedence = (header('precedence') ?? '').trim().toLowerCase();
  if (precedence === 'auto_reply') return 'Precedence: auto_reply';
  const ooo = OOO_SUBJECTS.find((r) => r.test(subject));
  if (ooo) return `subject "${subject.slice(0, 80)}"`;
  return null;
}

const MONTHS: Record<string, number> = {
  jan: 1, january: 1, januar: 1, janvier: 1, feb: 2, february: 2, februar: 2, mar: 3, march: 3, 'märz': 3, maerz: 3, apr: 4, april: 4,
  may: 5, mai: 5, jun: 6, june: 6, juni: 6, jul: 7, july: 7, juli: 7, aug: 8, august: 8, sep: 9, sept: 9, september: 9,
  oct: 10, october: 10, okt: 10, oktober: 10, nov: 11, november: 11, dec: 12, december: 12, dez: 12, dezember: 12,
};
const WEEKDAYS: Record<string, number> = {
  sunday: 0, sun: 0, sonntag: 0, monday: 1, mon: 1, montag: 1, tuesday: 2, tue: 2, tues: 2, dienstag: 2, wednesday: 3, wed: 3, mittwoch: 3,
  thursday: 4, thu: 4, thurs: 4, donnerstag: 4, friday: 5, fri: 5, freitag: 5, saturday: 6, sat: 6, samstag: 6,
};

const pad = (n: number) => String(n).padStart(2, '0');
const iso = (y: number, m: number, d: number) => `${y}-${pad(m)}-${pad(d)}`;

function validDate(y: number, m: number, d: number): boolean {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

/** The first date on or after `today` (YYYY-MM-DD) with this month and day (this year or next). */
function nextOccurrence(today: string, m: number, d: number, year?: number): string | null {
  const y0 = Number(today.slice(0, 4));
  if (year !== undefined) return validDate(year, m, d) ? iso(year, m, d) : null;
  for (const y of [y0, y0 + 1]) if (validDate(y, m, d) && iso(y, m, d) >= today) return iso(y, m, d);
  return null;
}

function addDays(date: string, n: number): string {
  const t = new Date(`${date}T00:00:00Z`);
  t.setUTCDate(t.getUTCDate() + n);
  return t.toISOString().slice(0, 10);
}

const RETURN_CUE = String.raw`(?:back|return(?:ing)?|returns|in the office|available|zurück|wieder(?:\s+(?:im\s+büro|da|erreichbar))?|until|till|bis(?:\s+(?:zum|einschließlich))?|through|thru)`;

/**
 * The date the sender says they are back, from an out-of-office text ("back on Monday 8 June", "until
 * 12 May", "returning 2026-06-08", "bis zum 8. Juni", "until Monday"), as YYYY-MM-DD; `today` is the day the
 * message arrived, in the organisation's zone. Dates in the past are taken as next year's; a bare weekday is
 * the next such day after today. Null when no date follows a cue.
 */
export function returnDateOf(text: string, today: string): string | null {
  const t = text.replace(/\s+/g, ' ');
  const cue = new RegExp(`\\b${RETURN_CUE}\\b(?:\\s+(?:on|the|am|le|from|by))*\\s+(.{0,40})`, 'giu');
  for (const m of t.matchAll(cue)) {
    const rest = (m[1] ?? '').toLowerCase();
    const isoM = /^(\d{4})-(\d{2})-(\d{2})\b/.exec(rest);
    if (isoM) {
      const [y, mo, d] = [Number(isoM[1]), Number(isoM[2]), Number(isoM[3])];
      if (validDate(y, mo, d)) return iso(y, mo, d);
    }
    // Optional weekday, then "8 June [2026]", "8th of June", "8. Juni" or "June 8[, 2026]".
    const dayFirst = /^(?:([a-zäöü]+),?\s+)?(\d{1,2})(?:st|nd|rd|th|\.)?\s+(?:of\s+)?([a-zäöü]+)\.?(?:,?\s+(\d{4}))?/u.exec(rest);
    if (dayFirst && MONTHS[dayFirst[3] ?? ''] !== undefined && (dayFirst[1] === undefined || WEEKDAYS[dayFirst[1]] !== undefined)) {
      const r = nextOccurrence(today, MONTHS[dayFirst[3] ?? ''] ?? 0, Number(dayFirst[2]), dayFirst[4] ? Number(dayFirst[4]) : undefined);
      if (r) return r;
    }
    const monthFirst = /^(?:([a-zäöü]+),?\s+)?([a-zäöü]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(\d{4}))?/u.exec(rest);
    if (monthFirst && MONTHS[monthFirst[2] ?? ''] !== undefined && (monthFirst[1] === undefined || WEEKDAYS[monthFirst[1]] !== undefined)) {
      const r = nextOccurrence(today, MONTHS[monthFirst[2] ?? ''] ?? 0, Number(monthFirst[3]), monthFirst[4] ? Number(monthFirst[4]) : undefined);
      if (r) return r;
    }
    const weekday = /^(?:next\s+)?([a-zäöü]+)\b/u.exec(rest);
    const wd = weekday ? WEEKDAYS[weekday[1] ?? ''] : undefined;
    if (wd !== undefined) {
      const now = new Date(`${today}T00:00:00Z`).getUTCDay();
      return addDays(today, ((wd - now + 7) % 7) || 7);
    }
  }
  return null;
}

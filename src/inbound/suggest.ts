// Which button a customer's reply most likely calls for: *Record promise*, *Record dispute*, *They say they
// paid*, or none. Simple, written rules, measured on the corpus in test/fixtures/replies/corpus.json
// (`npm run bench -- replies`). Pure: the reply, the clock and the customer's zone in; the suggestion out.
//
// The rules, in the order they win:
//   1. Only what the customer wrote counts: quoted history (lines starting ">", everything after
//      "On … wrote:", "-----Original Message-----", an Outlook "From: … Sent:" header, their French,
//      German, Spanish and Dutch forms) and the signature after "-- " are dropped. A forwarded message is kept.
//   2. A strong dispute word ("dispute", "not ordered", "damaged", "never received", "credit note", …) → dispute.
//   3. Paid: "paid", "payment sent", "remittance", "transferred", "wired", "cheque/check sent", …, in the past
//      tense (not after "will", "to be", "not", "once", …), or a pay word with a past date ("payment went out
//      yesterday"), or an attachment that looks like a remittance or proof of payment (a PDF or image named
//      remit*, payment*, proof*, receipt*). "Paid last Friday" is paid, not a promise: past tense wins.
//   4. A weak dispute word ("incorrect", "wrong" — not "wrong person/address") → dispute.
//   5. A pay word with a date today or later (absolute: "12 June", "June 12", "12/06", ISO; relative: "Friday",
//      "tomorrow", "next week", "end of the month", "in 10 days") → promise, with the date resolved in the
//      customer's zone and never in the past.
//   6. Otherwise none.
// Invoice numbers mentioned that match the account's open ones are returned whatever the kind: those the
// customer wrote, else those of the subject.
import { addDays, civilFromDays, daysFromCivil, localDate, toDayNumber, weekday, type LocalDate } from '../domain/calendar.js';

/**
 * JavaScript's \b knows ASCII letters only ("überwiesen", "payé" have none at their accented end): every
 * rule with an accented letter is rewritten with a boundary between letters or digits of any script and the rest.
 */
const BOUNDARY = '(?:(?<![\\p{L}\\p{N}_])(?=[\\p{L}\\p{N}_])|(?<=[\\p{L}\\p{N}_])(?![\\p{L}\\p{N}_]))';
const u = (re: RegExp | string, flags = ''): RegExp => {
  const source = typeof re === 'string' ? re : re.source;
  const f = typeof re === 'string' ? flags : re.flags + flags;
  // ASCII-only rules keep \b (several times faster); only those with accented letters need the wider boundary.
  const ascii = [...source].every((c) => c.charCodeAt(0) < 128);
  return new RegExp(ascii ? source : source.replace(/\\b/g, BOUNDARY), `${f.replace(/u/g, '')}u`);
};

export interface ReplyToSuggest {
  subject: string;
  text: string;
  attachments: { filename: string; contentType: string }[];
}

export interface SuggestContext {
  now: Date;
  /** The customer's IANA zone: "today", "Friday" and "12/06" are read there (M/D in the Americas' US-style zones, else D/M). */
  timeZone: string;
  openInvoiceNumbers: string[];
}

export type SuggestionKind = 'promise' | 'dispute' | 'paid' | 'none';

export interface ReplySuggestion {
  kind: SuggestionKind;
  /** YYYY-MM-DD: the promised date (promise) or the date they say they paid (paid), when one is given. */
  date?: string;
  invoiceNumbers: string[];
  /** One line for the collector: which words decided. */
  why: string;
}

// ---- quoted history -------------------------------------------------------------------------------

const QUOTE_HEADERS: RegExp[] = [
  /^on\b.{0,200}\bwrote:?\s*$/i, // Gmail, Apple Mail ("On Mon, 3 Mar 2025 at 10:00, Ann <a@b> wrote:")
  /^-{2,}\s*original message\s*-{2,}/i,
  /^from:\s.+$/i, // Outlook's header block (followed by Sent:/Date:), checked below
  /^_{10,}\s*$/,
  /^le\b.{0,200}\ba écrit\s*:?\s*$/i,
  /^am\b.{0,200}\bschrieb\b.{0,80}:?\s*$/i,
  /^el\b.{0,200}\bescribió\s*:?\s*$/i,
  /^op\b.{0,200}\bschreef\b.{0,80}:?\s*$/i,
];

const FORWARDED = /^-{2,}\s*(forwarded message|weitergeleitete nachricht|message transféré|mensaje reenviado)\s*-{2,}/i;

/** What the customer wrote themselves: quoted history and the signature removed, a forwarded message kept. */
export function freshText(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  let forwarded = false;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const line = raw.trim();
    if (FORWARDED.test(line)) {
      forwarded = true;
      continue;
    }
    if (line === '--' || raw === '-- ') break; // the signature separator
    if (line.startsWith('>')) continue;
    // "On Mon, 3 Mar 2025 at 10:00, Ann Lee <ann@x>" + "wrote:" on the next line (a wrapped header).
    const joined = `${line} ${(lines[i + 1] ?? '').trim()}`;
    const header = QUOTE_HEADERS.findIndex((re) => re.test(line) || (/^(on|le|am|el|op)\b/i.test(line) && re.test(joined)));
    if (header >= 0 && !forwarded) {
      if (header === 2) {
        // "From: x" ends what they wrote only as the start of an Outlook header ("Sent:"/"Date:" within 3 lines).
        const next = lines.slice(i + 1, i + 4).map((l) => l.trim());
        if (!next.some((l) => /^(sent|date|gesendet|envoyé|enviado):/i.test(l))) {
          out.push(raw);
          continue;
        }
      }
      break;
    }
    out.push(raw);
  }
  return out.join('\n');
}

// ---- words ----------------------------------------------------------------------------------------

const STRONG_DISPUTE: RegExp[] = [
  /\bdisput(e|es|ed|ing)\b/,
  /\b(not|never|did ?n[o']?t|didnt|haven'?t|have not) (ordered|order)\b/,
  /\bnot what we ordered\b/,
  /\bdamaged\b/,
  /\b(never|not|haven'?t|have not|did ?n[o']?t|didnt|yet to) (been )?(receive|received|got|get|arrived|delivered)\b/,
  /\bcredit (note|memo)\b/,
  /\bover-?(charged|billed|invoiced)\b/,
  /\bduplicate (invoice|charge|billing)\b/,
  /\b(billed|charged|invoiced) twice\b/,
  /\b(defective|faulty|broken)\b/,
  /\b(hold|holding|withhold|withholding) (back )?(the |our )?payment\b/,
  /\b(instead of|rather than|not) (our|the) (contract|contracted|agreed|quoted) (rate|price|prices|amount|terms)\b/,
  /\breturned (the|all|these|those)? ?(goods|items|order|parts|products)\b/,
  // French, German, Spanish, Dutch
  /\bcontest(ons|e|é|ée|er)\b/,
  /\b(endommagé|abîmé)e?s?\b/,
  /\b(jamais|pas) reçu/,
  /\bavoir\b.{0,20}\b(factur|montant)/,
  /\b(nicht|nie) (bestellt|erhalten|geliefert)\b/,
  /\b(beschädigt|reklamation|gutschrift|widersprechen)\b/,
  /\b(no|nunca) (recibimos|hemos recibido|pedimos)\b/,
  /\b(dañad[oa]s?|nota de crédito|reclamación)\b/,
  /\b(niet|nooit) (besteld|ontvangen)\b/,
  /\bbeschadigd\b/,
].map((re) => u(re));

const WEAK_DISPUTE: RegExp[] = [
  /\binc?orr?ect(ly)?\b/,
  /\bwrong\b(?! (person|address|contact|email|e-mail|department|recipient|team|company|guy|mailbox|inbox|number to call))/,
  /\b(mistake|error) (on|in) (the|your|this|that) (invoice|bill|statement)/,
  /\b(falsch|fehlerhaft|incorrecte?s?|erron[ée]e?s?|incorrect[oa]s?|equivocad[oa]s?|onjuist)\b/,
].map((re) => u(re));

/** "Paid" words: a match counts when no future or negation marker stands just before it in its sentence. */
const PAID: RegExp[] = [
  /\b(paid|payed)\b/,
  /\bpayment (has |have )?(been |was |went )?(sent|made|processed|released|initiated|transferred|wired|issued|remitted|executed|submitted|completed|done)\b/,
  /\b(sent|made|processed|released|initiated|submitted|completed|scheduled and sent) (the |a |our |your )?(payment|transfer|wire|remittance)\b/,
  /\bremittance\b/,
  /\b(transferred|wired|settled|remitted)\b/,
  /\b(ach|eft|wire|bank transfer|transfer|bacs|sepa|payment) (was |has been )?(initiated|sent|released|processed|submitted|scheduled and sent)\b/,
  /\b(cheque|check) (has |was )?(been )?(sent|mailed|posted|issued|dispatched|cut)\b/,
  /\b(sent|mailed|posted) (you |out )?(a |the |our )?(cheque|check)\b/,
  /\b(cheque|check) is in the (mail|post)\b/,
  /\bproof of payment\b/,
  /\bpayment\b(?:[^.!?\n]|\.(?=\d)){0,60}\b(has|have|was|were) (been )?(executed|processed|made|sent|released|completed|initiated|transferred|wired)\b/,
  /\b(money|funds|payment) (has |have )?(gone|left|cleared|went out|hit)\b/,
  // French, German, Spanish, Dutch
  /\b(payé|réglé|viré)e?s?\b/,
  /\bvirement (a été )?(effectué|fait|envoyé)\b/,
  /\b(bezahlt|überwiesen|beglichen)\b/,
  /\b(pagad[oa]s?|transferid[oa]s?|abonad[oa]s?)\b/,
  /\btransferencia (realizada|hecha|enviada)\b/,
  /\b(betaald|overgemaakt)\b/,
].map((re) => u(re));

/** Before a "paid" word in its sentence: it is not done yet. */
const NOT_YET = u(/\b(will|shall|going to|gonna|to be|be|get|gets|getting|'ll|can|could|would|should|must|plan(ning)? to|intend(ing)? to|about to|expect(ing)?|hope|hoping|once|when|until|till|if|before|after|not|never|no|[a-z]*n't|[a-z]*nt|yet|un|still|pending|awaiting|need to|needs to|want to|wants to|asap|as soon as|sera|wird|werden|será|wordt|zal)\s*$/);
const NOT_YET_WORDS = u(/\b(will|shall|going to|gonna|to be|'ll|plan(ning)? to|intend|about to|once|when|until|if|not|never|[a-z]*n't|yet|asap|as soon as|sera|wird|werden|será|wordt|zal|pas|nicht|no)\b/);

const PAY_WORDS = u(/\b(pay|pays|paying|paid|payment|payments|settle|settled|settling|settlement|remit|remitted|remitting|transfer|transferred|wire|wired|cheque|(a|the|our) check|process(ed)?|release|funds|payer|paierons|paiement|paierai|régler|réglerons|règlement|virement|zahlen|zahlung|bezahlen|überweisen|überweisung|begleichen|pagar|pagaremos|pago|pagamos|transferencia|betalen|betaling|overmaken)\b/);

// ---- dates ----------------------------------------------------------------------------------------

const MONTH_NAMES: [RegExp, number][] = [
  [/^(jan(uary|\.)?|janvier|januar|enero|januari)$/, 1],
  [/^(feb(ruary|\.)?|février|fevrier|februar|febrero|februari)$/, 2],
  [/^(mar(ch|\.)?|mars|märz|maerz|marzo|maart)$/, 3],
  [/^(apr(il|\.)?|avril|abril)$/, 4],
  [/^(may|mai|mayo|mei)$/, 5],
  [/^(jun(e|\.)?|juin|juni|junio)$/, 6],
  [/^(jul(y|\.)?|juillet|juli|julio)$/, 7],
  [/^(aug(ust|\.)?|août|aout|agosto|augustus)$/, 8],
  [/^(sep(t|tember|\.)?|septembre|septiembre)$/, 9],
  [/^(oct(ober|\.)?|octobre|oktober|octubre)$/, 10],
  [/^(nov(ember|\.)?|novembre|noviembre)$/, 11],
  [/^(dec(ember|\.)?|décembre|decembre|dezember|diciembre)$/, 12],
];
const MONTH_WORD = '(january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec|janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre|decembre|januar|februar|märz|juni|juli|dezember|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|januari|februari|maart|mei|augustus)';

const WEEKDAYS: [RegExp, number][] = [
  [/^(sunday|dimanche|sonntag|domingo|zondag)$/, 0],
  [/^(monday|lundi|montag|lunes|maandag)$/, 1],
  [/^(tuesday|tue|tues|mardi|dienstag|martes|dinsdag)$/, 2],
  [/^(wednesday|wed|mercredi|mittwoch|miércoles|miercoles|woensdag)$/, 3],
  [/^(thursday|thu|thur|thurs|jeudi|donnerstag|jueves|donderdag)$/, 4],
  [/^(friday|fri|vendredi|freitag|viernes|vrijdag)$/, 5],
  [/^(saturday|samedi|samstag|sábado|sabado|zaterdag)$/, 6],
];
const WEEKDAY_WORD = '(sunday|monday|tuesday|wednesday|thursday|friday|saturday|tues|tue|wed|thurs|thur|thu|fri|dimanche|lundi|mardi|mercredi|jeudi|vendredi|samedi|sonntag|montag|dienstag|mittwoch|donnerstag|freitag|samstag|domingo|lunes|martes|miércoles|miercoles|jueves|viernes|sábado|sabado|zondag|maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag)';

const monthOf = (w: string): number | undefined => MONTH_NAMES.find(([re]) => re.test(w))?.[1];
const weekdayOf = (w: string): number | undefined => WEEKDAYS.find(([re]) => re.test(w))?.[1];

/** A date the reply mentions, resolved: `past` when it lies before today (a hint of "already paid"). */
interface FoundDate {
  date: LocalDate;
  past: boolean;
  /** Where in the text (the sentence decides what it goes with). */
  at: number;
  words: string;
}

function validDay(y: number, m: number, d: number): LocalDate | undefined {
  if (m < 1 || m > 12 || d < 1 || d > 31) return undefined;
  const n = daysFromCivil(y, m, d);
  const back = civilFromDays(n);
  if (back.m !== m || back.d !== d) return undefined;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/**
 * A day and month without a year: this year's, or — when it is more than six months behind today — next
 * year's (in December, "10 January" is next month). A date up to six months back stays in the past.
 */
function dayMonth(today: LocalDate, m: number, d: number, y?: number): { date: LocalDate; past: boolean } | undefined {
  const year = Number(today.slice(0, 4));
  if (y !== undefined) {
    const full = y < 100 ? 2000 + y : y;
    const date = validDay(full, m, d);
    return date ? { date, past: date < today } : undefined;
  }
  const date = validDay(year, m, d);
  if (!date) return undefined;
  if (date >= today) return { date, past: false };
  if (toDayNumber(today) - toDayNumber(date) > 183) {
    const next = validDay(year + 1, m, d);
    return next ? { date: next, past: false } : undefined;
  }
  return { date, past: true };
}

/** Zones whose people write dates month first (12/06 is December 6). */
const MONTH_FIRST_ZONES = /^(America\/(New_York|Chicago|Denver|Los_Angeles|Phoenix|Anchorage|Detroit|Boise|Indiana\/.+|Kentucky\/.+|North_Dakota\/.+|Menominee|Juneau|Sitka|Yakutat|Nome|Adak|Metlakatla)|Pacific\/Honolulu|US\/.+|America\/Puerto_Rico|Pacific\/Guam)$/;

/** The day of week `wd` on or after `today` (strictly after when `after`). */
function nextWeekday(today: LocalDate, wd: number, after: boolean): LocalDate {
  let delta = (wd - weekday(today) + 7) % 7;
  if (after && delta === 0) delta = 7;
  return addDays(today, delta);
}

function previousWeekday(today: LocalDate, wd: number): LocalDate {
  let delta = (weekday(today) - wd + 7) % 7;
  if (delta === 0) delta = 7;
  return addDays(today, -delta);
}

function endOfMonth(today: LocalDate): LocalDate {
  const y = Number(today.slice(0, 4));
  const m = Number(today.slice(5, 7));
  const first = daysFromCivil(m === 12 ? y + 1 : y, m === 12 ? 1 : m + 1, 1);
  const { y: ly, m: lm, d: ld } = civilFromDays(first - 1);
  return validDay(ly, lm, ld) ?? today;
}

const NUMBER_WORDS: Record<string, number> = { a: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, ten: 10, fourteen: 14, couple: 2, few: 3 };

const DAY_MONTH = u(`\\b(\\d{1,2})(st|nd|rd|th|er|\\.)?( of| de)? ${MONTH_WORD}\\b\\.?(,? (\\d{4}))?`, 'g');
const MONTH_DAY = u(`\\b${MONTH_WORD}\\.? (\\d{1,2})(st|nd|rd|th)?\\b(,? (\\d{4}))?`, 'g');
const WEEKDAY_PHRASE = u(`\\b(last |past |next |this |coming |on |by |dernier |letzten |pasado |el |le |am |vorige )?${WEEKDAY_WORD}\\b( dernier| pasado| prochain| que viene)?`, 'g');
const DATED_AFTER = u(`^,? ?(the )?(\\d{1,2}(st|nd|rd|th|\\.)?( of| de)? ${MONTH_WORD}\\b|${MONTH_WORD}\\.? \\d{1,2}\\b|\\d{1,2}[/.]\\d{1,2}|\\d{4}-\\d{2})`);
const DAY_OF_MONTH = u(`\\b(on|by|before|the) (the )?(\\d{1,2})(st|nd|rd|th)\\b(?! (of )?${MONTH_WORD}\\b)`, 'g');
/** Words that put a paid word in the past even with a later date in the sentence. */
const PAST_TENSE = u(/\b(paid|payed|transferred|wired|settled|remitted|bezahlt|überwiesen|payé|réglé|pagado|betaald|cleared|initiated|was|were|has|have|had|been|went|already|just)\b/);
const NOT_DISPUTED = u(/(\bnot|n't|\bno|\bnever) (disput|contest)/);
const FUTURE_OR_NOT = u(/\b(will|shall|'ll|going to|not|[a-z]*n't|never)\b/);

type Resolve = (m: RegExpMatchArray, today: LocalDate) => { date: LocalDate; past: boolean } | undefined;
const RELATIVE_DAYS: [RegExp, Resolve][] = ([
  [/\b(today|this (morning|afternoon|evening)|tonight|end of (the )?day|eod|cob|aujourd'hui|heute|hoy|vandaag)\b/g, (_m, today) => ({ date: today, past: false })],
  [/\b(tomorrow|tmrw|demain|morgen|mañana|manana)\b/g, (_m, today) => ({ date: addDays(today, 1), past: false })],
  [/\b(yesterday|hier|gestern|ayer|gisteren)\b/g, (_m, today) => ({ date: addDays(today, -1), past: true })],
  [/\b(earlier today|this morning we)\b/g, (_m, today) => ({ date: today, past: true })],
  [/\b(next week|la semaine prochaine|nächste woche|naechste woche|la (próxima|proxima) semana|la semana que viene|volgende week)\b/g, (_m, today) => ({ date: nextWeekday(addDays(nextWeekday(today, 1, true), 0), 5, false), past: false })],
  [/\b(this week|end of (the |this )?week|by the weekend|cette semaine|diese woche|esta semana|deze week)\b/g, (_m, today) => ({ date: nextWeekday(today, 5, false), past: false })],
  [/\b(last week|la semaine dernière|letzte woche|la semana pasada|vorige week)\b/g, (_m, today) => ({ date: addDays(today, -7), past: true })],
  [/\b(end of (the |this )?month|month[- ]end|eom|fin (du|de) mois|ende des monats|monatsende|fin de mes|einde van de maand)\b/g, (_m, today) => ({ date: endOfMonth(today), past: false })],
  [/\b(?:in|within) (\d{1,3}|a|one|two|three|four|five|six|seven|ten|fourteen|a couple of|a few) (business |working )?(day|days|week|weeks)\b/g, (m, today) => {
    const raw = (m[1] ?? '').replace(/^a (couple|few) of$/, '$1');
    const n = /^\d+$/.test(raw) ? Number(raw) : NUMBER_WORDS[raw.replace(/^a /, '')] ?? NUMBER_WORDS[raw];
    if (n === undefined) return undefined;
    return { date: addDays(today, /^week/.test(m[3] ?? '') ? n * 7 : n), past: false };
  }],
] satisfies [RegExp, Resolve][]).map(([re, resolve]): [RegExp, Resolve] => [u(re), resolve]);

/** Every date the text mentions, in order. `t`: the lowercased fresh text. */
export function findDates(t: string, today: LocalDate, timeZone: string): FoundDate[] {
  const out: FoundDate[] = [];
  const add = (at: number, words: string, r: { date: LocalDate; past: boolean } | undefined) => {
    if (r) out.push({ ...r, at, words });
  };
  // ISO 2025-06-12
  for (const m of t.matchAll(/\b(\d{4})-(\d{2})-(\d{2})\b/g)) {
    const date = validDay(Number(m[1]), Number(m[2]), Number(m[3]));
    if (date) add(m.index, m[0], { date, past: date < today });
  }
  // 12 June (2025), 12th of June, 12. Juni, 12 de junio, le 12 juin
  for (const m of t.matchAll(DAY_MONTH)) {
    const month = monthOf(m[4] ?? '');
    if (month !== undefined) add(m.index, m[0], dayMonth(today, month, Number(m[1]), m[6] ? Number(m[6]) : undefined));
  }
  // June 12(th)(, 2025)
  for (const m of t.matchAll(MONTH_DAY)) {
    const month = monthOf(m[1] ?? '');
    if (month !== undefined) add(m.index, m[0], dayMonth(today, month, Number(m[2]), m[5] ? Number(m[5]) : undefined));
  }
  // "on the 25th", "by the 1st": this month's when still ahead, else next month's
  for (const m of t.matchAll(DAY_OF_MONTH)) {
    const d = Number(m[3]);
    const y = Number(today.slice(0, 4));
    const mo = Number(today.slice(5, 7));
    const date = validDay(y, mo, d);
    if (date && date >= today) add(m.index, m[0], { date, past: false });
    else {
      const next = validDay(mo === 12 ? y + 1 : y, mo === 12 ? 1 : mo + 1, d);
      if (next) add(m.index, m[0], { date: next, past: false });
    }
  }
  // 12/06, 12/06/2025, 12.06.2025 (not part of an amount or an invoice number)
  for (const m of t.matchAll(/(?<![\d/.,-])(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2}|\d{4}))?(?![\d/.,-]*\d)/g)) {
    const a = Number(m[1]);
    const b = Number(m[2]);
    if (m[0].includes('.') && m[3] === undefined) continue; // "12.06" alone is as likely an amount
    const year = m[3] ? Number(m[3]) : undefined;
    const monthFirst = MONTH_FIRST_ZONES.test(timeZone);
    const first = monthFirst ? dayMonth(today, a, b, year) : dayMonth(today, b, a, year);
    add(m.index, m[0], first ?? (monthFirst ? dayMonth(today, b, a, year) : dayMonth(today, a, b, year)));
  }
  // Relative days
  for (const [re, resolve] of RELATIVE_DAYS) for (const m of t.matchAll(re)) add(m.index, m[0], resolve(m, today));
  // Weekdays: "last Friday" (past), "next Friday" (after today), "Friday" (today or later)
  for (const m of t.matchAll(WEEKDAY_PHRASE)) {
    const day = weekdayOf(m[2] ?? '');
    if (day === undefined) continue;
    const before = (m[1] ?? '').trim();
    const after = (m[3] ?? '').trim();
    // A weekday right before a dated form ("Friday 12 June", "Friday 06/12") is that date: already found.
    if (DATED_AFTER.test(t.slice(m.index + m[0].length, m.index + m[0].length + 20))) continue;
    if (/^(last|past|dernier|letzten|vorige)$/.test(before) || /^(dernier|pasado)$/.test(after)) add(m.index, m[0], { date: previousWeekday(today, day), past: true });
    else add(m.index, m[0], { date: nextWeekday(today, day, /^(next)$/.test(before) || /^(prochain|que viene)$/.test(after)), past: false });
  }
  return out.sort((a, b) => a.at - b.at);
}

// ---- invoice numbers ------------------------------------------------------------------------------

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The open invoice numbers the text names: "INV-1042" as written, or its digits after "invoice", "inv" or "#". */
export function mentionedInvoices(text: string, open: readonly string[]): string[] {
  const t = text.toLowerCase();
  return open.filter((n) => {
    const number = n.trim().toLowerCase();
    if (number === '') return false;
    if (new RegExp(`(?<![a-z0-9])${escapeRe(number)}(?![a-z0-9]|[.,]\\d)`).test(t)) return true;
    const digits = /(\d+)$/.exec(number)?.[1];
    if (!digits || digits === number || digits.length < 3) return false;
    return new RegExp(`(invoice|inv|facture|rechnung|factura|factuur|#|no\\.?|nr\\.?|n°)\\s*[-#:]?\\s*0*${digits}(?![0-9]|[.,]\\d)`).test(t);
  });
}

// ---- attachments ----------------------------------------------------------------------------------

const PROOF_NAME = /(^|[^a-z])(remit|remittance|payment|paiement|zahlung|pago|proof|receipt|pop)([^a-z]|s?[^a-z]|$)/i;
const PROOF_TYPE = /^(application\/pdf|image\/)/i;

/** An attachment that looks like a remittance advice or a proof of payment (a PDF or an image so named). */
export function looksLikeProofOfPayment(a: { filename: string; contentType: string }): boolean {
  return PROOF_TYPE.test(a.contentType) && PROOF_NAME.test(a.filename);
}

// ---- the rules ------------------------------------------------------------------------------------

interface Sentence {
  text: string;
  start: number;
}

/** The text cut at . ! ? ; followed by a space or the end (not "12,400.00" or "12.06.2025"), and at line ends. */
function sentences(t: string): Sentence[] {
  const out: Sentence[] = [];
  let start = 0;
  for (const m of t.matchAll(/[.!?;]+(?=\s|$)|\n/g)) {
    const end = m.index + m[0].length;
    if (end > start) out.push({ text: t.slice(start, end), start });
    start = end;
  }
  if (start < t.length) out.push({ text: t.slice(start), start });
  return out;
}

const first = (res: readonly RegExp[], t: string): RegExpExecArray | null => {
  for (const re of res) {
    const m = re.exec(t);
    if (m) return m;
  }
  return null;
};

/** A paid word done in the past tense in this sentence: the words that say so, or null. */
function paidIn(s: Sentence, dates: readonly FoundDate[], today: LocalDate): string | null {
  for (const re of PAID) {
    const m = re.exec(s.text);
    if (!m) continue;
    const before = s.text.slice(Math.max(0, m.index - 40), m.index);
    const words = m[0].trim();
    // "to be paid", "will be paid", "not yet paid", "once paid", "unpaid" — not done.
    if (NOT_YET.test(before) || NOT_YET_WORDS.test(before.split(/[,:]/).pop() ?? '') || /\bun$/.test(before)) {
      // …unless a plain "we paid"/"has been paid" follows the marker with a past date ("we paid it yesterday").
      if (!dates.some((d) => d.past && d.at >= s.start && d.at < s.start + s.text.length)) continue;
    }
    // "payment sent tomorrow", "cheque posted next week": a date after today in the sentence makes it a promise,
    // unless the words are past tense themselves ("paid", "payment was sent", "has been wired").
    const later = dates.some((d) => d.date > today && d.at > s.start + m.index && d.at < s.start + s.text.length);
    const pastTense = PAST_TENSE.test(`${before.slice(-20)} ${words}`);
    if (later && !pastTense) continue;
    return words;
  }
  return null;
}

export function suggestReplyAction(reply: ReplyToSuggest, ctx: SuggestContext): ReplySuggestion {
  const subject = reply.subject.trim();
  // A "Re:" subject is our own reminder's: it names invoices but says nothing about what the customer means.
  const ownSubject = /^(re|aw|sv|vs|antw|rép|réf|fw|fwd|tr|wg)\s*:/i.test(subject);
  const body = freshText(reply.text);
  const t = `${ownSubject ? '' : `${subject}\n`}${body}`.toLowerCase().replace(/[‘’`´]/g, "'").replace(/[ \t]+/g, ' ');
  // The invoices the customer names; when they name none, those of the subject (our reminder's, on a "Re:").
  const named = mentionedInvoices(body, ctx.openInvoiceNumbers);
  const invoiceNumbers = named.length > 0 ? named : mentionedInvoices(subject, ctx.openInvoiceNumbers);
  const today = localDate(ctx.now, ctx.timeZone);
  const dates = findDates(t, today, ctx.timeZone);
  const parts = sentences(t);
  const proof = reply.attachments.filter(looksLikeProofOfPayment);

  const strong = first(STRONG_DISPUTE, t);
  // "We do not dispute the invoice" is not a dispute.
  if (strong && !NOT_DISPUTED.test(t.slice(Math.max(0, strong.index - 12), strong.index + strong[0].length))) {
    return { kind: 'dispute', invoiceNumbers, why: `"${strong[0].trim()}"` };
  }
  for (const s of parts) {
    const words = paidIn(s, dates, today);
    if (words === null) continue;
    const pastDate = dates.find((d) => d.past && d.at >= s.start && d.at < s.start + s.text.length);
    return { kind: 'paid', ...(pastDate ? { date: pastDate.date } : {}), invoiceNumbers, why: `"${words}"${pastDate ? ` (${pastDate.words.trim()} → ${pastDate.date})` : ''}` };
  }
  // A pay word with a date behind today in one sentence: "the transfer went out yesterday".
  for (const s of parts) {
    const pay = PAY_WORDS.exec(s.text);
    const pastDate = dates.find((d) => d.past && d.at >= s.start && d.at < s.start + s.text.length);
    if (pay && pastDate && !FUTURE_OR_NOT.test(s.text)) {
      return { kind: 'paid', date: pastDate.date, invoiceNumbers, why: `"${pay[0]}" with a past date (${pastDate.words.trim()} → ${pastDate.date})` };
    }
  }
  if (proof.length > 0) {
    return { kind: 'paid', invoiceNumbers, why: `attachment ${proof.map((a) => `"${a.filename}"`).join(', ')} looks like a proof of payment` };
  }
  const weak = first(WEAK_DISPUTE, t);
  if (weak) return { kind: 'dispute', invoiceNumbers, why: `"${weak[0].trim()}"` };
  // A pay word and a date today or later in one sentence (else anywhere in the reply) → promise on that date.
  const future = dates.filter((d) => !d.past);
  if (future.length > 0) {
    for (const s of parts) {
      const pay = PAY_WORDS.exec(s.text);
      const d = future.find((x) => x.at >= s.start && x.at < s.start + s.text.length);
      if (pay && d) return { kind: 'promise', date: d.date, invoiceNumbers, why: `"${pay[0]}" and "${d.words.trim()}" → ${d.date}` };
    }
    const pay = PAY_WORDS.exec(t);
    const d = future[0];
    if (pay && d) return { kind: 'promise', date: d.date, invoiceNumbers, why: `"${pay[0]}" and "${d.words.trim()}" → ${d.date}` };
  }
  return { kind: 'none', invoiceNumbers, why: 'no date with "pay", no dispute word, nothing paid' };
}

// Per-organisation settings for documents, read from organisation.settings.documents
// (and settings.sender, which the email channel uses too). The fields the settings
// API changes (letterhead, sender, remittance = payment, agency, holidays) are
// parsed with their one schema in src/settings/org-settings.ts. Every field is
// optional and parsed on its own: a malformed field falls back to its safe
// default instead of breaking a letter, and the problem is reported.
import { z } from 'zod';
import { localeFor, paperSizeFor } from '../domain/locale.js';
import { AgencySchema, HolidaysSchema, LetterheadSchema, RemittanceSchema, SenderSchema } from '../settings/org-settings.js';

export type LetterKind = 'final-demand' | 'written-warning';
export const LETTER_KINDS: readonly LetterKind[] = ['final-demand', 'written-warning'];

export function isLetterKind(s: string): s is LetterKind {
  return (LETTER_KINDS as readonly string[]).includes(s);
}

/** The paragraphs of a letter. Placeholders: {company} {customer} {recipient} {total} {deadline} {sentDate} {agency} {collector} {businessDays}. */
export interface LetterTexts {
  title: string;
  subject: string;
  salutation: string;
  opening: string;
  statementIntro: string;
  demand: string;
  /** When the account's ladder goes on to an agency referral. */
  consequence: string;
  /** When it does not (a ladder without a referral): no agency is named. */
  consequenceWithoutAgency: string;
  /** When a credit hold may follow (a level from this one on places or proposes one). */
  holdPossible: string;
  /** When the account is on credit hold already. */
  holdInPlace: string;
  dispute: string;
  payment: string;
  closing: string;
  signOff: string;
}

export const DEFAULT_TEXTS: Readonly<Record<LetterKind, LetterTexts>> = {
  'final-demand': {
    title: 'FINAL DEMAND FOR PAYMENT',
    subject: 'Final demand: past-due balance of {total}',
    salutation: 'Dear {recipient},',
    opening:
      'We have written to you and called you several times about the invoices listed below, which remain unpaid on your account with {company}. We have not received payment, or an explanation of why payment has not been made.',
    statementIntro: 'The following invoices are past due:',
    demand: 'This letter is our formal demand for payment of the full balance due of {total}. Please pay this amount, or contact us to agree on how it will be paid, no later than {deadline}.',
    consequence:
      'If we have not received payment or heard from you by {deadline}, we intend to refer the account to {agency} for collection, without further notice.',
    consequenceWithoutAgency: 'Please act on this letter by {deadline}.',
    holdPossible: 'Further credit on the account may be suspended.',
    holdInPlace: 'The account is on credit hold, and further credit will remain suspended until the balance is paid.',
    dispute: 'If you believe any part of this balance is not owed, please tell us in writing before {deadline}, explaining why, so that we can review it.',
    payment: 'How to pay',
    closing: 'We would much rather settle this directly with you. Thank you for giving this matter your prompt attention.',
    signOff: 'Yours sincerely,',
  },
  'written-warning': {
    title: 'WRITTEN WARNING: PAST-DUE ACCOUNT',
    subject: 'Past-due balance of {total}',
    salutation: 'Dear {recipient},',
    opening: 'We have tried to reach you several times about the past-due invoices listed below on your account with {company}, without a response.',
    statementIntro: 'The following invoices are past due:',
    demand: 'The past-due balance is {total}. Please pay it, or contact us to discuss it, no later than {deadline}.',
    consequence:
      'If we do not hear from you by {deadline}, we will escalate the matter: a final demand will follow and, if the balance remains unpaid, the account may be referred to {agency}.',
    consequenceWithoutAgency: 'If we do not hear from you by {deadline}, we will escalate the matter.',
    holdPossible: 'New orders may be held until the account is brought up to date.',
    holdInPlace: 'The account is on credit hold: new orders are held until the account is brought up to date.',
    dispute: 'If there is a problem with any of these invoices, please let us know so that we can resolve it.',
    payment: 'How to pay',
    closing: 'We value your business and would like to resolve this with you.',
    signOff: 'Kind regards,',
  },
};

const DEFAULT_BUSINESS_DAYS: Readonly<Record<LetterKind, number>> = { 'final-demand': 10, 'written-warning': 7 };

// Each leaf: optional, and a malformed value is dropped (recorded as a problem).
const text = z.string().trim().min(1).max(4000);
const opt = <T extends z.ZodType>(s: T) => s.optional();

const TextsSchema = z
  .object({
    title: opt(text), subject: opt(text), salutation: opt(text), opening: opt(text), statementIntro: opt(text), demand: opt(text),
    consequence: opt(text), consequenceWithoutAgency: opt(text), holdPossible: opt(text), holdInPlace: opt(text), dispute: opt(text), payment: opt(text), closing: opt(text), signOff: opt(text),
  })
  .partial();

const fieldSchemas = {
  locale: z.string().refine((l) => {
    try {
      return Intl.NumberFormat.supportedLocalesOf([l]).length === 1;
    } catch {
      return false;
    }
  }, 'not a locale this runtime knows'),
  paperSize: z.enum(['A4', 'LETTER']),
  letterhead: LetterheadSchema,
  collector: z.object({ name: opt(text), title: opt(text), email: opt(z.email()), phone: opt(text) }).partial(),
  payment: RemittanceSchema,
  agency: AgencySchema,
  responseBusinessDays: z.object({ 'final-demand': opt(z.number().int().min(1).max(60)), 'written-warning': opt(z.number().int().min(1).max(60)) }).partial(),
  recentlyPaidDays: z.number().int().min(0).max(3660),
  holidays: HolidaysSchema,
  texts: z.object({ 'final-demand': opt(TextsSchema), 'written-warning': opt(TextsSchema) }).partial(),
} as const;

export interface DocumentSettings {
  locale: string;
  paperSize: 'A4' | 'LETTER';
  letterhead: { name: string; addressLines: string[]; phone?: string; email?: string; website?: string; registration?: string; logo?: Buffer };
  collector: { name: string; title?: string; email?: string; phone?: string };
  payment: { bankDetails: string[]; instructions?: string; payLinks: boolean };
  agency: { name?: string; email?: string; address?: string };
  responseBusinessDays: Record<LetterKind, number>;
  recentlyPaidDays: number;
  holidays: string[];
  texts: Record<LetterKind, LetterTexts>;
  /** Settings that were present but malformed, and so replaced by their default. */
  problems: string[];
}

function record(x: unknown): Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : {};
}

/**
 * The settings for one customer's documents: dates and amounts in its country's style (en-NZ: "22 May 2026",
 * en-US: "May 22, 2026") and its country's paper (US Letter in the US and Canada, A4 elsewhere); the
 * organisation's locale and paper when the country is not known. Letters and emails both date by this.
 */
export function forCountry<S extends Pick<DocumentSettings, 'locale' | 'paperSize'>>(settings: S, country: string | undefined): S {
  if (country === undefined) return settings;
  return { ...settings, locale: localeFor(country, settings.locale), paperSize: paperSizeFor(country, settings.paperSize) };
}

/** Letter-size paper where it is the norm; A4 elsewhere. */
function defaultPaper(locale: string): 'A4' | 'LETTER' {
  return /-(US|CA|MX|PH|CL|CO|VE)$/i.test(locale) ? 'LETTER' : 'A4';
}

export function splitLines(s: string | undefined): string[] {
  return (s ?? '').split(/\r?\n|\s*;\s*/).map((l) => l.trim()).filter((l) => l !== '');
}

/**
 * Resolves the document settings of an organisation. `fallback` fills what the
 * settings leave out (the customer's collector email, for one).
 */
export function resolveDocumentSettings(org: { name: string; settings: Record<string, unknown> }, fallback: { collectorEmail?: string; country?: string | undefined } = {}): DocumentSettings {
  return forCountry(resolveOrgDocumentSettings(org, fallback), fallback.country);
}

function resolveOrgDocumentSettings(org: { name: string; settings: Record<string, unknown> }, fallback: { collectorEmail?: string }): DocumentSettings {
  const raw = record(org.settings['documents']);
  const problems: string[] = [];
  const field = <K extends keyof typeof fieldSchemas>(key: K): z.infer<(typeof fieldSchemas)[K]> | undefined => {
    if (raw[key] === undefined) return undefined;
    const r = fieldSchemas[key].safeParse(raw[key]);
    if (r.success) return r.data as z.infer<(typeof fieldSchemas)[K]>;
    problems.push(`documents.${key}: ${r.error.issues.map((i) => `${i.path.join('.') || '(value)'} ${i.message}`).join('; ')}`);
    return undefined;
  };
  const senderParsed = SenderSchema.safeParse(org.settings['sender'] ?? {});
  if (!senderParsed.success) problems.push('sender: malformed, ignored');
  const sender = senderParsed.success ? senderParsed.data : {};

  const locale = field('locale') ?? 'en-US';
  const lh = field('letterhead') ?? {};
  const col = field('collector') ?? {};
  const pay = field('payment') ?? {};
  const agency = field('agency') ?? {};
  const days = field('responseBusinessDays') ?? {};
  const texts = field('texts') ?? {};
  let logo: Buffer | undefined;
  if (lh.logoBase64 !== undefined) {
    const b = Buffer.from(lh.logoBase64, 'base64');
    const png = b.subarray(0, 4).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    const jpeg = b[0] === 0xff && b[1] === 0xd8;
    if (png || jpeg) logo = b;
    else problems.push('documents.letterhead.logoBase64: not a PNG or JPEG image');
  }
  const collectorEmail = col.email ?? fallback.collectorEmail ?? sender.email;
  const collectorPhone = col.phone ?? sender.phone;
  return {
    locale,
    paperSize: field('paperSize') ?? defaultPaper(locale),
    letterhead: {
      name: lh.name ?? sender.company ?? org.name,
      addressLines: splitLines(lh.address ?? sender.address),
      ...(lh.phone ?? sender.phone ? { phone: lh.phone ?? sender.phone } : {}),
      ...(lh.email ?? sender.email ? { email: lh.email ?? sender.email } : {}),
      ...(lh.website ? { website: lh.website } : {}),
      ...(lh.registration ? { registration: lh.registration } : {}),
      ...(logo ? { logo } : {}),
    },
    collector: {
      name: col.name ?? sender.name ?? 'Accounts Receivable',
      ...(col.title ? { title: col.title } : {}),
      ...(collectorEmail ? { email: collectorEmail } : {}),
      ...(collectorPhone ? { phone: collectorPhone } : {}),
    },
    payment: { bankDetails: pay.bankDetails ?? [], ...(pay.instructions ? { instructions: pay.instructions } : {}), payLinks: pay.payLinks ?? true },
    agency: { ...agency },
    responseBusinessDays: { 'final-demand': days['final-demand'] ?? DEFAULT_BUSINESS_DAYS['final-demand'], 'written-warning': days['written-warning'] ?? DEFAULT_BUSINESS_DAYS['written-warning'] },
    recentlyPaidDays: field('recentlyPaidDays') ?? 90,
    holidays: field('holidays') ?? [],
    texts: {
      'final-demand': { ...DEFAULT_TEXTS['final-demand'], ...stripUndefined(texts['final-demand'] ?? {}) },
      'written-warning': { ...DEFAULT_TEXTS['written-warning'], ...stripUndefined(texts['written-warning'] ?? {}) },
    },
    problems,
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

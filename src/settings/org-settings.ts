// An organisation's settings, one definition: the zod schema of every field the
// settings API (GET/PATCH /api/orgs/:orgId/settings) shows and changes, how the
// fields are read from where they are stored, and how a change is written back.
// Every reader uses the leaf schemas and readers here: letters and statements
// (src/documents/settings.ts: letterhead, sender, remittance, agency, holidays),
// the email channel (sender), planning (the default collector), the policy source
// (sending hours and holidays over the policy's), the dispatcher (the kill switch
// `org.outbound` and each connection's send mode).
//
// Where each field is stored (kept where its readers already looked, so nothing
// is migrated): timeZone, homeCurrency → the organisation document; sendingHours,
// sendMode → settings; holidays, letterhead, remittance (payment), agency →
// settings.documents; sender → settings.sender; defaultCollectorEmail →
// settings.assignments; killSwitch → organisation.outbound.
import { z } from 'zod';
import { isValidDate, isValidTimeZone, parseTimeOfDay } from '../domain/calendar.js';
import { CurrencyCode } from '../domain/human-input.js';
import type { Policy } from '../engine/policy.js';
import type { OrganisationDoc } from '../store/types.js';

const text = z.string().trim().min(1).max(4000);

export const TimeZoneSchema = z.string().refine(isValidTimeZone, 'unknown IANA time zone (e.g. Europe/London)');
export const TimeOfDaySchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a time of day hh:mm');
export const CalendarDateSchema = z.string().refine(isValidDate, 'expected a calendar date YYYY-MM-DD');

/** Sending hours [start, end) in each customer's time zone; replaces the policy's. */
export const SendingHoursSchema = z
  .object({ start: TimeOfDaySchema, end: TimeOfDaySchema })
  .strict()
  .refine((h) => !/^\d\d:\d\d$/.test(h.start) || !/^\d\d:\d\d$/.test(h.end) || parseTimeOfDay(h.start) < parseTimeOfDay(h.end), { message: 'start must be before end', path: ['end'] });
/** The organisation's own holidays: no sends, and letters' response deadlines skip them. Added to the policy's. */
export const HolidaysSchema = z.array(CalendarDateSchema).max(500);
export const LetterheadSchema = z
  .object({ name: text, address: text, phone: text, email: z.email(), website: text, registration: text, logoBase64: z.base64().max(2_000_000) })
  .partial()
  .strict();
/** Who the customer emails come from and who signs (the email channel and letters). */
/** replyTo: the organisation's own Reply-To for customer email (docs/inbound-mail.md); absent: the account's reply address when inbound mail is configured. */
export const SenderSchema = z.object({ company: text, name: text, email: z.email(), phone: text, address: text, replyTo: z.email() }).partial().strict();
/** How to pay: bank details printed on letters and statements, instructions, and whether invoices' pay links are shown. */
export const RemittanceSchema = z.object({ bankDetails: z.array(text).max(12), instructions: text, payLinks: z.boolean() }).partial().strict();
export const AgencySchema = z.object({ name: text, email: z.email(), address: text }).partial().strict();
export const DefaultCollectorSchema = z.email().toLowerCase();
export const SendModeSchema = z.enum(['dry-run', 'live']);
export const KillSwitchSchema = z.object({ paused: z.boolean(), reason: z.string().trim().min(1).max(500).optional() }).strict();

export const OrgSettingsSchema = z
  .object({
    timeZone: TimeZoneSchema,
    homeCurrency: CurrencyCode,
    /** null: the policy's sending hours. */
    sendingHours: SendingHoursSchema.nullable(),
    holidays: HolidaysSchema,
    letterhead: LetterheadSchema,
    sender: SenderSchema,
    remittance: RemittanceSchema,
    agency: AgencySchema,
    /** The collector of every customer that has none of its own; null: none. */
    defaultCollectorEmail: DefaultCollectorSchema.nullable(),
    /** The organisation's send mode, applied to each of its connections when it changes. */
    sendMode: SendModeSchema,
    /** paused: nothing customer-facing leaves (entries wait); tasks still flow. */
    killSwitch: KillSwitchSchema,
  })
  .strict();
export type OrgSettings = z.output<typeof OrgSettingsSchema>;
export type OrgSettingsField = keyof OrgSettings;
export const ORG_SETTINGS_FIELDS = Object.keys(OrgSettingsSchema.shape) as OrgSettingsField[];

/** The object-valued fields a PATCH merges one level deep (a member set to null is removed). */
const MERGED = ['letterhead', 'sender', 'remittance', 'agency'] as const;
type MergedField = (typeof MERGED)[number];

function nullableMembers(o: z.ZodObject): z.ZodType<Record<string, unknown>> {
  return z.object(Object.fromEntries(Object.entries(o.shape).map(([k, v]) => [k, (v as z.ZodType).nullable().optional()]))).strict() as unknown as z.ZodType<Record<string, unknown>>;
}

/**
 * A PATCH body: any subset of the fields. Objects (letterhead, sender, remittance, agency) merge with what is
 * stored, a member set to null removing it; killSwitch may name only `paused`. The merged result is then
 * validated whole with OrgSettingsSchema.
 */
export const OrgSettingsPatchSchema = z
  .object({
    timeZone: TimeZoneSchema.optional(),
    homeCurrency: CurrencyCode.optional(),
    sendingHours: SendingHoursSchema.nullable().optional(),
    holidays: HolidaysSchema.optional(),
    letterhead: nullableMembers(LetterheadSchema).optional(),
    sender: nullableMembers(SenderSchema).optional(),
    remittance: nullableMembers(RemittanceSchema).optional(),
    agency: nullableMembers(AgencySchema).optional(),
    defaultCollectorEmail: DefaultCollectorSchema.nullable().optional(),
    sendMode: SendModeSchema.optional(),
    killSwitch: KillSwitchSchema.optional(),
  })
  .strict();
export type OrgSettingsPatch = z.output<typeof OrgSettingsPatchSchema>;

export function record(x: unknown): Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : {};
}

/** A stored field read with its schema: absent or malformed gives the fallback (and names the problem). */
export function readField<T>(schema: z.ZodType<T>, raw: unknown, fallback: T, problems?: { path: string; list: string[] }): T {
  if (raw === undefined) return fallback;
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  problems?.list.push(`${problems.path}: ${r.error.issues.map((i) => `${i.path.join('.') || '(value)'} ${i.message}`).join('; ')}`);
  return fallback;
}

/** The default collector stored in settings.assignments (set here or by the assignments import). */
export function defaultCollectorOf(settings: Record<string, unknown>): string | undefined {
  return readField(DefaultCollectorSchema.optional(), record(settings['assignments'])['defaultCollectorEmail'], undefined);
}

/** The organisation's own sending hours (null: the policy's). */
export function sendingHoursOf(settings: Record<string, unknown>): { start: string; end: string } | null {
  return readField(SendingHoursSchema.nullable(), settings['sendingHours'], null);
}

/** The organisation's own holidays. */
export function holidaysOf(settings: Record<string, unknown>): string[] {
  return readField(HolidaysSchema, record(settings['documents'])['holidays'], []);
}

/** The settings of an organisation as the API shows them (a malformed stored field shows as its default). */
export function orgSettingsOf(org: Pick<OrganisationDoc, 'timeZone' | 'homeCurrency' | 'settings' | 'outbound'>): OrgSettings {
  const s = org.settings;
  const docs = record(s['documents']);
  return {
    timeZone: org.timeZone,
    homeCurrency: org.homeCurrency,
    sendingHours: sendingHoursOf(s),
    holidays: holidaysOf(s),
    letterhead: readField(LetterheadSchema, docs['letterhead'], {}),
    sender: readField(SenderSchema, s['sender'], {}),
    remittance: readField(RemittanceSchema, docs['payment'], {}),
    agency: readField(AgencySchema, docs['agency'], {}),
    defaultCollectorEmail: defaultCollectorOf(s) ?? null,
    sendMode: readField(SendModeSchema, s['sendMode'], 'dry-run'),
    killSwitch: { paused: org.outbound?.paused === true, ...(org.outbound?.paused === true && org.outbound.reason !== undefined ? { reason: org.outbound.reason } : {}) },
  };
}

/** The settings after a patch, not yet validated (OrgSettingsSchema does that, whole). */
export function mergeSettings(current: OrgSettings, patch: OrgSettingsPatch): unknown {
  const next: Record<string, unknown> = { ...current };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    if ((MERGED as readonly string[]).includes(k)) {
      const merged: Record<string, unknown> = { ...record(current[k as MergedField]), ...(v as Record<string, unknown>) };
      for (const [mk, mv] of Object.entries(merged)) if (mv === null || mv === undefined) delete merged[mk];
      next[k] = merged;
    } else next[k] = v;
  }
  return next;
}

export interface SettingsChange {
  field: OrgSettingsField;
  from: unknown;
  to: unknown;
}

/** Field by field, what differs between two settings (logo bytes are named, not copied). */
export function settingsChanges(from: OrgSettings, to: OrgSettings): SettingsChange[] {
  const shown = (f: OrgSettingsField, v: unknown): unknown =>
    f === 'letterhead' && typeof record(v)['logoBase64'] === 'string' ? { ...record(v), logoBase64: `(${String(record(v)['logoBase64']).length} base64 characters)` } : (v ?? null);
  return ORG_SETTINGS_FIELDS.filter((f) => JSON.stringify(from[f] ?? null) !== JSON.stringify(to[f] ?? null)).map((f) => ({ field: f, from: shown(f, from[f]), to: shown(f, to[f]) }));
}

/**
 * The organisation document's fields for new settings: timeZone, homeCurrency and the settings record (other
 * keys of it kept). The kill switch and connections' send modes are applied by their own writers.
 */
export function storedSettings(org: Pick<OrganisationDoc, 'settings'>, next: OrgSettings): { timeZone: string; homeCurrency: string; settings: Record<string, unknown> } {
  const s = { ...org.settings };
  const documents = { ...record(s['documents']), holidays: next.holidays, letterhead: next.letterhead, payment: next.remittance, agency: next.agency };
  const assignments = { ...record(s['assignments']) };
  if (next.defaultCollectorEmail === null) delete assignments['defaultCollectorEmail'];
  else assignments['defaultCollectorEmail'] = next.defaultCollectorEmail;
  const out: Record<string, unknown> = { ...s, documents, assignments, sender: next.sender, sendMode: next.sendMode };
  if (next.sendingHours === null) delete out['sendingHours'];
  else out['sendingHours'] = next.sendingHours;
  return { timeZone: next.timeZone, homeCurrency: next.homeCurrency, settings: out };
}

/**
 * The policy an organisation runs under its own calendar settings: its sending hours replace the policy's,
 * its holidays are added to the policy's. Pure; the policy source applies it to every policy it returns.
 */
export function withOrgCalendar(policy: Policy, settings: Record<string, unknown>): Policy {
  const hours = sendingHoursOf(settings);
  const holidays = holidaysOf(settings);
  if (!hours && holidays.length === 0) return policy;
  const merged = holidays.length > 0 ? [...new Set([...policy.calendar.holidays, ...holidays])].sort() : policy.calendar.holidays;
  return { ...policy, calendar: { ...policy.calendar, sendingHours: hours ?? policy.calendar.sendingHours, holidays: merged } };
}

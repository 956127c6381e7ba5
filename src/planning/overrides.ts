// Per-customer overrides (a person's settings for one account, kept in the
// account state's `overrides`, where syncs never write): the PATCH body's schema,
// the checks that need the account (guarantor, end date), the field-by-field
// change with its from → to for the audit trail, and what they mean for the
// engine's Account (assemble.ts). The custom ladder (policyVersion) has its own
// route and is left alone here.
import { z } from 'zod';
import { isValidDate, isValidTimeZone, type LocalDate } from '../domain/calendar.js';
import { cappedText } from '../domain/human-input.js';
import { canonicalLanguage } from '../domain/language.js';
import type { Account } from '../engine/index.js';
import type { ContactDoc, CustomerDoc } from '../store/types.js';
import type { AccountStateDoc, CustomerOverridesDoc } from './state.js';
import { customerTimeZone, type TimeZoneSource } from '../domain/customer-time-zone.js';
import { EnteredContactInput, enteredIdOf, mergeContacts, problemText } from './contacts.js';

/** The tag a strategic account carries (the default policy's `strategic.tags`). */
export const STRATEGIC_TAG = 'strategic';

const LocalDateText = z.string().refine(isValidDate, 'expected a calendar date YYYY-MM-DD');

export const ExclusionInput = z.strictObject({
  reason: cappedText('reason'),
  /** The last day (in the account's time zone) the customer is not chased; none: until lifted. */
  until: LocalDateText.optional(),
});

export const GuaranteeInput = z
  .strictObject({
    /** A contact of the account with the guarantor role, or a contact a person entered. */
    contactId: z.string().trim().min(1).max(200).optional(),
    /** Or the guarantor themselves: entered as a contact of the account with the guarantor role (EnteredContactInput's rules). */
    guarantor: z.strictObject({ name: z.unknown(), email: z.unknown().optional(), phone: z.unknown().optional() }).optional(),
    /** The signed guarantee's reference (a document number, a file name). */
    documentRef: cappedText('name'),
  })
  .refine((g) => (g.contactId === undefined) !== (g.guarantor === undefined), { message: 'give either contactId (an existing contact) or guarantor ({ name, email })', path: ['contactId'] });

export const TimeZoneInput = z.string().refine(isValidTimeZone, 'unknown IANA time zone (e.g. Europe/London)');

export const LanguageInput = z
  .string()
  .max(35)
  .transform((s, ctx) => {
    const canonical = canonicalLanguage(s);
    if (canonical === null) {
      ctx.addIssue({ code: 'custom', message: 'not a BCP 47 language tag (e.g. en-GB)' });
      return z.NEVER;
    }
    return canonical;
  });

/** PATCH /api/accounts/:id/overrides: each field optional; null lifts it (back to the ledger's or organisation's). */
export const OverridesPatch = z
  .strictObject({
    exclusion: ExclusionInput.nullable().optional(),
    strategic: z.boolean().nullable().optional(),
    guarantee: GuaranteeInput.nullable().optional(),
    timeZone: TimeZoneInput.nullable().optional(),
    language: LanguageInput.nullable().optional(),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), 'nothing to change: give at least one of exclusion, strategic, guarantee, timeZone, language');
export type OverridesPatchInput = z.output<typeof OverridesPatch>;

/** The fields this module writes (policyVersion is the custom ladder's route). */
export const OVERRIDE_FIELDS = ['exclusion', 'strategic', 'guarantee', 'timeZone', 'language'] as const;
export type OverrideField = (typeof OVERRIDE_FIELDS)[number];

/** The overrides as the API answers them. */
export const OverridesView = z.object({
  accountId: z.string(),
  overrides: z.object({
    exclusion: z.object({ reason: z.string(), until: z.string().optional(), by: z.string(), at: z.string() }).nullable(),
    strategic: z.boolean().nullable(),
    guarantee: z.object({ contactId: z.string(), documentRef: z.string(), contactName: z.string().nullable() }).nullable(),
    timeZone: z.string().nullable(),
    language: z.string().nullable(),
    policyVersion: z.number().int().nullable(),
  }),
  effective: z.object({ timeZone: z.string(), strategic: z.boolean(), personalGuarantee: z.boolean(), language: z.string().nullable(), excluded: z.boolean() }),
});
export type OverridesViewDoc = z.infer<typeof OverridesView>;

export interface OverrideChange {
  readonly field: OverrideField;
  readonly from: unknown;
  readonly to: unknown;
}

export interface PlannedOverrides {
  readonly set: Partial<CustomerOverridesDoc>;
  readonly unset: OverrideField[];
  /** Only the fields that really change. */
  readonly changes: OverrideChange[];
  /** Problems only the account can tell (unknown guarantor, end date past): none before anything is written. */
  readonly problems: { path: string; message: string }[];
  /** The guarantor to enter as a contact of the account (the guarantee named a person, not a contact id). */
  readonly enterGuarantor?: EnteredContactInput;
}

/** The contacts a guarantee may name: the ledger's with the guarantor role, and any a person entered. */
function guarantorCandidates(customer: CustomerDoc, state: AccountStateDoc | null): ContactDoc[] {
  return [...customer.contacts.filter((c) => c.roles.includes('guarantor')), ...(state?.contacts ?? [])];
}

function contactName(customer: CustomerDoc, state: AccountStateDoc | null, id: string): string | null {
  return [...customer.contacts, ...(state?.contacts ?? [])].find((c) => c.id === id)?.name ?? null;
}

/** The stored value of a field, as the audit trail shows it (the exclusion without who/when). */
function comparable(field: OverrideField, o: CustomerOverridesDoc | undefined): unknown {
  const v = o?.[field];
  if (v === undefined) return null;
  if (field === 'exclusion' && typeof v === 'object') {
    const x = v as NonNullable<CustomerOverridesDoc['exclusion']>;
    return { reason: x.reason, ...(x.until !== undefined ? { until: x.until } : {}) };
  }
  return v;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * What a PATCH changes: per field `$set` or `$unset`, the from → to of each real change, and the problems
 * only the account can tell. `today` is the account's local date (an end date before it is refused).
 */
export function planOverrides(patch: OverridesPatchInput, customer: CustomerDoc, state: AccountStateDoc | null, who: string, today: LocalDate, now: Date): PlannedOverrides {
  const current = state?.overrides;
  const set: Partial<CustomerOverridesDoc> = {};
  const unset: OverrideField[] = [];
  const changes: OverrideChange[] = [];
  const problems: { path: string; message: string }[] = [];

  if (patch.exclusion?.until !== undefined && patch.exclusion.until < today) {
    problems.push({ path: 'exclusion.until', message: `the end date ${patch.exclusion.until} is before today (${today}) in the account's time zone` });
  }
  let enterGuarantor: EnteredContactInput | undefined;
  let guarantee: { contactId: string; documentRef: string } | null | undefined = patch.guarantee === null ? null : undefined;
  if (patch.guarantee) {
    const { contactId: id, guarantor, documentRef } = patch.guarantee;
    if (guarantor !== undefined) {
      const person = EnteredContactInput.safeParse({ ...guarantor, role: 'guarantor' });
      if (!person.success) problems.push({ path: 'guarantee.guarantor', message: problemText(person.error) });
      else {
        enterGuarantor = person.data;
        guarantee = { contactId: enteredIdOf(person.data), documentRef };
      }
    } else if (id !== undefined) {
      if (!guarantorCandidates(customer, state).some((c) => c.id === id)) {
        problems.push({ path: 'guarantee.contactId', message: `${id} is not a contact of this account with the guarantor role, nor a contact a person entered` });
      }
      guarantee = { contactId: id, documentRef };
    }
  }

  for (const field of OVERRIDE_FIELDS) {
    const value = field === 'guarantee' ? guarantee : patch[field];
    if (value === undefined) continue;
    const from = comparable(field, current);
    if (value === null) {
      if (from === null) continue;
      unset.push(field);
      changes.push({ field, from, to: null });
      continue;
    }
    if (same(from, value)) continue;
    changes.push({ field, from, to: value });
    if (field === 'exclusion') {
      const x = value as z.output<typeof ExclusionInput>;
      // `at` is when the customer stopped being chased: an edit of the reason or the end date keeps it.
      set.exclusion = { reason: x.reason, ...(x.until !== undefined ? { until: x.until } : {}), by: who, at: current?.exclusion?.at ?? now };
    } else {
      (set as Record<string, unknown>)[field] = value;
    }
  }
  return { set, unset, changes, problems, ...(enterGuarantor ? { enterGuarantor } : {}) };
}

/** "exclusion: none → not chased: in talks (until 2025-04-01)" for the audit trail. */
export function describeChange(c: OverrideChange): string {
  const text = (v: unknown): string => {
    if (v === null) return 'none';
    if (c.field === 'exclusion') {
      const x = v as { reason: string; until?: string };
      return `not chased: ${x.reason}${x.until !== undefined ? ` (until ${x.until})` : ''}`;
    }
    if (c.field === 'guarantee') {
      const g = v as { contactId: string; documentRef: string };
      return `guarantor ${g.contactId}, document ${g.documentRef}`;
    }
    return String(v);
  };
  return `${c.field}: ${text(c.from)} → ${text(c.to)}`;
}

/** The account's tags with the strategic override applied (on or off; unset: the ledger's tags as they are). */
export function tagsWithOverride(tags: readonly string[], strategic: boolean | undefined): string[] {
  if (strategic === undefined) return [...tags];
  const rest = tags.filter((t) => t !== STRATEGIC_TAG);
  return strategic ? [...rest, STRATEGIC_TAG] : rest;
}

/**
 * The account's time zone (src/domain/customer-time-zone.ts): its contacts' (people's entries first, then the
 * ledger's), else the override, else the ledger's, else its billing address's, else the organisation's. The
 * engine plans in it and the dispatcher applies sending hours in it.
 */
export function accountTimeZone(customer: Pick<CustomerDoc, 'contacts' | 'timeZone' | 'country' | 'region'>, state: Pick<AccountStateDoc, 'contacts' | 'overrides'> | null, orgTimeZone: string): { timeZone: string; source: TimeZoneSource } {
  return customerTimeZone({
    contactZones: mergeContacts(customer.contacts, state?.contacts ?? []).map((c) => c.timeZone),
    override: state?.overrides?.timeZone,
    ledger: customer.timeZone,
    country: customer.country,
    region: customer.region,
    orgTimeZone,
  });
}

/** The parts of the engine's Account the overrides decide (assemble.ts applies them). */
export function overriddenFields(
  customer: CustomerDoc,
  state: AccountStateDoc | null,
  orgTimeZone: string,
): Pick<Account, 'timeZone' | 'tags' | 'personalGuarantee' | 'guarantee' | 'language' | 'exclusion'> {
  const o = state?.overrides;
  const g = o?.guarantee;
  const x = o?.exclusion;
  return {
    timeZone: accountTimeZone(customer, state, orgTimeZone).timeZone,
    tags: tagsWithOverride(customer.tags, o?.strategic),
    personalGuarantee: g !== undefined || (state?.personalGuarantee ?? false),
    guarantee: g ? { contactId: g.contactId, name: contactName(customer, state, g.contactId) ?? g.contactId, documentRef: g.documentRef } : undefined,
    language: o?.language,
    exclusion: x ? { reason: x.reason, since: x.at.getTime(), until: x.until } : undefined,
  };
}

/** GET's answer: what is stored, and what the account is planned with. */
export function overridesView(customer: CustomerDoc, state: AccountStateDoc | null, orgTimeZone: string, today: LocalDate): OverridesViewDoc {
  const o = state?.overrides;
  const eff = overriddenFields(customer, state, orgTimeZone);
  return {
    accountId: customer._id,
    overrides: {
      exclusion: o?.exclusion ? { reason: o.exclusion.reason, ...(o.exclusion.until !== undefined ? { until: o.exclusion.until } : {}), by: o.exclusion.by, at: o.exclusion.at.toISOString() } : null,
      strategic: o?.strategic ?? null,
      guarantee: o?.guarantee ? { ...o.guarantee, contactName: contactName(customer, state, o.guarantee.contactId) } : null,
      timeZone: o?.timeZone ?? null,
      language: o?.language ?? null,
      policyVersion: o?.policyVersion ?? null,
    },
    effective: {
      timeZone: eff.timeZone,
      strategic: eff.tags.includes(STRATEGIC_TAG),
      personalGuarantee: eff.personalGuarantee,
      language: eff.language ?? null,
      excluded: eff.exclusion !== undefined && (eff.exclusion.until === undefined || eff.exclusion.until >= today),
    },
  };
}

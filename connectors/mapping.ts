// What both connectors' pure mappers share: the context a page is mapped in, the
// error a record that cannot be mapped raises, and decimal → minor units.
import { z } from 'zod';
import { isCurrencyCode, minorUnitExponent } from '../src/domain/money.js';
import { countryCode } from '../src/domain/locale.js';
import type { ContactDoc, Provider } from '../src/store/types.js';

export interface MapContext {
  orgId: string;
  connectionId: string;
  /** QuickBooks realmId or Xero tenant id. */
  companyId: string;
  /** Used when a record carries no currency of its own. */
  homeCurrency: string;
  syncedAt: Date;
}

export class MappingError extends Error {
  constructor(readonly entity: string, readonly id: string, message: string) {
    super(`${entity} ${id}: ${message}`);
    this.name = 'MappingError';
  }
}

/** The natural key and ownership fields of a synced record. */
export function recordKey<P extends Provider>(provider: P, ctx: MapContext, externalId: string) {
  return { provider, companyId: ctx.companyId, externalId, orgId: ctx.orgId, connectionId: ctx.connectionId };
}

/**
 * A provider decimal amount in minor units. A MappingError (the record is rejected and
 * counted, not saved) when the currency is not ISO 4217, when the amount is not a decimal,
 * or when it has more decimals than the currency's minor unit (nothing is rounded silently).
 */
export function minorOrThrow(entity: string, id: string, v: number | string, currency: string): number {
  if (!isCurrencyCode(currency)) throw new MappingError(entity, id, `currency ${JSON.stringify(currency)} is not an ISO 4217 code`);
  if (toMinor(v, currency) === null) throw new MappingError(entity, id, `amount ${String(v)} is not a decimal`);
  const n = toMinorExact(v, currency);
  if (n === null) {
    throw new MappingError(entity, id, `amount ${String(v)} has more decimals than ${currency}'s minor unit (${minorUnitExponent(currency)})`);
  }
  return n;
}

/** Like toMinor, but null when a non-zero digit lies beyond the currency's minor unit ("10.005" USD): no rounding. */
export function toMinorExact(value: number | string, currency: string): number | null {
  const s = typeof value === 'number' ? String(value) : value.trim();
  const frac = /^-?\d+(?:\.(\d*))?$/.exec(s)?.[1] ?? '';
  if (/[1-9]/.test(frac.slice(minorUnitExponent(currency)))) return null;
  return toMinor(value, currency);
}

/**
 * A provider's decimal amount in integer minor units of `currency`, by string
 * parsing (0.1 + 0.2 arrives as 0.3 and becomes 30 cents). Digits beyond the
 * currency's exponent round half away from zero. Null when it is not a plain decimal.
 */
export function toMinor(value: number | string, currency: string): number | null {
  const s = typeof value === 'number' ? String(value) : value.trim();
  const m = /^(-)?(\d+)(?:\.(\d*))?$/.exec(s);
  if (!m) return null;
  const exp = minorUnitExponent(currency);
  const frac = m[3] ?? '';
  let minor = BigInt((m[2] ?? '0') + frac.slice(0, exp).padEnd(exp, '0'));
  const rest = frac.slice(exp);
  if (rest.length > 0 && rest.charCodeAt(0) >= 53 /* '5' */) minor += 1n;
  const n = Number(m[1] ? -minor : minor);
  return Number.isSafeInteger(n) ? n : null;
}

/**
 * An email field that may hold several addresses ("a@x.com, b@y.com; c@z.com", as QuickBooks lets people
 * type): each one trimmed and validated, duplicates (case-insensitive) dropped. Invalid pieces are returned
 * with the reason, for the caller to log; they never become contacts.
 */
export function splitAddresses(raw: string | undefined): { valid: string[]; invalid: { value: string; reason: string }[] } {
  const valid: string[] = [];
  const invalid: { value: string; reason: string }[] = [];
  const seen = new Set<string>();
  for (const piece of (raw ?? '').split(/[,;]/)) {
    const value = piece.trim().replace(/^<(.*)>$/, '$1');
    if (value === '') continue;
    if (!z.email().safeParse(value).success) {
      invalid.push({ value, reason: 'not an email address' });
      continue;
    }
    if (seen.has(value.toLowerCase())) continue;
    seen.add(value.toLowerCase());
    valid.push(value);
  }
  return { valid, invalid };
}

/** What a person reads for an invoice the ledger gave no number: "invoice of <date> (<ledger> ref <id>)"; never another invoice's number. */
export function unnumberedLabel(provider: Provider, issueDate: string, ledgerRef: string): string {
  return `invoice of ${issueDate} (${provider === 'quickbooks' ? 'QuickBooks' : 'Xero'} ref ${ledgerRef})`;
}

/** A person the ledger lists on a customer (a Xero ContactPerson); `billing`: the ledger sends them the invoices. */
export interface LedgerPerson {
  name: string;
  email: string | undefined;
  billing: boolean;
}

/**
 * A customer's contacts as the ledger has them, the same way for both connectors: each valid address of the
 * main email field (several may be typed, split by splitAddresses) is a billing contact, the first with the
 * main phone; then the persons, as billing when the ledger sends them the invoices, else 'other'. A person
 * without a valid address, or with an address already listed, is not added again; an invalid address
 * never becomes a contact.
 */
export function ledgerContacts(idPrefix: string, main: { name: string; email: string | undefined; phone: string | undefined }, persons: readonly LedgerPerson[] = []): ContactDoc[] {
  const emails = splitAddresses(main.email).valid;
  const out: ContactDoc[] = [];
  const seen = new Set<string>();
  const first = emails[0];
  if (first !== undefined || main.phone) {
    out.push({ id: `${idPrefix}:primary`, name: main.name, ...(first !== undefined ? { email: first } : {}), ...(main.phone ? { phone: main.phone } : {}), roles: ['billing'] });
  }
  emails.forEach((e, n) => {
    seen.add(e.toLowerCase());
    if (n > 0) out.push({ id: `${idPrefix}:primary:${n + 1}`, name: main.name, email: e, roles: ['billing'] });
  });
  persons.forEach((p, i) => {
    const email = splitAddresses(p.email).valid[0];
    if (email === undefined || seen.has(email.toLowerCase())) return;
    seen.add(email.toLowerCase());
    out.push({ id: `${idPrefix}:person:${i}`, name: p.name || email, email, roles: [p.billing ? 'billing' : 'other'] });
  });
  return out;
}

/** The customer's `country` field from its billing address's country as the platform stores it ("New Zealand", "NZ"); none when unknown. */
export function countryOf(text: string | undefined): { country?: string } {
  const code = countryCode(text);
  return code !== undefined ? { country: code } : {};
}

// Xero records as the Accounting API sends them (zod schemas with Xero's field
// names, `Xero`-prefixed types) and pure mappers into the same documents the
// QuickBooks connector writes. Amounts arrive as JSON numbers and become
// integer minor units by string parsing (toMinor), never float arithmetic.
// Instants arrive as `/Date(1700000000000+0000)/` or ISO strings.
import { z } from 'zod';
import type { ContactDoc, CustomerDoc, DueDateSource, InvoiceDoc, InvoiceStatus, PaymentDoc } from '../../src/store/types.js';
import { countryOf, ledgerContacts, MappingError, minorOrThrow, recordKey, splitAddresses, toMinor, unnumberedLabel, type MapContext } from '../mapping.js';
import { xeroDueDate, xeroTermsName, type XeroTermRule } from '../terms.js';

export { toMinor };

// ------------------------------------------------------------------ dates

const MS_DATE = /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/;
const ISO_LOCAL = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$/;

/**
 * An instant from Xero: `/Date(1700000000000+0000)/` (milliseconds since the
 * epoch; the offset is informational) or ISO 8601. An ISO value without a zone
 * is UTC, as Xero's `...UTC` fields are. Null when it is neither.
 */
export function parseXeroInstant(s: string): Date | null {
  const ms = MS_DATE.exec(s);
  if (ms) {
    const d = new Date(Number(ms[1]));
    return Number.isNaN(d.getTime()) ? null : d;
  }
  const iso = ISO_LOCAL.test(s) ? `${s.length === 10 ? `${s}T00:00:00` : s}Z` : s;
  if (!/^\d{4}-\d{2}-\d{2}/.test(iso)) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : new Date(t);
}

/** A Xero instant as a zod schema (string in, Date out). */
export const xeroInstant = z.string().transform((s, ctx) => {
  const d = parseXeroInstant(s);
  if (!d) {
    ctx.addIssue({ code: 'custom', message: `not a Xero date: ${s}` });
    return z.NEVER;
  }
  return d;
});

/**
 * A calendar date ('YYYY-MM-DD') from a Xero date field. Xero sends dates as
 * midnight UTC of the day (`/Date(1518652800000+0000)/`) or as `2018-02-15T00:00:00`.
 */
export const xeroDay = z.string().transform((s, ctx) => {
  if (/^\d{4}-\d{2}-\d{2}/.test(s)) return s.slice(0, 10);
  const d = parseXeroInstant(s);
  if (!d) {
    ctx.addIssue({ code: 'custom', message: `not a Xero date: ${s}` });
    return z.NEVER;
  }
  return d.toISOString().slice(0, 10);
});

// ------------------------------------------------------------------ raw records

const guid = z.string().min(1);
const amount = z.union([z.number(), z.string()]);

export const XeroContactPerson = z.object({
  FirstName: z.string().optional(),
  LastName: z.string().optional(),
  EmailAddress: z.string().optional(),
  IncludeInEmails: z.boolean().optional(),
});

/** PaymentTerms.Sales / .Bills: a day and how to count it (DAYSAFTERBILLDATE, DAYSAFTERBILLMONTH, OFCURRENTMONTH, OFFOLLOWINGMONTH). */
export const XeroTerm = z.object({ Day: z.number().int(), Type: z.string() });
const XeroPaymentTerms = z.object({ Sales: XeroTerm.optional(), Bills: XeroTerm.optional() });

/** `GET /Organisation`: its default payment terms. */
export const XeroOrganisations = z.object({ Organisations: z.array(z.object({ PaymentTerms: XeroPaymentTerms.optional() })).min(1) });

export const XeroContact = z.object({
  ContactID: guid,
  ContactNumber: z.string().optional(),
  AccountNumber: z.string().optional(),
  Name: z.string(),
  FirstName: z.string().optional(),
  LastName: z.string().optional(),
  EmailAddress: z.string().optional(),
  /** The contact's tax number (ABN, GST, VAT, tax id). */
  TaxNumber: z.string().optional(),
  ContactStatus: z.string().default('ACTIVE'),
  IsCustomer: z.boolean().optional(),
  DefaultCurrency: z.string().optional(),
  ContactPersons: z.array(XeroContactPerson).default([]),
  PaymentTerms: XeroPaymentTerms.optional(),
  /** Groups the contact is in; "Rep: <email>" / "Collector: <email>" name its sales rep / collector. */
  ContactGroups: z.array(z.object({ Name: z.string().optional(), Status: z.string().optional() })).default([]),
  Phones: z.array(z.object({ PhoneType: z.string().optional(), PhoneNumber: z.string().optional(), PhoneAreaCode: z.string().optional(), PhoneCountryCode: z.string().optional() })).default([]),
  Addresses: z.array(z.object({
    AddressType: z.string().optional(), AddressLine1: z.string().optional(), City: z.string().optional(),
    Region: z.string().optional(), PostalCode: z.string().optional(), Country: z.string().optional(),
  })).default([]),
  UpdatedDateUTC: xeroInstant,
});
export type XeroContact = z.infer<typeof XeroContact>;

export const XeroInvoice = z.object({
  InvoiceID: guid,
  InvoiceNumber: z.string().optional(),
  Type: z.string(),
  Contact: z.object({ ContactID: guid, Name: z.string().optional() }),
  Date: xeroDay,
  DueDate: xeroDay.optional(),
  Status: z.string(),
  Total: amount,
  AmountDue: amount,
  AmountPaid: amount.optional(),
  AmountCredited: amount.optional(),
  CurrencyCode: z.string().regex(/^[A-Z]{3}$/),
  SentToContact: z.boolean().optional(),
  UpdatedDateUTC: xeroInstant,
});
export type XeroInvoice = z.infer<typeof XeroInvoice>;

export const XeroPayment = z.object({
  PaymentID: guid,
  Date: xeroDay,
  Amount: amount,
  PaymentType: z.string().optional(),
  Status: z.string().default('AUTHORISED'),
  Invoice: z.object({ InvoiceID: guid, Contact: z.object({ ContactID: guid }).optional(), CurrencyCode: z.string().optional() }).optional(),
  CreditNote: z.object({ CreditNoteID: guid, Contact: z.object({ ContactID: guid }).optional(), CurrencyCode: z.string().optional() }).optional(),
  UpdatedDateUTC: xeroInstant,
});
export type XeroPayment = z.infer<typeof XeroPayment>;

export const XeroCreditNote = z.object({
  CreditNoteID: guid,
  CreditNoteNumber: z.string().optional(),
  Type: z.string(),
  Contact: z.object({ ContactID: guid }),
  Date: xeroDay,
  Status: z.string(),
  Total: amount,
  RemainingCredit: amount.optional(),
  CurrencyCode: z.string().regex(/^[A-Z]{3}$/),
  Allocations: z.array(z.object({ Amount: amount, Invoice: z.object({ InvoiceID: guid }) })).default([]),
  UpdatedDateUTC: xeroInstant,
});
export type XeroCreditNote = z.infer<typeof XeroCreditNote>;

/** `GET /connections` items. */
export const XeroTenantConnection = z.object({
  id: guid,
  authEventId: z.string().optional(),
  tenantId: guid,
  tenantType: z.string(),
  tenantName: z.string().nullable().optional(),
  createdDateUtc: z.string().optional(),
  updatedDateUtc: z.string().optional(),
});
export type XeroTenantConnection = z.infer<typeof XeroTenantConnection>;

export const XeroOnlineInvoices = z.object({ OnlineInvoices: z.array(z.object({ OnlineInvoiceUrl: z.string().url() })).min(1) });

/** A page of a list endpoint: the records under their plural name, and `pagination` when paged. */
export function pageOf(body: unknown, key: 'Invoices' | 'Contacts' | 'Payments' | 'CreditNotes'): unknown[] {
  const parsed = z.object({ [key]: z.array(z.unknown()).default([]) }).safeParse(body);
  return parsed.success ? (parsed.data[key] as unknown[]) : [];
}

// ------------------------------------------------------------------ mappers

export { MappingError, type MapContext };

function key(ctx: MapContext, externalId: string) {
  return recordKey('xero' as const, ctx, externalId);
}

const minor = minorOrThrow;

const GROUP_RULE = /^\s*(rep|sales rep|collector)\s*:\s*(\S+@\S+)\s*$/i;

/**
 * The sales rep and collector named by the contact's active groups ("Rep: <email>", "Sales rep: <email>",
 * "Collector: <email>", case-insensitive); of several, the first by name. Unset when no group names one, so a
 * sync keeps the assignment imported through the admin API.
 */
export function assignmentsFromGroups(groups: XeroContact['ContactGroups']): { salesRepEmail?: string; collectorEmail?: string } {
  const out: { salesRepEmail?: string; collectorEmail?: string } = {};
  const names = groups.flatMap((g) => (g.Name && (g.Status ?? 'ACTIVE') === 'ACTIVE' ? [g.Name] : [])).sort();
  for (const name of names) {
    const m = GROUP_RULE.exec(name);
    const email = m?.[2] ? z.email().safeParse(m[2]) : undefined;
    if (!m?.[1] || !email?.success) continue;
    const field = m[1].toLowerCase() === 'collector' ? 'collectorEmail' : 'salesRepEmail';
    out[field] ??= email.data.toLowerCase();
  }
  return out;
}

export function mapContact(c: XeroContact, ctx: MapContext): Omit<CustomerDoc, '_id'> {
  const phoneOf = (p: XeroContact['Phones'][number]) => [p.PhoneCountryCode, p.PhoneAreaCode, p.PhoneNumber].filter(Boolean).join(' ');
  const phone = c.Phones.filter((p) => p.PhoneNumber).map(phoneOf)[0];
  const a = c.Addresses.find((x) => x.AddressType === 'POBOX' && x.AddressLine1) ?? c.Addresses.find((x) => x.AddressLine1);
  const address = a ? [a.AddressLine1, a.City, a.Region, a.PostalCode, a.Country].filter(Boolean).join(', ') : '';
  const primaryName = [c.FirstName, c.LastName].filter(Boolean).join(' ') || c.Name;
  // The contact's EmailAddress is its billing contact; persons Xero includes in invoice emails are billing
  // contacts too, the others 'other' (ledgerContacts: invalid and repeated addresses dropped).
  const persons = c.ContactPersons.map((p) => ({ name: [p.FirstName, p.LastName].filter(Boolean).join(' '), email: p.EmailAddress, billing: p.IncludeInEmails === true }));
  const contacts: ContactDoc[] = ledgerContacts(`xero:${c.ContactID}`, { name: primaryName, email: c.EmailAddress, phone }, persons);
  const email = splitAddresses(c.EmailAddress).valid[0];
  return {
    ...key(ctx, c.ContactID),
    displayName: c.Name,
    ...(email ? { email } : {}),
    ...(phone ? { phone } : {}),
    ...(address ? { address } : {}),
    ...(c.TaxNumber?.trim() ? { taxNumber: c.TaxNumber.trim() } : {}),
    ...countryOf(a?.Country),
    ...(a?.Region?.trim() ? { region: a.Region.trim() } : {}),
    ...(c.AccountNumber?.trim() ? { accountNumber: c.AccountNumber.trim() } : {}),
    ...(c.DefaultCurrency ? { currency: c.DefaultCurrency } : {}),
    contacts,
    tags: c.AccountNumber ? [`account:${c.AccountNumber}`] : [],
    ...assignmentsFromGroups(c.ContactGroups),
    active: c.ContactStatus === 'ACTIVE',
    ...(c.ContactStatus === 'ARCHIVED' ? { ledgerStatus: 'archived' as const } : {}),
    ...(c.PaymentTerms?.Sales ? { paymentTerms: { day: c.PaymentTerms.Sales.Day, type: c.PaymentTerms.Sales.Type } } : {}),
    providerUpdatedAt: c.UpdatedDateUTC,
    syncedAt: ctx.syncedAt,
  };
}

/** Receivable invoices only; drafts and submitted (unapproved) invoices are not collectible and are not kept. */
export function isCollectible(i: XeroInvoice): boolean {
  return i.Type === 'ACCREC' && !['DRAFT', 'SUBMITTED'].includes(i.Status);
}

export function invoiceStatus(i: XeroInvoice, balanceMinor: number): InvoiceStatus {
  if (i.Status === 'VOIDED') return 'voided';
  if (i.Status === 'DELETED') return 'deleted';
  if (i.Status === 'AUTHORISED' && balanceMinor > 0) return 'open';
  return 'paid'; // PAID, or AUTHORISED with nothing left to pay
}

/** The sales payment terms that date an invoice without a DueDate: its contact's, else the organisation's. */
export interface XeroTermsLookup {
  contact(contactId: string): XeroTermRule | undefined;
  organisation: XeroTermRule | undefined;
}

const NO_TERMS: XeroTermsLookup = { contact: () => undefined, organisation: undefined };

/** An invoice's due date: its DueDate; else by its contact's sales terms, else the organisation's; else 'none' (issue date as placeholder, flagged). */
export function dueDateOf(i: XeroInvoice, terms: XeroTermsLookup): { dueDate: string; dueDateSource: DueDateSource; termsName?: string } {
  if (i.DueDate) return { dueDate: i.DueDate, dueDateSource: 'ledger' };
  const tries: [XeroTermRule | undefined, DueDateSource][] = [[terms.contact(i.Contact.ContactID), 'customer_terms'], [terms.organisation, 'organisation_terms']];
  for (const [rule, source] of tries) {
    const due = rule ? xeroDueDate(i.Date, rule) : null;
    if (rule && due) return { dueDate: due, dueDateSource: source, termsName: xeroTermsName(rule) };
  }
  return { dueDate: i.Date, dueDateSource: 'none' };
}

export function mapInvoice(i: XeroInvoice, ctx: MapContext, payUrl?: string, terms: XeroTermsLookup = NO_TERMS): Omit<InvoiceDoc, '_id'> {
  const currency = i.CurrencyCode;
  const totalMinor = minor('Invoice', i.InvoiceID, i.Total, currency);
  const due = minor('Invoice', i.InvoiceID, i.AmountDue, currency);
  const status = invoiceStatus(i, due);
  return {
    ...key(ctx, i.InvoiceID),
    customerExternalId: i.Contact.ContactID,
    number: i.InvoiceNumber?.trim() ? i.InvoiceNumber : unnumberedLabel('xero', i.Date, i.InvoiceID),
    ...(i.InvoiceNumber?.trim() ? {} : { numberSource: 'none' as const }),
    issueDate: i.Date,
    ...dueDateOf(i, terms),
    currency,
    totalMinor,
    // A voided or deleted invoice leaves the open set with nothing to collect.
    balanceMinor: status === 'voided' || status === 'deleted' ? 0 : due,
    status,
    ...(payUrl ? { payUrl } : {}),
    providerUpdatedAt: i.UpdatedDateUTC,
    syncedAt: ctx.syncedAt,
  };
}

/** Payments on receivable invoices (ACCRECPAYMENT), and refunds of customer credit. Null for payables. */
export function mapPayment(p: XeroPayment, ctx: MapContext): Omit<PaymentDoc, '_id'> | null {
  const target = p.Invoice ?? p.CreditNote;
  if (p.PaymentType && !p.PaymentType.startsWith('ACCREC')) return null;
  const customer = target?.Contact?.ContactID;
  if (!customer) throw new MappingError('Payment', p.PaymentID, 'no contact on the paid document');
  const currency = target.CurrencyCode ?? ctx.homeCurrency;
  const amountMinor = minor('Payment', p.PaymentID, p.Amount, currency);
  return {
    ...key(ctx, p.PaymentID),
    customerExternalId: customer,
    date: p.Date,
    currency,
    amountMinor,
    appliedTo: p.Invoice ? [{ invoiceExternalId: p.Invoice.InvoiceID, amountMinor }] : [],
    deleted: p.Status === 'DELETED',
    providerUpdatedAt: p.UpdatedDateUTC,
    syncedAt: ctx.syncedAt,
  };
}

/** The external id under which a credit note is kept with the payments (never collides with a PaymentID). */
export function creditNoteExternalId(id: string): string {
  return `CreditNote:${id}`;
}

/** A customer credit note (ACCRECCREDIT), kept with the payments like a QuickBooks credit memo; its allocations are what it was applied to. */
export function mapCreditNote(m: XeroCreditNote, ctx: MapContext): Omit<PaymentDoc, '_id'> | null {
  if (m.Type !== 'ACCRECCREDIT') return null;
  const currency = m.CurrencyCode;
  return {
    ...key(ctx, creditNoteExternalId(m.CreditNoteID)),
    customerExternalId: m.Contact.ContactID,
    date: m.Date,
    currency,
    amountMinor: minor('CreditNote', m.CreditNoteID, m.Total, currency),
    appliedTo: m.Allocations.map((a) => ({ invoiceExternalId: a.Invoice.InvoiceID, amountMinor: minor('CreditNote', m.CreditNoteID, a.Amount, currency) })),
    deleted: m.Status === 'VOIDED' || m.Status === 'DELETED',
    providerUpdatedAt: m.UpdatedDateUTC,
    syncedAt: ctx.syncedAt,
  };
}

// QuickBooks records as the API sends them (zod schemas with Intuit's field
// names, `Qbo`-prefixed types) and pure mappers into Overdue's documents.
// Amounts arrive as JSON numbers ("150.5"); they become integer minor units by
// string parsing, never float arithmetic.
import { z } from 'zod';
import type { CustomerDoc, DueDateSource, InvoiceDoc, PaymentDoc } from '../../src/store/types.js';
import { countryOf, ledgerContacts, MappingError, minorOrThrow, recordKey, splitAddresses, toMinor, unnumberedLabel, type MapContext } from '../mapping.js';
import { qboDueDate } from '../terms.js';

const ref = z.object({ value: z.string(), name: z.string().optional() });
const amountSchema = z.union([z.number(), z.string()]);
const meta = z.object({ CreateTime: z.string().optional(), LastUpdatedTime: z.iso.datetime({ offset: true }) });
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const QboCustomer = z.object({
  Id: z.string(),
  SyncToken: z.string(),
  DisplayName: z.string(),
  CompanyName: z.string().optional(),
  GivenName: z.string().optional(),
  FamilyName: z.string().optional(),
  PrimaryEmailAddr: z.object({ Address: z.string().optional() }).optional(),
  PrimaryPhone: z.object({ FreeFormNumber: z.string().optional() }).optional(),
  /** The customer's account number (Customer.AcctNum, max 100). */
  AcctNum: z.string().optional(),
  BillAddr: z.object({ Line1: z.string().optional(), City: z.string().optional(), CountrySubDivisionCode: z.string().optional(), PostalCode: z.string().optional(), Country: z.string().optional() }).optional(),
  Active: z.boolean().default(true),
  Job: z.boolean().default(false),
  ParentRef: ref.optional(),
  BillWithParent: z.boolean().optional(),
  SalesTermRef: ref.optional(),
  CurrencyRef: ref.optional(),
  Notes: z.string().optional(),
  /** The tax id (EIN, ABN, VAT number…); QuickBooks may return it masked but for its last characters. */
  PrimaryTaxIdentifier: z.string().optional(),
  MetaData: meta,
});
export type QboCustomer = z.infer<typeof QboCustomer>;

const linkedTxn = z.object({ TxnId: z.string(), TxnType: z.string() });

export const QboInvoice = z.object({
  Id: z.string(),
  SyncToken: z.string(),
  DocNumber: z.string().optional(),
  TxnDate: date,
  DueDate: date.optional(),
  TotalAmt: amountSchema,
  Balance: amountSchema,
  CustomerRef: ref,
  CurrencyRef: ref.optional(),
  BillEmail: z.object({ Address: z.string().optional() }).optional(),
  SalesTermRef: ref.optional(),
  EmailStatus: z.string().optional(),
  PrivateNote: z.string().optional(),
  LinkedTxn: z.array(linkedTxn).optional(),
  InvoiceLink: z.string().optional(),
  MetaData: meta,
});
export type QboInvoice = z.infer<typeof QboInvoice>;

export const QboPayment = z.object({
  Id: z.string(),
  TxnDate: date,
  TotalAmt: amountSchema,
  CustomerRef: ref,
  CurrencyRef: ref.optional(),
  Line: z.array(z.object({ Amount: amountSchema, LinkedTxn: z.array(linkedTxn).default([]) })).default([]),
  MetaData: meta,
});
export type QboPayment = z.infer<typeof QboPayment>;

export const QboCreditMemo = z.object({
  Id: z.string(),
  TxnDate: date,
  TotalAmt: amountSchema,
  Balance: amountSchema.optional(),
  CustomerRef: ref,
  CurrencyRef: ref.optional(),
  MetaData: meta,
});
export type QboCreditMemo = z.infer<typeof QboCreditMemo>;

/** Sales terms: STANDARD (DueDays) or DATE_DRIVEN (DayOfMonthDue, DueNextMonthDays). */
export const QboTerm = z.object({
  Id: z.string(),
  Name: z.string(),
  Active: z.boolean().default(true),
  Type: z.string().optional(),
  DueDays: z.number().int().optional(),
  DayOfMonthDue: z.number().int().optional(),
  DueNextMonthDays: z.number().int().optional(),
});
export type QboTerm = z.infer<typeof QboTerm>;

/** What dating an invoice without a DueDate needs: the company's terms by Id, and each customer's default terms. */
export interface QboTermsLookup {
  term(id: string): QboTerm | undefined;
  customerTermId(customerId: string): string | undefined;
}

/** What CDC returns for a deleted record. */
export const QboDeleted = z.object({ Id: z.string(), status: z.literal('Deleted'), MetaData: meta.partial().optional() });
export type QboDeleted = z.infer<typeof QboDeleted>;

export const QboCompanyInfo = z.object({ CompanyInfo: z.object({ CompanyName: z.string(), LegalName: z.string().optional(), Country: z.string().optional() }) });

export const QboFault = z.object({
  Fault: z.object({
    Error: z.array(z.object({ Message: z.string().optional(), Detail: z.string().optional(), code: z.string().optional() })).min(1),
    type: z.string().optional(),
  }),
});

/** `{ QueryResponse: { Invoice: [...], startPosition, maxResults }, time }`: the entity key is absent on an empty page. */
export const QboQueryResponse = z.object({
  QueryResponse: z.record(z.string(), z.unknown()),
  time: z.string().optional(),
});

export const QboCdcResponse = z.object({
  CDCResponse: z.array(z.object({ QueryResponse: z.array(z.record(z.string(), z.unknown())).default([]) })).min(1),
  time: z.string(),
});

// ------------------------------------------------------------------ money

export { toMinor };

// ------------------------------------------------------------------ mappers

export { MappingError, type MapContext };

function key(ctx: MapContext, externalId: string) {
  return recordKey('quickbooks' as const, ctx, externalId);
}

const minor = minorOrThrow;

/** QuickBooks names an inactive customer "<name> (deleted)" in the change feed; the account keeps its real name. */
export function cleanName(c: Pick<QboCustomer, 'DisplayName' | 'Active'>): string {
  return c.Active ? c.DisplayName : c.DisplayName.replace(/\s*\(deleted\)$/, '');
}

export function mapCustomer(c: QboCustomer, ctx: MapContext): Omit<CustomerDoc, '_id'> {
  // PrimaryEmailAddr may hold several addresses: each valid one is a billing contact, the first is the customer's email.
  // (The Customer entity has no CC/BCC addresses: QuickBooks keeps those per invoice, BillEmailCc/BillEmailBcc.)
  const email = splitAddresses(c.PrimaryEmailAddr?.Address).valid[0];
  const phone = c.PrimaryPhone?.FreeFormNumber;
  const a = c.BillAddr;
  const address = a ? [a.Line1, a.City, a.CountrySubDivisionCode, a.PostalCode, a.Country].filter(Boolean).join(', ') : '';
  const person = [c.GivenName, c.FamilyName].filter(Boolean).join(' ');
  return {
    ...key(ctx, c.Id),
    displayName: cleanName(c),
    ...(c.CompanyName ? { legalName: c.CompanyName } : {}),
    ...(email ? { email } : {}),
    ...(phone ? { phone } : {}),
    ...(address ? { address } : {}),
    ...(c.PrimaryTaxIdentifier?.trim() ? { taxNumber: c.PrimaryTaxIdentifier.trim() } : {}),
    ...countryOf(a?.Country),
    ...(a?.CountrySubDivisionCode?.trim() ? { region: a.CountrySubDivisionCode.trim() } : {}),
    ...(c.AcctNum?.trim() ? { accountNumber: c.AcctNum.trim() } : {}),
    ...(c.CurrencyRef ? { currency: c.CurrencyRef.value } : {}),
    contacts: ledgerContacts(`qbo:${c.Id}`, { name: person || cleanName(c), email: c.PrimaryEmailAddr?.Address, phone }),
    tags: c.Job && c.ParentRef ? ['job', `parent:${c.ParentRef.value}`] : [],
    ...(c.Job && c.ParentRef ? { parentExternalId: c.ParentRef.value, billWithParent: c.BillWithParent === true } : {}),
    active: c.Active,
    ...(c.Active ? {} : { ledgerStatus: 'inactive' as const }),
    ...(c.SalesTermRef ? { salesTermId: c.SalesTermRef.value } : {}),
    providerUpdatedAt: new Date(c.MetaData.LastUpdatedTime),
    syncedAt: ctx.syncedAt,
  };
}

/** QuickBooks voids an invoice by zeroing it and writing "Voided" in its private note. */
export function isVoided(i: QboInvoice): boolean {
  return /^voided/i.test(i.PrivateNote ?? '') && toMinor(i.TotalAmt, 'USD') === 0;
}

/**
 * An invoice's due date: its DueDate; else from its terms (SalesTermRef), else from the customer's default
 * terms (Customer.SalesTermRef), by the Term's rule (terms.ts). Neither: source 'none' and the issue date as
 * a placeholder (the invoice is kept out of the ladder and flagged, see InvoiceDoc.dueDateSource).
 */
export function dueDateOf(i: QboInvoice, terms: QboTermsLookup): { dueDate: string; dueDateSource: DueDateSource; termsName?: string } {
  if (i.DueDate) return { dueDate: i.DueDate, dueDateSource: 'ledger' };
  const tries: [string | undefined, DueDateSource][] = [[i.SalesTermRef?.value, 'invoice_terms'], [terms.customerTermId(i.CustomerRef.value), 'customer_terms']];
  for (const [id, source] of tries) {
    const term = id ? terms.term(id) : undefined;
    const due = term ? qboDueDate(i.TxnDate, term) : null;
    if (term && due) return { dueDate: due, dueDateSource: source, termsName: term.Name };
  }
  return { dueDate: i.TxnDate, dueDateSource: 'none' };
}

const NO_TERMS: QboTermsLookup = { term: () => undefined, customerTermId: () => undefined };

/** What a job (sub-customer) needs for the roll-up: its parent and whether it is billed with it. */
export interface JobLink {
  parentExternalId?: string | undefined;
  billWithParent?: boolean | undefined;
}

/**
 * The account a customer's invoices belong to: a job billed with its parent rolls up into its parent, and so on up
 * to the first customer that is not (the top-level parent when every link bills with its parent). A cycle stops the walk.
 */
export function billingAccountOf(externalId: string, links: ReadonlyMap<string, JobLink>): string {
  let cur = externalId;
  const seen = new Set<string>([cur]);
  for (let link = links.get(cur); link?.billWithParent === true && link.parentExternalId !== undefined && !seen.has(link.parentExternalId); link = links.get(cur)) {
    cur = link.parentExternalId;
    seen.add(cur);
  }
  return cur;
}

/** The roll-up of a page of invoices: the account of a customer id, and a job's name. */
export interface QboRollUp {
  accountOf: (customerExternalId: string) => string;
  nameOf: (customerExternalId: string) => string | undefined;
}

const NO_ROLL_UP: QboRollUp = { accountOf: (id) => id, nameOf: () => undefined };

export function mapInvoice(i: QboInvoice, ctx: MapContext, terms: QboTermsLookup = NO_TERMS, rollUp: QboRollUp = NO_ROLL_UP): Omit<InvoiceDoc, '_id'> {
  const currency = i.CurrencyRef?.value ?? ctx.homeCurrency;
  const account = rollUp.accountOf(i.CustomerRef.value);
  const jobName = account !== i.CustomerRef.value ? (rollUp.nameOf(i.CustomerRef.value) ?? i.CustomerRef.name) : undefined;
  const totalMinor = minor('Invoice', i.Id, i.TotalAmt, currency);
  const balanceMinor = minor('Invoice', i.Id, i.Balance, currency);
  return {
    ...key(ctx, i.Id),
    customerExternalId: account,
    ...(account !== i.CustomerRef.value ? { jobExternalId: i.CustomerRef.value, ...(jobName !== undefined ? { jobName } : {}) } : {}),
    // No DocNumber: a label a person can read, never the internal Id (it collided with real numbers);
    // the store's uniqueness is the Id (externalId), not the number.
    number: i.DocNumber?.trim() ? i.DocNumber : unnumberedLabel('quickbooks', i.TxnDate, i.Id),
    ...(i.DocNumber?.trim() ? {} : { numberSource: 'none' as const }),
    issueDate: i.TxnDate,
    ...dueDateOf(i, terms),
    currency,
    totalMinor,
    balanceMinor,
    status: isVoided(i) ? 'voided' : balanceMinor > 0 ? 'open' : 'paid',
    ...(i.InvoiceLink ? { payUrl: i.InvoiceLink } : {}),
    providerUpdatedAt: new Date(i.MetaData.LastUpdatedTime),
    syncedAt: ctx.syncedAt,
  };
}

export function mapPayment(p: QboPayment, ctx: MapContext): Omit<PaymentDoc, '_id'> {
  const currency = p.CurrencyRef?.value ?? ctx.homeCurrency;
  return {
    ...key(ctx, p.Id),
    customerExternalId: p.CustomerRef.value,
    date: p.TxnDate,
    currency,
    amountMinor: minor('Payment', p.Id, p.TotalAmt, currency),
    appliedTo: p.Line.flatMap((l) =>
      l.LinkedTxn.filter((t) => t.TxnType === 'Invoice').map((t) => ({ invoiceExternalId: t.TxnId, amountMinor: minor('Payment', p.Id, l.Amount, currency) })),
    ),
    deleted: false,
    providerUpdatedAt: new Date(p.MetaData.LastUpdatedTime),
    syncedAt: ctx.syncedAt,
  };
}

/** The external id under which a credit memo is kept in the payments collection (never collides with a Payment's Id). */
export function creditMemoExternalId(id: string): string {
  return `CreditMemo:${id}`;
}

/**
 * A credit memo is a credit to the customer's account. It is kept with the
 * payments (until the store has a document of its own for credits) under
 * `CreditMemo:<Id>`, with nothing applied: its application to invoices is
 * recorded by the Payment that links them, and already shows in the invoices' Balance.
 */
export function mapCreditMemo(m: QboCreditMemo, ctx: MapContext): Omit<PaymentDoc, '_id'> {
  const currency = m.CurrencyRef?.value ?? ctx.homeCurrency;
  return {
    ...key(ctx, creditMemoExternalId(m.Id)),
    customerExternalId: m.CustomerRef.value,
    date: m.TxnDate,
    currency,
    amountMinor: minor('CreditMemo', m.Id, m.TotalAmt, currency),
    appliedTo: [],
    deleted: false,
    providerUpdatedAt: new Date(m.MetaData.LastUpdatedTime),
    syncedAt: ctx.syncedAt,
  };
}

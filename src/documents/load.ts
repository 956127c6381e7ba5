// Reads what the documents of one account need from the store and turns it into
// the builders' plain inputs. Read-only: nothing here writes.
import { accountReference } from './how-to-pay.js';
import { z } from 'zod';
import { localDate, type LocalDate } from '../domain/calendar.js';
import { roleTitle } from '../domain/contact-roles.js';
import { AppError } from '../errors.js';
import { collectorFallbackOf } from '../planning/collector.js';
import { mergeContacts } from '../planning/contacts.js';
import type { AccountStateDoc } from '../planning/state.js';
import { sentDocuments, type SentDocumentMeta } from '../store/sent-documents.js';
import { collections, type Store } from '../store/store.js';
import type { AuditEntryDoc, ContactDoc, ContactRole, CustomerDoc, InvoiceDoc, OrganisationDoc } from '../store/types.js';
import type { DocInvoice, DocParty } from './model.js';
import { resolveDocumentSettings, splitLines, type DocumentSettings, type LetterKind } from './settings.js';

export interface AccountData {
  org: OrganisationDoc;
  customer: CustomerDoc;
  settings: DocumentSettings;
  timeZone: string;
  /** Every invoice of the account (open, paid, voided), with paid dates from the payments. */
  invoices: DocInvoice[];
  audit: AuditEntryDoc[];
  personalGuarantee: { onFile: boolean; reference?: string };
  /** The documents sent to the customer, as stored when they went out (src/store/sent-documents.ts), oldest first; no bytes. */
  sent: SentDocumentMeta[];
}

/** A stored sent document with its exact bytes (the referral packet encloses these, never a re-render). */
export interface SentCopy {
  meta: SentDocumentMeta;
  bytes: Buffer;
}

const AccountStateExtras = z.object({
  personalGuarantee: z.boolean().optional(),
  personalGuaranteeRef: z.string().min(1).optional(),
  // The per-customer override (src/planning/overrides.ts): the guarantor contact and the document's reference.
  overrides: z.object({ guarantee: z.object({ contactId: z.string(), documentRef: z.string().min(1) }).optional() }).optional(),
});

function guaranteeOf(pg: z.infer<typeof AccountStateExtras>): AccountData['personalGuarantee'] {
  const reference = pg.overrides?.guarantee?.documentRef ?? pg.personalGuaranteeRef;
  const onFile = pg.personalGuarantee === true || reference !== undefined;
  return { onFile, ...(reference !== undefined ? { reference } : {}) };
}

export async function loadAccount(store: Store, customerId: string): Promise<AccountData> {
  const ledger = await store.customers.get(customerId);
  if (!ledger) throw new AppError('not_found', `account ${customerId} does not exist`);
  const org = await store.organisations.get(ledger.orgId);
  if (!org) throw new AppError('not_found', `the organisation of account ${customerId} does not exist`);
  const key = { provider: ledger.provider, companyId: ledger.companyId, customerExternalId: ledger.externalId };
  const [invoiceDocs, payments, audit, stateRaw, sent] = await Promise.all([
    store.db.collection<InvoiceDoc>(collections.invoices).find(key).sort({ dueDate: 1, number: 1 }).toArray(),
    store.payments.listForCustomer(ledger.provider, ledger.companyId, ledger.externalId),
    store.audit.list(customerId),
    store.db.collection<{ _id: string }>(collections.accountStates).findOne({ _id: customerId }),
    sentDocuments(store.db).listSent(customerId),
  ]);
  // The letters address the contacts people entered too (the CFO a collector added), merged with the ledger's.
  const customer: CustomerDoc = { ...ledger, contacts: mergeContacts(ledger.contacts, (stateRaw as Pick<AccountStateDoc, 'contacts'> | null)?.contacts ?? []) };
  const lastPaid = new Map<string, string>();
  for (const p of payments) {
    for (const a of p.appliedTo) {
      const prev = lastPaid.get(a.invoiceExternalId);
      if (prev === undefined || p.date > prev) lastPaid.set(a.invoiceExternalId, p.date);
    }
  }
  const invoices = invoiceDocs.map((i) => toDocInvoice(i, lastPaid.get(i.externalId)));
  const extras = AccountStateExtras.safeParse(stateRaw ?? {});
  const pg: z.infer<typeof AccountStateExtras> = extras.success ? extras.data : {};
  return {
    org,
    customer,
    settings: resolveDocumentSettings(org, { ...collectorFallbackOf(customer, org), country: customer.country }),
    timeZone: customer.timeZone ?? org.timeZone,
    invoices,
    audit,
    personalGuarantee: guaranteeOf(pg),
    sent,
  };
}

/** The sent letters of an account with their stored bytes, oldest first. */
export async function sentLetterCopies(store: Store, data: AccountData): Promise<SentCopy[]> {
  const letters = data.sent.filter((d) => d.kind === 'letter');
  const bytes = await sentDocuments(store.db).bytesOf(letters.map((d) => d._id));
  return letters.flatMap((meta) => {
    const b = bytes.get(meta._id);
    return b ? [{ meta, bytes: b }] : [];
  });
}

/** The last final demand sent, as stored: its date and the deadline it stated. */
export function lastFinalDemand(data: Pick<AccountData, 'sent'>): SentDocumentMeta | undefined {
  return data.sent.filter((d) => d.kind === 'letter' && d.letter === 'final-demand').at(-1);
}

export function toDocInvoice(i: InvoiceDoc, paidDate?: string): DocInvoice {
  return {
    id: i._id,
    number: i.number,
    issueDate: i.issueDate,
    dueDate: i.dueDate,
    currency: i.currency,
    totalMinor: i.totalMinor,
    balanceMinor: i.balanceMinor,
    status: i.status,
    ...(i.payUrl ? { payUrl: i.payUrl } : {}),
    ...(paidDate ? { paidDate } : {}),
  };
}


/** Who a letter is addressed to: the decision makers first (a final demand goes up the ladder), never a bounced address. */
const LADDER: Record<LetterKind, ContactRole[]> = {
  'final-demand': ['cfo', 'owner', 'controller', 'ap_manager', 'ap', 'billing'],
  'written-warning': ['controller', 'ap_manager', 'cfo', 'ap', 'billing', 'owner'],
};

export function addressee(contacts: readonly ContactDoc[], kind: LetterKind): ContactDoc | undefined {
  const live = contacts.filter((c) => c.bouncedAt === undefined);
  for (const role of LADDER[kind]) {
    const c = live.find((x) => x.roles.includes(role));
    if (c) return c;
  }
  return live[0];
}

export function roleLabel(c: ContactDoc): string {
  return c.roles.map(roleTitle).join(', ') || 'Contact';
}

export function partyOf(customer: CustomerDoc, kind?: LetterKind): DocParty {
  const to = kind ? addressee(customer.contacts, kind) : undefined;
  return {
    name: customer.legalName ?? customer.displayName,
    addressLines: splitLines(customer.address),
    ...(to ? { attention: `${to.name}, ${to.roles[0] ? roleTitle(to.roles[0]) : 'Contact'}` } : {}),
    // The reference the customer quotes: its account number, else its name (never the ledger's internal id).
    reference: accountReference(customer),
  };
}

/** Today in the account's zone. */
export function today(data: AccountData, now: Date): LocalDate {
  return localDate(now, data.timeZone);
}


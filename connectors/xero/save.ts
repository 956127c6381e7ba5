// Raw Xero records into the store: parse each with its zod schema, map it
// (records.ts, pure), save the page at once; or read one record by id and save
// it. Shared by the sync, the webhook changes and the single-record reads.
import { z } from 'zod';
import { flagUndated, mapEach, type PageCounts } from '../connector-kit.js';
import type { XeroTermRule } from '../terms.js';
import type { RecordKind } from '../types.js';
import { XeroApiError, type XeroApi, type XeroCallResult } from './client.js';
import type { XeroKit } from './kit.js';
import {
  XeroContact, XeroCreditNote, XeroInvoice, XeroOrganisations, XeroPayment, isCollectible, mapContact, mapCreditNote, mapInvoice, mapPayment, pageOf,
  type MapContext, type XeroTermsLookup,
} from './records.js';

/** A page's map context plus the organisation's default sales terms, read at most once per sync and only when an invoice needs them. */
export interface XeroMapContext extends MapContext {
  organisationTerms: () => Promise<XeroTermRule | undefined>;
}

/** `ctx` with a reader of the organisation's terms on `api` (one `GET /Organisation` on first use). */
export function withTerms(ctx: MapContext, api: XeroApi): XeroMapContext {
  let loaded: Promise<XeroTermRule | undefined> | undefined;
  return {
    ...ctx,
    organisationTerms: () => {
      loaded ??= api.organisation().then((r) => XeroOrganisations.safeParse(r.data).data?.Organisations[0]?.PaymentTerms?.Sales).catch((err: unknown) => {
        loaded = undefined;
        throw err;
      });
      return loaded;
    },
  };
}

/** The terms lookup for a page of invoices: only read when one of them has no DueDate (contacts' terms from the store). */
async function termsFor(kit: XeroKit, rows: unknown[], ctx: XeroMapContext): Promise<XeroTermsLookup | undefined> {
  const undated = rows.flatMap((r) => {
    const p = XeroInvoice.safeParse(r);
    return p.success && !p.data.DueDate && isCollectible(p.data) ? [p.data] : [];
  });
  if (undated.length === 0) return undefined;
  const ids = [...new Set(undated.map((i) => i.Contact.ContactID))];
  const contacts = await kit.store.customers.raw().find({ provider: 'xero', companyId: ctx.companyId, externalId: { $in: ids } }, { projection: { externalId: 1, paymentTerms: 1 } }).toArray();
  const byContact = new Map(contacts.flatMap((c) => (c.paymentTerms ? [[c.externalId, { Day: c.paymentTerms.day, Type: c.paymentTerms.type }] as const] : [])));
  const organisation = byContact.size === ids.length ? undefined : await ctx.organisationTerms();
  return { contact: (id) => byContact.get(id), organisation };
}

/** The list (and answer key) each kind is read from. */
export type XeroList = 'Invoices' | 'Contacts' | 'Payments' | 'CreditNotes';
export const listOfKind: Record<RecordKind, XeroList> = { invoice: 'Invoices', customer: 'Contacts', payment: 'Payments', credit_memo: 'CreditNotes' };

/** What saving a page did, with the ids saved (to see which asked-for records did not come back). */
export type SavedPage = Required<PageCounts> & { ids: string[] };

const XeroIds = z.object({ InvoiceID: z.string().optional(), ContactID: z.string().optional(), PaymentID: z.string().optional(), CreditNoteID: z.string().optional() });
const idOf = (raw: unknown) => {
  const id = XeroIds.safeParse(raw);
  return id.success ? (id.data.InvoiceID ?? id.data.ContactID ?? id.data.PaymentID ?? id.data.CreditNoteID) : undefined;
};

/** Parse, map and save one page of raw records. Failures are counted and logged, never silently dropped. */
export async function savePage(kit: XeroKit, kind: RecordKind, rows: unknown[], ctx: XeroMapContext): Promise<SavedPage> {
  const log = { logger: kit.logger, provider: 'Xero', kind, idOf };
  const page = <D extends { externalId: string }>(docs: D[], rejected: number, deleted: number): SavedPage => ({ saved: docs.length, rejected, deleted, ids: docs.map((d) => d.externalId) });
  if (kind === 'customer') {
    const { docs, rejected } = mapEach(rows, (r) => mapContact(XeroContact.parse(r), ctx), log);
    await kit.store.customers.upsertMany(docs);
    return page(docs, rejected, 0);
  }
  if (kind === 'invoice') {
    const terms = await termsFor(kit, rows, ctx);
    const { docs, rejected } = mapEach(rows, (r) => {
      const inv = XeroInvoice.parse(r);
      return isCollectible(inv) ? mapInvoice(inv, ctx, undefined, terms) : null; // drafts and bills are not kept
    }, log);
    await kit.store.invoices.keepPayLinks('xero', ctx.companyId, docs);
    await kit.store.invoices.upsertMany(docs);
    await flagUndated(kit, docs);
    return page(docs, rejected, docs.filter((d) => d.status === 'deleted' || d.status === 'voided').length);
  }
  const { docs, rejected } = mapEach(rows, (r) => (kind === 'payment' ? mapPayment(XeroPayment.parse(r), ctx) : mapCreditNote(XeroCreditNote.parse(r), ctx)), log);
  await kit.store.payments.upsertMany(docs);
  return page(docs, rejected, docs.filter((d) => d.deleted).length);
}

/** Xero answers 404, or 400 for an id that is not a GUID of its kind: either way it does not have the record. */
export const isMissing = (err: unknown): err is XeroApiError => err instanceof XeroApiError && (err.status === 404 || err.status === 400);

function readById(api: XeroApi, kind: RecordKind, id: string): Promise<XeroCallResult> {
  if (kind === 'invoice') return api.invoice(id);
  if (kind === 'customer') return api.contact(id);
  if (kind === 'payment') return api.payment(id);
  return api.creditNote(id);
}

/** Read one record and save it; null when Xero does not have it. */
export async function fetchOne(kit: XeroKit, api: XeroApi, kind: RecordKind, externalId: string, ctx: XeroMapContext): Promise<SavedPage | null> {
  try {
    const r = await readById(api, kind, externalId.replace(/^CreditNote:/, ''));
    const rows = pageOf(r.data, listOfKind[kind]);
    if (rows.length === 0) return null;
    return await savePage(kit, kind, rows, ctx);
  } catch (err) {
    if (isMissing(err)) return null;
    throw err;
  }
}

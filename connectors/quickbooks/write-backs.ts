// What the dispatcher asks of QuickBooks around a send: the live balance (read
// one record again and save it, src/outbox/live-balance.ts), a dated line in the
// customer's notes, and QuickBooks emailing an invoice with its own template.
// Expected refusals come back as values with a named reason.
import type { FetchedRecord, RecordKind, WriteBackResult } from '../types.js';
import { mapContextOf } from '../connector-kit.js';
import { QboApiError, type QboClient } from './client.js';
import type { QboKit } from './kit.js';
import { quickbooks, type QboEntityName } from './provider.js';
import { QboCustomer, QboInvoice, isVoided, toMinor } from './records.js';
import { savePage, withTerms } from './save.js';

const isNotFound = (err: unknown): err is QboApiError => err instanceof QboApiError && err.code === quickbooks.faults.notFound;

/** A record read by id and parsed; null when QuickBooks does not have it. */
async function readOne<T>(client: QboClient, entity: QboEntityName, id: string, schema: { parse(raw: unknown): T }): Promise<T | null> {
  try {
    return schema.parse(await client.read(entity, id));
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

/** Read one record by id and save it; whether QuickBooks has it. */
export async function fetchRecord(kit: QboKit, connectionId: string, kind: RecordKind, externalId: string): Promise<FetchedRecord> {
  const conn = await kit.active(connectionId);
  const client = kit.client(conn);
  const ctx = withTerms(await mapContextOf(kit, conn), client);
  try {
    const raw = await client.read(quickbooks.entities[kind], externalId);
    const r = await savePage(kit, kind, [raw], ctx);
    if (r.saved === 0) throw new Error(`${kind} ${externalId} failed to parse`);
    return { found: true, kind, externalId, deleted: false };
  } catch (err) {
    if (isNotFound(err)) return { found: false, kind, externalId };
    throw err;
  }
}

/**
 * One dated line appended to the customer's Notes. A retry after a lost answer
 * finds its line already there; a stale SyncToken (someone edited the customer)
 * means read again and retry, four times at most.
 */
export async function appendCustomerNote(kit: QboKit, connectionId: string, customerExternalId: string, line: string, idempotencyKey: string): Promise<WriteBackResult> {
  const conn = await kit.active(connectionId);
  const client = kit.client(conn);
  const dated = `${kit.now().toISOString().slice(0, 10)} Overdue: ${line.replace(/\s+/g, ' ').trim()}`;
  for (let attempt = 1; attempt <= 4; attempt++) {
    const customer = await readOne(client, 'Customer', customerExternalId, QboCustomer);
    if (!customer) return { ok: false, reason: 'not_found' };
    const notes = customer.Notes ?? '';
    if (notes.split('\n').includes(dated)) return { ok: true, attempts: attempt }; // already written (a retry after a lost answer)
    const next = notes ? `${notes}\n${dated}` : dated;
    if (next.length > 1024) return { ok: false, reason: 'rejected', detail: 'the customer notes would exceed 1,024 characters' };
    try {
      await client.updateCustomer({ Id: customer.Id, SyncToken: customer.SyncToken, Notes: next }, `${idempotencyKey}:${attempt}`.slice(0, 50));
      return { ok: true, attempts: attempt };
    } catch (err) {
      if (err instanceof QboApiError && err.code === quickbooks.faults.staleObject) continue; // someone edited it: re-read and retry
      throw err;
    }
  }
  return { ok: false, reason: 'rejected', detail: 'the customer kept changing (stale SyncToken four times)' };
}

/** QuickBooks sends the invoice (to `sendTo`, else its BillEmail); refused when it is no longer open. */
export async function emailInvoice(kit: QboKit, connectionId: string, invoiceExternalId: string, opts: { sendTo?: string; idempotencyKey: string }): Promise<WriteBackResult> {
  const conn = await kit.active(connectionId);
  const client = kit.client(conn);
  const invoice = await readOne(client, 'Invoice', invoiceExternalId, QboInvoice);
  if (!invoice) return { ok: false, reason: 'not_found' };
  if (isVoided(invoice) || (toMinor(invoice.Balance, invoice.CurrencyRef?.value ?? 'USD') ?? 0) <= 0) return { ok: false, reason: 'not_open' };
  const to = opts.sendTo ?? invoice.BillEmail?.Address;
  if (!to) return { ok: false, reason: 'no_recipient' };
  try {
    await client.sendInvoice(invoice.Id, to, opts.idempotencyKey.slice(0, 50));
  } catch (err) {
    // A validation fault (an address QuickBooks will not send to, …) is a refusal, not a transient failure.
    if (err instanceof QboApiError && !err.retryable && err.tokenReason === undefined && (err.status === 400 || err.status === 200)) {
      return { ok: false, reason: isNotFound(err) ? 'not_found' : 'rejected', detail: err.message };
    }
    throw err;
  }
  return { ok: true, attempts: 1 };
}

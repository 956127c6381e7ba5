// What the dispatcher asks of Xero around a send: the live balance (read one
// record again and save it, src/outbox/live-balance.ts), the invoice's pay link, a
// History note on the contact, and Xero emailing an invoice with its own
// template. Expected refusals come back as values with a named reason.
import { createHash } from 'node:crypto';
import type { ConnectionDoc } from '../../src/store/types.js';
import { mapContextOf } from '../connector-kit.js';
import type { FetchedRecord, RecordKind, WriteBackResult } from '../types.js';
import { XeroApiError, type XeroApi } from './client.js';
import type { XeroKit } from './kit.js';
import { xero } from './provider.js';
import { XeroInvoice, XeroOnlineInvoices, mapInvoice, pageOf } from './records.js';
import { fetchOne, isMissing, withTerms } from './save.js';

/** Run `work` with a new client of the connection and count its calls, whatever happens. */
async function withApi<T>(kit: XeroKit, connectionId: string, work: (api: XeroApi, conn: ConnectionDoc) => Promise<T>): Promise<T> {
  const conn = await kit.active(connectionId);
  const api = kit.client(conn);
  try {
    return await work(api, conn);
  } finally {
    kit.countCalls(api);
  }
}

/** Read one record by id and save it; whether Xero has it. */
export function fetchRecord(kit: XeroKit, connectionId: string, kind: RecordKind, externalId: string): Promise<FetchedRecord> {
  return withApi(kit, connectionId, async (api, conn) => {
    const r = await fetchOne(kit, api, kind, externalId, withTerms(await mapContextOf(kit, conn), api));
    return r ? { found: true, kind, externalId, deleted: false } : { found: false, kind, externalId };
  });
}

/** The invoice's online URL (the pay link), fetched when the policy needs it and kept on the invoice. */
export function payLink(kit: XeroKit, connectionId: string, invoiceExternalId: string): Promise<string | null> {
  return withApi(kit, connectionId, async (api, conn) => {
    try {
      const r = XeroOnlineInvoices.safeParse((await api.onlineInvoice(invoiceExternalId)).data);
      const url = r.success ? (r.data.OnlineInvoices[0]?.OnlineInvoiceUrl ?? null) : null;
      const doc = await kit.store.invoices.findByKey('xero', conn.companyId, invoiceExternalId);
      if (url && doc) {
        const { _id, ...rest } = doc;
        await kit.store.invoices.upsertMany([{ ...rest, payUrl: url }]);
      }
      return url;
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  });
}

/** The Idempotency-Key sent to Xero: the caller's key, hashed when longer than Xero allows. */
export function idempotencyKey(key: string): string {
  return key.length <= xero.api.idempotencyKeyMaxChars ? key : `sha256-${createHash('sha256').update(key).digest('hex')}`;
}

/**
 * A History note on the contact: one dated line with a short reference to the
 * action (History notes hold 250 characters and cannot be edited).
 */
export function historyLine(date: Date, line: string, key: string): string {
  const ref = ` [ref ${createHash('sha256').update(key).digest('hex').slice(0, 10)}]`;
  const head = `${date.toISOString().slice(0, 10)} Overdue: `;
  const room = xero.api.historyMaxChars - head.length - ref.length;
  const text = line.replace(/\s+/g, ' ').trim();
  return `${head}${text.length > room ? `${text.slice(0, room - 1)}…` : text}${ref}`;
}

export function appendCustomerNote(kit: XeroKit, connectionId: string, customerExternalId: string, line: string, key: string): Promise<WriteBackResult> {
  return withApi(kit, connectionId, async (api) => {
    try {
      await api.addContactHistory(customerExternalId, historyLine(kit.now(), line, key), idempotencyKey(key));
      return { ok: true, attempts: api.calls };
    } catch (err) {
      if (err instanceof XeroApiError && err.status === 404) return { ok: false, reason: 'not_found' };
      if (err instanceof XeroApiError && err.status === 400) return { ok: false, reason: 'rejected', detail: err.message };
      if (err instanceof XeroApiError && err.tokenReason === 'needs_reconnect') return { ok: false, reason: 'needs_reconnect' };
      throw err;
    }
  });
}

/**
 * Xero emails the invoice to the contact's own address with its own template
 * and online invoice link. It has no recipient override, so `sendTo` is refused
 * rather than silently ignored.
 */
export async function emailInvoice(kit: XeroKit, connectionId: string, invoiceExternalId: string, opts: { sendTo?: string; idempotencyKey: string }): Promise<WriteBackResult> {
  if (opts.sendTo) return { ok: false, reason: 'rejected', detail: 'Xero emails the contact\'s own address; a different recipient cannot be chosen' };
  return withApi(kit, connectionId, async (api, conn) => {
    let invoice: XeroInvoice;
    try {
      const rows = pageOf((await api.invoice(invoiceExternalId)).data, 'Invoices');
      if (rows.length === 0) return { ok: false, reason: 'not_found' };
      invoice = XeroInvoice.parse(rows[0]);
    } catch (err) {
      if (isMissing(err)) return { ok: false, reason: 'not_found' };
      throw err;
    }
    if (invoice.Type !== 'ACCREC' || invoice.Status !== 'AUTHORISED' || (mapInvoice(invoice, await mapContextOf(kit, conn)).balanceMinor <= 0)) return { ok: false, reason: 'not_open' };
    try {
      await api.emailInvoice(invoice.InvoiceID, idempotencyKey(opts.idempotencyKey));
    } catch (err) {
      if (err instanceof XeroApiError && err.status === 400) {
        return /email/i.test(JSON.stringify(err.body ?? '')) ? { ok: false, reason: 'no_recipient', detail: err.message } : { ok: false, reason: 'rejected', detail: err.message };
      }
      throw err;
    }
    return { ok: true, attempts: api.calls };
  });
}

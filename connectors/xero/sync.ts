// Xero sync as a recipe: read a page (pageSize=1000), map and save it at once,
// advance the checkpoint; pages one after another. A full sync reads what is open
// (and a year of payments), resumes part-way, and stops to save the tenant's daily
// API budget; an incremental sync reads everything changed since the checkpoint
// (If-Modified-Since, Xero's clock), whatever the budget.
import { z } from 'zod';
import type { ConnectionDoc } from '../../src/store/types.js';
import { collections } from '../../src/store/store.js';
import { addPage, emptyTally, finishSync, inChunks, mapContextOf, markDeleted, type SyncTally } from '../connector-kit.js';
import type { RecordKind, SyncOptions, SyncResult } from '../types.js';
import { XeroApiError, type XeroApi, type XeroCallResult } from './client.js';
import type { XeroKit } from './kit.js';
import { xero } from './provider.js';
import { pageOf, parseXeroInstant, XeroOnlineInvoices } from './records.js';
import { addDays } from '../../src/domain/calendar.js';
import { isMissing, savePage, withTerms, type SavedPage, type XeroList, type XeroMapContext } from './save.js';

export type XeroSyncResult = SyncResult & {
  /** Set when the sync did not run (or stopped) to save the daily budget; the reason is also on the connection's checkpoint. */
  deferred?: { reason: string };
  rateLimited: number;
};

/** One record type of a sync: how to ask for it in a full and an incremental read. */
interface Step {
  kind: RecordKind;
  list: XeroList;
  fullWhere: string;
  fullStatuses?: string[];
  changedWhere: string;
}

const steps: Step[] = [
  { kind: 'customer', list: 'Contacts', fullWhere: 'IsCustomer==true', changedWhere: 'IsCustomer==true' },
  { kind: 'invoice', list: 'Invoices', fullWhere: 'Type=="ACCREC"', fullStatuses: ['AUTHORISED'], changedWhere: 'Type=="ACCREC"' },
  { kind: 'payment', list: 'Payments', fullWhere: 'PaymentType=="ACCRECPAYMENT" AND Status=="AUTHORISED"', changedWhere: 'PaymentType=="ACCRECPAYMENT"' },
  { kind: 'credit_memo', list: 'CreditNotes', fullWhere: 'Type=="ACCRECCREDIT" AND Status=="AUTHORISED"', changedWhere: 'Type=="ACCRECCREDIT"' },
];

/** Contacts are read with archived ones (Xero leaves them out otherwise): an archived contact may still owe. */
function archived(step: Step): { includeArchived?: boolean } {
  return step.kind === 'customer' ? { includeArchived: true } : {};
}

/** A full sync reads payments this far back (older ones cannot change an open balance). */
const FULL_PAYMENTS_LOOKBACK_DAYS = 365;

type ListQuery = { modifiedSince?: Date; where: string; statuses?: string[]; includeArchived?: boolean };

function readList(api: XeroApi, list: XeroList, q: ListQuery & { page: number }): Promise<XeroCallResult> {
  if (list === 'Invoices') return api.invoices(q);
  if (list === 'Contacts') return api.contacts(q);
  if (list === 'Payments') return api.payments(q);
  return api.creditNotes(q);
}

const Pagination = z.object({ pagination: z.object({ page: z.number().int(), pageCount: z.number().int(), itemCount: z.number().int().nonnegative().optional() }) });

/** `DateTimeUTC` of an answer: Xero's clock when it answered. */
function serverTime(data: unknown): Date | null {
  const p = z.object({ DateTimeUTC: z.string() }).safeParse(data);
  return p.success ? parseXeroInstant(p.data.DateTimeUTC) : null;
}

/**
 * Page through one list, saving each page and calling `progress` with the next page and Xero's clock after it,
 * and the page's size and the list's `pagination.itemCount` (given when `page` is used; null otherwise).
 */
async function readPages(
  kit: XeroKit, api: XeroApi, step: Step, q: ListQuery, startPage: number, ctx: XeroMapContext,
  progress: (nextPage: number, serverTime: Date | null, page: { rows: number; itemCount: number | null }) => Promise<void>,
): Promise<Omit<SavedPage, 'ids'>> {
  let page = startPage;
  const total = { saved: 0, rejected: 0, deleted: 0 };
  for (;;) {
    const r = await readList(api, step.list, { ...q, page });
    const rows = pageOf(r.data, step.list);
    const saved = await savePage(kit, step.kind, rows, ctx);
    total.saved += saved.saved;
    total.rejected += saved.rejected;
    total.deleted += saved.deleted;
    page += 1;
    const p = Pagination.safeParse(r.data);
    await progress(page, serverTime(r.data), { rows: rows.length, itemCount: p.success ? (p.data.pagination.itemCount ?? null) : null });
    // `pagination.pageCount` saves the empty page a count that is a multiple of 1,000 would need.
    if (rows.length < xero.api.pageSize || (p.success && p.data.pagination.page >= p.data.pagination.pageCount)) return total;
  }
}

/** Why a full sync must wait for tomorrow's budget (known from the last answer's X-DayLimit-Remaining), or null. */
function budgetTooLow(kit: XeroKit, tenantId: string): string | null {
  const day = kit.rates.for(tenantId).dayRemaining;
  const reserve = kit.dailyReserve;
  if (day !== undefined && day < reserve) return `daily API budget nearly spent (${day} calls left, reserve ${reserve}): full sync deferred; webhooks and payment polling continue`;
  return null;
}

/** Thrown from a page's progress to stop a full sync that would eat into the reserve. */
class DeferSync extends Error {}

async function defer(kit: XeroKit, conn: ConnectionDoc, cp: Record<string, string>, reason: string, partial?: { saved: Record<RecordKind, number>; rejected: number; apiCalls: number; rateLimited: number }): Promise<XeroSyncResult> {
  const checkpoint = { ...cp, deferredFull: reason, deferredAt: kit.now().toISOString() };
  await kit.store.connections.update(conn._id, { checkpoint }, kit.now());
  kit.logger.warn({ connectionId: conn._id, reason }, 'Xero full sync deferred');
  return {
    kind: 'full', method: 'full', saved: partial?.saved ?? emptyTally().saved, rejected: partial?.rejected ?? 0, deleted: 0, apiCalls: partial?.apiCalls ?? 0,
    checkpoint: cp.since ?? '', deferred: { reason }, rateLimited: partial?.rateLimited ?? 0,
  };
}

export async function fullSync(kit: XeroKit, connectionId: string, opts: SyncOptions = {}): Promise<XeroSyncResult> {
  const conn = await kit.active(connectionId);
  const api = kit.client(conn);
  const ctx = withTerms(await mapContextOf(kit, conn), api);
  const checkpoint: Record<string, string> = { ...(conn.checkpoint ?? {}) };
  delete checkpoint.deferredFull;
  delete checkpoint.deferredAt;
  const low = budgetTooLow(kit, conn.companyId);
  if (low) return defer(kit, conn, conn.checkpoint ?? {}, low);
  // Resume a full sync that stopped part-way: pages and its start are in the checkpoint.
  const startedAt = checkpoint.fullStartedAt ?? ctx.syncedAt.toISOString();
  checkpoint.fullStartedAt = startedAt;
  const tally = emptyTally();
  let since = checkpoint.fullServerTime;
  try {
    for (const step of steps) {
      const key = `full:${step.list}`;
      if (checkpoint[key] === 'done') continue;
      const modifiedSince = step.kind === 'payment' ? new Date(Date.parse(startedAt) - FULL_PAYMENTS_LOOKBACK_DAYS * 86_400_000) : undefined;
      const query = { where: step.fullWhere, ...(step.fullStatuses ? { statuses: step.fullStatuses } : {}), ...(modifiedSince ? { modifiedSince } : {}), ...archived(step) };
      const firstPage = Number(checkpoint[key] ?? 1);
      let done = (firstPage - 1) * xero.api.pageSize; // a resumed sync read these pages before
      const page = await readPages(kit, api, step, query, firstPage, ctx, async (next, server, got) => {
        checkpoint[key] = String(next);
        done += got.rows;
        await opts.onProgress?.({ kind: step.kind, done: got.itemCount === null ? done : Math.min(done, got.itemCount), total: got.itemCount });
        if (!since && server) since = checkpoint.fullServerTime = server.toISOString();
        await kit.store.connections.update(connectionId, { checkpoint }, kit.now());
        const stop = budgetTooLow(kit, conn.companyId);
        if (stop) throw new DeferSync(stop);
      });
      checkpoint[key] = 'done';
      addPage(tally, step.kind, page);
      if (step.kind === 'invoice') tally.deleted += (await refreshLeftOpen(kit, api, ctx, new Date(startedAt))).deleted;
    }
  } catch (err) {
    const partial = { saved: tally.saved, rejected: tally.rejected, apiCalls: api.calls, rateLimited: api.rateLimited };
    if (err instanceof DeferSync) return defer(kit, conn, checkpoint, err.message, partial);
    if (err instanceof XeroApiError && err.problem === 'day') return defer(kit, conn, checkpoint, 'daily API limit reached (429, X-Rate-Limit-Problem: day): full sync deferred', partial);
    throw err;
  } finally {
    kit.countCalls(api);
  }
  const next = since ?? startedAt;
  await finishSync(kit, connectionId, { since: next });
  kit.logger.info({ connectionId, saved: tally.saved, rejected: tally.rejected, apiCalls: api.calls }, 'Xero full sync done');
  return { kind: 'full', method: 'full', ...tally, apiCalls: api.calls, checkpoint: next, rateLimited: api.rateLimited };
}

/**
 * Invoices we hold as open that this full sync did not see as AUTHORISED have
 * left that state (paid, voided, deleted): read them by id and store what they are now.
 */
async function refreshLeftOpen(kit: XeroKit, api: XeroApi, ctx: XeroMapContext, startedAt: Date): Promise<{ saved: number; deleted: number }> {
  const stale = await kit.store.db.collection(collections.invoices)
    .find({ provider: 'xero', companyId: ctx.companyId, status: 'open', syncedAt: { $lt: startedAt } }, { projection: { externalId: 1 } })
    .toArray();
  const ids = stale.map((d) => String(d.externalId));
  let saved = 0;
  let deleted = 0;
  for (const chunk of inChunks(ids, xero.api.idsPerRequest)) {
    const r = await api.invoices({ ids: chunk });
    const got = await savePage(kit, 'invoice', pageOf(r.data, 'Invoices'), { ...ctx, syncedAt: kit.now() });
    saved += got.saved;
    deleted += got.deleted;
    // Not returned at all: gone from Xero (or no longer a receivable); it leaves the open set.
    for (const id of chunk.filter((x) => !got.ids.includes(x))) if (await markDeleted(kit.store, 'xero', 'invoice', ctx.companyId, id, kit.now())) deleted += 1;
  }
  return { saved, deleted };
}

/** At most this many OnlineInvoice calls per sync (Xero allows 60 calls a minute and 5,000 a day per organisation). */
export const PAY_LINKS_PER_SYNC = 5;
/** An invoice due within this many days may be emailed (the courtesy reminder is 3 days before the due date; a day of margin for zones). */
const PAY_LINK_HORIZON_DAYS = 4;

/**
 * Pay links (`GET /Invoices/{id}/OnlineInvoice` → OnlineInvoiceUrl) for the open invoices that are past due or
 * about to be emailed and have none yet, oldest due first, at most PAY_LINKS_PER_SYNC per sync: one call per
 * invoice, once in its life (syncs keep the link, Invoices.keepPayLinks). An invoice Xero has no link for is
 * asked again by a later sync, within the same cap. Returns the calls made and the links stored.
 */
export async function fetchPayLinks(kit: XeroKit, api: XeroApi, companyId: string): Promise<{ calls: number; stored: number }> {
  const horizon = addDays(kit.now().toISOString().slice(0, 10), PAY_LINK_HORIZON_DAYS);
  const col = kit.store.db.collection<{ _id: string; externalId: string }>(collections.invoices);
  const wanted = await col
    .find({ provider: 'xero', companyId, status: 'open', dueDate: { $lte: horizon }, payUrl: { $exists: false } } as never, { projection: { externalId: 1 } })
    .sort({ dueDate: 1 })
    .limit(PAY_LINKS_PER_SYNC)
    .toArray();
  let calls = 0;
  let stored = 0;
  for (const inv of wanted) {
    calls++;
    try {
      const r = XeroOnlineInvoices.safeParse((await api.onlineInvoice(inv.externalId)).data);
      const url = r.success ? r.data.OnlineInvoices[0]?.OnlineInvoiceUrl : undefined;
      if (!url) continue;
      await col.updateOne({ _id: inv._id }, { $set: { payUrl: url } } as never);
      stored++;
    } catch (err) {
      if (isMissing(err)) continue;
      // A link is a nicety: a failure (the minute's or day's limit, an outage) never fails the sync; the next one goes on.
      kit.logger.warn({ companyId, invoiceId: inv.externalId, err: String(err) }, 'Xero pay link not fetched');
      break;
    }
  }
  if (calls > 0) kit.logger.info({ companyId, calls, stored }, 'Xero pay links fetched');
  return { calls, stored };
}

/**
 * Everything changed since the checkpoint (If-Modified-Since): invoices of
 * every status (so voided and paid ones leave the open set), contacts,
 * payments (polled: Xero sends no payment webhooks) and credit notes.
 * Runs whatever the daily budget: it is the cheap path that keeps balances right.
 */
export async function incrementalSync(kit: XeroKit, connectionId: string, opts: SyncOptions = {}): Promise<XeroSyncResult> {
  const conn = await kit.active(connectionId);
  const since = conn.checkpoint?.since;
  // Finish a full sync that stopped part-way first, unless it stopped to save the daily budget:
  // then polling goes on from the last checkpoint, and the full sync resumes when there is budget.
  if (!since || (conn.checkpoint?.fullStartedAt && !budgetTooLow(kit, conn.companyId))) return fullSync(kit, connectionId, opts);
  const api = kit.client(conn);
  const ctx = withTerms(await mapContextOf(kit, conn), api);
  const tally: SyncTally = emptyTally();
  let next: string | undefined;
  try {
    for (const step of steps) {
      const query = { where: step.changedWhere, modifiedSince: new Date(since), ...archived(step) };
      addPage(tally, step.kind, await readPages(kit, api, step, query, 1, ctx, async (_n, server) => {
        if (!next && server) next = server.toISOString(); // Xero's clock, not ours: no gap from skew
      }));
    }
    if (!budgetTooLow(kit, conn.companyId)) await fetchPayLinks(kit, api, ctx.companyId);
  } finally {
    kit.countCalls(api);
  }
  const checkpoint = next ?? kit.now().toISOString();
  await finishSync(kit, connectionId, { ...(conn.checkpoint ?? {}), since: checkpoint });
  return { kind: 'incremental', method: 'modified_since', ...tally, apiCalls: api.calls, checkpoint, rateLimited: api.rateLimited };
}

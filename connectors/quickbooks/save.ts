// Raw QuickBooks records into the store: parse each with its zod schema, map it
// (records.ts, pure), save the page at once; or mark one deleted. Shared by the
// sync, the webhook changes and the single-record reads.
import { z } from 'zod';
import { recordId } from '../../src/store/records.js';
import { flagUndated, mapEach, markDeleted as markRecordDeleted, type PageCounts } from '../connector-kit.js';
import { splitAddresses } from '../mapping.js';
import type { RecordKind } from '../types.js';
import type { QboClient } from './client.js';
import type { QboKit } from './kit.js';
import {
  QboCreditMemo, QboCustomer, QboInvoice, QboPayment, QboQueryResponse, QboTerm, billingAccountOf, creditMemoExternalId, mapCreditMemo, mapCustomer, mapInvoice, mapPayment,
  type JobLink, type MapContext, type QboRollUp, type QboTermsLookup,
} from './records.js';

const QboId = z.object({ Id: z.string() });

/** A page's map context plus the company's terms, read from QuickBooks at most once per sync and only when an invoice needs them. */
export interface QboMapContext extends MapContext {
  terms: () => Promise<QboTerm[]>;
  /**
   * The company's stored jobs, read once per sync (or change batch) and kept up to date from the pages of
   * customers it saves (`withSavedJobs`): reading them per page decoded the company's every customer on
   * FerretDB 1.x (the `$exists` is evaluated in Go), which made a full sync quadratic (docs/database.md "Growth").
   */
  jobCache: { links?: Map<string, JobLink & { name: string }> };
}

/** `ctx` with a terms reader on `client` (one `select * from Term`, active or not, on first use). */
export function withTerms(ctx: MapContext, client: QboClient): QboMapContext {
  let loaded: Promise<QboTerm[]> | undefined;
  const read = async () => {
    const body = QboQueryResponse.parse(await client.query('Term', 'Active IN (true, false)', 1));
    return z.array(z.unknown()).parse(body.QueryResponse.Term ?? []).flatMap((t) => {
      const p = QboTerm.safeParse(t);
      return p.success ? [p.data] : [];
    });
  };
  return {
    ...ctx,
    jobCache: {},
    terms: () => {
      loaded ??= read().catch((err: unknown) => {
        loaded = undefined; // a failed read is retried by the next page that needs it
        throw err;
      });
      return loaded;
    },
  };
}

/** The terms lookup for a page of invoices: only read when one of them has no DueDate. */
async function termsFor(kit: QboKit, rows: unknown[], ctx: QboMapContext): Promise<QboTermsLookup | undefined> {
  const undated = rows.flatMap((r) => {
    const p = QboInvoice.safeParse(r);
    return p.success && !p.data.DueDate ? [p.data] : [];
  });
  if (undated.length === 0) return undefined;
  const byId = new Map((await ctx.terms()).map((t) => [t.Id, t]));
  const customerIds = [...new Set(undated.filter((i) => !i.SalesTermRef).map((i) => i.CustomerRef.value))];
  const customers = customerIds.length
    ? await kit.store.customers.raw().find({ provider: 'quickbooks', companyId: ctx.companyId, externalId: { $in: customerIds } }, { projection: { externalId: 1, salesTermId: 1 } }).toArray()
    : [];
  const customerTerm = new Map(customers.map((c) => [c.externalId, c.salesTermId]));
  return { term: (id) => byId.get(id), customerTermId: (id) => customerTerm.get(id) };
}

/** The company's jobs as stored (parent, billed with it, name): one read of the sub-customers. */
async function jobLinks(kit: QboKit, companyId: string): Promise<Map<string, JobLink & { name: string }>> {
  const jobs = await kit.store.customers.raw()
    .find({ provider: 'quickbooks', companyId, parentExternalId: { $exists: true } }, { projection: { externalId: 1, parentExternalId: 1, billWithParent: 1, displayName: 1 } })
    .toArray();
  return new Map(jobs.map((j) => [j.externalId, { parentExternalId: j.parentExternalId, billWithParent: j.billWithParent, name: j.displayName }]));
}

/** The company's jobs as stored, from the context's cache (read on first use; pages of customers update it). */
async function cachedJobLinks(kit: QboKit, ctx: QboMapContext): Promise<Map<string, JobLink & { name: string }>> {
  ctx.jobCache.links ??= await jobLinks(kit, ctx.companyId);
  return ctx.jobCache.links;
}

/**
 * The stored jobs after a page of customers was saved (each saved document replaces the stored one whole):
 * a customer saved as a job is one with its new parent, name and billing; one saved without a parent is none.
 */
export function withSavedJobs(
  links: ReadonlyMap<string, JobLink & { name: string }>,
  saved: readonly { externalId: string; displayName: string; parentExternalId?: string | undefined; billWithParent?: boolean | undefined }[],
): Map<string, JobLink & { name: string }> {
  const next = new Map(links);
  for (const c of saved) {
    if (c.parentExternalId === undefined) next.delete(c.externalId);
    else next.set(c.externalId, { parentExternalId: c.parentExternalId, billWithParent: c.billWithParent, name: c.displayName });
  }
  return next;
}

/** The roll-up of jobs billed with their parent into the top-level parent's account, from the stored customers. */
export async function rollUpOf(kit: QboKit, companyId: string, known?: ReadonlyMap<string, JobLink & { name: string }>): Promise<QboRollUp> {
  const links = known ?? (await jobLinks(kit, companyId));
  return { accountOf: (id) => billingAccountOf(id, links), nameOf: (id) => links.get(id)?.name };
}

/** Customers an invoice page refers to, from which on their roll-up is read by `_id` instead of one read of every job. */
const ROLL_UP_BY_ID = 20;

/**
 * The roll-up for a few customers (a webhook's invoices): each customer and the parents it is billed with read by
 * `_id`, one indexed equality each (QuickBooks nests jobs up to 5 levels), instead of reading every job of the
 * company; the same answers as rollUpOf for these customers.
 */
async function rollUpFor(kit: QboKit, companyId: string, customerIds: readonly string[]): Promise<QboRollUp> {
  const links = new Map<string, JobLink & { name: string }>();
  const seen = new Set<string>();
  let next = [...new Set(customerIds)];
  for (let depth = 0; next.length > 0 && depth < 8; depth++) {
    for (const id of next) seen.add(id);
    const docs = await Promise.all(next.map((id) => kit.store.customers.raw().findOne({ _id: recordId({ provider: 'quickbooks', companyId, externalId: id }) }, { projection: { externalId: 1, parentExternalId: 1, billWithParent: 1, displayName: 1 } })));
    next = [];
    for (const d of docs) {
      if (d?.parentExternalId === undefined) continue;
      links.set(d.externalId, { parentExternalId: d.parentExternalId, billWithParent: d.billWithParent, name: d.displayName });
      if (d.billWithParent === true && !seen.has(d.parentExternalId)) next.push(d.parentExternalId);
    }
  }
  return { accountOf: (id) => billingAccountOf(id, links), nameOf: (id) => links.get(id)?.name };
}

/**
 * After a page of customers: the invoices of jobs whose roll-up changed (re-parented, billed with their parent or
 * no longer, new to Overdue with invoices already stored) move to the account they now belong to, with their
 * sub-jobs'. A rename changes nothing here (accounts are ids); a job's name on its invoices is refreshed.
 */
async function reassignJobs(
  kit: QboKit, companyId: string, saved: readonly { externalId: string; displayName: string; parentExternalId?: string; billWithParent?: boolean }[],
  before: ReadonlyMap<string, JobLink & { name: string }>, links: ReadonlyMap<string, JobLink & { name: string }>, syncedAt: Date,
): Promise<void> {
  const changed = saved.filter((c) => {
    const old = before.get(c.externalId);
    if (c.parentExternalId === undefined && old?.parentExternalId === undefined) return false;
    return old?.parentExternalId !== c.parentExternalId || old?.billWithParent !== c.billWithParent || old?.name !== c.displayName;
  });
  if (changed.length === 0) return;
  const children = new Map<string, string[]>();
  for (const [id, l] of links) if (l.parentExternalId !== undefined) children.set(l.parentExternalId, [...(children.get(l.parentExternalId) ?? []), id]);
  const subtree = new Set<string>();
  const walk = (id: string): void => {
    if (subtree.has(id)) return;
    subtree.add(id);
    for (const c of children.get(id) ?? []) walk(c);
  };
  for (const c of changed) walk(c.externalId);
  const invoices = kit.store.invoices.raw();
  for (const job of subtree) {
    const account = billingAccountOf(job, links);
    const mine = { provider: 'quickbooks' as const, companyId, $or: [{ jobExternalId: job }, { customerExternalId: job, jobExternalId: { $exists: false } }] };
    if (account === job) await invoices.updateMany(mine, { $set: { customerExternalId: job, syncedAt }, $unset: { jobExternalId: '', jobName: '' } });
    else await invoices.updateMany(mine, { $set: { customerExternalId: account, jobExternalId: job, jobName: links.get(job)?.name ?? job, syncedAt } });
  }
}

/** Parse, map and save one page of raw records of a kind (the store batches the writes). */
export async function savePage(kit: QboKit, kind: RecordKind, rows: unknown[], ctx: QboMapContext): Promise<PageCounts> {
  const log = { logger: kit.logger, provider: 'QuickBooks', kind, idOf: (raw: unknown) => QboId.safeParse(raw).data?.Id };
  if (kind === 'customer') {
    for (const r of rows) {
      const c = QboCustomer.safeParse(r);
      for (const bad of c.success ? splitAddresses(c.data.PrimaryEmailAddr?.Address).invalid : []) {
        kit.logger.warn({ provider: 'QuickBooks', customerId: c.data?.Id, value: bad.value, reason: bad.reason }, 'customer email address dropped');
      }
    }
    const page = mapEach(rows, (r) => mapCustomer(QboCustomer.parse(r), ctx), log);
    const before = new Map(await cachedJobLinks(kit, ctx));
    ctx.jobCache.links = undefined; // until the page is saved: a failed save leaves the stored links to be read again
    const counts = await saveAll(kit.store.customers, page);
    const after = withSavedJobs(before, page.docs);
    ctx.jobCache.links = after;
    await reassignJobs(kit, ctx.companyId, page.docs, before, after, ctx.syncedAt);
    return counts;
  }
  if (kind === 'invoice') {
    const terms = await termsFor(kit, rows, ctx);
    const referred = [...new Set(rows.flatMap((r) => {
      const p = QboInvoice.safeParse(r);
      return p.success ? [p.data.CustomerRef.value] : [];
    }))];
    // The sync's cached jobs when it has read them; a few invoices (a webhook's) read their customers by _id instead.
    const rollUp = ctx.jobCache.links === undefined && rows.length <= ROLL_UP_BY_ID
      ? await rollUpFor(kit, ctx.companyId, referred)
      : await rollUpOf(kit, ctx.companyId, await cachedJobLinks(kit, ctx));
    const page = mapEach(rows, (r) => mapInvoice(QboInvoice.parse(r), ctx, terms, rollUp), log);
    // Queries and reads ask for InvoiceLink; the change feed (CDC) does not carry it: keep the stored link.
    await kit.store.invoices.keepPayLinks('quickbooks', ctx.companyId, page.docs);
    const counts = await saveAll(kit.store.invoices, page);
    await flagUndated(kit, page.docs);
    return counts;
  }
  if (kind === 'payment') return saveAll(kit.store.payments, mapEach(rows, (r) => mapPayment(QboPayment.parse(r), ctx), log));
  return saveAll(kit.store.payments, mapEach(rows, (r) => mapCreditMemo(QboCreditMemo.parse(r), ctx), log));
}

async function saveAll<D>(repo: { upsertMany(docs: D[]): Promise<unknown> }, page: { docs: D[]; rejected: number }): Promise<PageCounts> {
  await repo.upsertMany(page.docs);
  return { saved: page.docs.length, rejected: page.rejected };
}

/** Mark a record QuickBooks reports deleted, keeping what we knew of it (a credit memo is stored under its own external id). */
export function markDeleted(kit: QboKit, kind: RecordKind, id: string, ctx: MapContext): Promise<boolean> {
  return markRecordDeleted(kit.store, 'quickbooks', kind, ctx.companyId, kind === 'credit_memo' ? creditMemoExternalId(id) : id, ctx.syncedAt);
}

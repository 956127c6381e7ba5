// QuickBooks sync as a recipe: read a page, map and save it at once, advance the
// checkpoint; pages one after another. A full sync walks every entity by query
// and can resume part-way; an incremental sync reads the CDC change feed while
// the checkpoint is under 30 days old (falling back to a query for an entity the
// feed capped), else queries by LastUpdatedTime.
import { z } from 'zod';
import { addPage, emptyTally, finishSync, inChunks, mapContextOf, type PageCounts, type SyncTally } from '../connector-kit.js';
import type { RecordKind, SyncOptions, SyncResult } from '../types.js';
import type { QboClient } from './client.js';
import type { QboKit } from './kit.js';
import { quickbooks, type QboEntityName } from './provider.js';
import { QboCdcResponse, QboDeleted, QboQueryResponse } from './records.js';
import { markDeleted, savePage, withTerms, type QboMapContext } from './save.js';

/** One entity of a sync: how to select it in a full sync. */
export interface Step {
  kind: RecordKind;
  entity: QboEntityName;
  /** WHERE clause of a full sync. */
  fullWhere: string;
}

/**
 * A query on a name list (Customer) without a condition on Active returns active records only:
 * inactive customers may still owe, so every customer read names both.
 */
export const ACTIVE_OR_NOT = 'Active IN (true, false)';

/** The WHERE clause for `step` with `condition`: customer reads always include inactive ones. */
export function whereFor(step: Pick<Step, 'entity'>, condition: string): string {
  if (step.entity !== 'Customer') return condition;
  return condition ? `${condition} AND ${ACTIVE_OR_NOT}` : ACTIVE_OR_NOT;
}

export const steps: Step[] = [
  { kind: 'customer', entity: 'Customer', fullWhere: ACTIVE_OR_NOT },
  { kind: 'invoice', entity: 'Invoice', fullWhere: "Balance > '0'" },
  { kind: 'payment', entity: 'Payment', fullWhere: '' },
  { kind: 'credit_memo', entity: 'CreditMemo', fullWhere: "Balance > '0'" },
];

const Rows = z.array(z.unknown());
const QboIdOnly = z.object({ Id: z.string() });

/** Records of `step` by id, a page of ids per query (`Id IN (…)`): what the webhooks and the full sync's settling read. Returns the ids QuickBooks returned. */
export async function readByIds(kit: QboKit, client: QboClient, step: Pick<Step, 'kind' | 'entity'>, ids: string[], ctx: QboMapContext): Promise<PageCounts & { ids: string[] }> {
  const total = { saved: 0, rejected: 0, ids: [] as string[] };
  const numeric = [...new Set(ids)].filter((id) => /^\d+$/.test(id));
  for (const chunk of inChunks(numeric, quickbooks.api.pageSize)) {
    const r = await readPages(kit, client, step, whereFor(step, `Id IN (${chunk.map((id) => `'${id}'`).join(',')})`), 1, ctx);
    total.saved += r.saved;
    total.rejected += r.rejected;
    total.ids.push(...r.ids);
  }
  return total;
}

/** QuickBooks' clock in an answer (`time`), floored to whole seconds like its LastUpdatedTime; null when absent. */
export function serverSecond(time: string | undefined): string | null {
  const t = time ? Date.parse(time) : Number.NaN;
  return Number.isNaN(t) ? null : new Date(Math.floor(t / 1000) * 1000).toISOString();
}

/**
 * Page through `select * from <entity> where …`, saving each page and calling `progress` with the next start
 * position and QuickBooks' clock (`time`) after it. Returns the counts and the first answer's `time`.
 */
export async function readPages(
  kit: QboKit, client: QboClient, step: Pick<Step, 'kind' | 'entity'>, where: string, start: number, ctx: QboMapContext,
  progress: (next: number, serverTime: string | null) => Promise<void> = async () => {},
): Promise<PageCounts & { serverTime: string | null; ids: string[] }> {
  let pos = start;
  const total = { saved: 0, rejected: 0, serverTime: null as string | null, ids: [] as string[] };
  // The next page is asked for while this one is saved: still one request in flight, pages in
  // order, but the store's time hides behind the API's. A prefetch whose page is never awaited
  // (the save failed) must not become an unhandled rejection, hence the no-op catch.
  const fetchPage = (at: number) => {
    const p = client.query(step.entity, where, at);
    p.catch(() => undefined);
    return p;
  };
  let next = fetchPage(pos);
  for (;;) {
    const body = QboQueryResponse.parse(await next);
    const rows = Rows.parse(body.QueryResponse[step.entity] ?? []);
    const serverTime = serverSecond(body.time);
    total.serverTime ??= serverTime;
    for (const r of rows) {
      const id = QboIdOnly.safeParse(r);
      if (id.success) total.ids.push(id.data.Id);
    }
    const more = rows.length >= quickbooks.api.pageSize;
    if (more) next = fetchPage(pos + rows.length);
    const page = await savePage(kit, step.kind, rows, ctx);
    total.saved += page.saved;
    total.rejected += page.rejected;
    pos += rows.length;
    await progress(pos, serverTime);
    if (!more) return total;
  }
}

export async function fullSync(kit: QboKit, connectionId: string, opts: SyncOptions = {}): Promise<SyncResult> {
  const conn = await kit.active(connectionId);
  const client = kit.client(conn);
  const ctx = withTerms(await mapContextOf(kit, conn), client);
  // Resume a full sync that stopped part-way: positions and its start times are in the checkpoint.
  const checkpoint: Record<string, string> = { ...(conn.checkpoint ?? {}) };
  // Our clock's start tells which stored invoices this sync has not seen; QuickBooks' clock (the first
  // answer's `time`, whole seconds) is the next checkpoint, so skew between the two loses no change.
  const localStart = checkpoint.fullLocalStart ?? ctx.syncedAt.toISOString();
  checkpoint.fullLocalStart = localStart;
  let startedAt = checkpoint.fullStartedAt;
  const tally = emptyTally();
  const save = () => kit.store.connections.update(connectionId, { checkpoint }, kit.now());
  for (const step of steps) {
    const key = `full:${step.entity}`;
    if (checkpoint[key] !== 'done') {
      // The progress total: QuickBooks' own count of open invoices (select count(*)), asked only when someone follows.
      const total = opts.onProgress && step.kind === 'invoice' ? await client.countOpenInvoices() : null;
      const page = await readPages(kit, client, step, step.fullWhere, Number(checkpoint[key] ?? 1), ctx, async (next, server) => {
        checkpoint[key] = String(next);
        await opts.onProgress?.({ kind: step.kind, done: next - 1, total });
        if (!startedAt) startedAt = checkpoint.fullStartedAt = server ?? serverSecond(localStart) ?? localStart;
        await save();
      });
      checkpoint[key] = 'done';
      addPage(tally, step.kind, page);
    }
    if (step.kind === 'invoice' && checkpoint['full:settle'] !== 'done') {
      const settled = await settleLeftOpen(kit, client, ctx, new Date(localStart));
      tally.saved.invoice += settled.saved;
      tally.deleted += settled.deleted;
      checkpoint['full:settle'] = 'done';
      await save();
    }
  }
  const since = startedAt ?? serverSecond(localStart) ?? localStart;
  await finishSync(kit, connectionId, { since });
  kit.countCalls(client);
  kit.logger.info({ connectionId, saved: tally.saved, rejected: tally.rejected, deleted: tally.deleted, apiCalls: client.calls }, 'QuickBooks full sync done');
  return { kind: 'full', method: 'full', saved: tally.saved, rejected: tally.rejected, deleted: tally.deleted, apiCalls: client.calls, checkpoint: since };
}

/**
 * The full sync reads open invoices only (`Balance > '0'`). Invoices Overdue holds as open that the read
 * did not return (not saved since `localStart`) were paid, voided or deleted meanwhile, perhaps with their
 * webhook lost: read them by id (`Id IN (…)`, a thousand per query) and store what they are now; one that
 * does not come back is gone from QuickBooks and marked deleted.
 */
async function settleLeftOpen(kit: QboKit, client: QboClient, ctx: QboMapContext, localStart: Date): Promise<{ saved: number; deleted: number }> {
  const stale = await kit.store.invoices.raw()
    .find({ provider: 'quickbooks', companyId: ctx.companyId, status: 'open', syncedAt: { $lt: localStart } }, { projection: { externalId: 1 } })
    .toArray();
  const ids = stale.map((d) => d.externalId);
  if (ids.length === 0) return { saved: 0, deleted: 0 };
  const invoiceStep = steps.find((s) => s.kind === 'invoice')!;
  const got = await readByIds(kit, client, invoiceStep, ids, ctx);
  const returned = new Set(got.ids);
  let deleted = 0;
  for (const id of ids.filter((x) => !returned.has(x))) if (await markDeleted(kit, 'invoice', id, ctx)) deleted += 1;
  return { saved: got.saved, deleted };
}

export async function incrementalSync(kit: QboKit, connectionId: string, opts: SyncOptions = {}): Promise<SyncResult> {
  const conn = await kit.active(connectionId);
  const since = conn.checkpoint?.since;
  if (!since || conn.checkpoint?.fullStartedAt) return fullSync(kit, connectionId, opts);
  const client = kit.client(conn);
  const ctx = withTerms(await mapContextOf(kit, conn), client);
  const tally = emptyTally();
  const cdcLimitMs = quickbooks.api.cdcMaxAgeDays * 86_400_000 - 3_600_000; // an hour of margin for clock skew
  const method = kit.now().getTime() - new Date(since).getTime() < cdcLimitMs ? 'cdc' : 'query';
  let next: string | null = null;
  let byQuery = steps;
  if (method === 'cdc') {
    const feed = await readChangeFeed(kit, client, new Date(since), ctx, tally);
    next = feed.next;
    byQuery = feed.capped; // the feed's answer was capped for these: read them by query instead
  }
  for (const step of byQuery) {
    // Deleted records cannot be seen this way; the next full sync reconciles them.
    const page = await readPages(kit, client, step, whereFor(step, `Metadata.LastUpdatedTime >= '${since}'`), 1, ctx);
    next ??= page.serverTime; // QuickBooks' clock at the first read, not ours
    addPage(tally, step.kind, page);
  }
  next ??= new Date(Math.floor(kit.now().getTime() / 1000) * 1000).toISOString(); // no answer carried a time
  await finishSync(kit, connectionId, { since: next });
  kit.countCalls(client);
  return { kind: 'incremental', method, ...tally, apiCalls: client.calls, checkpoint: next };
}

/**
 * One CDC call for every entity: deleted records are marked, the rest saved.
 * Returns the feed's own time (the next checkpoint) and the entities whose
 * answer was capped, which must be read by query instead.
 */
async function readChangeFeed(kit: QboKit, client: QboClient, since: Date, ctx: QboMapContext, tally: SyncTally): Promise<{ next: string; capped: Step[] }> {
  const body = QboCdcResponse.parse(await client.cdc(steps.map((s) => s.entity), since));
  const capped: Step[] = [];
  for (const group of body.CDCResponse[0]?.QueryResponse ?? []) {
    const step = steps.find((s) => Array.isArray(group[s.entity]));
    if (!step) continue;
    const rows = Rows.parse(group[step.entity]);
    if (rows.length >= quickbooks.api.cdcMaxObjects) {
      capped.push(step);
      continue;
    }
    const live: unknown[] = [];
    for (const row of rows) {
      const gone = QboDeleted.safeParse(row);
      if (!gone.success) live.push(row);
      else if (await markDeleted(kit, step.kind, gone.data.Id, ctx)) tally.deleted += 1;
    }
    addPage(tally, step.kind, await savePage(kit, step.kind, live, ctx));
  }
  return { next: new Date(body.time).toISOString(), capped };
}

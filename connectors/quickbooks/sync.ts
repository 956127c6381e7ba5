// QuickBooks sync as a recipe: read a page, map and save it at once, advance the
// checkpoint; pages one after another. A full sync walks every entity by query
// and can resume part-way; an incremental sync reads the CDC change feed while
// the checkpoint is under 30 days old (falling back to a query for an entity the
// feed capped), else queries by LastUpdatedTime.
import { z } from 'zod';
import { addPage, emptyTally, finishSync, mapContextOf, type PageCounts, type SyncTally } from '../connector-kit.js';
import type { RecordKind, SyncResult } from '../types.js';
import type { QboClient } from './client.js';
import type { QboKit } from './kit.js';
import { quickbooks, type QboEntityName } from './provider.js';
import { QboCdcResponse, QboDeleted, QboQueryResponse, type MapContext } from './records.js';
import { markDeleted, savePage } from './save.js';

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

/** Page through `select * from <entity> where …`, saving each page and calling `progress` with the next start position after it. */
export async function readPages(
  kit: QboKit, client: QboClient, step: Pick<Step, 'kind' | 'entity'>, where: string, start: number, ctx: MapContext,
  progress: (next: number) => Promise<void> = async () => {},
): Promise<PageCounts> {
  let pos = start;
  const total = { saved: 0, rejected: 0 };
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
    const more = rows.length >= quickbooks.api.pageSize;
    if (more) next = fetchPage(pos + rows.length);
    const page = await savePage(kit, step.kind, rows, ctx);
    total.saved += page.saved;
    total.rejected += page.rejected;
    pos += rows.length;
    await progress(pos);
    if (!more) return total;
  }
}

export async function fullSync(kit: QboKit, connectionId: string): Promise<SyncResult> {
  const conn = await kit.active(connectionId);
  const client = kit.client(conn);
  const ctx = await mapContextOf(kit, conn);
  // Resume a full sync that stopped part-way: positions and its start time are in the checkpoint.
  const checkpoint: Record<string, string> = { ...(conn.checkpoint ?? {}) };
  // Whole seconds: QuickBooks' LastUpdatedTime has no milliseconds, so a change made later in the
  // same second as the start would otherwise fall before the checkpoint and never be read.
  const startedAt = checkpoint.fullStartedAt ?? new Date(Math.floor(kit.now().getTime() / 1000) * 1000).toISOString();
  checkpoint.fullStartedAt = startedAt;
  const tally = emptyTally();
  for (const step of steps) {
    const key = `full:${step.entity}`;
    if (checkpoint[key] === 'done') continue;
    const page = await readPages(kit, client, step, step.fullWhere, Number(checkpoint[key] ?? 1), ctx, async (next) => {
      checkpoint[key] = String(next);
      await kit.store.connections.update(connectionId, { checkpoint }, kit.now());
    });
    checkpoint[key] = 'done';
    addPage(tally, step.kind, page);
  }
  await finishSync(kit, connectionId, { since: startedAt });
  kit.countCalls(client);
  kit.logger.info({ connectionId, saved: tally.saved, rejected: tally.rejected, apiCalls: client.calls }, 'QuickBooks full sync done');
  return { kind: 'full', method: 'full', saved: tally.saved, rejected: tally.rejected, deleted: 0, apiCalls: client.calls, checkpoint: startedAt };
}

export async function incrementalSync(kit: QboKit, connectionId: string): Promise<SyncResult> {
  const conn = await kit.active(connectionId);
  const since = conn.checkpoint?.since;
  if (!since || conn.checkpoint?.fullStartedAt) return fullSync(kit, connectionId);
  const client = kit.client(conn);
  const ctx = await mapContextOf(kit, conn);
  const tally = emptyTally();
  const cdcLimitMs = quickbooks.api.cdcMaxAgeDays * 86_400_000 - 3_600_000; // an hour of margin for clock skew
  const method = kit.now().getTime() - new Date(since).getTime() < cdcLimitMs ? 'cdc' : 'query';
  let next = kit.now().toISOString();
  let byQuery = steps;
  if (method === 'cdc') {
    const feed = await readChangeFeed(kit, client, new Date(since), ctx, tally);
    next = feed.next;
    byQuery = feed.capped; // the feed's answer was capped for these: read them by query instead
  }
  for (const step of byQuery) {
    // Deleted records cannot be seen this way; the next full sync reconciles them.
    addPage(tally, step.kind, await readPages(kit, client, step, whereFor(step, `Metadata.LastUpdatedTime >= '${since}'`), 1, ctx));
  }
  await finishSync(kit, connectionId, { since: next });
  kit.countCalls(client);
  return { kind: 'incremental', method, ...tally, apiCalls: client.calls, checkpoint: next };
}

/**
 * One CDC call for every entity: deleted records are marked, the rest saved.
 * Returns the feed's own time (the next checkpoint) and the entities whose
 * answer was capped, which must be read by query instead.
 */
async function readChangeFeed(kit: QboKit, client: QboClient, since: Date, ctx: MapContext, tally: SyncTally): Promise<{ next: string; capped: Step[] }> {
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

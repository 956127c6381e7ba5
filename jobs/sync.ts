// Sync jobs: keep every connected company's data fresh and re-plan exactly the
// accounts whose data changed.
// - `sync-incremental` (every few minutes): each active connection's changes since its checkpoint;
// - `sync-full` (nightly): a full reconciliation of each active connection;
// - `process-webhooks` (every minute): stored webhook deliveries, fetched and saved — the net;
// - `process-webhooks-now` (one-off): enqueued by the web role as soon as it stored a delivery
//   (`webhookTrigger`), one pending run per connection, so a burst coalesces and a change is
//   fetched and its account re-planned within seconds instead of at the next minute.
// The services object says which connectors and inbox processors exist
// (`connectors`, `inbox`, from app/services.ts); a provider that is not configured is skipped.
import type { Agenda } from 'agenda';
import { z } from 'zod';
import type { InboxBatch } from '../connectors/inbox.js';
import { plannerFor } from '../src/planning/plan.js';
import { customersChangedSince } from '../src/store/records.js';
import type { ConnectionDoc } from '../src/store/types.js';
import { job, type JobContext } from './agenda.js';
import { checkSavedCustomers } from './lookalike.js';

/** Re-plan the accounts of a connection whose records were saved since `since`; check its saved customers for look-alikes of known bad payers. */
export async function replanChanged(ctx: JobContext, conn: ConnectionDoc, since: Date): Promise<number> {
  const ids = await customersChangedSince(ctx.store, conn.provider, conn.companyId, since);
  if (ids.length > 0) await plannerFor(ctx).planMany(ids, ctx.now());
  if (ids.length > 0) await checkSavedCustomers(ctx, conn, since);
  return ids.length;
}

/** Sync every active connection of a configured provider, then re-plan the accounts that changed. */
export async function syncAll(ctx: JobContext, kind: 'full' | 'incremental'): Promise<void> {
  for (const conn of await ctx.store.connections.listActive()) {
    const connector = ctx.connectors[conn.provider];
    if (!connector) continue;
    const started = ctx.now();
    try {
      const r = kind === 'full' ? await connector.fullSync(conn._id) : await connector.incrementalSync(conn._id);
      const replanned = await replanChanged(ctx, conn, started);
      if (conn.lastError) await ctx.store.connections.clear(conn._id, ['lastError'], ctx.now());
      ctx.logger.info({ connection: conn._id, kind, method: r.method, saved: r.saved, deleted: r.deleted, rejected: r.rejected, apiCalls: r.apiCalls, replanned }, 'sync done');
    } catch (err) {
      // One company's failure (a revoked app, an outage) must not stop the others; it shows on the connection.
      await ctx.store.connections.update(conn._id, { lastError: { at: ctx.now(), message: (err instanceof Error ? err.message : String(err)).slice(0, 500) } }, ctx.now());
      ctx.logger.warn({ connection: conn._id, kind, err: err instanceof Error ? err.message : String(err) }, 'sync failed');
    }
  }
}

export const syncIncremental = job({
  name: 'sync-incremental',
  data: z.object({}),
  async run(_data, ctx) {
    await syncAll(ctx, 'incremental');
  },
  lockLifetimeMs: 30 * 60_000,
});

export const syncFull = job({
  name: 'sync-full',
  data: z.object({}),
  async run(_data, ctx) {
    await syncAll(ctx, 'full');
  },
  lockLifetimeMs: 2 * 3_600_000,
});

export const processWebhooks = job({
  name: 'process-webhooks',
  data: z.object({}),
  async run(_data, ctx) {
    await processWebhookDeliveries(ctx);
  },
  lockLifetimeMs: 10 * 60_000,
});

export const processWebhooksNow = job({
  name: 'process-webhooks-now',
  data: z.object({ connectionId: z.string() }),
  async run(_data, ctx) {
    await processWebhookDeliveries(ctx);
  },
  lockLifetimeMs: 10 * 60_000,
  removeOnComplete: true,
  // A run pending behind a running one may start beside it: each delivery is claimed by one run.
  concurrency: 2,
});

/**
 * What the webhook routes call once a delivery is stored (Services.onWebhookStored): enqueue a
 * `process-webhooks-now` run for the connection. The web role's Agenda only enqueues (it is never
 * started); a worker runs the job at its next scan. The unique key matches only a run that is still
 * pending (not locked, never finished), so deliveries that arrive while one is pending coalesce into
 * it, and one that arrives while a run is under way gets a run of its own after it.
 */
export function webhookTrigger(agenda: Agenda): (connectionId: string) => Promise<void> {
  return async (connectionId) => {
    await agenda
      .create(processWebhooksNow.name, { connectionId })
      .unique({ 'data.connectionId': connectionId, lockedAt: null, lastFinishedAt: null })
      .schedule(new Date())
      .save();
  };
}

/**
 * How often the worker's prompt Agenda (app/service.ts, jobs/index.ts `promptJobs`) looks for a pending
 * `process-webhooks-now` run: the wait between a delivery stored and its processing started. Each look is one read
 * of the job collection by that name (pending runs only: runs are removed once they succeed).
 */
export const WEBHOOK_PROCESS_EVERY_MS = 250;

/** Deliveries one webhook run handles at most (it keeps claiming while the inbox has work, up to this). */
export const WEBHOOK_RUN_MAX = 2_000;

/**
 * Work through every configured provider's stored deliveries, re-planning the accounts of each batch as soon as
 * it is saved (`replanBatch`), not after the whole run; the run keeps claiming what is stored meanwhile until the
 * inbox is empty. A processor that does not report its batches (or deliveries that failed) leaves the run's
 * end to re-plan what was saved since it started, as before.
 */
export async function processWebhookDeliveries(ctx: JobContext): Promise<{ handled: number; replanned: number }> {
  const started = ctx.now();
  const t0 = Date.now();
  let handled = 0;
  let reported = 0;
  let replanned = 0;
  let replanMs = 0;
  let batches = 0;
  const afterBatch = async (batch: InboxBatch): Promise<void> => {
    const t = Date.now();
    batches += 1;
    reported += batch.deliveries;
    replanned += await replanBatch(ctx, batch);
    replanMs += Date.now() - t;
  };
  for (const process of Object.values(ctx.inbox)) handled += await process({ afterBatch, max: WEBHOOK_RUN_MAX });
  if (handled > reported) {
    const t = Date.now();
    for (const conn of await ctx.store.connections.listActive()) replanned += await replanChanged(ctx, conn, started);
    replanMs += Date.now() - t;
  }
  if (handled > 0) ctx.logger.info({ handled, batches, replanned, inboxMs: Date.now() - t0 - replanMs, replanMs }, 'webhook deliveries processed');
  return { handled, replanned };
}

/**
 * Re-plan the accounts one batch of deliveries changed, right after it was saved: the accounts the connector read
 * back by `_id` (`AppliedChanges.changed`), each planned by its keys; where it could not say (a customer changed,
 * or no `changed` at all), what was saved since the batch started, as `replanChanged` finds it.
 */
export async function replanBatch(ctx: JobContext, batch: InboxBatch): Promise<number> {
  if (!batch.changed) {
    let n = 0;
    for (const conn of await ctx.store.connections.listActive()) n += await replanChanged(ctx, conn, batch.since);
    return n;
  }
  let n = 0;
  for (const c of batch.changed) {
    if (c.accounts === null) {
      const conn = await ctx.store.connections.get(c.connectionId);
      if (conn) n += await replanChanged(ctx, conn, batch.since);
    } else if (c.accounts.length >= REPLAN_MANY) {
      await plannerFor(ctx).planMany(c.accounts, ctx.now());
      n += c.accounts.length;
    } else if (c.accounts.length > 0) {
      // Each account by its keys, a few at once (accounts are independent: own keys, claims and audit chain).
      const planner = plannerFor(ctx);
      const queue = [...c.accounts];
      const lane = async (): Promise<void> => {
        for (let id = queue.shift(); id !== undefined; id = queue.shift()) await planner.plan(id, ctx.now());
      };
      await Promise.all(Array.from({ length: Math.min(REPLAN_LANES, queue.length) }, lane));
      n += c.accounts.length;
    }
  }
  return n;
}

/** A batch's accounts planned at once, each by its keys; from this many, one read of the organisation (planMany). */
const REPLAN_MANY = 25;
/** Accounts of a batch planned side by side. */
const REPLAN_LANES = 4;

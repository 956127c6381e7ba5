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

/** Work through every configured provider's stored deliveries, then re-plan the accounts that changed. */
export async function processWebhookDeliveries(ctx: JobContext): Promise<{ handled: number; replanned: number }> {
  const started = ctx.now();
  let handled = 0;
  for (const process of Object.values(ctx.inbox)) handled += await process();
  const inboxMs = ctx.now().getTime() - started.getTime();
  let replanned = 0;
  if (handled > 0) for (const conn of await ctx.store.connections.listActive()) replanned += await replanChanged(ctx, conn, started);
  if (handled > 0) ctx.logger.info({ handled, replanned, inboxMs, replanMs: ctx.now().getTime() - started.getTime() - inboxMs }, 'webhook deliveries processed');
  return { handled, replanned };
}

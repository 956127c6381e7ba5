// `reconcile-ledgers` (hourly; each organisation once a night at `hour` in its own zone):
// every active connection's balances against the ledger's own aged receivables report
// (connectors/reconcile.ts). A re-sync it triggers re-plans the accounts that changed.
import { z } from 'zod';
import { reconcileConnection } from '../connectors/reconcile.js';
import type { ReconciliationRunDoc } from '../src/ledger/runs.js';
import { isDailyPlanningHour } from '../src/planning/schedule.js';
import { job, type JobContext } from './agenda.js';
import { replanChanged } from './sync.js';

/** Reconcile the active connections of a configured provider whose organisation is at `hour` locally (all of them with `all`). */
export async function reconcileAll(ctx: JobContext, opts: { hour: number; all: boolean }): Promise<ReconciliationRunDoc[]> {
  const out: ReconciliationRunDoc[] = [];
  const now = ctx.now();
  for (const conn of await ctx.store.connections.listActive()) {
    const connector = ctx.connectors[conn.provider];
    if (!connector) continue;
    const org = await ctx.store.organisations.get(conn.orgId);
    if (!opts.all && !isDailyPlanningHour(now, org?.timeZone ?? 'UTC', opts.hour)) continue;
    const started = ctx.now();
    const run = await reconcileConnection({ store: ctx.store, connector, now: ctx.now, logger: ctx.logger }, conn._id);
    const replanned = run.resynced ? await replanChanged(ctx, conn, started) : 0;
    ctx.logger.info({ connection: conn._id, status: run.status, compared: run.compared, exact: run.exact, held: run.held.length, apiCalls: run.apiCalls, replanned }, 'ledger reconciliation done');
    out.push(run);
  }
  return out;
}

export const reconcileLedgers = job({
  name: 'reconcile-ledgers',
  data: z.object({
    /** Local hour (organisation's zone) of the nightly run; the job runs hourly and picks the organisations in that hour. */
    hour: z.number().int().min(0).max(23).default(3),
    /** Reconcile every connection now, whatever its organisation's local time. */
    all: z.boolean().default(false),
  }),
  async run({ hour, all }, ctx) {
    await reconcileAll(ctx, { hour, all });
  },
  lockLifetimeMs: 2 * 3_600_000,
});

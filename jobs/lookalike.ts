// Returning bad payers (docs/lookalike.md): after a sync saved customers, the new
// and edited ones are checked against the organisation's accounts referred to the
// agency, written off or made prepay-only (slack/services/lookalike.ts), in one
// batch per connection, after the sync's pages (a page is never slowed by it).
// `check-lookalike` {orgId, customerId?} checks one customer (or, without one,
// every customer of the organisation) on demand, even when nothing changed.
import { z } from 'zod';
import { checkLookalikes, type CheckResult } from '../slack/services/lookalike.js';
import type { ConnectionDoc } from '../src/store/types.js';
import { job, type JobContext } from './agenda.js';

/** Check the customers of a connection saved since `since` (new, or edited: their fingerprint changed). A failure is logged, never fails the sync. */
export async function checkSavedCustomers(ctx: JobContext, conn: ConnectionDoc, since: Date): Promise<CheckResult | null> {
  try {
    const saved = await ctx.store.customers.raw().find({ provider: conn.provider, companyId: conn.companyId, syncedAt: { $gte: since } }, { projection: { _id: 1 } }).toArray();
    if (saved.length === 0) return null;
    return await checkLookalikes(ctx, conn.orgId, saved.map((c) => c._id));
  } catch (err) {
    ctx.logger.warn({ err, connection: conn._id }, 'look-alike check failed; the next sync tries again');
    return null;
  }
}

export const checkLookalike = job({
  name: 'check-lookalike',
  data: z.object({ orgId: z.string().min(1), customerId: z.string().min(1).optional() }),
  async run(data, ctx) {
    const r = await checkLookalikes(ctx, data.orgId, data.customerId === undefined ? 'all' : [data.customerId], { force: true });
    ctx.logger.info({ orgId: data.orgId, customerId: data.customerId, checked: r.checked, flagged: r.flagged.length }, 'look-alike check done');
  },
  removeOnComplete: true,
});

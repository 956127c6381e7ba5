// `dispatch-outbox` (every minute): claim due outbox entries, send them through
// the worker's channels, then re-plan the accounts whose entries were cancelled
// or failed for good (a paid invoice, a bounced address → the next contact).
import { z } from 'zod';
import { createChannels, Dispatcher } from '../src/outbox/index.js';
import { plannerFor } from '../src/planning/plan.js';
import { job } from './agenda.js';

export const dispatchOutbox = job({
  name: 'dispatch-outbox',
  data: z.object({ maxEntries: z.number().int().positive().max(100_000).default(5_000), concurrency: z.number().int().positive().max(32).default(4) }),
  async run({ maxEntries, concurrency }, ctx) {
    const wiring = ctx.outbox;
    const dispatcher = new Dispatcher(ctx.store, {
      worker: ctx.worker,
      now: ctx.now,
      channels: createChannels(ctx.store.db, wiring.email, {
        store: ctx.store,
        ...(wiring.connectors ? { connectors: wiring.connectors } : {}),
        ...(wiring.platformEmail ? { platform: wiring.platformEmail } : {}),
      }),
      concurrency,
      logger: ctx.logger,
      ...(wiring.freshness ? { freshness: wiring.freshness } : {}),
      policies: ctx.policies,
      ...(wiring.sendEnabled !== undefined ? { sendEnabled: wiring.sendEnabled } : {}),
      ...(wiring.rates ? { rates: wiring.rates } : {}),
    });
    const stats = await dispatcher.runOnce({ maxEntries });
    if (stats.replan.length > 0) await plannerFor(ctx).planMany(stats.replan, ctx.now());
    if (stats.claimed > 0) ctx.logger.info({ ...stats, replan: stats.replan.length }, 'dispatch-outbox done');
  },
  lockLifetimeMs: 15 * 60_000,
});

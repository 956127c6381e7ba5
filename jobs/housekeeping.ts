import { z } from 'zod';
import { job } from './agenda.js';

/** Daily: forget claims older than 30 days (their keys are never asked again). */
export const housekeeping = job({
  name: 'housekeeping',
  data: z.object({ keepDays: z.number().int().positive().default(30) }),
  async run({ keepDays }, ctx) {
    const pruned = await ctx.store.claims.prune(new Date(ctx.now().getTime() - keepDays * 86_400_000));
    ctx.logger.info({ pruned }, 'housekeeping: old claims pruned');
  },
  lockLifetimeMs: 30 * 60_000,
});

import { z } from 'zod';
import { pruneExpired } from '../src/store/expired.js';
import { job } from './agenda.js';

/** Daily: forget claims older than 30 days (their keys are never asked again), and the console's expired sign-in links and sessions. */
export const housekeeping = job({
  name: 'housekeeping',
  data: z.object({ keepDays: z.number().int().positive().default(30) }),
  async run({ keepDays }, ctx) {
    const pruned = await ctx.store.claims.prune(new Date(ctx.now().getTime() - keepDays * 86_400_000));
    const expired = await pruneExpired(ctx.store.db, ctx.now());
    ctx.logger.info({ pruned, expired }, 'housekeeping: old claims and expired console links and sessions pruned');
  },
  lockLifetimeMs: 30 * 60_000,
});

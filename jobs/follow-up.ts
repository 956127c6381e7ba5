// `follow-up-tasks` (hourly): letters sent by post, courier or fax whose 48-hour
// follow-up time passed without anyone marking the task done get a follow-up
// task for the collector, once each (src/outbox/follow-up.ts).
import { z } from 'zod';
import { followUpOverdueTasks } from '../src/outbox/follow-up.js';
import { job } from './agenda.js';

export const followUpTasks = job({
  name: 'follow-up-tasks',
  data: z.object({ limit: z.number().int().positive().max(5_000).default(500) }),
  async run({ limit }, ctx) {
    const stats = await followUpOverdueTasks(ctx.store, ctx.worker, ctx.now(), limit);
    if (stats.due > 0) ctx.logger.info(stats, 'follow-up-tasks done');
  },
  lockLifetimeMs: 10 * 60_000,
});

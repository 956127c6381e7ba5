// `slack-deliver` (every minute): open Slack-bound tasks (rep nudges, approval
// requests) become Slack messages (slack/services/deliver.ts). The services
// object says how to reach Slack (`slack`, from app/services.ts, when a bot
// token is configured); without it the job does nothing and the tasks wait.
import { z } from 'zod';
import type { SlackContext } from '../slack/services/context.js';
import { deliverOpenTasks } from '../slack/services/deliver.js';
import { escalateUnanswered } from '../slack/services/nudge-actions.js';
import { job, type JobContext } from './agenda.js';

/** The worker's Slack services for this run, or null when Slack is not configured. */
export function slackServices(ctx: JobContext): SlackContext | null {
  return ctx.slack ? ctx.slack(ctx) : null;
}

export const slackDeliver = job({
  name: 'slack-deliver',
  // repWindowHours: a rep nudge nobody answered in this time goes to the collector.
  data: z.object({ limit: z.number().int().positive().max(5_000).default(200), repWindowHours: z.number().positive().max(24 * 30).default(48) }),
  async run({ limit, repWindowHours }, ctx) {
    const svc = slackServices(ctx);
    if (!svc) {
      ctx.logger.debug('slack-deliver: Slack is not configured; tasks wait');
      return;
    }
    const stats = await deliverOpenTasks(svc, { limit });
    const handedOver = await escalateUnanswered(svc, repWindowHours * 3_600_000);
    if (stats.delivered > 0 || stats.failed.length > 0 || handedOver > 0) ctx.logger.info({ delivered: stats.delivered, skipped: stats.skipped, failed: stats.failed.length, handedOver }, 'slack-deliver done');
  },
  lockLifetimeMs: 10 * 60_000,
});

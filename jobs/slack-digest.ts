// `slack-digest` (hourly): the collectors' morning digest DM in each
// organisation's time zone (slack/services/digest.ts). Off until Slack is
// configured (the same wiring as slack-deliver).
import { z } from 'zod';
import { sendDigests } from '../slack/services/digest.js';
import { job } from './agenda.js';
import { slackServices } from './slack-deliver.js';

export const slackDigest = job({
  name: 'slack-digest',
  data: z.object({ hour: z.number().int().min(0).max(23).default(8) }),
  async run({ hour }, ctx) {
    const svc = slackServices(ctx);
    if (!svc) return;
    const sent = await sendDigests(svc, { hour });
    if (sent > 0) ctx.logger.info({ sent }, 'slack-digest done');
  },
  lockLifetimeMs: 10 * 60_000,
});

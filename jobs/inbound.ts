// Inbound mail jobs (docs/inbound-mail.md):
// - `poll-inbound-mail` (every minute): the configured IMAP mailbox's unseen
//   messages stored once and marked \Seen, each queued for processing; and, as
//   the net, any stored message still unprocessed after two minutes (a queue
//   write lost to a crash, a webhook's message) queued again;
// - `process-inbound-mail` {inboundMailId}: one message read and acted on
//   (src/inbound/process.ts); a person's reply is then posted to the collector.
import { z } from 'zod';
import { pollMailbox, type PollStats } from '../src/inbound/imap.js';
import { InboundProcessor, type ProcessOutcome } from '../src/inbound/process.js';
import { inboundStore } from '../src/inbound/store.js';
import { plannerFor } from '../src/planning/plan.js';
import { collections } from '../src/store/store.js';
import { postReplyToCollector } from '../slack/services/replies.js';
import { job, type JobContext, type Services } from './agenda.js';

export const DEFAULT_INBOUND_MAX_BYTES = 10 * 1024 * 1024;
/** A stored message not processed by then is queued again by the poll. */
const STALE_MS = 2 * 60_000;

/** Queue processing of a stored message (every role has a job queue; without one — tests — it waits for the poll's net). */
export async function queueInboundProcessing(services: Pick<Services, 'jobs' | 'logger'>, inboundMailId: string): Promise<void> {
  if (!services.jobs) return;
  await services.jobs.now(processInboundMail.name, { inboundMailId });
}

/** One pass: the IMAP mailbox's unseen messages (when configured), then the net. */
export async function pollInbound(ctx: JobContext): Promise<PollStats & { requeued: number }> {
  const store = inboundStore(ctx.store.db);
  const imap = ctx.inbound?.imap;
  const stats: PollStats = imap
    ? await pollMailbox(imap, { mail: store.mail, maxBytes: ctx.inbound?.maxBytes ?? DEFAULT_INBOUND_MAX_BYTES, now: ctx.now, logger: ctx.logger })
    : { unseen: 0, stored: 0, duplicates: 0, refused: 0, ids: [] };
  for (const id of stats.ids) await queueInboundProcessing(ctx, id);
  const stale = await ctx.store.db
    .collection<{ _id: string }>(collections.inboundMail)
    .find({ status: 'stored', receivedAt: { $lt: new Date(ctx.now().getTime() - STALE_MS) } } as never, { projection: { _id: 1 } })
    .limit(200)
    .toArray();
  const fresh = new Set(stats.ids);
  let requeued = 0;
  for (const d of stale) {
    if (fresh.has(d._id)) continue;
    await queueInboundProcessing(ctx, d._id);
    requeued++;
  }
  return { ...stats, requeued };
}

/** Process one stored message and tell the collector of a person's reply. */
export async function processInbound(ctx: JobContext, inboundMailId: string): Promise<ProcessOutcome> {
  const planner = plannerFor(ctx);
  const processor = new InboundProcessor({
    store: ctx.store, now: ctx.now, logger: ctx.logger, replyMailbox: ctx.inbound?.replyMailbox,
    replan: (customerId, now) => planner.plan(customerId, now),
  });
  const outcome = await processor.process(inboundMailId);
  if (outcome.kind === 'reply') {
    const slack = ctx.slack?.(ctx);
    // The collector's reply card (once per reply). No Slack installation or no collector in Slack: the reply
    // stays on the timeline and in the audit trail, and the log says why.
    if (slack) {
      try {
        await postReplyToCollector(slack, outcome.reply);
      } catch (err) {
        ctx.logger.warn({ replyId: outcome.reply.replyId, err: err instanceof Error ? err.message : String(err) }, 'a customer replied; the collector could not be shown it in Slack: the reply is on the timeline only');
      }
    } else ctx.logger.info({ replyId: outcome.reply.replyId }, 'a customer replied; Slack is not configured, the reply is on the timeline only');
  }
  return outcome;
}

export const pollInboundMail = job({
  name: 'poll-inbound-mail',
  data: z.object({}).passthrough(),
  async run(_data, ctx) {
    const s = await pollInbound(ctx);
    if (s.unseen + s.requeued > 0) ctx.logger.info({ unseen: s.unseen, stored: s.stored, duplicates: s.duplicates, refused: s.refused, requeued: s.requeued }, 'poll-inbound-mail done');
  },
  lockLifetimeMs: 5 * 60_000,
});

export const processInboundMail = job({
  name: 'process-inbound-mail',
  data: z.object({ inboundMailId: z.string().min(1).max(200) }),
  async run({ inboundMailId }, ctx) {
    const outcome = await processInbound(ctx, inboundMailId);
    ctx.logger.info({ inboundMailId, kind: outcome.kind }, 'process-inbound-mail done');
  },
  concurrency: 2,
  removeOnComplete: true,
});

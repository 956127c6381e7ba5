// A customer replied to a reminder: the account's collector gets a short plain
// DM with who wrote, the subject and the text (escaped; never the HTML), once
// per reply (a claim `slack:reply:<replyId>`, given back when the post fails so
// the next run tries again), and the audit trail says so. The reply card with
// its buttons (slack/services/replies.ts postReplyToCollector) takes this one's
// place: one line in jobs/inbound.ts.
import type { ReplyForCollector } from '../../src/inbound/process.js';
import { esc } from '../blocks/kit.js';
import { openDm, type SlackContext } from './context.js';
import { collectorOf } from './notices.js';

const SYSTEM = { kind: 'system' as const, id: 'slack', name: 'Overdue Slack app' };
const MAX_QUOTE = 1_500;

/** The message's text (mrkdwn): account, sender, subject, the reply quoted, its attachments' names. */
export function replyNoticeText(accountName: string, reply: ReplyForCollector): string {
  const quoted = reply.text.length > MAX_QUOTE ? `${reply.text.slice(0, MAX_QUOTE)}…` : reply.text;
  const quote = (quoted.trim() === '' ? '(no text)' : esc(quoted)).split('\n').map((l) => `> ${l}`).join('\n');
  const files = reply.attachments.length > 0 ? `\nAttachments: ${reply.attachments.map((a) => esc(a.filename)).join(', ')}` : '';
  return `:envelope_with_arrow: *${esc(accountName)}* replied to a reminder — from ${esc(reply.from)}, "${esc(reply.subject)}":\n${quote}${files}\nThe ladder pauses for this account; answer the customer from your mail.`;
}

/** Tell the account's collector (a DM). True when posted now; false when posted before, or nobody to tell. */
export async function notifyCollectorOfReply(ctx: SlackContext, reply: ReplyForCollector): Promise<boolean> {
  const now = ctx.now();
  const customer = await ctx.store.customers.get(reply.customerId);
  if (!customer) return false;
  const view = await ctx.forOrg(reply.orgId);
  if (!view) {
    ctx.logger.warn({ orgId: reply.orgId, replyId: reply.replyId }, 'a customer replied, but the organisation has no Slack installation: the reply is on the timeline only');
    return false;
  }
  const to = await collectorOf(view, customer);
  if (!to) {
    ctx.logger.warn({ customerId: reply.customerId, replyId: reply.replyId }, 'a customer replied, but the account has no collector in Slack: the reply is on the timeline only');
    return false;
  }
  const claim = `slack:reply:${reply.replyId}`;
  if (!(await ctx.store.claims.take(claim, 'slack', now))) return false;
  try {
    await view.post({ channel: await openDm(view.client, to.id), text: replyNoticeText(customer.displayName, reply) });
  } catch (err) {
    await ctx.store.claims.release(claim, 'slack');
    throw err;
  }
  await ctx.audit({
    orgId: reply.orgId, accountId: reply.customerId, actor: SYSTEM, channel: 'slack', action: 'slack.reply_delivered', invoiceIds: [],
    outcome: `told ${to.email} of the reply from ${reply.from}`, details: { replyId: reply.replyId, to: to.email }, at: now,
  });
  return true;
}

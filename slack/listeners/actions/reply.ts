// The buttons of a customer's reply card (slack/services/replies.ts): value = the reply id.
import { checkReplyPaid, markReplyUnrelated, openReplyModal, type ReplyClick } from '../../services/replies.js';
import { click, servicesOf, type ActionArgs } from '../payloads.js';

const replyClick = (body: unknown): ReplyClick => {
  const c = click(body);
  return { replyId: c.id, userId: c.userId, triggerId: c.triggerId, channel: c.channel, ts: c.ts };
};

export async function replyPromiseButton({ ack, body, context }: ActionArgs): Promise<void> {
  await ack();
  await openReplyModal(servicesOf(context), 'promise', replyClick(body));
}

export async function replyDisputeButton({ ack, body, context }: ActionArgs): Promise<void> {
  await ack();
  await openReplyModal(servicesOf(context), 'dispute', replyClick(body));
}

export async function replyPaidButton({ ack, body, context }: ActionArgs): Promise<void> {
  await ack();
  await checkReplyPaid(servicesOf(context), replyClick(body));
}

export async function replyUnrelatedButton({ ack, body, context }: ActionArgs): Promise<void> {
  await ack();
  await markReplyUnrelated(servicesOf(context), replyClick(body));
}

// "Give more time" on an approval request: asks an approver until when, and why.
import { openRejectModal } from '../../services/approval-actions.js';
import { click, servicesOf, type ActionArgs } from '../payloads.js';

export async function moreTimeButton({ ack, body, context }: ActionArgs): Promise<void> {
  await ack();
  const c = click(body);
  await openRejectModal(servicesOf(context), { approvalId: c.id, userId: c.userId, triggerId: c.triggerId, channel: c.channel, ts: c.ts }, 'moreTime');
}

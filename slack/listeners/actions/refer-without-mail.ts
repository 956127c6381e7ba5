// "Refer without mailed-demand confirmation" on a referral request: asks an approver for the reason.
import { openReferWithoutMailModal } from '../../services/approval-actions.js';
import { click, servicesOf, type ActionArgs } from '../payloads.js';

export async function referWithoutMailButton({ ack, body, context }: ActionArgs): Promise<void> {
  await ack();
  const c = click(body);
  await openReferWithoutMailModal(servicesOf(context), { approvalId: c.id, userId: c.userId, triggerId: c.triggerId, channel: c.channel, ts: c.ts });
}

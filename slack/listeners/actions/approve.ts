// "Approve" on an approval request: decided once, by an approver who did not ask.
import { decideFromSlack } from '../../services/approval-actions.js';
import { click, servicesOf, type ActionArgs } from '../payloads.js';

export async function approveButton({ ack, body, context }: ActionArgs): Promise<void> {
  await ack();
  const c = click(body);
  await decideFromSlack(servicesOf(context), { approvalId: c.id, userId: c.userId, channel: c.channel, ts: c.ts }, 'approved');
}

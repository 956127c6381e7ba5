// Reject modal submitted: the approval is rejected with the reason.
import { decideFromSlack } from '../../services/approval-actions.js';
import { servicesOf, reasonOf, submitted, type ViewArgs } from '../payloads.js';

export async function rejectSubmitted({ ack, body, context }: ViewArgs): Promise<void> {
  const s = submitted(body);
  const r = reasonOf(s, 'Give a reason');
  if (!r.ok) return ack({ response_action: 'errors', errors: r.errors });
  const reason = r.value;
  await ack();
  await decideFromSlack(servicesOf(context), { approvalId: s.meta.id, userId: s.userId, channel: s.meta.channel, ts: s.meta.ts }, 'rejected', reason);
}

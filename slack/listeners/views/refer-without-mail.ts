// Refer without mailed-demand confirmation submitted: the referral is approved with the override recorded (who, why).
import { decideFromSlack } from '../../services/approval-actions.js';
import { servicesOf, reasonOf, submitted, type ViewArgs } from '../payloads.js';

export async function referWithoutMailSubmitted({ ack, body, context }: ViewArgs): Promise<void> {
  const s = submitted(body);
  const r = reasonOf(s, 'Say why the referral goes ahead without the mailed demand confirmed');
  if (!r.ok) return ack({ response_action: 'errors', errors: r.errors });
  await ack();
  await decideFromSlack(servicesOf(context), { approvalId: s.meta.id, userId: s.userId, channel: s.meta.channel, ts: s.meta.ts }, 'approved', r.value, undefined, { withoutMailedDemand: true });
}

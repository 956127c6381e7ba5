// The "payment plan" button on a nudge: opens its modal.
import { openNudgeModal } from '../../services/nudge-actions.js';
import { click, servicesOf, type ActionArgs } from '../payloads.js';

export async function paymentPlanButton({ ack, body, context }: ActionArgs): Promise<void> {
  await ack();
  const c = click(body);
  await openNudgeModal(servicesOf(context), 'paymentPlan', { taskId: c.id, userId: c.userId, triggerId: c.triggerId, channel: c.channel, ts: c.ts });
}

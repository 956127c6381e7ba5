// The "snooze" button on a nudge: opens its modal.
import { openNudgeModal } from '../../services/nudge-actions.js';
import { click, servicesOf, type ActionArgs } from '../payloads.js';

export async function snoozeButton({ ack, body, context }: ActionArgs): Promise<void> {
  await ack();
  const c = click(body);
  await openNudgeModal(servicesOf(context), 'snooze', { taskId: c.id, userId: c.userId, triggerId: c.triggerId, channel: c.channel, ts: c.ts });
}

// "Lift hold" on a credit-hold message: asks for the reason.
import { openHoldModal } from '../../services/holds.js';
import { click, servicesOf, type ActionArgs } from '../payloads.js';

export async function liftHoldButton({ ack, body, context }: ActionArgs): Promise<void> {
  await ack();
  const c = click(body);
  await openHoldModal(servicesOf(context), 'lift', { taskId: c.id, userId: c.userId, triggerId: c.triggerId, channel: c.channel, ts: c.ts });
}

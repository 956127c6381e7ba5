// "Place hold" on a credit-hold message: asks for the reason.
import { openHoldModal } from '../../services/holds.js';
import { click, servicesOf, type ActionArgs } from '../payloads.js';

export async function placeHoldButton({ ack, body, context }: ActionArgs): Promise<void> {
  await ack();
  const c = click(body);
  await openHoldModal(servicesOf(context), 'place', { taskId: c.id, userId: c.userId, triggerId: c.triggerId, channel: c.channel, ts: c.ts });
}

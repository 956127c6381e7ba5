// "Lift prepay-only" on an approved referral: asks a manager for the reason.
import { openLiftPrepay } from '../../services/prepay.js';
import { click, servicesOf, type ActionArgs } from '../payloads.js';

export async function liftPrepayButton({ ack, body, context }: ActionArgs): Promise<void> {
  await ack();
  const c = click(body);
  await openLiftPrepay(servicesOf(context), { approvalId: c.id, userId: c.userId, triggerId: c.triggerId, channel: c.channel, ts: c.ts });
}

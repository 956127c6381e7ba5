// "Not my account": hands the nudge to the collector.
import { notMyAccount } from '../../services/nudge-actions.js';
import { click, servicesOf, type ActionArgs } from '../payloads.js';

export async function notMyAccountButton({ ack, body, context }: ActionArgs): Promise<void> {
  await ack();
  const c = click(body);
  await notMyAccount(servicesOf(context), { taskId: c.id, userId: c.userId, triggerId: c.triggerId, channel: c.channel, ts: c.ts });
}

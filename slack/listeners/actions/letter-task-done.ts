// "Done" on a post, courier or fax task: the completion modal (tracking number).
import { openLetterTaskModal } from '../../services/letter-tasks.js';
import { click, servicesOf, type ActionArgs } from '../payloads.js';

export async function letterTaskDoneButton({ ack, body, context }: ActionArgs): Promise<void> {
  await ack();
  const c = click(body);
  await openLetterTaskModal(servicesOf(context), { taskId: c.id, userId: c.userId, triggerId: c.triggerId, channel: c.channel, ts: c.ts });
}

// "Done" on a follow-up notice: closes the follow-up and the task it chases.
import { markFollowUpDone } from '../../services/notices.js';
import { click, servicesOf, type ActionArgs } from '../payloads.js';

export async function taskDoneButton({ ack, body, context }: ActionArgs): Promise<void> {
  await ack();
  const c = click(body);
  await markFollowUpDone(servicesOf(context), { taskId: c.id, userId: c.userId, channel: c.channel, ts: c.ts });
}

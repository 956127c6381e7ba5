// /overdue <customer name or number> | aging
import { z } from 'zod';
import { answerCommand } from '../../services/command.js';
import { servicesOf, type CommandArgs } from '../payloads.js';

const Command = z.object({ user_id: z.string().min(1), channel_id: z.string().min(1), text: z.string().default('') });

export async function overdueCommand({ ack, command, context }: CommandArgs): Promise<void> {
  await ack();
  const c = Command.parse(command);
  await answerCommand(servicesOf(context), { userId: c.user_id, channelId: c.channel_id, text: c.text });
}

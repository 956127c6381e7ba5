// App Home's *Open Overdue*: a single-use sign-in link to the web console, sent by DM.
import { z } from 'zod';
import { consoleLinkFor } from '../../services/console-link.js';
import { tellByDm } from '../../services/connections.js';
import { servicesOf, type ActionArgs } from '../payloads.js';

const HomeClick = z.object({ user: z.object({ id: z.string().min(1).max(64) }) });

export async function consoleOpenButton({ ack, body, context }: ActionArgs): Promise<void> {
  await ack();
  const b = HomeClick.parse(body);
  const ctx = servicesOf(context);
  const answer = await consoleLinkFor(ctx, b.user.id);
  await tellByDm(ctx, b.user.id, answer.text);
}

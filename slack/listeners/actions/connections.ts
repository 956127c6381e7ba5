// App Home's *Connections* buttons. Connect and Reconnect are URL buttons: the
// browser follows the signed link, Slack still sends the click, acknowledged
// here and nothing more. Disconnect (behind a confirm dialog) is re-checked for
// an admin, done, told by DM, and the Home tab is published again.
import { z } from 'zod';
import { disconnectFromSlack, tellByDm } from '../../services/connections.js';
import { publishHome } from '../../services/home.js';
import { servicesOf, type ActionArgs } from '../payloads.js';

/** A click on App Home: the user and the button's value (no channel there). */
const HomeClick = z.object({
  user: z.object({ id: z.string().min(1) }),
  actions: z.array(z.object({ value: z.string().min(1).max(300) })).min(1),
});

export async function linkButton({ ack }: ActionArgs): Promise<void> {
  await ack();
}

export async function disconnectButton({ ack, body, context }: ActionArgs): Promise<void> {
  await ack();
  const b = HomeClick.parse(body);
  const ctx = servicesOf(context);
  const userId = b.user.id;
  const r = await disconnectFromSlack(ctx, userId, b.actions[0]?.value ?? '');
  await tellByDm(ctx, userId, r.message);
  if (r.ok) await publishHome(ctx, userId);
}

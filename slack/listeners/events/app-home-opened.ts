// app_home_opened: publish the person's call list.
import { z } from 'zod';
import { publishHome } from '../../services/home.js';
import { servicesOf, type EventArgs } from '../payloads.js';

const HomeOpened = z.object({ user: z.string().min(1), tab: z.string().optional() });

export async function appHomeOpened({ event, context }: EventArgs): Promise<void> {
  const e = HomeOpened.parse(event);
  if (e.tab !== undefined && e.tab !== 'home') return;
  await publishHome(servicesOf(context), e.user);
}

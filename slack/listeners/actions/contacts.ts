// *Contacts* (/overdue) and *Who else should we talk to?* (rep nudge): the Contacts modal; value: the customer id.
import { openContactsModal } from '../../services/contacts.js';
import { click, servicesOf, type ActionArgs } from '../payloads.js';

export async function contactsButton({ ack, body, context }: ActionArgs): Promise<void> {
  await ack();
  const c = click(body);
  await openContactsModal(servicesOf(context), { customerId: c.id, userId: c.userId, triggerId: c.triggerId, channel: c.channel, ts: c.ts });
}

// *Request referral* on the account view (/overdue <customer>): the modal asking the reason; value: the customer id.
import { openReferralModal } from '../../services/referral-request.js';
import { click, servicesOf, type ActionArgs } from '../payloads.js';

export async function referralRequestButton({ ack, body, context }: ActionArgs): Promise<void> {
  await ack();
  const c = click(body);
  await openReferralModal(servicesOf(context), { customerId: c.id, userId: c.userId, triggerId: c.triggerId, channel: c.channel, ts: c.ts });
}

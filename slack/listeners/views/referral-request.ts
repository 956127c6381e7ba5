// Request referral's modal submitted: the reason through the one text parser (shown on its block when
// missing), then the referral request (slack/services/referral-request.ts), the same flow as the console's.
import { submitReferralFromSlack } from '../../services/referral-request.js';
import { reasonOf, servicesOf, submitted, type ViewArgs } from '../payloads.js';

export async function referralRequestSubmitted({ ack, body, context }: ViewArgs): Promise<void> {
  const s = submitted(body);
  const r = reasonOf(s, 'Say why the account should go to the collection agency');
  if (!r.ok) return ack({ response_action: 'errors', errors: r.errors });
  await ack();
  await submitReferralFromSlack(servicesOf(context), s.meta, s.userId, r.value);
}

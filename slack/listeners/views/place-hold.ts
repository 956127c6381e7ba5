// Place hold modal submitted: the reason is required.
import { submitHold } from '../../services/holds.js';
import { servicesOf, reasonOf, submitted, type ViewArgs } from '../payloads.js';

export async function placeHoldSubmitted({ ack, body, context }: ViewArgs): Promise<void> {
  const s = submitted(body);
  const r = reasonOf(s, 'Give a reason');
  if (!r.ok) return ack({ response_action: 'errors', errors: r.errors });
  const reason = r.value;
  await ack();
  await submitHold(servicesOf(context), 'place', s.meta, s.userId, reason);
}

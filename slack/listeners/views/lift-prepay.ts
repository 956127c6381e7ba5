// Lift prepay-only modal submitted: the reason is required.
import { submitLiftPrepay } from '../../services/prepay.js';
import { servicesOf, reasonOf, submitted, type ViewArgs } from '../payloads.js';

export async function liftPrepaySubmitted({ ack, body, context }: ViewArgs): Promise<void> {
  const s = submitted(body);
  const r = reasonOf(s, 'Give a reason');
  if (!r.ok) return ack({ response_action: 'errors', errors: r.errors });
  const reason = r.value;
  await ack();
  await submitLiftPrepay(servicesOf(context), s.meta, s.userId, reason);
}

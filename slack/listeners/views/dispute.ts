// Dispute modal submitted: which invoices, and why (payloads.ts disputeForm).
import { submitNudge } from '../../services/nudge-actions.js';
import { disputeForm, servicesOf, submitted, type ViewArgs } from '../payloads.js';

export async function disputeSubmitted({ ack, body, context }: ViewArgs): Promise<void> {
  const s = submitted(body);
  const form = disputeForm(s);
  if (!form.ok) return ack({ response_action: 'errors', errors: form.errors });
  await ack();
  await submitNudge(servicesOf(context), { kind: 'dispute', invoiceIds: form.invoiceIds, reason: form.reason }, s.meta, s.userId);
}

// The promise and dispute modals opened from a reply card, submitted: the nudge's forms (payloads.ts), recorded
// against the reply (slack/services/replies.ts).
import { replyPromiseLimits, submitReplyDecision } from '../../services/replies.js';
import { disputeForm, promiseForm, servicesOf, submitted, type ViewArgs } from '../payloads.js';

export async function replyPromiseSubmitted({ ack, body, context }: ViewArgs): Promise<void> {
  const svc = servicesOf(context);
  const s = submitted(body);
  const limits = await replyPromiseLimits(svc, s.meta.id);
  if (!limits) return ack();
  const form = promiseForm(s, limits);
  if (!form.ok) return ack({ response_action: 'errors', errors: form.errors });
  await ack();
  await submitReplyDecision(svc, { kind: 'promise', date: form.date, amountMinor: form.amountMinor }, s.meta, s.userId);
}

export async function replyDisputeSubmitted({ ack, body, context }: ViewArgs): Promise<void> {
  const s = submitted(body);
  const form = disputeForm(s);
  if (!form.ok) return ack({ response_action: 'errors', errors: form.errors });
  await ack();
  await submitReplyDecision(servicesOf(context), { kind: 'dispute', invoiceIds: form.invoiceIds, reason: form.reason }, s.meta, s.userId);
}

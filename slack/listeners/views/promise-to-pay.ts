// Promise to pay modal submitted: a date (today up to the horizon) and an amount (within the balance),
// checked by the one parser of each (src/domain/human-input.ts, through payloads.ts promiseForm).
import { nudgeLimits, submitNudge } from '../../services/nudge-actions.js';
import { promiseForm, servicesOf, submitted, type ViewArgs } from '../payloads.js';

export async function promiseToPaySubmitted({ ack, body, context }: ViewArgs): Promise<void> {
  const svc = servicesOf(context);
  const s = submitted(body);
  const limits = await nudgeLimits(svc, s.meta.id);
  if (!limits) return ack();
  const form = promiseForm(s, limits);
  if (!form.ok) return ack({ response_action: 'errors', errors: form.errors });
  await ack();
  await submitNudge(svc, { kind: 'promise', date: form.date, amountMinor: form.amountMinor }, s.meta, s.userId);
}

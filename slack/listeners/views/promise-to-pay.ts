// Promise to pay modal submitted: a date (today up to the horizon) and an amount (within the balance),
// checked by the one parser of each (src/domain/human-input.ts).
import { parseAmount, parseDate } from '../../../src/domain/human-input.js';
import { inputIds } from '../../ids.js';
import { nudgeLimits, submitNudge } from '../../services/nudge-actions.js';
import { DateValue, servicesOf, submitted, text, type ViewArgs } from '../payloads.js';

export async function promiseToPaySubmitted({ ack, body, context }: ViewArgs): Promise<void> {
  const svc = servicesOf(context);
  const s = submitted(body);
  const limits = await nudgeLimits(svc, s.meta.id);
  if (!limits) return ack();
  const picked = DateValue.safeParse(s.value(inputIds.promiseDate.block, inputIds.promiseDate.action) ?? {});
  const day = parseDate(picked.success ? picked.data.selected_date : undefined, { today: limits.today, from: 'today', horizonDays: limits.horizonDays });
  const amount = parseAmount(text(s.value(inputIds.promiseAmount.block, inputIds.promiseAmount.action)), { currency: limits.currency, maxMinor: limits.owedMinor });
  const errors: Record<string, string> = {};
  if (!day.ok) errors[inputIds.promiseDate.block] = day.problem;
  if (!amount.ok) errors[inputIds.promiseAmount.block] = amount.problem;
  if (!day.ok || !amount.ok) return ack({ response_action: 'errors', errors });
  await ack();
  await submitNudge(svc, { kind: 'promise', date: day.value, amountMinor: amount.value }, s.meta, s.userId);
}

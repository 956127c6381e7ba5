// Promise to pay modal submitted: a date (today or later) and an amount.
import { localDate } from '../../../src/domain/calendar.js';
import { inputIds } from '../../ids.js';
import { parseAmount, submitNudge } from '../../services/nudge-actions.js';
import { DateValue, servicesOf, submitted, text, type ViewArgs } from '../payloads.js';

export async function promiseToPaySubmitted({ ack, body, context }: ViewArgs): Promise<void> {
  const svc = servicesOf(context);
  const s = submitted(body);
  const date = DateValue.safeParse(s.value(inputIds.promiseDate.block, inputIds.promiseDate.action) ?? {});
  const day = date.success ? date.data.selected_date : undefined;
  const amount = parseAmount(text(s.value(inputIds.promiseAmount.block, inputIds.promiseAmount.action)) ?? '');
  const errors: Record<string, string> = {};
  if (!day || day < localDate(svc.now(), 'UTC')) errors[inputIds.promiseDate.block] = 'Pick today or a later date';
  if (amount === null) errors[inputIds.promiseAmount.block] = 'Enter an amount like 1,240.00';
  if (!day || amount === null || Object.keys(errors).length > 0) return ack({ response_action: 'errors', errors });
  await ack();
  await submitNudge(svc, { kind: 'promise', date: day, amountMinor: amount }, s.meta, s.userId);
}

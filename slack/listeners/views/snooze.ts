// Snooze modal submitted: until a later date, with a reason.
import { localDate } from '../../../src/domain/calendar.js';
import { inputIds } from '../../ids.js';
import { submitNudge } from '../../services/nudge-actions.js';
import { DateValue, servicesOf, submitted, text, type ViewArgs } from '../payloads.js';

export async function snoozeSubmitted({ ack, body, context }: ViewArgs): Promise<void> {
  const svc = servicesOf(context);
  const s = submitted(body);
  const date = DateValue.safeParse(s.value(inputIds.snoozeUntil.block, inputIds.snoozeUntil.action) ?? {});
  const until = date.success ? date.data.selected_date : undefined;
  const reason = text(s.value(inputIds.reason.block, inputIds.reason.action));
  const errors: Record<string, string> = {};
  if (!until || until <= localDate(svc.now(), 'UTC')) errors[inputIds.snoozeUntil.block] = 'Pick a date after today';
  if (!reason) errors[inputIds.reason.block] = 'Say why';
  if (!until || !reason || Object.keys(errors).length > 0) return ack({ response_action: 'errors', errors });
  await ack();
  await submitNudge(svc, { kind: 'snooze', until, reason }, s.meta, s.userId);
}

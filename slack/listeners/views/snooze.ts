// Snooze modal submitted: until a later date, with a reason.
import { localDate } from '../../../src/domain/calendar.js';
import { inputIds } from '../../ids.js';
import { submitNudge } from '../../services/nudge-actions.js';
import { inputHorizonOf, laterDateWithReason, servicesOf, submitted, type ViewArgs } from '../payloads.js';

export async function snoozeSubmitted({ ack, body, context }: ViewArgs): Promise<void> {
  const svc = servicesOf(context);
  const s = submitted(body);
  const form = laterDateWithReason(s, inputIds.snoozeUntil, localDate(svc.now(), 'UTC'), await inputHorizonOf(svc, s.userId));
  if (!form.ok) return ack({ response_action: 'errors', errors: form.errors });
  await ack();
  await submitNudge(svc, { kind: 'snooze', until: form.until, reason: form.reason }, s.meta, s.userId);
}

// The letter task's completion modal submitted: the tracking number parsed (a
// post or courier letter needs one), stored, audited.
import { inputIds } from '../../ids.js';
import { completeLetterTask, letterTaskKind, parseLetterTaskForm } from '../../services/letter-tasks.js';
import { servicesOf, submitted, text, type ViewArgs } from '../payloads.js';

export async function letterTaskDoneSubmitted({ ack, body, context }: ViewArgs): Promise<void> {
  const svc = servicesOf(context);
  const s = submitted(body);
  const kind = await letterTaskKind(svc, s.meta.id);
  if (!kind) return ack({ response_action: 'errors', errors: { [inputIds.trackingNumber.block]: 'This task is no longer known to Overdue.' } });
  const form = parseLetterTaskForm(kind, text(s.value(inputIds.trackingNumber.block, inputIds.trackingNumber.action)));
  if (!form.ok) return ack({ response_action: 'errors', errors: form.errors });
  await ack();
  await completeLetterTask(svc, { taskId: s.meta.id, userId: s.userId, channel: s.meta.channel, ts: s.meta.ts, trackingNumber: form.trackingNumber });
}

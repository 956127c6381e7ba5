// Payment plan modal submitted: instalments, one a line ("2025-04-01 5,000.00").
import { localDate } from '../../../src/domain/calendar.js';
import { inputIds } from '../../ids.js';
import { parseInstalments, submitNudge } from '../../services/nudge-actions.js';
import { servicesOf, submitted, text, type ViewArgs } from '../payloads.js';

export async function paymentPlanSubmitted({ ack, body, context }: ViewArgs): Promise<void> {
  const svc = servicesOf(context);
  const s = submitted(body);
  const parsed = parseInstalments(text(s.value(inputIds.instalments.block, inputIds.instalments.action)) ?? '', localDate(svc.now(), 'UTC'));
  if (!parsed.ok) return ack({ response_action: 'errors', errors: { [inputIds.instalments.block]: parsed.problem } });
  await ack();
  await submitNudge(svc, { kind: 'paymentPlan', instalments: parsed.instalments }, s.meta, s.userId);
}

// Log call modal submitted: outcome, notes, next step.
import { z } from 'zod';
import { callOutcomes, inputIds } from '../../ids.js';
import { submitNudge } from '../../services/nudge-actions.js';
import { SelectValue, servicesOf, submitted, text, type ViewArgs } from '../payloads.js';

export async function logCallSubmitted({ ack, body, context }: ViewArgs): Promise<void> {
  const s = submitted(body);
  const picked = SelectValue.safeParse(s.value(inputIds.outcome.block, inputIds.outcome.action) ?? {});
  const outcome = z.enum(callOutcomes).safeParse(picked.success ? picked.data.selected_option?.value : undefined);
  if (!outcome.success) return ack({ response_action: 'errors', errors: { [inputIds.outcome.block]: 'Pick how the call went' } });
  await ack();
  const notes = text(s.value(inputIds.notes.block, inputIds.notes.action));
  const nextStep = text(s.value(inputIds.nextStep.block, inputIds.nextStep.action));
  await submitNudge(servicesOf(context), { kind: 'logCall', outcome: outcome.data, ...(notes ? { notes } : {}), ...(nextStep ? { nextStep } : {}) }, s.meta, s.userId);
}

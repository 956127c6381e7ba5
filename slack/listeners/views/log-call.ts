// Log call modal submitted: outcome, notes, next step.
import { z } from 'zod';
import { callOutcomes, inputIds } from '../../ids.js';
import { submitNudge } from '../../services/nudge-actions.js';
import { field, SelectValue, servicesOf, submitted, type ViewArgs } from '../payloads.js';

export async function logCallSubmitted({ ack, body, context }: ViewArgs): Promise<void> {
  const s = submitted(body);
  const picked = SelectValue.safeParse(s.value(inputIds.outcome.block, inputIds.outcome.action) ?? {});
  const outcome = z.enum(callOutcomes).safeParse(picked.success ? picked.data.selected_option?.value : undefined);
  const n = field(s, inputIds.notes, 'notes', false);
  const next = field(s, inputIds.nextStep, 'reason', false);
  const errors = { ...(outcome.success ? {} : { [inputIds.outcome.block]: 'Pick how the call went' }), ...(n.ok ? {} : n.errors), ...(next.ok ? {} : next.errors) };
  if (!outcome.success || !n.ok || !next.ok) return ack({ response_action: 'errors', errors });
  await ack();
  const notes = n.value;
  const nextStep = next.value;
  await submitNudge(servicesOf(context), { kind: 'logCall', outcome: outcome.data, ...(notes ? { notes } : {}), ...(nextStep ? { nextStep } : {}) }, s.meta, s.userId);
}

// Lift prepay-only modal submitted: the reason is required.
import { inputIds } from '../../ids.js';
import { submitLiftPrepay } from '../../services/prepay.js';
import { servicesOf, submitted, text, type ViewArgs } from '../payloads.js';

export async function liftPrepaySubmitted({ ack, body, context }: ViewArgs): Promise<void> {
  const s = submitted(body);
  const reason = text(s.value(inputIds.reason.block, inputIds.reason.action));
  if (!reason) return ack({ response_action: 'errors', errors: { [inputIds.reason.block]: 'Give a reason' } });
  await ack();
  await submitLiftPrepay(servicesOf(context), s.meta, s.userId, reason);
}

// Reject modal submitted: the approval is rejected with the reason.
import { inputIds } from '../../ids.js';
import { decideFromSlack } from '../../services/approval-actions.js';
import { servicesOf, submitted, text, type ViewArgs } from '../payloads.js';

export async function rejectSubmitted({ ack, body, context }: ViewArgs): Promise<void> {
  const s = submitted(body);
  const reason = text(s.value(inputIds.reason.block, inputIds.reason.action));
  if (!reason) return ack({ response_action: 'errors', errors: { [inputIds.reason.block]: 'Give a reason' } });
  await ack();
  await decideFromSlack(servicesOf(context), { approvalId: s.meta.id, userId: s.userId, channel: s.meta.channel, ts: s.meta.ts }, 'rejected', reason);
}

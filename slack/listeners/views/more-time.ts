// Give more time submitted: the request is closed and the ladder pauses until the date.
import { localDate } from '../../../src/domain/calendar.js';
import { inputIds } from '../../ids.js';
import { decideFromSlack } from '../../services/approval-actions.js';
import { inputHorizonOf, laterDateWithReason, servicesOf, submitted, type ViewArgs } from '../payloads.js';

export async function moreTimeSubmitted({ ack, body, context }: ViewArgs): Promise<void> {
  const svc = servicesOf(context);
  const s = submitted(body);
  const form = laterDateWithReason(s, inputIds.moreTimeUntil, localDate(svc.now(), 'UTC'), await inputHorizonOf(svc, s.userId));
  if (!form.ok) return ack({ response_action: 'errors', errors: form.errors });
  await ack();
  await decideFromSlack(svc, { approvalId: s.meta.id, userId: s.userId, channel: s.meta.channel, ts: s.meta.ts }, 'rejected', form.reason, form.until);
}

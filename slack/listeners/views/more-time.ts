// Give more time submitted: the request is closed and the ladder pauses until the date.
import { localDate } from '../../../src/domain/calendar.js';
import { inputIds } from '../../ids.js';
import { decideFromSlack } from '../../services/approval-actions.js';
import { DateValue, servicesOf, submitted, text, type ViewArgs } from '../payloads.js';

export async function moreTimeSubmitted({ ack, body, context }: ViewArgs): Promise<void> {
  const svc = servicesOf(context);
  const s = submitted(body);
  const date = DateValue.safeParse(s.value(inputIds.moreTimeUntil.block, inputIds.moreTimeUntil.action) ?? {});
  const until = date.success ? date.data.selected_date : undefined;
  const reason = text(s.value(inputIds.reason.block, inputIds.reason.action));
  const errors: Record<string, string> = {};
  if (!until || until <= localDate(svc.now(), 'UTC')) errors[inputIds.moreTimeUntil.block] = 'Pick a date after today';
  if (!reason) errors[inputIds.reason.block] = 'Say why';
  if (!until || !reason || Object.keys(errors).length > 0) return ack({ response_action: 'errors', errors });
  await ack();
  await decideFromSlack(svc, { approvalId: s.meta.id, userId: s.userId, channel: s.meta.channel, ts: s.meta.ts }, 'rejected', reason, until);
}

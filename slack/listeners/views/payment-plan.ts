// Payment plan modal submitted: instalments, one a line ("2025-04-01 5,000.00"), checked by the one
// instalments parser (src/domain/human-input.ts) against the account's currency and balance.
import { parseInstalments } from '../../../src/domain/human-input.js';
import { inputIds } from '../../ids.js';
import { nudgeLimits, submitNudge } from '../../services/nudge-actions.js';
import { servicesOf, submitted, text, type ViewArgs } from '../payloads.js';

export async function paymentPlanSubmitted({ ack, body, context }: ViewArgs): Promise<void> {
  const svc = servicesOf(context);
  const s = submitted(body);
  const limits = await nudgeLimits(svc, s.meta.id);
  if (!limits) return ack();
  const parsed = parseInstalments(text(s.value(inputIds.instalments.block, inputIds.instalments.action)), { today: limits.today, currency: limits.currency, balanceMinor: limits.owedMinor, horizonDays: limits.horizonDays });
  if (!parsed.ok) return ack({ response_action: 'errors', errors: { [inputIds.instalments.block]: parsed.problem } });
  await ack();
  await submitNudge(svc, { kind: 'paymentPlan', instalments: parsed.value }, s.meta, s.userId);
}

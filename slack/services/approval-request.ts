// What an approval request shows and whom it asks — one definition for the ladder's own approval step
// (deliver.ts, an `approval` task) and a person's Request referral (referral-request.ts): the approval
// card's snapshot (past-due totals, oldest days, contact attempts, the policy's decision limit and, for a
// referral, whether the mailed final demand is confirmed) and the targets (the approvals channel, else
// each approver's DM).
import { collections } from '../../src/store/store.js';
import type { AuditEntryDoc, CustomerDoc } from '../../src/store/types.js';
import { decisionLimitLine } from '../../src/engine/decision-limit.js';
import { mailedDemandLine, referralNeedsOverride } from '../../src/planning/mailed-demand.js';
import type { ApprovalSnapshot } from '../blocks/approval.js';
import { openDm, slackUserByEmail, type SlackContext } from './context.js';
import { mailedDemandOf } from './letter-tasks.js';
import { pastDueOf } from './past-due.js';
import type { PostTarget } from './post-once.js';

/** The approval card's snapshot of an account for this request. */
export async function approvalSnapshotOf(
  ctx: SlackContext,
  customer: CustomerDoc,
  req: { approvalId: string; kind: ApprovalSnapshot['kind']; reason: string; requestedBy: string },
  now: Date,
): Promise<ApprovalSnapshot> {
  const org = await ctx.store.organisations.get(customer.orgId);
  const due = await pastDueOf(ctx, customer, now, org?.timeZone ?? 'UTC');
  const attempts = await ctx.store.db.collection<AuditEntryDoc>(collections.audit).countDocuments({ accountId: customer._id, action: { $in: ['outbox.sent', 'call.logged'] } });
  // The 90-day limit (policy limits.agencyDecisionByDay) and, for a referral, whether the mailed demand is confirmed.
  const limit = req.kind === 'credit_hold' ? null : (await ctx.policies.forOrg(customer.orgId)).policy.limits.agencyDecisionByDay;
  const mailed = req.kind === 'agency_referral' ? await mailedDemandOf(ctx, customer._id, undefined) : null;
  return {
    approvalId: req.approvalId, customerId: customer._id, accountName: customer.displayName, kind: req.kind, reason: req.reason, requestedBy: req.requestedBy,
    totals: due.totals, oldestDays: due.oldestDays, invoiceNumbers: due.invoices.map((i) => i.number), contactAttempts: attempts,
    ...(limit !== null ? { limit: decisionLimitLine(limit, due.oldestDays) } : {}),
    ...(mailed !== null ? { mailedDemand: { line: mailedDemandLine(mailed), needsOverride: referralNeedsOverride(mailed) } } : {}),
  };
}

/** Whom an approval request goes to: the approvals channel when configured, else every approver's DM. */
export async function approverTargets(ctx: SlackContext, orgId: string): Promise<PostTarget[]> {
  if (ctx.approvalsChannel) return [{ channel: ctx.approvalsChannel, user: null }];
  const targets: PostTarget[] = [];
  for (const p of await ctx.people.withRole(orgId, 'approver')) {
    const id = p.slackUserId ?? (await slackUserByEmail(ctx.client, p.email))?.id;
    if (id) targets.push({ channel: await openDm(ctx.client, id), user: id });
  }
  return targets;
}

// Request referral: a person (the one table's `requestReferral`: collectors, managers, admins) asks the
// approvers to refer an account to the collection agency, with a reason. One flow for Slack (the account
// view's *Request referral* button, then a modal with the reason) and the web console's account page
// (POST /console/accounts/:id/referral). It asks exactly as the ladder's own referral step does
// (deliver.ts): an `agency_referral` approval request (src/store/approvals.ts), the same approval card
// (slack/blocks/approval.ts, the snapshot of approval-request.ts) to the approvals channel or each
// approver's DM, recorded as the approval's message — so Approve / Reject / Give more time / Refer without
// mailed-demand confirmation are the same buttons and approval-actions.ts's decideFromSlack decides it
// (prepay-only and the referral packet on approve). The requester cannot decide their own request.
import { localDate } from '../../src/domain/calendar.js';
import { parseText } from '../../src/domain/human-input.js';
import type { CustomerDoc } from '../../src/store/types.js';
import { approvalMessage } from '../blocks/approval.js';
import { esc } from '../blocks/kit.js';
import { referralRequestModal, type ModalMeta } from '../blocks/modals.js';
import { approvalSnapshotOf, approverTargets } from './approval-request.js';
import { authorize, authorizeOrTell } from './authorize.js';
import type { SlackContext } from './context.js';
import type { PostedMessage } from './messages.js';

const SYSTEM = { kind: 'system' as const, id: 'slack', name: 'Overdue Slack app' };

/** A person's referral request of an account on a day (one per account and day: a retry or a second press finds it). */
export const referralRequestId = (customerId: string, day: string): string => `referral-request:${customerId}:${day}`;

export type ReferralOutcome =
  | { kind: 'requested'; approvalId: string; posts: number }
  | { kind: 'invalid'; problem: string }
  | { kind: 'refused'; status: 403 | 409; message: string };

/**
 * Ask the approvers to refer `customer`, for the Slack user `slackUserId`, with `reason` (the one text
 * parser: required, 500 characters). Refused: a person the table does not allow, an account already
 * referred or with a referral request waiting, no approver in Slack. Audited: `referral.requested` (by
 * the person, on the channel they used) and `slack.approval_requested` (the card posted).
 */
export async function requestReferral(ctx: SlackContext, customer: CustomerDoc, slackUserId: string, reasonText: unknown, via: 'slack' | 'console'): Promise<ReferralOutcome> {
  const who = await authorize(ctx, customer.orgId, slackUserId, 'requestReferral', { customerId: customer._id });
  if (!who.ok) return { kind: 'refused', status: 403, message: who.message };
  const reason = parseText(typeof reasonText === 'string' ? reasonText : undefined, 'reason', 'Say why the account should go to the collection agency');
  if (!reason.ok) return { kind: 'invalid', problem: reason.problem };
  const now = ctx.now();
  const approvals = ctx.store.approvals;
  if ((await approvals.approvedKinds(customer.orgId)).get(customer._id)?.has('agency_referral')) {
    return { kind: 'refused', status: 409, message: `${customer.displayName} is already referred to the collection agency.` };
  }
  const waiting = (await approvals.listPending(customer.orgId)).find((a) => a.customerId === customer._id && a.kind === 'agency_referral');
  if (waiting) return { kind: 'refused', status: 409, message: `A referral of ${customer.displayName} is already waiting for an approver (asked by ${waiting.requestedBy.name ?? waiting.requestedBy.id}).` };
  const targets = await approverTargets(ctx, customer.orgId);
  if (targets.length === 0) return { kind: 'refused', status: 409, message: 'No approver is in Slack and no approvals channel is set: nobody could decide this referral. Ask an admin to add an approver.' };

  const person = who.person;
  const actor = ctx.actorFor(person, slackUserId);
  const approvalId = referralRequestId(customer._id, localDate(now, 'UTC'));
  const text = `${esc(person.name)} asks to refer *${esc(customer.displayName)}* to the collection agency. Reason: ${esc(reason.value ?? '')}`;
  const asked = await approvals.request({ _id: approvalId, orgId: customer.orgId, customerId: customer._id, kind: 'agency_referral', requestedBy: actor, reason: reason.value ?? '' }, now);
  if (!asked.created) {
    return { kind: 'refused', status: 409, message: `A referral of ${customer.displayName} was already requested today (${asked.approval.status === 'pending' ? 'waiting for an approver' : asked.approval.status}); ask again tomorrow or ask the approver.` };
  }
  await ctx.audit({
    orgId: customer.orgId, accountId: customer._id, actor, channel: via, action: 'referral.requested', invoiceIds: [],
    outcome: `agency referral requested: ${reason.value ?? ''}`, details: { approvalId, reason: reason.value ?? '' }, at: now,
  });
  const snapshot = await approvalSnapshotOf(ctx, customer, { approvalId, kind: 'agency_referral', reason: text, requestedBy: person.name }, now);
  const msg = approvalMessage(snapshot);
  const posts: PostedMessage[] = [];
  for (const t of targets) {
    const r = await ctx.post({ channel: t.channel, text: msg.text, blocks: msg.blocks });
    posts.push({ channel: r.channel ?? t.channel, ts: String(r.ts), user: t.user });
  }
  await ctx.messages.record({ _id: approvalId, orgId: customer.orgId, customerId: customer._id, kind: 'approval', snapshot, posts, log: [], createdAt: now });
  await ctx.audit({
    orgId: customer.orgId, accountId: customer._id, actor: SYSTEM, channel: 'slack', action: 'slack.approval_requested', invoiceIds: [],
    outcome: 'approval requested: agency referral (asked by a person)', details: { approvalId, posts: posts.length }, at: now,
  });
  return { kind: 'requested', approvalId, posts: posts.length };
}

/** The account view's *Request referral*: the modal asking the reason, for who may ask (the others are told why). */
export async function openReferralModal(ctx: SlackContext, c: { customerId: string; userId: string; triggerId: string; channel: string; ts: string }): Promise<void> {
  const customer = await ctx.store.customers.get(c.customerId);
  if (!customer) return ctx.tell(c.channel, c.userId, 'This customer is no longer known to Overdue.');
  if (!(await authorizeOrTell(ctx, customer.orgId, { channel: c.channel, userId: c.userId }, 'requestReferral', { customerId: customer._id }))) return;
  await ctx.client.views.open({ trigger_id: c.triggerId, view: referralRequestModal(customer.displayName, { id: customer._id, channel: c.channel, ts: c.ts }) });
}

/** The modal submitted (its reason already checked by the one text parser): the request, and the person told how it went. */
export async function submitReferralFromSlack(ctx: SlackContext, meta: ModalMeta, userId: string, reason: string): Promise<ReferralOutcome | null> {
  const customer = await ctx.store.customers.get(meta.id);
  if (!customer) {
    await ctx.tell(meta.channel, userId, 'This customer is no longer known to Overdue.');
    return null;
  }
  const r = await requestReferral(ctx, customer, userId, reason, 'slack');
  const text = r.kind === 'requested'
    ? `:scales: Referral of *${esc(customer.displayName)}* requested: the approvers were asked (${r.posts} message${r.posts === 1 ? '' : 's'}). You will see their decision on the approval card.`
    : r.kind === 'invalid' ? r.problem : r.message;
  await ctx.tell(meta.channel, userId, text);
  return r;
}

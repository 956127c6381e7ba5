// Deciding an approval from Slack. Only people with the approver role may act
// (a strategic account's credit hold: the manager role);
// the requester cannot approve their own request (Approvals.decide refuses);
// the decision is taken exactly once (a claim in Approvals.decide), so a second
// simultaneous click or a Slack retry is told it was already decided.
import { AppError } from '../../src/errors.js';
import { randomUUID } from 'node:crypto';
import { addDays, localDate } from '../../src/domain/calendar.js';
import { collectorFallbackOf } from '../../src/planning/collector.js';
import { moreTimeModal, referWithoutMailModal, rejectModal } from '../blocks/modals.js';
import { mailedDemandLine, referralNeedsOverride } from '../../src/planning/mailed-demand.js';
import { mailedDemandOf } from './letter-tasks.js';
import { approvalMessage } from '../blocks/approval.js';
import { esc } from '../blocks/kit.js';
import { resolveDocumentSettings } from '../../src/documents/settings.js';
import { agencyAddress } from '../../src/outbox/agency-channel.js';
import type { ApprovalDoc, AuditActor } from '../../src/store/types.js';
import { authorize } from './authorize.js';
import type { SlackContext } from './context.js';
import { CreditFlags } from './credit-flags.js';
import { enqueueAgencyPacket } from './effects.js';
import { holdDecided } from './holds.js';
import type { PersonDoc } from './people.js';

export interface ApprovalClick {
  approvalId: string;
  userId: string;
  triggerId: string;
  channel: string;
  ts: string;
}

export type DecideOutcome = 'decided' | 'not_approver' | 'own_request' | 'already_decided' | 'unknown' | 'needs_mailed_demand';

/**
 * Who may take this decision on this request: the one table (src/domain/authorization.ts) — managers decide
 * a strategic account's credit hold, approvers everything else, and the requester none of it (approve,
 * reject or give more time). The refused are told why.
 */
async function decider(ctx: SlackContext, approvalId: string, userId: string, channel: string, action: 'approve' | 'reject' | 'moreTime'): Promise<{ person: PersonDoc } | DecideOutcome> {
  const a = await ctx.store.approvals.get(approvalId);
  if (!a) {
    await ctx.tell(channel, userId, 'This request is no longer known to Overdue.');
    return 'unknown';
  }
  const r = await authorize(ctx, a.orgId, userId, action, { customerId: a.customerId, approval: a });
  if (r.ok) return { person: r.person };
  await ctx.tell(channel, userId, r.message);
  return r.why === 'own_request' ? 'own_request' : 'not_approver';
}

/** Reject and Give more time ask for details first — but only an approver gets the modal. */
export async function openRejectModal(ctx: SlackContext, c: ApprovalClick, which: 'reject' | 'moreTime' = 'reject'): Promise<DecideOutcome | 'modal'> {
  const who = await decider(ctx, c.approvalId, c.userId, c.channel, which);
  if (typeof who === 'string') return who;
  const msg = await ctx.messages.byApproval(c.approvalId);
  const name = msg?.snapshot.accountName ?? 'this account';
  const m = { id: c.approvalId, channel: c.channel, ts: c.ts };
  const view = which === 'reject' ? rejectModal(name, m) : moreTimeModal(name, m, addDays(localDate(ctx.now(), 'UTC'), 14));
  await ctx.client.views.open({ trigger_id: c.triggerId, view });
  return 'modal';
}

/** Refer without mailed-demand confirmation: only an approver who may approve gets the modal (the reason). */
export async function openReferWithoutMailModal(ctx: SlackContext, c: ApprovalClick): Promise<DecideOutcome | 'modal'> {
  const who = await decider(ctx, c.approvalId, c.userId, c.channel, 'approve');
  if (typeof who === 'string') return who;
  const msg = await ctx.messages.byApproval(c.approvalId);
  await ctx.client.views.open({ trigger_id: c.triggerId, view: referWithoutMailModal(msg?.snapshot.accountName ?? 'this account', { id: c.approvalId, channel: c.channel, ts: c.ts }) });
  return 'modal';
}

export async function decideFromSlack(
  ctx: SlackContext,
  c: Omit<ApprovalClick, 'triggerId'>,
  decision: 'approved' | 'rejected',
  note?: string,
  /** Give more time: the request is closed (rejected, with the note) and the ladder pauses until this date. */
  moreTimeUntil?: string,
  /** An approved referral without the mailed demand confirmed: the approver's explicit override (`note` is the reason). */
  opts: { withoutMailedDemand?: boolean } = {},
): Promise<DecideOutcome> {
  const who = await decider(ctx, c.approvalId, c.userId, c.channel, moreTimeUntil !== undefined ? 'moreTime' : decision === 'approved' ? 'approve' : 'reject');
  if (typeof who === 'string') return who;
  const now = ctx.now();
  const actor = ctx.actorFor(who.person, c.userId);
  // An agency referral needs the mailed demand confirmed (a tracking number) or the approver's override, with the reason.
  const pending = await ctx.store.approvals.get(c.approvalId);
  const referral = pending?.kind === 'agency_referral' && decision === 'approved' && moreTimeUntil === undefined;
  const mailed = referral && pending ? await mailedDemandOf(ctx, pending.customerId, undefined) : null;
  const override = mailed !== null && referralNeedsOverride(mailed) && opts.withoutMailedDemand === true && note !== undefined ? { by: actor, reason: note, at: now } : undefined;
  if (mailed !== null && referralNeedsOverride(mailed) && override === undefined) {
    await ctx.tell(c.channel, c.userId, 'The mailed final demand is not confirmed: the mail task has no tracking number yet. Ask the collector to mark it done with the tracking number, or use *Refer without mailed-demand confirmation* and give the reason.');
    return 'needs_mailed_demand';
  }
  let decided;
  try {
    decided = await ctx.store.approvals.decide(c.approvalId, decision, actor, now, note, override ? { mailOverride: override } : {});
  } catch (err) {
    if (err instanceof AppError && err.code === 'forbidden') {
      await ctx.tell(c.channel, c.userId, 'You asked for this approval, so another approver has to decide it.');
      return 'own_request';
    }
    if (err instanceof AppError && err.code === 'conflict') {
      await ctx.tell(c.channel, c.userId, 'Someone else has already decided this request.');
      return 'already_decided';
    }
    throw err;
  }
  if (moreTimeUntil !== undefined) {
    const snooze = { id: `more-time:${randomUUID()}`, by: actor.id, createdAt: now, until: moreTimeUntil };
    await ctx.retry(() => ctx.states.addPause(decided.customerId, decided.orgId, 'snoozes', snooze, now));
  }
  // What follows the decision: a manager's hold decision places or drops the hold; an approved referral makes
  // the account prepay-only and sends the packet to the agency.
  if (decided.kind === 'credit_hold') await holdDecided(ctx, decided._id, decision, who.person, actor, note, now);
  const after = decided.kind === 'agency_referral' && decision === 'approved' && moreTimeUntil === undefined ? await referralApproved(ctx, decided, who.person, c, actor, now) : null;
  const decisionLine = moreTimeUntil !== undefined
    ? `:hourglass_flowing_sand: *More time* until ${moreTimeUntil}, given by ${esc(who.person.name)}${note ? `: ${esc(note)}` : ''}`
    : decision === 'approved'
      ? `:white_check_mark: *Approved* by ${esc(who.person.name)}`
      : `:no_entry: *Rejected* by ${esc(who.person.name)}${note ? `: ${esc(note)}` : ''}`;
  const overrideLine = override ? `\n:warning: Referred without mailed-demand confirmation by ${esc(who.person.name)}: ${esc(override.reason)}` : '';
  const line = (after ? `${decisionLine}\n${after}` : decisionLine) + overrideLine;
  if (override) {
    await ctx.audit({
      orgId: decided.orgId, accountId: decided.customerId, actor, channel: 'slack', action: 'approval.mailed_demand_override', invoiceIds: [],
      outcome: `agency referral approved without mailed-demand confirmation: ${override.reason}`, details: { approvalId: decided._id, reason: override.reason }, at: now,
    });
  }
  await ctx.audit({
    orgId: decided.orgId, accountId: decided.customerId, actor, channel: 'slack', action: `approval.${decision}`, invoiceIds: [],
    outcome: moreTimeUntil !== undefined ? `${decided.kind.replace('_', ' ')}: more time until ${moreTimeUntil}${note ? `: ${note}` : ''}` : `${decided.kind.replace('_', ' ')} ${decision}${note ? `: ${note}` : ''}`,
    details: { approvalId: decided._id, kind: decided.kind, ...(moreTimeUntil !== undefined ? { moreTimeUntil } : {}) }, at: now,
  });
  await ctx.tasks.updateOne({ _id: c.approvalId }, { $set: { status: 'done' } });
  const msg = await ctx.messages.byApproval(c.approvalId);
  if (msg && msg.kind === 'approval') {
    await ctx.messages.resolve(msg._id, line, now);
    // The card shows the mailed demand as decided: confirmed, or the override with who and why.
    const shown = mailed !== null ? { ...msg.snapshot, mailedDemand: { line: mailedDemandLine(override ? await mailedDemandOf(ctx, decided.customerId, decided) : mailed), needsOverride: false } } : msg.snapshot;
    const body = approvalMessage(shown, line, { liftPrepay: after !== null });
    for (const p of msg.posts) await ctx.client.chat.update({ channel: p.channel, ts: p.ts, text: body.text, blocks: body.blocks });
  }
  await ctx.replanAfter(decided.customerId, now);
  return 'decided';
}

/**
 * An approved agency referral: the account becomes prepay-only (audited once) and the referral packet is
 * enqueued for the agency. Without an agency address the approver is told now and the audit trail says so
 * (the outbox entry then fails for good, recorded, instead of being dropped). Returns the line for the message.
 */
async function referralApproved(ctx: SlackContext, a: ApprovalDoc, approverPerson: PersonDoc, c: Omit<ApprovalClick, 'triggerId'>, actor: AuditActor, now: Date): Promise<string> {
  const flags = new CreditFlags(ctx.store.db);
  if (await flags.setPrepayOnly(a.customerId, a.orgId, `referred to the collection agency (approved by ${approverPerson.name})`, actor, now)) {
    await ctx.audit({
      orgId: a.orgId, accountId: a.customerId, actor, channel: 'slack', action: 'account.prepay_only', invoiceIds: [],
      outcome: 'account set to prepay-only: referred to the collection agency', details: { approvalId: a._id }, at: now,
    });
  }
  const [customer, org] = await Promise.all([ctx.store.customers.get(a.customerId), ctx.store.organisations.get(a.orgId)]);
  await enqueueAgencyPacket(ctx, { approvalId: a._id, orgId: a.orgId, customerId: a.customerId, accountName: customer?.displayName ?? a.customerId }, { name: approverPerson.name, slackUserId: c.userId }, actor, now);
  const agency = agencyAddress(resolveDocumentSettings(org ?? { name: '', settings: {} }, customer ? collectorFallbackOf(customer, org) : {}));
  if (!agency) {
    const problem = 'No agency address is configured (documents settings agency.email): the referral packet cannot be sent. Set it in the organisation settings; meanwhile the packet can be downloaded (GET /api/accounts/:id/referral-packet.zip) and sent by hand.';
    await ctx.audit({
      orgId: a.orgId, accountId: a.customerId, actor: { kind: 'system', id: 'slack', name: 'Overdue Slack app' }, channel: 'slack', action: 'referral_packet.blocked', invoiceIds: [],
      outcome: 'referral packet not sent: no agency address configured (documents.agency.email)', details: { approvalId: a._id }, at: now,
    });
    await ctx.tell(c.channel, c.userId, problem);
    return `:warning: ${problem} The account is prepay-only.`;
  }
  return `:package: The referral packet goes to ${esc(agency.name)} <${esc(agency.email)}>; the account is prepay-only.`;
}

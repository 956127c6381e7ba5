// Deciding an approval from Slack. Only people with the approver role may act;
// the requester cannot approve their own request (Approvals.decide refuses);
// the decision is taken exactly once (a claim in Approvals.decide), so a second
// simultaneous click or a Slack retry is told it was already decided.
import { AppError } from '../../src/errors.js';
import { randomUUID } from 'node:crypto';
import { addDays, localDate } from '../../src/domain/calendar.js';
import { emptyAccountState } from '../../src/planning/state.js';
import { moreTimeModal, rejectModal } from '../blocks/modals.js';
import { approvalMessage } from '../blocks/approval.js';
import { esc } from '../blocks/kit.js';
import type { SlackContext } from './context.js';
import type { PersonDoc } from './people.js';

export interface ApprovalClick {
  approvalId: string;
  userId: string;
  triggerId: string;
  channel: string;
  ts: string;
}

export type DecideOutcome = 'decided' | 'not_approver' | 'own_request' | 'already_decided' | 'unknown';

async function approver(ctx: SlackContext, approvalId: string, userId: string): Promise<{ orgId: string; person: PersonDoc } | 'unknown' | 'not_approver'> {
  const a = await ctx.store.approvals.get(approvalId);
  if (!a) return 'unknown';
  const person = await ctx.people.bySlackId(a.orgId, userId);
  if (!person || !person.roles.includes('approver')) return 'not_approver';
  return { orgId: a.orgId, person };
}

/** Reject and Give more time ask for details first — but only an approver gets the modal. */
export async function openRejectModal(ctx: SlackContext, c: ApprovalClick, which: 'reject' | 'moreTime' = 'reject'): Promise<DecideOutcome | 'modal'> {
  const who = await approver(ctx, c.approvalId, c.userId);
  if (who === 'unknown' || who === 'not_approver') {
    await ctx.tell(c.channel, c.userId, who === 'unknown' ? 'This request is no longer known to Overdue.' : 'Only approvers can decide this request.');
    return who;
  }
  const msg = await ctx.messages.byApproval(c.approvalId);
  const name = msg?.snapshot.accountName ?? 'this account';
  const m = { id: c.approvalId, channel: c.channel, ts: c.ts };
  const view = which === 'reject' ? rejectModal(name, m) : moreTimeModal(name, m, addDays(localDate(ctx.now(), 'UTC'), 14));
  await ctx.client.views.open({ trigger_id: c.triggerId, view: view as never });
  return 'modal';
}

export async function decideFromSlack(
  ctx: SlackContext,
  c: Omit<ApprovalClick, 'triggerId'>,
  decision: 'approved' | 'rejected',
  note?: string,
  /** Give more time: the request is closed (rejected, with the note) and the ladder pauses until this date. */
  moreTimeUntil?: string,
): Promise<DecideOutcome> {
  const who = await approver(ctx, c.approvalId, c.userId);
  if (who === 'unknown' || who === 'not_approver') {
    await ctx.tell(c.channel, c.userId, who === 'unknown' ? 'This request is no longer known to Overdue.' : 'Only approvers can decide this request.');
    return who;
  }
  const now = ctx.now();
  const actor = ctx.actorFor(who.person, c.userId);
  let decided;
  try {
    decided = await ctx.store.approvals.decide(c.approvalId, decision, actor, now, note);
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
    const state = (await ctx.states.get(decided.customerId)) ?? emptyAccountState(decided.customerId, decided.orgId, now);
    await ctx.states.savePauses(
      decided.customerId,
      decided.orgId,
      { disputes: state.disputes ?? [], promises: state.promises ?? [], paymentPlans: state.paymentPlans ?? [], snoozes: [...(state.snoozes ?? []), { id: `more-time:${randomUUID()}`, by: actor.id, createdAt: now, until: moreTimeUntil }] },
      now,
    );
  }
  const line = moreTimeUntil !== undefined
    ? `:hourglass_flowing_sand: *More time* until ${moreTimeUntil}, given by ${esc(who.person.name)}${note ? `: ${esc(note)}` : ''}`
    : decision === 'approved'
      ? `:white_check_mark: *Approved* by ${esc(who.person.name)}`
      : `:no_entry: *Rejected* by ${esc(who.person.name)}${note ? `: ${esc(note)}` : ''}`;
  await ctx.store.audit.append({
    orgId: decided.orgId, accountId: decided.customerId, actor, channel: 'slack', action: `approval.${decision}`, invoiceIds: [],
    outcome: moreTimeUntil !== undefined ? `${decided.kind.replace('_', ' ')}: more time until ${moreTimeUntil}${note ? `: ${note}` : ''}` : `${decided.kind.replace('_', ' ')} ${decision}${note ? `: ${note}` : ''}`,
    details: { approvalId: decided._id, kind: decided.kind, ...(moreTimeUntil !== undefined ? { moreTimeUntil } : {}) }, at: now,
  });
  await ctx.tasks.updateOne({ _id: c.approvalId }, { $set: { status: 'done' } });
  const msg = await ctx.messages.byApproval(c.approvalId);
  if (msg && msg.kind === 'approval') {
    await ctx.messages.resolve(msg._id, line, now);
    const body = approvalMessage(msg.snapshot, line);
    for (const p of msg.posts) await ctx.client.chat.update({ channel: p.channel, ts: p.ts, text: body.text, blocks: body.blocks as never });
  }
  await ctx.replanAfter(decided.customerId, now);
  return 'decided';
}

// Credit holds from Slack. A credit-hold task (the ladder's proposal) reaches the
// account's collector with *Place credit hold*; placing asks for the reason,
// records the hold (CreditHolds: each state entered once, so two clicks place
// it once), audits it, updates the message (now with *Lift hold*) and announces
// it in the organisation's holds channel (settings.slack.holdsChannel) so nobody
// ships to the account; the hold (and its lifting) is written back to the
// accounting platform through the outbox. A strategic account's hold waits for
// a manager: the managers get Approve / Reject; on approval the hold becomes
// active, is written back and announced.
import type { AnyBlock } from '@slack/types';
import { z } from 'zod';
import { AppError } from '../../src/errors.js';
import { AlreadyOnHoldError } from '../../src/store/approvals.js';
import { collectorEmailOf } from '../../src/planning/collector.js';
import type { TaskDoc } from '../../src/outbox/task-channel.js';
import { collections } from '../../src/store/store.js';
import type { AuditActor, AuditEntryDoc, CreditHoldDoc, CustomerDoc } from '../../src/store/types.js';
import { approvalMessage, type ApprovalSnapshot } from '../blocks/approval.js';
import { holdAnnouncement, holdMessage, holdReasonModal, type HoldSnapshot, type HoldState } from '../blocks/hold.js';
import { esc } from '../blocks/kit.js';
import type { ModalMeta } from '../blocks/modals.js';
import { authorizeOrTell } from './authorize.js';
import { openDm, slackUserByEmail, type SlackContext } from './context.js';
import { enqueueWriteback } from './effects.js';
import type { PostedMessage, SlackMessageDoc } from './messages.js';
import type { PersonDoc } from './people.js';
import { postTaskOnce } from './post-once.js';
import { pastDueOf } from './past-due.js';

const SLACK_SYSTEM = { kind: 'system' as const, id: 'slack', name: 'Overdue Slack app' };

const SlackSettings = z.object({ slack: z.object({ holdsChannel: z.string().min(1).optional() }).optional() });

type HoldDoc = SlackMessageDoc & { kind: 'hold' };
export const holdIdOf = (taskId: string): string => `hold:${taskId}`;

async function holdOf(ctx: SlackContext, taskId: string): Promise<HoldDoc | null> {
  const doc = await ctx.messages.get(taskId);
  return doc && doc.kind === 'hold' ? doc : null;
}

export async function deliverHold(ctx: SlackContext, task: TaskDoc, customer: CustomerDoc, now: Date): Promise<PostedMessage[] | null> {
  const org = await ctx.store.organisations.get(customer.orgId);
  const email = collectorEmailOf(customer, org);
  const to = email ? await slackUserByEmail(ctx.client, email) : null;
  if (!to) throw new Error(`the collector ${email ?? '(none)'} is not in Slack`);
  const due = await pastDueOf(ctx, customer, now, org?.timeZone ?? 'UTC');
  const snapshot: HoldSnapshot = {
    taskId: task._id, customerId: customer._id, accountName: customer.displayName, levelName: task.action.levelName,
    totals: due.totals, oldestDays: due.oldestDays, needsManager: task.action.kind === 'creditHold' && task.action.approval === 'manager',
  };
  return postTaskOnce(ctx, task, { kind: 'hold', snapshot }, holdMessage(snapshot, { kind: 'proposed' }), async () => [{ channel: await openDm(ctx.client, to.id), user: to.id }], now);
}

export async function openHoldModal(ctx: SlackContext, which: 'place' | 'lift', c: { taskId: string; userId: string; triggerId: string; channel: string; ts: string }): Promise<void> {
  const doc = await holdOf(ctx, c.taskId);
  if (!doc) return ctx.tell(c.channel, c.userId, 'This hold is no longer known to Overdue.');
  if (!(await authorizeOrTell(ctx, doc.orgId, { channel: c.channel, userId: c.userId }, which === 'place' ? 'placeHold' : 'liftHold', { customerId: doc.customerId }))) return;
  const initial = which === 'place' ? `${doc.snapshot.oldestDays} days past due; ${doc.snapshot.levelName}` : 'Paid / settled';
  await ctx.client.views.open({ trigger_id: c.triggerId, view: holdReasonModal(which, doc.snapshot.accountName, { id: c.taskId, channel: c.channel, ts: c.ts }, initial) });
}

async function announce(ctx: SlackContext, orgId: string, m: { text: string; blocks: AnyBlock[] }): Promise<void> {
  const org = await ctx.store.organisations.get(orgId);
  const parsed = SlackSettings.safeParse(org?.settings ?? {});
  const channel = parsed.success ? parsed.data.slack?.holdsChannel : undefined;
  if (channel) await ctx.post({ channel, text: m.text, blocks: m.blocks });
}

export async function submitHold(ctx: SlackContext, which: 'place' | 'lift', meta: ModalMeta, userId: string, reason: string): Promise<void> {
  const doc = await holdOf(ctx, meta.id);
  if (!doc) return;
  const now = ctx.now();
  const person = await authorizeOrTell(ctx, doc.orgId, { channel: meta.channel, userId }, which === 'place' ? 'placeHold' : 'liftHold', { customerId: doc.customerId });
  if (!person) return;
  const actor = ctx.actorFor(person, userId);
  const holdId = holdIdOf(doc._id);
  let state: HoldState;
  try {
    if (which === 'place') {
      // One active hold per customer: a strategic request would only wait for a manager to be refused.
      const active = await ctx.store.creditHolds.activeForCustomer(doc.customerId);
      if (active && active._id !== holdId) throw new AlreadyOnHoldError(active._id, active.activeSince ?? active.updatedAt, active.decidedBy);
      await ctx.store.creditHolds.create({ _id: holdId, orgId: doc.orgId, customerId: doc.customerId, status: 'proposed', reason, requestedBy: actor }, now);
      if (doc.snapshot.needsManager) {
        await ctx.store.creditHolds.transition(holdId, 'pending_approval', actor, now);
        state = { kind: 'pending_approval', by: person.name };
      } else {
        await ctx.store.creditHolds.transition(holdId, 'active', actor, now);
        state = { kind: 'active', by: person.name, since: now.toISOString().slice(0, 10), reason };
      }
    } else {
      await ctx.store.creditHolds.transition(holdId, 'released', actor, now);
      state = { kind: 'released', by: person.name, reason };
    }
  } catch (err) {
    if (err instanceof AlreadyOnHoldError) return alreadyOnHold(ctx, doc, err, meta, userId, actor, now);
    if (err instanceof AppError && (err.code === 'conflict' || err.code === 'not_found')) return ctx.tell(meta.channel, userId, `Nothing changed: ${err.message}.`);
    throw err;
  }
  const action = state.kind === 'active' ? 'credit_hold.placed' : state.kind === 'released' ? 'credit_hold.lifted' : 'credit_hold.requested';
  await ctx.audit({
    orgId: doc.orgId, accountId: doc.customerId, actor, channel: 'slack', action, invoiceIds: [],
    outcome: `${action.replace('credit_hold.', 'credit hold ')}: ${reason}`, details: { holdId, taskId: doc._id }, at: now,
  });
  const hold = { holdId, orgId: doc.orgId, customerId: doc.customerId, accountName: doc.snapshot.accountName };
  // The platform learns of the hold too (a note on the customer / contact), through the outbox.
  if (state.kind === 'active' || state.kind === 'released') await enqueueWriteback(ctx, hold, state.kind === 'active' ? 'placed' : 'lifted', person.name, reason, actor, now);
  await ctx.tasks.updateOne({ _id: doc._id }, { $set: { status: 'done' } });
  const msg = holdMessage(doc.snapshot, state);
  if (doc.ephemeral) {
    const told = state.kind === 'active' || state.kind === 'released' ? holdAnnouncement(doc.snapshot.accountName, state.kind === 'active', person.name, reason).text : `${msg.text}: requested, waiting for a manager's approval`;
    await ctx.tell(meta.channel, userId, told);
  }
  else await ctx.client.chat.update({ channel: meta.channel, ts: meta.ts, text: msg.text, blocks: msg.blocks });
  if (state.kind === 'active' || state.kind === 'released') await announce(ctx, doc.orgId, holdAnnouncement(doc.snapshot.accountName, state.kind === 'active', person.name, reason));
  if (state.kind === 'pending_approval') await requestManagerApproval(ctx, doc, holdId, person, actor, reason, now, { channel: meta.channel, userId });
  await ctx.replanAfter(doc.customerId, now);
}

/**
 * The customer is already on another active hold: no second hold. The refusal is audited
 * (credit_hold.refused: who tried, the hold in place); the refused proposal's hold record, if the race got
 * that far, leaves proposed / pending_approval for rejected (a final state); the person and the proposal are told.
 */
async function alreadyOnHold(ctx: SlackContext, doc: HoldDoc, err: AlreadyOnHoldError, meta: ModalMeta, userId: string, actor: AuditActor, now: Date): Promise<void> {
  const since = err.since.toISOString().slice(0, 10);
  const by = err.placedBy ? (err.placedBy.name ?? err.placedBy.id) : 'someone';
  await recordRefusal(ctx, { holdId: holdIdOf(doc._id), orgId: doc.orgId, customerId: doc.customerId, taskId: doc._id }, err, actor, now);
  await ctx.tasks.updateOne({ _id: doc._id }, { $set: { status: 'done' } });
  const msg = holdMessage(doc.snapshot, { kind: 'already_on_hold', by, since });
  if (!doc.ephemeral) await ctx.client.chat.update({ channel: meta.channel, ts: meta.ts, text: msg.text, blocks: msg.blocks });
  await ctx.tell(meta.channel, userId, `${doc.snapshot.accountName} is already on credit hold since ${since} (placed by ${by}): no second hold was placed.`);
}

/**
 * A hold refused because another is active: its record (if the race created one) leaves proposed /
 * pending_approval for rejected, a final state; one audit entry credit_hold.refused names who tried and the hold in place.
 */
async function recordRefusal(ctx: SlackContext, hold: { holdId: string; orgId: string; customerId: string; taskId: string }, err: AlreadyOnHoldError, actor: AuditActor, now: Date): Promise<void> {
  const mine = await ctx.store.creditHolds.get(hold.holdId);
  if (mine && (mine.status === 'proposed' || mine.status === 'pending_approval')) {
    try {
      await ctx.store.creditHolds.transition(hold.holdId, 'rejected', actor, now);
    } catch (e) {
      if (!(e instanceof AppError && e.code === 'conflict')) throw e; // moved on meanwhile: leave it
    }
  }
  const since = err.since.toISOString().slice(0, 10);
  const by = err.placedBy ? (err.placedBy.name ?? err.placedBy.id) : 'someone';
  await ctx.audit({
    orgId: hold.orgId, accountId: hold.customerId, actor, channel: 'slack', action: 'credit_hold.refused', invoiceIds: [],
    outcome: `credit hold refused: already on hold since ${since} (placed by ${by})`,
    details: { holdId: hold.holdId, taskId: hold.taskId, inPlace: { holdId: err.holdId, since: err.since.toISOString(), placedBy: err.placedBy ?? null } }, at: now,
  });
}

// ---- a strategic account's hold: a manager decides --------------------------

const APPROVAL_SUFFIX = ':manager-approval';
/** The approval request of a hold that needs a manager. */
export const holdApprovalIdOf = (holdId: string): string => `${holdId}${APPROVAL_SUFFIX}`;
export const holdIdOfApproval = (approvalId: string): string | null => (approvalId.endsWith(APPROVAL_SUFFIX) ? approvalId.slice(0, -APPROVAL_SUFFIX.length) : null);
const taskIdOfHold = (holdId: string): string => holdId.replace(/^hold:/, '');

/**
 * Ask the managers (a DM to each person with the manager role but the requester; else the approvals channel)
 * to approve the hold: Approve / Reject. Decided once by Approvals.decide (a claim), by a manager only.
 */
async function requestManagerApproval(ctx: SlackContext, doc: HoldDoc, holdId: string, requester: PersonDoc, actor: AuditActor, reason: string, now: Date, where: { channel: string; userId: string }): Promise<void> {
  const approvalId = holdApprovalIdOf(holdId);
  const customer = await ctx.store.customers.get(doc.customerId);
  const org = await ctx.store.organisations.get(doc.orgId);
  const due = customer ? await pastDueOf(ctx, customer, now, org?.timeZone ?? 'UTC') : { totals: doc.snapshot.totals, oldestDays: doc.snapshot.oldestDays, invoices: [] };
  const text = `${esc(requester.name)} asks to put *${esc(doc.snapshot.accountName)}* on credit hold. It is a strategic account, so a manager decides. Reason: ${esc(reason)}`;
  await ctx.store.approvals.request({ _id: approvalId, orgId: doc.orgId, customerId: doc.customerId, kind: 'credit_hold', requestedBy: actor, reason }, now);
  const attempts = await ctx.store.db.collection<AuditEntryDoc>(collections.audit).countDocuments({ accountId: doc.customerId, action: { $in: ['outbox.sent', 'call.logged'] } });
  const snapshot: ApprovalSnapshot = {
    approvalId, customerId: doc.customerId, accountName: doc.snapshot.accountName, kind: 'credit_hold', reason: text, requestedBy: requester.name,
    totals: due.totals, oldestDays: due.oldestDays, invoiceNumbers: due.invoices.map((i) => i.number), contactAttempts: attempts,
  };
  const targets: { channel: string; user: string | null }[] = [];
  for (const p of await ctx.people.withRole(doc.orgId, 'manager')) {
    if (p.email === requester.email) continue;
    const id = p.slackUserId ?? (await slackUserByEmail(ctx.client, p.email))?.id;
    if (id) targets.push({ channel: await openDm(ctx.client, id), user: id });
  }
  if (targets.length === 0 && ctx.approvalsChannel) targets.push({ channel: ctx.approvalsChannel, user: null });
  if (targets.length === 0) {
    await ctx.audit({
      orgId: doc.orgId, accountId: doc.customerId, actor: SLACK_SYSTEM, channel: 'slack', action: 'credit_hold.approval_unreachable', invoiceIds: [],
      outcome: 'no manager in Slack to approve the credit hold', details: { holdId, approvalId }, at: now,
    });
    return ctx.tell(where.channel, where.userId, 'No manager is in Slack to approve this hold: ask a manager to approve it, or import one with the manager role.');
  }
  const msg = approvalMessage(snapshot);
  const posts: PostedMessage[] = [];
  for (const t of targets) {
    const r = await ctx.post({ channel: t.channel, text: msg.text, blocks: msg.blocks });
    posts.push({ channel: r.channel ?? t.channel, ts: String(r.ts), user: t.user });
  }
  await ctx.messages.record({ _id: approvalId, orgId: doc.orgId, customerId: doc.customerId, kind: 'approval', snapshot, posts, log: [], createdAt: now });
  await ctx.audit({
    orgId: doc.orgId, accountId: doc.customerId, actor: SLACK_SYSTEM, channel: 'slack', action: 'slack.approval_requested', invoiceIds: [],
    outcome: 'approval requested: credit hold (strategic account)', details: { holdId, approvalId, posts: posts.length }, at: now,
  });
}

/**
 * A manager decided a hold's approval request (Approvals.decide already took it once): approved → the hold
 * becomes active, is written back and announced; rejected → the hold is rejected. The collector's hold
 * message shows the outcome.
 */
export async function holdDecided(ctx: SlackContext, approvalId: string, decision: 'approved' | 'rejected', manager: PersonDoc, actor: AuditActor, note: string | undefined, now: Date): Promise<void> {
  const holdId = holdIdOfApproval(approvalId);
  if (!holdId) return;
  const hold = await ctx.store.db.collection<CreditHoldDoc>(collections.creditHolds).findOne({ _id: holdId });
  if (!hold) return;
  const doc = await holdOf(ctx, taskIdOfHold(holdId));
  const requester = hold.requestedBy.name ?? hold.requestedBy.id;
  let state: HoldState;
  try {
    if (decision === 'approved') {
      await ctx.store.creditHolds.transition(holdId, 'active', actor, now);
      state = { kind: 'active', by: `${requester}, approved by ${manager.name}`, since: now.toISOString().slice(0, 10), reason: hold.reason };
    } else {
      await ctx.store.creditHolds.transition(holdId, 'rejected', actor, now);
      state = { kind: 'rejected', by: manager.name, reason: note ?? '' };
    }
  } catch (err) {
    if (err instanceof AlreadyOnHoldError) await recordRefusal(ctx, { holdId, orgId: hold.orgId, customerId: hold.customerId, taskId: taskIdOfHold(holdId) }, err, actor, now);
    if (err instanceof AlreadyOnHoldError && doc) {
      // Approved while another hold went active: the collector's message says the account is on hold already.
      const msg = holdMessage(doc.snapshot, { kind: 'already_on_hold', by: err.placedBy ? (err.placedBy.name ?? err.placedBy.id) : 'someone', since: err.since.toISOString().slice(0, 10) });
      for (const p of doc.posts) await ctx.client.chat.update({ channel: p.channel, ts: p.ts, text: msg.text, blocks: msg.blocks });
      return;
    }
    if (err instanceof AppError && (err.code === 'conflict' || err.code === 'not_found')) return; // decided once: Approvals.decide already let only one through
    throw err;
  }
  const placed = state.kind === 'active';
  await ctx.audit({
    orgId: hold.orgId, accountId: hold.customerId, actor, channel: 'slack', action: placed ? 'credit_hold.placed' : 'credit_hold.rejected', invoiceIds: [],
    outcome: placed ? `credit hold placed: ${hold.reason} (requested by ${requester}, approved by ${manager.name})` : `credit hold rejected by ${manager.name}${note ? `: ${note}` : ''}`,
    details: { holdId, approvalId }, at: now,
  });
  const accountName = doc?.snapshot.accountName ?? (await ctx.store.customers.get(hold.customerId))?.displayName ?? hold.customerId;
  if (placed) await enqueueWriteback(ctx, { holdId, orgId: hold.orgId, customerId: hold.customerId, accountName }, 'placed', `${requester} (approved by ${manager.name})`, hold.reason, actor, now);
  if (doc) {
    const msg = holdMessage(doc.snapshot, state);
    for (const p of doc.posts) await ctx.client.chat.update({ channel: p.channel, ts: p.ts, text: msg.text, blocks: msg.blocks });
  }
  if (placed) await announce(ctx, hold.orgId, holdAnnouncement(accountName, true, `${requester}, approved by ${manager.name}`, hold.reason));
}

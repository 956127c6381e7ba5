// Task delivery: open Slack-bound tasks (rep/collector nudges, approval
// requests, credit-hold proposals, letter follow-ups, alerts of bounced or
// failed sends — slack/services/notices.ts) become Slack messages. Each task is delivered once: a claim keyed by
// the task decides between workers (released again when the post fails, so the
// next run retries); the message and its snapshot are recorded; the task becomes
// `delivered` and the audit trail says so.
import type { AlertTaskDoc } from '../../src/outbox/alerts.js';
import type { TaskDoc } from '../../src/outbox/task-channel.js';
import { reachRank, roleLabel } from '../../src/domain/contact-roles.js';
import { mergeContacts } from '../../src/planning/contacts.js';
import { collectorEmailOf } from '../../src/planning/collector.js';
import { collections } from '../../src/store/store.js';
import type { AuditEntryDoc, CustomerDoc } from '../../src/store/types.js';
import { approvalMessage, type ApprovalSnapshot } from '../blocks/approval.js';
import { esc } from '../blocks/kit.js';
import { nudgeMessage, suggestedScript, type NudgeSnapshot } from '../blocks/nudge.js';
import { openDm, slackUserByEmail, type SlackContext } from './context.js';
import { deliverHold } from './holds.js';
import { deliverLookalike, type LookalikeTaskDoc } from './lookalike.js';
import { deliverAlert, deliverFindContact, deliverFollowUp, deliverLetterTask } from './notices.js';
import { approvalSnapshotOf, approverTargets } from './approval-request.js';
import type { PostedMessage } from './messages.js';
import { pastDueOf } from './past-due.js';
import { postTaskOnce } from './post-once.js';

const SYSTEM = { kind: 'system' as const, id: 'slack', name: 'Overdue Slack app' };

export interface DeliveryStats {
  delivered: number;
  skipped: number;
  failed: { taskId: string; error: string }[];
}

// slack/services/command.ts still reads it from here.
export { pastDueOf, type PastDue } from './past-due.js';

function describeTouch(e: AuditEntryDoc): string {
  return e.outcome ?? e.action;
}

/** The last touches a person would want to know before calling: sends and people's actions, newest first. */
async function lastTouches(ctx: SlackContext, customerId: string, limit = 3): Promise<NudgeSnapshot['touches']> {
  const rows = await ctx.store.db
    .collection<AuditEntryDoc>(collections.audit)
    .find({ accountId: customerId, action: { $in: ['outbox.sent', 'call.logged', 'promise.recorded', 'payment_plan.recorded', 'dispute.recorded', 'snooze.recorded'] } })
    .sort({ seq: -1 })
    .limit(limit)
    .toArray();
  return rows.map((e) => ({ at: e.at.toISOString().slice(0, 10), what: describeTouch(e) }));
}

/** `task`: the nudge's task, or the account view's synthetic key and level (/overdue). */
export async function nudgeSnapshot(ctx: SlackContext, task: Pick<TaskDoc, '_id'> & { action: Pick<TaskDoc['action'], 'levelName'> }, customer: CustomerDoc, rep: { name: string; email: string }, now: Date): Promise<NudgeSnapshot> {
  const org = await ctx.store.organisations.get(customer.orgId);
  const due = await pastDueOf(ctx, customer, now, org?.timeZone ?? 'UTC');
  // The ledger's contacts and the ones people entered, as planning merges them.
  const contacts = mergeContacts(customer.contacts, (await ctx.states.get(customer._id))?.contacts ?? []);
  const contact = contacts.filter((c) => !c.bouncedAt || c.phone).sort((a, b) => reachRank(a.roles) - reachRank(b.roles))[0];
  const buyer = contact
    ? { name: contact.name, role: roleLabel(contact.roles[0] ?? 'other'), ...(contact.phone ? { phone: contact.phone } : {}), ...(contact.email ? { email: contact.email } : {}) }
    : customer.phone || customer.email
      ? { name: customer.displayName, role: 'main line', ...(customer.phone ? { phone: customer.phone } : {}), ...(customer.email ? { email: customer.email } : {}) }
      : null;
  const partial = { rep, buyer, invoices: due.invoices, oldestDays: due.oldestDays, totals: due.totals };
  return {
    taskId: task._id,
    customerId: customer._id,
    accountName: customer.displayName,
    levelName: task.action.levelName,
    ...partial,
    touches: await lastTouches(ctx, customer._id),
    script: suggestedScript(partial, org?.name ?? 'our company'),
  };
}


/** The person a nudge is for: the named person, else the customer's rep (or collector); a missing Slack user falls back to the collector. */
async function recipientFor(ctx: SlackContext, task: TaskDoc, customer: CustomerDoc): Promise<{ id: string; name: string; email: string } | null> {
  const to = task.action.kind === 'slackNudge' ? task.action.to : 'collector';
  const named = task.action.kind === 'slackNudge' && task.action.person?.id.includes('@') ? task.action.person.id : undefined;
  const collectorEmail = collectorEmailOf(customer, await ctx.store.organisations.get(customer.orgId));
  const primary = named ?? (to === 'salesRep' ? customer.salesRepEmail : collectorEmail);
  for (const email of [primary, collectorEmail]) {
    if (!email) continue;
    const user = await slackUserByEmail(ctx.client, email);
    if (user) {
      const person = await ctx.people.byEmail(customer.orgId, email);
      return { ...user, name: person?.name ?? user.name, email };
    }
  }
  return null;
}

async function deliverNudge(ctx: SlackContext, task: TaskDoc, customer: CustomerDoc, now: Date): Promise<PostedMessage[] | null> {
  const to = await recipientFor(ctx, task, customer);
  if (!to) throw new Error(`nobody in Slack for ${customer.salesRepEmail ?? '(no rep)'} or the collector ${customer.collectorEmail ?? '(none)'}`);
  const snapshot = await nudgeSnapshot(ctx, task, customer, { name: to.name, email: to.email }, now);
  return postTaskOnce(ctx, task, { kind: 'nudge', snapshot }, nudgeMessage(snapshot), async () => [{ channel: await openDm(ctx.client, to.id), user: to.id }], now, async () => {
    await ctx.audit({
      orgId: task.orgId, accountId: task.customerId, actor: SYSTEM, channel: 'slack', action: 'slack.nudge_delivered', invoiceIds: task.invoiceIds,
      outcome: `asked ${to.name} to call ${snapshot.buyer?.name ?? customer.displayName}`, details: { taskId: task._id, to: to.email }, at: now,
    });
  });
}

const approvalKind = (t: TaskDoc): ApprovalSnapshot['kind'] => (t.action.kind === 'writeOffSuggestion' ? 'write_off' : t.action.kind === 'creditHold' ? 'credit_hold' : 'agency_referral');

async function deliverApproval(ctx: SlackContext, task: TaskDoc, customer: CustomerDoc, now: Date): Promise<PostedMessage[] | null> {
  const org = await ctx.store.organisations.get(customer.orgId);
  const requesterEmail = collectorEmailOf(customer, org);
  const requester = requesterEmail ? await ctx.people.byEmail(customer.orgId, requesterEmail) : null;
  const requestedBy = requesterEmail ? { kind: 'person' as const, id: requesterEmail, name: requester?.name ?? requesterEmail } : { ...SYSTEM };
  const kind = approvalKind(task);
  const reasons: Record<ApprovalSnapshot['kind'], string> = {
    agency_referral: `The ladder has reached *${task.action.levelName}* for ${esc(customer.displayName)}: reminders, calls and the final demand have not brought payment. Approve to refer the account to the collection agency.`,
    write_off: `The past-due balance of ${esc(customer.displayName)} is under the write-off threshold. Approve to write it off instead of referring it to an agency.`,
    credit_hold: `A credit hold on ${esc(customer.displayName)} needs approval.`,
  };
  const reason = reasons[kind];
  await ctx.store.approvals.request({ _id: task._id, orgId: task.orgId, customerId: customer._id, kind, requestedBy, reason }, now);
  const snapshot = await approvalSnapshotOf(ctx, customer, { approvalId: task._id, kind, reason, requestedBy: requestedBy.name ?? requestedBy.id }, now);
  const targets = await approverTargets(ctx, customer.orgId);
  if (targets.length === 0) throw new Error('no approvals channel and no approver in Slack');
  return postTaskOnce(ctx, task, { kind: 'approval', snapshot }, approvalMessage(snapshot), () => Promise.resolve(targets), now, async (posts) => {
    await ctx.audit({
      orgId: task.orgId, accountId: task.customerId, actor: SYSTEM, channel: 'slack', action: 'slack.approval_requested', invoiceIds: task.invoiceIds,
      outcome: `approval requested: ${kind.replace('_', ' ')}`, details: { taskId: task._id, approvalId: task._id, posts: posts.length }, at: now,
    });
  });
}

/** Deliver the open Slack-bound tasks that are due (and the collector's alerts and follow-ups); safe to run by several workers at once. */
export async function deliverOpenTasks(ctx: SlackContext, opts: { limit?: number } = {}): Promise<DeliveryStats> {
  const now = ctx.now();
  const stats: DeliveryStats = { delivered: 0, skipped: 0, failed: [] };
  const limit = opts.limit ?? 200;
  const tasks = await ctx.tasks
    .find({ status: 'open', kind: { $in: ['slack-nudge', 'approval', 'credit-hold', 'follow-up', 'find-contact', 'mail', 'courier', 'fax'] }, dueAt: { $lte: now } })
    .sort({ dueAt: 1 })
    .limit(limit)
    .toArray();
  const alerts = await ctx.store.db.collection<AlertTaskDoc>(collections.tasks).find({ status: 'open', kind: 'alert', dueAt: { $lte: now } }).sort({ dueAt: 1 }).limit(limit).toArray();
  const lookalikes = await ctx.store.db.collection<LookalikeTaskDoc>(collections.tasks).find({ status: 'open', kind: 'lookalike', dueAt: { $lte: now } }).sort({ dueAt: 1 }).limit(limit).toArray();
  const perOrg = new Map<string, SlackContext | null>();
  for (const task of [...alerts, ...lookalikes, ...tasks]) {
    try {
      if (!perOrg.has(task.orgId)) perOrg.set(task.orgId, await ctx.forOrg(task.orgId));
      const svc = perOrg.get(task.orgId);
      if (!svc) {
        stats.skipped += 1; // the organisation's workspace has not installed the app yet
        continue;
      }
      const customer = await ctx.store.customers.get(task.customerId);
      if (!customer) {
        await ctx.tasks.updateOne({ _id: task._id }, { $set: { status: 'dismissed' } });
        stats.skipped += 1;
        continue;
      }
      const posts =
        task.kind === 'lookalike'
          ? await deliverLookalike(svc, task, customer, now)
          : task.kind === 'alert'
          ? await deliverAlert(svc, task, customer, now)
          : task.kind === 'follow-up'
            ? await deliverFollowUp(svc, task, customer, now)
            : task.kind === 'find-contact'
              ? await deliverFindContact(svc, task, customer, now)
              : task.kind === 'mail' || task.kind === 'courier' || task.kind === 'fax'
              ? await deliverLetterTask(svc, task, customer, now)
              : task.kind === 'approval'
                ? await deliverApproval(svc, task, customer, now)
                : task.kind === 'credit-hold'
                  ? await deliverHold(svc, task, customer, now)
                  : await deliverNudge(svc, task, customer, now);
      if (!posts) {
        stats.skipped += 1;
        continue;
      }
      await ctx.tasks.updateOne({ _id: task._id, status: 'open' }, { $set: { status: 'delivered' } });
      stats.delivered += 1;
    } catch (err) {
      ctx.logger.warn({ err, taskId: task._id }, 'slack delivery failed; the next run retries');
      stats.failed.push({ taskId: task._id, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return stats;
}

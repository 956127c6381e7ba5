// Credit holds from Slack. A credit-hold task (the ladder's proposal) reaches the
// account's collector with *Place credit hold*; placing asks for the reason,
// records the hold (CreditHolds: each state entered once, so two clicks place
// it once), audits it, updates the message (now with *Lift hold*) and announces
// it in the organisation's holds channel (settings.slack.holdsChannel) so nobody
// ships to the account. A strategic account's hold waits for a manager.
import { z } from 'zod';
import { AppError } from '../../src/errors.js';
import type { TaskDoc } from '../../src/outbox/task-channel.js';
import type { CustomerDoc } from '../../src/store/types.js';
import { holdAnnouncement, holdMessage, holdReasonModal, type HoldSnapshot, type HoldState } from '../blocks/hold.js';
import type { ModalMeta } from '../blocks/modals.js';
import { openDm, slackUserByEmail, type SlackContext } from './context.js';
import type { PostedMessage, SlackMessageDoc } from './messages.js';
import { pastDueOf } from './deliver.js';

const HOLD_ROLES = ['collector', 'manager', 'admin'];
const SlackSettings = z.object({ slack: z.object({ holdsChannel: z.string().min(1).optional() }).optional() });

type HoldDoc = SlackMessageDoc & { kind: 'hold' };
export const holdIdOf = (taskId: string): string => `hold:${taskId}`;

async function holdOf(ctx: SlackContext, taskId: string): Promise<HoldDoc | null> {
  const doc = await ctx.messages.get(taskId);
  return doc && doc.kind === 'hold' ? doc : null;
}

export async function deliverHold(ctx: SlackContext, task: TaskDoc, customer: CustomerDoc, now: Date): Promise<PostedMessage[] | null> {
  const email = customer.collectorEmail;
  const to = email ? await slackUserByEmail(ctx.client, email) : null;
  if (!to) throw new Error(`the collector ${email ?? '(none)'} is not in Slack`);
  const org = await ctx.store.organisations.get(customer.orgId);
  const due = await pastDueOf(ctx, customer, now, org?.timeZone ?? 'UTC');
  const snapshot: HoldSnapshot = {
    taskId: task._id, customerId: customer._id, accountName: customer.displayName, levelName: task.action.levelName,
    totals: due.totals, oldestDays: due.oldestDays, needsManager: task.action.kind === 'creditHold' && task.action.approval === 'manager',
  };
  const claim = `slack:deliver:${task._id}`;
  if (!(await ctx.store.claims.take(claim, 'slack', now))) return null;
  try {
    const channel = await openDm(ctx.client, to.id);
    const msg = holdMessage(snapshot, { kind: 'proposed' });
    const r = await ctx.client.chat.postMessage({ channel, text: msg.text, blocks: msg.blocks as never });
    const posts = [{ channel: r.channel ?? channel, ts: String(r.ts), user: to.id }];
    await ctx.messages.record({ _id: task._id, orgId: task.orgId, customerId: task.customerId, kind: 'hold', snapshot, posts, log: [], createdAt: now });
    return posts;
  } catch (err) {
    await ctx.store.db.collection('claims').deleteOne({ _id: claim as never });
    throw err;
  }
}

export async function openHoldModal(ctx: SlackContext, which: 'place' | 'lift', c: { taskId: string; userId: string; triggerId: string; channel: string; ts: string }): Promise<void> {
  const doc = await holdOf(ctx, c.taskId);
  if (!doc) return ctx.tell(c.channel, c.userId, 'This hold is no longer known to Overdue.');
  const person = await ctx.people.bySlackId(doc.orgId, c.userId);
  if (!person || !person.roles.some((r) => HOLD_ROLES.includes(r))) return ctx.tell(c.channel, c.userId, 'Only collectors, managers and admins can place or lift credit holds.');
  const initial = which === 'place' ? `${doc.snapshot.oldestDays} days past due; ${doc.snapshot.levelName}` : 'Paid / settled';
  await ctx.client.views.open({ trigger_id: c.triggerId, view: holdReasonModal(which, doc.snapshot.accountName, { id: c.taskId, channel: c.channel, ts: c.ts }, initial) as never });
}

async function announce(ctx: SlackContext, orgId: string, m: { text: string; blocks: unknown[] }): Promise<void> {
  const org = await ctx.store.organisations.get(orgId);
  const parsed = SlackSettings.safeParse(org?.settings ?? {});
  const channel = parsed.success ? parsed.data.slack?.holdsChannel : undefined;
  if (channel) await ctx.client.chat.postMessage({ channel, text: m.text, blocks: m.blocks as never });
}

export async function submitHold(ctx: SlackContext, which: 'place' | 'lift', meta: ModalMeta, userId: string, reason: string): Promise<void> {
  const doc = await holdOf(ctx, meta.id);
  if (!doc) return;
  const now = ctx.now();
  const person = await ctx.people.bySlackId(doc.orgId, userId);
  if (!person || !person.roles.some((r) => HOLD_ROLES.includes(r))) return ctx.tell(meta.channel, userId, 'Only collectors, managers and admins can place or lift credit holds.');
  const actor = ctx.actorFor(person, userId);
  const holdId = holdIdOf(doc._id);
  let state: HoldState;
  try {
    if (which === 'place') {
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
    if (err instanceof AppError && (err.code === 'conflict' || err.code === 'not_found')) return ctx.tell(meta.channel, userId, `Nothing changed: ${err.message}.`);
    throw err;
  }
  const action = state.kind === 'active' ? 'credit_hold.placed' : state.kind === 'released' ? 'credit_hold.lifted' : 'credit_hold.requested';
  await ctx.store.audit.append({
    orgId: doc.orgId, accountId: doc.customerId, actor, channel: 'slack', action, invoiceIds: [],
    outcome: `${action.replace('credit_hold.', 'credit hold ')}: ${reason}`, details: { holdId, taskId: doc._id }, at: now,
  });
  await ctx.tasks.updateOne({ _id: doc._id }, { $set: { status: 'done' } });
  const msg = holdMessage(doc.snapshot, state);
  await ctx.client.chat.update({ channel: meta.channel, ts: meta.ts, text: msg.text, blocks: msg.blocks as never });
  if (state.kind === 'active' || state.kind === 'released') await announce(ctx, doc.orgId, holdAnnouncement(doc.snapshot.accountName, state.kind === 'active', person.name, reason));
  await ctx.replanAfter(doc.customerId, now);
}

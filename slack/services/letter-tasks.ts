// Letters by post, courier or fax (src/planning/mailed-demand.ts): *Done* on the
// collector's letter task opens the completion modal; the tracking number is
// parsed (zod), stored on the task with who and when, its follow-up closed, the
// audit trail told, and the message updated. An agency referral reads the
// account's mailed demand from here: confirmed, overridden by an approver, or missing.
import type { TaskDoc } from '../../src/outbox/task-channel.js';
import { followUpId } from '../../src/outbox/follow-up.js';
import { letterTaskCompletionSchema, mailedDemandStatus, type MailedDemand, type MailedDemandOverride, type TaskCompletion } from '../../src/planning/mailed-demand.js';
import type { ApprovalDoc } from '../../src/store/types.js';
import { inputIds } from '../ids.js';
import { letterTaskModal } from '../blocks/modals.js';
import { noticeMessage } from '../blocks/notice.js';
import type { SlackContext } from './context.js';

const DONE_ROLES = ['collector', 'manager', 'admin'];

/** The account's mailed demand: its mail tasks and the approval's override, if any. */
export async function mailedDemandOf(ctx: SlackContext, customerId: string, approval: Pick<ApprovalDoc, 'mailOverride'> | undefined): Promise<MailedDemand> {
  const tasks = await ctx.tasks.find({ customerId, kind: 'mail' }).toArray();
  const o = approval?.mailOverride;
  const override: MailedDemandOverride | undefined = o ? { by: { id: o.by.id, ...(o.by.name !== undefined ? { name: o.by.name } : {}) }, reason: o.reason, at: o.at } : undefined;
  return mailedDemandStatus(tasks, override);
}

export interface LetterTaskClick {
  taskId: string;
  userId: string;
  triggerId: string;
  channel: string;
  ts: string;
}

async function letterTask(ctx: SlackContext, taskId: string): Promise<(TaskDoc & { kind: 'mail' | 'courier' | 'fax' }) | null> {
  const t = await ctx.tasks.findOne({ _id: taskId });
  return t && (t.kind === 'mail' || t.kind === 'courier' || t.kind === 'fax') ? (t as TaskDoc & { kind: 'mail' | 'courier' | 'fax' }) : null;
}

/** *Done*: collectors, managers and admins get the completion modal; others are told why not. */
export async function openLetterTaskModal(ctx: SlackContext, c: LetterTaskClick): Promise<'modal' | 'unknown' | 'not_allowed' | 'already_done'> {
  const task = await letterTask(ctx, c.taskId);
  if (!task) {
    await ctx.tell(c.channel, c.userId, 'This task is no longer known to Overdue.');
    return 'unknown';
  }
  const person = await ctx.people.bySlackId(task.orgId, c.userId);
  if (!person || !person.roles.some((r) => DONE_ROLES.includes(r))) {
    await ctx.tell(c.channel, c.userId, 'Only collectors, managers and admins can mark letters sent.');
    return 'not_allowed';
  }
  if (task.status === 'done') {
    await ctx.tell(c.channel, c.userId, 'Already done: nothing changed.');
    return 'already_done';
  }
  await ctx.client.views.open({ trigger_id: c.triggerId, view: letterTaskModal(task.accountName, task.title, task.kind, { id: task._id, channel: c.channel, ts: c.ts }) });
  return 'modal';
}

export type LetterTaskForm = { ok: true; trackingNumber: string | undefined } | { ok: false; errors: Record<string, string> };

/** The modal's fields through the task kind's parser: the tracking number, or the error for its block. */
export function parseLetterTaskForm(task: 'mail' | 'courier' | 'fax', trackingNumber: string | undefined): LetterTaskForm {
  const r = letterTaskCompletionSchema(task).safeParse({ trackingNumber });
  if (r.success) return { ok: true, trackingNumber: r.data.trackingNumber };
  const problem = trackingNumber === undefined ? 'Give the tracking number' : (r.error.issues[0]?.message ?? 'not a tracking number');
  return { ok: false, errors: { [inputIds.trackingNumber.block]: problem } };
}

/** The letter task's kind (for the form's parser), or null when it is not a letter task. */
export async function letterTaskKind(ctx: SlackContext, taskId: string): Promise<'mail' | 'courier' | 'fax' | null> {
  return (await letterTask(ctx, taskId))?.kind ?? null;
}

/** The completion: stored once (a claim per task), audited, its follow-up closed, the message updated. */
export async function completeLetterTask(ctx: SlackContext, c: { taskId: string; userId: string; channel: string; ts: string; trackingNumber: string | undefined }): Promise<'done' | 'unknown' | 'not_allowed' | 'already_done'> {
  const task = await letterTask(ctx, c.taskId);
  if (!task) return 'unknown';
  const person = await ctx.people.bySlackId(task.orgId, c.userId);
  if (!person || !person.roles.some((r) => DONE_ROLES.includes(r))) {
    await ctx.tell(c.channel, c.userId, 'Only collectors, managers and admins can mark letters sent.');
    return 'not_allowed';
  }
  const now = ctx.now();
  if (!(await ctx.store.claims.take(`task-done:${task._id}`, person.email, now))) {
    await ctx.tell(c.channel, c.userId, 'Already done: nothing changed.');
    return 'already_done';
  }
  const completion: TaskCompletion = { by: { id: person.email, name: person.name }, at: now, ...(c.trackingNumber !== undefined ? { trackingNumber: c.trackingNumber } : {}) };
  await ctx.tasks.updateOne({ _id: task._id }, { $set: { status: 'done', completion } });
  await ctx.tasks.updateOne({ _id: followUpId(task._id), status: { $in: ['open', 'delivered'] } }, { $set: { status: 'done' } });
  await ctx.audit({
    orgId: task.orgId, accountId: task.customerId, actor: ctx.actorFor(person, c.userId), channel: 'slack', action: 'task.done', invoiceIds: task.invoiceIds,
    outcome: `${task.title}: sent${c.trackingNumber !== undefined ? `, tracking ${c.trackingNumber}` : ''}`,
    details: { taskId: task._id, kind: task.kind, ...(c.trackingNumber !== undefined ? { trackingNumber: c.trackingNumber } : {}) }, at: now,
  });
  const doc = await ctx.messages.get(task._id);
  if (doc && doc.kind === 'notice' && doc.snapshot.kind === 'letter-task') {
    const on = now.toISOString().slice(0, 10);
    await ctx.messages.resolve(task._id, `done by ${person.name}`, now);
    const msg = noticeMessage(doc.snapshot, { kind: 'done', by: person.name, on, ...(c.trackingNumber !== undefined ? { trackingNumber: c.trackingNumber } : {}) });
    await Promise.all(doc.posts.map((p) => ctx.client.chat.update({ channel: p.channel, ts: p.ts, text: msg.text, blocks: msg.blocks })));
  }
  return 'done';
}

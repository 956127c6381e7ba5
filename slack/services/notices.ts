// Notices for the account's collector, delivered by slack-deliver:
// - alerts (src/outbox/alerts.ts): a customer-facing send bounced or failed for
//   good — what, to whom, the error, and what the ladder does next (the next
//   contact with a working address, or that there is none);
// - follow-ups (src/outbox/follow-up.ts): a letter sent by post, courier or fax
//   not confirmed after 48 h, with *Done*, which closes the follow-up and the
//   task it chases (once: a claim per task), audits it and updates the message.
// Delivery is once per task (a claim keyed by the task, released if the post fails).
import type { AlertTaskDoc } from '../../src/outbox/alerts.js';
import type { TaskDoc } from '../../src/outbox/task-channel.js';
import { reachRank, roleLabel } from '../../src/domain/contact-roles.js';
import { mergeContacts } from '../../src/planning/contacts.js';
import { collectorEmailOf } from '../../src/planning/collector.js';
import { bounces } from '../../src/planning/state.js';
import type { CustomerDoc } from '../../src/store/types.js';
import { noticeMessage, type NoticeSnapshot } from '../blocks/notice.js';
import { openDm, slackUserByEmail, type SlackContext } from './context.js';
import type { PostedMessage, SlackMessageDoc } from './messages.js';
import { postTaskOnce } from './post-once.js';

const SYSTEM = { kind: 'system' as const, id: 'slack', name: 'Overdue Slack app' };
const DONE_ROLES = ['collector', 'manager', 'admin'];

/** The account's collector in Slack: the customer's collector, else the organisation's first collector with a Slack user. */
export async function collectorOf(ctx: SlackContext, customer: CustomerDoc): Promise<{ id: string; email: string } | null> {
  const email = collectorEmailOf(customer, await ctx.store.organisations.get(customer.orgId));
  if (email) {
    const u = await slackUserByEmail(ctx.client, email);
    if (u) return { id: u.id, email };
  }
  for (const p of await ctx.people.withRole(customer.orgId, 'collector')) {
    const id = p.slackUserId ?? (await slackUserByEmail(ctx.client, p.email))?.id;
    if (id) return { id, email: p.email };
  }
  return null;
}

/** What the ladder does after a bounce or failure, from the customer's contacts and the bounce list now. */
export async function nextStepAfter(ctx: SlackContext, alert: AlertTaskDoc['alert'], customer: CustomerDoc): Promise<string> {
  if (alert.channel === 'agency') {
    return 'Overdue does not re-send the referral packet: check the agency address (documents settings agency.email), then send the packet downloaded from the admin API.';
  }
  const contacts = mergeContacts(customer.contacts, (await ctx.states.get(customer._id))?.contacts ?? []);
  const withEmail = contacts.filter((c) => c.email && !c.bouncedAt);
  const bounced = await bounces(ctx.store.db).bouncedAmong(customer.orgId, withEmail.flatMap((c) => (c.email ? [c.email] : [])));
  const refused = new Set(alert.bounced.map((e) => e.toLowerCase()));
  const next = withEmail
    .filter((c) => c.email && !bounced.has(c.email.toLowerCase()) && !bounced.has(c.email) && !refused.has(c.email.toLowerCase()))
    .sort((a, b) => reachRank(a.roles) - reachRank(b.roles))[0];
  if (alert.bounced.length === 0 && alert.failed) return 'The send is not retried; the account is planned again, and its next step goes ahead as the ladder says.';
  if (next) return `The ladder moves on to ${next.name} <${next.email ?? ''}> (${roleLabel(next.roles[0] ?? 'other')}) at the next plan.`;
  return 'No other contact of this customer has a working email address: the ladder goes on without email. Add a contact (the *Contacts* button on `/overdue`, or the accounting platform) to resume emails.';
}

async function post(ctx: SlackContext, task: { _id: string; orgId: string; customerId: string }, to: { id: string }, snapshot: NoticeSnapshot, now: Date): Promise<PostedMessage[] | null> {
  return postTaskOnce(ctx, task, { kind: 'notice', snapshot }, noticeMessage(snapshot), async () => [{ channel: await openDm(ctx.client, to.id), user: to.id }], now);
}

export async function deliverAlert(ctx: SlackContext, task: AlertTaskDoc, customer: CustomerDoc, now: Date): Promise<PostedMessage[] | null> {
  const to = await collectorOf(ctx, customer);
  if (!to) throw new Error(`no collector of ${customer.displayName} in Slack`);
  const a = task.alert;
  const snapshot: NoticeSnapshot = a.ledger ? { kind: 'ledger', taskId: task._id, customerId: customer._id, accountName: customer.displayName, company: a.ledger.company, asOf: a.ledger.asOf, lines: a.ledger.lines } : {
    kind: 'alert', taskId: task._id, customerId: customer._id, accountName: customer.displayName,
    what: a.what, to: a.to, error: a.error, bounced: a.bounced, failed: a.failed, next: await nextStepAfter(ctx, a, customer),
  };
  const posts = await post(ctx, task, to, snapshot, now);
  if (posts) {
    await ctx.audit({
      orgId: task.orgId, accountId: task.customerId, actor: SYSTEM, channel: 'slack', action: 'slack.alert_delivered', invoiceIds: task.invoiceIds,
      outcome: `told ${to.email}: ${task.title}`, details: { taskId: task._id, outboxKey: a.outboxKey, to: to.email }, at: now,
    });
  }
  return posts;
}

export async function deliverFollowUp(ctx: SlackContext, task: TaskDoc, customer: CustomerDoc, now: Date): Promise<PostedMessage[] | null> {
  const to = await collectorOf(ctx, customer);
  if (!to) throw new Error(`no collector of ${customer.displayName} in Slack`);
  const snapshot: NoticeSnapshot = { kind: 'follow-up', taskId: task._id, customerId: customer._id, accountName: customer.displayName, title: task.title, followUpOf: task.followUpOf ?? null };
  const posts = await post(ctx, task, to, snapshot, now);
  if (posts) {
    await ctx.audit({
      orgId: task.orgId, accountId: task.customerId, actor: SYSTEM, channel: 'slack', action: 'slack.follow_up_delivered', invoiceIds: task.invoiceIds,
      outcome: `asked ${to.email} to confirm: ${task.title}`, details: { taskId: task._id, to: to.email }, at: now,
    });
  }
  return posts;
}

/** A find-contact task (a level needs a role nobody holds): the collector is asked to find that contact. */
export async function deliverFindContact(ctx: SlackContext, task: TaskDoc, customer: CustomerDoc, now: Date): Promise<PostedMessage[] | null> {
  const to = await collectorOf(ctx, customer);
  if (!to) throw new Error(`no collector of ${customer.displayName} in Slack`);
  const snapshot: NoticeSnapshot = { kind: 'find-contact', taskId: task._id, customerId: customer._id, accountName: customer.displayName, title: task.title };
  const posts = await post(ctx, task, to, snapshot, now);
  if (posts) {
    await ctx.audit({
      orgId: task.orgId, accountId: task.customerId, actor: SYSTEM, channel: 'slack', action: 'slack.find_contact_delivered', invoiceIds: task.invoiceIds,
      outcome: `asked ${to.email}: ${task.title}`, details: { taskId: task._id, to: to.email }, at: now,
    });
  }
  return posts;
}

/** *Done* on a follow-up: closes it and the task it chases, once; audited; the message shows who. */
export async function markFollowUpDone(ctx: SlackContext, c: { taskId: string; userId: string; channel: string; ts: string }): Promise<void> {
  const doc = await ctx.messages.get(c.taskId);
  if (!doc || doc.kind !== 'notice' || doc.snapshot.kind !== 'follow-up') return ctx.tell(c.channel, c.userId, 'This follow-up is no longer known to Overdue.');
  const snapshot = doc.snapshot;
  const person = await ctx.people.bySlackId(doc.orgId, c.userId);
  if (!person || !person.roles.some((r) => DONE_ROLES.includes(r))) return ctx.tell(c.channel, c.userId, 'Only collectors, managers and admins can close follow-ups.');
  const now = ctx.now();
  if (!(await ctx.store.claims.take(`task-done:${c.taskId}`, person.email, now))) return ctx.tell(c.channel, c.userId, 'Already done: nothing changed.');
  const ids = [c.taskId, ...(snapshot.followUpOf ? [snapshot.followUpOf] : [])];
  await ctx.tasks.updateMany({ _id: { $in: ids } }, { $set: { status: 'done' } });
  await ctx.audit({
    orgId: doc.orgId, accountId: doc.customerId, actor: ctx.actorFor(person, c.userId), channel: 'slack', action: 'task.done', invoiceIds: [],
    outcome: `${snapshot.title}: marked done`, details: { taskId: c.taskId, followUpOf: snapshot.followUpOf }, at: now,
  });
  const on = now.toISOString().slice(0, 10);
  await ctx.messages.resolve(c.taskId, `done by ${person.name}`, now);
  const msg = noticeMessage(snapshot, { kind: 'done', by: person.name, on });
  await Promise.all(doc.posts.map((p: SlackMessageDoc['posts'][number]) => ctx.client.chat.update({ channel: p.channel, ts: p.ts, text: msg.text, blocks: msg.blocks })));
}

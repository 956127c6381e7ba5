// What a rep's buttons do. A button opens a modal (private_metadata: task and
// message); the submission records the outcome — the call in the audit trail,
// a promise / dispute / snooze in the account's pause data — re-plans the
// account, marks the task done and updates the message in place.
import { randomUUID } from 'node:crypto';
import { addDays, localDate } from '../../src/domain/calendar.js';
import { formatMoney, money } from '../../src/domain/money.js';
import { collectorEmailOf } from '../../src/planning/collector.js';
import type { AccountStateDoc, PauseKind } from '../../src/planning/state.js';
import type { AuditActor, AuditInput } from '../../src/store/types.js';
import { disputeModal, logCallModal, paymentPlanModal, promiseModal, snoozeModal, type ModalMeta } from '../blocks/modals.js';
import { esc, type ModalView } from '../blocks/kit.js';
import { nudgeMessage, type NudgeSnapshot } from '../blocks/nudge.js';
import { outcomeLabels, type CallOutcome } from '../ids.js';
import { authorizeOrTell } from './authorize.js';
import { openDm, slackUserByEmail, type SlackContext } from './context.js';
import type { SlackMessageDoc } from './messages.js';

export type NudgeModal = 'logCall' | 'promise' | 'paymentPlan' | 'dispute' | 'snooze';

export interface Click {
  taskId: string;
  userId: string;
  triggerId: string;
  channel: string;
  ts: string;
}

type NudgeDoc = SlackMessageDoc & { kind: 'nudge' };

async function nudgeOf(ctx: SlackContext, taskId: string): Promise<NudgeDoc | null> {
  const doc = await ctx.messages.get(taskId);
  return doc && doc.kind === 'nudge' ? doc : null;
}

/** The largest currency of the balance (a promise is recorded in one currency). */
function mainCurrency(s: NudgeSnapshot): { currency: string; owed: number } {
  const entries = Object.entries(s.totals).sort((a, b) => b[1] - a[1]);
  const [currency, owed] = entries[0] ?? ['USD', 0];
  return { currency, owed };
}

export function modalFor(kind: NudgeModal, s: NudgeSnapshot, meta: ModalMeta, now: Date): ModalView {
  const today = localDate(now, 'UTC');
  switch (kind) {
    case 'logCall':
      return logCallModal(s.accountName, meta);
    case 'promise': {
      const { currency, owed } = mainCurrency(s);
      return promiseModal(s.accountName, meta, currency, owed, addDays(today, 7));
    }
    case 'paymentPlan': {
      const { currency, owed } = mainCurrency(s);
      return paymentPlanModal(s.accountName, meta, currency, owed);
    }
    case 'dispute':
      return disputeModal(s.accountName, meta, s.invoices);
    case 'snooze':
      return snoozeModal(s.accountName, meta, addDays(today, 1));
  }
}

export async function openNudgeModal(ctx: SlackContext, kind: NudgeModal, c: Click): Promise<void> {
  const doc = await nudgeOf(ctx, c.taskId);
  if (!doc) return ctx.tell(c.channel, c.userId, 'This task is no longer known to Overdue.');
  if (doc.resolvedAt) return ctx.tell(c.channel, c.userId, `Already handled: ${doc.resolution ?? ''}`);
  if (!(await authorizeOrTell(ctx, doc.orgId, { channel: c.channel, userId: c.userId }, kind, { customerId: doc.customerId }))) return;
  await ctx.client.views.open({ trigger_id: c.triggerId, view: modalFor(kind, doc.snapshot, { id: c.taskId, channel: c.channel, ts: c.ts }, ctx.now()) });
}

export type Submission =
  | { kind: 'logCall'; outcome: CallOutcome; notes?: string; nextStep?: string }
  | { kind: 'promise'; date: string; amountMinor: number }
  | { kind: 'paymentPlan'; instalments: { dueDate: string; amountMinor: number }[] }
  | { kind: 'dispute'; invoiceIds: string[]; reason: string }
  | { kind: 'snooze'; until: string; reason: string };

/** What a nudge's forms are checked against: the account's main currency and balance in it, and today. Null: the task is gone. */
export async function nudgeLimits(ctx: SlackContext, taskId: string): Promise<{ currency: string; owedMinor: number; today: string; horizonDays: number } | null> {
  const doc = await nudgeOf(ctx, taskId);
  if (!doc) return null;
  const { currency, owed } = mainCurrency(doc.snapshot);
  const { policy } = await ctx.policies.forOrg(doc.orgId);
  return { currency, owedMinor: owed, today: localDate(ctx.now(), 'UTC'), horizonDays: policy.limits.inputHorizonDays };
}

function summary(s: Submission, snap: NudgeSnapshot, who: string): { line: string; audit: Pick<AuditInput, 'action' | 'channel' | 'outcome' | 'details' | 'invoiceIds'> } {
  const all = snap.invoices.map((i) => i.id);
  switch (s.kind) {
    case 'logCall': {
      const label = outcomeLabels[s.outcome];
      return {
        line: `:telephone_receiver: *${esc(who)}* logged a call: ${label}${s.notes ? ` — ${esc(s.notes)}` : ''}`,
        audit: { channel: 'phone', action: 'call.logged', outcome: `call: ${label}`, invoiceIds: all, details: { outcome: s.outcome, notes: s.notes ?? null, nextStep: s.nextStep ?? null } },
      };
    }
    case 'promise': {
      const amount = formatMoney(money(s.amountMinor, mainCurrency(snap).currency));
      return {
        line: `:handshake: *${esc(who)}* recorded a promise to pay ${amount} by ${s.date}. Reminders pause until then.`,
        audit: { channel: 'slack', action: 'promise.recorded', outcome: `promise to pay ${amount} by ${s.date}`, invoiceIds: all, details: { date: s.date, amountMinor: s.amountMinor, currency: mainCurrency(snap).currency } },
      };
    }
    case 'paymentPlan': {
      const currency = mainCurrency(snap).currency;
      const total = formatMoney(money(s.instalments.reduce((n, i) => n + i.amountMinor, 0), currency));
      const last = s.instalments[s.instalments.length - 1]?.dueDate ?? '';
      return {
        line: `:calendar: *${esc(who)}* agreed a payment plan: ${s.instalments.length} instalment(s), ${total}, the last on ${last}. Reminders pause while it is kept.`,
        audit: { channel: 'slack', action: 'payment_plan.recorded', outcome: `payment plan: ${s.instalments.length} instalment(s), ${total}`, invoiceIds: all, details: { currency, instalments: s.instalments } },
      };
    }
    case 'dispute':
      return {
        line: `:warning: *${esc(who)}* recorded a dispute on ${s.invoiceIds.length} invoice(s): ${esc(s.reason)}`,
        audit: { channel: 'slack', action: 'dispute.recorded', outcome: `dispute: ${s.reason}`, invoiceIds: s.invoiceIds, details: { reason: s.reason } },
      };
    case 'snooze':
      return {
        line: `:zzz: *${esc(who)}* snoozed the account until ${s.until}: ${esc(s.reason)}`,
        audit: { channel: 'slack', action: 'snooze.recorded', outcome: `snoozed until ${s.until}: ${s.reason}`, invoiceIds: all, details: { until: s.until, reason: s.reason } },
      };
  }
}

export async function submitNudge(ctx: SlackContext, s: Submission, meta: ModalMeta, userId: string): Promise<void> {
  const doc = await nudgeOf(ctx, meta.id);
  if (!doc) return;
  const now = ctx.now();
  // Who may: the one table (an unknown Slack user, or a rep on another rep's account, records nothing).
  const person = await authorizeOrTell(ctx, doc.orgId, { channel: meta.channel, userId }, s.kind, { customerId: doc.customerId });
  if (!person) return;
  const actor = ctx.actorFor(person, userId);
  const who = person.name;
  // Pause data first: the plan that follows must see it. One entry added per submission ($push), never the
  // arrays written back, so submissions that cross each other all land; its id goes into the audit entry.
  const pauseId = s.kind === 'logCall' ? null : `${s.kind}:${randomUUID()}`;
  if (pauseId !== null) {
    const add = <K extends PauseKind>(kind: K, entry: AccountStateDoc[K][number]) => ctx.retry(() => ctx.states.addPause(doc.customerId, doc.orgId, kind, entry, now));
    if (s.kind === 'promise') await add('promises', { id: pauseId, madeAt: now, promisedDate: s.date, status: 'open' });
    if (s.kind === 'paymentPlan') {
      const currency = mainCurrency(doc.snapshot).currency;
      await add('paymentPlans', { id: pauseId, createdAt: now, status: 'active', instalments: s.instalments.map((i) => ({ dueDate: i.dueDate, currency, amountMinor: i.amountMinor, paidMinor: 0 })) });
    }
    if (s.kind === 'dispute') await add('disputes', { id: pauseId, invoiceIds: s.invoiceIds, openedAt: now });
    if (s.kind === 'snooze') await add('snoozes', { id: pauseId, by: actor.id, createdAt: now, until: s.until });
  }
  const { line, audit } = summary(s, doc.snapshot, who);
  await ctx.audit({ ...audit, orgId: doc.orgId, accountId: doc.customerId, actor, at: now, details: { ...audit.details, taskId: doc._id, ...(pauseId !== null ? { pauseId } : {}) } });
  // A logged call leaves the nudge open (a promise may follow); the rest settle it.
  // Once recorded, the bookkeeping and the message update go together.
  const settles = s.kind !== 'logCall';
  const msg = nudgeMessage(doc.snapshot, [...doc.log, line], !settles);
  await Promise.all([
    settles ? ctx.retry(() => ctx.tasks.updateOne({ _id: doc._id }, { $set: { status: 'done' } })).then(() => ctx.messages.resolve(doc._id, line, now)) : ctx.messages.addLog(doc._id, line),
    doc.ephemeral ? ctx.tell(meta.channel, userId, line) : ctx.client.chat.update({ channel: meta.channel, ts: meta.ts, text: msg.text, blocks: msg.blocks }),
  ]);
  await ctx.replanAfter(doc.customerId, now);
}

/**
 * Hand a nudge to the account's collector: a fresh DM with the buttons, the
 * original message updated (buttons removed, `line` added), the task's assignee
 * changed and the hand-over audited. False when there is no collector in Slack.
 */
async function handToCollector(ctx: SlackContext, doc: NudgeDoc, from: { channel: string; ts: string; userId: string | null }, line: (to: string) => string, actor: AuditActor, action: string): Promise<boolean> {
  const now = ctx.now();
  const [customer, org] = await Promise.all([ctx.store.customers.get(doc.customerId), ctx.store.organisations.get(doc.orgId)]);
  const collectorEmail = customer ? collectorEmailOf(customer, org) : undefined;
  const collector = collectorEmail ? await slackUserByEmail(ctx.client, collectorEmail) : null;
  if (!collector || !collectorEmail || collector.id === from.userId) return false;
  const collectorPerson = await ctx.people.byEmail(doc.orgId, collectorEmail);
  const name = collectorPerson?.name ?? collector.name;
  const snapshot: NudgeSnapshot = { ...doc.snapshot, rep: { name, email: collectorEmail }, script: doc.snapshot.script.replace(doc.snapshot.rep.name, name) };
  const channel = await openDm(ctx.client, collector.id);
  const fresh = nudgeMessage(snapshot);
  const r = await ctx.post({ channel, text: fresh.text, blocks: fresh.blocks });
  await ctx.messages.record({ ...doc, log: [], snapshot, posts: [...doc.posts, { channel: r.channel ?? channel, ts: String(r.ts), user: collector.id }] });
  await ctx.tasks.updateOne({ _id: doc._id }, { $set: { assignee: { role: 'collector', id: collectorEmail, name } } });
  const old = nudgeMessage(doc.snapshot, [...doc.log, line(name)], false);
  await ctx.client.chat.update({ channel: from.channel, ts: from.ts, text: old.text, blocks: old.blocks });
  await ctx.audit({
    orgId: doc.orgId, accountId: doc.customerId, actor, channel: 'slack', action, invoiceIds: doc.snapshot.invoices.map((i) => i.id),
    outcome: `nudge handed from ${doc.snapshot.rep.name} to ${name}`, details: { taskId: doc._id, to: collectorEmail }, at: now,
  });
  return true;
}

/** "Not my account": the collector gets the nudge; the rep's message says so. */
export async function notMyAccount(ctx: SlackContext, c: Click): Promise<void> {
  const doc = await nudgeOf(ctx, c.taskId);
  if (!doc || doc.resolvedAt) return ctx.tell(c.channel, c.userId, 'Already handled.');
  // Handing a nudge on is for whoever may act on it (its rep, a collector…), never an unknown user.
  const person = await authorizeOrTell(ctx, doc.orgId, { channel: c.channel, userId: c.userId }, 'logCall', { customerId: doc.customerId });
  if (!person) return;
  const actor = ctx.actorFor(person, c.userId);
  const who = person.name;
  const done = await handToCollector(ctx, doc, { channel: c.channel, ts: c.ts, userId: c.userId }, (to) => `:arrow_right: *${esc(who)}* says this is not their account; handed to ${esc(to)}.`, actor, 'slack.reassigned');
  if (!done) await ctx.tell(c.channel, c.userId, 'There is no collector in Slack to hand this account to: please tell the accounts team.');
}

/**
 * The rep's window: a nudge still unanswered (delivered, still the rep's) after
 * `windowMs` goes to the collector. Once per task (a claim).
 */
export async function escalateUnanswered(ctx: SlackContext, windowMs: number): Promise<number> {
  const now = ctx.now();
  const stale = await ctx.tasks.find({ kind: 'slack-nudge', status: 'delivered', 'assignee.role': 'salesRep' }).limit(500).toArray();
  let moved = 0;
  for (const task of stale) {
    const doc = await nudgeOf(ctx, task._id);
    const first = doc?.posts[0];
    if (!doc || !first || doc.resolvedAt || doc.createdAt.getTime() > now.getTime() - windowMs) continue;
    const svc = await ctx.forOrg(task.orgId);
    if (!svc || !(await ctx.store.claims.take(`slack:takeover:${task._id}`, 'slack', now))) continue;
    const hours = Math.round(windowMs / 3_600_000);
    const ok = await handToCollector(svc, doc, { channel: first.channel, ts: first.ts, userId: first.user }, (to) => `:hourglass: No answer within ${hours} hours: handed to ${esc(to)}.`, { kind: 'system', id: 'slack', name: 'Overdue Slack app' }, 'slack.escalated_to_collector');
    if (ok) moved += 1;
  }
  return moved;
}

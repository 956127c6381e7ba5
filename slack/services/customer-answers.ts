// A customer's answer from their page (app/customer-page, docs/customer-page.md), recorded by the rules a
// person's answer in Slack follows:
// - *I'll pay on…*: the promise pause entry and the `promise.recorded` audit action a *Record promise* records
//   (nudge-actions.ts submitNudge, replies.ts submitReplyDecision: `states.addPause(…, 'promises', …)`);
// - *I dispute this invoice*: the dispute pause entry and `dispute.recorded`, as *Record dispute*;
// - *I've already paid*: a claim, not a fact: stored as the customer's reply, so the policy's reply pause holds
//   the ladder (replyPauseDays, as for an emailed reply) and the collector's card offers *They say they paid*,
//   which reads the ledger (replies.ts checkReplyPaid); audited as `payment.claimed`.
// Every answer is stored as a reply (the customer's own words, on the timeline: `replies`, id `page:<hash of the
// answer and its UTC day>`: the same answer sent twice the same day is recorded once),
// sets the account's last reply (the reply pause), is audited with the customer as the actor (channel `web`,
// details.via `customer-page`), re-plans the account, and is posted to the collector in Slack as a reply card
// through the reply cards' own path (postReplyToCollector: once per reply, the per-channel post queue). A promise
// or dispute is already recorded, so its card is settled at once with the line saying so (no button records it twice).
// The parsing happens before this (app/customer-page/forms.ts, with the parsers of src/domain/human-input.ts).
import { createHash } from 'node:crypto';
import { formatMoney, money } from '../../src/domain/money.js';
import { inboundStore, type ReplyDoc } from '../../src/inbound/store.js';
import type { Logger } from '../../src/logger.js';
import { accountStates } from '../../src/planning/state.js';
import type { Store } from '../../src/store/store.js';
import { appendAuditOnce, retryTransient } from '../../src/store/transient.js';
import type { AuditActor, CustomerDoc } from '../../src/store/types.js';
import { esc } from '../blocks/kit.js';
import { replyMessage } from '../blocks/reply.js';
import type { SlackContext } from './context.js';
import { postReplyToCollector, replyCardId } from './replies.js';

export type CustomerAnswer =
  | { kind: 'promise'; date: string; amountMinor: number; currency: string; invoiceIds: string[] }
  | { kind: 'dispute'; invoiceIds: string[]; invoiceNumbers: string[]; reason: string }
  | { kind: 'paid'; date: string; amountMinor: number; currency: string; reference: string | undefined; invoiceIds: string[] };

export interface CustomerAnswerDeps {
  store: Store;
  logger: Logger;
  /** Plan the account again (the Slack services' replanAfter, else the planner). */
  replan: (customerId: string, now: Date) => Promise<unknown>;
  /** The Slack app's services (null: Slack not configured; the answer is recorded, nobody is posted to). */
  slack: SlackContext | null;
}

export interface RecordedAnswer {
  replyId: string;
  pauseId: string | null;
  /** Whether the collector's card was posted now. */
  notified: boolean;
  /** The same answer was recorded before today (nothing written again). */
  repeated: boolean;
}

/** The audit actor of a customer answering on their page. */
export function customerPageActor(customer: Pick<CustomerDoc, '_id' | 'displayName'>): AuditActor {
  return { kind: 'customer', id: `customer-page:${customer._id}`, name: `${customer.displayName} (customer page)` };
}

/** What the answer says, as the reply's subject and text (what the collector reads on the card). */
export function answerWords(a: CustomerAnswer): { subject: string; text: string } {
  switch (a.kind) {
    case 'promise': {
      const amount = formatMoney(money(a.amountMinor, a.currency));
      return { subject: `Customer page: I'll pay on ${a.date}`, text: `I'll pay ${amount} on ${a.date}.` };
    }
    case 'dispute':
      return { subject: `Customer page: I dispute ${a.invoiceNumbers.join(', ')}`, text: `I dispute invoice ${a.invoiceNumbers.join(', ')}: ${a.reason}` };
    case 'paid': {
      const amount = formatMoney(money(a.amountMinor, a.currency));
      return { subject: `Customer page: I've already paid`, text: `I've already paid ${amount} on ${a.date}${a.reference ? `, reference ${a.reference}` : ''}.` };
    }
  }
}

/** Record one answer (see the file's head). */
export async function recordCustomerAnswer(deps: CustomerAnswerDeps, customer: CustomerDoc, a: CustomerAnswer, now: Date): Promise<RecordedAnswer> {
  const { store } = deps;
  const orgId = customer.orgId;
  const states = accountStates(store.db);
  const retry = <T>(op: () => Promise<T>) => retryTransient(op);
  const actor = customerPageActor(customer);
  // The same answer (the same fields) on the same UTC day is one answer: a double press of *Send*, or a resend,
  // records it once. Its ids are derived from it, so each write below is idempotent, and the reply's insert
  // (unique by id) decides which of two requests records it.
  const answerKey = createHash('sha256').update(JSON.stringify([customer._id, now.toISOString().slice(0, 10), a])).digest('hex').slice(0, 32);
  const pauseId = a.kind === 'paid' ? null : `${a.kind}:page-${answerKey}`;
  // The pause entry first (the plan that follows must see it): the same entries Slack's forms add.
  if (a.kind === 'promise' && pauseId) await retry(() => states.addPause(customer._id, orgId, 'promises', { id: pauseId, madeAt: now, promisedDate: a.date, status: 'open' }, now));
  if (a.kind === 'dispute' && pauseId) await retry(() => states.addPause(customer._id, orgId, 'disputes', { id: pauseId, invoiceIds: a.invoiceIds, openedAt: now }, now));

  // The customer's words, stored as their reply: on the timeline, and the reply pause (policy replyPauseDays).
  const replyId = `page:${answerKey}`;
  const words = answerWords(a);
  const reply: ReplyDoc = {
    _id: replyId, orgId, customerId: customer._id, receivedAt: now, from: `${customer.displayName} (customer page)`, subject: words.subject, text: words.text,
    attachments: [], status: a.kind === 'paid' ? 'open' : a.kind, inboundMailId: replyId,
  };
  const created = await retry(() => inboundStore(store.db).replies.insert(reply));
  if (!created) return { replyId, pauseId, notified: false, repeated: true };
  await retry(() => states.recordReply(customer._id, orgId, now, now));

  const via = { via: 'customer-page', replyId, ...(pauseId ? { pauseId } : {}) };
  if (a.kind === 'promise') {
    const amount = formatMoney(money(a.amountMinor, a.currency));
    await appendAuditOnce(store, {
      orgId, accountId: customer._id, actor, channel: 'web', action: 'promise.recorded', invoiceIds: a.invoiceIds,
      outcome: `promise to pay ${amount} by ${a.date} (the customer, on their page)`, details: { date: a.date, amountMinor: a.amountMinor, currency: a.currency, ...via }, at: now,
    });
  } else if (a.kind === 'dispute') {
    await appendAuditOnce(store, {
      orgId, accountId: customer._id, actor, channel: 'web', action: 'dispute.recorded', invoiceIds: a.invoiceIds,
      outcome: `dispute: ${a.reason} (the customer, on their page)`, details: { reason: a.reason, ...via }, at: now,
    });
  } else {
    const amount = formatMoney(money(a.amountMinor, a.currency));
    await appendAuditOnce(store, {
      orgId, accountId: customer._id, actor, channel: 'web', action: 'payment.claimed', invoiceIds: a.invoiceIds,
      outcome: `the customer says they paid ${amount} on ${a.date}${a.reference ? ` (reference ${a.reference})` : ''}; the ladder pauses for the reply pause while the collector checks the ledger`,
      details: { date: a.date, amountMinor: a.amountMinor, currency: a.currency, reference: a.reference ?? null, ...via }, at: now,
    });
  }
  try {
    await deps.replan(customer._id, now);
  } catch (err) {
    deps.logger.warn({ err, customerId: customer._id }, 're-plan after a customer page answer failed; the plan-due job will catch up');
  }
  const notified = await tellCollector(deps, customer, reply, a, now);
  return { replyId, pauseId, notified, repeated: false };
}

/** The reply card for the collector; a promise or dispute card settled at once with the line of what was recorded. */
async function tellCollector(deps: CustomerAnswerDeps, customer: CustomerDoc, reply: ReplyDoc, a: CustomerAnswer, now: Date): Promise<boolean> {
  if (!deps.slack) {
    deps.logger.info({ replyId: reply._id }, 'a customer answered on their page; Slack is not configured, the answer is on the timeline only');
    return false;
  }
  try {
    const ctx = await deps.slack.forOrg(customer.orgId);
    if (!ctx) throw new Error(`Slack is not installed for organisation ${customer.orgId}`);
    const posts = await postReplyToCollector(ctx, { orgId: reply.orgId, customerId: reply.customerId, replyId: reply._id, from: reply.from, receivedAt: reply.receivedAt, subject: reply.subject, text: reply.text, attachments: [] });
    if (!posts) return false;
    if (a.kind === 'paid') return true;
    const line = a.kind === 'promise'
      ? `:handshake: *${esc(customer.displayName)}* promised on their customer page to pay ${formatMoney(money(a.amountMinor, a.currency))} by ${a.date}. Recorded; reminders pause until then.`
      : `:warning: *${esc(customer.displayName)}* disputed ${a.invoiceNumbers.map(esc).join(', ')} on their customer page: ${esc(a.reason)}. Recorded; reminders on it pause.`;
    const card = await ctx.messages.get(replyCardId(reply._id));
    if (card && card.kind === 'reply') {
      const msg = replyMessage(card.snapshot, [line], false);
      for (const p of posts) await ctx.client.chat.update({ channel: p.channel, ts: p.ts, text: msg.text, blocks: msg.blocks });
      await ctx.messages.resolve(card._id, line, now);
    }
    return true;
  } catch (err) {
    deps.logger.warn({ replyId: reply._id, err: err instanceof Error ? err.message : String(err) }, 'a customer answered on their page; the collector could not be shown it in Slack: the answer is on the timeline only');
    return false;
  }
}

// A customer's reply, for the account's collector: a card in Slack (slack/blocks/reply.ts) posted once through
// the per-channel post queue, the way the collector's other alerts go (notices.ts collectorOf, post-once.ts),
// with the suggested button (src/inbound/suggest.ts) highlighted. Its buttons:
// - *Record promise* / *Record dispute* open the nudge's own promise and dispute modals (prefilled with the
//   suggested date, the invoices the reply names and its words), checked by the same parsers
//   (payloads.ts promiseForm / disputeForm, src/domain/human-input.ts), and record the same pause entries and
//   audit actions (promise.recorded, dispute.recorded) as a rep's nudge;
// - *They say they paid* reads the account's open invoices again from the ledger (the dispatcher's live balance,
//   src/outbox/live-balance.ts) and shows on the card what it found: invoices paid or reduced, the payments and
//   credits since the last reminder, and the open balance now;
// - *Not about this* lifts the reply pause (AccountStates.liftReplyPause) and marks the reply unrelated.
// Each is authorised by the one table (src/domain/authorization.ts: promise, dispute; the paid check as
// logCall; "not about this" as snooze, since both change whether the ladder is paused), audited, and settles
// once: promise, dispute and "not about this" share one claim per reply; a double click on the paid check finds
// the check under way.
import { randomUUID } from 'node:crypto';
import type { InputBlock } from '@slack/types';
import { addDays, formatZoned, localDate } from '../../src/domain/calendar.js';
import { formatMoney, formatTotals, money } from '../../src/domain/money.js';
import { freshText, suggestReplyAction } from '../../src/inbound/suggest.js';
import { overriddenFields } from '../../src/planning/overrides.js';
import type { ReplyDoc, ReplyStatus } from '../../src/store/replies.js';
import { collections } from '../../src/store/store.js';
import type { AuditEntryDoc, CustomerDoc, InvoiceDoc, PaymentDoc } from '../../src/store/types.js';
import type { Action } from '../../src/domain/authorization.js';
import { esc, type ModalView } from '../blocks/kit.js';
import { disputeModal, promiseModal } from '../blocks/modals.js';
import { REPLY_EXCERPT_CHARS, replyMessage, type ReplySnapshot } from '../blocks/reply.js';
import { inputIds, viewIds } from '../ids.js';
import { authorizeOrTell } from './authorize.js';
import { openDm, type SlackContext } from './context.js';
import type { PostedMessage, SlackMessageDoc } from './messages.js';
import { collectorOf } from './notices.js';
import type { PersonDoc } from './people.js';
import { postTaskOnce } from './post-once.js';

export type { RepliesReader } from '../../src/store/replies.js';

/** What the inbound mail path hands to Slack for a person's reply: one definition, src/inbound/process.ts. */
export type { ReplyForCollector } from '../../src/inbound/process.js';
import type { ReplyForCollector } from '../../src/inbound/process.js';

const SYSTEM = { kind: 'system' as const, id: 'slack', name: 'Overdue Slack app' };

/** The card's message record: `reply:<replyId>` in slack_messages. */
export const replyCardId = (replyId: string): string => `reply:${replyId}`;
const settledClaim = (replyId: string): string => `reply:${replyId}:settled`;
const paidCheckClaim = (replyId: string): string => `reply:${replyId}:paid-check`;

type ReplyCard = SlackMessageDoc & { kind: 'reply' };

async function cardOf(ctx: SlackContext, replyId: string): Promise<ReplyCard | null> {
  const doc = await ctx.messages.get(replyCardId(replyId));
  return doc && doc.kind === 'reply' ? doc : null;
}

/** The customer's zone (their override, else the ledger's, else the organisation's). */
async function zoneOf(ctx: SlackContext, customer: CustomerDoc): Promise<string> {
  const [org, state] = await Promise.all([ctx.store.organisations.get(customer.orgId), ctx.states.get(customer._id)]);
  return overriddenFields(customer, state, org?.timeZone ?? 'UTC').timeZone ?? org?.timeZone ?? 'UTC';
}

const openInvoicesOf = (ctx: SlackContext, c: CustomerDoc): Promise<InvoiceDoc[]> => ctx.store.invoices.listOpenForCustomer(c.provider, c.companyId, c.externalId);

/** The card's content: the customer's own words (quoted history hidden), trimmed, and the suggestion. */
export function replySnapshot(reply: ReplyForCollector, accountName: string, timeZone: string, openInvoiceNumbers: string[]): ReplySnapshot {
  const whole = reply.text.replace(/\r\n?/g, '\n').trim();
  const own = freshText(whole).replace(/\n{3,}/g, '\n\n').trim();
  const chars = [...own];
  const suggestion = suggestReplyAction(
    { subject: reply.subject, text: reply.text, attachments: reply.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType })) },
    { now: reply.receivedAt, timeZone, openInvoiceNumbers },
  );
  return {
    replyId: reply.replyId,
    customerId: reply.customerId,
    accountName,
    from: reply.from.slice(0, 300),
    receivedAt: `${formatZoned(reply.receivedAt.getTime(), timeZone).slice(0, 16).replace('T', ' ')} (${timeZone})`,
    subject: reply.subject.slice(0, 300),
    excerpt: chars.slice(0, REPLY_EXCERPT_CHARS).join(''),
    quotedHidden: own.length < whole.replace(/\n{3,}/g, '\n\n').length,
    cutChars: Math.max(0, chars.length - REPLY_EXCERPT_CHARS),
    attachments: reply.attachments.slice(0, 50).map((a) => ({ filename: a.filename.slice(0, 200), contentType: a.contentType.slice(0, 100), size: a.size })),
    suggestion,
  };
}

/**
 * Post a customer's reply to the account's collector (a DM), once per reply (a later call returns null).
 * Throws when the account, the workspace or a collector in Slack is missing, so the caller can retry.
 */
export async function postReplyToCollector(services: SlackContext, reply: ReplyForCollector): Promise<PostedMessage[] | null> {
  const customer = await services.store.customers.get(reply.customerId);
  if (!customer || customer.orgId !== reply.orgId) throw new Error(`reply ${reply.replyId}: no account ${reply.customerId} in organisation ${reply.orgId}`);
  const ctx = await services.forOrg(reply.orgId);
  if (!ctx) throw new Error(`reply ${reply.replyId}: Slack is not installed for organisation ${reply.orgId}`);
  const to = await collectorOf(ctx, customer);
  if (!to) throw new Error(`reply ${reply.replyId}: no collector of ${customer.displayName} in Slack`);
  const [tz, open] = await Promise.all([zoneOf(ctx, customer), openInvoicesOf(ctx, customer)]);
  const snapshot = replySnapshot(reply, customer.displayName, tz, open.map((i) => i.number));
  const now = ctx.now();
  return postTaskOnce(ctx, { _id: replyCardId(reply.replyId), orgId: reply.orgId, customerId: reply.customerId }, { kind: 'reply', snapshot }, replyMessage(snapshot), async () => [{ channel: await openDm(ctx.client, to.id), user: to.id }], now, async () => {
    await ctx.audit({
      orgId: reply.orgId, accountId: reply.customerId, actor: SYSTEM, channel: 'slack', action: 'slack.reply_delivered', invoiceIds: [],
      outcome: `showed ${to.email} the reply from ${reply.from}; suggested: ${snapshot.suggestion.kind}`,
      details: { replyId: reply.replyId, to: to.email, suggestion: snapshot.suggestion.kind, suggestedDate: snapshot.suggestion.date ?? null }, at: now,
    });
  });
}

export interface ReplyClick {
  replyId: string;
  userId: string;
  triggerId: string;
  channel: string;
  ts: string;
}

/** The card, its stored reply and the person allowed to act; null after telling the person why not. */
async function prepare(ctx: SlackContext, c: { replyId: string; userId: string; channel: string }, action: Action, settles: boolean): Promise<{ card: ReplyCard; reply: ReplyDoc; person: PersonDoc } | null> {
  const card = await cardOf(ctx, c.replyId);
  const reply = card ? await ctx.replies.get(card.orgId, c.replyId) : null;
  if (!card || !reply) {
    await ctx.tell(c.channel, c.userId, 'This reply is no longer known to Overdue.');
    return null;
  }
  const person = await authorizeOrTell(ctx, card.orgId, { channel: c.channel, userId: c.userId }, action, { customerId: card.customerId });
  if (!person) return null;
  if (settles && card.resolvedAt) {
    await ctx.tell(c.channel, c.userId, `Already handled: ${card.resolution ?? ''}`);
    return null;
  }
  return { card, reply, person };
}

/** What the reply's forms are checked against: the account's open balance in its main currency, and today in its zone. */
async function replyLimits(ctx: SlackContext, card: ReplyCard): Promise<{ customer: CustomerDoc; invoices: InvoiceDoc[]; currency: string; owedMinor: number; today: string; horizonDays: number } | null> {
  const customer = await ctx.store.customers.get(card.customerId);
  if (!customer) return null;
  const [invoices, tz, policy] = await Promise.all([openInvoicesOf(ctx, customer), zoneOf(ctx, customer), ctx.policies.forOrg(card.orgId)]);
  const totals = new Map<string, number>();
  for (const i of invoices) totals.set(i.currency, (totals.get(i.currency) ?? 0) + i.balanceMinor);
  const [currency, owedMinor] = [...totals.entries()].sort((a, b) => b[1] - a[1])[0] ?? [customer.currency ?? 'USD', 0];
  return { customer, invoices, currency, owedMinor, today: localDate(ctx.now(), tz), horizonDays: policy.policy.limits.inputHorizonDays };
}

/** *Record promise* / *Record dispute*: the nudge's modal, prefilled from the reply, under the reply's own callback id. */
export async function openReplyModal(ctx: SlackContext, kind: 'promise' | 'dispute', c: ReplyClick): Promise<void> {
  const ready = await prepare(ctx, c, kind, true);
  if (!ready) return;
  const limits = await replyLimits(ctx, ready.card);
  if (!limits || limits.invoices.length === 0) return ctx.tell(c.channel, c.userId, 'Nothing is open on this account now: there is nothing to record a promise or a dispute on.');
  const s = ready.card.snapshot;
  const meta = { id: c.replyId, channel: c.channel, ts: c.ts };
  let view: ModalView;
  if (kind === 'promise') {
    const suggested = s.suggestion.kind === 'promise' ? s.suggestion.date : undefined;
    const latest = addDays(limits.today, limits.horizonDays);
    const initial = suggested !== undefined && suggested >= limits.today && suggested <= latest ? suggested : addDays(limits.today, 7);
    view = { ...promiseModal(s.accountName, meta, limits.currency, limits.owedMinor, initial), callback_id: viewIds.replyPromise };
  } else {
    const named = new Set(s.suggestion.invoiceNumbers);
    const base = disputeModal(s.accountName, meta, limits.invoices.map((i) => ({ id: i._id, number: i.number, currency: i.currency, balanceMinor: i.balanceMinor })));
    const reason = `Customer's reply: ${s.excerpt.replace(/\s+/g, ' ').trim()}`;
    const initialReason = [...reason].length > 480 ? `${[...reason].slice(0, 479).join('')}…` : reason;
    view = {
      ...base,
      callback_id: viewIds.replyDispute,
      blocks: base.blocks.map((block) => {
        if (block.type !== 'input') return block;
        const b = block as InputBlock;
        if (b.block_id === inputIds.disputeInvoices.block && b.element.type === 'checkboxes') {
          const picked = b.element.options.filter((o) => limits.invoices.some((i) => i._id === o.value && named.has(i.number)));
          return picked.length > 0 ? { ...b, element: { ...b.element, initial_options: picked } } : b;
        }
        if (b.block_id === inputIds.reason.block && b.element.type === 'plain_text_input') return { ...b, element: { ...b.element, initial_value: initialReason } };
        return b;
      }),
    };
  }
  await ctx.client.views.open({ trigger_id: c.triggerId, view });
}

/** The limits the promise modal's answer is checked against (null: the reply or its account is gone). */
export async function replyPromiseLimits(ctx: SlackContext, replyId: string): Promise<{ currency: string; owedMinor: number; today: string; horizonDays: number } | null> {
  const card = await cardOf(ctx, replyId);
  return card ? replyLimits(ctx, card) : null;
}

export type ReplyDecision = { kind: 'promise'; date: string; amountMinor: number } | { kind: 'dispute'; invoiceIds: string[]; reason: string };

/** The card after a decision: the line added, the buttons gone; the reply's status, the message record. */
async function settle(ctx: SlackContext, card: ReplyCard, where: { channel: string; ts: string }, line: string, status: ReplyStatus, by: string, now: Date): Promise<void> {
  const msg = replyMessage(card.snapshot, [...card.log, line], false);
  await Promise.all([
    ctx.retry(() => ctx.replies.setStatus(card.orgId, card.snapshot.replyId, status, by, now)),
    ctx.messages.resolve(card._id, line, now),
    ctx.client.chat.update({ channel: where.channel, ts: where.ts, text: msg.text, blocks: msg.blocks }),
  ]);
}

/** A promise or dispute modal opened from a reply card, submitted and valid: recorded once, audited, the card updated, the account re-planned. */
export async function submitReplyDecision(ctx: SlackContext, d: ReplyDecision, meta: { id: string; channel: string; ts: string }, userId: string): Promise<void> {
  const ready = await prepare(ctx, { replyId: meta.id, userId, channel: meta.channel }, d.kind, true);
  if (!ready) return;
  const { card, reply, person } = ready;
  const now = ctx.now();
  const actor = ctx.actorFor(person, userId);
  if (!(await ctx.store.claims.take(settledClaim(reply._id), actor.id, now))) return ctx.tell(meta.channel, userId, 'Already handled: someone recorded what this reply says a moment ago.');
  const pauseId = `${d.kind}:${randomUUID()}`;
  const received = card.snapshot.receivedAt;
  let line: string;
  if (d.kind === 'promise') {
    const limits = await replyLimits(ctx, card);
    const currency = limits?.currency ?? 'USD';
    const amount = formatMoney(money(d.amountMinor, currency));
    await ctx.retry(() => ctx.states.addPause(card.customerId, card.orgId, 'promises', { id: pauseId, madeAt: now, promisedDate: d.date, status: 'open' }, now));
    await ctx.audit({
      orgId: card.orgId, accountId: card.customerId, actor, channel: 'slack', action: 'promise.recorded', invoiceIds: (limits?.invoices ?? []).map((i) => i._id),
      outcome: `promise to pay ${amount} by ${d.date} (the customer's reply of ${received})`,
      details: { date: d.date, amountMinor: d.amountMinor, currency, replyId: reply._id, pauseId, suggested: card.snapshot.suggestion.kind }, at: now,
    });
    line = `:handshake: *${esc(person.name)}* recorded a promise to pay ${amount} by ${d.date}. Reminders pause until then.`;
  } else {
    await ctx.retry(() => ctx.states.addPause(card.customerId, card.orgId, 'disputes', { id: pauseId, invoiceIds: d.invoiceIds, openedAt: now }, now));
    await ctx.audit({
      orgId: card.orgId, accountId: card.customerId, actor, channel: 'slack', action: 'dispute.recorded', invoiceIds: d.invoiceIds,
      outcome: `dispute: ${d.reason}`, details: { reason: d.reason, replyId: reply._id, pauseId, suggested: card.snapshot.suggestion.kind }, at: now,
    });
    line = `:warning: *${esc(person.name)}* recorded a dispute on ${d.invoiceIds.length} invoice(s): ${esc(d.reason)}`;
  }
  await settle(ctx, card, meta, line, d.kind, actor.id, now);
  await ctx.replanAfter(card.customerId, now);
}

/** *Not about this*: the reply pause lifted (unless a later reply holds it), the reply marked unrelated, audited, the account re-planned. */
export async function markReplyUnrelated(ctx: SlackContext, c: ReplyClick): Promise<void> {
  const ready = await prepare(ctx, c, 'snooze', true);
  if (!ready) return;
  const { card, reply, person } = ready;
  const now = ctx.now();
  const actor = ctx.actorFor(person, c.userId);
  if (!(await ctx.store.claims.take(settledClaim(reply._id), actor.id, now))) return ctx.tell(c.channel, c.userId, 'Already handled: someone recorded what this reply says a moment ago.');
  const lifted = await ctx.retry(() => ctx.states.liftReplyPause(card.customerId, card.orgId, reply.receivedAt, now));
  const effect = lifted ? 'the reply pause is lifted and the ladder goes on' : 'a later reply still pauses the ladder';
  await ctx.audit({
    orgId: card.orgId, accountId: card.customerId, actor, channel: 'slack', action: 'reply.unrelated', invoiceIds: [],
    outcome: `the reply from ${reply.from} of ${card.snapshot.receivedAt} is not about this account: ${effect}`,
    details: { replyId: reply._id, pauseLifted: lifted, receivedAt: reply.receivedAt.toISOString() }, at: now,
  });
  const line = `:heavy_minus_sign: *${esc(person.name)}* says this reply is not about the account: ${effect}.`;
  await settle(ctx, card, c, line, 'unrelated', actor.id, now);
  await ctx.replanAfter(card.customerId, now);
}

/** What *They say they paid* found in the ledger. */
export interface LedgerFinding {
  /** Whether the ledger itself was read (false: no live read configured, or it failed: the last sync's copy). */
  live: boolean;
  error?: string;
  /** The last reminder before the reply (YYYY-MM-DD), or null: none, the 30 days before the reply are searched. */
  reminderOn: string | null;
  since: string;
  changed: { number: string; currency: string; beforeMinor: number; afterMinor: number; status: string }[];
  payments: { date: string; currency: string; amountMinor: number; kind: 'payment' | 'credit' }[];
  openTotals: Record<string, number>;
}

const LIVE_READ_LIMIT = 25;

/** Read the account's open invoices again from the ledger and list what changed, the payments and credits since the last reminder, and what is open now. */
export async function checkLedger(ctx: SlackContext, customer: CustomerDoc, reply: ReplyDoc, timeZone: string): Promise<LedgerFinding> {
  const reminder = await ctx.store.db
    .collection<AuditEntryDoc>(collections.audit)
    .find({ accountId: customer._id, action: 'outbox.sent', at: { $lte: reply.receivedAt } })
    .sort({ seq: -1 })
    .limit(1)
    .next();
  const reminderOn = reminder ? localDate(reminder.at, timeZone) : null;
  const since = reminderOn ?? localDate(reply.receivedAt.getTime() - 30 * 86_400_000, timeZone);
  const before = await openInvoicesOf(ctx, customer);
  const changed: LedgerFinding['changed'] = [];
  let live = ctx.liveBalance !== undefined && before.length > 0;
  let error: string | undefined;
  if (ctx.liveBalance) {
    for (const inv of before.slice(0, LIVE_READ_LIMIT)) {
      try {
        const got = await ctx.liveBalance(inv);
        if (got === null) {
          live = false;
          continue;
        }
        if (got.balanceMinor !== inv.balanceMinor || got.status !== 'open') {
          changed.push({ number: inv.number, currency: inv.currency, beforeMinor: inv.balanceMinor, afterMinor: got.status === 'open' ? got.balanceMinor : 0, status: got.status });
        }
      } catch (err) {
        live = false;
        error = err instanceof Error ? err.message : String(err);
        break;
      }
    }
  }
  const [after, payments] = await Promise.all([openInvoicesOf(ctx, customer), ctx.store.payments.listForCustomer(customer.provider, customer.companyId, customer.externalId)]);
  const openTotals: Record<string, number> = {};
  for (const i of after) openTotals[i.currency] = (openTotals[i.currency] ?? 0) + i.balanceMinor;
  const isCredit = (p: PaymentDoc) => /^(CreditMemo|CreditNote):/.test(p.externalId);
  return {
    live, ...(error !== undefined ? { error } : {}), reminderOn, since, changed,
    payments: payments.filter((p) => p.date >= since).map((p) => ({ date: p.date, currency: p.currency, amountMinor: p.amountMinor, kind: isCredit(p) ? 'credit' : 'payment' })),
    openTotals,
  };
}

/** The finding as the card's line. */
export function findingLine(f: LedgerFinding, who: string, provider: string): string {
  const source = f.live ? `${provider === 'xero' ? 'Xero' : 'QuickBooks'}, read just now` : f.error ? `the ledger could not be read (${f.error.slice(0, 200)}); the last sync's copy` : "the last sync's copy (no live read configured)";
  const changes = f.changed.map((c) =>
    c.status === 'open'
      ? `${c.number}: ${formatMoney(money(c.beforeMinor, c.currency))} → ${formatMoney(money(c.afterMinor, c.currency))}`
      : `${c.number}: ${c.status === 'paid' ? 'paid in full' : c.status} (was ${formatMoney(money(c.beforeMinor, c.currency))})`,
  );
  const paid = f.payments.map((p) => `${p.kind === 'credit' ? 'credit' : 'payment'} of ${formatMoney(money(p.amountMinor, p.currency))} on ${p.date}`);
  const since = f.reminderOn ? `since the reminder of ${f.reminderOn}` : `since ${f.since}`;
  const open = Object.keys(f.openTotals).length === 0 ? 'nothing is open now' : `open balance now ${formatTotals(f.openTotals)}`;
  const found = changes.length === 0 && paid.length === 0 ? `no payment or credit found ${since}` : [changes.length > 0 ? `changed: ${changes.join('; ')}` : null, paid.length > 0 ? `payments and credits ${since}: ${paid.join('; ')}` : `no payment or credit recorded ${since}`].filter((x): x is string => x !== null).join('. ');
  return `:mag: *${esc(who)}* checked the ledger (${esc(source)}): ${esc(found)}; ${esc(open)}.`;
}

/** *They say they paid*: the ledger read live, what it found shown on the card and audited. A double click finds the check under way. */
export async function checkReplyPaid(ctx: SlackContext, c: ReplyClick): Promise<void> {
  const ready = await prepare(ctx, c, 'logCall', false);
  if (!ready) return;
  const { card, reply, person } = ready;
  const customer = await ctx.store.customers.get(card.customerId);
  if (!customer) return ctx.tell(c.channel, c.userId, 'This account is no longer known to Overdue.');
  const owner = randomUUID();
  const key = paidCheckClaim(reply._id);
  if (!(await ctx.store.claims.take(key, owner, ctx.now()))) return ctx.tell(c.channel, c.userId, 'Overdue is checking the ledger for this reply already: the card shows what it finds in a moment.');
  try {
    const now = ctx.now();
    const actor = ctx.actorFor(person, c.userId);
    const finding = await checkLedger(ctx, customer, reply, await zoneOf(ctx, customer));
    const line = findingLine(finding, person.name, customer.provider);
    await ctx.audit({
      orgId: card.orgId, accountId: card.customerId, actor, channel: 'slack', action: 'reply.paid_checked', invoiceIds: [],
      outcome: `the customer says they paid; the ledger ${finding.live ? 'read live' : 'copy'} shows ${finding.changed.length} invoice(s) changed, ${finding.payments.length} payment(s)/credit(s) since ${finding.since}, open ${formatTotals(finding.openTotals)}`,
      details: { replyId: reply._id, live: finding.live, error: finding.error ?? null, changed: finding.changed, payments: finding.payments, openTotals: finding.openTotals }, at: now,
    });
    if (reply.status === 'open') await ctx.retry(() => ctx.replies.setStatus(card.orgId, reply._id, 'paid', actor.id, now));
    const fresh = (await cardOf(ctx, reply._id)) ?? card;
    await ctx.messages.addLog(card._id, line);
    const msg = replyMessage(fresh.snapshot, [...fresh.log, line], !fresh.resolvedAt);
    await ctx.client.chat.update({ channel: c.channel, ts: c.ts, text: msg.text, blocks: msg.blocks });
    if (finding.changed.length > 0) await ctx.replanAfter(card.customerId, now);
  } finally {
    await ctx.store.claims.release(key, owner);
  }
}

// /overdue <customer name or number>: the account's state, level and next step
// (the engine's explain + preview); /overdue aging: open invoices by age. The
// answer is an ephemeral message to the person who asked.
import { daysBetween, localDate } from '../../src/domain/calendar.js';
import { addTo, formatMoney } from '../../src/domain/money.js';
import { explain } from '../../src/engine/index.js';
import { Planner } from '../../src/planning/plan.js';
import { OPEN_DATED } from '../../src/store/records.js';
import { collections } from '../../src/store/store.js';
import type { CustomerDoc, InvoiceDoc } from '../../src/store/types.js';
import { accountAnswer, agingAnswer, AGING_BUCKETS, matchesAnswer, type AgingSummary } from '../blocks/command.js';
import { bucketOf } from '../../src/domain/aging.js';
import type { Block } from '../blocks/kit.js';
import type { HoldSnapshot } from '../blocks/hold.js';
import { may, type Action } from '../../src/domain/authorization.js';
import { consoleLinkFor } from './console-link.js';
import type { SlackContext } from './context.js';
import { CreditFlags } from './credit-flags.js';
import { nudgeSnapshot, pastDueOf } from './deliver.js';
import { MESSAGES_COLLECTION, type SlackMessageDoc } from './messages.js';
import type { PersonDoc } from './people.js';

export interface CommandInput {
  userId: string;
  channelId: string;
  text: string;
}


/** Open invoices by age (current, 1–30, 31–60, 61–90, 90+) per currency; `/overdue aging` and the web console's overview. */
export async function aging(ctx: Pick<SlackContext, 'store' | 'now'>, orgId: string): Promise<AgingSummary> {
  const now = ctx.now();
  const org = await ctx.store.organisations.get(orgId);
  const today = localDate(now, org?.timeZone ?? 'UTC');
  const open = await ctx.store.db.collection<InvoiceDoc>(collections.invoices).find({ orgId, ...OPEN_DATED, balanceMinor: { $gt: 0 } }).toArray();
  const buckets = Object.fromEntries(AGING_BUCKETS.map((b) => [b, { totals: {}, invoices: 0 }])) as AgingSummary['buckets'];
  const accounts = new Set<string>();
  for (const i of open) {
    const b = buckets[bucketOf(daysBetween(i.dueDate, today))];
    b.totals = addTo(b.totals, i.currency, i.balanceMinor);
    b.invoices += 1;
    accounts.add(`${i.provider}:${i.companyId}:${i.customerExternalId}`);
  }
  const undated = { totals: {} as Record<string, number>, invoices: 0 };
  for (const i of await ctx.store.db.collection<InvoiceDoc>(collections.invoices).find({ orgId, status: 'open', dueDateSource: 'none', balanceMinor: { $gt: 0 } }).toArray()) {
    undated.totals = addTo(undated.totals, i.currency, i.balanceMinor);
    undated.invoices += 1;
  }
  return { today, buckets, accounts: accounts.size, ...(undated.invoices > 0 ? { undated } : {}) };
}

/** A customer Overdue keeps as an account: active in the ledger, or tagged inactive/archived there (it may still owe). */
const isAccount = (c: CustomerDoc): boolean => c.active !== false || c.ledgerStatus !== undefined;
const listedName = (c: CustomerDoc): string => (c.ledgerStatus ? `${c.displayName} (${c.ledgerStatus})` : c.displayName);

export async function answerCommand(ctx: SlackContext, cmd: CommandInput): Promise<{ text: string; blocks: Block[] }> {
  const person = await ctx.people.findBySlackId(cmd.userId);
  const reply = async (m: { text: string; blocks: Block[] }): Promise<{ text: string; blocks: Block[] }> => {
    await ctx.client.chat.postEphemeral({ channel: cmd.channelId, user: cmd.userId, text: m.text, blocks: m.blocks });
    return m;
  };
  if (!person) return reply({ text: 'Overdue does not know you yet: ask an admin to add you.', blocks: [] });
  const query = cmd.text.trim();
  if (query === '' || query.toLowerCase() === 'help') {
    return reply({ text: 'Try `/overdue Acme` (a customer name or number), `/overdue aging` or `/overdue console`.', blocks: [] });
  }
  if (query.toLowerCase() === 'console') return reply({ text: (await consoleLinkFor(ctx, cmd.userId)).text, blocks: [] });
  if (query.toLowerCase() === 'aging') return reply(agingAnswer(await aging(ctx, person.orgId)));

  const lower = query.toLowerCase();
  const customers = (await ctx.store.customers.listByOrg(person.orgId)).filter(isAccount);
  const exact = customers.filter((c) => c.externalId === query || c.displayName.toLowerCase() === lower);
  const found = exact.length > 0 ? exact : customers.filter((c) => c.displayName.toLowerCase().includes(lower));
  const customer = found.length === 1 ? found[0] : undefined;
  if (!customer) return reply(matchesAnswer(query, found.map(listedName).sort()));

  const now = ctx.now();
  const explained = await explainedAccount(ctx, customer, now);
  if (!explained) return reply(matchesAnswer(query, []));
  const { e, due, strategic } = explained;
  const buttons = await accountView(ctx, person, customer, e.decision.level.name, { totals: due.totals, oldestDays: due.oldestDays, strategic }, now);
  const undated = (await ctx.store.invoices.listUndatedOpenForCustomer(customer.provider, customer.companyId, customer.externalId))
    .filter((i) => i.balanceMinor > 0)
    .map((i) => ({ number: i.number, issueDate: i.issueDate, balance: formatMoney({ amountMinor: i.balanceMinor, currency: i.currency }) }));
  return reply(
    accountAnswer({
      buttons,
      accountName: customer.displayName,
      state: e.decision.state,
      levelName: e.decision.level.name,
      totals: due.totals,
      oldestDays: due.oldestDays,
      summary: e.summary,
      nextStep: e.nextStep,
      nextEvaluation: e.decision.nextEvaluationAt !== null ? new Date(e.decision.nextEvaluationAt).toISOString().slice(0, 16).replace('T', ' ') + ' UTC' : null,
      ...(customer.ledgerStatus ? { ledgerStatus: customer.ledgerStatus } : {}),
      ...(undated.length > 0 ? { undated } : {}),
    }),
  );
}

/** Reads only: the account as the planner loads it, explained by its ladder (its custom version, else its organisation's), and what it owes. */
async function explainedAccount(ctx: SlackContext, customer: CustomerDoc, now: Date) {
  const planner = new Planner(ctx.store, { worker: 'slack', policies: ctx.policies });
  const loaded = await planner.load(customer._id);
  if (!loaded) return null;
  const policy = (await planner.accountPolicy(loaded)).compiled;
  const e = explain(loaded.account, policy, now);
  const due = await pastDueOf(ctx, customer, now, loaded.org?.timeZone ?? 'UTC');
  const strategic = customer.tags.some((t) => policy.strategicTags.has(t));
  return { e, due, strategic };
}

/**
 * The account view's records for a person, as `/overdue <customer>` makes them (the buttons' keys), for the
 * web console: its *Pause* and *Place hold* go through the same Slack flows (submitNudge, submitHold) with
 * these ids. Null when the account cannot be loaded.
 */
export async function recordAccountView(ctx: SlackContext, person: PersonDoc, customer: CustomerDoc, now: Date): Promise<Awaited<ReturnType<typeof accountView>> | null> {
  const explained = await explainedAccount(ctx, customer, now);
  if (!explained) return null;
  const { e, due, strategic } = explained;
  return accountView(ctx, person, customer, e.decision.level.name, { totals: due.totals, oldestDays: due.oldestDays, strategic }, now);
}

/**
 * The account view's buttons: the nudge flows (Log call, Promise to pay, Snooze) and the hold flow are
 * keyed by a message record, so the view records its own (`view:<customer>:<person>:<ms>`, ephemeral) — the same audited
 * paths as from a nudge or a hold proposal. *Place credit hold* only when the account is not on hold and
 * the person may place one; *Lift prepay-only* for managers and admins on a prepay-only account whose
 * approved referral Overdue posted (that flow is keyed by the approval request).
 */
async function accountView(
  ctx: SlackContext,
  person: PersonDoc,
  customer: CustomerDoc,
  levelName: string,
  a: { totals: Record<string, number>; oldestDays: number; strategic: boolean },
  now: Date,
): Promise<{ viewId: string | null; holdId: string | null; approvalId: string | null; contactsId: string | null; referralId: string | null }> {
  // The buttons offered are the ones the person may press on this account (the one table): a sales rep sees
  // none on another rep's account; the listeners check again when pressed.
  const allowed = (action: Action) => may({ id: person.email, email: person.email, roles: person.roles }, action, { salesRepEmail: customer.salesRepEmail }).ok;
  const base = { orgId: customer.orgId, customerId: customer._id, posts: [], log: [], createdAt: now, ephemeral: true };
  const stamp = `view:${customer._id}:${person.email}:${now.getTime()}`;
  let viewId: string | null = null;
  if (allowed('logCall')) {
    viewId = stamp;
    const snapshot = await nudgeSnapshot(ctx, { _id: viewId, action: { levelName } }, customer, { name: person.name, email: person.email }, now);
    await ctx.messages.record({ ...base, _id: viewId, kind: 'nudge', snapshot });
  }
  let holdId: string | null = null;
  if (allowed('placeHold') && !(await ctx.store.creditHolds.activeForCustomer(customer._id))) {
    holdId = `${stamp}:hold`;
    const hold: HoldSnapshot = { taskId: holdId, customerId: customer._id, accountName: customer.displayName, levelName, totals: a.totals, oldestDays: a.oldestDays, needsManager: a.strategic };
    await ctx.messages.record({ ...base, _id: holdId, kind: 'hold', snapshot: hold });
  }
  let approvalId: string | null = null;
  if (allowed('liftPrepay') && (await new CreditFlags(ctx.store.db).get(customer._id))?.prepayOnly) {
    const approval = await ctx.store.db
      .collection<SlackMessageDoc>(MESSAGES_COLLECTION)
      .findOne({ customerId: customer._id, kind: 'approval', 'snapshot.kind': 'agency_referral' }, { sort: { createdAt: -1 } });
    approvalId = approval?._id ?? null;
  }
  // Contacts: keyed by the customer itself (nothing to record; the modal reads the account when opened).
  const contactsId = allowed('editContacts') ? customer._id : null;
  // Request referral: keyed by the customer too (the modal asks the reason; slack/services/referral-request.ts).
  const referralId = allowed('requestReferral') ? customer._id : null;
  return { viewId, holdId, approvalId, contactsId, referralId };
}

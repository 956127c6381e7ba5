// The simulated people: they read what Overdue posted to Slack (the sandbox
// records every message with its buttons) and act on it the way a person
// would — a click on a button (a signed block_actions request to our
// /slack/events endpoint) and, for buttons that open a modal, the filled-in
// form (a signed view_submission). Reps log calls, promises, disputes and
// payment plans; the collector places credit holds; the approver approves.
import { LookalikeFlags } from '../../src/store/lookalike.js';
import { collections } from '../../src/store/store.js';
import type { TaskDoc } from '../../src/outbox/task-channel.js';
import { actionIds, inputIds, viewIds } from '../../slack/ids.js';
import { holdIdOf } from '../../slack/services/holds.js';
import { blockAction, sendInteraction, viewSubmission } from '../../test/sandbox/slack/signed.js';
import { SECRETS, type World } from './world.js';
import { decimal, PEOPLE, planInstalments, promiseDate, type AccountSpec, type RepAnswer } from './scenario.js';
import { localDate } from '../../src/domain/calendar.js';

export interface Button {
  actionId: string;
  value: string;
}

export interface PostedMessage {
  channel: string;
  ts: string;
  blocks: unknown;
}

/** The buttons of a Block Kit message (actions blocks). */
export function buttonsOf(blocks: unknown): Button[] {
  if (!Array.isArray(blocks)) return [];
  const out: Button[] = [];
  for (const b of blocks) {
    if (typeof b !== 'object' || b === null || !('type' in b) || b.type !== 'actions' || !('elements' in b) || !Array.isArray(b.elements)) continue;
    for (const e of b.elements) {
      if (typeof e === 'object' && e !== null && 'action_id' in e && 'value' in e && typeof e.action_id === 'string' && typeof e.value === 'string') out.push({ actionId: e.action_id, value: e.value });
    }
  }
  return out;
}

/** Slack user behind a DM channel id of the sandbox (D… ↔ U…). */
const userOfChannel = (channel: string) => channel.replace(/^D/, 'U');

export interface PersonAction {
  at: Date;
  who: string;
  account: string;
  what: string;
}

export class People {
  private seen = new Set<string>();
  /** The hold message of each account on hold (its Lift hold button), by account key. */
  private holdMessages = new Map<string, { m: PostedMessage; taskId: string }>();
  private answered = new Set<string>();
  readonly actions: PersonAction[] = [];

  constructor(
    private readonly w: World,
    private readonly accounts: readonly AccountSpec[],
    private readonly customerIdOf: (a: AccountSpec) => string,
    /** Called when a rep records a promise or a payment plan (the customer's side follows up). */
    private readonly onAgreement: (a: AccountSpec, kind: 'promise' | 'payment-plan', schedule: { date: string; amountMinor: number }[]) => void,
  ) {}

  private accountOf(customerId: string): AccountSpec | undefined {
    return this.accounts.find((a) => this.customerIdOf(a) === customerId);
  }

  /** New messages with buttons since the last look. */
  private fresh(): PostedMessage[] {
    const out: PostedMessage[] = [];
    for (const [key, m] of this.w.slackSandbox.messages) {
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      out.push({ channel: m.channel, ts: m.ts, blocks: m.blocks });
    }
    return out;
  }

  /** Everyone reads their Slack and acts. Returns how many messages were acted on. */
  async act(): Promise<number> {
    let acted = 0;
    for (const m of this.fresh()) {
      const buttons = buttonsOf(m.blocks);
      const nudge = buttons.find((b) => b.actionId === actionIds.logCall);
      const approve = buttons.find((b) => b.actionId === actionIds.approve);
      const hold = buttons.find((b) => b.actionId === actionIds.placeHold);
      const lookalike = buttons.find((b) => b.actionId === actionIds.lookalikePrepay);
      const letter = buttons.find((b) => b.actionId === actionIds.letterTaskDone);
      if (lookalike) acted += (await this.prepayLookalike(m, lookalike.value)) ? 1 : 0;
      else if (letter) acted += (await this.markLetterSent(m, letter.value)) ? 1 : 0;
      else if (nudge) acted += (await this.answerNudge(m, nudge.value)) ? 1 : 0;
      else if (approve) acted += (await this.approve(m, approve.value)) ? 1 : 0;
      else if (hold) acted += (await this.placeHold(m, hold.value)) ? 1 : 0;
    }
    return acted;
  }

  private async task(id: string): Promise<TaskDoc | null> {
    return this.w.store.db.collection<TaskDoc>(collections.tasks).findOne({ _id: id });
  }

  private log(who: string, a: AccountSpec, what: string): void {
    this.actions.push({ at: this.w.now(), who, account: a.key, what });
  }

  private async answerNudge(m: PostedMessage, taskId: string): Promise<boolean> {
    const task = await this.task(taskId);
    const a = task ? this.accountOf(task.customerId) : undefined;
    if (!a) return false;
    const user = userOfChannel(m.channel);
    const name = Object.values(PEOPLE).find((p) => p.id === user)?.name ?? user;
    const first = !this.answered.has(a.key);
    this.answered.add(a.key);
    const answer: RepAnswer = first ? (a.answer ?? 'voicemail') : 'voicemail';
    const today = localDate(this.w.now(), 'America/Chicago');
    const owed = a.invoices.reduce((n, i) => n + i.amountMinor, 0);
    if (answer === 'voicemail') {
      await this.logCall(m, user, taskId, 'voicemail', 'No answer; left a voicemail asking them to call back.');
      this.log(name, a, 'logged a call: left a voicemail');
      return true;
    }
    if (answer === 'promise-keep' || answer === 'promise-break') {
      await this.logCall(m, user, taskId, 'reached', `Spoke to ${a.contact.name}: the payment run is next week.`);
      const date = promiseDate(today);
      const view = await this.openModal(m, user, actionIds.promise, taskId);
      await this.submit(user, viewIds.promise, view, {
        [inputIds.promiseDate.block]: { [inputIds.promiseDate.action]: { type: 'datepicker', selected_date: date } },
        [inputIds.promiseAmount.block]: { [inputIds.promiseAmount.action]: { type: 'plain_text_input', value: decimal(owed) } },
      });
      this.log(name, a, `logged a call (reached) and a promise to pay ${decimal(owed)} ${a.currency} by ${date}`);
      this.onAgreement(a, 'promise', [{ date, amountMinor: owed }]);
      return true;
    }
    if (answer === 'dispute') {
      const view = await this.openModal(m, user, actionIds.dispute, taskId);
      const invoice = firstOption(view, inputIds.disputeInvoices.block);
      await this.submit(user, viewIds.dispute, view, {
        [inputIds.disputeInvoices.block]: { [inputIds.disputeInvoices.action]: { type: 'checkboxes', selected_options: invoice ? [{ value: invoice }] : [] } },
        [inputIds.reason.block]: { [inputIds.reason.action]: { type: 'plain_text_input', value: 'Goods arrived damaged; waiting for the carrier’s report' } },
      });
      this.log(name, a, 'recorded a dispute: goods arrived damaged');
      return true;
    }
    // payment plan
    const plan = planInstalments(today, owed);
    const view = await this.openModal(m, user, actionIds.paymentPlan, taskId);
    await this.submit(user, viewIds.paymentPlan, view, {
      [inputIds.instalments.block]: { [inputIds.instalments.action]: { type: 'plain_text_input', value: plan.map((p) => `${p.date} ${decimal(p.amountMinor)}`).join('\n') } },
    });
    this.log(name, a, `agreed a payment plan: ${plan.map((p) => `${decimal(p.amountMinor)} ${a.currency} on ${p.date}`).join(', ')}`);
    this.onAgreement(a, 'payment-plan', plan);
    return true;
  }

  /** The collector posts (or faxes) the letter and marks the task done: a post or courier letter with its tracking number. */
  private async markLetterSent(m: PostedMessage, taskId: string): Promise<boolean> {
    const task = await this.task(taskId);
    const a = task ? this.accountOf(task.customerId) : undefined;
    if (!a || !task) return false;
    const user = userOfChannel(m.channel);
    const tracking = task.kind === 'fax' ? null : `RR${String(100_000_000 + this.actions.length).slice(1)}US`;
    const view = await this.openModal(m, user, actionIds.letterTaskDone, taskId);
    await this.submit(user, viewIds.letterTaskDone, view, { [inputIds.trackingNumber.block]: { [inputIds.trackingNumber.action]: { type: 'plain_text_input', value: tracking } } });
    this.log(PEOPLE.collector.name, a, tracking ? `sent the letter by ${task.kind === 'mail' ? 'certified post' : task.kind}: tracking ${tracking}` : 'faxed the letter');
    return true;
  }

  private async approve(m: PostedMessage, approvalId: string): Promise<boolean> {
    const approval = await this.w.store.approvals.get(approvalId);
    const a = approval ? this.accountOf(approval.customerId) : undefined;
    if (!a || !approval) return false;
    const user = userOfChannel(m.channel);
    if (user !== PEOPLE.approver.id) return false;
    await this.click(m, user, actionIds.approve, approvalId);
    this.log(PEOPLE.approver.name, a, `approved the ${approval.kind.replace('_', ' ')}`);
    return true;
  }

  /** The manager reads a look-alike alert (a known bad payer back under a new name) and makes the new customer prepay-only. */
  private async prepayLookalike(m: PostedMessage, flagId: string): Promise<boolean> {
    const flag = await new LookalikeFlags(this.w.store.db).get(flagId);
    const a = flag ? this.accountOf(flag.knownId) : undefined;
    if (!a || !flag) return false;
    const user = userOfChannel(m.channel);
    if (user !== PEOPLE.approver.id) return false;
    await this.click(m, user, actionIds.lookalikePrepay, flagId);
    this.log(PEOPLE.approver.name, a, `made ${flag.accountName} prepay-only: it looks like this account (score ${flag.score.toFixed(2)} on ${flag.matched.map((x) => x.field).join(', ')})`);
    return true;
  }

  private async placeHold(m: PostedMessage, taskId: string): Promise<boolean> {
    const task = await this.task(taskId);
    const a = task ? this.accountOf(task.customerId) : undefined;
    if (!a || !task) return false;
    const user = userOfChannel(m.channel);
    const view = await this.openModal(m, user, actionIds.placeHold, taskId);
    await this.submit(user, viewIds.placeHold, view, {
      [inputIds.reason.block]: { [inputIds.reason.action]: { type: 'plain_text_input', value: 'No payment after the collector’s calls; no new orders until the balance is settled.' } },
    });
    // Overdue places one hold per account: a proposal placed while another hold is active is answered "already on hold".
    const hold = await this.w.store.creditHolds.get(holdIdOf(taskId));
    if (!hold || hold.status === 'proposed') {
      this.log(PEOPLE.collector.name, a, 'was told the account is already on credit hold');
      return true;
    }
    this.log(PEOPLE.collector.name, a, 'placed a credit hold');
    this.holdMessages.set(a.key, { m, taskId });
    return true;
  }

  /** The collector lifts the holds of accounts with nothing left open — paid, or written off (Lift hold on the hold message, with a reason). */
  async liftHolds(settled: (a: AccountSpec) => boolean): Promise<number> {
    let lifted = 0;
    for (const [key, { m, taskId }] of this.holdMessages) {
      const a = this.accounts.find((x) => x.key === key);
      if (!a || !settled(a)) continue;
      this.holdMessages.delete(key);
      if (!(await this.w.store.creditHolds.activeForCustomer(this.customerIdOf(a)))) continue;
      const user = userOfChannel(m.channel);
      const view = await this.openModal(m, user, actionIds.liftHold, taskId);
      await this.submit(user, viewIds.liftHold, view, {
        [inputIds.reason.block]: { [inputIds.reason.action]: { type: 'plain_text_input', value: 'Balance settled; orders can be released.' } },
      });
      this.log(PEOPLE.collector.name, a, 'lifted the credit hold: balance settled');
      lifted++;
    }
    return lifted;
  }

  private async logCall(m: PostedMessage, user: string, taskId: string, outcome: string, notes: string): Promise<void> {
    const view = await this.openModal(m, user, actionIds.logCall, taskId);
    await this.submit(user, viewIds.logCall, view, {
      [inputIds.outcome.block]: { [inputIds.outcome.action]: { type: 'static_select', selected_option: { value: outcome } } },
      [inputIds.notes.block]: { [inputIds.notes.action]: { type: 'plain_text_input', value: notes } },
      [inputIds.nextStep.block]: { [inputIds.nextStep.action]: { type: 'plain_text_input', value: null } },
    });
  }

  private async click(m: PostedMessage, user: string, actionId: string, value: string): Promise<void> {
    const r = await sendInteraction(`${this.w.url}/slack/events`, SECRETS.slack.signingSecret, blockAction({ userId: user }, { actionId, value, channel: m.channel, ts: m.ts }));
    if (r.status !== 200) throw new Error(`Slack click ${actionId} answered ${r.status}: ${r.text}`);
    await this.w.slack.services.drain();
  }

  /** Click a button that opens a modal; returns the modal as Slack received it (views.open). */
  private async openModal(m: PostedMessage, user: string, actionId: string, value: string): Promise<Record<string, unknown>> {
    const before = this.w.slackSandbox.calls.length;
    await this.click(m, user, actionId, value);
    const opened = this.w.slackSandbox.calls.slice(before).find((c) => c.method === 'views.open' && c.status === 200);
    const view = opened?.args['view'];
    if (typeof view !== 'object' || view === null) throw new Error(`${actionId} opened no modal`);
    return { ...view };
  }

  private async submit(user: string, callbackId: string, view: Record<string, unknown>, values: Record<string, Record<string, unknown>>): Promise<void> {
    const r = await sendInteraction(`${this.w.url}/slack/events`, SECRETS.slack.signingSecret, viewSubmission({ userId: user }, { callbackId, privateMetadata: String(view['private_metadata']), values }));
    if (r.status !== 200 || (r.text !== '' && r.text.includes('"errors"'))) throw new Error(`Slack ${callbackId} answered ${r.status}: ${r.text}`);
    await this.w.slack.services.drain();
  }
}

/** The first option of a checkboxes input in a modal. */
function firstOption(view: Record<string, unknown>, blockId: string): string | undefined {
  const blocks = view['blocks'];
  if (!Array.isArray(blocks)) return undefined;
  for (const b of blocks) {
    if (typeof b !== 'object' || b === null || !('block_id' in b) || b.block_id !== blockId || !('element' in b)) continue;
    const el = b.element;
    if (typeof el === 'object' && el !== null && 'options' in el && Array.isArray(el.options)) {
      const o: unknown = el.options[0];
      if (typeof o === 'object' && o !== null && 'value' in o && typeof o.value === 'string') return o.value;
    }
  }
  return undefined;
}

// Answers to /overdue: one account's state and next step, a short list when
// several customers match, and the aging summary.
import { AGING_BUCKETS, type AgingBucket } from '../../src/domain/aging.js';
import { formatTotals } from '../../src/domain/money.js';
import { actionIds } from '../ids.js';
import { button, context, esc, fields, header, section, type Block } from './kit.js';

export interface AccountAnswer {
  accountName: string;
  state: string;
  levelName: string;
  totals: Record<string, number>;
  oldestDays: number;
  summary: string;
  nextStep: string | null;
  nextEvaluation: string | null;
  /**
   * The buttons of the account view (absent: none). `viewId` keys the nudge flows (Log call, Promise
   * to pay, Snooze); `holdId` the hold flow (Place credit hold, only when offered); `approvalId` the
   * approved referral whose prepay-only a manager may lift.
   */
  buttons?: { viewId: string | null; holdId: string | null; approvalId: string | null; contactsId?: string | null; referralId?: string | null };
  /** The ledger no longer lists the customer as active ('inactive' QuickBooks, 'archived' Xero) but it may still owe. */
  ledgerStatus?: 'inactive' | 'archived';
  /** Open invoices the ledger gave neither a due date nor terms: not chased, listed for the collector. */
  undated?: UndatedLine[];
}

/** An open invoice without a due date or terms in the ledger, as a person reads it. */
export interface UndatedLine {
  number: string;
  issueDate: string;
  /** Formatted balance, e.g. "1,200.00 USD". */
  balance: string;
}

/** "Inactive in the ledger" / "Archived in the ledger": what the tag means to a collector. */
export function ledgerStatusText(status: 'inactive' | 'archived'): string {
  return `${status === 'inactive' ? 'Inactive' : 'Archived'} in the ledger (it may still owe; Overdue still chases its open invoices)`;
}

/** The lines about undated invoices: "No due date — not chased: INV-7 (issued 2025-01-02, 120.00 USD), …". */
export function undatedText(lines: readonly UndatedLine[]): string {
  const shown = lines.slice(0, 10).map((l) => `${esc(l.number)} (issued ${esc(l.issueDate)}, ${esc(l.balance)})`).join(', ');
  return `*No due date* — not chased until the ledger gives ${lines.length === 1 ? 'it' : 'them'} a due date or terms: ${shown}${lines.length > 10 ? `, and ${lines.length - 10} more` : ''}`;
}

function accountButtons(b: NonNullable<AccountAnswer['buttons']>): Block {
  return {
    type: 'actions',
    block_id: 'account_actions',
    elements: [
      ...(b.viewId ? [button('Log call', actionIds.logCall, b.viewId, 'primary'), button('Promise to pay', actionIds.promise, b.viewId), button('Snooze', actionIds.snooze, b.viewId)] : []),
      ...(b.holdId ? [button('Place credit hold', actionIds.placeHold, b.holdId, 'danger')] : []),
      ...(b.approvalId ? [button('Lift prepay-only', actionIds.liftPrepay, b.approvalId)] : []),
      ...(b.contactsId ? [button('Contacts', actionIds.contactsOpen, b.contactsId)] : []),
      ...(b.referralId ? [button('Request referral', actionIds.referralRequest, b.referralId)] : []),
    ],
  };
}

export function accountAnswer(a: AccountAnswer): { text: string; blocks: Block[] } {
  return {
    text: `${a.accountName}: ${a.state}, ${a.levelName}`,
    blocks: [
      header(a.accountName),
      fields([`*State*\n${esc(a.state)}`, `*Level*\n${esc(a.levelName)}`, `*Past due*\n${formatTotals(a.totals)}`, `*Oldest*\n${a.oldestDays} days past due`]),
      ...(a.ledgerStatus ? [context(`:file_cabinet: ${ledgerStatusText(a.ledgerStatus)}`)] : []),
      section(esc(a.summary)),
      ...(a.undated && a.undated.length > 0 ? [section(undatedText(a.undated))] : []),
      section(`*Next step*\n${a.nextStep ? esc(a.nextStep) : '_nothing planned_'}`),
      ...(a.nextEvaluation ? [context(`Next look at the account: ${esc(a.nextEvaluation)}`)] : []),
      ...(a.buttons && (a.buttons.viewId ?? a.buttons.holdId ?? a.buttons.approvalId ?? a.buttons.contactsId ?? a.buttons.referralId) ? [accountButtons(a.buttons)] : []),
    ],
  };
}

export function matchesAnswer(query: string, names: string[]): { text: string; blocks: Block[] } {
  const text =
    names.length === 0
      ? `No customer matches “${esc(query)}”.`
      : `${names.length} customers match “${esc(query)}”: ${names.slice(0, 10).map((n) => `*${esc(n)}*`).join(', ')}${names.length > 10 ? ', …' : ''}. Try a longer name or the customer number.`;
  return { text, blocks: [section(text)] };
}

export { AGING_BUCKETS, type AgingBucket };

export interface AgingSummary {
  today: string;
  buckets: Record<AgingBucket, { totals: Record<string, number>; invoices: number }>;
  accounts: number;
  /** Open invoices without a due date or terms (not in any bucket, not chased). */
  undated?: { totals: Record<string, number>; invoices: number };
}

export function agingAnswer(a: AgingSummary): { text: string; blocks: Block[] } {
  return {
    text: `Aging on ${a.today}`,
    blocks: [
      header(`Aging — ${a.today}`),
      fields(AGING_BUCKETS.map((b) => `*${b === 'current' ? 'Not yet due' : `${b} days`}*\n${formatTotals(a.buckets[b].totals)} (${a.buckets[b].invoices} invoice${a.buckets[b].invoices === 1 ? '' : 's'})`)),
      context(`${a.accounts} account${a.accounts === 1 ? '' : 's'} with open invoices`),
      ...(a.undated && a.undated.invoices > 0
        ? [context(`No due date (not chased): ${formatTotals(a.undated.totals)} (${a.undated.invoices} invoice${a.undated.invoices === 1 ? '' : 's'}): the ledger gives them neither a due date nor terms`)]
        : []),
    ],
  };
}

// The approval request (agency referral, write-off; a strategic account's credit
// hold for managers): the case in brief and Approve / Reject (/ Give more time);
// once decided, the buttons give way to the decision.
import { formatTotals } from '../../src/domain/money.js';
import { actionIds, inputIds, viewIds } from '../ids.js';
import { button, context, esc, fields, header, input, modal, plain, section, type Block, type ModalView } from './kit.js';
import type { ModalMeta } from './modals.js';

export interface ApprovalSnapshot {
  approvalId: string;
  customerId: string;
  accountName: string;
  kind: 'agency_referral' | 'write_off' | 'credit_hold';
  reason: string;
  requestedBy: string;
  totals: Record<string, number>;
  oldestDays: number;
  invoiceNumbers: string[];
  contactAttempts: number;
  /** Referral and write-off: "4 days to the 90-day limit" (src/engine/decision-limit.ts); absent without a limit. */
  limit?: string;
  /** Referral: the mailed demand's state (src/planning/mailed-demand.ts), and whether approving needs the override. */
  mailedDemand?: { line: string; needsOverride: boolean };
}

const titles: Record<ApprovalSnapshot['kind'], string> = {
  agency_referral: 'Refer to the collection agency?',
  write_off: 'Write off the balance?',
  credit_hold: 'Place a credit hold?',
};

/** Options of a decided request: an approved referral offers managers *Lift prepay-only* until it is lifted. */
export interface DecidedOptions {
  liftPrepay?: boolean;
}

export function approvalMessage(s: ApprovalSnapshot, decision?: string, opts: DecidedOptions = {}): { text: string; blocks: Block[] } {
  const blocks: Block[] = [
    header(`${titles[s.kind]} ${s.accountName}`),
    section(s.reason),
    fields([
      `*Past due*\n${formatTotals(s.totals)}`,
      `*Oldest*\n${s.oldestDays} days past due`,
      `*Invoices*\n${s.invoiceNumbers.map(esc).join(', ') || '—'}`,
      `*Contact attempts*\n${s.contactAttempts}`,
      ...(s.limit !== undefined ? [`*90-day limit*\n${esc(s.limit)}`] : []),
      ...(s.mailedDemand !== undefined ? [`*Mailed demand*\n${esc(s.mailedDemand.line)}`] : []),
    ]),
    context(`Requested by ${esc(s.requestedBy)} · only ${s.kind === 'credit_hold' ? 'managers' : 'approvers'} can decide; the requester cannot approve their own request`),
  ];
  if (decision === undefined) {
    const decide = [button('Approve', actionIds.approve, s.approvalId, 'primary'), button('Reject', actionIds.reject, s.approvalId, 'danger')];
    // A hold is placed or not; "more time" belongs to the referral ladder.
    const override = s.mailedDemand?.needsOverride === true ? [button('Refer without mailed-demand confirmation', actionIds.referWithoutMail, s.approvalId)] : [];
    blocks.push({ type: 'actions', block_id: 'approval_actions', elements: s.kind === 'credit_hold' ? decide : [...decide, button('Give more time', actionIds.moreTime, s.approvalId), ...override] });
  } else {
    blocks.push(section(decision));
    if (opts.liftPrepay === true) blocks.push({ type: 'actions', block_id: 'prepay_actions', elements: [button('Lift prepay-only', actionIds.liftPrepay, s.approvalId)] });
  }
  return { text: `${titles[s.kind]} ${s.accountName}`, blocks };
}

/** A manager lifts prepay-only (set when the account was referred to the agency): the reason is required. */
export function liftPrepayModal(accountName: string, m: ModalMeta): ModalView {
  return modal({
    callbackId: viewIds.liftPrepay,
    title: 'Lift prepay-only',
    submit: 'Lift',
    privateMetadata: JSON.stringify(m),
    blocks: [
      section(`Let *${esc(accountName)}* order on credit again. Order systems see it in the credit status at once.`),
      input(inputIds.reason.block, 'Reason', { type: 'plain_text_input', action_id: inputIds.reason.action, multiline: true, placeholder: plain('e.g. settled with the agency') }),
    ],
  });
}

// The approval request (agency referral, write-off; a strategic account's credit
// hold for managers): the case in brief and Approve / Reject (/ Give more time);
// once decided, the buttons give way to the decision.
import { formatTotals } from '../../src/domain/money.js';
import { actionIds } from '../ids.js';
import { button, context, esc, fields, header, section, type Block } from './kit.js';

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
}

const titles: Record<ApprovalSnapshot['kind'], string> = {
  agency_referral: 'Refer to the collection agency?',
  write_off: 'Write off the balance?',
  credit_hold: 'Place a credit hold?',
};

export function approvalMessage(s: ApprovalSnapshot, decision?: string): { text: string; blocks: Block[] } {
  const blocks: Block[] = [
    header(`${titles[s.kind]} ${s.accountName}`),
    section(s.reason),
    fields([
      `*Past due*\n${formatTotals(s.totals)}`,
      `*Oldest*\n${s.oldestDays} days past due`,
      `*Invoices*\n${s.invoiceNumbers.map(esc).join(', ') || '—'}`,
      `*Contact attempts*\n${s.contactAttempts}`,
    ]),
    context(`Requested by ${esc(s.requestedBy)} · only ${s.kind === 'credit_hold' ? 'managers' : 'approvers'} can decide; the requester cannot approve their own request`),
  ];
  if (decision === undefined) {
    const decide = [button('Approve', actionIds.approve, s.approvalId, 'primary'), button('Reject', actionIds.reject, s.approvalId, 'danger')];
    // A hold is placed or not; "more time" belongs to the referral ladder.
    blocks.push({ type: 'actions', block_id: 'approval_actions', elements: s.kind === 'credit_hold' ? decide : [...decide, button('Give more time', actionIds.moreTime, s.approvalId)] });
  } else {
    blocks.push(section(decision));
  }
  return { text: `${titles[s.kind]} ${s.accountName}`, blocks };
}

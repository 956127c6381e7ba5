// Credit holds: the proposal to the collector (Place credit hold), the hold in
// place (Lift hold), and the announcement for the sales/ops channel.
import { formatTotals } from '../../src/domain/money.js';
import { actionIds, inputIds, viewIds } from '../ids.js';
import { button, context, esc, fields, header, input, modal, plain, section, type Block, type ModalView } from './kit.js';
import type { ModalMeta } from './modals.js';

export interface HoldSnapshot {
  taskId: string;
  customerId: string;
  accountName: string;
  levelName: string;
  totals: Record<string, number>;
  oldestDays: number;
  needsManager: boolean;
}

export type HoldState =
  | { kind: 'proposed' }
  | { kind: 'active'; by: string; since: string; reason: string }
  | { kind: 'pending_approval'; by: string }
  | { kind: 'released'; by: string; reason: string }
  | { kind: 'rejected'; by: string; reason: string }
  /** Another hold of the customer is already active: this proposal places none. */
  | { kind: 'already_on_hold'; by: string; since: string };

export function holdMessage(s: HoldSnapshot, state: HoldState): { text: string; blocks: Block[] } {
  const blocks: Block[] = [
    header(`Credit hold: ${s.accountName}`),
    fields([`*Past due*\n${formatTotals(s.totals)}`, `*Oldest*\n${s.oldestDays} days past due`]),
  ];
  switch (state.kind) {
    case 'proposed':
      blocks.push(section(`The ladder (${esc(s.levelName)}) proposes a credit hold: no new orders ship until the account is settled.${s.needsManager ? ' This is a strategic account: a manager has to approve the hold.' : ''}`));
      blocks.push({ type: 'actions', block_id: 'hold_actions', elements: [button('Place credit hold', actionIds.placeHold, s.taskId, 'danger')] });
      break;
    case 'pending_approval':
      blocks.push(section(`:hourglass: Hold requested by ${esc(state.by)}; waiting for a manager's approval.`));
      break;
    case 'active':
      blocks.push(section(`:no_entry_sign: *On hold* since ${state.since}, placed by ${esc(state.by)}: ${esc(state.reason)}`));
      blocks.push({ type: 'actions', block_id: 'hold_actions', elements: [button('Lift hold', actionIds.liftHold, s.taskId)] });
      break;
    case 'released':
      blocks.push(section(`:white_check_mark: Hold lifted by ${esc(state.by)}: ${esc(state.reason)}`));
      break;
    case 'rejected':
      blocks.push(section(`:no_entry: The hold was not approved by ${esc(state.by)}${state.reason ? `: ${esc(state.reason)}` : ''}. The account is not on hold.`));
      break;
    case 'already_on_hold':
      blocks.push(section(`:no_entry_sign: Already *on hold* since ${state.since} (placed by ${esc(state.by)}): no second hold was placed.`));
      break;
  }
  blocks.push(context('Order systems can ask GET /api/accounts/:id/credit-status'));
  return { text: `Credit hold: ${s.accountName}`, blocks };
}

export function holdAnnouncement(accountName: string, placed: boolean, by: string, reason: string): { text: string; blocks: Block[] } {
  const text = placed
    ? `:no_entry_sign: *${esc(accountName)}* is on credit hold (by ${esc(by)}): do not ship new orders. ${esc(reason)}`
    : `:white_check_mark: The credit hold on *${esc(accountName)}* is lifted (by ${esc(by)}). ${esc(reason)}`;
  return { text, blocks: [section(text)] };
}

export function holdReasonModal(which: 'place' | 'lift', accountName: string, m: ModalMeta, initial: string): ModalView {
  return modal({
    callbackId: which === 'place' ? viewIds.placeHold : viewIds.liftHold,
    title: which === 'place' ? 'Place credit hold' : 'Lift credit hold',
    submit: which === 'place' ? 'Place hold' : 'Lift hold',
    privateMetadata: JSON.stringify(m),
    blocks: [
      section(which === 'place' ? `Stop new orders for *${esc(accountName)}*. The reason is shown to sales and ops.` : `Let *${esc(accountName)}* order again.`),
      input(inputIds.reason.block, 'Reason', { type: 'plain_text_input', action_id: inputIds.reason.action, multiline: true, initial_value: initial, placeholder: plain('Reason') }),
    ],
  });
}

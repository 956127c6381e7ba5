// The modals behind the nudge and approval buttons. private_metadata carries the
// task (or approval) and the message to update afterwards.
import { formatMoney, money } from '../../src/domain/money.js';
import { callOutcomes, inputIds, outcomeLabels, viewIds } from '../ids.js';
import type { Datepicker, PlainTextInput } from '@slack/types';
import { esc, input, modal, plain, section, type ModalView } from './kit.js';

export interface ModalMeta {
  /** Task id (nudges) or approval id (approvals). */
  id: string;
  channel: string;
  ts: string;
}

const meta = (m: ModalMeta): string => JSON.stringify(m);
const text = (actionId: string, placeholder: string, multiline = false): PlainTextInput => ({
  type: 'plain_text_input',
  action_id: actionId,
  multiline,
  placeholder: plain(placeholder),
});
const datepicker = (actionId: string, initial?: string): Datepicker => ({ type: 'datepicker', action_id: actionId, ...(initial ? { initial_date: initial } : {}) });

export function logCallModal(accountName: string, m: ModalMeta): ModalView {
  return modal({
    callbackId: viewIds.logCall,
    title: 'Log call',
    submit: 'Save',
    privateMetadata: meta(m),
    blocks: [
      section(`How did the call with *${esc(accountName)}* go?`),
      input(inputIds.outcome.block, 'Outcome', {
        type: 'static_select',
        action_id: inputIds.outcome.action,
        options: callOutcomes.map((o) => ({ text: plain(outcomeLabels[o]), value: o })),
      }),
      input(inputIds.notes.block, 'Notes', text(inputIds.notes.action, 'What was said', true), true),
      input(inputIds.nextStep.block, 'Next step', text(inputIds.nextStep.action, 'e.g. call back Thursday morning'), true),
    ],
  });
}

export function promiseModal(accountName: string, m: ModalMeta, currency: string, owedMinor: number, today: string): ModalView {
  return modal({
    callbackId: viewIds.promise,
    title: 'Promise to pay',
    submit: 'Record',
    privateMetadata: meta(m),
    blocks: [
      section(`*${esc(accountName)}* owes ${formatMoney(money(owedMinor, currency))}. When and how much did they promise?`),
      input(inputIds.promiseDate.block, 'Pay by', datepicker(inputIds.promiseDate.action, today)),
      input(inputIds.promiseAmount.block, `Amount (${currency})`, text(inputIds.promiseAmount.action, 'e.g. 1,240.00')),
    ],
  });
}

export function disputeModal(accountName: string, m: ModalMeta, invoices: { id: string; number: string; currency: string; balanceMinor: number }[]): ModalView {
  return modal({
    callbackId: viewIds.dispute,
    title: 'Dispute',
    submit: 'Record',
    privateMetadata: meta(m),
    blocks: [
      section(`Which invoices of *${esc(accountName)}* does the customer dispute? Reminders stop for them while the dispute is open.`),
      input(inputIds.disputeInvoices.block, 'Invoices', {
        type: 'checkboxes',
        action_id: inputIds.disputeInvoices.action,
        options: invoices.slice(0, 10).map((i) => ({ text: plain(`${i.number}: ${formatMoney(money(i.balanceMinor, i.currency))}`), value: i.id })),
      }),
      input(inputIds.reason.block, 'Reason', text(inputIds.reason.action, 'What is wrong with them', true)),
    ],
  });
}

export function snoozeModal(accountName: string, m: ModalMeta, tomorrow: string): ModalView {
  return modal({
    callbackId: viewIds.snooze,
    title: 'Snooze',
    submit: 'Snooze',
    privateMetadata: meta(m),
    blocks: [
      section(`Pause the ladder for *${esc(accountName)}* until:`),
      input(inputIds.snoozeUntil.block, 'Until', datepicker(inputIds.snoozeUntil.action, tomorrow)),
      input(inputIds.reason.block, 'Reason', text(inputIds.reason.action, 'Why wait', true)),
    ],
  });
}

export function paymentPlanModal(accountName: string, m: ModalMeta, currency: string, owedMinor: number): ModalView {
  return modal({
    callbackId: viewIds.paymentPlan,
    title: 'Payment plan',
    submit: 'Record',
    privateMetadata: meta(m),
    blocks: [
      section(`*${esc(accountName)}* owes ${formatMoney(money(owedMinor, currency))}. One instalment a line: the date and the amount in ${currency}.`),
      input(inputIds.instalments.block, 'Instalments', text(inputIds.instalments.action, '2025-04-01 5,000.00', true)),
    ],
  });
}

export function moreTimeModal(accountName: string, m: ModalMeta, defaultUntil: string): ModalView {
  return modal({
    callbackId: viewIds.moreTime,
    title: 'Give more time',
    submit: 'Give time',
    privateMetadata: meta(m),
    blocks: [
      section(`Hold the referral of *${esc(accountName)}* and pause the ladder until:`),
      input(inputIds.moreTimeUntil.block, 'Until', datepicker(inputIds.moreTimeUntil.action, defaultUntil)),
      input(inputIds.reason.block, 'Why', text(inputIds.reason.action, 'e.g. they committed to a payment plan next week', true)),
    ],
  });
}

export function rejectModal(accountName: string, m: ModalMeta): ModalView {
  return modal({
    callbackId: viewIds.reject,
    title: 'Reject referral',
    submit: 'Reject',
    privateMetadata: meta(m),
    blocks: [section(`Why should *${esc(accountName)}* not go to the agency?`), input(inputIds.reason.block, 'Reason', text(inputIds.reason.action, 'Reason', true))],
  });
}

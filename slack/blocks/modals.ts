// The modals behind the nudge and approval buttons. private_metadata carries the
// task (or approval) and the message to update afterwards.
import { CONTACT_ROLES, roleTitle } from '../../src/domain/contact-roles.js';
import { formatMoney, money } from '../../src/domain/money.js';
import { callOutcomes, inputIds, outcomeLabels, viewIds } from '../ids.js';
import type { Datepicker, PlainTextInput } from '@slack/types';
import { context, divider, esc, input, modal, plain, section, type ModalView } from './kit.js';

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

/** A contact as the Contacts modal lists it: from the ledger (the sync) or entered by a person. */
export interface ContactLine {
  name: string;
  roles: readonly string[];
  email?: string | undefined;
  phone?: string | undefined;
  source: 'ledger' | 'entered';
  bounced: boolean;
}

const MAX_CONTACT_LINES = 25;

/** One line of the list: "• *Ann Lee*: CFO, Owner · ann@acme.example · +1 555 0199 _(entered)_". */
function contactLine(c: ContactLine): string {
  const reach = [c.email ? `${esc(c.email)}${c.bounced ? ' (bounced)' : ''}` : null, c.phone ? esc(c.phone) : null].filter((x): x is string => x !== null);
  return `• *${esc(c.name)}*: ${c.roles.map(roleTitle).join(', ') || 'Contact'}${reach.length > 0 ? ` · ${reach.join(' · ')}` : ''} _(${c.source === 'ledger' ? 'from the ledger' : 'entered'})_`;
}

/**
 * The Contacts modal (from /overdue and the rep nudge): the account's contacts, the ledger's and the entered
 * ones, with their roles; and a form to add one (a role, a name, an email or a phone; zone and language optional).
 * private_metadata: the customer id, and where to answer.
 */
export function contactsModal(accountName: string, contacts: readonly ContactLine[], m: ModalMeta): ModalView {
  const lines = contacts.slice(0, MAX_CONTACT_LINES).map(contactLine);
  if (contacts.length > MAX_CONTACT_LINES) lines.push(`…and ${contacts.length - MAX_CONTACT_LINES} more`);
  return modal({
    callbackId: viewIds.contacts,
    title: 'Contacts',
    submit: 'Add contact',
    privateMetadata: meta(m),
    blocks: [
      section(`*Who we talk to at ${esc(accountName)}*\n${lines.join('\n') || '_No contact on file yet._'}`),
      divider(),
      section('*Add a contact*: the ladder writes to them for their role (a CFO gets the decision-makers email and the final demand). The accounting platform\'s sync never removes them.'),
      input(inputIds.contactRole.block, 'Role', {
        type: 'static_select',
        action_id: inputIds.contactRole.action,
        placeholder: plain('Choose a role'),
        options: CONTACT_ROLES.map((r) => ({ text: plain(roleTitle(r)), value: r })),
      }),
      input(inputIds.contactName.block, 'Name', text(inputIds.contactName.action, 'e.g. Ann Lee')),
      input(inputIds.contactEmail.block, 'Email', { type: 'email_text_input', action_id: inputIds.contactEmail.action, placeholder: plain('ann@customer.example') }, true),
      input(inputIds.contactPhone.block, 'Phone', text(inputIds.contactPhone.action, '+1 555 0100'), true),
      input(inputIds.contactTimeZone.block, 'Time zone', text(inputIds.contactTimeZone.action, 'e.g. America/New_York'), true),
      input(inputIds.contactLanguage.block, 'Language', text(inputIds.contactLanguage.action, 'e.g. en-US'), true),
      context('An email or a phone is needed. Each contact added is recorded in the account\'s audit trail.'),
    ],
  });
}

/** *Done* on a post, courier or fax task: the tracking number (required for post and courier). */
export function letterTaskModal(accountName: string, title: string, task: 'mail' | 'courier' | 'fax', m: ModalMeta): ModalView {
  return modal({
    callbackId: viewIds.letterTaskDone,
    title: 'Letter sent',
    submit: 'Done',
    privateMetadata: meta(m),
    blocks: [
      section(`*${esc(accountName)}*: ${esc(title)}.`),
      input(
        inputIds.trackingNumber.block,
        task === 'fax' ? 'Fax report id' : 'Tracking number',
        text(inputIds.trackingNumber.action, task === 'fax' ? 'optional' : 'e.g. RR123456785US'),
        task === 'fax',
      ),
      context('Recorded on the task and in the account’s audit trail; the agency referral shows it.'),
    ],
  });
}

/** Approve an agency referral whose mailed demand is not confirmed: the reason is required and recorded. */
export function referWithoutMailModal(accountName: string, m: ModalMeta): ModalView {
  return modal({
    callbackId: viewIds.referWithoutMail,
    title: 'Refer without mail',
    submit: 'Refer',
    privateMetadata: meta(m),
    blocks: [
      section(`Refer *${esc(accountName)}* to the collection agency without the mailed demand confirmed (no tracking number). Who decided and why goes on the approval and in the audit trail.`),
      input(inputIds.reason.block, 'Reason', text(inputIds.reason.action, 'e.g. the customer confirmed receipt by email', true)),
    ],
  });
}

/** Request referral (the account view's button): the reason, required; the approvers are asked with the approval card. */
export function referralRequestModal(accountName: string, m: ModalMeta): ModalView {
  return modal({
    callbackId: viewIds.referralRequest,
    title: 'Request referral',
    submit: 'Ask approvers',
    privateMetadata: meta(m),
    blocks: [
      section(`Ask the approvers to refer *${esc(accountName)}* to the collection agency. They get the same approval card as the ladder's referral step; if approved, the account becomes prepay-only and the referral packet goes to the agency.`),
      input(inputIds.reason.block, 'Reason', text(inputIds.reason.action, 'e.g. the customer stopped answering after the final demand', true)),
    ],
  });
}

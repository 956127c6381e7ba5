// Notices for the collector: an alert when a customer-facing send bounced or
// failed for good (what, to whom, the error, what the ladder does next), and the
// 48-hour follow-up of a letter sent by post, courier or fax (*Done* closes it);
// and a missing role's find-contact task.
import { actionIds } from '../ids.js';
import { button, context, esc, fields, header, section, type Block } from './kit.js';

export type NoticeSnapshot =
  | {
      kind: 'alert';
      taskId: string;
      customerId: string;
      accountName: string;
      what: string;
      to: string | null;
      error: string;
      bounced: string[];
      failed: boolean;
      next: string;
    }
  | { kind: 'follow-up'; taskId: string; customerId: string; accountName: string; title: string; followUpOf: string | null }
  /** A level needs a role nobody holds (src/engine/missing-role.ts): find that contact; the email waits for it. */
  | { kind: 'find-contact'; taskId: string; customerId: string; accountName: string; title: string }
  | { kind: 'ledger'; taskId: string; customerId: string; accountName: string; company: string; asOf: string; lines: string[] }
  /** A letter to send by post, courier or fax (its title asks the customer to respond within 48 hours); *Done* asks for the tracking number. */
  | { kind: 'letter-task'; taskId: string; customerId: string; accountName: string; title: string; task: 'mail' | 'courier' | 'fax' };

/** The follow-up's state: open (with *Done*) or done by someone (a letter task: with its tracking number). */
export type NoticeState = { kind: 'open' } | { kind: 'done'; by: string; on: string; trackingNumber?: string };

const LETTER_TASK_TITLES: Record<'mail' | 'courier' | 'fax', string> = { mail: 'Post a letter', courier: 'Courier a letter', fax: 'Fax a letter' };

export function noticeMessage(s: NoticeSnapshot, state: NoticeState = { kind: 'open' }): { text: string; blocks: Block[] } {
  if (s.kind === 'alert') {
    const title = s.failed ? `Not sent: ${s.accountName}` : `Address refused: ${s.accountName}`;
    const blocks: Block[] = [
      header(title),
      section(`:warning: The ${esc(s.what)}${s.to ? ` to ${esc(s.to)}` : ''} ${s.failed ? 'could not be sent' : 'was refused for some recipients'}.`),
      fields([
        `*Error*\n${esc(s.error).slice(0, 1_900)}`,
        `*Bounced*\n${s.bounced.length > 0 ? s.bounced.map(esc).join(', ') : 'no address recorded as bouncing'}`,
      ]),
      section(`*Next:* ${esc(s.next)}`),
      context('Overdue records bounced addresses and does not write to them again.'),
    ];
    return { text: `${title}: ${s.what}${s.to ? ` to ${s.to}` : ''}: ${s.error}`, blocks };
  }
  if (s.kind === 'find-contact') {
    const blocks: Block[] = [
      header(`Find a contact: ${s.accountName}`),
      section(`:bust_in_silhouette: ${esc(s.title)}.`),
      context(`Add them with *Contacts* in \`/overdue ${esc(s.accountName)}\` or the contacts import; the next plan addresses them. If nobody is found in time, the email goes to the nearest higher role, else the nearest lower one, and says so.`),
    ];
    return { text: s.title, blocks };
  }
  if (s.kind === 'ledger') {
    const title = `Sends held: ${s.accountName}`;
    const blocks: Block[] = [
      header(title),
      section(`:scales: ${esc(s.company)}'s own aged receivables report (${esc(s.asOf)}) disagrees with Overdue's balance of this account, and a re-sync did not settle it. Reminders and letters to this customer are held (not dropped) until a reconciliation finds the balances equal.`),
      section(s.lines.map((l) => `• ${esc(l)}`).join('\n').slice(0, 2_900)),
      context('Check the account in the ledger (unapplied payments, credits, a job billed with its parent); the nightly reconciliation lifts the hold by itself once the figures agree.'),
    ];
    return { text: `${title}: ${s.company}'s report disagrees with Overdue (${s.lines.join('; ')})`, blocks };
  }
  if (s.kind === 'letter-task') {
    const title = `${LETTER_TASK_TITLES[s.task]}: ${s.accountName}`;
    const blocks: Block[] = [
      header(title),
      section(`:envelope_with_arrow: ${esc(s.title)}.`),
      context(s.task === 'fax' ? 'Mark it done once the fax went through (its report id if you have one).' : 'Mark it done with the tracking number: an agency referral needs the mailed demand confirmed.'),
    ];
    if (state.kind === 'open') blocks.push({ type: 'actions', block_id: 'letter_task_actions', elements: [button('Done', actionIds.letterTaskDone, s.taskId, 'primary')] });
    else blocks.push(section(`:white_check_mark: Done (${esc(state.by)}, ${state.on})${state.trackingNumber !== undefined ? `: tracking ${esc(state.trackingNumber)}` : ''}.`));
    return { text: `${title}: ${s.title}`, blocks };
  }
  const blocks: Block[] = [header(`Follow-up: ${s.accountName}`), section(`:mailbox_with_mail: ${esc(s.title)}. Check it arrived (tracking, fax report) and mark it done.`)];
  if (state.kind === 'open') blocks.push({ type: 'actions', block_id: 'notice_actions', elements: [button('Done', actionIds.taskDone, s.taskId, 'primary')] });
  else blocks.push(section(`:white_check_mark: Done (${esc(state.by)}, ${state.on}).`));
  return { text: `Follow-up: ${s.title}`, blocks };
}

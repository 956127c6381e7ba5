// The rep nudge: a DM that says whom to call, what is owed, what was tried, a
// courteous script and the buttons. The snapshot it is built from is kept with
// the message so the message can be rebuilt (and updated in place) later.
import { formatMoney, formatTotals, money } from '../../src/domain/money.js';
import { actionIds } from '../ids.js';
import { button, context, divider, esc, fields, header, section, type Block } from './kit.js';

export interface NudgeSnapshot {
  taskId: string;
  customerId: string;
  accountName: string;
  levelName: string;
  rep: { name: string; email: string };
  buyer: { name: string; role: string; phone?: string; email?: string } | null;
  invoices: { id: string; number: string; dueDate: string; daysPastDue: number; currency: string; balanceMinor: number }[];
  oldestDays: number;
  totals: Record<string, number>;
  touches: { at: string; what: string }[];
  script: string;
}

const MAX_INVOICES = 10;

export function whoLine(b: NudgeSnapshot['buyer']): string {
  if (!b) return '_No contact on file: ask the accounts team for one._';
  const parts = [`*${esc(b.name)}* (${esc(b.role)})`];
  if (b.phone) parts.push(`:telephone_receiver: ${esc(b.phone)}`);
  if (b.email) parts.push(`:email: ${esc(b.email)}`);
  return parts.join('  ·  ');
}

/** `log`: what people did from this message so far; `open`: whether the buttons are still wanted. */
export function nudgeMessage(s: NudgeSnapshot, log: readonly string[] = [], open = true): { text: string; blocks: Block[] } {
  const total = formatTotals(s.totals);
  const invoiceLines = s.invoices
    .slice(0, MAX_INVOICES)
    .map((i) => `• ${esc(i.number)}: ${formatMoney(money(i.balanceMinor, i.currency))}, due ${i.dueDate} (${i.daysPastDue} days past due)`);
  if (s.invoices.length > MAX_INVOICES) invoiceLines.push(`…and ${s.invoices.length - MAX_INVOICES} more`);
  const touches = s.touches.length === 0 ? '_Nothing yet._' : s.touches.map((t) => `• ${t.at}: ${esc(t.what)}`).join('\n');
  const blocks: Block[] = [
    header(`Please call ${s.accountName}`),
    section(`Hi ${esc(s.rep.name.split(/\s+/)[0] ?? s.rep.name)}, *${esc(s.accountName)}* owes *${total}*, the oldest invoice ${s.oldestDays} days past due. A call from you usually settles it.`),
    fields([`*Who to call*\n${whoLine(s.buyer)}`, `*What is owed*\n${total}\noldest ${s.oldestDays} days past due`]),
    section(`*Past-due invoices*\n${invoiceLines.join('\n') || '_none_'}`),
    section(`*What was tried*\n${touches}`),
    section(`*Suggested script*\n>${esc(s.script)}`),
    divider(),
  ];
  if (log.length > 0) blocks.push(section(log.join('\n')));
  if (open) {
    blocks.push({
      type: 'actions',
      block_id: 'nudge_actions',
      elements: [
        button('Log call', actionIds.logCall, s.taskId, 'primary'),
        button('Promise to pay', actionIds.promise, s.taskId),
        button('Payment plan', actionIds.paymentPlan, s.taskId),
        button('Dispute', actionIds.dispute, s.taskId),
        button('Snooze', actionIds.snooze, s.taskId),
        button('Not my account', actionIds.notMine, s.taskId, 'danger'),
        button('Who else should we talk to?', actionIds.contactsOpen, s.customerId),
      ],
    });
  }
  blocks.push(context(`Level: ${esc(s.levelName)} · every action is recorded in the account's audit trail`));
  return { text: `Please call ${s.accountName}: ${total} past due`, blocks };
}

/** Courteous, short, no threats (DESIGN.md: tone). */
export function suggestedScript(s: Pick<NudgeSnapshot, 'rep' | 'buyer' | 'invoices' | 'oldestDays' | 'totals'>, company: string): string {
  const first = s.buyer?.name.split(/\s+/)[0] ?? 'there';
  const count = s.invoices.length;
  return (
    `Hi ${first}, this is ${s.rep.name} from ${company.replace(/\.+$/, '')}. I'm calling about ${count} open invoice${count === 1 ? '' : 's'} ` +
    `totalling ${formatTotals(s.totals)}, the oldest now ${s.oldestDays} days past due. ` +
    `Is there anything holding up payment that I can help with, and when can we expect it?`
  );
}

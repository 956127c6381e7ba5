// The look-alike alert to the managers: a new customer resembles an account that
// was referred to the agency, written off or made prepay-only. The evidence side
// by side (new customer | known account, per field that matched), the score, and
// three buttons: Make prepay-only, Not the same business, Ask for a credit check.
import { actionIds } from '../ids.js';
import { button, context, esc, fields, header, section, type Block } from './kit.js';

export interface LookalikeSnapshot {
  flagId: string;
  customerId: string;
  accountName: string;
  knownId: string;
  knownName: string;
  /** "referred to the collection agency", "written off", "prepay-only". */
  knownWhy: string[];
  score: number;
  threshold: number;
  matched: { field: string; new: string; known: string }[];
}

const FIELD_NAMES: Record<string, string> = { taxNumber: 'Tax number', phone: 'Phone', emailDomain: 'Email', address: 'Billing address', name: 'Name' };

const cell = (v: string): string => (v.trim() === '' ? '—' : esc(v).slice(0, 900));

export function lookalikeMessage(s: LookalikeSnapshot, decision?: string): { text: string; blocks: Block[] } {
  const what = `${s.accountName} looks like ${s.knownName}`;
  const blocks: Block[] = [
    header(`Returning bad payer? ${s.accountName}`),
    section(`:mag: The new customer *${esc(s.accountName)}* looks like *${esc(s.knownName)}*, ${esc(s.knownWhy.join(', ') || 'a known bad account')}. Score *${s.score.toFixed(2)}* (alert at ${s.threshold.toFixed(2)}).`),
    fields(['*New customer*', '*Known account*']),
    ...s.matched.slice(0, 5).map((m) => fields([`*${FIELD_NAMES[m.field] ?? m.field}*\n${cell(m.new)}`, `*${FIELD_NAMES[m.field] ?? m.field}*\n${cell(m.known)}`])),
  ];
  if (decision === undefined) {
    blocks.push({
      type: 'actions',
      block_id: 'lookalike_actions',
      elements: [
        button('Make prepay-only', actionIds.lookalikePrepay, s.flagId, 'primary'),
        button('Not the same business', actionIds.lookalikeDismiss, s.flagId),
        button('Ask for a credit check', actionIds.lookalikeCreditCheck, s.flagId),
      ],
    });
    blocks.push(context('Make prepay-only: orders only against payment until a manager lifts it. Not the same business: this pair is never flagged again.'));
  } else blocks.push(section(decision));
  return { text: `Returning bad payer? ${what} (score ${s.score.toFixed(2)})`, blocks };
}

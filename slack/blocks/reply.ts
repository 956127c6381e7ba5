// A customer's reply on the collector's card: the account, the sender, when, what they wrote (their own
// words, quoted history hidden, escaped for mrkdwn — never HTML), the attachments, the suggested button
// highlighted and the four buttons: *Record promise*, *Record dispute*, *They say they paid*, *Not about
// this*. The snapshot is kept with the message so a button can rebuild it and update it in place.
import type { ReplySuggestion } from '../../src/inbound/suggest.js';
import { actionIds } from '../ids.js';
import { button, context, divider, esc, fields, header, section, type Block } from './kit.js';

/** At most this many characters of the reply on the card (Slack's section text is capped at 3,000). */
export const REPLY_EXCERPT_CHARS = 2_400;

export interface ReplySnapshot {
  replyId: string;
  customerId: string;
  accountName: string;
  from: string;
  /** When it arrived, as the collector reads it ("2025-03-20 11:00 America/New_York"). */
  receivedAt: string;
  subject: string;
  /** What the customer wrote themselves, trimmed to REPLY_EXCERPT_CHARS. */
  excerpt: string;
  /** Whether quoted history (or the signature) was left out, and how many characters were cut. */
  quotedHidden: boolean;
  cutChars: number;
  attachments: { filename: string; contentType: string; size: number }[];
  suggestion: ReplySuggestion;
}

const LABELS: Record<Exclude<ReplySuggestion['kind'], 'none'>, string> = {
  promise: 'Record promise',
  dispute: 'Record dispute',
  paid: 'They say they paid',
};

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** The suggestion in one line: "*Suggested: Record promise* for 2025-03-21 (why)". */
export function suggestionLine(s: ReplySuggestion): string {
  if (s.kind === 'none') return `:grey_question: No suggestion: ${esc(s.why)}. Read it and pick a button.`;
  const date = s.date ? ` ${s.kind === 'paid' ? 'on' : 'for'} ${s.date}` : '';
  const invoices = s.invoiceNumbers.length > 0 ? `, ${s.invoiceNumbers.map(esc).join(', ')}` : '';
  return `:bulb: *Suggested: ${LABELS[s.kind]}*${date}${invoices} — because of ${esc(s.why)}`;
}

/** `log`: what people did from the card; `open`: whether the buttons are still wanted. */
export function replyMessage(s: ReplySnapshot, log: readonly string[] = [], open = true): { text: string; blocks: Block[] } {
  const quoted = s.excerpt
    .split('\n')
    .map((l) => `>${esc(l)}`)
    .join('\n');
  const notes = [
    s.quotedHidden ? 'earlier messages quoted below it are hidden' : null,
    s.cutChars > 0 ? `${s.cutChars} more characters not shown` : null,
  ].filter((x): x is string => x !== null);
  const blocks: Block[] = [
    header(`Reply from ${s.accountName}`),
    fields([`*Customer*\n${esc(s.accountName)}`, `*From*\n${esc(s.from)}`, `*Received*\n${esc(s.receivedAt)}`, `*Subject*\n${esc(s.subject) || '_(none)_'}`]),
    section(quoted.trim() === '>' || quoted.trim() === '' ? '_(no text)_' : quoted),
  ];
  if (notes.length > 0) blocks.push(context(`_${notes.join('; ')}._ The whole mail is kept on the account's timeline.`));
  if (s.attachments.length > 0) {
    blocks.push(section(`*Attachments*\n${s.attachments.slice(0, 10).map((a) => `• ${esc(a.filename)} (${esc(a.contentType)}, ${size(a.size)})`).join('\n')}${s.attachments.length > 10 ? `\n…and ${s.attachments.length - 10} more` : ''}`));
  }
  blocks.push(section(suggestionLine(s.suggestion)), divider());
  if (log.length > 0) blocks.push(section(log.join('\n')));
  if (open) {
    const style = (k: ReplySuggestion['kind']) => (s.suggestion.kind === k ? 'primary' : undefined);
    blocks.push({
      type: 'actions',
      block_id: 'reply_actions',
      elements: [
        button('Record promise', actionIds.replyPromise, s.replyId, style('promise')),
        button('Record dispute', actionIds.replyDispute, s.replyId, style('dispute')),
        button('They say they paid', actionIds.replyPaid, s.replyId, style('paid')),
        button('Not about this', actionIds.replyUnrelated, s.replyId),
      ],
    });
  }
  const first = s.excerpt.split('\n').find((l) => l.trim() !== '') ?? '';
  return { text: `Reply from ${s.accountName} (${s.from}): ${first.slice(0, 200)}`, blocks };
}

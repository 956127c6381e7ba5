// A composed message to plain text and HTML, the same content in both: greeting,
// paragraphs, the invoice table (number, due date, days past due, open balance,
// pay link), totals per currency, and the sender's signature.
import { formatTotals } from '../domain/money.js';
import { amount, compose, longDate, type Message, type MessageInput } from './templates.js';

export interface Rendered {
  subject: string;
  text: string;
  html: string;
}

export type RenderResult = { ok: true; rendered: Rendered } | { ok: false; problem: string };

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESC[c] ?? c);
}

function pastDueText(days: number): string {
  if (days > 0) return `${days} day${days === 1 ? '' : 's'} past due`;
  if (days === 0) return 'due today';
  return `due in ${-days} day${days === -1 ? '' : 's'}`;
}

function signature(input: MessageInput): string[] {
  const s = input.sender;
  return ['Kind regards,', s.name, s.company, s.phone, s.email, s.address].map((l) => l?.trim() ?? '').filter((l) => l !== '');
}

function text(m: Message, input: MessageInput): string {
  const lines: string[] = [m.greeting, ''];
  for (const p of m.intro) lines.push(p, '');
  lines.push(`${m.tableTitle}:`);
  for (const i of input.invoices) {
    lines.push(`  - ${i.number}, due ${longDate(i.dueDate, input.locale)} (${pastDueText(i.daysPastDue)}): ${amount(i.balanceMinor, i.currency)} open of ${amount(i.totalMinor, i.currency)}`);
    if (i.payUrl !== undefined) lines.push(`    Pay online: ${i.payUrl}`);
  }
  lines.push(`  Total: ${formatTotals(input.totals)}`, '');
  for (const p of m.outro) lines.push(p, '');
  if (m.customerPage) lines.push(`${m.customerPage.text} ${m.customerPage.url}`, '');
  lines.push(...signature(input));
  return lines.join('\n') + '\n';
}

function html(m: Message, input: MessageInput): string {
  const p = (s: string): string => `<p>${escapeHtml(s)}</p>`;
  const cell = 'style="padding:4px 12px;border-bottom:1px solid #ddd;text-align:left"';
  const rows = input.invoices
    .map(
      (i) =>
        `<tr><td ${cell}>${escapeHtml(i.number)}</td><td ${cell}>${escapeHtml(longDate(i.dueDate, input.locale))}</td><td ${cell}>${escapeHtml(pastDueText(i.daysPastDue))}</td>` +
        `<td ${cell}>${escapeHtml(amount(i.balanceMinor, i.currency))}</td><td ${cell}>${i.payUrl !== undefined ? `<a href="${escapeHtml(i.payUrl)}">Pay online</a>` : ''}</td></tr>`,
    )
    .join('');
  return [
    '<!doctype html><html><body style="font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#222">',
    p(m.greeting),
    ...m.intro.map(p),
    `<table style="border-collapse:collapse"><caption style="text-align:left;font-weight:bold;padding:4px 0">${escapeHtml(m.tableTitle)}</caption>`,
    `<thead><tr><th ${cell}>Invoice</th><th ${cell}>Due</th><th ${cell}>Status</th><th ${cell}>Open balance</th><th ${cell}></th></tr></thead>`,
    `<tbody>${rows}</tbody>`,
    `<tfoot><tr><th ${cell} colspan="3">Total</th><th ${cell} colspan="2">${escapeHtml(formatTotals(input.totals))}</th></tr></tfoot></table>`,
    ...m.outro.map(p),
    ...(m.customerPage ? [`<p>${escapeHtml(m.customerPage.text)} <a href="${escapeHtml(m.customerPage.url)}">${escapeHtml(m.customerPage.url)}</a></p>`] : []),
    `<p>${signature(input).map(escapeHtml).join('<br>')}</p>`,
    '</body></html>',
  ].join('\n');
}

export function renderMessage(input: MessageInput): RenderResult {
  const c = compose(input);
  if (!c.ok) return c;
  return { ok: true, rendered: { subject: c.message.subject, text: text(c.message, input), html: html(c.message, input) } };
}

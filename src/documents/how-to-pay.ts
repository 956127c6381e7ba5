// "How to pay" on letters and statements, one definition: each listed invoice's
// pay link (when the organisation shows them), the organisation's remittance
// details (bank transfer, instructions), and the reference to quote — the
// customer's account number, else its name, never an internal id. Never empty:
// without a link for every invoice and without bank details, it says how to get
// the payment details. The emails say the same in words (src/email/templates.ts payLines).
import { capText, PDF_TEXT } from './format.js';
import type { DocInvoice } from './model.js';
import type { DocumentSettings } from './settings.js';

/** The reference a customer quotes with a payment: its account number in the ledger, else its name. */
export function accountReference(c: { accountNumber?: string | undefined; displayName: string }): string {
  const n = c.accountNumber?.trim();
  return n !== undefined && n !== '' ? n : c.displayName;
}

/** The rows of the "How to pay" block: label and text. `invoices`: the ones the document lists as owed. */
export function howToPayFacts(invoices: readonly DocInvoice[], s: Pick<DocumentSettings, 'payment'>, reference: string | undefined, maxLinks = Number.POSITIVE_INFINITY): [string, string][] {
  const rows: [string, string][] = [];
  const links = s.payment.payLinks ? invoices.filter((i) => i.payUrl !== undefined && i.payUrl !== '') : [];
  if (links.length > 0) {
    // A long statement lists the first links (its invoices oldest first) and says how many more have one.
    const shown = links.slice(0, maxLinks).map((i) => `Invoice ${i.number}: ${i.payUrl ?? ''}`);
    const more = links.length - shown.length;
    rows.push(['Pay online', [...shown, ...(more > 0 ? [`and ${more} more invoice${more === 1 ? '' : 's'} with a pay link: ask us and we will send them`] : [])].join('\n')]);
  }
  const allLinked = invoices.length > 0 && links.length === invoices.length;
  if (s.payment.bankDetails.length > 0) rows.push(['Bank transfer', s.payment.bankDetails.join('\n')]);
  else if (!allLinked) rows.push(['Payment details', 'Ask your direct contact below for our bank details.']);
  const numbers = invoices.map((i) => i.number);
  const listed = numbers.length <= maxLinks ? numbers : [...numbers.slice(0, maxLinks), '…'];
  const quote = [reference, numbers.length > 0 ? `invoice${numbers.length === 1 ? '' : 's'} ${listed.join(', ')}` : undefined].filter((x): x is string => x !== undefined && x !== '');
  if (quote.length > 0) rows.push(['Please quote', quote.join(', ')]);
  if (s.payment.instructions) rows.push(['Note', capText(s.payment.instructions, PDF_TEXT.notes)]);
  return rows;
}

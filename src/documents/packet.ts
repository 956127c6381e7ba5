// The agency referral packet: one ZIP holding everything an agency (or a court)
// needs to take the account on, with a cover sheet summarising the case and a
// manifest of SHA-256 sums so nobody can swap a file unnoticed.
import { createHash } from 'node:crypto';
import JSZip from 'jszip';
import { type LocalDate } from '../domain/calendar.js';
import type { ChainCheck } from '../store/audit.js';
import { auditCsv, auditPdf, toCsv } from './audit-export.js';
import { daysPastDue, formatAmount, formatDate, formatTotalsLocale } from './format.js';
import { buildLetter, collectorLines, invoiceRows } from './letter.js';
import { letterSentDate, partyOf, roleLabel, type AccountData } from './load.js';
import { balances, documentInstant, fileSafe, paidMinor, pastDue, type DocInvoice } from './model.js';
import { BOLD, facts, finish, letterhead, newDoc, paragraph, table } from './pdf.js';
import { buildStatement } from './statement.js';
import type { DocumentSettings } from './settings.js';

export interface PacketOptions {
  /** The packet's date (today in the account's zone). */
  asOf: LocalDate;
  chain: ChainCheck;
  compress?: boolean;
}

export interface BuiltPacket {
  zip: Buffer;
  files: string[];
  filename: string;
}

/** A copy of one invoice's data as held in the accounting platform (not the original document). */
export async function invoiceCopyPdf(i: DocInvoice, data: AccountData, asOf: LocalDate, compress?: boolean): Promise<Buffer> {
  const s = data.settings;
  const doc = newDoc({ title: `Invoice ${i.number}: ${data.customer.legalName ?? data.customer.displayName}`, author: s.letterhead.name, createdAt: documentInstant(asOf), paperSize: s.paperSize, ...(compress !== undefined ? { compress } : {}) });
  letterhead(doc, s);
  paragraph(doc, `INVOICE ${i.number} (COPY OF RECORD)`, { font: BOLD, size: 14, gap: 8 });
  const party = partyOf(data.customer);
  const l = s.locale;
  facts(doc, [
    ['Bill to', [party.name, ...party.addressLines].join('\n')],
    ['Invoice number', i.number],
    ['Invoice date', formatDate(i.issueDate, l)],
    ['Due date', formatDate(i.dueDate, l)],
    ['Currency', i.currency],
    ['Invoice total', formatAmount(i.totalMinor, i.currency, l)],
    ['Paid', formatAmount(paidMinor(i), i.currency, l)],
    ['Balance due', formatAmount(i.balanceMinor, i.currency, l)],
    ['Status', i.status === 'open' && daysPastDue(i.dueDate, asOf) > 0 ? `Open, ${daysPastDue(i.dueDate, asOf)} days past due on ${formatDate(asOf, l)}` : i.status],
    ...(i.payUrl ? ([['Pay online', i.payUrl]] as [string, string][]) : []),
    ['Source', `${data.customer.provider === 'quickbooks' ? 'QuickBooks Online' : 'Xero'} company ${data.customer.companyId}, record ${i.id}`],
  ]);
  doc.y += 8;
  paragraph(doc, 'This page reproduces the invoice data held in the accounting system on the date shown; the original invoice is available on request.', { size: 8.5 });
  return finish(doc, `${s.letterhead.name} · Invoice ${i.number} (copy of record)`);
}

function contactsCsv(data: AccountData): string {
  return toCsv(
    ['name', 'roles', 'email', 'phone', 'email_bounced_at'],
    data.customer.contacts.map((c) => [c.name, c.roles.join(' '), c.email ?? '', c.phone ?? '', c.bouncedAt?.toISOString() ?? '']),
  );
}

/** Counts of the audit trail's customer contacts, by channel. */
function touches(data: AccountData): string {
  const byChannel = new Map<string, number>();
  for (const e of data.audit) {
    if (e.action !== 'outbox.sent' && !/^(call|voicemail|note|letter|fax|mail|promise|dispute)\b/.test(e.action)) continue;
    byChannel.set(e.channel, (byChannel.get(e.channel) ?? 0) + 1);
  }
  return [...byChannel.entries()].sort().map(([c, n]) => `${c}: ${n}`).join(', ') || 'none recorded';
}

async function coverSheet(data: AccountData, o: { asOf: LocalDate; items: DocInvoice[]; demandSent?: LocalDate; demandDeadline: LocalDate; files: string[]; chain: ChainCheck; compress?: boolean }): Promise<Buffer> {
  const s: DocumentSettings = data.settings;
  const l = s.locale;
  const party = partyOf(data.customer, 'final-demand');
  const doc = newDoc({ title: `Referral: ${party.name}`, author: s.letterhead.name, createdAt: documentInstant(o.asOf), paperSize: s.paperSize, ...(o.compress !== undefined ? { compress: o.compress } : {}) });
  letterhead(doc, s);
  paragraph(doc, 'COLLECTION REFERRAL: CASE SUMMARY', { font: BOLD, size: 14, gap: 8 });
  const oldest = o.items[0];
  facts(doc, [
    ['Referred to', s.agency.name ? `${s.agency.name}${s.agency.email ? ` <${s.agency.email}>` : ''}` : 'Collection agency'],
    ['Date', formatDate(o.asOf, l)],
    ['Creditor', [s.letterhead.name, ...s.letterhead.addressLines].join('\n')],
    ['Debtor', [party.name, ...party.addressLines].join('\n')],
    ['Our reference', party.reference ?? data.customer._id],
    ['Balance due', formatTotalsLocale(balances(o.items), l, data.org.homeCurrency)],
    ['Past-due invoices', `${o.items.length}${oldest ? `; oldest due ${formatDate(oldest.dueDate, l)} (${daysPastDue(oldest.dueDate, o.asOf)} days past due)` : ''}`],
    ['Final demand', o.demandSent ? `sent ${formatDate(o.demandSent, l)}; response deadline ${formatDate(o.demandDeadline, l)}${o.demandDeadline < o.asOf ? ', passed without payment' : ' (not yet passed)'}` : 'no final demand on record; the enclosed letter is dated today'],
    ['Contact attempts', touches(data)],
    ['Personal guarantee', data.personalGuarantee.onFile ? `on file${data.personalGuarantee.reference ? `: ${data.personalGuarantee.reference}` : ''}` : 'none on file'],
    ['Audit trail', `${data.audit.length} entries; hash chain ${o.chain.ok ? 'intact' : `BROKEN at entry ${o.chain.brokenAtSeq} (${o.chain.reason})`}`],
    ['Creditor contact', collectorLines(s).join('\n')],
  ]);
  doc.y += 8;
  paragraph(doc, 'Debtor contacts', { font: BOLD, size: 11, gap: 4 });
  table(doc, [{ header: 'Name', width: 1.4 }, { header: 'Role', width: 1.3 }, { header: 'Email', width: 2 }, { header: 'Phone', width: 1.2 }], data.customer.contacts.map((c) => [c.name + (c.bouncedAt ? ' (email bounced)' : ''), roleLabel(c), c.email ?? '', c.phone ?? '']));
  paragraph(doc, 'Past-due invoices', { font: BOLD, size: 11, gap: 4 });
  const t = invoiceRows(o.items, o.asOf, l);
  table(doc, t.columns, t.rows, { boldRows: t.bold });
  paragraph(doc, 'Enclosed', { font: BOLD, size: 11, gap: 4 });
  paragraph(doc, o.files.join('\n'), { size: 9 });
  return finish(doc, `${s.letterhead.name} · Collection referral · ${party.name}`);
}

export async function buildReferralPacket(data: AccountData, o: PacketOptions): Promise<BuiltPacket> {
  const s = data.settings;
  const items = pastDue(data.invoices, o.asOf);
  const demandSent = letterSentDate(data, 'final-demand');
  const letterDate = demandSent ?? o.asOf;
  const compress = o.compress !== undefined ? { compress: o.compress } : {};
  const letter = await buildLetter({ kind: 'final-demand', settings: s, customer: partyOf(data.customer, 'final-demand'), invoices: data.invoices, sentDate: letterDate, ...compress });
  const statement = await buildStatement({ settings: s, customer: partyOf(data.customer), invoices: data.invoices, asOf: o.asOf, ...compress });
  const numbers = new Map(data.invoices.map((i) => [i.id, i.number]));
  const auditDoc = await auditPdf({ settings: s, scope: `Account ${data.customer.legalName ?? data.customer.displayName}`, entries: data.audit, checks: new Map([[data.customer._id, o.chain]]), timeZone: data.timeZone, generatedAt: documentInstant(o.asOf), invoiceNumbers: numbers, ...compress });

  const files = new Map<string, Buffer | string>();
  files.set(`02-final-demand-${letterDate}.pdf`, letter.pdf);
  files.set(`03-statement-of-account-${o.asOf}.pdf`, statement.pdf);
  for (const i of items) files.set(`04-invoices/${fileSafe(i.number)}.pdf`, await invoiceCopyPdf(i, data, o.asOf, o.compress));
  files.set('05-contacts.csv', contactsCsv(data));
  files.set('06-audit-trail.csv', auditCsv(data.audit, new Map([[data.customer._id, o.chain]])));
  files.set('06-audit-trail.pdf', auditDoc);
  if (data.personalGuarantee.onFile) {
    files.set('07-personal-guarantee.txt', `A personal guarantee is on file for this account.\r\nReference: ${data.personalGuarantee.reference ?? '(none recorded; ask the creditor for a copy)'}\r\n`);
  }
  const names = ['01-cover-sheet.pdf', ...files.keys(), 'MANIFEST.sha256'];
  const cover = await coverSheet(data, { asOf: o.asOf, items, ...(demandSent ? { demandSent } : {}), demandDeadline: letter.deadline, files: names, chain: o.chain, ...compress });
  const all = new Map<string, Buffer | string>([['01-cover-sheet.pdf', cover], ...files]);
  const manifest = [...all.entries()].map(([name, body]) => `${createHash('sha256').update(body).digest('hex')}  ${name}`).join('\n') + '\n';
  all.set('MANIFEST.sha256', manifest);

  const zip = new JSZip();
  const date = documentInstant(o.asOf);
  for (const [name, body] of all) zip.file(name, body, { date });
  const buf = await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', compressionOptions: { level: 6 }, platform: 'UNIX' });
  const who = fileSafe(data.customer.legalName ?? data.customer.displayName);
  return { zip: buf, files: names, filename: `referral-${who}-${o.asOf}.zip` };
}


// The agency referral packet: one ZIP holding everything an agency (or a court)
// needs to take the account on, with a cover sheet summarising the case and a
// manifest of SHA-256 sums so nobody can swap a file unnoticed. The letters in it
// are the stored copies of the letters sent (src/store/sent-documents.ts), byte
// for byte: their SHA-256 equals the one the audit trail recorded when they went
// out. Nothing that was sent is rendered again.
import { createHash } from 'node:crypto';
import JSZip from 'jszip';
import { type LocalDate } from '../domain/calendar.js';
import type { ChainCheck } from '../store/audit.js';
import { auditCsv, auditPdf, toCsv } from './audit-export.js';
import { daysPastDue, formatAmount, formatDate, formatTotalsLocale } from './format.js';
import { addDays } from '../domain/calendar.js';
import { dayCount, daysAfterDeadline } from '../domain/deadline.js';
import type { SentDocumentMeta } from '../store/sent-documents.js';
import { collectorLines, invoiceRows } from './letter.js';
import { lastFinalDemand, partyOf, roleLabel, type AccountData, type SentCopy } from './load.js';
import { balances, documentInstant, fileSafe, paidMinor, pastDue, type DocInvoice } from './model.js';
import { BOLD, facts, finish, letterhead, newDoc, paragraph, table } from './pdf.js';
import { buildStatement } from './statement.js';
import type { DocumentSettings } from './settings.js';

export interface PacketOptions {
  /** The packet's date (today in the account's zone). */
  asOf: LocalDate;
  chain: ChainCheck;
  /** The letters sent, as stored when they went out (load.ts sentLetterCopies): enclosed byte for byte. */
  letters: readonly SentCopy[];
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

/**
 * The cover sheet's final-demand line: the date it was sent and the deadline as the letter stated it (stored
 * with it), and how many days after that deadline the referral is made. A packet dated on or before the
 * deadline (a download ahead of time) says when the account can first be referred; never "not yet passed".
 */
export function finalDemandLine(demand: Pick<SentDocumentMeta, 'sentDate' | 'deadline'> | undefined, asOf: LocalDate, locale: string): string {
  if (!demand) return 'no final demand on record';
  const sent = `sent ${formatDate(demand.sentDate, locale)}`;
  if (demand.deadline === undefined) return `${sent}; no response deadline recorded with it`;
  const stated = `response deadline ${formatDate(demand.deadline, locale)} (as stated in the letter)`;
  const after = daysAfterDeadline(demand.deadline, asOf);
  if (after >= 1) return `${sent}; ${stated}, passed without payment; referred ${dayCount(after)} after the response deadline`;
  return `${sent}; ${stated}; the account cannot be referred before ${formatDate(addDays(demand.deadline, 1), locale)}`;
}

async function coverSheet(data: AccountData, o: { asOf: LocalDate; items: DocInvoice[]; demand: SentDocumentMeta | undefined; files: string[]; chain: ChainCheck; compress?: boolean }): Promise<Buffer> {
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
    ['Final demand', finalDemandLine(o.demand, o.asOf, l)],
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
  const compress = o.compress !== undefined ? { compress: o.compress } : {};
  const statement = await buildStatement({ settings: s, customer: partyOf(data.customer), invoices: data.invoices, asOf: o.asOf, ...compress });
  const numbers = new Map(data.invoices.map((i) => [i.id, i.number]));
  const auditDoc = await auditPdf({ settings: s, scope: `Account ${data.customer.legalName ?? data.customer.displayName}`, entries: data.audit, checks: new Map([[data.customer._id, o.chain]]), timeZone: data.timeZone, generatedAt: documentInstant(o.asOf), invoiceNumbers: numbers, ...compress });

  const files = new Map<string, Buffer | string>();
  // The letters exactly as they were sent (their stored bytes; the audit trail's document.sent entries name each sha256).
  const seen = new Set<string>();
  for (const c of o.letters) {
    let name = `02-${c.meta.letter ?? 'letter'}-${c.meta.sentDate}.pdf`;
    for (let n = 2; seen.has(name); n++) name = `02-${c.meta.letter ?? 'letter'}-${c.meta.sentDate}-${n}.pdf`;
    seen.add(name);
    files.set(name, c.bytes);
  }
  files.set(`03-statement-of-account-${o.asOf}.pdf`, statement.pdf);
  for (const i of items) files.set(`04-invoices/${fileSafe(i.number)}.pdf`, await invoiceCopyPdf(i, data, o.asOf, o.compress));
  files.set('05-contacts.csv', contactsCsv(data));
  files.set('06-audit-trail.csv', auditCsv(data.audit, new Map([[data.customer._id, o.chain]])));
  files.set('06-audit-trail.pdf', auditDoc);
  if (data.personalGuarantee.onFile) {
    files.set('07-personal-guarantee.txt', `A personal guarantee is on file for this account.\r\nReference: ${data.personalGuarantee.reference ?? '(none recorded; ask the creditor for a copy)'}\r\n`);
  }
  const names = ['01-cover-sheet.pdf', ...files.keys(), 'MANIFEST.sha256'];
  const cover = await coverSheet(data, { asOf: o.asOf, items, demand: lastFinalDemand(data), files: names, chain: o.chain, ...compress });
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


// Shared by the documents tests: text out of a PDF (pdftotext), fixtures.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DocInvoice } from '../src/documents/model.js';
import { resolveDocumentSettings, type DocumentSettings } from '../src/documents/settings.js';

/** The text of a PDF, page by page (pdftotext -layout; pages split on form feed). */
export function pdfPages(pdf: Buffer): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'overdue-pdf-'));
  try {
    const file = join(dir, 'doc.pdf');
    writeFileSync(file, pdf);
    const text = execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
    const pages = text.split('\f');
    if (pages.at(-1)?.trim() === '') pages.pop();
    return pages;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function pdfText(pdf: Buffer): string {
  return pdfPages(pdf).join('\n');
}

/** Collapses runs of spaces (pdftotext -layout pads columns). */
export function squash(s: string): string {
  return s.replace(/[ \u00a0]+/g, ' ');
}

export const orgSettings = {
  sender: { company: 'Northwind Supply Co.', name: 'Cole Lector', email: 'ar@northwind.example', phone: '+1 312 555 0100', address: '100 Market St; Chicago, IL 60601' },
  documents: {
    collector: { title: 'Credit Manager', phone: '+1 312 555 0199' },
    payment: { bankDetails: ['First Lake Bank', 'Routing 071000013', 'Account 123456789'] },
    agency: { name: 'Southwest Recovery', email: 'referrals@swrecovery.example' },
  },
};

export function settings(extra: Record<string, unknown> = {}): DocumentSettings {
  return resolveDocumentSettings({ name: 'Northwind Supply', settings: { ...orgSettings, documents: { ...orgSettings.documents, ...extra } } });
}

export function inv(number: string, issueDate: string, dueDate: string, totalMinor: number, balanceMinor = totalMinor, currency = 'USD', extra: Partial<DocInvoice> = {}): DocInvoice {
  return { id: `id-${number}`, number, issueDate, dueDate, currency, totalMinor, balanceMinor, status: balanceMinor === 0 ? 'paid' : 'open', payUrl: `https://pay.example/${number}`, ...extra };
}

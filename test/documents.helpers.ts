// Shared by the documents tests: text out of a PDF (pdfjs-dist, in process: no
// system binary), fixtures.
import type { TextItem } from 'pdfjs-dist/types/src/display/api.js';
import type { DocInvoice } from '../src/documents/model.js';
import { resolveDocumentSettings, type DocumentSettings } from '../src/documents/settings.js';

// pdfjs-dist is ESM; jest compiles it to CommonJS with swc (jest.config.js,
// transformIgnorePatterns). Under Node it runs its "worker" on the main thread when
// globalThis.pdfjsWorker holds the worker module, which spares it a dynamic import
// of a file path that the compiled code cannot follow.
async function loadPdfjs() {
  const worker: unknown = await import('pdfjs-dist/legacy/build/pdf.worker.mjs' as string);
  Object.assign(globalThis, { pdfjsWorker: worker });
  return import('pdfjs-dist/legacy/build/pdf.mjs');
}

/** Text items at the same height (within a point) read as one line, left to right. */
function pageLines(items: readonly TextItem[]): string[] {
  const placed = items
    .filter((it) => it.str !== '')
    .map((it) => ({ str: it.str, x: it.transform[4] as number, y: it.transform[5] as number, right: (it.transform[4] as number) + it.width }))
    .sort((a, b) => b.y - a.y || a.x - b.x);
  const lines: (typeof placed)[] = [];
  for (const it of placed) {
    const line = lines.at(-1);
    if (line && Math.abs(line[0]!.y - it.y) <= 1) line.push(it);
    else lines.push([it]);
  }
  return lines.map((line) => {
    line.sort((a, b) => a.x - b.x);
    let text = '';
    let right = -Infinity;
    for (const it of line) {
      // a gap between two pieces is a space, as a reader would see it
      if (text !== '' && it.x - right > 1 && !/\s$/.test(text) && !/^\s/.test(it.str)) text += ' ';
      text += it.str;
      right = Math.max(right, it.right);
    }
    return text.trimEnd();
  });
}

/** The text of a PDF, page by page: one string per page, its lines top to bottom. */
export async function pdfPages(pdf: Buffer | Uint8Array): Promise<string[]> {
  const { getDocument } = await loadPdfjs();
  // pdfjs takes ownership of (detaches) the array it is given: hand it a copy
  const doc = await getDocument({ data: new Uint8Array(pdf), verbosity: 0 }).promise;
  try {
    const pages: string[] = [];
    for (let n = 1; n <= doc.numPages; n++) {
      const content = await (await doc.getPage(n)).getTextContent();
      pages.push(pageLines(content.items.filter((it): it is TextItem => 'str' in it)).join('\n'));
    }
    return pages;
  } finally {
    await doc.destroy();
  }
}

/** Each page's size in points, [width, height] (A4 is 595.28 × 841.89, US Letter 612 × 792). */
export async function pdfPageSizes(pdf: Buffer | Uint8Array): Promise<[number, number][]> {
  const { getDocument } = await loadPdfjs();
  const doc = await getDocument({ data: new Uint8Array(pdf), verbosity: 0 }).promise;
  try {
    const out: [number, number][] = [];
    for (let n = 1; n <= doc.numPages; n++) {
      const [x0 = 0, y0 = 0, x1 = 0, y1 = 0] = (await doc.getPage(n)).view;
      out.push([Math.round((x1 - x0) * 100) / 100, Math.round((y1 - y0) * 100) / 100]);
    }
    return out;
  } finally {
    await doc.destroy();
  }
}

export async function pdfText(pdf: Buffer | Uint8Array): Promise<string> {
  return (await pdfPages(pdf)).join('\n');
}

/** Collapses runs of spaces (the PDFs pad table columns with spaces). */
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

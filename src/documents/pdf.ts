// Shared pdfkit plumbing for every document: a reproducible document (fixed
// creation date and producer, so the same input gives the same bytes), the
// letterhead, tables that continue across pages with their header repeated, and
// a "page n of m" footer.
import PDFDocument from 'pdfkit';
import type { DocumentSettings } from './settings.js';
import { pdfSafe } from './format.js';

export type Pdf = PDFKit.PDFDocument;

export interface DocOptions {
  title: string;
  subject?: string;
  author: string;
  /** Creation date written into the PDF (derive it from the input, never from the clock). */
  createdAt: Date;
  paperSize: 'A4' | 'LETTER';
  /** false writes uncompressed content streams (tests read the text straight from the bytes). */
  compress?: boolean;
  /** Footer line next to the page number. */
  footer?: string;
}

export const FONT = 'Helvetica';
export const BOLD = 'Helvetica-Bold';
export const ITALIC = 'Helvetica-Oblique';
const MARGIN = 56;
const FOOTER_SPACE = 28;

export function newDoc(o: DocOptions): Pdf {
  const doc = new PDFDocument({
    size: o.paperSize,
    margins: { top: MARGIN, left: MARGIN, right: MARGIN, bottom: MARGIN + FOOTER_SPACE },
    compress: o.compress ?? true,
    bufferPages: true,
    autoFirstPage: true,
    info: {
      Title: pdfSafe(o.title),
      Author: pdfSafe(o.author),
      ...(o.subject !== undefined ? { Subject: pdfSafe(o.subject) } : {}),
      Creator: 'Overdue',
      Producer: 'Overdue (pdfkit)',
      CreationDate: o.createdAt,
      ModDate: o.createdAt,
    },
  });
  doc.font(FONT).fontSize(10);
  return doc;
}

/** Writes page numbers (and the footer text) on every page, ends the document and collects its bytes. */
export function finish(doc: Pdf, footer?: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    const y = doc.page.height - MARGIN - 10;
    const width = doc.page.width - 2 * MARGIN;
    doc.font(FONT).fontSize(8).fillColor('#555555');
    if (footer) doc.text(pdfSafe(footer), MARGIN, y, { width, align: 'left', lineBreak: false });
    doc.text(`Page ${i + 1 - range.start} of ${range.count}`, MARGIN, y, { width, align: 'right', lineBreak: false });
    doc.page.margins.bottom = bottom;
    doc.fillColor('black');
  }
  doc.end();
  return done;
}

export function contentWidth(doc: Pdf): number {
  return doc.page.width - doc.page.margins.left - doc.page.margins.right;
}

export function bottomLimit(doc: Pdf): number {
  return doc.page.height - doc.page.margins.bottom;
}

/** Moves to a new page when fewer than `needed` points are left on this one. */
export function ensureSpace(doc: Pdf, needed: number): void {
  if (doc.y + needed > bottomLimit(doc)) doc.addPage();
}

/** Organisation name (and logo) on the left, address and contacts on the right, a rule under them. */
export function letterhead(doc: Pdf, s: DocumentSettings): void {
  const left = doc.page.margins.left;
  const top = doc.page.margins.top;
  const width = contentWidth(doc);
  let nameX = left;
  if (s.letterhead.logo) {
    try {
      doc.image(s.letterhead.logo, left, top, { fit: [64, 48] });
      nameX = left + 74;
    } catch {
      // an image pdfkit cannot read: the letterhead goes on without it
    }
  }
  doc.font(BOLD).fontSize(16).text(pdfSafe(s.letterhead.name), nameX, top + 4, { width: width / 2, lineBreak: true });
  const leftBottom = doc.y;
  const contact = [...s.letterhead.addressLines, s.letterhead.phone, s.letterhead.email, s.letterhead.website].filter((x): x is string => x !== undefined);
  doc.font(FONT).fontSize(8.5).fillColor('#333333');
  doc.text(pdfSafe(contact.join('\n')), left + width / 2, top, { width: width / 2, align: 'right' });
  doc.fillColor('black');
  const y = Math.max(leftBottom, doc.y, top + (s.letterhead.logo ? 48 : 0)) + 8;
  doc.moveTo(left, y).lineTo(left + width, y).lineWidth(0.8).strokeColor('#444444').stroke();
  doc.x = left;
  doc.y = y + 14;
  doc.font(FONT).fontSize(10);
}

export interface Column {
  header: string;
  /** Share of the content width (the shares are normalised). */
  width: number;
  align?: 'left' | 'right' | 'center';
}

export interface TableOptions {
  /** Called on every page the table continues onto, before the header is drawn again. */
  onContinue?: (doc: Pdf) => void;
  fontSize?: number;
  /** Rows drawn bold (totals). */
  boldRows?: ReadonlySet<number>;
  zebra?: boolean;
}

/** A table whose header is repeated on every page it runs onto. Returns how many pages it started. */
export function table(doc: Pdf, columns: readonly Column[], rows: readonly (readonly string[])[], opts: TableOptions = {}): number {
  const size = opts.fontSize ?? 8.5;
  const left = doc.page.margins.left;
  const total = columns.reduce((s, c) => s + c.width, 0);
  const widths = columns.map((c) => (c.width / total) * contentWidth(doc));
  const pad = 3;
  let pagesAdded = 0;

  const rowHeight = (cells: readonly string[], font: string): number => {
    doc.font(font).fontSize(size);
    let h = 0;
    cells.forEach((c, i) => {
      h = Math.max(h, doc.heightOfString(pdfSafe(c), { width: (widths[i] ?? 0) - 2 * pad }));
    });
    return h + 2 * pad;
  };
  const drawRow = (cells: readonly string[], font: string, y: number, h: number, fill?: string): void => {
    if (fill) doc.rect(left, y, contentWidth(doc), h).fill(fill).fillColor('black');
    doc.font(font).fontSize(size);
    let x = left;
    cells.forEach((c, i) => {
      const w = widths[i] ?? 0;
      doc.text(pdfSafe(c), x + pad, y + pad, { width: w - 2 * pad, align: columns[i]?.align ?? 'left' });
      x += w;
    });
  };
  const header = (): void => {
    const cells = columns.map((c) => c.header);
    const h = rowHeight(cells, BOLD);
    const y = doc.y;
    drawRow(cells, BOLD, y, h, '#e6e6e6');
    doc.moveTo(left, y + h).lineTo(left + contentWidth(doc), y + h).lineWidth(0.6).strokeColor('#777777').stroke();
    doc.y = y + h;
  };

  ensureSpace(doc, 40);
  header();
  rows.forEach((cells, r) => {
    const font = opts.boldRows?.has(r) ? BOLD : FONT;
    const h = rowHeight(cells, font);
    if (doc.y + h > bottomLimit(doc)) {
      doc.addPage();
      pagesAdded++;
      opts.onContinue?.(doc);
      header();
    }
    const y = doc.y;
    drawRow(cells, font, y, h, opts.zebra && r % 2 === 1 ? '#f5f5f5' : undefined);
    doc.y = y + h;
  });
  doc.moveTo(left, doc.y).lineTo(left + contentWidth(doc), doc.y).lineWidth(0.4).strokeColor('#999999').stroke();
  doc.x = left;
  doc.y += 6;
  doc.font(FONT).fontSize(10);
  return pagesAdded;
}

/** A paragraph at the left margin, full width. */
export function paragraph(doc: Pdf, text: string, opts: { font?: string; size?: number; gap?: number } = {}): void {
  doc.font(opts.font ?? FONT).fontSize(opts.size ?? 10);
  doc.text(pdfSafe(text), doc.page.margins.left, doc.y, { width: contentWidth(doc), align: 'left' });
  doc.y += opts.gap ?? 6;
}

/** A label/value block: "Label: value" lines, labels bold. */
export function facts(doc: Pdf, rows: readonly (readonly [string, string])[], size = 9.5): void {
  const left = doc.page.margins.left;
  const labelW = 150;
  for (const [label, value] of rows) {
    doc.font(BOLD).fontSize(size);
    const h = Math.max(doc.heightOfString(pdfSafe(label), { width: labelW - 6 }), doc.font(FONT).heightOfString(pdfSafe(value), { width: contentWidth(doc) - labelW }));
    ensureSpace(doc, h + 2);
    const y = doc.y;
    doc.font(BOLD).text(pdfSafe(label), left, y, { width: labelW - 6 });
    doc.font(FONT).text(pdfSafe(value), left + labelW, y, { width: contentWidth(doc) - labelW });
    doc.y = y + h + 2;
  }
  doc.x = left;
  doc.font(FONT).fontSize(10);
}

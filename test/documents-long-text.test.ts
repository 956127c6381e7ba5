// Finding 2: pdfkit wraps a word wider than the line character by character, in roughly quadratic time; a
// customer name of one 100,000-character word blocked statement.pdf for ~500 s and final-demand.pdf never
// finished. Every drawn string is now capped and its long runs broken (src/documents/format.ts), so these
// documents render — and show the capped text — instead of hanging the test (and the process).
import { breakLongRuns, capText, PDF_TEXT, pdfSafe } from '../src/documents/format.js';
import { buildLetter } from '../src/documents/letter.js';
import { buildStatement } from '../src/documents/statement.js';
import { inv, pdfText, settings } from './documents.helpers.js';

const WORD = 'W'.repeat(100_000);
/** As long a note as the documents settings take (4,000 characters), one word. */
const NOTE = 'N'.repeat(4_000);
const customer = { name: WORD, addressLines: [WORD, '1 Main St'], attention: `${WORD}, CFO`, reference: WORD };
const invoices = [inv('INV-1001', '2024-11-01', '2024-12-01', 1234567, 1000000), inv('INV-1002', '2024-12-01', '2024-12-31', 500000)];
const noted = () => settings({ payment: { instructions: NOTE } });
/** The letters of the PDF's text, whitespace gone (the broken runs are rejoined). */
const letters = async (pdf: Buffer) => (await pdfText(pdf)).replace(/\s+/g, '');

describe('long text in PDFs', () => {
  it('caps a string and breaks its unbroken runs', () => {
    expect(capText('abcdef', 4)).toBe('abc…');
    expect(capText('abc', 4)).toBe('abc');
    expect(breakLongRuns(`${'x'.repeat(PDF_TEXT.run * 2 + 1)} ok`)).toBe(`${'x'.repeat(PDF_TEXT.run)} ${'x'.repeat(PDF_TEXT.run)} x ok`);
    expect(breakLongRuns('https://pay.example/INV-1001 short words stay')).toBe('https://pay.example/INV-1001 short words stay');
    const drawn = pdfSafe(WORD);
    expect(drawn.replace(/ /g, '')).toHaveLength(PDF_TEXT.drawn);
    expect(Math.max(...drawn.split(' ').map((w) => w.length))).toBe(PDF_TEXT.run);
  });

  it('statement.pdf with a 100,000-character one-word name and note renders, the name capped', async () => {
    const st = await buildStatement({ settings: noted(), customer, invoices, asOf: '2025-03-12' });
    const text = await letters(st.pdf);
    expect(text).toContain(`${'W'.repeat(PDF_TEXT.name - 1)}…`);
    expect(text).not.toContain('W'.repeat(PDF_TEXT.name));
    expect(text).toContain(`${'N'.repeat(PDF_TEXT.notes - 1)}…`);
    expect(text).toContain('INV-1001');
  });

  it('final-demand.pdf with a 100,000-character one-word name and note renders, name and note capped', async () => {
    const l = await buildLetter({ kind: 'final-demand', settings: noted(), customer, invoices, sentDate: '2025-03-12' });
    const text = await letters(l.pdf);
    expect(text).toContain(`${'W'.repeat(PDF_TEXT.name - 1)}…`);
    expect(text).not.toContain('W'.repeat(PDF_TEXT.name));
    expect(text).toContain(`${'N'.repeat(PDF_TEXT.notes - 1)}…`);
    expect(text).not.toContain('N'.repeat(PDF_TEXT.notes));
    expect(text).toContain('INV-1002');
  });
});

// `npm run bench -- documents`: final demand letters per second (8 past-due
// invoices each, compressed PDFs as sent), and time, size and peak memory for a
// statement of 500 invoices.
import { buildLetter } from '../src/documents/letter.js';
import type { DocInvoice } from '../src/documents/model.js';
import { resolveDocumentSettings } from '../src/documents/settings.js';
import { buildStatement } from '../src/documents/statement.js';

const LETTERS = 300;
const STATEMENT_INVOICES = 500;

const settings = resolveDocumentSettings({
  name: 'Northwind Supply',
  settings: {
    sender: { company: 'Northwind Supply Co.', name: 'Cole Lector', email: 'ar@northwind.example', phone: '+1 312 555 0100', address: '100 Market St; Chicago, IL 60601' },
    documents: { payment: { bankDetails: ['First Lake Bank', 'Routing 071000013', 'Account 123456789'] }, agency: { name: 'Southwest Recovery' } },
  },
});
const customer = { name: 'Contoso Builders LLC', attention: 'Ann Lee, CFO', addressLines: ['42 Harbor Rd', 'Springfield, IL 62701'], reference: 'C-77' };

function invoices(n: number): DocInvoice[] {
  return Array.from({ length: n }, (_, k) => {
    const due = new Date(Date.UTC(2024, 0, 1) + k * 86_400_000).toISOString().slice(0, 10);
    const total = 10_000 + ((k * 7919) % 500_000);
    return { id: `i${k}`, number: `INV-${10_000 + k}`, issueDate: due, dueDate: due, currency: k % 7 === 0 ? 'EUR' : 'USD', totalMinor: total, balanceMinor: k % 5 === 0 ? Math.floor(total / 2) : total, status: 'open', payUrl: `https://pay.example/${k}` };
  });
}

export async function run(): Promise<void> {
  const few = invoices(8);
  // warm-up: fonts, JIT
  for (let i = 0; i < 10; i++) await buildLetter({ kind: 'final-demand', settings, customer, invoices: few, sentDate: '2025-03-12' });
  let bytes = 0;
  const t0 = performance.now();
  for (let i = 0; i < LETTERS; i++) bytes += (await buildLetter({ kind: 'final-demand', settings, customer, invoices: few, sentDate: '2025-03-12' })).pdf.length;
  const ms = performance.now() - t0;
  console.log(`final demand letters: ${LETTERS} in ${ms.toFixed(0)} ms → ${Math.round((LETTERS / ms) * 1000)} letters/s (avg ${(bytes / LETTERS / 1024).toFixed(1)} KB each)`);

  const many = invoices(STATEMENT_INVOICES);
  if (global.gc) global.gc();
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 2);
  const s0 = performance.now();
  const st = await buildStatement({ settings, customer, invoices: many, asOf: '2025-06-30' });
  const sms = performance.now() - s0;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  const mb = (b: number): string => (b / (1024 * 1024)).toFixed(0);
  console.log(`statement of ${STATEMENT_INVOICES} invoices: ${st.pages} pages, ${(st.pdf.length / 1024).toFixed(0)} KB in ${sms.toFixed(0)} ms; peak RSS ${mb(peak)} MB (${mb(peak - rssBefore)} MB above the ${mb(rssBefore)} MB before)`);
}

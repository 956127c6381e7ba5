// Who sells to and who collects from each customer: CustomerDoc.salesRepEmail /
// collectorEmail, imported through the admin API (CSV or JSON) and exported as
// CSV. A row whose customer is `*` sets the organisation's default collector
// (settings.assignments.defaultCollectorEmail), which planning uses for a
// customer without one. Every row is validated before anything is written; each
// change is appended to the account's audit trail (`account.assigned`). This
// file is the pure part (reading rows, matching them to customers); the admin
// API's router is app/http/assignments.ts.
import { z } from 'zod';
import type { CustomerDoc } from '../store/types.js';
import { normaliseEmail } from './state.js';

export const ASSIGNMENTS_CSV_HEADER = ['customer', 'sales_rep_email', 'collector_email', 'display_name'] as const;
/** The customer cell of the row that sets the organisation's default collector. */
export const DEFAULT_ROW = '*';
const MAX_ROWS = 10_000;

/** A cell: undefined = leave as it is, null = clear, else the address. */
export type Cell = string | null | undefined;
export interface AssignmentRow {
  line: number;
  customer: string;
  salesRepEmail: Cell;
  collectorEmail: Cell;
}

const email = z.email().transform(normaliseEmail);
const JsonRow = z.object({
  customer: z.string().trim().min(1).max(300),
  salesRepEmail: email.nullable().optional(),
  collectorEmail: email.nullable().optional(),
});
const JsonBody = z.object({ rows: z.array(z.unknown()).max(MAX_ROWS) });
/** The JSON body as a whole, as the OpenAPI document shows it (rowsFromJson checks each row on its own with JsonRow, so one bad row is reported by its line). */
export const AssignmentsJson = z.object({ rows: z.array(JsonRow).max(MAX_ROWS) });

/** RFC 4180 records (quoted fields may hold commas, quotes doubled, line breaks), each with its first line number. */
export function parseCsv(text: string): { line: number; cells: string[] }[] {
  const out: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  const endRecord = () => {
    cells.push(cell);
    if (!(cells.length === 1 && cells[0]?.trim() === '')) out.push({ line: start, cells });
    cells = [];
    cell = '';
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { cell += '"'; i++; }
      else if (ch === '"') quoted = false;
      else { if (ch === '\n') line++; cell += ch; }
    } else if (ch === '"' && cell === '') quoted = true;
    else if (ch === ',') { cells.push(cell); cell = ''; }
    else if (ch === '\r') continue;
    else if (ch === '\n') { endRecord(); line++; start = line; }
    else cell += ch;
  }
  if (cell !== '' || cells.length > 0) endRecord();
  return out;
}

type Parsed = { rows: AssignmentRow[]; invalid: { line: number; problem: string }[] };

function emailCell(raw: string | undefined, column: string): { ok: true; value: Cell } | { ok: false; problem: string } {
  const v = (raw ?? '').trim();
  if (v === '') return { ok: true, value: undefined };
  if (v === '-') return { ok: true, value: null };
  const r = email.safeParse(v);
  return r.success ? { ok: true, value: r.data } : { ok: false, problem: `${column}: not an email address: ${v}` };
}

/** CSV rows: a header naming customer, sales_rep_email, collector_email (any order; other columns are ignored). */
export function rowsFromCsv(text: string): Parsed {
  const records = parseCsv(text.replace(/^\uFEFF/, ''));
  const header = records.shift();
  const names = (header?.cells ?? []).map((h) => h.trim().toLowerCase());
  const col = { customer: names.indexOf('customer'), rep: names.indexOf('sales_rep_email'), collector: names.indexOf('collector_email') };
  if (col.customer < 0 || (col.rep < 0 && col.collector < 0)) {
    return { rows: [], invalid: [{ line: 1, problem: 'the header must name customer and sales_rep_email and/or collector_email' }] };
  }
  if (records.length > MAX_ROWS) return { rows: [], invalid: [{ line: 1, problem: `more than ${MAX_ROWS} rows` }] };
  const out: Parsed = { rows: [], invalid: [] };
  for (const r of records) {
    const customer = (r.cells[col.customer] ?? '').trim();
    const rep = emailCell(col.rep < 0 ? undefined : r.cells[col.rep], 'sales_rep_email');
    const collector = emailCell(col.collector < 0 ? undefined : r.cells[col.collector], 'collector_email');
    const problems = [customer === '' ? 'customer is empty' : null, rep.ok ? null : rep.problem, collector.ok ? null : collector.problem].filter((p): p is string => p !== null);
    if (problems.length > 0 || !rep.ok || !collector.ok) out.invalid.push({ line: r.line, problem: problems.join('; ') });
    else out.rows.push({ line: r.line, customer, salesRepEmail: rep.value, collectorEmail: collector.value });
  }
  return out;
}

/** JSON rows `{ customer, salesRepEmail?, collectorEmail? }` (null clears); `line` is the row's 1-based position. */
export function rowsFromJson(body: unknown): Parsed {
  const parsed = JsonBody.safeParse(body);
  if (!parsed.success) return { rows: [], invalid: [{ line: 0, problem: `body must be { rows: [...] } with at most ${MAX_ROWS} rows` }] };
  const out: Parsed = { rows: [], invalid: [] };
  parsed.data.rows.forEach((raw, i) => {
    const r = JsonRow.safeParse(raw);
    if (!r.success) out.invalid.push({ line: i + 1, problem: r.error.issues.map((x) => `${x.path.join('.') || 'row'}: ${x.message}`).join('; ') });
    else out.rows.push({ line: i + 1, customer: r.data.customer, salesRepEmail: r.data.salesRepEmail, collectorEmail: r.data.collectorEmail });
  });
  return out;
}

/**
 * How an import names a customer: its account id, external id, Xero account number or exact display name,
 * case-insensitive. The customers a cell matches (none, one, or several when names repeat).
 */
export function customerMatcher(customers: readonly CustomerDoc[]): (cell: string) => CustomerDoc[] {
  const index = new Map<string, CustomerDoc[]>();
  const add = (k: string, c: CustomerDoc) => {
    const key = k.toLowerCase();
    const list = index.get(key) ?? [];
    if (!list.includes(c)) list.push(c);
    index.set(key, list);
  };
  for (const c of customers) {
    add(c._id, c);
    add(c.externalId, c);
    add(c.displayName, c);
    for (const t of c.tags) if (t.startsWith('account:')) add(t.slice('account:'.length), c);
  }
  return (cell) => index.get(cell.trim().toLowerCase()) ?? [];
}

export interface AssignmentPlan {
  changes: { customer: CustomerDoc; salesRepEmail: Cell; collectorEmail: Cell }[];
  defaultCollector: Cell;
  unmatched: string[];
  invalid: { line: number; problem: string }[];
}

/**
 * Pure: match rows to customers (the account id, external id, Xero account number or exact display name,
 * case-insensitive) and check them all. A name matching two customers, a customer on two rows, or a `*` row
 * with a sales rep is invalid.
 */
export function planAssignments(rows: readonly AssignmentRow[], customers: readonly CustomerDoc[]): AssignmentPlan {
  const match = customerMatcher(customers);
  const plan: AssignmentPlan = { changes: [], defaultCollector: undefined, unmatched: [], invalid: [] };
  const seen = new Map<string, number>();
  for (const row of rows) {
    if (row.customer === DEFAULT_ROW) {
      if (row.salesRepEmail !== undefined) plan.invalid.push({ line: row.line, problem: 'the * row sets the default collector only (leave sales_rep_email empty)' });
      else plan.defaultCollector = row.collectorEmail;
      continue;
    }
    const found = match(row.customer);
    if (found.length === 0) { plan.unmatched.push(row.customer); continue; }
    if (found.length > 1) { plan.invalid.push({ line: row.line, problem: `${row.customer} matches ${found.length} customers: use the account id` }); continue; }
    const customer = found[0] as CustomerDoc;
    const earlier = seen.get(customer._id);
    if (earlier !== undefined) { plan.invalid.push({ line: row.line, problem: `${customer.displayName} is already on line ${earlier}` }); continue; }
    seen.set(customer._id, row.line);
    const same = (next: Cell, now: string | undefined) => next === undefined || (next === null ? now === undefined : next === now);
    if (same(row.salesRepEmail, customer.salesRepEmail) && same(row.collectorEmail, customer.collectorEmail)) continue;
    plan.changes.push({ customer, salesRepEmail: row.salesRepEmail, collectorEmail: row.collectorEmail });
  }
  return plan;
}

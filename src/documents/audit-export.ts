// The audit trail out of the store: CSV (RFC 4180, spreadsheet-safe) and a
// readable PDF, per account or per organisation and period. The export shows
// each entry's hashes so a reader can re-check the chain by hand, and the
// result of Overdue's own check: the PDF on its first page, the CSV in a last
// column, `chain_check`, on every row (the verdict of the row's account chain),
// so it survives sorting, filtering and copying rows out, and no row of the
// file is anything but an entry.
import { canonicalJson } from '../store/hash.js';
import type { AuditEntryDoc } from '../store/types.js';
import type { ChainCheck } from '../store/audit.js';
import { formatInstant } from './format.js';
import { BOLD, facts, finish, letterhead, newDoc, paragraph, table, type Column } from './pdf.js';
import type { DocumentSettings } from './settings.js';

/**
 * A value a spreadsheet could run as a formula: = + - @ or their full-width forms
 * (＝ ＋ － ＠), first or after leading whitespace (spaces, no-break and ideographic
 * spaces), or a value starting with a tab, CR or LF.
 */
const FORMULA_START = /^(?:\s*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20]|[\t\r\n])/;

/**
 * One CSV field: quoted when it holds a comma, quote, CR or LF (quotes doubled,
 * RFC 4180); a value that could run as a formula (FORMULA_START) gets a leading
 * apostrophe first. Every CSV Overdue writes goes through here (toCsv).
 */
export function csvField(value: string): string {
  const guarded = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(guarded) ? `"${guarded.replace(/"/g, '""')}"` : guarded;
}

/** A cell read back from a CSV Overdue wrote: the apostrophe csvField put before a formula-like value removed. */
export function unguardedCell(value: string): string {
  return value.startsWith("'") && FORMULA_START.test(value.slice(1)) ? value.slice(1) : value;
}

/** Rows to CSV text: CRLF line ends, a header row first. */
export function toCsv(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

export const AUDIT_CSV_HEADER = ['account_id', 'seq', 'at', 'actor_kind', 'actor_id', 'actor_name', 'channel', 'action', 'invoice_ids', 'outcome', 'details', 'corrects_id', 'entry_id', 'prev_hash', 'hash', 'chain_check'] as const;

/** A chain's verdict as the CSV's `chain_check` cell: `intact`, or `BROKEN at seq N: why`. */
export function chainVerdict(check: ChainCheck | undefined): string {
  if (!check) return 'not checked';
  return check.ok ? 'intact' : `BROKEN at seq ${check.brokenAtSeq}: ${check.reason}`;
}

/**
 * The chains' state as one HTTP header value (`X-Audit-Chain`): `intact` (also when there is nothing to
 * check), else `broken at seq N` for an account's export, `broken: <account> at seq N; …` for a period's.
 */
export function chainHeader(checks: ReadonlyMap<string, ChainCheck>, scope: 'account' | 'period'): string {
  const broken = [...checks.entries()].filter((x): x is [string, Extract<ChainCheck, { ok: false }>] => !x[1].ok).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (broken.length === 0) return 'intact';
  const text = scope === 'account' ? broken.map(([, c]) => `broken at seq ${c.brokenAtSeq}`).join('; ') : `broken: ${broken.map(([acc, c]) => `${acc} at seq ${c.brokenAtSeq}`).join('; ')}`;
  return text.replace(/[^\x20-\x7e]/g, '?'); // header values are ASCII
}

/** The entries as CSV; `checks` holds the verification of each account's chain (store.audit.verify). */
export function auditCsv(entries: readonly AuditEntryDoc[], checks: ReadonlyMap<string, ChainCheck>): string {
  return toCsv(
    AUDIT_CSV_HEADER,
    entries.map((e) => [
      e.accountId,
      String(e.seq),
      e.at.toISOString(),
      e.actor.kind,
      e.actor.id,
      e.actor.name ?? '',
      e.channel,
      e.action,
      e.invoiceIds.join(' '),
      e.outcome ?? '',
      e.details !== undefined ? canonicalJson(e.details) : '',
      e.correctsId ?? '',
      e._id,
      e.prevHash,
      e.hash,
      chainVerdict(checks.get(e.accountId)),
    ]),
  );
}

export interface AuditPdfInput {
  settings: DocumentSettings;
  /** "Account: Contoso Builders LLC" or "Organisation Northwind, March 2025". */
  scope: string;
  entries: readonly AuditEntryDoc[];
  /** Chain checks per account, shown on the first page. */
  checks: ReadonlyMap<string, ChainCheck>;
  timeZone: string;
  /** The export's date (creation date of the PDF). */
  generatedAt: Date;
  /** Invoice ids → numbers, for readable rows. */
  invoiceNumbers?: ReadonlyMap<string, string>;
  compress?: boolean;
}

function who(e: AuditEntryDoc): string {
  const name = e.actor.name ?? e.actor.id;
  return e.actor.kind === 'system' ? `${name} (system)` : e.actor.kind === 'customer' ? `${name} (customer)` : name;
}

export async function auditPdf(input: AuditPdfInput): Promise<Buffer> {
  const s = input.settings;
  const doc = newDoc({ title: `Audit trail: ${input.scope}`, author: s.letterhead.name, createdAt: input.generatedAt, paperSize: s.paperSize, ...(input.compress !== undefined ? { compress: input.compress } : {}) });
  letterhead(doc, s);
  paragraph(doc, 'AUDIT TRAIL', { font: BOLD, size: 14, gap: 6 });
  const checks = [...input.checks.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  facts(doc, [
    ['Scope', input.scope],
    ['Entries', String(input.entries.length)],
    ['Times shown in', input.timeZone],
    [
      'Hash chain',
      checks.length === 0
        ? 'no entries'
        : checks.map(([acc, c]) => (c.ok ? `${acc}: intact (${c.entries} entries)` : `${acc}: BROKEN at entry ${c.brokenAtSeq}: ${c.reason}`)).join('\n'),
    ],
  ]);
  paragraph(doc, 'Each entry carries the SHA-256 hash of the previous entry of the same account; the CSV export lists the full hashes.', { size: 8.5, gap: 8 });
  const cols: Column[] = [
    { header: '#', width: 0.4, align: 'right' },
    { header: 'When', width: 1.5 },
    { header: 'Who', width: 1.3 },
    { header: 'Channel', width: 0.8 },
    { header: 'What', width: 2.0 },
    { header: 'Invoices', width: 1.1 },
    { header: 'Outcome', width: 2.3 },
    { header: 'Hash', width: 0.8 },
  ];
  const bySeq = new Map(input.entries.map((e) => [e._id, e.seq]));
  const rows = input.entries.map((e) => [
    String(e.seq),
    formatInstant(e.at, s.locale, input.timeZone),
    who(e),
    e.channel,
    e.correctsId ? `${e.action} (corrects #${bySeq.get(e.correctsId) ?? e.correctsId})` : e.action,
    e.invoiceIds.map((id) => input.invoiceNumbers?.get(id) ?? id).join(', '),
    e.outcome ?? '',
    e.hash.slice(0, 10),
  ]);
  table(doc, cols, rows, { fontSize: 7.5, zebra: true });
  return finish(doc, `${s.letterhead.name} · Audit trail · ${input.scope}`);
}

// A customer's contacts come from two places: the ledger (the sync writes them
// on the customer document, replacing them on every sync) and people (the
// contacts import of the admin API, the Slack Contacts modal), whose contacts
// live in the account's state, where no sync writes. This file is the pure part:
// what a person may enter (one schema for the import's rows and the modal's
// form), how an entry lands among the account's entered contacts, how an import
// is checked (all or nothing), and how both sources merge into the contacts the
// engine, the letters and Slack see.
import { z } from 'zod';
import { isValidTimeZone } from '../domain/calendar.js';
import { canonicalLanguage } from '../domain/language.js';
import { unguardedCell } from '../documents/audit-export.js';
import { CONTACT_ROLES, roleLabel, type ContactRole } from '../domain/contact-roles.js';
import type { AuditActor, AuditInput, ContactDoc, CustomerDoc } from '../store/types.js';
import { customerMatcher, parseCsv } from './assignments.js';
import { normaliseEmail, type EnteredContactDoc } from './state.js';

/** Text a person typed: no control characters (a NUL would be refused by the database; a line break breaks a letter's attention line). */
const hasControl = (v: string): boolean => [...v].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f);
const typed = (max: number) => z.string().trim().max(max).refine((v) => !hasControl(v), 'control characters are not allowed');

/** An empty or blank value is no value (a CSV's empty cell, a modal's untouched input). */
const blankIsAbsent = (v: unknown): unknown => (v === null || (typeof v === 'string' && v.trim() === '') ? undefined : v);
const optional = <T extends z.ZodType>(s: T) => z.preprocess(blankIsAbsent, s.optional());

/** One contact a person enters: the import's rows and the modal's form are read through this schema. */
export const EnteredContactInput = z
  .object({
    role: z.preprocess((v) => (typeof v === 'string' ? v.trim().toLowerCase() : v), z.enum(CONTACT_ROLES, { error: `role must be one of ${CONTACT_ROLES.join(', ')}` })),
    name: z.preprocess((v) => v ?? '', z.string({ error: 'name is required' }).trim().min(1, 'name is required').pipe(typed(200))),
    email: optional(z.string().trim().pipe(z.email({ error: 'not an email address' }).max(254)).transform(normaliseEmail)),
    phone: optional(typed(50)),
    timeZone: optional(z.string().trim().refine(isValidTimeZone, 'not an IANA time zone (e.g. Europe/London)')),
    language: optional(z.string().trim().refine((v) => canonicalLanguage(v) !== null, 'not a language tag (BCP 47, e.g. en-GB)')),
  })
  .refine((c) => c.email !== undefined || c.phone !== undefined, { message: 'an email or a phone is needed', path: ['email'] });
export type EnteredContactInput = z.infer<typeof EnteredContactInput>;

/** The problems of a parse, one line: "email: not an email address; timeZone: not an IANA time zone". */
export function problemText(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length > 0 ? `${i.path.map(String).join('.')}: ${i.message}` : i.message)).join('; ');
}

/**
 * Which entered contact an entry is: the one with its email, or — for a contact without an address — the
 * one of its role. Entering the same key again updates that contact (idempotent), never adds a second.
 */
export function enteredIdOf(c: Pick<EnteredContactInput, 'email' | 'role'>): string {
  return c.email !== undefined ? `entered:email:${c.email}` : `entered:role:${c.role}`;
}

export interface EnteredChange {
  before: EnteredContactDoc | null;
  after: EnteredContactDoc;
}

/**
 * An entry applied to an account's entered contacts: a new contact, or the contact with that key
 * replaced (name, phone, zone, language as entered; the role added to its roles). Null when nothing
 * would change (the same entry again). A bounce already recorded on the contact stays.
 */
export function applyEntered(contacts: readonly EnteredContactDoc[], input: EnteredContactInput, by: string, at: Date): { contacts: EnteredContactDoc[]; change: EnteredChange | null } {
  const id = enteredIdOf(input);
  const before = contacts.find((c) => c.id === id) ?? null;
  const roles: ContactRole[] = before ? (before.roles.includes(input.role) ? before.roles : [...before.roles, input.role]) : [input.role];
  const fields = {
    id,
    name: input.name,
    ...(input.email !== undefined ? { email: input.email } : {}),
    ...(input.phone !== undefined ? { phone: input.phone } : {}),
    roles,
    ...(input.timeZone !== undefined ? { timeZone: input.timeZone } : {}),
    ...(input.language !== undefined ? { language: input.language } : {}),
    ...(before?.bouncedAt ? { bouncedAt: before.bouncedAt } : {}),
  };
  if (before && sameContact(before, fields)) return { contacts: [...contacts], change: null };
  const after: EnteredContactDoc = { ...fields, enteredBy: by, enteredAt: at };
  return { contacts: before ? contacts.map((c) => (c.id === id ? after : c)) : [...contacts, after], change: { before, after } };
}

function sameContact(a: ContactDoc, b: ContactDoc): boolean {
  return a.name === b.name && a.email === b.email && a.phone === b.phone && a.timeZone === b.timeZone && a.language === b.language && a.roles.join() === b.roles.join();
}

/** The audit entry of one entered contact added or changed (the import's and the Slack modal's). */
export function enteredContactAudit(orgId: string, accountId: string, actor: AuditActor, channel: 'api' | 'slack' | 'console', ch: EnteredChange, at: Date): AuditInput {
  const c = ch.after;
  const what = `${c.name}${c.email ? ` <${c.email}>` : ''} as ${c.roles.map(roleLabel).join(', ')}`;
  const fields = (x: EnteredContactDoc) => ({ name: x.name, email: x.email ?? null, phone: x.phone ?? null, roles: x.roles, timeZone: x.timeZone ?? null, language: x.language ?? null });
  return {
    orgId, accountId, actor, channel, action: ch.before ? 'contact.updated' : 'contact.added', invoiceIds: [],
    outcome: ch.before ? `contact changed: ${what}` : `contact added: ${what}`,
    details: { contactId: c.id, before: ch.before ? fields(ch.before) : null, after: fields(c) },
    at,
  };
}

/** The roles of an edit: one or more of the table's, each once (the console's edit form). */
export const EnteredRoles = z.array(z.enum(CONTACT_ROLES, { error: `role must be one of ${CONTACT_ROLES.join(', ')}` })).min(1, 'choose at least one role').max(CONTACT_ROLES.length).transform((rs) => [...new Set(rs)]);

/**
 * An entered contact edited as a whole (the console's edit form): its fields as `input` says (read through
 * EnteredContactInput, `input.role` being the first of `roles`) and exactly `roles`. Its key follows the
 * (new) email; another entered contact already holding that key is a problem, not a merge. A bounce stays
 * with the address it was recorded for. Null change when nothing differs.
 */
export function editEntered(
  contacts: readonly EnteredContactDoc[],
  id: string,
  input: EnteredContactInput,
  roles: readonly ContactRole[],
  by: string,
  at: Date,
): { contacts: EnteredContactDoc[]; change: EnteredChange | null } | { problem: 'unknown' | 'taken' } {
  const before = contacts.find((c) => c.id === id);
  if (!before) return { problem: 'unknown' };
  const newId = enteredIdOf(input);
  if (newId !== id && contacts.some((c) => c.id === newId)) return { problem: 'taken' };
  const fields = {
    id: newId,
    name: input.name,
    ...(input.email !== undefined ? { email: input.email } : {}),
    ...(input.phone !== undefined ? { phone: input.phone } : {}),
    roles: [...roles],
    ...(input.timeZone !== undefined ? { timeZone: input.timeZone } : {}),
    ...(input.language !== undefined ? { language: input.language } : {}),
    ...(before.bouncedAt && before.email === input.email ? { bouncedAt: before.bouncedAt } : {}),
  };
  if (newId === id && sameContact(before, fields)) return { contacts: [...contacts], change: null };
  const after: EnteredContactDoc = { ...fields, enteredBy: by, enteredAt: at };
  return { contacts: contacts.map((c) => (c.id === id ? after : c)), change: { before, after } };
}

/** An entered contact taken off the account (the ledger's contacts are the ledger's: a sync would bring them back). */
export function removeEntered(contacts: readonly EnteredContactDoc[], id: string): { contacts: EnteredContactDoc[]; removed: EnteredContactDoc | null } {
  const removed = contacts.find((c) => c.id === id) ?? null;
  return { contacts: contacts.filter((c) => c.id !== id), removed };
}

/** The audit entry of an entered contact removed. */
export function removedContactAudit(orgId: string, accountId: string, actor: AuditActor, channel: 'api' | 'slack' | 'console', c: EnteredContactDoc, at: Date): AuditInput {
  return {
    orgId, accountId, actor, channel, action: 'contact.removed', invoiceIds: [],
    outcome: `contact removed: ${c.name}${c.email ? ` <${c.email}>` : ''} (${c.roles.map(roleLabel).join(', ')})`,
    details: { contactId: c.id, before: { name: c.name, email: c.email ?? null, phone: c.phone ?? null, roles: c.roles, timeZone: c.timeZone ?? null, language: c.language ?? null } },
    at,
  };
}

/**
 * The account's contacts: the entered ones first (so the engine takes them first for their roles), then the
 * ledger's. A ledger contact with the address of an entered one is that contact: one contact, the entered
 * roles first then the ledger's, and bounced if either side says so.
 */
export function mergeContacts(ledger: readonly ContactDoc[], entered: readonly ContactDoc[]): ContactDoc[] {
  const out: ContactDoc[] = entered.map(({ id, name, email, phone, roles, timeZone, language, bouncedAt }) => ({
    id, name, roles: [...roles],
    ...(email !== undefined ? { email } : {}), ...(phone !== undefined ? { phone } : {}),
    ...(timeZone !== undefined ? { timeZone } : {}), ...(language !== undefined ? { language } : {}),
    ...(bouncedAt !== undefined ? { bouncedAt } : {}),
  }));
  for (const l of ledger) {
    const same = l.email === undefined ? undefined : out.find((e) => e.email !== undefined && normaliseEmail(e.email) === normaliseEmail(l.email ?? ''));
    if (!same) {
      out.push({ ...l, roles: [...l.roles] });
      continue;
    }
    for (const r of l.roles) if (!same.roles.includes(r)) same.roles.push(r);
    if (same.phone === undefined && l.phone !== undefined) same.phone = l.phone;
    if (same.bouncedAt === undefined && l.bouncedAt !== undefined) same.bouncedAt = l.bouncedAt;
  }
  return out;
}

// ------------------------------------------------------------------ the import

export const CONTACTS_CSV_HEADER = ['customer', 'role', 'name', 'email', 'phone', 'time_zone', 'language'] as const;
const MAX_ROWS = 10_000;

export interface ContactRow {
  line: number;
  customer: string;
  /** The row's fields, read by EnteredContactInput when planned. */
  fields: Record<string, unknown>;
}

export interface RowProblem {
  line: number;
  problem: string;
}

/** CSV rows: a header naming customer, role, name and email and/or phone (time_zone, language optional; any order). */
export function contactRowsFromCsv(text: string): { rows: ContactRow[]; invalid: RowProblem[] } {
  const records = parseCsv(text.replace(/^\uFEFF/, ''));
  const header = records.shift();
  const names = (header?.cells ?? []).map((h) => h.trim().toLowerCase().replace(/[\s-]+/g, '_'));
  const at = (...aliases: string[]) => names.findIndex((n) => aliases.includes(n));
  const col = { customer: at('customer'), role: at('role'), name: at('name'), email: at('email'), phone: at('phone'), timeZone: at('time_zone', 'timezone'), language: at('language') };
  if (col.customer < 0 || col.role < 0 || col.name < 0 || (col.email < 0 && col.phone < 0)) {
    return { rows: [], invalid: [{ line: 1, problem: `the header must name customer, role, name and email and/or phone (columns: ${CONTACTS_CSV_HEADER.join(',')})` }] };
  }
  if (records.length > MAX_ROWS) return { rows: [], invalid: [{ line: 1, problem: `more than ${MAX_ROWS} rows` }] };
  // A phone exported as '+1 555… (the export's formula guard) reads back as +1 555….
  const cell = (cells: string[], i: number) => (i < 0 || cells[i] === undefined ? undefined : unguardedCell(cells[i]));
  return {
    rows: records.map((r) => ({
      line: r.line,
      customer: (cell(r.cells, col.customer) ?? '').trim(),
      fields: { role: cell(r.cells, col.role), name: cell(r.cells, col.name), email: cell(r.cells, col.email), phone: cell(r.cells, col.phone), timeZone: cell(r.cells, col.timeZone), language: cell(r.cells, col.language) },
    })),
    invalid: [],
  };
}

/** The JSON form: `{ rows: [{ customer, role, name, email?, phone?, timeZone?, language? }] }`; a row's line is its 1-based position. */
export const ContactsJsonBody = z.object({ rows: z.array(z.record(z.string(), z.unknown())).min(1).max(MAX_ROWS) });

export function contactRowsFromJson(body: z.infer<typeof ContactsJsonBody>): ContactRow[] {
  return body.rows.map((r, i) => ({ line: i + 1, customer: typeof r['customer'] === 'string' ? r['customer'].trim() : '', fields: r }));
}

export interface ContactImportPlan {
  /** Per account, its entered contacts after the import and the contacts the import changed. */
  accounts: { customer: CustomerDoc; contacts: EnteredContactDoc[]; changes: EnteredChange[] }[];
  invalid: RowProblem[];
}

/**
 * Pure: check every row (unknown customer, a name matching several, bad role, email, zone or language,
 * the same customer, contact and role twice) and, when none is bad, the entered contacts each account
 * ends with. A row already true of the account changes nothing.
 */
export function planContactImport(
  rows: readonly ContactRow[],
  customers: readonly CustomerDoc[],
  enteredOf: (customerId: string) => readonly EnteredContactDoc[],
  by: string,
  at: Date,
): ContactImportPlan {
  const match = customerMatcher(customers);
  const invalid: RowProblem[] = [];
  const byAccount = new Map<string, ContactImportPlan['accounts'][number]>();
  const seen = new Map<string, number>();
  for (const row of rows) {
    const problems: string[] = [];
    const found = row.customer === '' ? [] : match(row.customer);
    if (row.customer === '') problems.push('customer is empty');
    else if (found.length === 0) problems.push(`unknown customer: ${row.customer}`);
    else if (found.length > 1) problems.push(`${row.customer} matches ${found.length} customers: use the account id`);
    const input = EnteredContactInput.safeParse(row.fields);
    if (!input.success) problems.push(problemText(input.error));
    const customer = found.length === 1 ? found[0] : undefined;
    if (problems.length > 0 || !customer || !input.success) {
      invalid.push({ line: row.line, problem: problems.join('; ') });
      continue;
    }
    const key = `${customer._id}|${enteredIdOf(input.data)}|${input.data.role}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      invalid.push({ line: row.line, problem: `duplicate: the same contact and role of ${customer.displayName} is on line ${earlier}` });
      continue;
    }
    seen.set(key, row.line);
    const acc = byAccount.get(customer._id) ?? { customer, contacts: [...enteredOf(customer._id)], changes: [] };
    byAccount.set(customer._id, acc);
    const applied = applyEntered(acc.contacts, input.data, by, at);
    acc.contacts = applied.contacts;
    if (applied.change) {
      const change = applied.change;
      const i = acc.changes.findIndex((c) => c.after.id === change.after.id);
      if (i >= 0) acc.changes[i] = { before: acc.changes[i]?.before ?? null, after: change.after };
      else acc.changes.push(change);
    }
  }
  return { accounts: invalid.length > 0 ? [] : [...byAccount.values()].filter((a) => a.changes.length > 0), invalid: invalid.sort((a, b) => a.line - b.line) };
}

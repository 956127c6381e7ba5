// The accounts list (GET /console/accounts) and its CSV (GET /console/accounts.csv). The rows are the
// accounts' summary rows (src/planning/summaries.ts: the planner's last decision shaped by account-view.ts,
// written by planning) in customer id order, read from the list documents (src/planning/account-list.ts:
// a head and chunks of 50 rows, each one `_id` read). A page shows 50 accounts; a filtered one (name,
// level, state, owner, currency, amount) looks at up to 500 accounts for its 50 matches, so it may show
// fewer while the pager goes on. A sales rep sees their own accounts only.
import type { Request } from 'express';
import { z } from 'zod';
import { minorUnitExponent, formatMoney } from '../../../src/domain/money.js';
import { toCsv } from '../../../src/documents/audit-export.js';
import { API_ACCOUNT_STATES, type AccountSummary } from '../../../src/planning/account-view.js';
import { decodeCursor, encodeCursor, type AccountsQuery } from '../../../src/planning/accounts.js';
import { accountList } from '../../../src/planning/account-list.js';
import { summaryOfRow, type AccountSummaryRowDoc } from '../../../src/planning/summaries.js';
import { html, type Html } from '../html.js';
import type { ConsoleDeps, ConsoleRoute, Outcome, Viewer } from '../router.js';

export const PAGE_SIZE = 50;

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim() : v);
const opt = <T extends z.ZodType>(t: T) => z.preprocess(blankToUndefined, t.optional());
const Amount = z.string().regex(/^\d{1,13}(\.\d{1,3})?$/, 'an amount like 1500 or 1500.50');

/** The list's filters, from the query string (one parser for the page and the CSV). */
export const AccountFilters = z.object({
  q: opt(z.string().max(200)),
  level: opt(z.string().max(100)),
  state: opt(z.enum(API_ACCOUNT_STATES)),
  owner: opt(z.email().max(254)),
  currency: opt(z.string().regex(/^[A-Z]{3}$/, 'a three-letter currency code')),
  min: opt(Amount),
  max: opt(Amount),
  after: opt(z.string().max(2_000)),
});
export type AccountFilters = z.output<typeof AccountFilters>;

const toMinor = (major: string, currency: string): number => {
  const [whole = '0', frac = ''] = major.split('.');
  const exp = minorUnitExponent(currency);
  return Number(whole) * 10 ** exp + Number((frac + '000').slice(0, exp) || '0');
};

/** Whether a decided row passes the filters the database could not apply (level, state, currency, amount range). Pure. */
export function rowMatches(a: AccountSummary, f: AccountFilters): boolean {
  if (f.level !== undefined && (a.level?.id ?? 'none') !== f.level) return false;
  if (f.state !== undefined && a.state !== f.state) return false;
  const lines = f.currency !== undefined ? a.open.filter((o) => o.currency === f.currency) : a.open;
  if (f.currency !== undefined && lines.length === 0) return false;
  if (f.min === undefined && f.max === undefined) return true;
  return lines.some((o) => (f.min === undefined || o.minor >= toMinor(f.min, o.currency)) && (f.max === undefined || o.minor <= toMinor(f.max, o.currency)));
}

/** Whether a summary row passes every filter: name, owner (the database's before), then rowMatches. Pure. */
export function keepRow(r: AccountSummaryRowDoc, query: Omit<AccountsQuery, 'limit'>, f: AccountFilters): boolean {
  if (r.ledgerStatus === 'deleted') return false;
  if (query.nameContains && !r.nameKey.includes(query.nameContains.toLowerCase())) return false;
  if (query.owner && !r.owners.includes(query.owner.toLowerCase())) return false;
  return rowMatches(summaryOfRow(r), f);
}

/** Accounts a filtered page looks at before it stops (about 11 list chunks, each one `_id` read). */
const EXAMINE_FILTERED = 500;

export class FilterProblem extends Error {
  constructor(readonly problems: { path: string; message: string }[]) {
    super('invalid filters');
  }
}

function filtersOf(req: Request, v: Viewer): { filters: AccountFilters; query: Omit<AccountsQuery, 'limit'> } {
  const r = AccountFilters.safeParse(req.query);
  if (!r.success) throw new FilterProblem(r.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })));
  const f = r.data;
  const after = f.after === undefined ? undefined : decodeCursor(f.after);
  if (after === null) throw new FilterProblem([{ path: 'after', message: 'not a page this list gave' }]);
  // A sales rep's list is their own accounts, whatever the owner field says.
  const owner = v.scopeOf('viewAccounts') === 'own' ? v.person.email : f.owner?.toLowerCase();
  return { filters: { ...f, ...(owner !== undefined ? { owner } : {}) }, query: { ...(after !== undefined ? { after } : {}), ...(f.q ? { nameContains: f.q } : {}), ...(owner ? { owner } : {}) } };
}

const amounts = (xs: { currency: string; minor: number }[]): string => (xs.length === 0 ? '—' : xs.map((x) => formatMoney({ amountMinor: x.minor, currency: x.currency })).join(', '));
export const STATE_NAMES: Record<(typeof API_ACCOUNT_STATES)[number], string> = { current: 'Current', pre_due: 'Before due', past_due: 'Past due', paused: 'Paused', on_hold: 'On credit hold' };

export const accountHref = (id: string): string => `/console/accounts/${encodeURIComponent(id)}`;

function queryString(f: AccountFilters, extra: Record<string, string> = {}): string {
  const p = new URLSearchParams();
  for (const k of ['q', 'level', 'state', 'owner', 'currency', 'min', 'max'] as const) {
    const val = f[k];
    if (val !== undefined) p.set(k, val);
  }
  for (const [k, val] of Object.entries(extra)) p.set(k, val);
  const s = p.toString();
  return s === '' ? '' : `?${s}`;
}

function filterForm(f: AccountFilters, levels: { id: string; name: string }[], ownScope: boolean): Html {
  const sel = (a: string | undefined, b: string) => (a === b ? html` selected` : '');
  return html`<form class="filters" method="get" action="/console/accounts" role="search" aria-label="Filter accounts">
<div><label for="f-q">Name contains</label><input id="f-q" name="q" type="search" value="${f.q ?? ''}"></div>
<div><label for="f-level">Level</label><select id="f-level" name="level"><option value="">Any</option><option value="none"${sel(f.level, 'none')}>None reached</option>${levels.map((l) => html`<option value="${l.id}"${sel(f.level, l.id)}>${l.name}</option>`)}</select></div>
<div><label for="f-state">State</label><select id="f-state" name="state"><option value="">Any</option>${API_ACCOUNT_STATES.map((s) => html`<option value="${s}"${sel(f.state, s)}>${STATE_NAMES[s]}</option>`)}</select></div>
${ownScope ? '' : html`<div><label for="f-owner">Owner (rep or collector email)</label><input id="f-owner" name="owner" type="email" value="${f.owner ?? ''}"></div>`}
<div><label for="f-currency">Currency</label><input id="f-currency" name="currency" value="${f.currency ?? ''}" size="4" maxlength="3" pattern="[A-Z]{3}"></div>
<div><label for="f-min">Open balance from</label><input id="f-min" name="min" inputmode="decimal" value="${f.min ?? ''}" size="10"></div>
<div><label for="f-max">to</label><input id="f-max" name="max" inputmode="decimal" value="${f.max ?? ''}" size="10"></div>
<div><button type="submit">Filter</button></div>
</form>`;
}

function rowsTable(rows: AccountSummary[]): Html {
  if (rows.length === 0) return html`<p>No account on this page matches.</p>`;
  return html`<table><caption>Accounts</caption><thead><tr><th scope="col">Account</th><th scope="col">State</th><th scope="col">Level</th><th scope="col" class="num">Open</th><th scope="col" class="num">Past due</th><th scope="col">Next step</th><th scope="col">Date</th></tr></thead>
<tbody>${rows.map(
    (a) => html`<tr><th scope="row"><a href="${accountHref(a.id)}">${a.name}</a></th><td>${STATE_NAMES[a.state]}</td><td>${a.level?.name ?? '—'}</td><td class="num">${amounts(a.open)}</td><td class="num">${amounts(a.pastDue)}</td><td>${a.next?.step ?? '—'}</td><td>${a.next?.date ?? '—'}</td></tr>`,
  )}</tbody></table>`;
}

function problemsPage(problems: { path: string; message: string }[]): Outcome {
  return { kind: 'page', status: 422, title: 'Accounts', nav: 'accounts', body: html`<div class="notice" role="alert"><p>The filters could not be read:</p><ul>${problems.map((p) => html`<li><strong>${p.path}</strong>: ${p.message}</li>`)}</ul></div><p><a href="/console/accounts">Show all accounts</a></p>` };
}

export const accountsRoute: ConsoleRoute = {
  method: 'get',
  path: '/accounts',
  needs: 'viewAccounts',
  async handle(req: Request, v: Viewer, deps: ConsoleDeps): Promise<Outcome> {
    let parsed: ReturnType<typeof filtersOf>;
    try {
      parsed = filtersOf(req, v);
    } catch (err) {
      if (err instanceof FilterProblem) return problemsPage(err.problems);
      throw err;
    }
    const { filters, query } = parsed;
    const org = v.org;
    if (!org) return { kind: 'page', status: 404, title: 'Accounts', nav: 'accounts', body: html`<p>This organisation no longer exists.</p>` };
    const filtered = Object.keys(query).some((k) => k !== 'after') || ['level', 'state', 'currency', 'min', 'max'].some((k) => filters[k as keyof AccountFilters] !== undefined);
    const [read, choice] = await Promise.all([
      accountList(deps.services.store.db).scan(org._id, { ...(query.after !== undefined ? { after: query.after } : {}), want: PAGE_SIZE, examine: filtered ? EXAMINE_FILTERED : PAGE_SIZE, keep: (r) => keepRow(r, query, filters) }),
      deps.services.policies.forOrg(org._id),
    ]);
    const rows = read.rows.map(summaryOfRow);
    const page = { examined: read.examined, lastId: read.lastId };
    const levels = choice.compiled.levels.map((l) => ({ id: l.id, name: l.name }));
    const own = v.scopeOf('viewAccounts') === 'own';
    const next = page.lastId === null ? null : `/console/accounts${queryString(filters, { after: encodeCursor(page.lastId) })}`;
    const body = html`${own ? html`<p>Your accounts (you are their sales rep).</p>` : ''}
${filterForm(filters, levels, own)}
<p>${rows.length} of ${page.examined} account${page.examined === 1 ? '' : 's'} looked at on this page match. <a href="/console/accounts.csv${queryString(filters)}">Download all matching accounts as CSV</a></p>
${rowsTable(rows)}
<nav class="pager" aria-label="Pages">${query.after !== undefined ? html`<a href="/console/accounts${queryString(filters)}">First page</a>` : ''}${next ? html`<a href="${next}">Next page</a>` : html`<span class="muted">Last page</span>`}</nav>`;
    return { kind: 'page', title: 'Accounts', nav: 'accounts', body };
  },
};

export const CSV_HEADER = ['id', 'name', 'state', 'level', 'open', 'past_due', 'next_step', 'next_date'] as const;

export const accountsCsvRoute: ConsoleRoute = {
  method: 'get',
  path: '/accounts.csv',
  needs: 'viewAccounts',
  async handle(req: Request, v: Viewer, deps: ConsoleDeps): Promise<Outcome> {
    let parsed: ReturnType<typeof filtersOf>;
    try {
      parsed = filtersOf(req, v);
    } catch (err) {
      if (err instanceof FilterProblem) return problemsPage(err.problems);
      throw err;
    }
    const org = v.org;
    if (!org) return { kind: 'page', status: 404, title: 'Accounts', body: html`<p>This organisation no longer exists.</p>` };
    // Every row (the list's head, then its chunks by `_id`), the filters as on the page.
    const read = await accountList(deps.services.store.db).all(org._id);
    const rows: string[][] = [];
    for (const a of read.filter((r) => (parsed.query.after === undefined || r.customerId > parsed.query.after) && keepRow(r, parsed.query, parsed.filters)).map(summaryOfRow)) {
      rows.push([a.id, a.name, a.state, a.level?.name ?? '', amounts(a.open), amounts(a.pastDue), a.next?.step ?? '', a.next?.date ?? '']);
    }
    return { kind: 'file', contentType: 'text/csv; charset=utf-8', filename: `accounts-${org._id}.csv`, body: toCsv(CSV_HEADER, rows) };
  },
};

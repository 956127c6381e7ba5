// Per-account summary rows (`account_summaries`, `_id` = `${orgId}:${customerId}`): what the web console's
// accounts list, its CSV, the account page's header and the daily snapshot read instead of deciding every
// account again. Written by planning next to the account state's planning fields (Planner.decideAndWrite)
// — only when the row changed, so an unchanged account still costs no write — from the same documents
// and decision the planner just used (account-view.ts shapes them, as for the accounts API).
//
// Shaped by FerretDB 1.x (docs/database.md): only an `_id` equality is served by an index; a read by the
// organisation decodes every one of its rows in FerretDB (~3.5 ms a row measured under load). So a row is
// read by `_id`, the organisation's all only by the daily pass, and the list's pages are their own
// documents (src/planning/account-list.ts); figures in docs/console.md.
import type { Db } from 'mongodb';
import { bucketOf, AGING_BUCKETS } from '../domain/aging.js';
import { daysBetween } from '../domain/calendar.js';
import { addTo, type Totals } from '../domain/money.js';
import { canonicalJson } from '../store/hash.js';
import { collections } from '../store/store.js';
import type { CustomerDoc, InvoiceDoc } from '../store/types.js';
import { accountSummary, type AccountSummary, type AccountViewInput, type ApiAccountState } from './account-view.js';
import type { AccountStateDoc } from './state.js';

/** An account's state as the console's overview counts it, most serious first. */
export const CONSOLE_STATES = ['written_off', 'referred', 'hold', 'dispute', 'promise', 'paused', 'active'] as const;
export type ConsoleState = (typeof CONSOLE_STATES)[number];

export interface StateFacts {
  state: AccountStateDoc | null;
  onHold: boolean;
  referred: boolean;
  writtenOff: boolean;
}

/** One state per account, the most serious that applies (written off > referred > hold > dispute > promise > paused > active). Pure. */
export function consoleStateOf(f: StateFacts, today: string): ConsoleState {
  if (f.writtenOff) return 'written_off';
  if (f.referred) return 'referred';
  if (f.onHold) return 'hold';
  const s = f.state;
  if ((s?.disputes ?? []).some((d) => d.resolvedAt === undefined)) return 'dispute';
  if ((s?.promises ?? []).some((p) => p.status === 'open') || (s?.paymentPlans ?? []).some((p) => p.status === 'active')) return 'promise';
  const excluded = s?.overrides?.exclusion !== undefined && (s.overrides.exclusion.until === undefined || s.overrides.exclusion.until >= today);
  if (excluded || (s?.snoozes ?? []).some((z) => z.until >= today)) return 'paused';
  return 'active';
}

type Amounts = { currency: string; minor: number }[];

export interface AccountSummaryRowDoc {
  /** `${orgId}:${customerId}`: an organisation's rows are one `_id` range, in customer id order. */
  _id: string;
  orgId: string;
  customerId: string;
  name: string;
  /** The name in lower case: the list's search. */
  nameKey: string;
  provider: AccountSummary['provider'];
  ledgerStatus: AccountSummary['ledgerStatus'];
  state: ApiAccountState;
  /** The overview's state, before referrals and write-offs (approvals, which the snapshot adds). */
  consoleState: Exclude<ConsoleState, 'written_off' | 'referred'>;
  level: AccountSummary['level'];
  next: AccountSummary['next'];
  open: Amounts;
  pastDue: Amounts;
  /** The currencies of the open balance (an equality on an element: the currency filter). */
  currencies: string[];
  /** The sales rep's and the collector's emails, lower case (an equality on an element: the owner filter). */
  owners: string[];
  salesRepEmail: string | null;
  collectorEmail: string | null;
  /** Open dated invoices' balances per currency by aging bucket (AGING_BUCKETS order), on `agingDay` (the organisation's date). */
  aging: { currency: string; buckets: number[] }[];
  agingInvoices: number[];
  agingDay: string;
  /** Open invoices without a due date (never chased). */
  undated: Amounts;
  undatedInvoices: number;
  promises: { kept: number; broken: number; open: number };
  /** When the row was last written (by planning; an unchanged account is not written). */
  plannedAt: Date;
}

export const summaryRowId = (orgId: string, customerId: string): string => `${orgId}:${customerId}`;

/** The `_id` range of an organisation's rows (`orgId:` up to `orgId;`, ';' being the character after ':'). */
export const orgRowRange = (orgId: string, after?: string): { $gt: string; $lt: string } => ({ $gt: after !== undefined ? summaryRowId(orgId, after) : `${orgId}:`, $lt: `${orgId};` });

function amounts(t: Totals): Amounts {
  return Object.keys(t)
    .sort()
    .map((currency) => ({ currency, minor: t[currency] ?? 0 }));
}

/**
 * An account's row from the planner's documents and decision (pure). `orgToday`: the organisation's date,
 * for the aging (as `/overdue aging` buckets by it); `onHold`: an active credit hold.
 */
export function summaryRowOf(v: AccountViewInput, o: { orgToday: string; onHold: boolean; now: Date }): AccountSummaryRowDoc {
  const s = accountSummary(v);
  const c: CustomerDoc = v.customer;
  const aging = new Map<string, number[]>();
  const agingInvoices = AGING_BUCKETS.map(() => 0);
  for (const i of v.invoices) {
    if (i.status !== 'open' || i.balanceMinor <= 0) continue;
    const b = AGING_BUCKETS.indexOf(bucketOf(daysBetween(i.dueDate, o.orgToday)));
    const row = aging.get(i.currency) ?? AGING_BUCKETS.map(() => 0);
    row[b] = (row[b] ?? 0) + i.balanceMinor;
    aging.set(i.currency, row);
    agingInvoices[b] = (agingInvoices[b] ?? 0) + 1;
  }
  const undated: Totals = {};
  let undatedInvoices = 0;
  for (const i of v.undated as InvoiceDoc[]) {
    if (i.status !== 'open' || i.balanceMinor <= 0) continue;
    addTo(undated, i.currency, i.balanceMinor);
    undatedInvoices++;
  }
  const promises = { kept: 0, broken: 0, open: 0 };
  for (const p of v.state?.promises ?? []) promises[p.status] += 1;
  const owners = [...new Set([c.salesRepEmail, c.collectorEmail].filter((e): e is string => typeof e === 'string' && e !== '').map((e) => e.toLowerCase()))].sort();
  const consoleState = consoleStateOf({ state: v.state, onHold: o.onHold, referred: false, writtenOff: false }, v.decision.today) as AccountSummaryRowDoc['consoleState'];
  return {
    _id: summaryRowId(c.orgId, c._id),
    orgId: c.orgId,
    customerId: c._id,
    name: s.name,
    nameKey: s.name.toLowerCase(),
    provider: s.provider,
    ledgerStatus: s.ledgerStatus,
    state: s.state,
    consoleState,
    level: s.level,
    next: s.next,
    open: s.open,
    pastDue: s.pastDue,
    currencies: s.open.map((x) => x.currency),
    owners,
    salesRepEmail: c.salesRepEmail ?? null,
    collectorEmail: c.collectorEmail ?? null,
    aging: [...aging.keys()].sort().map((currency) => ({ currency, buckets: aging.get(currency) ?? [] })),
    agingInvoices,
    agingDay: o.orgToday,
    undated: amounts(undated),
    undatedInvoices,
    promises,
    plannedAt: o.now,
  };
}

/**
 * Whether a stored row says something else than a new one, its write time and the next step's instant aside
 * (a step already due is due "now", an instant that moves with every plan; its date is compared). Pure.
 */
export function rowChanged(stored: AccountSummaryRowDoc | null | undefined, next: AccountSummaryRowDoc): boolean {
  if (!stored) return true;
  return canonicalJson(comparable(stored)) !== canonicalJson(comparable(next));
}

/** A row as rowChanged compares it: without its write time and its due step's instant. Pure. */
export function comparable({ plannedAt: _p, next: n, ...rest }: AccountSummaryRowDoc): unknown {
  return { ...rest, next: n === null ? null : { ...n, at: undefined } };
}

/** The accounts API's summary of a row (the list's and the CSV's columns). Pure. */
export function summaryOfRow(r: AccountSummaryRowDoc): AccountSummary {
  return { id: r.customerId, name: r.name, provider: r.provider, ledgerStatus: r.ledgerStatus, open: r.open, pastDue: r.pastDue, level: r.level, state: r.state, next: r.next };
}

/** The store of summary rows: by `_id`, and an organisation's all (the daily pass, the on-demand snapshot). */
export class AccountSummaries {
  constructor(private readonly db: Db) {}

  private get col() {
    return this.db.collection<AccountSummaryRowDoc>(collections.accountSummaries);
  }

  get(orgId: string, customerId: string): Promise<AccountSummaryRowDoc | null> {
    return this.col.findOne({ _id: summaryRowId(orgId, customerId) });
  }

  /** One write (a replace by `_id`, inserting when new). */
  async write(row: AccountSummaryRowDoc): Promise<void> {
    await this.col.replaceOne({ _id: row._id }, row, { upsert: true });
  }

  /** Every row of an organisation (the snapshot computed on demand, the planning pass's comparison). */
  listOrg(orgId: string): Promise<AccountSummaryRowDoc[]> {
    return this.col.find({ orgId }, { batchSize: 10_000 }).toArray();
  }
}

export function accountSummaries(db: Db): AccountSummaries {
  return new AccountSummaries(db);
}

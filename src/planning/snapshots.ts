// The organisation's daily snapshot (`org_snapshots`, `_id` = `${orgId}:${yyyy-mm-dd}`, the organisation's
// date): the overview's figures (aging per currency, accounts by state, promises, open and past-due
// totals), the receivables and credit sales DSO needs, and the money collected per ladder level. Written by
// the daily planning pass (`plan-daily`, Planner.planOrganisation with `snapshot`) from the summary rows
// and documents it already holds in memory, plus two reads (approved referrals/write-offs, invoices issued
// in the last 90 days); the overview reads the last 90 days' snapshots in one `_id` range of the
// organisation. An organisation without one yet gets one computed on demand, once (snapshotOnDemand).
//
// DSO (days sales outstanding), per currency, on the snapshot's date D:
//   DSO = receivables at the end of D ÷ credit sales over the 90 days up to D × 90
// receivables: the open balance of every open invoice (the summary rows' `open`); credit sales: the
// totals of the invoices issued in (D − 90, D], whatever their status since, but voided or deleted ones.
// No credit sales in the window: no DSO (null).
import type { Db } from 'mongodb';
import { AGING_BUCKETS } from '../domain/aging.js';
import { addDays, localDate } from '../domain/calendar.js';
import { addTo, type Totals } from '../domain/money.js';
import { isCustomerFacing } from '../engine/index.js';
import { isDuplicateKey } from '../store/mongo-errors.js';
import { recordId } from '../store/records.js';
import { collections } from '../store/store.js';
import type { ApprovalDoc, InvoiceDoc, OutboxEntryDoc, PaymentDoc } from '../store/types.js';
import { isEngineEntry } from './payload.js';
import { AccountSummaries, CONSOLE_STATES, type AccountSummaryRowDoc, type ConsoleState } from './summaries.js';

export const DSO_WINDOW_DAYS = 90;
/** How many days of snapshots the overview's trend reads. */
export const TREND_DAYS = 90;

type Amounts = { currency: string; minor: number }[];

export interface CollectedLine {
  /** The ladder level whose action came last before the payment; 'none': no action had been sent. */
  levelId: string;
  levelName: string;
  currency: string;
  minor: number;
  payments: number;
}

export interface OrgSnapshotDoc {
  _id: string;
  orgId: string;
  /** The organisation's date the snapshot is of. */
  date: string;
  computedAt: Date;
  /** `daily`: the daily planning pass; `on_demand`: the overview, for an organisation without one yet. */
  source: 'daily' | 'on_demand';
  accounts: number;
  accountsWithOpen: number;
  aging: { currency: string; buckets: number[] }[];
  agingInvoices: number[];
  undated: Amounts;
  undatedInvoices: number;
  byState: Record<ConsoleState, number>;
  promises: { kept: number; broken: number; open: number };
  open: Amounts;
  pastDue: Amounts;
  /** Invoice totals issued in the DSO window, per currency. */
  creditSales: Amounts;
  dso: { currency: string; days: number | null }[];
  /** Payments dated in the DSO window, attributed to the level whose action came before them. */
  collected: CollectedLine[];
  collectedSince: string;
}

export const snapshotId = (orgId: string, date: string): string => `${orgId}:${date}`;

function amounts(t: Totals): Amounts {
  return Object.keys(t)
    .sort()
    .map((currency) => ({ currency, minor: t[currency] ?? 0 }));
}

/** DSO in days (one decimal): receivables ÷ credit sales over the window × the window's days; null without sales. Pure. */
export function dsoOf(receivablesMinor: number, creditSalesMinor: number, windowDays = DSO_WINDOW_DAYS): number | null {
  if (creditSalesMinor <= 0) return null;
  return Math.round((Math.max(0, receivablesMinor) / creditSalesMinor) * windowDays * 10) / 10;
}

export interface LevelStep {
  /** The date (organisation's) the level's action was sent. */
  date: string;
  levelId: string;
  levelName: string;
}

export interface PaymentFact {
  date: string;
  currency: string;
  amountMinor: number;
}

/**
 * Money collected per ladder level: each payment goes to the level of the last action sent strictly before
 * the payment's date (a payment dated the same day as a reminder is not counted as its effect), or to
 * 'none' when no action had been sent yet. Pure; lines sorted by level, then currency.
 */
export function attributeCollections(payments: readonly PaymentFact[], levelHistory: readonly LevelStep[]): CollectedLine[] {
  const steps = [...levelHistory].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  const lines = new Map<string, CollectedLine>();
  for (const p of payments) {
    if (p.amountMinor <= 0) continue;
    let level: LevelStep | undefined;
    for (const s of steps) {
      if (s.date < p.date) level = s;
      else break;
    }
    const levelId = level?.levelId ?? 'none';
    const key = `${levelId}\u0000${p.currency}`;
    const line = lines.get(key) ?? { levelId, levelName: level?.levelName ?? 'Before any reminder', currency: p.currency, minor: 0, payments: 0 };
    line.minor += p.amountMinor;
    line.payments += 1;
    lines.set(key, line);
  }
  return [...lines.values()].sort((a, b) => (a.levelId < b.levelId ? -1 : a.levelId > b.levelId ? 1 : a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0));
}

/** The ladder's customer-facing sends of an account (its outbox entries) as level steps, dated in `timeZone`. Pure. */
export function levelHistoryOf(entries: readonly OutboxEntryDoc[], timeZone: string): LevelStep[] {
  const out: LevelStep[] = [];
  for (const e of entries) {
    if (e.state !== 'sent' || !isEngineEntry(e) || !isCustomerFacing(e.kind)) continue;
    const action = (e.payload as { action?: { levelId?: unknown; levelName?: unknown } }).action;
    if (typeof action?.levelId !== 'string') continue;
    out.push({ date: localDate(e.sentAt ?? e.updatedAt, timeZone), levelId: action.levelId, levelName: typeof action.levelName === 'string' ? action.levelName : action.levelId });
  }
  return out;
}

/** Collected lines of several accounts added up. Pure. */
export function addCollected(lists: readonly CollectedLine[][]): CollectedLine[] {
  const lines = new Map<string, CollectedLine>();
  for (const l of lists.flat()) {
    const key = `${l.levelId}\u0000${l.currency}`;
    const line = lines.get(key);
    if (line) {
      line.minor += l.minor;
      line.payments += l.payments;
    } else lines.set(key, { ...l });
  }
  return [...lines.values()].sort((a, b) => (a.levelId < b.levelId ? -1 : a.levelId > b.levelId ? 1 : a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0));
}

/** One account's payments in the window, attributed (the pass calls it per account, from memory). Pure. */
export function collectedOf(payments: readonly PaymentDoc[], entries: readonly OutboxEntryDoc[], timeZone: string, since: string): CollectedLine[] {
  const inWindow = payments.filter((p) => !p.deleted && p.date > since);
  if (inWindow.length === 0) return [];
  return attributeCollections(inWindow, levelHistoryOf(entries, timeZone));
}

/** The first day after the DSO window's start: payments and sales dated after it count. */
export const windowStart = (date: string): string => addDays(date, -DSO_WINDOW_DAYS);

export interface SnapshotInput {
  orgId: string;
  date: string;
  at: Date;
  source: OrgSnapshotDoc['source'];
  rows: readonly AccountSummaryRowDoc[];
  /** Customers with an approved agency referral / write-off. */
  referred: ReadonlySet<string>;
  writtenOff: ReadonlySet<string>;
  creditSales: Totals;
  collected: CollectedLine[];
}

/** The snapshot of an organisation from its summary rows (pure). */
export function snapshotOf(i: SnapshotInput): OrgSnapshotDoc {
  const aging = new Map<string, number[]>();
  const agingInvoices = AGING_BUCKETS.map(() => 0);
  const undated: Totals = {};
  const open: Totals = {};
  const pastDue: Totals = {};
  const byState = Object.fromEntries(CONSOLE_STATES.map((s) => [s, 0])) as Record<ConsoleState, number>;
  const promises = { kept: 0, broken: 0, open: 0 };
  let undatedInvoices = 0;
  let accountsWithOpen = 0;
  for (const r of i.rows) {
    for (const a of r.aging) {
      const row = aging.get(a.currency) ?? AGING_BUCKETS.map(() => 0);
      a.buckets.forEach((m, k) => (row[k] = (row[k] ?? 0) + m));
      aging.set(a.currency, row);
    }
    r.agingInvoices.forEach((n, k) => (agingInvoices[k] = (agingInvoices[k] ?? 0) + n));
    if (r.agingInvoices.some((n) => n > 0)) accountsWithOpen++;
    for (const u of r.undated) addTo(undated, u.currency, u.minor);
    undatedInvoices += r.undatedInvoices;
    for (const o of r.open) addTo(open, o.currency, o.minor);
    for (const p of r.pastDue) addTo(pastDue, p.currency, p.minor);
    const state: ConsoleState = i.writtenOff.has(r.customerId) ? 'written_off' : i.referred.has(r.customerId) ? 'referred' : r.consoleState;
    byState[state] += 1;
    promises.kept += r.promises.kept;
    promises.broken += r.promises.broken;
    promises.open += r.promises.open;
  }
  const currencies = [...new Set([...Object.keys(open), ...Object.keys(i.creditSales)])].sort();
  return {
    _id: snapshotId(i.orgId, i.date),
    orgId: i.orgId,
    date: i.date,
    computedAt: i.at,
    source: i.source,
    accounts: i.rows.length,
    accountsWithOpen,
    aging: [...aging.keys()].sort().map((currency) => ({ currency, buckets: aging.get(currency) ?? [] })),
    agingInvoices,
    undated: amounts(undated),
    undatedInvoices,
    byState,
    promises,
    open: amounts(open),
    pastDue: amounts(pastDue),
    creditSales: amounts(i.creditSales),
    dso: currencies.map((currency) => ({ currency, days: dsoOf(open[currency] ?? 0, i.creditSales[currency] ?? 0) })),
    collected: i.collected,
    collectedSince: windowStart(i.date),
  };
}

/** The snapshots' store, and the two reads a snapshot adds to what the pass holds. */
export class OrgSnapshots {
  constructor(private readonly db: Db) {}

  private get col() {
    return this.db.collection<OrgSnapshotDoc>(collections.orgSnapshots);
  }

  /** The daily pass's write: the day's snapshot (a later pass the same day replaces it: one per day). */
  async write(s: OrgSnapshotDoc): Promise<void> {
    await this.col.replaceOne({ _id: s._id }, s, { upsert: true });
  }

  /** The on-demand write: an insert on the day's `_id`; false when one exists already (another request or the pass wrote it). */
  async insert(s: OrgSnapshotDoc): Promise<boolean> {
    try {
      await this.col.insertOne(s);
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  /** The organisation's snapshots dated in [from, to], oldest first: one read (orgId equality, `_id` range). */
  range(orgId: string, from: string, to: string): Promise<OrgSnapshotDoc[]> {
    return this.col.find({ orgId, _id: { $gte: snapshotId(orgId, from), $lte: snapshotId(orgId, to) } }, { sort: { _id: 1 } }).toArray();
  }

  /** Customers with an approved agency referral and write-off (one read). */
  async approvedOutcomes(orgId: string): Promise<{ referred: Set<string>; writtenOff: Set<string> }> {
    const approved = await this.db.collection<ApprovalDoc>(collections.approvals).find({ orgId, status: 'approved' }, { projection: { customerId: 1, kind: 1 } }).toArray();
    return {
      referred: new Set(approved.filter((a) => a.kind === 'agency_referral').map((a) => a.customerId)),
      writtenOff: new Set(approved.filter((a) => a.kind === 'write_off').map((a) => a.customerId)),
    };
  }

  /** Invoice totals issued after `since` (the DSO window), voided and deleted ones aside, per currency (one read). */
  async creditSalesSince(orgId: string, since: string): Promise<Totals> {
    const issued = await this.db
      .collection<InvoiceDoc>(collections.invoices)
      .find({ orgId, issueDate: { $gt: since } }, { projection: { currency: 1, totalMinor: 1, status: 1 }, batchSize: 10_000 })
      .toArray();
    const t: Totals = {};
    for (const i of issued) if (i.status !== 'voided' && i.status !== 'deleted') addTo(t, i.currency, i.totalMinor);
    return t;
  }

  /** Payments in the window attributed to levels, read for the whole organisation (the on-demand path; the pass has them in memory). */
  async collectedSince(orgId: string, since: string, timeZone: string): Promise<CollectedLine[]> {
    const [payments, sent] = await Promise.all([
      this.db.collection<PaymentDoc>(collections.payments).find({ orgId, deleted: false }, { batchSize: 10_000 }).toArray(),
      this.db.collection<OutboxEntryDoc>(collections.outbox).find({ orgId, state: 'sent' }, { batchSize: 10_000 }).toArray(),
    ]);
    const byCustomer = new Map<string, { payments: PaymentDoc[]; entries: OutboxEntryDoc[] }>();
    const of = (id: string): { payments: PaymentDoc[]; entries: OutboxEntryDoc[] } => {
      const known = byCustomer.get(id);
      if (known) return known;
      const made = { payments: [] as PaymentDoc[], entries: [] as OutboxEntryDoc[] };
      byCustomer.set(id, made);
      return made;
    };
    for (const p of payments) of(recordId({ provider: p.provider, companyId: p.companyId, externalId: p.customerExternalId })).payments.push(p);
    for (const e of sent) of(e.customerId).entries.push(e);
    return addCollected([...byCustomer.values()].map((a) => collectedOf(a.payments, a.entries, timeZone, since)));
  }
}

/**
 * The snapshot of `date` for an organisation that has none (a fresh one, before its first daily pass):
 * computed from its summary rows and written once (an insert on the day's `_id`). Several reads of the
 * organisation: this is the slow path, taken once.
 */
export async function snapshotOnDemand(db: Db, orgId: string, date: string, timeZone: string, at: Date): Promise<OrgSnapshotDoc> {
  const snapshots = new OrgSnapshots(db);
  const since = windowStart(date);
  const [rows, outcomes, creditSales, collected] = await Promise.all([
    new AccountSummaries(db).listOrg(orgId),
    snapshots.approvedOutcomes(orgId),
    snapshots.creditSalesSince(orgId, since),
    snapshots.collectedSince(orgId, since, timeZone),
  ]);
  const snapshot = snapshotOf({ orgId, date, at, source: 'on_demand', rows, ...outcomes, creditSales, collected });
  await snapshots.insert(snapshot);
  return snapshot;
}

export function orgSnapshots(db: Db): OrgSnapshots {
  return new OrgSnapshots(db);
}

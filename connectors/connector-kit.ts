// What the parts of a connector (connect, sync, changes, write-backs) share, and
// the steps both providers take the same way: find the active connection, map in
// its context, parse a page without dropping anything silently, mark a record
// deleted, close a sync with its checkpoint. The class of each provider is a
// facade that builds one kit and hands it to its parts.
import { AppError } from '../src/errors.js';
import type { Logger } from '../src/logger.js';
import type { Store } from '../src/store/store.js';
import { recordId } from '../src/store/records.js';
import type { ConnectionDoc, InvoiceDoc, Provider } from '../src/store/types.js';
import type { MapContext } from './mapping.js';
import type { TokenManager } from './token-refresh.js';
import { eventsByActiveConnection } from './inbox.js';
import type { AppliedChanges, ChangeEvent, ChangedAccounts, RecordKind } from './types.js';

/** An API client of one connection that counts its calls (retries included). */
export interface CountingClient {
  readonly calls: number;
}

export interface ConnectorKit<Api extends CountingClient> {
  store: Store;
  logger: Logger;
  now: () => Date;
  tokens: TokenManager;
  /** A new API client for one connection (its call count starts at zero). */
  client(conn: Pick<ConnectionDoc, '_id' | 'companyId'>): Api;
  /** The connection if it is active; AppError('not_found') when there is none, the provider's API error when it is not active. */
  active(connectionId: string): Promise<ConnectionDoc>;
  /** Add a client's calls to the connector's running count (`apiCalls`). */
  countCalls(api: Api): void;
}

/** The connection if it is active, else `notActive(conn)` is thrown (the provider's error, which the jobs classify). */
export async function activeConnection(store: Store, connectionId: string, notActive: (conn: ConnectionDoc) => Error): Promise<ConnectionDoc> {
  const conn = await store.connections.get(connectionId);
  if (!conn) throw new AppError('not_found', `no connection ${connectionId}`);
  if (conn.status !== 'active') throw notActive(conn);
  return conn;
}

/** The context records of a connection are mapped in: its organisation's home currency and the time of this read. */
export async function mapContextOf(kit: Pick<ConnectorKit<CountingClient>, 'store' | 'now'>, conn: ConnectionDoc): Promise<MapContext> {
  const org = await kit.store.organisations.get(conn.orgId);
  return { orgId: conn.orgId, connectionId: conn._id, companyId: conn.companyId, homeCurrency: org?.homeCurrency ?? 'USD', syncedAt: kit.now() };
}

/** What saving one page did. */
export interface PageCounts {
  saved: number;
  rejected: number;
  deleted?: number;
}

/** The running totals of a sync, per kind where SyncResult wants them. */
export interface SyncTally {
  saved: Record<RecordKind, number>;
  rejected: number;
  deleted: number;
}

export function emptyTally(): SyncTally {
  return { saved: { customer: 0, invoice: 0, payment: 0, credit_memo: 0 }, rejected: 0, deleted: 0 };
}

export function addPage(tally: SyncTally, kind: RecordKind, page: PageCounts): void {
  tally.saved[kind] += page.saved;
  tally.rejected += page.rejected;
  tally.deleted += page.deleted ?? 0;
}

/**
 * Parse and map each raw record of a page. A record that fails is counted and
 * logged with its provider id, never silently dropped; `map` returning null means
 * "not one we keep" (a draft, a bill), which is no failure.
 */
export function mapEach<T>(
  rows: unknown[],
  map: (raw: unknown) => T | null,
  log: { logger: Logger; provider: string; kind: RecordKind; idOf: (raw: unknown) => string | undefined },
): { docs: T[]; rejected: number } {
  const docs: T[] = [];
  let rejected = 0;
  for (const raw of rows) {
    try {
      const doc = map(raw);
      if (doc !== null) docs.push(doc);
    } catch (err) {
      rejected += 1;
      log.logger.warn(
        { kind: log.kind, id: log.idOf(raw), err: err instanceof Error ? err.message.slice(0, 300) : String(err) },
        `${log.provider} record failed to parse; skipped and counted`,
      );
    }
  }
  return { docs, rejected };
}

/**
 * Mark a synced record deleted, keeping what we knew of it: an invoice leaves the
 * open set with no balance, a customer becomes inactive, a payment or credit is
 * flagged. False when we never had it.
 */
export async function markDeleted(store: Store, provider: Provider, kind: RecordKind, companyId: string, externalId: string, at: Date): Promise<boolean> {
  if (kind === 'invoice') {
    const doc = await store.invoices.findByKey(provider, companyId, externalId);
    if (!doc) return false;
    const { _id, ...rest } = doc;
    await store.invoices.upsertMany([{ ...rest, status: 'deleted', balanceMinor: 0, syncedAt: at }]);
  } else if (kind === 'customer') {
    const doc = await store.customers.findByKey(provider, companyId, externalId);
    if (!doc) return false;
    const { _id, ...rest } = doc;
    await store.customers.upsertMany([{ ...rest, active: false, syncedAt: at }]);
  } else {
    const doc = await store.payments.findByKey(provider, companyId, externalId);
    if (!doc) return false;
    const { _id, ...rest } = doc;
    await store.payments.upsertMany([{ ...rest, deleted: true, syncedAt: at }]);
  }
  return true;
}

/** The last step of a sync: the checkpoint the next one starts from, and when this one ended. */
export async function finishSync(kit: Pick<ConnectorKit<CountingClient>, 'store' | 'now'>, connectionId: string, checkpoint: Record<string, string>): Promise<void> {
  await kit.store.connections.update(connectionId, { checkpoint, lastSyncAt: kit.now() }, kit.now());
}

/**
 * Webhook change events applied per active connection: `apply` reads again and
 * saves what changed with a new client of the connection, whose calls are counted
 * whatever happens. Events of a company without an active connection are skipped and counted.
 */
export async function applyPerConnection<Api extends CountingClient>(
  kit: ConnectorKit<Api>, provider: Provider, events: ChangeEvent[],
  apply: (api: Api, ctx: MapContext, events: ChangeEvent[]) => Promise<{ saved: number; deleted: number }>,
  storedExternalId: (kind: RecordKind, externalId: string) => string = (_kind, id) => id,
): Promise<AppliedChanges> {
  let saved = 0;
  let deleted = 0;
  const changed: ChangedAccounts[] = [];
  const { groups, skipped } = await eventsByActiveConnection(kit.store, provider, events, kit.logger);
  for (const { conn, events: list } of groups) {
    const api = kit.client(conn);
    try {
      const r = await apply(api, await mapContextOf(kit, conn), list);
      saved += r.saved;
      deleted += r.deleted;
    } finally {
      kit.countCalls(api);
    }
    changed.push({ connectionId: conn._id, accounts: await accountsOfEvents(kit.store, provider, conn.companyId, list, storedExternalId) });
  }
  return { saved, deleted, skipped, changed };
}

/**
 * The accounts (customer record ids) whose records these events changed, once they are saved: each invoice, payment
 * or credit read back by `_id` (one equality read per record, no scan), its `customerExternalId` the account. A
 * record that was not saved (an entity Overdue does not keep, a draft) adds none. Null when a customer changed: a
 * QuickBooks job's new roll-up may move invoices between accounts, which only the saved records since show.
 */
export async function accountsOfEvents(
  store: Store, provider: Provider, companyId: string, events: readonly ChangeEvent[],
  storedExternalId: (kind: RecordKind, externalId: string) => string = (_kind, id) => id,
): Promise<string[] | null> {
  if (events.some((e) => e.kind === 'customer')) return null;
  const accounts = new Set<string>();
  const seen = new Set<string>();
  for (const e of events) {
    const _id = recordId({ provider, companyId, externalId: storedExternalId(e.kind, e.externalId) });
    if (seen.has(_id)) continue;
    seen.add(_id);
    const doc = e.kind === 'invoice'
      ? await store.invoices.raw().findOne({ _id }, { projection: { customerExternalId: 1 } })
      : await store.payments.raw().findOne({ _id }, { projection: { customerExternalId: 1 } });
    if (doc) accounts.add(recordId({ provider, companyId, externalId: doc.customerExternalId }));
  }
  return [...accounts].sort();
}

/** `ids` in consecutive slices of at most `size` (one request each). */
export function inChunks<T>(ids: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < ids.length; i += size) out.push(ids.slice(i, i + size));
  return out;
}

/**
 * Open invoices the ledger gave neither a due date nor terms (`dueDateSource: 'none'`) are not chased
 * (the store keeps them out of `listOpenForCustomer`); the collector is told once per invoice, by an
 * audit entry on the account and a warning in the log. Once = a claim on `undated-invoice:<invoice id>`.
 */
export async function flagUndated(kit: Pick<ConnectorKit<CountingClient>, 'store' | 'logger' | 'now'>, docs: Omit<InvoiceDoc, '_id'>[]): Promise<number> {
  let flagged = 0;
  for (const d of docs) {
    if (d.dueDateSource !== 'none' || d.status !== 'open') continue;
    const invoiceId = recordId(d);
    if (!(await kit.store.claims.take(`undated-invoice:${invoiceId}`, 'sync', kit.now()))) continue;
    await kit.store.audit.append({
      orgId: d.orgId,
      accountId: recordId({ provider: d.provider, companyId: d.companyId, externalId: d.customerExternalId }),
      actor: { kind: 'system', id: 'sync' },
      channel: 'system',
      action: 'invoice.undated',
      invoiceIds: [invoiceId],
      outcome: 'not chased: the ledger gives this invoice neither a due date nor payment terms',
      details: { number: d.number, issueDate: d.issueDate, balanceMinor: d.balanceMinor, currency: d.currency },
      at: kit.now(),
    });
    kit.logger.warn({ invoiceId, number: d.number }, 'invoice without a due date or terms: kept out of the ladder');
    flagged += 1;
  }
  return flagged;
}

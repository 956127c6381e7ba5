// Records synced from an accounting platform (customers, invoices, payments),
// keyed by provider + company + external id. Upserts are idempotent: saving the
// same page twice leaves the same documents.
import { MongoBulkWriteError, type Collection, type Filter, type OptionalUnlessRequiredId } from 'mongodb';
import type { CustomerDoc, InvoiceDoc, PaymentDoc, Provider, ProviderKey } from './types.js';

/** FerretDB 1.24 hangs on a bulk of 100 or so upserts (seen at 100 and 101; 50 never); MongoDB takes any size. */
export const UPSERT_BATCH = 50;

/** Insert what is new; return the documents whose _id already existed (and were left as they were). */
async function insertNew<T extends { _id: string }>(col: Collection<T>, batch: OptionalUnlessRequiredId<T>[]): Promise<OptionalUnlessRequiredId<T>[]> {
  try {
    await col.insertMany(batch, { ordered: false });
    return [];
  } catch (err) {
    if (!(err instanceof MongoBulkWriteError)) throw err;
    const errors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
    const other = errors.find((w) => w.code !== 11000);
    if (other) throw err;
    return errors.map((w) => batch[w.index]).filter((d): d is OptionalUnlessRequiredId<T> => d !== undefined);
  }
}

/** keepPayLinks reads this many invoices or fewer one by one by `_id`. */
const PAY_LINKS_BY_ID = 20;

export function recordId(key: ProviderKey): string {
  return `${key.provider}:${key.companyId}:${key.externalId}`;
}

type SyncedDoc = ProviderKey & { _id: string; orgId: string };

export class ProviderRecords<T extends SyncedDoc> {
  /**
   * Fields Overdue owns on these documents (set by people, not by the platform): a sync's replace keeps the
   * stored value unless the mapped record brings its own.
   */
  protected readonly overdueOwned: readonly (keyof T & string)[] = [];

  constructor(protected readonly col: Collection<T>) {}

  /**
   * The replacements with the stored Overdue-owned fields carried over. Read by `_id` one document at a time (in
   * parallel): FerretDB 1.24 scans the collection for `_id: { $in }` (50 ids: 46 ms at 200 customers, 192 ms at
   * 1,000, 550 ms at 3,000) while 50 reads by `_id` cost ~85 ms whatever the size.
   */
  private async keepOwned(existing: OptionalUnlessRequiredId<T>[]): Promise<OptionalUnlessRequiredId<T>[]> {
    const fields = this.overdueOwned;
    if (fields.length === 0) return existing;
    const projection = Object.fromEntries(fields.map((f) => [f, 1]));
    const stored = new Map<unknown, Record<string, unknown>>();
    const found = await Promise.all(existing.map((d) => this.col.findOne({ _id: d._id } as Filter<T>, { projection })));
    for (const d of found) if (d) stored.set(d._id, d as Record<string, unknown>);
    return existing.map((doc) => {
      const old = stored.get(doc._id);
      if (!old) return doc;
      const kept: Record<string, unknown> = {};
      for (const f of fields) if ((doc as Record<string, unknown>)[f] === undefined && old[f] !== undefined) kept[f] = old[f];
      return Object.keys(kept).length === 0 ? doc : { ...doc, ...kept };
    });
  }

  /**
   * Insert or replace each record by its natural key. Returns how many were new.
   *
   * Shaped by FerretDB 1.24 (SQLite), and harmless on MongoDB: an upsert of a new
   * document costs ~10 ms there against ~0.2 ms for an insert, a bulk of 100 or so
   * upserts hangs the server, and only an _id filter avoids a collection scan.
   * So: batches of UPSERT_BATCH; insert the batch (ordered: false), then replace by
   * _id (derived from the key) only the documents that already existed, keeping their
   * Overdue-owned fields (`overdueOwned`) that the mapped record leaves unset (read by _id first).
   */
  async upsertMany(docs: Omit<T, '_id'>[]): Promise<{ inserted: number; updated: number }> {
    let inserted = 0;
    let updated = 0;
    for (let i = 0; i < docs.length; i += UPSERT_BATCH) {
      // _id is derived from the key fields just spread in, so the cast only names the resulting type.
      const batch = docs.slice(i, i + UPSERT_BATCH).map((d) => ({ ...d, _id: recordId(d) }) as unknown as OptionalUnlessRequiredId<T>);
      const found = await insertNew(this.col, batch);
      inserted += batch.length - found.length;
      if (found.length === 0) continue;
      const existing = await this.keepOwned(found);
      await this.col.bulkWrite(
        existing.map((doc) => ({ replaceOne: { filter: { _id: doc._id } as Filter<T>, replacement: doc as T, upsert: true } })),
        { ordered: false },
      );
      updated += existing.length;
    }
    return { inserted, updated };
  }

  get(id: string): Promise<T | null> {
    return this.col.findOne({ _id: id } as Filter<T>) as Promise<T | null>;
  }

  findByKey(provider: Provider, companyId: string, externalId: string): Promise<T | null> {
    return this.col.findOne({ provider, companyId, externalId } as Filter<T>) as Promise<T | null>;
  }

  /** The collection, for read-only queries of the store's own modules. */
  raw(): Collection<T> {
    return this.col;
  }

  countByCompany(provider: Provider, companyId: string): Promise<number> {
    return this.col.countDocuments({ provider, companyId } as Filter<T>);
  }
}

/** Customer ids (the customers' _id) whose records of this company were saved at or after `since`. */
export async function customersChangedSince(
  stores: { customers: Customers; invoices: Invoices; payments: Payments },
  provider: Provider,
  companyId: string,
  since: Date,
): Promise<string[]> {
  const filter = { provider, companyId, syncedAt: { $gte: since } };
  const external = new Set<string>();
  for (const c of await stores.customers.raw().find(filter, { projection: { externalId: 1 } }).toArray()) external.add(c.externalId);
  for (const i of await stores.invoices.raw().find(filter, { projection: { customerExternalId: 1 } }).toArray()) external.add(i.customerExternalId);
  for (const p of await stores.payments.raw().find(filter, { projection: { customerExternalId: 1 } }).toArray()) external.add(p.customerExternalId);
  return [...external].sort().map((externalId) => recordId({ provider, companyId, externalId }));
}

export class Customers extends ProviderRecords<CustomerDoc> {
  /** Who sells to and who collects from the customer: set by the assignments import (or a Xero contact group). */
  protected override readonly overdueOwned = ['salesRepEmail', 'collectorEmail'] as const;

  listByOrg(orgId: string): Promise<CustomerDoc[]> {
    return this.col.find({ orgId }).sort({ displayName: 1 }).toArray();
  }
}

/**
 * Open invoices the ladder may chase: open, with a due date (from the ledger or its terms). An invoice the
 * ledger gave neither (`dueDateSource: 'none'`) is flagged to the collector, never chased. Every read of
 * "open invoices" for planning, dispatch and Slack uses this one filter.
 */
export const OPEN_DATED = { status: 'open', dueDateSource: { $ne: 'none' } } as const;

/** Open invoices the ledger gave neither a due date nor terms: flagged to the collector, never chased. */
export const OPEN_UNDATED = { status: 'open', dueDateSource: 'none' } as const;

export class Invoices extends ProviderRecords<InvoiceDoc> {
  /**
   * Open invoices of one customer that have a due date, oldest due first: what the ladder chases.
   * An invoice the ledger gave neither a due date nor terms (`dueDateSource: 'none'`) is left out
   * (it cannot be past due by any rule we know); `listUndatedOpenForCustomer` lists those.
   */
  listOpenForCustomer(provider: Provider, companyId: string, customerExternalId: string): Promise<InvoiceDoc[]> {
    return this.col.find({ provider, companyId, customerExternalId, ...OPEN_DATED }).sort({ dueDate: 1, number: 1 }).toArray();
  }

  /**
   * Invoices of a page that arrive without a pay link (a change feed that does not carry it) keep the one
   * stored (the store replaces whole documents): one query per page, no API call.
   */
  async keepPayLinks(provider: Provider, companyId: string, docs: { externalId: string; payUrl?: string }[]): Promise<void> {
    const bare = docs.filter((d) => !d.payUrl);
    if (bare.length === 0) return;
    // A few (a webhook's invoices): each by `_id`, an indexed equality; a page: one read of the company's linked ones.
    const linked = bare.length <= PAY_LINKS_BY_ID
      ? (await Promise.all(bare.map((d) => this.col.findOne({ _id: recordId({ provider, companyId, externalId: d.externalId }) }, { projection: { externalId: 1, payUrl: 1 } })))).flatMap((l) => (l?.payUrl ? [l] : []))
      : await this.col
        .find({ provider, companyId, externalId: { $in: bare.map((d) => d.externalId) }, payUrl: { $exists: true } } as Filter<InvoiceDoc>, { projection: { externalId: 1, payUrl: 1 } })
        .toArray();
    const links = new Map(linked.map((l) => [l.externalId, l.payUrl]));
    for (const d of bare) {
      const url = links.get(d.externalId);
      if (url) d.payUrl = url;
    }
  }

  /** Open invoices of one customer without a due date or terms in the ledger (flagged to the collector, not chased). */
  listUndatedOpenForCustomer(provider: Provider, companyId: string, customerExternalId: string): Promise<InvoiceDoc[]> {
    return this.col.find({ provider, companyId, customerExternalId, ...OPEN_UNDATED }).sort({ issueDate: 1, number: 1 }).toArray();
  }
}

export class Payments extends ProviderRecords<PaymentDoc> {
  listForCustomer(provider: Provider, companyId: string, customerExternalId: string): Promise<PaymentDoc[]> {
    return this.col.find({ provider, companyId, customerExternalId, deleted: false }).sort({ date: 1 }).toArray();
  }
}

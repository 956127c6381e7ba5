// Raw QuickBooks records into the store: parse each with its zod schema, map it
// (records.ts, pure), save the page at once; or mark one deleted. Shared by the
// sync, the webhook changes and the single-record reads.
import { z } from 'zod';
import { mapEach, markDeleted as markRecordDeleted, type PageCounts } from '../connector-kit.js';
import type { RecordKind } from '../types.js';
import type { QboKit } from './kit.js';
import {
  QboCreditMemo, QboCustomer, QboInvoice, QboPayment, creditMemoExternalId, mapCreditMemo, mapCustomer, mapInvoice, mapPayment, type MapContext,
} from './records.js';

const QboId = z.object({ Id: z.string() });

/** Parse, map and save one page of raw records of a kind (the store batches the writes). */
export function savePage(kit: QboKit, kind: RecordKind, rows: unknown[], ctx: MapContext): Promise<PageCounts> {
  const log = { logger: kit.logger, provider: 'QuickBooks', kind, idOf: (raw: unknown) => QboId.safeParse(raw).data?.Id };
  if (kind === 'customer') return saveAll(kit.store.customers, mapEach(rows, (r) => mapCustomer(QboCustomer.parse(r), ctx), log));
  if (kind === 'invoice') return saveAll(kit.store.invoices, mapEach(rows, (r) => mapInvoice(QboInvoice.parse(r), ctx), log));
  if (kind === 'payment') return saveAll(kit.store.payments, mapEach(rows, (r) => mapPayment(QboPayment.parse(r), ctx), log));
  return saveAll(kit.store.payments, mapEach(rows, (r) => mapCreditMemo(QboCreditMemo.parse(r), ctx), log));
}

async function saveAll<D>(repo: { upsertMany(docs: D[]): Promise<unknown> }, page: { docs: D[]; rejected: number }): Promise<PageCounts> {
  await repo.upsertMany(page.docs);
  return { saved: page.docs.length, rejected: page.rejected };
}

/** Mark a record QuickBooks reports deleted, keeping what we knew of it (a credit memo is stored under its own external id). */
export function markDeleted(kit: QboKit, kind: RecordKind, id: string, ctx: MapContext): Promise<boolean> {
  return markRecordDeleted(kit.store, 'quickbooks', kind, ctx.companyId, kind === 'credit_memo' ? creditMemoExternalId(id) : id, ctx.syncedAt);
}

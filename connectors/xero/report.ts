// The Xero side of the nightly reconciliation: Reports/AgedReceivablesByContact
// (GET /api.xro/2.0/Reports/AgedReceivablesByContact?contactId=…&date=…), one call
// per customer Overdue knows of the connection. The report (ReportWithRows) has a
// Header row naming the columns (Date, Reference, Due Date, …, Due) and Section rows
// whose Row entries are the contact's open invoices (the first cell's Attributes
// carry the invoiceID), closed by a SummaryRow. Amounts are taken in the invoice's
// currency: Overdue's copy of the invoice says which, else the contact's default
// currency, else the organisation's base currency.
import { z } from 'zod';
import { figuresOf, type OpenItem } from '../../src/ledger/reconciliation.js';
import { recordId } from '../../src/store/records.js';
import { mapContextOf } from '../connector-kit.js';
import { toMinor } from '../mapping.js';
import type { LedgerReport } from '../types.js';
import type { XeroKit } from './kit.js';

const cell = z.object({ Value: z.union([z.string(), z.number()]).optional(), Attributes: z.array(z.object({ Id: z.string().optional(), Value: z.string().optional() })).optional() });

interface XeroReportRow {
  RowType?: string;
  Cells?: z.infer<typeof cell>[];
  Rows?: XeroReportRow[];
}

const row: z.ZodType<XeroReportRow> = z.lazy(() => z.object({ RowType: z.string().optional(), Cells: z.array(cell).optional(), Rows: z.array(row).optional() }));

export const XeroAgedReport = z.object({ Reports: z.array(z.object({ ReportID: z.string().optional(), Rows: z.array(row).default([]) })).min(1) });

/** One invoice line of the report: its id, due date and the amount still due (a decimal string). */
export interface AgedLine {
  invoiceId: string;
  dueDate: string;
  due: string;
}

/** The invoice rows of one contact's report; throws when the columns it needs are missing or a row is not understood. */
export function agedLines(raw: unknown): AgedLine[] {
  const report = XeroAgedReport.parse(raw).Reports[0];
  const rows = report?.Rows ?? [];
  const header = rows.find((r) => r.RowType === 'Header')?.Cells?.map((c) => String(c.Value ?? '')) ?? [];
  const dueDateAt = header.indexOf('Due Date');
  const dueAt = header.indexOf('Due');
  if (dueDateAt < 0 || dueAt < 0) throw new Error(`AgedReceivablesByContact has no 'Due Date' or 'Due' column (${header.join(', ')})`);
  const lines: AgedLine[] = [];
  const walk = (rs: readonly XeroReportRow[]): void => {
    for (const r of rs) {
      if (r.RowType === 'Row' && r.Cells) {
        const invoiceId = r.Cells[0]?.Attributes?.find((a) => a.Id?.toLowerCase() === 'invoiceid')?.Value;
        const dueDate = String(r.Cells[dueDateAt]?.Value ?? '').slice(0, 10);
        const due = String(r.Cells[dueAt]?.Value ?? '');
        if (!invoiceId || !/^\d{4}-\d{2}-\d{2}$/.test(dueDate)) throw new Error(`AgedReceivablesByContact row not understood: ${JSON.stringify(r.Cells)}`);
        lines.push({ invoiceId, dueDate, due });
      }
      if (r.Rows) walk(r.Rows);
    }
  };
  walk(rows);
  return lines;
}

export async function ledgerReport(kit: XeroKit, connectionId: string, asOf: string): Promise<LedgerReport> {
  const conn = await kit.active(connectionId);
  const api = kit.client(conn);
  const ctx = await mapContextOf(kit, conn);
  const key = { provider: 'xero' as const, companyId: conn.companyId };
  try {
    const contacts = await kit.store.customers.raw().find(key, { projection: { externalId: 1, currency: 1 } }).toArray();
    const items: OpenItem[] = [];
    for (const c of contacts) {
      for (const line of agedLines((await api.agedReceivablesByContact(c.externalId, asOf)).data)) {
        const stored = await kit.store.invoices.get(recordId({ ...key, externalId: line.invoiceId }));
        const currency = stored?.currency ?? c.currency ?? ctx.homeCurrency;
        const balance = toMinor(line.due, currency);
        if (balance === null) throw new Error(`AgedReceivablesByContact: amount ${line.due} of invoice ${line.invoiceId} is not a decimal`);
        items.push({ customerExternalId: c.externalId, currency, balanceMinor: balance, status: 'open', dueDate: line.dueDate });
      }
    }
    const asked = new Set(contacts.map((c) => c.externalId));
    return { asOf, figures: figuresOf(items, asOf), inScope: (customerExternalId) => asked.has(customerExternalId), apiCalls: api.calls };
  } finally {
    kit.countCalls(api);
  }
}

// The QuickBooks side of the nightly reconciliation: the A/R aging detail report
// (GET /v3/company/{realm}/reports/AgedReceivableDetail?report_date=…&columns=…).
// Its Data rows are open transactions, each with its type, number, customer (id),
// due date and open balance, grouped in sections per aging bucket. Only Invoice rows
// count: credit memos and unapplied payments are rows of their own types, so the
// comparison is invoice against invoice (the summary report AgedReceivables nets
// them into each customer's total). The report is in the company's home currency
// (Header.Currency): customers in another currency are not compared (QuickBooks
// converts their amounts at its own rates), and the result says so. A job billed
// with its parent counts in the top-level parent's account, as Overdue keeps it.
import { z } from 'zod';
import type { BalanceFigure } from '../../src/ledger/reconciliation.js';
import { figuresOf, type OpenItem } from '../../src/ledger/reconciliation.js';
import { mapContextOf } from '../connector-kit.js';
import type { LedgerReport } from '../types.js';
import type { QboKit } from './kit.js';
import { toMinor } from './records.js';
import { rollUpOf } from './save.js';

const colData = z.array(z.object({ value: z.string().optional(), id: z.string().optional() }));

interface ReportRow {
  ColData?: z.infer<typeof colData>;
  Rows?: { Row?: ReportRow[] };
  type?: string;
}

const reportRow: z.ZodType<ReportRow> = z.lazy(() =>
  z.object({ ColData: colData.optional(), Rows: z.object({ Row: z.array(reportRow).optional() }).optional(), type: z.string().optional() }),
);

export const QboAgingDetail = z.object({
  Header: z.object({ Currency: z.string().optional(), ReportName: z.string().optional() }),
  Columns: z.object({ Column: z.array(z.object({ ColType: z.string(), ColTitle: z.string().optional() })) }),
  Rows: z.object({ Row: z.array(reportRow).optional() }),
});

/** Every Data row of the report, at any depth. */
function dataRows(rows: readonly ReportRow[] | undefined, out: z.infer<typeof colData>[] = []): z.infer<typeof colData>[] {
  for (const r of rows ?? []) {
    if (r.ColData && (r.type === undefined || r.type === 'Data')) out.push(r.ColData);
    dataRows(r.Rows?.Row, out);
  }
  return out;
}

/** The report's open invoices, in the report's currency; throws when a column it needs is missing or an amount is not a decimal. */
export function agingInvoices(raw: unknown, homeCurrency: string): { currency: string; items: OpenItem[] } {
  const report = QboAgingDetail.parse(raw);
  const currency = report.Header.Currency ?? homeCurrency;
  const at = (type: string): number => {
    const i = report.Columns.Column.findIndex((c) => c.ColType === type);
    if (i < 0) throw new Error(`AgedReceivableDetail has no ${type} column`);
    return i;
  };
  const [txn, cust, due, bal] = [at('txn_type'), at('cust_name'), at('due_date'), at('subt_open_bal')];
  const items: OpenItem[] = [];
  for (const cols of dataRows(report.Rows.Row)) {
    if (cols[txn]?.value !== 'Invoice') continue;
    const customer = cols[cust]?.id;
    const dueDate = cols[due]?.value ?? '';
    const balance = toMinor(cols[bal]?.value ?? '', currency);
    if (customer === undefined || !/^\d{4}-\d{2}-\d{2}$/.test(dueDate) || balance === null) throw new Error(`AgedReceivableDetail row not understood: ${JSON.stringify(cols)}`);
    items.push({ customerExternalId: customer, currency, balanceMinor: balance, status: 'open', dueDate });
  }
  return { currency, items };
}

export async function ledgerReport(kit: QboKit, connectionId: string, asOf: string): Promise<LedgerReport> {
  const conn = await kit.active(connectionId);
  const client = kit.client(conn);
  const ctx = await mapContextOf(kit, conn);
  try {
    const { currency, items: rows } = agingInvoices(await client.agedReceivableDetail(asOf), ctx.homeCurrency);
    // A job billed with its parent is collected through the parent's account: its rows count there.
    const rollUp = await rollUpOf(kit, conn.companyId);
    const items = rows.map((i) => ({ ...i, customerExternalId: rollUp.accountOf(i.customerExternalId) }));
    const foreign = new Set(
      (await kit.store.customers.raw().find({ provider: 'quickbooks', companyId: conn.companyId, currency: { $exists: true, $ne: currency } }, { projection: { externalId: 1 } }).toArray()).map((c) => c.externalId),
    );
    const figures: BalanceFigure[] = figuresOf(items.filter((i) => !foreign.has(i.customerExternalId)), asOf);
    return {
      asOf, figures, apiCalls: client.calls,
      inScope: (customerExternalId, cur) => cur === currency && !foreign.has(customerExternalId),
      ...(foreign.size > 0 ? { notCovered: `${foreign.size} customer${foreign.size === 1 ? '' : 's'} in a currency other than ${currency} (the report converts them at QuickBooks' rates)` } : {}),
    };
  } finally {
    kit.countCalls(client);
  }
}

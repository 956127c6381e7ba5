// The nightly ledger reconciliation of one connection: Overdue's open and past-due
// balance per customer and currency against the ledger's own aged receivables
// report (connector.ledgerReport). A difference makes Overdue re-sync the company
// (a full sync, which also settles by id what Overdue holds open but the read did
// not return) and compare again; what still differs is recorded with both figures,
// holds the account's customer-facing sends (the dispatcher's `ledgerAgrees` guard:
// held, pending, never dropped), alerts the collector in Slack (an alert task) and
// is appended to the account's audit trail. A later run that finds the account exact
// lifts the hold (audited). The last run is kept per connection (src/ledger/runs.ts).
import { localDate } from '../src/domain/calendar.js';
import { formatMoney } from '../src/domain/money.js';
import { AppError } from '../src/errors.js';
import { compareFigures, figuresOf, type Comparison, type MismatchLine, type OpenItem } from '../src/ledger/reconciliation.js';
import { ReconciliationRuns, type AccountMismatch, type ReconciliationRunDoc } from '../src/ledger/runs.js';
import type { Logger } from '../src/logger.js';
import { storeLedgerAlert } from '../src/outbox/alerts.js';
import { recordId } from '../src/store/records.js';
import type { Store } from '../src/store/store.js';
import type { ConnectionDoc } from '../src/store/types.js';
import type { Connector, LedgerReport } from './types.js';

export interface ReconcileDeps {
  store: Store;
  connector: Connector;
  now: () => Date;
  logger: Logger;
}

const ACTOR = { kind: 'system' as const, id: 'reconciliation', name: 'Overdue ledger reconciliation' };

/** Overdue's open invoices of the connection's company, as the comparison reads them. */
async function openItemsOf(store: Store, conn: ConnectionDoc): Promise<OpenItem[]> {
  return store.invoices
    .raw()
    .find({ provider: conn.provider, companyId: conn.companyId, status: 'open' }, { projection: { customerExternalId: 1, currency: 1, balanceMinor: 1, status: 1, dueDate: 1 } })
    .toArray();
}

/** "USD: Overdue open 1,200.00 USD, past due 700.00 USD; ledger open 1,000.00 USD, past due 500.00 USD". */
export function mismatchSentence(m: MismatchLine): string {
  const f = (minor: number) => formatMoney({ amountMinor: minor, currency: m.currency });
  return `${m.currency}: Overdue open ${f(m.overdue.openMinor)}, past due ${f(m.overdue.pastDueMinor)}; ledger open ${f(m.ledger.openMinor)}, past due ${f(m.ledger.pastDueMinor)}`;
}

/** Reconcile one connection now: compare, re-sync and compare again on a difference, record, hold, alert, audit. */
export async function reconcileConnection(deps: ReconcileDeps, connectionId: string): Promise<ReconciliationRunDoc> {
  const { store, connector } = deps;
  const conn = await store.connections.get(connectionId);
  if (!conn) throw new AppError('not_found', `no connection ${connectionId}`);
  const org = await store.organisations.get(conn.orgId);
  const at = deps.now();
  const asOf = localDate(at, org?.timeZone ?? 'UTC');
  const runs = new ReconciliationRuns(store.db);
  const previous = await runs.get(connectionId);
  let apiCalls = 0;
  const compare = async (): Promise<{ report: LedgerReport; result: Comparison }> => {
    const report = await connector.ledgerReport(connectionId, asOf);
    apiCalls += report.apiCalls;
    return { report, result: compareFigures(figuresOf(await openItemsOf(store, conn), asOf), report.figures, report.inScope) };
  };
  const base = { _id: conn._id, orgId: conn.orgId, provider: conn.provider, companyId: conn.companyId, companyName: conn.companyName, at, asOf };
  let run: ReconciliationRunDoc;
  try {
    let { report, result } = await compare();
    const firstPass = result.mismatches.length > 0 ? { compared: result.compared, exact: result.exact, mismatches: result.mismatches.length } : undefined;
    if (firstPass) {
      // A lost webhook or a change the feed missed: a full sync reads every open record and settles by id
      // what Overdue holds open but the ledger closed; then the report is asked again.
      await connector.fullSync(connectionId);
      ({ report, result } = await compare());
    }
    const mismatches: AccountMismatch[] = [];
    for (const m of result.mismatches) {
      const customerId = recordId({ provider: conn.provider, companyId: conn.companyId, externalId: m.customerExternalId });
      const customer = await store.customers.get(customerId);
      mismatches.push({ ...m, customerId, accountName: customer?.displayName ?? `${conn.provider} customer ${m.customerExternalId}` });
    }
    run = {
      ...base,
      status: mismatches.length > 0 ? 'mismatch' : firstPass ? 'resolved' : 'exact',
      compared: result.compared, exact: result.exact, ...(firstPass ? { firstPass } : {}), resynced: firstPass !== undefined,
      mismatches, held: [...new Set(mismatches.map((m) => m.customerId))].sort(), apiCalls,
      ...(report.notCovered !== undefined ? { notCovered: report.notCovered } : {}),
    };
  } catch (err) {
    // A run that could not compare proves nothing either way: the last run's holds stay.
    run = { ...base, status: 'failed', compared: 0, exact: 0, resynced: false, mismatches: previous?.mismatches ?? [], held: previous?.held ?? [], apiCalls, error: err instanceof Error ? err.message : String(err) };
    deps.logger.warn({ connection: connectionId, err: run.error }, 'ledger reconciliation failed');
  }
  await runs.save(run);
  if (run.status !== 'failed') await recordOutcome(deps, run, previous);
  return run;
}

/** Audit each persisting difference (every run it persists), alert the collector of each new hold, audit each hold lifted. */
async function recordOutcome(deps: ReconcileDeps, run: ReconciliationRunDoc, previous: ReconciliationRunDoc | null): Promise<void> {
  const { store } = deps;
  const before = new Set(previous?.held ?? []);
  for (const customerId of run.held) {
    const lines = run.mismatches.filter((m) => m.customerId === customerId);
    const sentences = lines.map(mismatchSentence);
    const accountName = lines[0]?.accountName ?? customerId;
    await store.audit.append({
      orgId: run.orgId, accountId: customerId, actor: ACTOR, channel: 'system', action: 'ledger.mismatch', invoiceIds: [], at: run.at,
      outcome: `${run.companyName}'s aged receivables report (${run.asOf}) disagrees with Overdue after a re-sync: ${sentences.join('; ')}; customer-facing sends held`,
      details: { connectionId: run._id, asOf: run.asOf, lines: lines.map(({ currency, overdue, ledger, customerExternalId }) => ({ customerExternalId, currency, overdue, ledger })) },
    });
    if (!before.has(customerId)) {
      await storeLedgerAlert(store.db, { orgId: run.orgId, customerId, accountName, now: run.at, ledger: { connectionId: run._id, company: run.companyName, asOf: run.asOf, lines: sentences } });
    }
  }
  const now = new Set(run.held);
  for (const customerId of before) {
    if (now.has(customerId)) continue;
    await store.audit.append({
      orgId: run.orgId, accountId: customerId, actor: ACTOR, channel: 'system', action: 'ledger.agrees', invoiceIds: [], at: run.at,
      outcome: `${run.companyName}'s aged receivables report (${run.asOf}) agrees with Overdue again: customer-facing sends resume`,
      details: { connectionId: run._id, asOf: run.asOf },
    });
  }
}

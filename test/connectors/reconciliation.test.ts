// The nightly ledger reconciliation against both sandboxes' own aged receivables
// reports: exact after a sync; a change Overdue missed is settled by the re-sync and
// holds nothing; a difference a re-sync cannot settle holds the account's sends,
// alerts the collector, is audited and shown by the admin API, and a later exact run
// lifts the hold. Plus the pure comparison and both report parsers.
import type { Server } from 'node:http';
import { reconciliationRouter } from '../../app/http/reconciliation.js';
import { reconcileAll } from '../../jobs/reconcile.js';
import { testServices } from '../helpers/services.js';
import { reconcileConnection } from '../../connectors/reconcile.js';
import { agingInvoices } from '../../connectors/quickbooks/report.js';
import { agedLines } from '../../connectors/xero/report.js';
import { createApp } from '../../src/http/app.js';
import { compareFigures, figuresOf } from '../../src/ledger/reconciliation.js';
import { createLogger } from '../../src/logger.js';
import type { AlertTaskDoc } from '../../src/outbox/alerts.js';
import { collections, type Store } from '../../src/store/store.js';
import { recordId } from '../../src/store/records.js';
import type { Connector } from '../../connectors/types.js';
import { REALM, connId, startQuickBooks, type Running } from './quickbooks/harness.js';
import { TENANT_A, connA, startXero, type RunningXero } from './xero/harness.js';

jest.setTimeout(120_000);
const logger = createLogger('silent');

describe('the comparison (pure)', () => {
  it('open and past-due per customer and currency on the report date; every pair on either side compared, within scope', () => {
    const ours = figuresOf([
      { customerExternalId: 'a', currency: 'USD', balanceMinor: 1000, status: 'open', dueDate: '2025-03-01' },
      { customerExternalId: 'a', currency: 'USD', balanceMinor: 500, status: 'open', dueDate: '2025-03-10' },
      { customerExternalId: 'a', currency: 'EUR', balanceMinor: 700, status: 'open', dueDate: '2025-03-09' },
      { customerExternalId: 'b', currency: 'USD', balanceMinor: 0, status: 'open', dueDate: '2025-01-01' },
      { customerExternalId: 'c', currency: 'USD', balanceMinor: 900, status: 'paid', dueDate: '2025-01-01' },
    ], '2025-03-10');
    expect(ours).toEqual([
      { customerExternalId: 'a', currency: 'USD', openMinor: 1500, pastDueMinor: 1000 },
      { customerExternalId: 'a', currency: 'EUR', openMinor: 700, pastDueMinor: 700 },
    ]);
    const ledger = [
      { customerExternalId: 'a', currency: 'USD', openMinor: 1500, pastDueMinor: 1500 },
      { customerExternalId: 'a', currency: 'EUR', openMinor: 700, pastDueMinor: 700 },
      { customerExternalId: 'd', currency: 'USD', openMinor: 40, pastDueMinor: 0 },
      { customerExternalId: 'e', currency: 'GBP', openMinor: 10, pastDueMinor: 10 },
    ];
    const r = compareFigures(ours, ledger, (_id, cur) => cur !== 'GBP');
    expect(r).toMatchObject({ compared: 3, exact: 1 });
    expect(r.mismatches).toEqual([
      { customerExternalId: 'a', currency: 'USD', overdue: { openMinor: 1500, pastDueMinor: 1000 }, ledger: { openMinor: 1500, pastDueMinor: 1500 } },
      { customerExternalId: 'd', currency: 'USD', overdue: { openMinor: 0, pastDueMinor: 0 }, ledger: { openMinor: 40, pastDueMinor: 0 } },
    ]);
  });

  it('QuickBooks AgedReceivableDetail: invoice rows by ColType at any depth, credit memos left out; Xero AgedReceivablesByContact: the invoice rows by header title', () => {
    const qbo = {
      Header: { ReportName: 'AgedReceivableDetail', Currency: 'USD' },
      Columns: { Column: [{ ColType: 'txn_type' }, { ColType: 'cust_name' }, { ColType: 'due_date' }, { ColType: 'subt_open_bal' }] },
      Rows: { Row: [{ Header: { ColData: [{ value: '1 - 30 days past due' }] }, type: 'Section', Rows: { Row: [
        { type: 'Data', ColData: [{ value: 'Invoice', id: '9' }, { value: 'Amy', id: '1' }, { value: '2025-03-01' }, { value: '120.50' }] },
        { type: 'Data', ColData: [{ value: 'Credit Memo', id: '10' }, { value: 'Amy', id: '1' }, { value: '2025-03-01' }, { value: '-20.00' }] },
      ] }, Summary: { ColData: [{ value: 'Total' }] } }] },
    };
    expect(agingInvoices(qbo, 'USD')).toEqual({ currency: 'USD', items: [{ customerExternalId: '1', currency: 'USD', balanceMinor: 12050, status: 'open', dueDate: '2025-03-01' }] });
    expect(() => agingInvoices({ ...qbo, Columns: { Column: [{ ColType: 'txn_type' }] } }, 'USD')).toThrow(/no cust_name column/);
    const xero = { Reports: [{ ReportID: 'AgedReceivablesByContact', Rows: [
      { RowType: 'Header', Cells: ['Date', 'Reference', 'Due Date', 'Overdue', 'Total', 'Paid', 'Credited', 'Due'].map((Value) => ({ Value })) },
      { RowType: 'Section', Rows: [
        { RowType: 'Row', Cells: [{ Value: '2025-02-01T00:00:00', Attributes: [{ Id: 'invoiceID', Value: 'inv-1' }] }, { Value: 'INV-1' }, { Value: '2025-03-03T00:00:00' }, { Value: '7' }, { Value: '100.00' }, { Value: '10.00' }, { Value: '0.00' }, { Value: '90.00' }] },
        { RowType: 'SummaryRow', Cells: [{ Value: 'Total' }] },
      ] },
    ] }] };
    expect(agedLines(xero)).toEqual([{ invoiceId: 'inv-1', dueDate: '2025-03-03', due: '90.00' }]);
  });
});

/** The admin API with only the reconciliation router, on loopback. */
async function serveApi(store: Store): Promise<{ get(path: string): Promise<{ status: number; json: unknown }>; close(): Promise<void> }> {
  const token = 'recon-admin-token-0123456789abcdef';
  const app = createApp({ db: store.db, logger, adminApiToken: token, bodyLimit: '1mb', adminRouters: [reconciliationRouter({ store })] });
  const server = await new Promise<Server>((res) => {
    const s = app.listen(0, '127.0.0.1', () => res(s));
  });
  const addr = server.address();
  const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/api`;
  return {
    async get(path) {
      const r = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
      return { status: r.status, json: await r.json() };
    },
    close: () => new Promise<void>((res) => {
      server.close(() => res());
      server.closeAllConnections();
    }),
  };
}

const alertsOf = (store: Store) => store.db.collection<AlertTaskDoc>(collections.tasks).find({ kind: 'alert' }).toArray();

describe('QuickBooks: reconciliation against AgedReceivableDetail', () => {
  let q: Running;
  let api: Awaited<ReturnType<typeof serveApi>>;
  const reconcile = () => reconcileConnection({ store: q.store, connector: q.connector as Connector, now: () => new Date(), logger }, connId);
  beforeAll(async () => {
    q = await startQuickBooks('qbrecon', { customers: 12, openInvoices: 40, creditMemos: 3 });
    expect((await q.connect()).status).toBe(200);
    await q.connector.fullSync(connId);
    api = await serveApi(q.store);
  });
  afterAll(async () => {
    await api.close();
    await q.close();
  });

  const usdInvoice = (skip = 0) => [...q.sandbox.company(REALM).records.Invoice.values()].filter((i) => Number(i.Balance) > 0 && (i.CurrencyRef as { value: string }).value === 'USD')[skip]!;

  it('exact after a sync: every home-currency customer compared, one report call; foreign-currency customers said to be left out', async () => {
    expect((await api.get(`/connections/${connId}/reconciliation`)).json).toEqual({ connectionId: connId, lastRun: null });
    q.sandbox.resetCounts();
    const run = await reconcile();
    expect(run).toMatchObject({ status: 'exact', resynced: false, held: [], mismatches: [], apiCalls: 1 });
    expect(run.compared).toBeGreaterThan(0);
    expect(run.exact).toBe(run.compared);
    expect(run.notCovered).toMatch(/in a currency other than USD/);
    expect(q.sandbox.counts).toMatchObject({ report: 1, total: 1 });
  });

  it('a payment Overdue missed (no webhook): the first pass differs, the re-sync settles it, nothing is held', async () => {
    const inv = usdInvoice(0);
    q.sandbox.pay(REALM, inv.Id, 1_00);
    const run = await reconcile();
    expect(run).toMatchObject({ status: 'resolved', resynced: true, firstPass: { mismatches: 1 }, held: [], mismatches: [] });
    expect(run.exact).toBe(run.compared);
    expect(await alertsOf(q.store)).toHaveLength(0);
  });

  it('a difference the re-sync cannot settle holds the account, alerts its collector once, is audited and shown by the API; an exact run lifts the hold', async () => {
    const inv = usdInvoice(1);
    const customerExternalId = (inv.CustomerRef as { value: string }).value;
    const customerId = recordId({ provider: 'quickbooks', companyId: REALM, externalId: customerExternalId });
    const before = await q.store.invoices.findByKey('quickbooks', REALM, inv.Id);
    // A balance Overdue refuses to read (a digit beyond the cent): the sync rejects it, the ledger's report counts it.
    q.sandbox.change(REALM, 'Invoice', inv.Id, { Balance: '10.005' });
    const run = await reconcile();
    expect(run).toMatchObject({ status: 'mismatch', resynced: true, held: [customerId] });
    expect(run.mismatches).toHaveLength(1);
    const m = run.mismatches[0]!;
    expect(m).toMatchObject({ customerId, customerExternalId, currency: 'USD' });
    expect(m.ledger.openMinor - m.overdue.openMinor).toBe(1001 - (before?.balanceMinor ?? 0));

    const alerts = await alertsOf(q.store);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ customerId, assignee: { role: 'collector' }, alert: { ledger: { connectionId: connId, company: 'Acme Supplies' } } });
    expect(alerts[0]?.alert.ledger?.lines[0]).toMatch(/^USD: Overdue open .* USD, past due .*; ledger open .* USD, past due .* USD$/);
    const audit = (await q.store.audit.list(customerId)).filter((e) => e.action === 'ledger.mismatch');
    expect(audit).toHaveLength(1);
    expect(audit[0]?.outcome).toMatch(/^Acme Supplies's aged receivables report \(\d{4}-\d{2}-\d{2}\) disagrees with Overdue after a re-sync: USD: .*; customer-facing sends held$/);

    const shown = await api.get(`/connections/${connId}/reconciliation`);
    expect(shown.status).toBe(200);
    expect(shown.json).toMatchObject({ connectionId: connId, lastRun: { status: 'mismatch', held: [customerId], mismatches: [{ customerId, currency: 'USD', overdue: m.overdue, ledger: m.ledger }] } });
    expect((await api.get('/connections/quickbooks:nope/reconciliation')).status).toBe(404);

    // Still differing the next night: audited again, not alerted again.
    await reconcile();
    expect(await alertsOf(q.store)).toHaveLength(1);
    expect((await q.store.audit.list(customerId)).filter((e) => e.action === 'ledger.mismatch')).toHaveLength(2);

    q.sandbox.change(REALM, 'Invoice', inv.Id, { Balance: 12 });
    const fixed = await reconcile();
    expect(fixed).toMatchObject({ status: 'resolved', held: [] });
    expect((await q.store.audit.list(customerId)).map((e) => e.action)).toContain('ledger.agrees');
  });
});

describe('Xero: reconciliation against Reports/AgedReceivablesByContact', () => {
  let x: RunningXero;
  const reconcile = () => reconcileConnection({ store: x.store, connector: x.connector as Connector, now: () => new Date(), logger }, connA);
  beforeAll(async () => {
    x = await startXero('xerorecon', { a: { contacts: 6, openInvoices: 20 } });
    expect((await x.connect()).status).toBe(200);
    await x.connector.fullSync(connA);
  });
  afterAll(() => x.close());

  it('exact after a sync (one report per contact, every currency compared); a missed payment is settled by the re-sync; an unreadable amount holds the account', async () => {
    const contacts = await x.store.customers.raw().countDocuments({ provider: 'xero', companyId: TENANT_A });
    x.sandbox.resetCounts();
    const exact = await reconcile();
    expect(exact).toMatchObject({ status: 'exact', held: [], apiCalls: contacts });
    expect(exact.compared).toBeGreaterThan(0);
    expect(exact.exact).toBe(exact.compared);
    expect(exact.notCovered).toBeUndefined();

    const [paid, broken] = x.sandbox.openInvoices(TENANT_A);
    x.sandbox.pay(TENANT_A, String(paid!.InvoiceID), 1_00);
    expect(await reconcile()).toMatchObject({ status: 'resolved', resynced: true, firstPass: { mismatches: 1 }, held: [] });

    x.sandbox.change(TENANT_A, 'Invoices', String(broken!.InvoiceID), { AmountDue: '10.005' });
    const held = await reconcile();
    const customerId = recordId({ provider: 'xero', companyId: TENANT_A, externalId: String((broken!.Contact as { ContactID: string }).ContactID) });
    expect(held).toMatchObject({ status: 'mismatch', held: [customerId] });
    expect(held.mismatches[0]).toMatchObject({ customerId, currency: String(broken!.CurrencyCode) });
    expect((await x.store.audit.list(customerId)).map((e) => e.action)).toContain('ledger.mismatch');
  });
});

describe('the reconcile-ledgers job', () => {
  let q: Running;
  beforeAll(async () => {
    q = await startQuickBooks('qbreconjob', { customers: 4, openInvoices: 8 });
    expect((await q.connect()).status).toBe(200);
    await q.connector.fullSync(connId);
  });
  afterAll(() => q.close());

  it("reconciles each active connection once a night, at the hour in its organisation's zone (America/New_York here)", async () => {
    const ctxAt = (iso: string) => testServices(q.store, { logger, worker: 'w1', now: () => new Date(iso), connectors: { quickbooks: q.connector } });
    expect(await reconcileAll(ctxAt('2026-01-15T06:45:00Z'), { hour: 3, all: false })).toEqual([]); // 01:45 in New York
    const runs = await reconcileAll(ctxAt('2026-01-15T08:45:00Z'), { hour: 3, all: false }); // 03:45
    expect(runs.map((r) => [r._id, r.status, r.asOf])).toEqual([[connId, 'exact', '2026-01-15']]);
    expect(await reconcileAll(ctxAt('2026-01-15T06:45:00Z'), { hour: 3, all: true })).toHaveLength(1);
  });
});

// Property: after random ledger changes with 10% of their webhooks lost, the
// deliveries that did arrive, one incremental sync and the nightly reconciliation,
// every account's open and past-due balance per currency in Overdue equals the
// sandbox ledger's, to the minor unit. Changes: new invoices, partial and full
// payments, credits, voids, deletes (QuickBooks), payment reversals, due-date edits,
// renames, re-parenting of sub-customers (QuickBooks: a job billed with its parent counts
// in its top-level parent's account) and archiving (Xero), over three currencies. A fixed seed (LEDGER_SEED to explore another) keeps `npm test` repeatable;
// each platform prints one line: seed, changes, webhooks dropped, accounts compared, exact.
import { processQuickbooksInbox } from '../connectors/quickbooks/routes.js';
import { reconcileConnection } from '../connectors/reconcile.js';
import type { Connector } from '../connectors/types.js';
import { processXeroInbox } from '../connectors/xero/routes.js';
import { localDate } from '../src/domain/calendar.js';
import { compareFigures, figuresOf, type Comparison, type OpenItem } from '../src/ledger/reconciliation.js';
import { createLogger } from '../src/logger.js';
import type { Store } from '../src/store/store.js';
import { amount, rng, type Entity, type QboRecord } from './sandbox/quickbooks/server.js';
import { msDate, type XeroRecord } from './sandbox/xero/server.js';
import { REALM, connId, startQuickBooks, type Running } from './connectors/quickbooks/harness.js';
import { TENANT_A, connA, startXero, type RunningXero } from './connectors/xero/harness.js';

jest.setTimeout(120_000);

const SEED = process.env.LEDGER_SEED === 'random' ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.LEDGER_SEED ?? 20261205);
const CHANGES = 200;
const DROP = 0.1;
const logger = createLogger('silent');
const exp = (currency: string) => (currency === 'JPY' ? 0 : 2);
const minorOf = (v: unknown, currency: string) => Math.round(Number(v ?? 0) * 10 ** exp(currency));
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Overdue's open invoices of a company, as the comparison reads them. */
async function overdueItems(store: Store, provider: 'quickbooks' | 'xero', companyId: string): Promise<OpenItem[]> {
  return store.invoices.raw().find({ provider, companyId, status: 'open' }).toArray();
}

function report(platform: string, c: Comparison, changes: number, dropped: number, delivered: number): string {
  return `property ledger ${platform}: seed=${SEED} changes=${changes} webhooks delivered=${delivered} dropped=${dropped} accounts×currencies compared=${c.compared} exact=${c.exact}`;
}

describe('property: the ledger after random changes and lost webhooks (QuickBooks)', () => {
  let q: Running;
  beforeAll(async () => {
    q = await startQuickBooks('propqbo', { customers: 24, openInvoices: 90, paidInvoices: 10, creditMemos: 4, currencies: ['USD', 'USD', 'EUR', 'GBP'] });
    expect((await q.connect()).status).toBe(200);
    await q.connector.fullSync(connId);
  });
  afterAll(() => q.close());

  it('every account is exact per currency after one sync cycle', async () => {
    const r = rng(SEED);
    const pick = <T>(xs: T[]): T | undefined => xs[Math.floor(r() * xs.length)];
    const co = () => q.sandbox.company(REALM);
    const open = () => [...co().records.Invoice.values()].filter((i) => minorOf(i.Balance, (i.CurrencyRef as { value: string }).value) > 0);
    const payments: { id: string; invoiceId: string; minor: number }[] = [];
    let dropped = 0;
    let delivered = 0;
    const notify = async (entities: { name: Entity; id: string; operation: string }[]) => {
      if (r() < DROP) return void dropped++;
      delivered++;
      const res = await q.sandbox.deliver(`${q.appUrl}/webhooks/quickbooks`, q.sandbox.legacyPayload(REALM, entities));
      expect(res.status).toBe(200);
    };
    const cur = (rec: QboRecord) => (rec.CurrencyRef as { value: string }).value;
    const setBalance = (inv: QboRecord, minor: number) => q.sandbox.change(REALM, 'Invoice', inv.Id, { Balance: amount(minor, exp(cur(inv))) });

    for (let n = 0; n < CHANGES; n++) {
      const kind = pick(['new', 'new', 'partial', 'pay', 'credit', 'void', 'delete', 'reverse', 'due', 'due', 'rename', 'reparent'])!;
      const inv = pick(open());
      const now = Date.now();
      if (kind === 'new') {
        const c = pick([...co().records.Customer.values()])!;
        const currency = cur(c);
        const total = (5 + Math.floor(r() * 3000)) * 100 + (exp(currency) === 0 ? 0 : Math.floor(r() * 100));
        const txn = day(now - Math.floor(r() * 60) * 86_400_000);
        const rec = q.sandbox.put(REALM, 'Invoice', {
          DocNumber: `P-${n}`, TxnDate: txn, DueDate: day(Date.parse(txn) + Math.floor(r() * 60 - 10) * 86_400_000),
          TotalAmt: amount(total, exp(currency)), Balance: amount(total, exp(currency)), CustomerRef: { value: c.Id, name: c.DisplayName },
          CurrencyRef: { value: currency, name: currency }, LinkedTxn: [], Line: [{ Amount: amount(total, exp(currency)), DetailType: 'SalesItemLineDetail' }],
        });
        await notify([{ name: 'Invoice', id: rec.Id, operation: 'Create' }]);
      } else if (!inv) {
        continue;
      } else if (kind === 'partial' || kind === 'pay') {
        const balance = minorOf(inv.Balance, cur(inv));
        const minor = kind === 'pay' ? balance : Math.max(1, Math.floor(balance * r()));
        const p = q.sandbox.pay(REALM, inv.Id, minor);
        payments.push({ id: p.Id, invoiceId: inv.Id, minor });
        await notify([{ name: 'Payment', id: p.Id, operation: 'Create' }, { name: 'Invoice', id: inv.Id, operation: 'Update' }]);
      } else if (kind === 'credit') {
        const minor = Math.max(1, Math.floor(minorOf(inv.Balance, cur(inv)) * r() * 0.5));
        const m = q.sandbox.put(REALM, 'CreditMemo', { TxnDate: day(now), TotalAmt: amount(minor, exp(cur(inv))), Balance: 0, CustomerRef: inv.CustomerRef, CurrencyRef: inv.CurrencyRef });
        setBalance(inv, minorOf(inv.Balance, cur(inv)) - minor);
        await notify([{ name: 'CreditMemo', id: m.Id, operation: 'Create' }, { name: 'Invoice', id: inv.Id, operation: 'Update' }]);
      } else if (kind === 'void') {
        q.sandbox.voidInvoice(REALM, inv.Id);
        await notify([{ name: 'Invoice', id: inv.Id, operation: 'Void' }]);
      } else if (kind === 'delete') {
        q.sandbox.remove(REALM, 'Invoice', inv.Id);
        await notify([{ name: 'Invoice', id: inv.Id, operation: 'Delete' }]);
      } else if (kind === 'reverse') {
        const p = payments.splice(Math.floor(r() * payments.length), 1)[0];
        const target = p ? co().records.Invoice.get(p.invoiceId) : undefined;
        if (!p || !target || !co().records.Payment.has(p.id)) continue;
        q.sandbox.remove(REALM, 'Payment', p.id);
        setBalance(target, minorOf(target.Balance, cur(target)) + p.minor);
        await notify([{ name: 'Payment', id: p.id, operation: 'Delete' }, { name: 'Invoice', id: target.Id, operation: 'Update' }]);
      } else if (kind === 'due') {
        q.sandbox.change(REALM, 'Invoice', inv.Id, { DueDate: day(now + Math.floor(r() * 40 - 20) * 86_400_000) });
        await notify([{ name: 'Invoice', id: inv.Id, operation: 'Update' }]);
      } else if (kind === 'rename') {
        const c = pick([...co().records.Customer.values()])!;
        q.sandbox.change(REALM, 'Customer', c.Id, { DisplayName: `${String(c.DisplayName).split(' #')[0]} #${n}` });
        await notify([{ name: 'Customer', id: c.Id, operation: 'Update' }]);
      } else {
        const jobs = [...co().records.Customer.values()].filter((c) => c.Job === true);
        const parents = [...co().records.Customer.values()].filter((c) => c.Job !== true);
        const job = pick(jobs);
        const parent = pick(parents);
        if (!job || !parent) continue;
        q.sandbox.change(REALM, 'Customer', job.Id, { ParentRef: { value: parent.Id } });
        await notify([{ name: 'Customer', id: job.Id, operation: 'Update' }]);
      }
    }

    const worker = { connector: q.connector, store: q.store, logger, worker: 'w1' };
    while ((await processQuickbooksInbox(worker)) > 0);
    await q.connector.incrementalSync(connId);
    const recon = await reconcileConnection({ store: q.store, connector: q.connector as Connector, now: () => new Date(), logger }, connId);

    const asOf = localDate(new Date(), 'America/New_York');
    // The ledger's own roll-up: a job billed with its parent is collected through its top-level parent.
    const accountOf = (id: string): string => {
      const c = co().records.Customer.get(id);
      const parent = (c?.ParentRef as { value?: string } | undefined)?.value;
      return c?.Job === true && c.BillWithParent === true && parent !== undefined && parent !== id ? accountOf(parent) : id;
    };
    const ledger: OpenItem[] = [...co().records.Invoice.values()].map((i) => ({
      customerExternalId: accountOf((i.CustomerRef as { value: string }).value), currency: cur(i), balanceMinor: minorOf(i.Balance, cur(i)), status: 'open', dueDate: q.sandbox.dueDateOf(co(), i),
    }));
    const result = compareFigures(figuresOf(await overdueItems(q.store, 'quickbooks', REALM), asOf), figuresOf(ledger, asOf), () => true);
    console.log(`${report('quickbooks', result, CHANGES, dropped, delivered)}; reconciliation ${recon.status}: compared=${recon.compared} exact=${recon.exact}`);
    expect(result.mismatches).toEqual([]);
    expect(result.exact).toBe(result.compared);
    expect(new Set(ledger.map((l) => l.currency)).size).toBe(3);
    expect(dropped).toBeGreaterThan(0);
    expect(recon).toMatchObject({ status: 'exact', held: [] });
  });
});

describe('property: the ledger after random changes and lost webhooks (Xero)', () => {
  let x: RunningXero;
  beforeAll(async () => {
    x = await startXero('propxero', { a: { contacts: 24, openInvoices: 90, paidInvoices: 10, creditNotes: 4, currencies: ['NZD', 'NZD', 'USD', 'AUD'] } }, { connector: { perMinute: 10_000 } });
    x.sandbox.limits.perMinute = 10_000;
    expect((await x.connect()).status).toBe(200);
    await x.connector.fullSync(connA);
  });
  afterAll(() => x.close());

  it('every account is exact per currency after one sync cycle', async () => {
    const r = rng(SEED + 1);
    const pick = <T>(xs: T[]): T | undefined => xs[Math.floor(r() * xs.length)];
    const t = () => x.sandbox.tenant(TENANT_A);
    const cur = (i: XeroRecord) => String(i.CurrencyCode);
    const open = () => x.sandbox.openInvoices(TENANT_A).filter((i) => minorOf(i.AmountDue, cur(i)) > 0);
    const payments: { id: string; invoiceId: string; minor: number }[] = [];
    let dropped = 0;
    let delivered = 0;
    const notify = async (events: { category: 'INVOICE' | 'CONTACT' | 'CREDITNOTE'; id: string; type?: 'CREATE' | 'UPDATE' }[]) => {
      if (r() < DROP) return void dropped++;
      delivered++;
      const res = await x.sandbox.deliver(`${x.appUrl}/webhooks/xero`, x.sandbox.payload(events.map((e) => ({ ...e, tenantId: TENANT_A }))));
      expect(res.status).toBe(200);
    };
    const setDue = (inv: XeroRecord, dueMinor: number, extra: Record<string, unknown> = {}) =>
      x.sandbox.change(TENANT_A, 'Invoices', String(inv.InvoiceID), { AmountDue: amount(dueMinor, exp(cur(inv))), ...extra });

    for (let n = 0; n < CHANGES; n++) {
      const kind = pick(['new', 'new', 'partial', 'pay', 'credit', 'void', 'reverse', 'due', 'due', 'rename', 'archive'])!;
      const inv = pick(open());
      const now = Date.now();
      if (kind === 'new') {
        const c = pick([...t().records.Contacts.values()])!;
        const currency = String(c.DefaultCurrency);
        const total = (5 + Math.floor(r() * 3000)) * 100 + (exp(currency) === 0 ? 0 : Math.floor(r() * 100));
        const issued = day(now - Math.floor(r() * 60) * 86_400_000);
        const due = day(Date.parse(issued) + Math.floor(r() * 60 - 10) * 86_400_000);
        const id = `00000000-0000-4000-a000-${String(n).padStart(12, '0')}`;
        x.sandbox.put(TENANT_A, 'Invoices', {
          InvoiceID: id, InvoiceNumber: `P-${n}`, Type: 'ACCREC', Contact: { ContactID: c.ContactID, Name: c.Name },
          Date: msDate(Date.parse(issued)), DateString: `${issued}T00:00:00`, DueDate: msDate(Date.parse(due)), DueDateString: `${due}T00:00:00`, Status: 'AUTHORISED',
          LineAmountTypes: 'Exclusive', SubTotal: amount(total, exp(currency)), TotalTax: 0, Total: amount(total, exp(currency)),
          AmountDue: amount(total, exp(currency)), AmountPaid: 0, AmountCredited: 0, CurrencyCode: currency,
        });
        await notify([{ category: 'INVOICE', id, type: 'CREATE' }]);
      } else if (kind === 'rename' || kind === 'archive') {
        const c = pick([...t().records.Contacts.values()])!;
        x.sandbox.change(TENANT_A, 'Contacts', String(c.ContactID), kind === 'rename' ? { Name: `${String(c.Name).split(' #')[0]} #${n}` } : { ContactStatus: 'ARCHIVED' });
        await notify([{ category: 'CONTACT', id: String(c.ContactID) }]);
      } else if (!inv) {
        continue;
      } else if (kind === 'partial' || kind === 'pay') {
        const due = minorOf(inv.AmountDue, cur(inv));
        const minor = kind === 'pay' ? due : Math.max(1, Math.floor(due * r()));
        const p = x.sandbox.pay(TENANT_A, String(inv.InvoiceID), minor);
        payments.push({ id: String(p.PaymentID), invoiceId: String(inv.InvoiceID), minor });
        await notify([{ category: 'INVOICE', id: String(inv.InvoiceID) }]);
      } else if (kind === 'credit') {
        const minor = Math.max(1, Math.floor(minorOf(inv.AmountDue, cur(inv)) * r() * 0.5));
        setDue(inv, minorOf(inv.AmountDue, cur(inv)) - minor, { AmountCredited: amount(minorOf(inv.AmountCredited, cur(inv)) + minor, exp(cur(inv))) });
        await notify([{ category: 'INVOICE', id: String(inv.InvoiceID) }]);
      } else if (kind === 'void') {
        x.sandbox.voidInvoice(TENANT_A, String(inv.InvoiceID));
        await notify([{ category: 'INVOICE', id: String(inv.InvoiceID) }]);
      } else if (kind === 'reverse') {
        const p = payments.splice(Math.floor(r() * payments.length), 1)[0];
        const target = p ? t().records.Invoices.get(p.invoiceId) : undefined;
        if (!p || !target || target.Status === 'VOIDED') continue;
        x.sandbox.change(TENANT_A, 'Payments', p.id, { Status: 'DELETED' });
        setDue(target, minorOf(target.AmountDue, cur(target)) + p.minor, { AmountPaid: amount(minorOf(target.AmountPaid, cur(target)) - p.minor, exp(cur(target))), Status: 'AUTHORISED' });
        await notify([{ category: 'INVOICE', id: p.invoiceId }]);
      } else {
        const due = day(now + Math.floor(r() * 40 - 20) * 86_400_000);
        x.sandbox.change(TENANT_A, 'Invoices', String(inv.InvoiceID), { DueDate: msDate(Date.parse(due)), DueDateString: `${due}T00:00:00` });
        await notify([{ category: 'INVOICE', id: String(inv.InvoiceID) }]);
      }
    }

    const worker = { connector: x.connector, store: x.store, logger, worker: 'w1' };
    while ((await processXeroInbox(worker)) > 0);
    await x.connector.incrementalSync(connA);
    const recon = await reconcileConnection({ store: x.store, connector: x.connector as Connector, now: () => new Date(), logger }, connA);

    const asOf = localDate(new Date(), 'Pacific/Auckland');
    const ledger: OpenItem[] = [...t().records.Invoices.values()]
      .filter((i) => i.Type === 'ACCREC' && i.Status === 'AUTHORISED')
      .map((i) => ({ customerExternalId: String((i.Contact as { ContactID: string }).ContactID), currency: cur(i), balanceMinor: minorOf(i.AmountDue, cur(i)), status: 'open', dueDate: x.sandbox.dueDateOf(t(), i) }));
    const result = compareFigures(figuresOf(await overdueItems(x.store, 'xero', TENANT_A), asOf), figuresOf(ledger, asOf), () => true);
    console.log(`${report('xero', result, CHANGES, dropped, delivered)}; reconciliation ${recon.status}: compared=${recon.compared} exact=${recon.exact}`);
    expect(result.mismatches).toEqual([]);
    expect(result.exact).toBe(result.compared);
    expect(new Set(ledger.map((l) => l.currency)).size).toBe(3);
    expect(dropped).toBeGreaterThan(0);
    expect(recon).toMatchObject({ status: 'exact', held: [] });
  });
});

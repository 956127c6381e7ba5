// Coalesced webhook reads: a burst of deliveries, one per changed record, is read
// in one id-batched query per company and entity (QuickBooks `Id IN (…)`, Xero
// `IDs=`), not one read per delivery; one record per id (the latest event); a batch
// that fails is retried delivery by delivery, so one bad delivery does not hold up
// the rest.
import { coalesceEvents, processInbox } from '../../connectors/inbox.js';
import { processQuickbooksInbox } from '../../connectors/quickbooks/routes.js';
import type { ChangeEvent } from '../../connectors/types.js';
import { processXeroInbox } from '../../connectors/xero/routes.js';
import { createLogger } from '../../src/logger.js';
import { createStore, ensureIndexes, type Store } from '../../src/store/store.js';
import { openTestDatabase } from '../helpers/db.js';
import { REALM, connId, startQuickBooks, type Running } from './quickbooks/harness.js';
import { TENANT_A, connA, startXero, type RunningXero } from './xero/harness.js';

jest.setTimeout(120_000);
const logger = createLogger('silent');
const ev = (externalId: string, operation: ChangeEvent['operation'] = 'update', kind: ChangeEvent['kind'] = 'invoice'): ChangeEvent => ({ provider: 'quickbooks', companyId: 'r1', kind, externalId, operation });

describe('the inbox batch (fake connector)', () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let store: Store;
  beforeAll(async () => {
    database = await openTestDatabase('coalesce');
    await ensureIndexes(database.db);
    store = createStore(database.db);
  });
  afterAll(() => database.drop());

  it('coalesces: one event per record, the latest kept (a delete after an update stays a delete)', () => {
    expect(coalesceEvents([ev('1'), ev('2'), ev('1', 'delete'), ev('1', 'update', 'customer'), ev('2')])).toEqual([ev('1', 'delete'), ev('1', 'update', 'customer'), ev('2')]);
  });

  it('a burst is applied once; when the batch fails, each delivery alone: the bad one waits for the next run, the others are done', async () => {
    const calls: ChangeEvent[][] = [];
    const connector = {
      applyChanges: (events: ChangeEvent[]) => {
        calls.push(events);
        if (events.some((e) => e.externalId === 'bad')) return Promise.reject(new Error('read failed'));
        return Promise.resolve({ saved: events.length, deleted: 0, skipped: 0 });
      },
    };
    const parse = (body: string) => ({ ok: true as const, events: (JSON.parse(body) as string[]).map((id) => ev(id)) });
    const t0 = new Date();
    for (const [i, ids] of [['1'], ['2'], ['1', '3']].entries()) await store.inbox.store('quickbooks', `ok-${i}`, JSON.stringify(ids), new Date(t0.getTime() + i));
    expect(await processInbox({ provider: 'quickbooks', parse, connector, store, logger, worker: 'w1' })).toBe(3);
    expect(calls.map((c) => c.map((e) => e.externalId))).toEqual([['2', '1', '3']]);
    expect(await store.inbox.count({ provider: 'quickbooks', status: 'done' })).toBe(3);

    calls.length = 0;
    for (const [i, ids] of [['4'], ['bad'], ['5']].entries()) await store.inbox.store('quickbooks', `mixed-${i}`, JSON.stringify(ids), new Date(t0.getTime() + 10 + i));
    expect(await processInbox({ provider: 'quickbooks', parse, connector, store, logger, worker: 'w1' })).toBe(3);
    expect(calls.map((c) => c.map((e) => e.externalId))).toEqual([['4', 'bad', '5'], ['4'], ['bad'], ['5']]);
    expect(await store.inbox.count({ provider: 'quickbooks', status: 'done' })).toBe(5);
    expect(await store.inbox.count({ provider: 'quickbooks', status: 'pending' })).toBe(1);
    // The next run tries it again (alone), and it is still refused.
    calls.length = 0;
    expect(await processInbox({ provider: 'quickbooks', parse, connector, store, logger, worker: 'w1' })).toBe(1);
    expect(calls.map((c) => c.map((e) => e.externalId))).toEqual([['bad']]);
  });
});

describe('QuickBooks: a burst of webhooks', () => {
  let q: Running;
  beforeAll(async () => {
    q = await startQuickBooks('qbcoalesce', { customers: 10, openInvoices: 60 });
    expect((await q.connect()).status).toBe(200);
    await q.connector.fullSync(connId);
  });
  afterAll(() => q.close());

  it('30 deliveries for 30 invoices: one Id IN query saves them all', async () => {
    const invoices = [...q.sandbox.company(REALM).records.Invoice.values()].filter((i) => Number(i.Balance) > 1).slice(0, 30);
    for (const inv of invoices) {
      q.sandbox.change(REALM, 'Invoice', inv.Id, { Balance: Number(inv.Balance) - 1 });
      expect((await q.sandbox.deliver(`${q.appUrl}/webhooks/quickbooks`, q.sandbox.legacyPayload(REALM, [{ name: 'Invoice', id: inv.Id, operation: 'Update' }]))).status).toBe(200);
    }
    q.sandbox.resetCounts();
    expect(await processQuickbooksInbox({ connector: q.connector, store: q.store, logger, worker: 'w1' })).toBe(30);
    expect(q.sandbox.counts).toMatchObject({ total: 1, query: 1, read: 0 });
    for (const inv of invoices) {
      const exp = (inv.CurrencyRef as { value: string }).value === 'JPY' ? 0 : 2;
      expect((await q.store.invoices.findByKey('quickbooks', REALM, inv.Id))?.balanceMinor).toBe(Math.round(Number(inv.Balance) * 10 ** exp));
    }
  });
});

describe('Xero: a burst of webhooks', () => {
  let x: RunningXero;
  beforeAll(async () => {
    x = await startXero('xerocoalesce', { a: { contacts: 10, openInvoices: 60 } });
    expect((await x.connect()).status).toBe(200);
    await x.connector.fullSync(connA);
  });
  afterAll(() => x.close());

  it('30 deliveries for 30 invoices: one IDs= read saves them all', async () => {
    const invoices = x.sandbox.openInvoices(TENANT_A).slice(0, 30);
    for (const inv of invoices) {
      x.sandbox.pay(TENANT_A, String(inv.InvoiceID), 1);
      expect((await x.sandbox.deliver(`${x.appUrl}/webhooks/xero`, x.sandbox.payload([{ tenantId: TENANT_A, category: 'INVOICE', id: String(inv.InvoiceID) }]))).status).toBe(200);
    }
    x.sandbox.resetCounts();
    expect(await processXeroInbox({ connector: x.connector, store: x.store, logger, worker: 'w1' })).toBe(30);
    expect(x.sandbox.counts.total).toBe(1);
    expect(Object.keys(x.sandbox.counts.byPath)).toEqual(['GET /Invoices']);
    for (const inv of invoices) {
      const cur = String(inv.CurrencyCode);
      expect((await x.store.invoices.findByKey('xero', TENANT_A, String(inv.InvoiceID)))?.balanceMinor).toBe(Math.round(Number(inv.AmountDue) * (cur === 'JPY' ? 1 : 100)));
    }
  });
});

// `npm run bench -- quickbooks`: the QuickBooks sandbox seeded with 20,000 open
// invoices and 3,000 customers, 100 ms latency per request. Prints the API calls
// of a full sync against the minimum (pages of 1,000), the calls of an
// incremental cycle with 50 changes (target 1), wall time against the time
// the API calls alone need (target ≤ 1.5×), and the API calls per 100 changes
// announced by 100 webhook deliveries, each read on its own (before) and coalesced
// (after, the inbox's default). Needs a database: MONGODB_URI, or the local server
// the tests use.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QuickBooksConnector } from '../connectors/quickbooks/connector.js';
import { processQuickbooksInbox } from '../connectors/quickbooks/routes.js';
import { connectDatabase } from '../src/db/connect.js';
import { startLocalServer } from '../src/db/local-server.js';
import { createLogger } from '../src/logger.js';
import { connectionId } from '../src/store/organisations.js';
import { createStore, ensureIndexes } from '../src/store/store.js';
import { QuickBooksSandbox } from '../test/sandbox/quickbooks/server.js';

const OPEN = Number(process.env.BENCH_QBO_INVOICES ?? 20_000);
const CUSTOMERS = Number(process.env.BENCH_QBO_CUSTOMERS ?? 3_000);
const LATENCY = 100;
const REALM = '9341453000000001';

export async function run(): Promise<void> {
  const local = process.env.MONGODB_URI ? undefined : await startLocalServer({ dataDir: mkdtempSync(join(tmpdir(), 'overdue-bench-qbo-')), progress: () => {} });
  const database = await connectDatabase(process.env.MONGODB_URI ?? local!.uri, `bench_qbo_${randomBytes(3).toString('hex')}`, 10_000);
  try {
    await ensureIndexes(database.db);
    const store = createStore(database.db);
    const sandbox = await new QuickBooksSandbox({ clientId: 'c', clientSecret: 's', verifierToken: 'v' }).start();
    sandbox.addCompany(REALM, 'Bench Co');
    sandbox.seed(REALM, { customers: CUSTOMERS, openInvoices: OPEN, partialShare: 0 });
    const key = randomBytes(32);
    const connector = new QuickBooksConnector({
      store, key, owner: 'bench', logger: createLogger('silent'),
      settings: { clientId: 'c', clientSecret: 's', webhookVerifierToken: 'v', environment: 'sandbox', ...sandbox.endpoints, redirectUri: 'http://127.0.0.1/callback/quickbooks' },
    });
    // Connect with a code the sandbox issued (the browser part of OAuth is not what is measured).
    const consent = await fetch(`${sandbox.endpoints.authorizeUrl}?client_id=c&redirect_uri=${encodeURIComponent('http://127.0.0.1/callback/quickbooks')}&state=x&response_type=code`, { redirect: 'manual' });
    await store.organisations.upsert({ _id: 'org1', name: 'Bench', homeCurrency: 'USD', timeZone: 'UTC' }, new Date());
    await connector.handleCallback({ url: consent.headers.get('location') ?? '', orgId: 'org1' });
    const id = connectionId('quickbooks', REALM);
    const company = sandbox.company(REALM);
    const counts = { customers: company.records.Customer.size, payments: company.records.Payment.size, credits: [...company.records.CreditMemo.values()].length };
    const minimum = [CUSTOMERS, OPEN, counts.payments, 0].reduce((n, c) => n + Math.max(1, Math.ceil(c / 1000)), 0);

    sandbox.faults.latencyMs = LATENCY;
    sandbox.resetCounts();
    let t = Date.now();
    const full = await connector.fullSync(id);
    const fullWall = Date.now() - t;
    const fullApi = sandbox.counts.busyMs;
    console.log(`full sync: ${full.saved.invoice} invoices, ${full.saved.customer} customers; API calls ${sandbox.counts.total} (minimum ${minimum}, pages of 1,000; a pager cannot see the end of an exact multiple of 1,000 without one more call)`);
    console.log(`full sync: wall ${fullWall} ms, API time alone ${fullApi} ms → ${(fullWall / fullApi).toFixed(2)}× (target ≤ 1.5×)`);

    const open = [...company.records.Invoice.values()].filter((i) => Number(i.Balance) > 0).slice(0, 50);
    for (const inv of open) sandbox.change(REALM, 'Invoice', inv.Id, { Balance: Number(inv.Balance) - 1 });
    sandbox.resetCounts();
    t = Date.now();
    const inc = await connector.incrementalSync(id);
    console.log(`incremental cycle with 50 changes: ${sandbox.counts.total} API call(s) (target 1), ${inc.saved.invoice} invoices saved, method ${inc.method}, wall ${Date.now() - t} ms, API ${sandbox.counts.busyMs} ms`);

    // 100 invoice changes, each announced by its own webhook delivery, then the inbox processed.
    const burst = async (batch: number | undefined, from: number): Promise<{ calls: number; ms: number }> => {
      const changed = [...company.records.Invoice.values()].filter((i) => Number(i.Balance) > 1).slice(from, from + 100);
      for (const inv of changed) {
        sandbox.change(REALM, 'Invoice', inv.Id, { Balance: Number(inv.Balance) - 1 });
        await store.inbox.store('quickbooks', `bench:${from}:${inv.Id}`, sandbox.legacyPayload(REALM, [{ name: 'Invoice', id: inv.Id, operation: 'Update' }]), new Date());
      }
      sandbox.resetCounts();
      const started = Date.now();
      await processQuickbooksInbox({ connector, store, logger: createLogger('silent'), worker: 'bench', max: 100, ...(batch !== undefined ? { batch } : {}) });
      return { calls: sandbox.counts.total, ms: Date.now() - started };
    };
    const before = await burst(1, 400);
    const after = await burst(undefined, 600);
    console.log(`webhooks, 100 changes in 100 deliveries: before (one read per delivery) ${before.calls} API calls, ${before.ms} ms; after (coalesced, Id IN) ${after.calls} API calls per 100 changes, ${after.ms} ms`);
    await sandbox.stop();
  } finally {
    await database.db.dropDatabase().catch(() => {});
    await database.close();
    await local?.stop();
  }
}

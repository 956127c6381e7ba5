// `npm run bench -- xero`: the Xero connector against the local sandbox with
// 20,000 open invoices and 3,000 contacts, 100 ms latency on every request and
// Xero's per-tenant limits enforced (60 a minute, 5 in flight, 5,000 a day).
// Prints: API calls of a full sync against the minimum (pages of 1,000), calls
// per incremental cycle and per webhook burst, 429s received (target 0: pacing,
// not bouncing off the limit), and wall time against the rate-limit lower
// bound. A full sync is 27 calls, under a minute's budget, so a last phase
// (150 pay links, one call each) shows the pacing where the 60/min limit binds. Uses MONGODB_URI when set, otherwise a local server in a temporary
// folder. BENCH_XERO_INVOICES and BENCH_XERO_CONTACTS change the sizes. Also: API calls per 100 changes announced by
// 100 webhook deliveries, each read on its own (before) and coalesced into IDs= reads (after, the inbox's default).
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { OAuthStates } from '../connectors/oauth-state.js';
import { XeroConnector } from '../connectors/xero/connector.js';
import type { XeroSettings } from '../connectors/xero/oauth.js';
import { processXeroInbox, xeroRouter } from '../connectors/xero/routes.js';
import { connectDatabase } from '../src/db/connect.js';
import { startLocalServer, type LocalServer } from '../src/db/local-server.js';
import { createApp } from '../src/http/app.js';
import { createLogger } from '../src/logger.js';
import { connectionId } from '../src/store/organisations.js';
import { createStore, ensureIndexes } from '../src/store/store.js';
import { XeroSandbox } from '../test/sandbox/xero/server.js';

const INVOICES = Number(process.env['BENCH_XERO_INVOICES'] ?? 20_000);
const CONTACTS = Number(process.env['BENCH_XERO_CONTACTS'] ?? 3_000);
const LATENCY_MS = 100;
const TENANT = '5e7a0c1d-0000-4000-a000-00000000be11';
const PAGE = 1000;

const pages = (n: number) => Math.max(1, Math.ceil(n / PAGE));

/** The shortest time N sequential calls can take: each costs the latency, and past the first minute's 60 the limit paces them. */
function lowerBoundMs(calls: number): number {
  const byLatency = calls * LATENCY_MS;
  const byLimit = calls > 60 ? Math.ceil((calls - 60) / 60) * 60_000 : 0;
  return Math.max(byLatency, byLimit);
}

export async function run(): Promise<void> {
  let local: LocalServer | undefined;
  let dataDir: string | undefined;
  let uri = process.env['MONGODB_URI'];
  if (!uri) {
    dataDir = mkdtempSync(join(tmpdir(), 'overdue-bench-xero-'));
    local = await startLocalServer({ dataDir });
    uri = local.uri;
  }
  const database = await connectDatabase(uri, `bench_xero_${randomBytes(3).toString('hex')}`, 10_000);
  const sandbox = await new XeroSandbox({ clientId: 'bench-client', clientSecret: 'bench-secret', webhookKey: 'bench-webhook-key' }).start();
  let server: Server | undefined;
  try {
    await ensureIndexes(database.db);
    const store = createStore(database.db);
    const logger = createLogger('silent');
    await store.organisations.upsert({ _id: 'org-bench', name: 'Bench Ltd', homeCurrency: 'NZD', timeZone: 'Pacific/Auckland' }, new Date());

    const t0 = Date.now();
    sandbox.addTenant(TENANT, 'Bench Company (NZ)', 'NZD');
    sandbox.seed(TENANT, { contacts: CONTACTS, openInvoices: INVOICES, paidInvoices: 500, voidedInvoices: 100, draftInvoices: 100, creditNotes: 200, partialShare: 0.1 });
    const t = sandbox.tenant(TENANT);
    const customers = [...t.records.Contacts.values()].length;
    const payments = [...t.records.Payments.values()].length;
    const credits = [...t.records.CreditNotes.values()].length;
    const open = sandbox.openInvoices(TENANT).length;
    console.log(`sandbox: ${open} open invoices, ${customers} contacts, ${payments} payments, ${credits} credit notes; seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    console.log(`database: ${local ? `local ${local.kind}` : 'MONGODB_URI'}; latency ${LATENCY_MS} ms per request; limits ${sandbox.limits.perMinute}/min, ${sandbox.limits.concurrent} in flight, ${sandbox.limits.perDay}/day`);

    const key = randomBytes(32);
    const states = new OAuthStates(key, store.claims);
    const settings: XeroSettings = { clientId: 'bench-client', clientSecret: 'bench-secret', webhookKey: 'bench-webhook-key', ...sandbox.endpoints, redirectUri: '', httpTimeoutMs: 30_000 };
    const connector = new XeroConnector({ store, settings, key, owner: 'bench', logger });
    const app = createApp({ db: database.db, logger, adminApiToken: undefined, bodyLimit: '1mb', routers: [xeroRouter({ connector, states, store, logger })] });
    server = await new Promise<Server>((res) => {
      const s = app.listen(0, '127.0.0.1', () => res(s));
    });
    const addr = server.address();
    const appUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    settings.redirectUri = `${appUrl}/callback/xero`;

    // Connect over HTTP like a person would.
    const start = await fetch(`${appUrl}/connect/xero?${states.connectLink('xero', 'org-bench', new Date())}`, { redirect: 'manual' });
    // The browser keeps the cookie the connect link set and sends it back with the callback (the state is bound to it).
    const cookie = start.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const approve = await fetch(start.headers.get('location') ?? '', { redirect: 'manual' });
    const cb = await fetch(approve.headers.get('location') ?? '', { headers: { cookie } });
    if (cb.status !== 200) throw new Error(`connect failed: ${cb.status}`);
    const conn = connectionId('xero', TENANT);

    sandbox.faults.latencyMs = LATENCY_MS;
    sandbox.resetCounts();
    const progress = setInterval(() => {
      void store.invoices.countByCompany('xero', TENANT).then((n) => console.log(`  … full sync: ${sandbox.counts.total} calls, ${n} invoices stored, ${((Date.now() - fullStart) / 1000).toFixed(0)} s`));
    }, 15_000);
    const fullStart = Date.now();
    const full = await connector.fullSync(conn).finally(() => clearInterval(progress));
    const fullMs = Date.now() - fullStart;
    const fullCalls = sandbox.counts.total;
    const fullApiMs = sandbox.counts.busyMs;
    const minimum = pages(customers) + pages(open) + pages(payments) + pages([...t.records.CreditNotes.values()].filter((c) => c.Status === 'AUTHORISED').length);
    const full429 = sandbox.counts.rateLimited;

    // One incremental cycle after a few changes (payments land, one invoice voided, a contact renamed).
    const some = sandbox.openInvoices(TENANT).slice(0, 30);
    for (const inv of some.slice(0, 25)) sandbox.pay(TENANT, String(inv.InvoiceID), 1_000);
    sandbox.voidInvoice(TENANT, String(some[29]!.InvoiceID));
    sandbox.change(TENANT, 'Contacts', String([...t.records.Contacts.values()][0]!.ContactID), { Name: 'Renamed Ltd' });
    sandbox.resetCounts();
    const incStart = Date.now();
    const inc = await connector.incrementalSync(conn);
    const incMs = Date.now() - incStart;
    const incCalls = sandbox.counts.total;
    const inc429 = sandbox.counts.rateLimited;

    // A webhook burst: 250 invoice changes (as processXeroInbox hands them over) → fetched by id, 100 per call.
    const burst = sandbox.openInvoices(TENANT).slice(100, 350).map((i) => ({ tenantId: TENANT, category: 'INVOICE' as const, id: String(i.InvoiceID) }));
    sandbox.resetCounts();
    const hookStart = Date.now();
    await connector.applyChanges(burst.map((b) => ({ provider: 'xero', companyId: TENANT, kind: 'invoice', externalId: b.id, operation: 'update' })));
    const hookMs = Date.now() - hookStart;
    const hookCalls = sandbox.counts.total;

    // 100 invoice changes, each announced by its own webhook delivery (over HTTP, signed), then the inbox processed.
    const inboxBurst = async (batch: number | undefined, from: number): Promise<{ calls: number; ms: number }> => {
      for (const inv of sandbox.openInvoices(TENANT).slice(from, from + 100)) {
        sandbox.pay(TENANT, String(inv.InvoiceID), 100);
        await sandbox.deliver(`${appUrl}/webhooks/xero`, sandbox.payload([{ tenantId: TENANT, category: 'INVOICE', id: String(inv.InvoiceID) }]));
      }
      sandbox.resetCounts();
      const started = Date.now();
      await processXeroInbox({ connector, store, logger, worker: 'bench', max: 100, ...(batch !== undefined ? { batch } : {}) });
      return { calls: sandbox.counts.total, ms: Date.now() - started };
    };
    const hooksBefore = await inboxBurst(1, 500);
    const hooksAfter = await inboxBurst(undefined, 700);

    // Past the minute budget: pay links for 150 invoices (one call each, 5 at a time) must be paced at 60 a minute.
    const LINKS = Number(process.env['BENCH_XERO_LINKS'] ?? 150);
    const linkIds = sandbox.openInvoices(TENANT).slice(400, 400 + LINKS).map((i) => String(i.InvoiceID));
    sandbox.resetCounts();
    const linkStart = Date.now();
    let next = 0;
    const linkTicker = setInterval(() => console.log(`  … pay links: ${sandbox.counts.total} calls, ${((Date.now() - linkStart) / 1000).toFixed(0)} s`), 30_000);
    await Promise.all(Array.from({ length: 5 }, async () => {
      while (next < linkIds.length) await connector.payLink(conn, linkIds[next++]!);
    })).finally(() => clearInterval(linkTicker));
    const linkMs = Date.now() - linkStart;
    const linkCalls = sandbox.counts.total;
    const link429 = sandbox.counts.rateLimited;
    // 60 a minute: the first 60 start at once, each further 60 a minute later (5 in flight, 100 ms each, meanwhile).
    const linkBound = Math.max(Math.ceil(linkCalls / 5) * LATENCY_MS, (Math.ceil(linkCalls / 60) - 1) * 60_000 + LATENCY_MS);

    const stored = await store.invoices.countByCompany('xero', TENANT);
    const fmt = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    console.log('');
    console.log(`full sync:        ${full.saved.invoice} invoices, ${full.saved.customer} contacts, ${full.saved.payment} payments, ${full.saved.credit_memo} credit notes saved; ${full.rejected} rejected; ${stored} invoices in the store`);
    console.log(`  API calls:      ${fullCalls} (minimum with pages of ${PAGE}: ${minimum})`);
    console.log(`  429s received:  ${full429} (target 0)`);
    console.log(`  wall time:      ${fmt(fullMs)} (rate-limit/latency lower bound for ${fullCalls} sequential calls: ${fmt(lowerBoundMs(fullCalls))}; time inside the API: ${fmt(fullApiMs)}, the rest is parsing and the store)`);
    console.log(`incremental cycle: ${incCalls} API calls (one per list: invoices, contacts, payments, credit notes), ${inc429} 429s, ${fmt(incMs)}; saved ${JSON.stringify(inc.saved)}`);
    console.log(`webhook burst:    250 changed invoices → ${hookCalls} API calls (IDs, 100 per call), ${fmt(hookMs)}`);
    console.log(`webhooks, 100 changes in 100 deliveries: before (one read per delivery) ${hooksBefore.calls} API calls, ${fmt(hooksBefore.ms)}; after (coalesced, IDs=) ${hooksAfter.calls} API calls per 100 changes, ${fmt(hooksAfter.ms)}`);
    console.log(`pay links:        ${linkCalls} calls in ${fmt(linkMs)} (rate-limit lower bound ${fmt(linkBound)}; ${(linkMs / linkBound).toFixed(2)}×), ${link429} 429s (target 0)`);
    console.log(`day budget left:  ${connector.rates.for(TENANT).dayRemaining ?? 'unknown'} of ${sandbox.limits.perDay}`);
  } finally {
    if (server) {
      const s = server;
      await new Promise<void>((res) => {
        s.close(() => res());
        s.closeAllConnections();
      });
    }
    await sandbox.stop();
    await database.db.dropDatabase().catch(() => {});
    await database.close();
    await local?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

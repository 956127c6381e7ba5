// `npm run bench -- latency [--rate 5] [--seconds 60] [--customers 300]`: how
// fresh Overdue's view of a company is. The REAL web and worker processes
// (app/main.ts, roles web and worker, spawned with tsx, Agenda scheduling) run
// against the QuickBooks sandbox (in this process) and the local server; the
// company is seeded, connected, synced and planned first. Then signed webhooks
// arrive at a steady rate, alternating a payment that pays off an invoice of a
// pending reminder and a new past-due invoice, and the bench follows each change
// by polling the database: delivery → stored (the 200, answered once the delivery
// is in the inbox) → saved (the record fetched and saved by the worker) →
// re-planned (the account state's lastPlannedAt) → decided (the pending reminder
// cancelled, or a reminder with the new invoice queued). Prints p50, p95 and max
// per stage and end to end (goal p95 < 5 s), with the machine's load; then the
// profile: received → claimed by a worker (the inbox's own timestamps), the
// worker's runs (inbox vs re-plan time, from its log), the sandbox's API time,
// and — in this process, after the run — database round trips and API calls
// per change for one change alone and for a batch of 20.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QuickBooksConnector } from '../connectors/quickbooks/connector.js';
import { parseDelivery } from '../connectors/quickbooks/webhooks.js';
import { inboxProcessors } from '../app/services.js';
import { JOBS_COLLECTION } from '../jobs/agenda.js';
import { processWebhookDeliveries } from '../jobs/sync.js';
import { testServices } from '../test/helpers/services.js';
import { connectDatabase } from '../src/db/connect.js';
import { freePort, startLocalServer, type LocalServer } from '../src/db/local-server.js';
import { createLogger } from '../src/logger.js';
import { Planner } from '../src/planning/plan.js';
import { storedPolicySource } from '../src/planning/policy-source.js';
import { connectionId } from '../src/store/organisations.js';
import { collections, createStore, ensureIndexes } from '../src/store/store.js';
import type { InvoiceDoc, OutboxEntryDoc, WebhookDeliveryDoc } from '../src/store/types.js';
import { QuickBooksSandbox } from '../test/sandbox/quickbooks/server.js';
import { seedOrg } from '../test/helpers/accounts.js';
import { DEFAULT_POLICY_INPUT } from '../src/engine/index.js';
import { load, optionFromArgs, percentile, RoundTrips } from './measure.js';

const REALM = '9341453000000001';
const ORG = 'org-latency';
const STAGES = ['stored', 'saved', 'replanned', 'decided'] as const;
/** The in-process round-trip measurement's batch (half payments, half new invoices). */
const ROUND_TRIP_BATCH = 20;
type Stage = (typeof STAGES)[number];

interface Change {
  kind: 'payment' | 'invoice';
  invoiceId: string;
  customerId: string;
  /** payment: the pending entry that must be cancelled. */
  entryId?: string;
  /** The delivery's inbox key (parseDelivery). */
  dedupeKey: string;
  sentAt: number;
  at: Partial<Record<Stage, number>>;
}

function numberOption(name: string, fallback: number): number {
  const v = Number(optionFromArgs(process.argv.slice(2), name) ?? fallback);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} takes a positive number`);
  return v;
}

/** A worker's log line for one webhook run (jobs/sync.ts processWebhookDeliveries). */
interface RunLine {
  handled: number;
  replanned: number;
  inboxMs: number;
  replanMs: number;
}

function spawnRole(role: 'web' | 'worker', env: Record<string, string>): { child: ChildProcess; output: () => string; runs: RunLine[] } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(process.cwd(), 'app/main.ts'), role], {
    cwd: process.cwd(),
    // The worker logs at info: its webhook runs' log lines are the profile.
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', LOG_LEVEL: role === 'worker' ? 'info' : 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let partial = '';
  const runs: RunLine[] = [];
  const keep = (d: Buffer): void => {
    out = (out + d.toString()).slice(-4_000);
  };
  child.stdout?.on('data', (d: Buffer) => {
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.includes('webhook deliveries processed')) {
        if (/"level":(4|5)\d/.test(line)) keep(Buffer.from(`${line}\n`));
        continue;
      }
      try {
        const j = JSON.parse(line) as Partial<RunLine>;
        runs.push({ handled: j.handled ?? 0, replanned: j.replanned ?? 0, inboxMs: j.inboxMs ?? 0, replanMs: j.replanMs ?? 0 });
      } catch {
        keep(Buffer.from(`${line}\n`));
      }
    }
  });
  child.stderr?.on('data', keep);
  return { child, output: () => out, runs };
}

function row(label: string, ms: readonly number[]): string {
  return `| ${label} | ${ms.length} | ${percentile(ms, 50)} | ${percentile(ms, 95)} | ${ms.length ? Math.max(...ms) : NaN} |`;
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function run(): Promise<void> {
  const rate = numberOption('rate', 5);
  const seconds = numberOption('seconds', 60);
  const total = Math.round(rate * seconds);
  const customers = numberOption('customers', Math.max(200, total + 2 * ROUND_TRIP_BATCH));
  console.log(`latency bench: ${total} signed QuickBooks webhooks at ${rate}/s for ${seconds} s (payments and new invoices, alternating), ${customers} customers; load ${load()}`);

  let local: LocalServer | undefined;
  let dataDir: string | undefined;
  let uri = process.env['MONGODB_URI'];
  if (!uri) {
    dataDir = mkdtempSync(join(tmpdir(), 'overdue-bench-latency-'));
    local = await startLocalServer({ dataDir, throwaway: true, progress: () => {} });
    uri = local.uri;
  }
  const dbName = `bench_latency_${randomBytes(3).toString('hex')}`;
  const database = await connectDatabase(uri, dbName, 10_000);
  const sandbox = await new QuickBooksSandbox({ clientId: 'c', clientSecret: 's', verifierToken: 'v' }).start();
  const procs: { child: ChildProcess; output: () => string; runs: RunLine[] }[] = [];
  try {
    await ensureIndexes(database.db);
    const store = createStore(database.db);
    sandbox.addCompany(REALM, 'Latency Co');
    sandbox.seed(REALM, { customers, openInvoices: customers * 5, partialShare: 0, currencies: ['USD'] });
    const key = randomBytes(32);
    const connector = new QuickBooksConnector({
      store, key, owner: 'bench', logger: createLogger('silent'),
      settings: { clientId: 'c', clientSecret: 's', webhookVerifierToken: 'v', environment: 'sandbox', ...sandbox.endpoints, redirectUri: 'http://127.0.0.1/callback/quickbooks' },
    });
    const consent = await fetch(`${sandbox.endpoints.authorizeUrl}?client_id=c&redirect_uri=${encodeURIComponent('http://127.0.0.1/callback/quickbooks')}&state=x&response_type=code`, { redirect: 'manual' });
    await seedOrg(store, ORG, new Date(), 'UTC');
    // The bench runs on the wall clock: the default ladder, sending at any hour of any day (as the worker reads it).
    await store.policies.save(ORG, { ...DEFAULT_POLICY_INPUT, calendar: { ...DEFAULT_POLICY_INPUT.calendar, weekend: [], sendingHours: { start: '00:00', end: '23:59' } } }, new Date());
    await connector.handleCallback({ url: consent.headers.get('location') ?? '', orgId: ORG });
    const t = Date.now();
    await connector.fullSync(connectionId('quickbooks', REALM));
    const planned = await new Planner(store, { worker: 'bench', policies: storedPolicySource(store.policies) }).planOrganisation(ORG, new Date());
    const entries = database.db.collection<OutboxEntryDoc>(collections.outbox);
    const pending = await entries.find({ orgId: ORG, state: 'pending' }).toArray();
    console.log(`seeded, connected, synced and planned in ${((Date.now() - t) / 1000).toFixed(1)} s: ${planned.accounts} accounts, ${pending.length} pending reminders`);

    // The changes: half the deliveries pay off one invoice of a pending reminder (one account each); the
    // other half bring a new invoice, 20 days past due, to one of the other accounts each.
    const used = new Set<string>();
    const payments: { entry: OutboxEntryDoc; invoiceId: string }[] = [];
    for (const e of pending) {
      const inv = e.invoiceIds[0];
      if (!inv || used.has(e.customerId) || payments.length >= Math.ceil(total / 2) + ROUND_TRIP_BATCH) continue;
      used.add(e.customerId);
      payments.push({ entry: e, invoiceId: inv });
    }
    const others = (await store.customers.listByOrg(ORG)).filter((c) => !used.has(c._id));
    const port = await freePort();
    const env = {
      MONGODB_URI: uri, MONGODB_DB: dbName, TOKEN_ENCRYPTION_KEY: key.toString('base64'), HOST: '127.0.0.1', PORT: String(port),
      QBO_CLIENT_ID: 'c', QBO_CLIENT_SECRET: 's', QBO_WEBHOOK_VERIFIER_TOKEN: 'v', QBO_ENVIRONMENT: 'sandbox',
      QBO_API_BASE_URL: sandbox.endpoints.apiBaseUrl, QBO_OAUTH_TOKEN_URL: sandbox.endpoints.tokenUrl,
      QBO_OAUTH_AUTHORIZE_URL: sandbox.endpoints.authorizeUrl, QBO_OAUTH_REVOKE_URL: sandbox.endpoints.revokeUrl,
      // Only the webhook path is measured: the incremental sync (CDC) runs at minutes 0 and 59 only.
      SYNC_INTERVAL_MINUTES: '59',
    };
    procs.push(spawnRole('worker', env), spawnRole('web', env));
    const jobs = database.db.collection(JOBS_COLLECTION);
    await until('the web role', () => fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status === 200, () => false), 120_000);
    await until('the worker role', async () => (await jobs.countDocuments({ name: 'process-webhooks' })) > 0, 120_000);
    console.log(`web and worker processes up; load ${load()}`);

    const changes: Change[] = [];
    const invoices = database.db.collection<InvoiceDoc>(collections.invoices);
    const states = database.db.collection<{ _id: string; lastPlannedAt?: Date }>(collections.accountStates);
    const url = `http://127.0.0.1:${port}/webhooks/quickbooks`;
    // One change in the sandbox and its signed delivery: a payment paying off the invoice of a pending reminder
    // (one account each), or a new invoice 20 days past due (one of the other accounts each).
    const makeChange = async (kind: Change['kind'], docNumber: string): Promise<{ change: Change; body: string } | null> => {
      const pay = kind === 'payment' ? payments.shift() : undefined;
      let change: Omit<Change, 'dedupeKey'>;
      let body: string;
      if (pay) {
        const doc = await invoices.findOne({ _id: pay.invoiceId });
        if (!doc) return null;
        const payment = sandbox.pay(REALM, doc.externalId, doc.balanceMinor);
        change = { kind: 'payment', invoiceId: doc._id, customerId: pay.entry.customerId, entryId: pay.entry._id, sentAt: Date.now(), at: {} };
        body = sandbox.legacyPayload(REALM, [{ name: 'Invoice', id: doc.externalId, operation: 'Update' }, { name: 'Payment', id: payment.Id, operation: 'Create' }]);
      } else {
        const customer = others.shift();
        if (!customer) return null;
        const cust = sandbox.company(REALM).records.Customer.get(customer.externalId);
        const due = new Date(Date.now() - 20 * 86_400_000);
        const inv = sandbox.put(REALM, 'Invoice', {
          DocNumber: docNumber, TxnDate: new Date(due.getTime() - 30 * 86_400_000).toISOString().slice(0, 10), DueDate: due.toISOString().slice(0, 10),
          TotalAmt: 1234.56, Balance: 1234.56, CustomerRef: { value: customer.externalId, name: cust?.DisplayName }, CurrencyRef: { value: 'USD', name: 'USD' },
          BillEmail: cust?.PrimaryEmailAddr, EmailStatus: 'EmailSent', LinkedTxn: [], Line: [{ Amount: 1234.56, DetailType: 'SalesItemLineDetail' }],
        });
        change = { kind: 'invoice', invoiceId: `quickbooks:${REALM}:${inv.Id}`, customerId: customer._id, sentAt: Date.now(), at: {} };
        body = sandbox.legacyPayload(REALM, [{ name: 'Invoice', id: inv.Id, operation: 'Create' }]);
      }
      const parsed = parseDelivery(body);
      return { change: { ...change, dedupeKey: parsed.ok ? parsed.dedupeKey : '' }, body };
    };
    // The poller reads only what changed since the first delivery (ranges on the timestamps each stage
    // writes), four times a second: a long `$in` over every change is slow on FerretDB and would load
    // the database it measures.
    let polling = true;
    const since = new Date();
    const poller = (async () => {
      while (polling) {
        const open = changes.filter((c) => c.at.decided === undefined);
        if (open.length > 0) {
          const now = Date.now();
          const saved = new Map((await invoices.find({ orgId: ORG, syncedAt: { $gte: since } }, { projection: { balanceMinor: 1 } }).toArray()).map((d) => [d._id, d.balanceMinor]));
          for (const c of open) {
            const balance = saved.get(c.invoiceId);
            if (c.at.saved === undefined && balance !== undefined && (c.kind === 'invoice' || balance === 0)) c.at.saved = now;
          }
          const planned = new Map((await states.find({ lastPlannedAt: { $gte: since } }, { projection: { lastPlannedAt: 1 } }).toArray()).map((s) => [s._id, s.lastPlannedAt?.getTime() ?? 0]));
          for (const c of open) if (c.at.saved !== undefined && c.at.replanned === undefined && (planned.get(c.customerId) ?? 0) >= c.at.saved - 1_000) c.at.replanned = now;
          const touched = await entries.find({ orgId: ORG, updatedAt: { $gte: since } }, { projection: { state: 1, invoiceIds: 1 } }).toArray();
          const cancelled = new Set(touched.filter((e) => e.state === 'cancelled').map((e) => e._id));
          const queued = new Set(touched.filter((e) => e.state === 'pending').flatMap((e) => e.invoiceIds));
          for (const c of open) {
            if (c.at.replanned === undefined) continue;
            if (c.kind === 'payment' ? cancelled.has(c.entryId ?? '') : queued.has(c.invoiceId)) c.at.decided = now;
          }
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    })();

    const start = Date.now();
    const sends: Promise<void>[] = [];
    const apiBefore = { ...sandbox.counts };
    for (let i = 0; i < total; i++) {
      const wait = start + (i * 1000) / rate - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const made = await makeChange(i % 2 === 0 ? 'payment' : 'invoice', `LAT-${i}`);
      if (!made) continue;
      const { change, body } = made;
      changes.push(change);
      sends.push(
        sandbox.deliver(url, body).then((r) => {
          if (r.status === 200) change.at.stored = Date.now();
          else console.log(`delivery answered ${r.status}: ${r.text.slice(0, 200)}`);
        }),
      );
    }
    await Promise.all(sends);
    console.log(`sent ${changes.length} webhooks in ${((Date.now() - start) / 1000).toFixed(1)} s; load ${load()}`);
    await until('every change decided', async () => changes.every((c) => c.at.decided !== undefined), 90_000).catch((err: unknown) => console.log(String(err)));
    polling = false;
    await poller;

    const apiCalls = sandbox.counts.total - apiBefore.total;
    const apiBusyMs = sandbox.counts.busyMs - apiBefore.busyMs;
    // Received → claimed by a worker, claimed → done, from the inbox's own timestamps.
    const inbox = new Map((await database.db.collection<WebhookDeliveryDoc>(collections.inbox).find({ provider: 'quickbooks', receivedAt: { $gte: since } }).toArray()).map((d) => [d.dedupeKey, d]));
    const worker = procs[0]?.runs ?? [];
    for (const p of procs) p.child.kill('SIGTERM');
    await Promise.all(procs.map((p) => new Promise((r) => (p.child.exitCode !== null ? r(null) : p.child.once('exit', r)))));

    const rows: [string, number[]][] = [];
    let prev: Stage | 'sent' = 'sent';
    for (const s of STAGES) {
      const p = prev;
      rows.push([`${p} → ${s}`, changes.flatMap((c) => (c.at[s] !== undefined && (p === 'sent' || c.at[p] !== undefined) ? [(c.at[s] ?? 0) - (p === 'sent' ? c.sentAt : (c.at[p] ?? 0))] : []))]);
      prev = s;
    }
    for (const kind of ['payment', 'invoice'] as const) rows.push([`end to end (${kind === 'payment' ? 'payment → reminder cancelled' : 'new invoice → reminder queued'})`, changes.filter((c) => c.kind === kind && c.at.decided !== undefined).map((c) => (c.at.decided ?? 0) - c.sentAt)]);
    rows.push(['end to end (all)', changes.filter((c) => c.at.decided !== undefined).map((c) => (c.at.decided ?? 0) - c.sentAt)]);
    console.log(`\n${changes.length} changes (${changes.filter((c) => c.kind === 'payment').length} payments, ${changes.filter((c) => c.kind === 'invoice').length} new invoices); database: ${local ? `local ${local.kind}` : 'MONGODB_URI'}; load ${load()}`);
    console.log('| stage | n | p50 ms | p95 ms | max ms |');
    console.log('|---|---|---|---|---|');
    for (const [label, ms] of rows) console.log(row(label, ms));
    const missing = STAGES.map((s) => `${s} ${changes.filter((c) => c.at[s] === undefined).length}`).join(', ');
    console.log(`not reached within 90 s of the last delivery: ${missing}`);

    // The profile.
    const docs = changes.flatMap((c) => {
      const d = inbox.get(c.dedupeKey);
      return d ? [d] : [];
    });
    console.log('\nprofile (inbox timestamps, worker clock):');
    console.log('| stage | n | p50 ms | p95 ms | max ms |');
    console.log('|---|---|---|---|---|');
    console.log(row('received → claimed by the worker (Agenda pickup + waiting behind a run)', docs.flatMap((d) => (d.claimedAt ? [d.claimedAt.getTime() - d.receivedAt.getTime()] : []))));
    console.log(row('claimed → done (API fetch + save of its batch)', docs.flatMap((d) => (d.claimedAt && d.processedAt ? [d.processedAt.getTime() - d.claimedAt.getTime()] : []))));
    console.log(`attempts per delivery: ${docs.length ? (docs.reduce((n, d) => n + d.attempts, 0) / docs.length).toFixed(2) : 'n/a'}`);
    const sum = (f: (r: RunLine) => number): number => worker.reduce((n, r) => n + f(r), 0);
    const handled = sum((r) => r.handled);
    console.log(
      `worker runs: ${worker.length} handling ${handled} deliveries (${worker.length ? (handled / worker.length).toFixed(1) : 0} per run, max ${Math.max(0, ...worker.map((r) => r.handled))}); ` +
        `inbox (claim, API fetch, save, mark done) ${sum((r) => r.inboxMs)} ms, re-plan ${sum((r) => r.replanMs)} ms, ${sum((r) => r.replanned)} accounts re-planned ` +
        `(per delivery: inbox ${handled ? (sum((r) => r.inboxMs) / handled).toFixed(0) : 0} ms, re-plan ${handled ? (sum((r) => r.replanMs) / handled).toFixed(0) : 0} ms)`,
    );
    console.log(`QuickBooks API during the run: ${apiCalls} requests (${changes.length ? (apiCalls / changes.length).toFixed(2) : 0} per change), ${apiBusyMs} ms inside the sandbox`);

    // Round trips and API calls per change, machine-independent: the same code path (processWebhookDeliveries)
    // in this process, on a monitored client, for one change alone and for a batch.
    // Deliveries the stopped worker left (a backlog) would be counted as this measurement's: set them aside.
    const left = await database.db.collection<WebhookDeliveryDoc>(collections.inbox).updateMany({ provider: 'quickbooks', status: { $in: ['pending', 'processing'] } }, { $set: { status: 'failed', lastError: 'bench: left when the worker stopped' } });
    if (left.modifiedCount > 0) console.log(`\n${left.modifiedCount} deliveries the worker had not done when it stopped: set aside (failed) before the round-trip measurement`);
    const monitored = await connectDatabase(uri, dbName, 10_000, { monitorCommands: true });
    try {
      const trips = new RoundTrips(monitored.client);
      // Time per command kind (driver-side: includes FerretDB's work and this machine's load).
      const took = new Map<string, number>();
      const names = new Map<number, string>();
      monitored.client.on('commandStarted', (e) => names.set(e.requestId, `${e.commandName}:${String(e.command[e.commandName])}`));
      monitored.client.on('commandSucceeded', (e) => {
        const k = names.get(e.requestId);
        if (k) took.set(k, (took.get(k) ?? 0) + e.duration);
      });
      const mstore = createStore(monitored.db);
      const logger = createLogger('silent');
      const mconnector = new QuickBooksConnector({
        store: mstore, key, owner: 'bench-rt', logger,
        settings: { clientId: 'c', clientSecret: 's', webhookVerifierToken: 'v', environment: 'sandbox', ...sandbox.endpoints, redirectUri: 'http://127.0.0.1/callback/quickbooks' },
      });
      const services = testServices(mstore, { logger, worker: 'bench-rt', connectors: { quickbooks: mconnector }, inbox: inboxProcessors({ quickbooks: mconnector }, mstore, logger, 'bench-rt'), policies: storedPolicySource(mstore.policies) });
      console.log('\nround trips per change (this process, processWebhookDeliveries on a monitored client):');
      console.log('| batch | changes | round trips/change | reads | writes | API calls/change |');
      console.log('|---|---|---|---|---|---|');
      const breakdown: string[] = [];
      for (const [label, n] of [['one payment alone', 1], ['one new invoice alone', 1], [`${ROUND_TRIP_BATCH} at once`, ROUND_TRIP_BATCH]] as const) {
        for (let k = 0; k < n; k++) {
          const made = await makeChange(label.includes('invoice') || (n > 1 && k % 2 === 1) ? 'invoice' : 'payment', `RT-${label.length}-${k}`);
          if (!made) continue;
          const parsed = parseDelivery(made.body);
          if (parsed.ok) await mstore.inbox.store('quickbooks', parsed.dedupeKey, made.body, new Date());
        }
        const api = sandbox.counts.total;
        took.clear();
        trips.start();
        const r = await processWebhookDeliveries(services);
        const total = trips.stop();
        const writes = trips.writes();
        const counted = trips.commands.reduce<Record<string, number>>((m, c) => ({ ...m, [c]: (m[c] ?? 0) + 1 }), {});
        breakdown.push(`${label}: ${Object.entries(counted).sort((a, b) => (took.get(b[0]) ?? 0) - (took.get(a[0]) ?? 0)).map(([c, k]) => `${c} ×${k} ${Math.round(took.get(c) ?? 0)} ms`).join(', ')}`);
        console.log(`| ${label} | ${r.handled} | ${(total / Math.max(1, r.handled)).toFixed(1)} | ${((total - writes) / Math.max(1, r.handled)).toFixed(1)} | ${(writes / Math.max(1, r.handled)).toFixed(1)} | ${((sandbox.counts.total - api) / Math.max(1, r.handled)).toFixed(2)} |`);
      }
      for (const b of breakdown) console.log(b);
    } finally {
      await monitored.close();
    }
  } finally {
    for (const p of procs) p.child.kill('SIGTERM');
    await Promise.all(procs.map((p) => new Promise((r) => (p.child.exitCode !== null ? r(null) : p.child.once('exit', r)))));
    await sandbox.stop();
    await database.db.dropDatabase().catch(() => undefined);
    await database.close();
    await local?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

// `npm run bench -- scale [--sizes 1000,5000,20000]`: how cost grows with the
// size of a company. For each size N, in its own database on the local server
// (MONGODB_URI when set): the QuickBooks sandbox seeded with N customers and 5N
// open invoices, a connection made through the real OAuth flow, a full sync
// through the real connector, then the daily planning pass over the organisation
// (Planner.planOrganisation, pages of 200, as the plan jobs run it). Prints per
// size the wall time of each stage, database round trips per item (synced record,
// planned account), API calls per synced record, the peak heap and RSS of each
// stage, the machine's load, and the ratio of time per customer at the largest
// size to the smallest (goal ≤ 1.3: linear). The sandbox runs in this process, so
// its work is in the wall times (and its records in the memory).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QuickBooksConnector } from '../connectors/quickbooks/connector.js';
import { connectDatabase } from '../src/db/connect.js';
import { startLocalServer, type LocalServer } from '../src/db/local-server.js';
import { createLogger } from '../src/logger.js';
import { Planner } from '../src/planning/plan.js';
import { fixedPolicySource } from '../src/planning/policy-source.js';
import { connectionId } from '../src/store/organisations.js';
import { createStore, ensureIndexes } from '../src/store/store.js';
import { QuickBooksSandbox } from '../test/sandbox/quickbooks/server.js';
import { anyTimePolicy } from '../test/helpers/accounts.js';
import { load, memoryPeaks, RoundTrips, sizesFromArgs } from './measure.js';

const INVOICES_PER_CUSTOMER = 5;
const REALM = '9341453000000001';
const ORG = 'org-scale';

interface Stage {
  seconds: number;
  trips: number;
  writes: number;
  heapMb: number;
  rssMb: number;
  /** The commands that took the most time (bench/measure.ts RoundTrips.profile). */
  profile: string;
}

interface Row {
  n: number;
  records: number;
  apiCalls: number;
  sync: Stage;
  plan: Stage;
  accounts: number;
  load: string;
}

async function measured(trips: RoundTrips, work: () => Promise<void>): Promise<Stage> {
  const mem = memoryPeaks();
  trips.start();
  const t = performance.now();
  await work();
  const seconds = (performance.now() - t) / 1000;
  const count = trips.stop();
  return { seconds, trips: count, writes: trips.writes(), profile: trips.profile(), ...mem.stop() };
}

async function oneSize(uri: string, n: number): Promise<Row> {
  const database = await connectDatabase(uri, `bench_scale_${n}_${randomBytes(3).toString('hex')}`, 10_000, { monitorCommands: true });
  const sandbox = await new QuickBooksSandbox({ clientId: 'c', clientSecret: 's', verifierToken: 'v' }).start();
  try {
    const trips = new RoundTrips(database.client);
    await ensureIndexes(database.db);
    const store = createStore(database.db);
    sandbox.addCompany(REALM, 'Scale Co');
    sandbox.seed(REALM, { customers: n, openInvoices: n * INVOICES_PER_CUSTOMER, partialShare: 0 });
    const connector = new QuickBooksConnector({
      store, key: randomBytes(32), owner: 'bench', logger: createLogger('silent'),
      settings: { clientId: 'c', clientSecret: 's', webhookVerifierToken: 'v', environment: 'sandbox', ...sandbox.endpoints, redirectUri: 'http://127.0.0.1/callback/quickbooks' },
    });
    const consent = await fetch(`${sandbox.endpoints.authorizeUrl}?client_id=c&redirect_uri=${encodeURIComponent('http://127.0.0.1/callback/quickbooks')}&state=x&response_type=code`, { redirect: 'manual' });
    await store.organisations.upsert({ _id: ORG, name: 'Scale', homeCurrency: 'USD', timeZone: 'UTC' }, new Date());
    await connector.handleCallback({ url: consent.headers.get('location') ?? '', orgId: ORG });
    const id = connectionId('quickbooks', REALM);

    sandbox.resetCounts();
    const progress = (what: string): void => console.log(`  ${new Date().toISOString().slice(11, 19)} ${n}: ${what} (load ${load()})`);
    progress('full sync started');
    let records = 0;
    const sync = await measured(trips, async () => {
      const r = await connector.fullSync(id);
      records = Object.values(r.saved).reduce((a, b) => a + b, 0);
    });
    const apiCalls = sandbox.counts.total;
    const planner = new Planner(store, { worker: 'bench-planner', policies: fixedPolicySource(anyTimePolicy) });
    let accounts = 0;
    progress(`synced ${records} records in ${sync.seconds.toFixed(1)} s; planning pass started`);
    const plan = await measured(trips, async () => {
      accounts = (await planner.planOrganisation(ORG, new Date())).accounts;
    });
    const row = { n, records, apiCalls, sync, plan, accounts, load: load() };
    console.log(`  ${n} sync profile: ${sync.profile}`);
    console.log(`  ${n} plan profile: ${plan.profile}`);
    console.log(
      `${n} customers: sync ${records} records in ${sync.seconds.toFixed(1)} s (${(sync.trips / records).toFixed(3)} round trips/record, ${(apiCalls / records).toFixed(4)} API calls/record, heap ≤ ${sync.heapMb.toFixed(0)} MB); ` +
        `plan ${accounts} accounts in ${plan.seconds.toFixed(1)} s (${(plan.trips / Math.max(1, accounts)).toFixed(3)} round trips/account, of which writes ${(plan.writes / Math.max(1, accounts)).toFixed(3)}; heap ≤ ${plan.heapMb.toFixed(0)} MB); load ${row.load}`,
    );
    return row;
  } finally {
    await sandbox.stop();
    await database.db.dropDatabase().catch(() => undefined);
    await database.close();
  }
}

export async function run(): Promise<void> {
  const sizes = sizesFromArgs(process.argv.slice(2), '1000,5000,20000');
  console.log(`scale bench: QuickBooks sandbox with ${sizes.join(', ')} customers × ${INVOICES_PER_CUSTOMER} open invoices; full sync through the connector, then the planning pass; load ${load()}`);
  let local: LocalServer | undefined;
  let dataDir: string | undefined;
  let uri = process.env['MONGODB_URI'];
  if (!uri) {
    dataDir = mkdtempSync(join(tmpdir(), 'overdue-bench-scale-'));
    local = await startLocalServer({ dataDir, throwaway: true, progress: () => {} });
    uri = local.uri;
  }
  const rows: Row[] = [];
  try {
    for (const n of sizes) rows.push(await oneSize(uri, n));
  } finally {
    await local?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
  console.log(`\ndatabase: ${local ? `local ${local.kind}` : 'MONGODB_URI'}`);
  console.log('| customers | records synced | sync s | sync round trips/record | API calls/record | sync peak heap / RSS MB | accounts planned | plan s | plan round trips/account | plan writes/account | plan peak heap / RSS MB | load (1, 5, 15 min) |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const a = Math.max(1, r.accounts);
    console.log(
      `| ${r.n} | ${r.records} | ${r.sync.seconds.toFixed(1)} | ${(r.sync.trips / r.records).toFixed(3)} | ${(r.apiCalls / r.records).toFixed(4)} | ${r.sync.heapMb.toFixed(0)} / ${r.sync.rssMb.toFixed(0)} | ` +
        `${r.accounts} | ${r.plan.seconds.toFixed(1)} | ${(r.plan.trips / a).toFixed(3)} | ${(r.plan.writes / a).toFixed(3)} | ${r.plan.heapMb.toFixed(0)} / ${r.plan.rssMb.toFixed(0)} | ${r.load} |`,
    );
  }
  const small = rows[0];
  const large = rows[rows.length - 1];
  if (small && large && large !== small) {
    const per = (r: Row, s: (r: Row) => number): number => s(r) / r.n;
    const ratio = (s: (r: Row) => number): string => (per(large, s) / per(small, s)).toFixed(2);
    console.log(
      `time per customer at ${large.n} ÷ at ${small.n}: sync ${ratio((r) => r.sync.seconds)}, plan ${ratio((r) => r.plan.seconds)}, both ${ratio((r) => r.sync.seconds + r.plan.seconds)} (goal ≤ 1.3)`,
    );
  }
}

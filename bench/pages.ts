// `npm run bench -- pages [--sizes 5000] [--runs 10]`: the web console's pages (app/console) over one
// organisation of N customers × 5 invoices (bench/measure.ts seedCustomers), on the local server
// (MONGODB_URI when set). The console router is served over HTTP on 127.0.0.1 as the web role mounts it,
// with a signed-in collector's session; each page is requested `runs` times, one at a time. It prints per
// page the server time (first byte of the request to the response's end, measured in the server), p50
// and p95, and the database round trips per request (every command the client starts while it runs).
// Before the pages, the daily planning pass runs once (Planner.planOrganisation with its snapshot): it
// writes the summary rows (src/planning/summaries.ts) and the day's snapshot (src/planning/snapshots.ts)
// the pages read.
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webApi } from '@slack/bolt';
import express from 'express';
import { ConsoleAuth } from '../app/console/auth.js';
import { buildConsole } from '../app/console/index.js';
import { connectDatabase } from '../src/db/connect.js';
import { startLocalServer, type LocalServer } from '../src/db/local-server.js';
import { createLogger } from '../src/logger.js';
import { fixedPolicySource } from '../src/planning/policy-source.js';
import { plannerFor } from '../src/planning/plan.js';
import type { Db } from 'mongodb';
import { collections, createStore, ensureIndexes } from '../src/store/store.js';
import { orgRowRange, summaryRowId, type AccountSummaryRowDoc } from '../src/planning/summaries.js';
import { SlackContext } from '../slack/services/context.js';
import { anyTimePolicy, seedOrg } from '../test/helpers/accounts.js';
import { load, percentile, positiveIntsFromArgs, RoundTrips, seedCustomers, sizesFromArgs } from './measure.js';

const ORG = 'org-bench-pages';
const SLACK_USER = 'U0BENCH01';

/** `--profile`: each read the pages make (and its alternatives), timed alone, median of `runs` (ms). */
async function profileReads(db: Db, customerId: string, runs: number): Promise<void> {
  const rows = db.collection<AccountSummaryRowDoc>(collections.accountSummaries);
  const range = orgRowRange(ORG);
  const reads: [string, () => Promise<unknown>][] = [
    ['summary row by _id', () => rows.findOne({ _id: summaryRowId(ORG, customerId) })],
    ['rows: orgId, _id range, sort, limit 51', () => rows.find({ orgId: ORG, _id: range }, { sort: { _id: 1 }, limit: 51 }).toArray()],
    ['rows: orgId, _id range, limit 51 (no sort)', () => rows.find({ orgId: ORG, _id: range }, { limit: 51 }).toArray()],
    ['rows: _id range only, sort, limit 51', () => rows.find({ _id: range }, { sort: { _id: 1 }, limit: 51 }).toArray()],
    ['rows: orgId only, limit 51', () => rows.find({ orgId: ORG }, { limit: 51 }).toArray()],
    ['rows: orgId, state equality, limit 51', () => rows.find({ orgId: ORG, state: 'past_due' }, { limit: 51 }).toArray()],
    ['rows: every row of the organisation', () => rows.find({ orgId: ORG }, { batchSize: 10_000 }).toArray()],
    ['rows: 50 by _id $in', async () => {
      const ids = (await rows.find({ orgId: ORG }, { projection: { _id: 1 }, limit: 50 }).toArray()).map((r) => r._id);
      return rows.find({ _id: { $in: ids } }).toArray();
    }],
    ['snapshots: orgId, _id range', () => db.collection<{ _id: string }>(collections.orgSnapshots).find({ orgId: ORG, _id: { $gte: `${ORG}:0`, $lte: `${ORG}:9` } }).toArray()],
    ['audit trail of one account (accountId)', () => db.collection(collections.audit).find({ accountId: customerId }).toArray()],
    ['account state by _id', () => db.collection<{ _id: string }>(collections.accountStates).findOne({ _id: customerId })],
  ];
  for (const [name, read] of reads) {
    const ms: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      await read();
      ms.push(performance.now() - t);
    }
    console.log(`  profile | ${name} | ${percentile(ms, 50).toFixed(1)} ms`);
  }
}

export async function run(): Promise<void> {
  const argv = process.argv.slice(2);
  const sizes = sizesFromArgs(argv, '5000');
  const [runs = 10] = positiveIntsFromArgs(argv, 'runs', '10', '10');
  console.log(`pages bench: one organisation of ${sizes.join(', ')} customers × 5 invoices; each page ${runs} times, one at a time`);
  let local: LocalServer | undefined;
  let dataDir: string | undefined;
  let uri = process.env['MONGODB_URI'];
  if (!uri) {
    dataDir = mkdtempSync(join(tmpdir(), 'overdue-bench-pages-'));
    local = await startLocalServer({ dataDir, throwaway: true });
    uri = local.uri;
  }
  const rows: string[] = [];
  try {
    for (const n of sizes) {
      const database = await connectDatabase(uri, `bench_pages_${n}_${Date.now()}`, 10_000, { monitorCommands: true });
      const trips = new RoundTrips(database.client);
      let server: Server | undefined;
      try {
        await ensureIndexes(database.db);
        const store = createStore(database.db);
        const now = new Date();
        await seedOrg(store, ORG, now, 'UTC');
        const seeded = await seedCustomers(database.db, ORG, 'p', n, now);
        const logger = createLogger('silent');
        const policies = fixedPolicySource(anyTimePolicy);
        // The daily planning pass writes the summary rows and the day's snapshot the pages read.
        const passStart = performance.now();
        trips.start();
        const pass = await plannerFor({ store, worker: 'bench-pages', policies }).planOrganisation(ORG, now, 200, { snapshot: true });
        const passTrips = trips.stop();
        console.log(`  planning pass (rows + snapshot): ${pass.accounts} accounts, ${pass.enqueued} entries enqueued, ${((performance.now() - passStart) / 1000).toFixed(1)} s, ${passTrips} round trips; load ${load()}`);
        // GET pages use the Slack side only for people; its client points nowhere.
        const slack = new SlackContext({ store, client: new webApi.WebClient('xoxb-bench', { slackApiUrl: 'http://127.0.0.1:9/api/' }), logger, now: () => new Date(), policies, replan: async () => undefined });
        await slack.people.upsert({ orgId: ORG, email: 'cole.lector@northwind.example', name: 'Cole Lector', slackUserId: SLACK_USER, roles: ['collector'] }, now);
        const auth = new ConsoleAuth(store);
        const link = await auth.mintSignIn(ORG, SLACK_USER, now);
        const session = await auth.redeem(link.token, now);
        if (!session.ok) throw new Error('could not sign in');
        const cookie = `overdue_console=${session.sessionId}`;

        const serverMs: number[] = [];
        const app = express();
        app.use((_req, res, next) => {
          const started = process.hrtime.bigint();
          res.on('finish', () => serverMs.push(Number(process.hrtime.bigint() - started) / 1e6));
          next();
        });
        app.use(buildConsole({ services: { store, now: () => new Date(), logger, policies }, slack, auth, bodyLimit: '1mb' }));
        const listening = await new Promise<Server>((resolve) => {
          const s = app.listen(0, '127.0.0.1', () => resolve(s));
        });
        server = listening;
        const addr = listening.address();
        const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
        const someId = (await store.customers.listByOrg(ORG))[Math.floor(n / 2)]?._id ?? '';
        const pages: [string, string][] = [
          ['overview', '/console'],
          ['accounts (first page)', '/console/accounts'],
          ['accounts (name search)', '/console/accounts?q=Customer%204'],
          ['accounts (state filter)', '/console/accounts?state=past_due'],
          ['accounts (state + amount)', '/console/accounts?state=past_due&currency=USD&min=100'],
          ['account', `/console/accounts/${encodeURIComponent(someId)}`],
          ['accounts.csv (all rows)', '/console/accounts.csv'],
        ];
        console.log(`  ${n} customers, ${seeded.invoices} invoices seeded; load ${load()}`);
        if (argv.includes('--profile')) await profileReads(database.db, someId, runs);
        for (const [name, path] of pages) {
          const ms: number[] = [];
          const rt: number[] = [];
          for (let i = 0; i < runs; i++) {
            serverMs.length = 0;
            trips.start();
            const res = await fetch(`${base}${path}`, { headers: { cookie } });
            await res.text();
            rt.push(trips.stop());
            if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
            ms.push(serverMs[0] ?? NaN);
          }
          const row = `| ${n} | ${name} | ${runs} | ${percentile(ms, 50).toFixed(0)} | ${percentile(ms, 95).toFixed(0)} | ${Math.min(...rt)}–${Math.max(...rt)} |`;
          console.log(`  ${row}`);
          rows.push(row);
        }
      } finally {
        if (server) await new Promise<void>((r) => server?.close(() => r()));
        await database.db.dropDatabase().catch(() => undefined);
        await database.close();
      }
    }
  } finally {
    await local?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
  console.log(`\nload ${load()}`);
  console.log('\n| customers | page | requests | p50 ms | p95 ms | round trips/request |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}

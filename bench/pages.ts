// `npm run bench -- pages [--sizes 5000] [--runs 10]`: the web console's pages (app/console) over one
// organisation of N customers × 5 invoices (bench/measure.ts seedCustomers), on the local server
// (MONGODB_URI when set). The console router is served over HTTP on 127.0.0.1 as the web role mounts it,
// with a signed-in collector's session; each page is requested `runs` times, one at a time. It prints per
// page the server time (first byte of the request to the response's end, measured in the server), p50
// and p95, and the database round trips per request (every command the client starts while it runs).
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
import { createStore, ensureIndexes } from '../src/store/store.js';
import { SlackContext } from '../slack/services/context.js';
import { anyTimePolicy, seedOrg } from '../test/helpers/accounts.js';
import { load, percentile, positiveIntsFromArgs, RoundTrips, seedCustomers, sizesFromArgs } from './measure.js';

const ORG = 'org-bench-pages';
const SLACK_USER = 'U0BENCH01';

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
          ['accounts (state + amount)', '/console/accounts?state=past_due&currency=USD&min=100'],
          ['account', `/console/accounts/${encodeURIComponent(someId)}`],
        ];
        console.log(`  ${n} customers, ${seeded.invoices} invoices seeded; load ${load()}`);
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
        // The CSV walks every page of the list: once.
        // (fetch gives up after 300 s without response headers: reported as such rather than ending the run.)
        serverMs.length = 0;
        trips.start();
        const csvStart = performance.now();
        const lines = await fetch(`${base}/console/accounts.csv`, { headers: { cookie } })
          .then(async (csv) => (await csv.text()).split('\r\n').length - 2)
          .catch(() => null);
        const csvTrips = trips.stop();
        const csvMs = serverMs[0] ?? performance.now() - csvStart;
        const row = `| ${n} | accounts.csv (${lines === null ? 'no answer within the client timeout' : `all ${lines} rows`}) | 1 | ${lines === null ? '>' : ''}${csvMs.toFixed(0)} | — | ${csvTrips}${lines === null ? '+' : ''} |`;
        console.log(`  ${row}`);
        rows.push(row);
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

// `npm run bench -- accounts [--sizes 1000,3000] [--limit 100]`: the accounts
// API's pages (src/planning/accounts.ts, what GET /api/orgs/:orgId/accounts
// runs) over one organisation of N customers × 5 invoices, seeded directly, on
// the local server (MONGODB_URI when set). For each size, in its own database,
// it walks every page and prints the database round trips per page (every
// command the reader's client starts, counted with the driver's command
// monitoring), and the time of the first, median and last page.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectDatabase } from '../src/db/connect.js';
import { startLocalServer, type LocalServer } from '../src/db/local-server.js';
import { AccountsReader } from '../src/planning/accounts.js';
import { Planner } from '../src/planning/plan.js';
import { fixedPolicySource } from '../src/planning/policy-source.js';
import { createStore, ensureIndexes } from '../src/store/store.js';
import { anyTimePolicy, seedOrg } from '../test/helpers/accounts.js';
import { positiveIntsFromArgs, seedCustomers, sizesFromArgs } from './measure.js';

const ORG = 'org-bench-accounts';

export async function run(): Promise<void> {
  const argv = process.argv.slice(2);
  const sizes = sizesFromArgs(argv, '1000,3000');
  const limits = positiveIntsFromArgs(argv, 'limit', '100,500', '100,500');
  console.log(`accounts bench: one organisation of ${sizes.join(', ')} customers × 5 invoices; every page at limit ${limits.join(', ')}`);
  let local: LocalServer | undefined;
  let dataDir: string | undefined;
  let uri = process.env['MONGODB_URI'];
  if (!uri) {
    dataDir = mkdtempSync(join(tmpdir(), 'overdue-bench-accounts-'));
    local = await startLocalServer({ dataDir, throwaway: true });
    uri = local.uri;
  }
  const rows: string[] = [];
  try {
    for (const n of sizes) {
      const database = await connectDatabase(uri, `bench_accounts_${n}_${Date.now()}`, 10_000, { monitorCommands: true });
      let commands = 0;
      database.client.on('commandStarted', () => {
        commands++;
      });
      try {
        await ensureIndexes(database.db);
        const store = createStore(database.db);
        const now = new Date();
        await seedOrg(store, ORG, now, 'UTC');
        await seedCustomers(database.db, ORG, 'a', n, now);
        const org = await store.organisations.get(ORG);
        if (!org) throw new Error('no organisation');
        const reader = new AccountsReader(store, new Planner(store, { worker: 'bench-accounts', policies: fixedPolicySource(anyTimePolicy) }));
        for (const limit of limits) {
          const ms: number[] = [];
          const trips: number[] = [];
          let after: string | undefined;
          let listed = 0;
          do {
            commands = 0;
            const start = performance.now();
            const page = await reader.page(org, { limit, ...(after !== undefined ? { after } : {}) }, now);
            ms.push(performance.now() - start);
            trips.push(commands);
            listed += page.accounts.length;
            after = page.lastId ?? undefined;
          } while (after !== undefined);
          const sorted = [...ms].sort((a, b) => a - b);
          const f = (x: number | undefined): string => ((x ?? 0) / 1000).toFixed(2);
          const row = `| ${n} | ${limit} | ${ms.length} | ${Math.min(...trips)}–${Math.max(...trips)} | ${f(ms[0])} | ${f(sorted[Math.floor(sorted.length / 2)])} | ${f(ms[ms.length - 1])} | ${f(ms.reduce((a, b) => a + b, 0))} |`;
          console.log(`  ${n} customers, limit ${limit}: ${listed} accounts in ${ms.length} pages; ${row}`);
          rows.push(row);
        }
      } finally {
        await database.db.dropDatabase().catch(() => undefined);
        await database.close();
      }
    }
  } finally {
    await local?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
  console.log('\n| customers | limit | pages | round trips/page | first page s | median page s | last page s | all pages s |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}

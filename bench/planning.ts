// `npm run bench -- planning [--sizes 1000,5000]`: the daily planning pass over
// one organisation of N customers × 5 invoices, seeded directly in the store, on
// the local server (MONGODB_URI when set). For each size, in its own database,
// the pass runs twice — first everything is new (every account gets its reminder
// enqueued and audited, its state written), then nothing changed — and prints
// accounts/s, database round trips per planned account (every command the
// planner's client starts, counted with the driver's command monitoring; the
// "planning reads" exclude what the writes themselves read: the audit chain's head,
// claims), writes per account, and the process's peak RSS; then the ratio of
// the time per account at the largest size to the smallest (goal ≤ 1.3).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectDatabase } from '../src/db/connect.js';
import { startLocalServer, type LocalServer } from '../src/db/local-server.js';
import { OrgReader, orgReads } from '../src/planning/page.js';
import { Planner, type PlanSummary } from '../src/planning/plan.js';
import { fixedPolicySource } from '../src/planning/policy-source.js';
import { collections, createStore, ensureIndexes } from '../src/store/store.js';
import { INVOICES_PER_CUSTOMER, RoundTrips, seedCustomers, sizesFromArgs, WRITE_COMMANDS as WRITES } from './measure.js';
import { anyTimePolicy, seedOrg } from '../test/helpers/accounts.js';

const ORG = 'org-bench';
const WRITE_PATH = new Set([collections.audit, collections.auditHeads, collections.claims]);

/** Wall time spent in the organisation's reads during a pass (the rest is deciding and writing). */
const readTime = { ms: 0 };
{
  const original = OrgReader.prototype.accounts;
  OrgReader.prototype.accounts = async function (this: OrgReader, ...args: Parameters<OrgReader['accounts']>) {
    const start = performance.now();
    try {
      return await original.apply(this, args);
    } finally {
      readTime.ms += performance.now() - start;
    }
  };
}

interface Row {
  n: number;
  first: PassFigures;
  second: PassFigures;
  rssMb: number;
}

interface PassFigures {
  seconds: number;
  summary: PlanSummary;
  commands: number;
  planningReads: number;
  writes: number;
  readSeconds: number;
}

export async function run(): Promise<void> {
  const sizes = sizesFromArgs(process.argv.slice(2), '1000,5000');
  console.log(`planning bench: one organisation of ${sizes.join(', ')} customers × ${INVOICES_PER_CUSTOMER} invoices; the daily pass twice (new, then unchanged)`);
  let local: LocalServer | undefined;
  let dataDir: string | undefined;
  let uri = process.env['MONGODB_URI'];
  if (!uri) {
    dataDir = mkdtempSync(join(tmpdir(), 'overdue-bench-planning-'));
    local = await startLocalServer({ dataDir, throwaway: true });
    uri = local.uri;
  }
  const rows: Row[] = [];
  try {
    for (const n of sizes) {
      const dbName = `bench_planning_${n}_${Date.now()}`;
      const database = await connectDatabase(uri, dbName, 10_000, { monitorCommands: true });
      const trips = new RoundTrips(database.client);
      const commands = trips.commands;
      try {
        await ensureIndexes(database.db);
        const store = createStore(database.db);
        const now = new Date();
        const seedStart = Date.now();
        await seedOrg(store, ORG, now, 'UTC');
        const seeded = await seedCustomers(database.db, ORG, 'p', n, now);
        console.log(`${n} customers: seeded ${seeded.customers} customers and ${seeded.invoices} invoices in ${((Date.now() - seedStart) / 1000).toFixed(1)} s (${local ? `local ${local.kind}` : 'MONGODB_URI'})`);
        // The bench runs on the wall clock: any hour of any day is sending time.
        const planner = new Planner(store, { worker: 'bench-planner', policies: fixedPolicySource(anyTimePolicy) });
        const pass = async (label: string, at: Date): Promise<PassFigures> => {
          readTime.ms = 0;
          trips.start();
          const start = performance.now();
          const summary = await planner.planOrganisation(ORG, at);
          const seconds = (performance.now() - start) / 1000;
          trips.stop();
          const writes = trips.writes();
          const planningReads = commands.filter((c) => !WRITES.has(c.split(':')[0] ?? '') && !WRITE_PATH.has((c.split(':')[1] ?? '') as never)).length;
          const f = { seconds, summary, commands: commands.length, planningReads, writes, readSeconds: readTime.ms / 1000 };
          const per = (x: number): string => (x / Math.max(1, summary.accounts)).toFixed(3);
          console.log(
            `  ${label}: ${summary.accounts} accounts in ${seconds.toFixed(1)} s = ${(summary.accounts / seconds).toFixed(0)} accounts/s; ` +
              `round trips/account ${per(f.commands)} (planning reads ${per(planningReads)}, writes ${per(writes)}); enqueued ${summary.enqueued}, failed ${summary.failed}; ` +
              `reading the organisation ${f.readSeconds.toFixed(1)} s, deciding and writing ${(seconds - f.readSeconds).toFixed(1)} s`,
          );
          return f;
        };
        const first = await pass('pass 1 (new)', now);
        const second = await pass('pass 2 (unchanged)', new Date(now.getTime() + 60_000));
        // What the organisation's read costs, collection by collection (one after another).
        const each: string[] = [];
        for (const [name, q] of Object.entries(orgReads(ORG, true))) {
          const t = performance.now();
          const docs = await database.db.collection(q.collection).find(q.filter, { batchSize: 10_000 }).toArray();
          each.push(`${name} ${docs.length} in ${((performance.now() - t) / 1000).toFixed(2)} s`);
        }
        console.log(`  the organisation's reads alone: ${each.join('; ')}`);
        const rssMb = process.resourceUsage().maxRSS / 1024;
        console.log(`  peak RSS so far ${rssMb.toFixed(0)} MB`);
        rows.push({ n, first, second, rssMb });
      } finally {
        await database.db.dropDatabase().catch(() => undefined);
        await database.close();
      }
    }
  } finally {
    await local?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
  console.log('\n| customers | pass | accounts/s | round trips/account | planning reads/account | writes/account | peak RSS MB |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    for (const [label, f] of [['1 new', r.first], ['2 unchanged', r.second]] as const) {
      const a = Math.max(1, f.summary.accounts);
      console.log(`| ${r.n} | ${label} | ${(a / f.seconds).toFixed(0)} | ${(f.commands / a).toFixed(3)} | ${(f.planningReads / a).toFixed(4)} | ${(f.writes / a).toFixed(3)} | ${r.rssMb.toFixed(0)} |`);
    }
  }
  const small = rows[0];
  const large = rows[rows.length - 1];
  if (small && large && large !== small) {
    const ratio = (f: (r: Row) => PassFigures): string => ((f(large).seconds / large.n) / (f(small).seconds / small.n)).toFixed(2);
    console.log(`time per account at ${large.n} ÷ at ${small.n}: pass 1 ${ratio((r) => r.first)}, pass 2 ${ratio((r) => r.second)} (goal ≤ 1.3)`);
  }
}

// `npm run bench -- audit`: audit-trail appends per second, 2,000 appends on one
// account and 2,000 across 200 accounts (10 each), one after another, then the
// 200-account run again with 8 appends in flight. Each phase gets an empty
// database; every chain is verified afterwards. Uses MONGODB_URI when set,
// otherwise a local server in a temporary folder. BENCH_AUDIT_APPENDS changes
// the count per phase.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectDatabase } from '../src/db/connect.js';
import { startLocalServer, type LocalServer } from '../src/db/local-server.js';
import { createStore, ensureIndexes } from '../src/store/store.js';
import type { AuditInput } from '../src/store/types.js';

const APPENDS = Number(process.env['BENCH_AUDIT_APPENDS'] ?? 2_000);

function input(accountId: string, i: number): AuditInput {
  return {
    orgId: 'org-bench',
    accountId,
    actor: { kind: 'system', id: 'overdue', name: 'Overdue' },
    channel: 'email',
    action: 'outbox.sent',
    invoiceIds: [`inv-${i % 10}`],
    outcome: `reminder ${i} sent`,
    details: { key: `k-${accountId}-${i}` },
    at: new Date(Date.UTC(2025, 0, 1) + i * 60_000),
  };
}

async function phase(uri: string, label: string, accounts: number, inFlight: number): Promise<void> {
  const database = await connectDatabase(uri, `bench_audit_${Date.now()}`, 10_000);
  try {
    await ensureIndexes(database.db);
    const store = createStore(database.db);
    const jobs = Array.from({ length: APPENDS }, (_, i) => ({ accountId: `acct-${String(i % accounts).padStart(3, '0')}`, i }));
    let next = 0;
    const start = Date.now();
    // Appends to one account go one after another in each lane; with several lanes, different accounts contend only on the collection.
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        for (let j = next++; j < jobs.length; j = next++) {
          const job = jobs[j];
          if (job) await store.audit.append(input(job.accountId, job.i));
        }
      }),
    );
    const seconds = (Date.now() - start) / 1000;
    let broken = 0;
    for (let a = 0; a < accounts; a++) if (!(await store.audit.verify(`acct-${String(a).padStart(3, '0')}`)).ok) broken++;
    console.log(`${label}: ${APPENDS} appends in ${seconds.toFixed(1)} s = ${(APPENDS / seconds).toFixed(1)} appends/s; chains broken afterwards: ${broken} (target 0)`);
  } finally {
    await database.db.dropDatabase().catch(() => undefined);
    await database.close();
  }
}

export async function run(): Promise<void> {
  let local: LocalServer | undefined;
  let dataDir: string | undefined;
  let uri = process.env['MONGODB_URI'];
  if (!uri) {
    dataDir = mkdtempSync(join(tmpdir(), 'overdue-bench-audit-'));
    local = await startLocalServer({ dataDir });
    uri = local.uri;
  }
  console.log(`database: ${local ? `local ${local.kind}` : 'MONGODB_URI'}`);
  try {
    await phase(uri, '1 account, sequential', 1, 1);
    await phase(uri, '200 accounts, sequential', 200, 1);
    await phase(uri, '200 accounts, 8 in flight', 200, 8);
  } finally {
    await local?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

// `npm run bench -- id-index`: does the GIN index on `_jsonb->'_id'` (added by the
// local PostgreSQL cluster's event trigger) and plan_cache_mode=force_custom_plan
// speed up FerretDB's operations by _id? A local FerretDB-over-PostgreSQL server
// (throwaway), two collections of BENCH_ID_DOCS documents (default 10,000; ~1 kB
// each), one with the trigger's index and one with it dropped, each timed with the
// cluster's custom plans and then with PostgreSQL's default plan cache (auto).
// Prints the median and p95 ms per operation. See docs/database.md.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { MongoClient, type Collection } from 'mongodb';
import { findPostgresBinDir, startLocalServer, type LocalServer } from '../src/db/local-server.js';

const DOCS = Number(process.env['BENCH_ID_DOCS'] ?? 10_000);
const OPS = Number(process.env['BENCH_ID_OPS'] ?? 200);
const DB = 'idbench';

interface Doc {
  _id: string;
  status: string;
  n: number;
  body: string;
}

function psql(server: LocalServer, sql: string): string {
  const bin = findPostgresBinDir();
  if (!bin || server.postgresPort === undefined) throw new Error('no PostgreSQL cluster');
  return execFileSync(join(bin, 'psql'), ['-h', '127.0.0.1', '-p', String(server.postgresPort), '-U', 'postgres', '-d', 'ferretdb', '-At', '-v', 'ON_ERROR_STOP=1', '-c', sql], { encoding: 'utf8' }).trim();
}

function stats(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] ?? Number.NaN;
  return `median ${at(0.5).toFixed(2).padStart(7)} ms  p95 ${at(0.95).toFixed(2).padStart(7)} ms`;
}

async function time(label: string, op: (i: number) => Promise<unknown>): Promise<void> {
  const ms: number[] = [];
  for (let i = 0; i < OPS; i++) {
    const t = performance.now();
    await op(i);
    ms.push(performance.now() - t);
  }
  console.log(`    ${label.padEnd(34)} ${stats(ms)}`);
}

async function measure(c: Collection<Doc>): Promise<void> {
  const id = (i: number) => `doc-${String((i * 7919) % DOCS).padStart(6, '0')}`;
  await time('findOne {_id}', (i) => c.findOne({ _id: id(i) }));
  await time('updateOne {_id} $set', (i) => c.updateOne({ _id: id(i) }, { $set: { n: i } }));
  await time('updateOne {_id, status} $set', (i) => c.updateOne({ _id: id(i), status: 'open' }, { $set: { n: i } }));
}

export async function run(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'overdue-bench-id-'));
  const server = await startLocalServer({ dataDir, throwaway: true });
  const client = await MongoClient.connect(server.uri);
  try {
    if (server.kind !== 'ferretdb-postgresql') throw new Error(`needs FerretDB over PostgreSQL, got ${server.kind}`);
    const db = client.db(DB);
    const body = 'x'.repeat(900);
    for (const name of ['with_gin', 'without_gin']) {
      const c = db.collection<Doc>(name);
      for (let from = 0; from < DOCS; from += 1_000) {
        await c.insertMany(Array.from({ length: Math.min(1_000, DOCS - from) }, (_, k) => ({ _id: `doc-${String(from + k).padStart(6, '0')}`, status: 'open', n: 0, body })));
      }
    }
    psql(server, `DO $$ DECLARE r record; BEGIN FOR r IN SELECT ci.relname FROM pg_index i JOIN pg_class ci ON ci.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = '${DB}' AND t.relname LIKE 'without_gin%' AND ci.relname LIKE 'overdue_id_gin_%' LOOP EXECUTE format('DROP INDEX ${DB}.%I', r.relname); END LOOP; END $$`);
    psql(server, 'ANALYZE');
    console.log(`${DOCS} documents per collection, ${OPS} operations each, FerretDB over PostgreSQL (${server.uri})`);
    for (const mode of ['force_custom_plan', 'auto'] as const) {
      if (mode === 'auto') {
        // A database-level setting outranks the server's -c flag; FerretDB's pooled
        // connections only see it once they reconnect, so restart FerretDB.
        psql(server, 'ALTER DATABASE ferretdb SET plan_cache_mode = auto');
        const before = server.pids().server;
        if (before !== undefined) process.kill(before, 'SIGKILL');
        const end = Date.now() + 30_000;
        for (;;) {
          const ok = await db.command({ ping: 1 }).then(() => true, () => false);
          if (ok && server.pids().server !== before) break;
          if (Date.now() > end) throw new Error('FerretDB did not come back');
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      for (const name of ['with_gin', 'without_gin']) {
        console.log(`  plan_cache_mode=${mode}, ${name === 'with_gin' ? 'GIN on _jsonb->\'_id\'' : 'FerretDB\'s own indexes only'}:`);
        await measure(db.collection<Doc>(name));
      }
    }
  } finally {
    await client.close();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// Two Agenda worker processes over 500 due one-off jobs on the run's real local
// server: every job completes (removed on completion, as plan-accounts' deadline
// jobs are), none is left locked or pending, and each job's effect (behind the
// run claim in defineJobs) happens exactly once, though runs may repeat.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { JOBS_COLLECTION } from '../jobs/agenda.js';
import { ensureIndexes } from '../src/store/store.js';
import { openTestDatabase, testDatabaseUri } from './helpers/db.js';

const JOBS = 500;
const EFFECT_JOB = 'apply-effect';

let database: Awaited<ReturnType<typeof openTestDatabase>>;
const children: ChildProcess[] = [];

beforeAll(async () => {
  database = await openTestDatabase('agendaworkers');
  await ensureIndexes(database.db);
});
afterAll(async () => {
  await Promise.all(children.map((c) => stop(c)));
  await database.drop();
});

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((res) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      res();
    });
    child.kill('SIGTERM');
  });
}

function startWorker(name: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'helpers', 'agenda-worker.ts'), testDatabaseUri(), database.name, name, '500'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((res, rej) => {
    child.stdout?.on('data', (b: Buffer) => {
      if (b.toString().includes('ready')) res(child);
    });
    child.once('exit', (code) => rej(new Error(`worker ${name} exited (${code}) before it was ready`)));
  });
}

/** Poll `done` until it holds or timeoutMs passed; returns whether it held. */
async function waitUntil(done: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await done()) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return done();
}

it('runs 500 jobs on two worker processes: all complete, none stuck, each effect once', async () => {
  const jobs = database.db.collection(JOBS_COLLECTION);
  const now = new Date();
  // The jobs as Agenda's own now() saves them: due, unlocked, one document each.
  await jobs.insertMany(
    Array.from({ length: JOBS }, (_, n) => ({ name: EFFECT_JOB, data: { n }, type: 'normal', priority: 0, nextRunAt: now, lastModifiedBy: null })),
  );
  const started = Date.now();
  await Promise.all([startWorker('worker-a'), startWorker('worker-b')]);
  const finished = async () => JOBS - (await jobs.countDocuments({ name: EFFECT_JOB }));
  const progress = setInterval(() => void finished().then((n) => process.stderr.write(`[agenda workers] ${n} finished after ${((Date.now() - started) / 1000).toFixed(0)} s\n`)), 15_000);
  // Bounded for a 2-core machine shared with other test runs (load 15–20: ~2 jobs/s); quiet, it takes seconds.
  const allDone = await waitUntil(async () => (await finished()) === JOBS, 600_000);
  clearInterval(progress);
  const seconds = (Date.now() - started) / 1000;

  const all = await jobs.find({ name: EFFECT_JOB }).toArray();
  const effects = await database.db.collection<{ jobId: string; worker: string }>('test_effects').find().toArray();
  const runs = await database.db.collection<{ jobId: string }>('test_runs').countDocuments();
  const perJob = new Map<string, number>();
  for (const e of effects) perJob.set(e.jobId, (perJob.get(e.jobId) ?? 0) + 1);
  const byWorker = effects.reduce<Record<string, number>>((m, e) => ({ ...m, [e.worker]: (m[e.worker] ?? 0) + 1 }), {});
  process.stderr.write(
    `[agenda workers] ${JOBS} jobs, 2 workers: ${allDone ? 'all finished' : 'NOT finished'} in ${seconds.toFixed(1)} s; ` +
      `runs started ${runs} (repeats ${runs - JOBS}); effects ${effects.length} (${JSON.stringify(byWorker)})\n`,
  );

  expect(allDone).toBe(true);
  // Nothing left: no job locked, pending or failed (a failed or stuck one would stay).
  expect(all.map((j) => ({ id: String(j._id), lockedAt: j['lockedAt'], failedAt: j['failedAt'] }))).toEqual([]);
  expect(perJob.size).toBe(JOBS); // every job's effect happened…
  expect([...perJob.values()].filter((n) => n !== 1)).toEqual([]); // …exactly once
  expect(Object.keys(byWorker).sort()).toEqual(['worker-a', 'worker-b']); // and both workers took part
}, 660_000);

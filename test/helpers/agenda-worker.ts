// An Agenda worker in its own process, for the two-worker test and figures
// (test/agenda-workers.test.ts): runs `apply-effect` jobs until SIGTERM.
// argv: <mongodb uri> <database name> <worker name> <processEveryMs> [lockLimit]
// Every start of a run is recorded in `test_runs` (runs may repeat); the job's
// effect, behind defineJobs' claim, is one insert into `test_effects` with the
// job's id (it must happen once per job).
import type { Job } from 'agenda';
import { z } from 'zod';
import { createAgenda, defineJobs, job, type JobContext } from '../../jobs/agenda.js';
import { connectDatabase } from '../../src/db/connect.js';
import { createStore } from '../../src/store/store.js';
import { testServices } from './services.js';

export const EFFECT_JOB = 'apply-effect';

async function main(): Promise<void> {
  const [uri, dbName, worker, every, limit] = process.argv.slice(2);
  if (uri === undefined || dbName === undefined || worker === undefined) throw new Error('usage: agenda-worker <uri> <db> <worker> [processEveryMs] [lockLimit]');
  const database = await connectDatabase(uri, dbName, 10_000);
  const runs = database.db.collection<{ jobId: string; worker: string; at: Date }>('test_runs');
  const effects = database.db.collection<{ jobId: string; worker: string; n: number }>('test_effects');
  const agenda = createAgenda(database.db, { name: worker, processEveryMs: Number(every ?? 500), maxConcurrency: 10, ...(limit ? { lockLimit: Number(limit) } : {}) });
  const ctx: JobContext = testServices(createStore(database.db), { worker });
  defineJobs(agenda, [
    job({
      name: EFFECT_JOB,
      data: z.object({ n: z.number().int() }),
      async run(data, c, j) {
        await effects.insertOne({ jobId: String(j.attrs._id), worker: c.worker, n: data.n });
      },
      concurrency: 5,
      lockLifetimeMs: 60_000,
      // Like plan-accounts' one-off deadline jobs: a finished run is removed, so what is left is what is not done.
      removeOnComplete: true,
    }),
  ] as never, ctx);
  agenda.on(`start:${EFFECT_JOB}`, (j: Job<unknown>) => {
    void runs.insertOne({ jobId: String(j.attrs._id), worker, at: new Date() });
  });
  process.once('SIGTERM', () => {
    void agenda
      .stop()
      .then(() => database.close())
      .finally(() => process.exit(0));
  });
  await agenda.start();
  process.stdout.write('ready\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});

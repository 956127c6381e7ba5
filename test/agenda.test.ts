import type { Agenda } from 'agenda';
import { z } from 'zod';
import { createAgenda, defineJobs, job, JOBS_COLLECTION, type JobContext } from '../jobs/agenda.js';
import { createStore, ensureIndexes } from '../src/store/store.js';
import { openTestDatabase } from './helpers/db.js';
import { testServices } from './helpers/services.js';

let database: Awaited<ReturnType<typeof openTestDatabase>>;
const agendas: Agenda[] = [];

beforeAll(async () => {
  database = await openTestDatabase('agenda');
  await ensureIndexes(database.db);
});
afterAll(async () => {
  await Promise.all(agendas.map((a) => a.stop()));
  await database.drop();
});

const runs = () => database.db.collection<{ _id: string; worker: string; n: number }>('test_runs');

function worker(name: string): Agenda {
  const agenda = createAgenda(database.db, { name, processEveryMs: 50, maxConcurrency: 20 });
  const ctx: JobContext = testServices(createStore(database.db), { worker: name });
  defineJobs(agenda, [
    job({
      name: 'record-run',
      data: z.object({ n: z.number().int() }),
      async run(data, c, j) {
        await runs().insertOne({ _id: `${String(j.attrs._id)}:${c.worker}`, worker: c.worker, n: data.n });
      },
      concurrency: 10,
    }),
  ] as never, ctx);
  agendas.push(agenda);
  return agenda;
}

async function waitFor(pred: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

it('defines, schedules and runs a job on the real server, each run once across two workers', async () => {
  const a = worker('worker-a');
  const b = worker('worker-b');
  for (let n = 0; n < 30; n++) await a.now('record-run', { n });
  await Promise.all([a.start(), b.start()]);
  await waitFor(async () => (await runs().countDocuments()) >= 30, 20_000);
  // Wait until no duplicate can still be on its way, instead of for a while: every
  // job has finished in the database (no next run, no lock) and neither worker
  // queues, holds or runs one. A second run of a job would have been locked by the
  // other worker and recorded before that worker let go of it.
  const settled = async () => {
    const open = await database.db.collection(JOBS_COLLECTION).countDocuments({
      name: 'record-run',
      $or: [{ lastFinishedAt: null }, { lockedAt: { $ne: null } }, { nextRunAt: { $ne: null } }],
    });
    if (open > 0) return false;
    const stats = await Promise.all([a, b].map((w) => w.getRunningStats()));
    return stats.every((s) => s.queuedJobs === 0 && s.runningJobs === 0 && s.lockedJobs === 0);
  };
  await waitFor(settled, 20_000);
  expect(await settled()).toBe(true);
  const all = await runs().find().toArray();
  expect(all.map((r) => r.n).sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, i) => i));
});

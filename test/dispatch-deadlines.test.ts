// Deadlines as Agenda jobs: planning schedules a one-off `plan-accounts` job at
// the account's next evaluation time (here: the end of a promise's grace), one
// per account and time; when it fires the account is planned again and the
// ladder resumes after the broken promise.
import type { Agenda } from 'agenda';
import { createAgenda, defineJobs, JOBS_COLLECTION, type JobContext } from '../jobs/agenda.js';
import { allJobs } from '../jobs/index.js';
import { deadlineScheduler } from '../jobs/plan.js';
import { zonedInstant } from '../src/domain/calendar.js';
import { plannerFor } from '../src/planning/plan.js';
import { accountStates } from '../src/planning/state.js';
import { createStore, ensureIndexes, type Store } from '../src/store/store.js';
import { customerDoc, invoiceDoc, saveCustomer, seedOrg, standardContacts } from './helpers/accounts.js';
import { openTestDatabase } from './helpers/db.js';
import { testServices } from './helpers/services.js';

const TZ = 'America/Chicago';
const ORG = 'org-dl';
const at = (date: string, hhmm: string): Date => new Date(zonedInstant(date, hhmm, TZ));

let database: Awaited<ReturnType<typeof openTestDatabase>>;
let store: Store;
let agenda: Agenda | undefined;

beforeAll(async () => {
  database = await openTestDatabase('deadlines');
  await ensureIndexes(database.db);
  store = createStore(database.db);
  await seedOrg(store, ORG, at('2025-01-01', '08:00'), TZ);
});
afterAll(async () => {
  await agenda?.stop();
  await database.drop();
});

async function waitFor(pred: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

interface DeadlineJob {
  nextRunAt: Date | null;
  data: { customerIds: string[]; deadlineFor: string; at: string };
}

it('a promise whose grace ends re-plans the account by its own one-off job, scheduled once', async () => {
  const c = customerDoc(ORG, 'dl1', 'Promised Ltd', standardContacts('promised.example'), at('2025-01-01', '08:00'));
  await saveCustomer(store, c, [invoiceDoc(c, 'dl1-1', 'INV-6001', '2025-03-03', 180_000, at('2025-01-01', '08:00'))]);
  await accountStates(database.db).savePauses(
    c._id,
    ORG,
    { disputes: [], promises: [{ id: 'pr1', madeAt: at('2025-03-04', '10:00'), promisedDate: '2025-03-10', status: 'open' }], paymentPlans: [], snoozes: [] },
    at('2025-03-04', '10:00'),
  );
  agenda = createAgenda(database.db, { name: 'deadline-worker', processEveryMs: 100, maxConcurrency: 5 });
  let clock = at('2025-03-05', '10:00');
  const ctx: JobContext = testServices(store, { worker: 'deadline-worker', now: () => clock, scheduleDeadline: deadlineScheduler(agenda) });
  const jobs = () => database.db.collection<DeadlineJob>(JOBS_COLLECTION).find({ name: 'plan-accounts', 'data.deadlineFor': c._id }).toArray();

  // The promise pauses the ladder: nothing to send, and the account is to be looked at when its grace ends.
  const first = await plannerFor(ctx).plan(c._id, clock);
  expect(first.decision?.actions).toEqual([]);
  const next = first.decision?.nextEvaluationAt ?? null;
  if (next === null) throw new Error('no next evaluation');
  expect(next).toBeGreaterThan(at('2025-03-10', '00:00').getTime()); // after the promised date (+ grace)
  expect((await jobs()).map((j) => [j.nextRunAt, j.data])).toEqual([[new Date(next), { customerIds: [c._id], deadlineFor: c._id, at: new Date(next).toISOString() }]]);

  // Planning again before then (a sync, the daily pass) adds no second job.
  await plannerFor(ctx).plan(c._id, at('2025-03-06', '07:00'));
  expect(await jobs()).toHaveLength(1);

  // The grace ends: the job fires (Agenda runs it at once: its time is in the past of the real clock), the
  // account is planned on the worker's clock, and the ladder resumes.
  clock = new Date(next + 60_000);
  defineJobs(agenda, allJobs, ctx);
  await agenda.start();
  const enqueued = async () => (await store.audit.list(c._id)).filter((e) => e.action === 'outbox.enqueued');
  expect(await waitFor(async () => (await enqueued()).length > 0, 20_000)).toBe(true);
  expect((await store.outbox.listByCustomer(c._id)).some((e) => e.kind === 'email')).toBe(true);
  const planned = await enqueued();
  expect(planned.every((e) => e.at.getTime() === clock.getTime())).toBe(true);
  // The run is removed once done (the account's next evaluation got a job of its own, which, its time being
  // in the real clock's past too, runs at once and changes nothing).
  expect(await waitFor(async () => (await jobs()).every((j) => j.data.at !== new Date(next).toISOString()), 10_000)).toBe(true);
}, 60_000);

// The jobs on Agenda: plan-accounts for the ids a sync changed, then
// dispatch-outbox sends through the SMTP transport the worker was configured with.
import type { Agenda } from 'agenda';
import { createAgenda, defineJobs, type JobContext } from '../jobs/agenda.js';
import { allJobs } from '../jobs/index.js';
import { outboxSettings } from '../app/services.js';
import { loadConfig } from '../src/config.js';
import { createSmtpTransport, TaskChannel, type SmtpTransport } from '../src/outbox/index.js';
import { createStore, ensureIndexes, type Store } from '../src/store/store.js';
import { customerDoc, invoiceDoc, liveConnection, saveCustomer, seedOrg, standardContacts } from './helpers/accounts.js';
import { openTestDatabase } from './helpers/db.js';
import { testServices } from './helpers/services.js';
import { startSmtpSink, type SmtpSink } from './helpers/smtp-sink.js';

let database: Awaited<ReturnType<typeof openTestDatabase>>;
let store: Store;
let sink: SmtpSink;
let transport: SmtpTransport;
let agenda: Agenda | undefined;

beforeAll(async () => {
  database = await openTestDatabase('dispatchjobs');
  await ensureIndexes(database.db);
  store = createStore(database.db);
  sink = await startSmtpSink();
  transport = createSmtpTransport(sink.url, { timeoutMs: 5_000 });
});
afterAll(async () => {
  await agenda?.stop();
  transport.close();
  await sink.close();
  await database.drop();
});

async function waitFor(pred: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

it('an unconfigured worker has no email channel; plan-accounts then dispatch-outbox send the reminder', async () => {
  // Without SMTP_URL the composition root gives the outbox no email channel.
  expect(outboxSettings(loadConfig({}), store, {}).email).toBeNull();
  // Fixed "now": Tuesday 4 March 2025, 10:00 in Chicago, a day after the invoice fell due.
  const now = new Date('2025-03-04T16:00:00Z');
  await seedOrg(store, 'org-j', now);
  await liveConnection(store, 'org-j', now);
  const c = customerDoc('org-j', 'j1', 'Jobs Ltd', standardContacts('jobs.example'), now);
  await saveCustomer(store, c, [invoiceDoc(c, 'j1-1', 'INV-7001', '2025-03-03', 120_000, now)]);

  agenda = createAgenda(database.db, { name: 'jobs-worker', processEveryMs: 50, maxConcurrency: 5 });
  const ctx: JobContext = testServices(store, { worker: 'jobs-worker', now: () => now, outbox: { email: { transport, from: 'Northwind <ar@northwind.example>', sendEnabled: true } } });
  defineJobs(agenda, allJobs, ctx);
  await agenda.start();
  await agenda.now('plan-accounts', { customerIds: [c._id] });
  expect(await waitFor(async () => (await store.outbox.listByCustomer(c._id)).length === 1, 20_000)).toBe(true);
  await agenda.now('dispatch-outbox', {});
  expect(await waitFor(() => Promise.resolve(sink.messages.length === 1), 20_000)).toBe(true);
  expect(sink.messages[0]?.to).toEqual(['bea@jobs.example']);
  // The SMTP server accepts the message a moment before the outbox records it as sent.
  expect(await waitFor(async () => (await store.outbox.listByCustomer(c._id))[0]?.state === 'sent', 20_000)).toBe(true);
  expect(await new TaskChannel(database.db).list('org-j')).toEqual([]);
});

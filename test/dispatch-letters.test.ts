// Letters: the worker's email channel attaches the letter PDF (the documents
// module's letterAttachment, wired by emailOptionsFromConfig), and the letter's
// "mail by certified post / courier" and "fax" tasks get their 48-hour
// follow-up from the `follow-up-tasks` job, once each.
import { letterAttachment } from '../src/documents/attach.js';
import { zonedInstant } from '../src/domain/calendar.js';
import { channelOf, type DueAction, type Recipient } from '../src/engine/index.js';
import { followUpId, followUpOverdueTasks } from '../src/outbox/follow-up.js';
import { createChannels, createSmtpTransport, Dispatcher, TaskChannel, type SmtpTransport, type TaskDoc } from '../src/outbox/index.js';
import { payloadFor } from '../src/planning/payload.js';
import { emailOptionsFromConfig } from '../src/outbox/wiring.js';
import { collections, createStore, ensureIndexes, type Store } from '../src/store/store.js';
import type { CustomerDoc, InvoiceDoc } from '../src/store/types.js';
import { followUpTasks } from '../jobs/follow-up.js';
import { allJobs } from '../jobs/index.js';
import { customerDoc, invoiceDoc, liveConnection, saveCustomer, seedOrg, standardContacts } from './helpers/accounts.js';
import { openTestDatabase } from './helpers/db.js';
import { startSmtpSink, type SmtpSink } from './helpers/smtp-sink.js';

const TZ = 'America/Chicago';
const ORG = 'org-l';
const T0 = new Date('2025-01-01T00:00:00Z');
const at = (date: string, hhmm: string): Date => new Date(zonedInstant(date, hhmm, TZ));

let database: Awaited<ReturnType<typeof openTestDatabase>>;
let store: Store;
let sink: SmtpSink;
let transport: SmtpTransport;
let seq = 0;

beforeAll(async () => {
  database = await openTestDatabase('letters');
  await ensureIndexes(database.db);
  store = createStore(database.db);
  sink = await startSmtpSink();
  transport = createSmtpTransport(sink.url, { maxConnections: 2, timeoutMs: 5_000 });
  await seedOrg(store, ORG, T0, TZ);
  await liveConnection(store, ORG, T0);
});
afterAll(async () => {
  transport.close();
  await sink.close();
  await database.drop();
});

async function account(domain: string): Promise<{ c: CustomerDoc; inv: InvoiceDoc; cfo: Recipient }> {
  seq++;
  const c = customerDoc(ORG, `l${seq}`, `Letters ${seq} Ltd`, standardContacts(domain), T0, { address: '1 Main St, Springfield, IL 62701' });
  const inv = invoiceDoc(c, `li${seq}`, `INV-${9000 + seq}`, '2024-12-20', 640_000, T0);
  await saveCustomer(store, c, [inv]);
  return { c, inv, cfo: { contactId: 'c-cfo', name: 'Ann Lee', email: `ann@${domain}`, phone: '+1 555 0105', role: 'cfo', fallbackFrom: undefined } };
}

/** The final-demand level's actions, as planning would enqueue them. */
async function enqueue(c: CustomerDoc, inv: InvoiceDoc, body: DueAction, now: Date): Promise<string> {
  const created = await store.outbox.enqueue(
    { _id: body.key, orgId: ORG, customerId: c._id, channel: channelOf(body), kind: body.kind, payload: payloadFor(body, { accountName: c.displayName, explanation: 'final demand', previousContacts: 6 }), invoiceIds: [inv._id], dueAt: now },
    now,
  );
  if (!created) throw new Error(`not enqueued: ${body.key}`);
  return body.key;
}

function common(c: CustomerDoc, inv: InvoiceDoc, actionId: string, now: Date, customerFacing: boolean) {
  return { key: `${c._id}:final-demand:${actionId}:${inv._id}`, levelId: 'final-demand', levelName: 'final demand', actionId, invoiceIds: [inv._id], at: now.getTime(), customerFacing, amounts: { USD: inv.balanceMinor } };
}

const taskAction = (c: CustomerDoc, inv: InvoiceDoc, task: 'mail' | 'courier' | 'fax', cfo: Recipient, now: Date): DueAction => ({
  ...common(c, inv, task, now, false),
  kind: 'task',
  task,
  assignee: 'collector',
  person: null,
  target: cfo,
  note: undefined,
});

it('the worker wiring attaches the final-demand PDF: the SMTP sink receives it with the email', async () => {
  const options = emailOptionsFromConfig({ smtpUrl: sink.url, from: 'Northwind Collections <ar@northwind.example>', sendEnabled: true, ratePerMinute: 120, ratePerCompanyPerMinute: 30 });
  expect(options?.attachLetter).toBe(letterAttachment);
  if (!options) throw new Error('no email options');
  const now = at('2025-03-06', '10:00');
  const { c, inv, cfo } = await account('demand.example');
  const key = await enqueue(c, inv, { ...common(c, inv, 'letter', now, true), kind: 'letter', letter: 'finalDemand', template: 'final-demand', to: cfo, cc: [], responseBy: '2025-03-20', personalGuarantee: false }, now);
  const stats = await new Dispatcher(store, { worker: 'w-letters', now: () => now, channels: createChannels(database.db, { ...options, transport }) }).runOnce();
  expect(stats).toMatchObject({ sent: 1 });
  const [m] = sink.messages.filter((x) => x.headers.get('x-overdue-key') === key);
  expect(m?.to).toEqual(['ann@demand.example']);
  expect(m?.raw).toMatch(/Content-Type: application\/pdf; name=.*\.pdf/);
  expect(m?.raw).toMatch(/Content-Disposition: attachment; filename=.*\.pdf/);
  // The attachment is a real PDF (base64 of "%PDF-").
  expect(m?.raw).toContain('JVBERi0');
});

it('mail, courier and fax tasks not done 48 hours on get one follow-up task each for the collector, audited', async () => {
  const sentAt = at('2025-03-06', '10:00');
  const { c, inv, cfo } = await account('follow.example');
  const keys = {
    mail: await enqueue(c, inv, taskAction(c, inv, 'mail', cfo, sentAt), sentAt),
    courier: await enqueue(c, inv, taskAction(c, inv, 'courier', cfo, sentAt), sentAt),
    fax: await enqueue(c, inv, taskAction(c, inv, 'fax', cfo, sentAt), sentAt),
  };
  await new Dispatcher(store, { worker: 'w-letters', now: () => sentAt, channels: createChannels(database.db, null) }).runOnce();
  const tasks = new TaskChannel(database.db);
  const mine = async () => (await tasks.list(ORG)).filter((t) => t.customerId === c._id);
  expect((await mine()).map((t) => [t.kind, t.followUpAt?.toISOString()])).toEqual(
    expect.arrayContaining([
      ['mail', new Date(sentAt.getTime() + 48 * 3_600_000).toISOString()],
      ['courier', new Date(sentAt.getTime() + 48 * 3_600_000).toISOString()],
      ['fax', new Date(sentAt.getTime() + 48 * 3_600_000).toISOString()],
    ]),
  );
  // The fax was confirmed (done) in time; the mail and the courier letter were not.
  await database.db.collection<TaskDoc>(collections.tasks).updateOne({ _id: keys.fax }, { $set: { status: 'done' } });

  expect(allJobs).toContain(followUpTasks);
  const hoursLater = (h: number): Date => new Date(sentAt.getTime() + h * 3_600_000);
  expect(await followUpOverdueTasks(store, 'w-follow', hoursLater(47))).toEqual({ due: 0, created: 0 }); // not yet 48 h

  // Two workers run the hourly job at once: each task is followed up once.
  const [a, b] = await Promise.all([followUpOverdueTasks(store, 'w-follow', hoursLater(49)), followUpOverdueTasks(store, 'w-follow-2', hoursLater(49))]);
  expect(a.created + b.created).toBe(2);
  expect(await followUpOverdueTasks(store, 'w-follow', hoursLater(50))).toEqual({ due: 0, created: 0 });
  const followUps = (await mine()).filter((t) => t.kind === 'follow-up');
  expect(followUps.map((t) => t._id).sort()).toEqual([followUpId(keys.courier), followUpId(keys.mail)].sort());
  expect(followUps.map((t) => t.title).sort()).toEqual([
    `courier letter to Ann Lee for ${c.displayName} not confirmed after 48 h`,
    `letter by certified post to Ann Lee for ${c.displayName} not confirmed after 48 h`,
  ]);
  expect(followUps.every((t) => t.assignee.role === 'collector' && t.status === 'open')).toBe(true);
  const trail = (await store.audit.list(c._id)).filter((e) => e.action === 'task.follow-up');
  expect(trail.map((e) => e.outcome).sort()).toEqual(followUps.map((t) => t.title).sort());
});

it('a follow-up whose worker died between its claim and its writes is stored by a later run', async () => {
  const sentAt = at('2025-03-06', '10:00');
  const { c, inv, cfo } = await account('dead-follow.example');
  const key = await enqueue(c, inv, taskAction(c, inv, 'courier', cfo, sentAt), sentAt);
  await new Dispatcher(store, { worker: 'w-letters', now: () => sentAt, channels: createChannels(database.db, null) }).runOnce();
  const hoursLater = (h: number): Date => new Date(sentAt.getTime() + h * 3_600_000);
  expect(await store.claims.take(followUpId(key), 'died', hoursLater(49))).toBe(true);
  expect(await followUpOverdueTasks(store, 'w-follow', hoursLater(49))).toEqual({ due: 1, created: 0 }); // maybe still at work
  expect(await followUpOverdueTasks(store, 'w-follow', hoursLater(50))).toEqual({ due: 1, created: 1 }); // an hour on: it died
  const tasks = (await new TaskChannel(database.db).list(ORG)).filter((t) => t.customerId === c._id && t.kind === 'follow-up');
  expect(tasks.map((t) => t.title)).toEqual([`courier letter to Ann Lee for ${c.displayName} not confirmed after 48 h`]);
  expect(await followUpOverdueTasks(store, 'w-follow', hoursLater(51))).toEqual({ due: 0, created: 0 });
});

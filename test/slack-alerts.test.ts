// People see failures in Slack (issue #6 §2) and letter follow-ups reach the
// collector: a customer email refused by the mail server → the dispatcher
// records the bounce and stores one alert task → slack-deliver DMs the
// collector (what failed, to whom, the error, the next contact); a permanent
// failure without a bounce likewise; a courier letter not confirmed after 48 h
// → a follow-up DM with *Done*, which closes it and the letter task once
// (two simultaneous clicks), audited, the message updated in place.
import { zonedInstant } from '../src/domain/calendar.js';
import { alertIdOf, storeAlert, type AlertTaskDoc } from '../src/outbox/alerts.js';
import { followUpId, followUpOverdueTasks } from '../src/outbox/follow-up.js';
import { createChannels, createSmtpTransport, Dispatcher, type SmtpTransport } from '../src/outbox/index.js';
import type { TaskDoc } from '../src/outbox/task-channel.js';
import { collections } from '../src/store/store.js';
import type { CustomerDoc, InvoiceDoc } from '../src/store/types.js';
import { actionIds } from '../slack/ids.js';
import { deliverOpenTasks } from '../slack/services/deliver.js';
import { customerDoc, invoiceDoc, liveConnection, saveCustomer, standardContacts } from './helpers/accounts.js';
import { startSmtpSink, type SmtpSink } from './helpers/smtp-sink.js';
import { expectFixture } from './sandbox/slack/fixtures.js';
import { ORG, seedAcme, seedPeople, SIGNING_SECRET, startHarness, users, waitFor, type Harness } from './sandbox/slack/harness.js';
import { blockAction, sendInteraction } from './sandbox/slack/signed.js';

const T0 = new Date('2025-03-01T15:00:00Z');
const at = (date: string, hhmm: string): Date => new Date(zonedInstant(date, hhmm, 'America/Chicago'));

describe('Slack: failures and follow-ups reach the collector', () => {
  let h: Harness;
  let sink: SmtpSink;
  let transport: SmtpTransport;
  let seq = 0;

  beforeAll(async () => {
    h = await startHarness('slackalerts', T0, { replan: () => Promise.resolve() });
    await seedPeople(h);
    await seedAcme(h); // the organisation
    await liveConnection(h.store, ORG, T0);
    sink = await startSmtpSink();
    transport = createSmtpTransport(sink.url, { maxConnections: 1, timeoutMs: 5_000 });
  });
  afterAll(async () => {
    transport.close();
    await sink.close();
    await h.stop();
  });

  const dispatcher = (now: Date) =>
    new Dispatcher(h.store, { worker: 'w1', now: () => now, channels: createChannels(h.store.db, { transport, from: 'Northwind Collections <ar@northwind.example>', sendEnabled: true }, { store: h.store }) });

  async function account(domain: string): Promise<{ c: CustomerDoc; inv: InvoiceDoc }> {
    seq++;
    const c = customerDoc(ORG, `al${seq}`, `Alert Customer ${seq}`, standardContacts(domain), T0);
    const inv = invoiceDoc(c, `ali${seq}`, `INV-${7000 + seq}`, '2025-03-03', 250_000, T0);
    await saveCustomer(h.store, c, [inv]);
    return { c, inv };
  }
  const alerts = () => h.store.db.collection<AlertTaskDoc>(collections.tasks).find({ kind: 'alert' }).toArray();

  it('a bounced customer email: one alert task, DMed to the collector with the error and the next contact', async () => {
    const { c } = await account('bounce.example');
    sink.refuse.add('bea@bounce.example');
    const key = (await h.planner.plan(c._id, at('2025-03-04', '08:00'))).enqueued[0] ?? '';
    expect(await dispatcher(at('2025-03-04', '09:00')).runOnce()).toMatchObject({ failed: 1, bounced: 1 });
    sink.refuse.clear();
    const stored = await alerts();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ _id: alertIdOf(key), customerId: c._id, status: 'open', alert: { outboxKey: key, bounced: ['bea@bounce.example'], failed: true, to: 'Bea Billing <bea@bounce.example>' } });

    h.clock.now = at('2025-03-04', '09:01');
    expect(await deliverOpenTasks(h.slack.services)).toEqual({ delivered: 1, skipped: 0, failed: [] });
    expect(await deliverOpenTasks(h.slack.services)).toEqual({ delivered: 0, skipped: 0, failed: [] });
    const posts = h.sandbox.callsOf('chat.postMessage');
    expect(posts.map((p) => p.args['channel'])).toEqual(['D0COL0001']);
    const text = JSON.stringify(posts[0]?.args['blocks']);
    expect(text).toContain('bea@bounce.example');
    expect(text).toContain('550');
    expect(text).toContain('The ladder moves on to Al Payable');
    expectFixture('alert-bounced', JSON.parse(JSON.stringify(posts[0]?.args['blocks']).replace(/"\*Error\*\\n[^"]*"/, '"*Error*\\n(the sink\'s 550 answer)"')));
    expect((await h.store.db.collection<AlertTaskDoc>(collections.tasks).findOne({ _id: alertIdOf(key) }))?.status).toBe('delivered');
    expect((await h.store.audit.list(c._id)).filter((e) => e.action === 'slack.alert_delivered')).toHaveLength(1);
  });

  it('a permanent failure without a bounce is shown too; the same entry failing again stores no second alert', async () => {
    const { c } = await account('broken.example');
    const key = (await h.planner.plan(c._id, at('2025-03-04', '08:00'))).enqueued[0] ?? '';
    expect(key).not.toBe('');
    // An unreadable payload fails for good at dispatch.
    await h.store.db.collection(collections.outbox).updateOne({ _id: key as never }, { $set: { 'payload.action.kind': 'email', 'payload.action.to': { contactId: 'c-billing', name: 'Bea Billing', email: 'bea@broken.example', role: 'billing' }, 'payload.action.cc': 'not a list' } });
    expect(await dispatcher(at('2025-03-04', '09:00')).runOnce()).toMatchObject({ failed: 1 });
    // Unreadable: not customer-facing as far as the dispatcher can tell → no alert (it cannot say what it was).
    expect((await alerts()).filter((a) => a.customerId === c._id)).toHaveLength(0);

    const { c: c2 } = await account('fivexx.example');
    const key2 = (await h.planner.plan(c2._id, at('2025-03-04', '08:00'))).enqueued[0] ?? '';
    sink.failNext = 1_000; // every attempt answered 5xx
    const d = new Dispatcher(h.store, {
      worker: 'w1', now: () => at('2025-03-04', '09:00'), retry: { attempts: 1, baseMs: 0, maxMs: 0 },
      channels: createChannels(h.store.db, { transport, from: 'Northwind Collections <ar@northwind.example>', sendEnabled: true }, { store: h.store }),
    });
    expect(await d.runOnce()).toMatchObject({ failed: 1 });
    sink.failNext = 0;
    const mine = (await alerts()).filter((a) => a.customerId === c2._id);
    expect(mine.map((a) => [a._id, a.alert.failed, a.alert.bounced])).toEqual([[alertIdOf(key2), true, []]]);
    const again = mine[0];
    if (!again) throw new Error('no alert');
    expect(await storeAlert(h.store.db, { orgId: ORG, customerId: c2._id, accountName: c2.displayName, invoiceIds: [], details: again.alert, now: at('2025-03-05', '09:00') })).toBe(false);
    expect((await alerts()).filter((a) => a.customerId === c2._id)).toHaveLength(1);
    h.clock.now = at('2025-03-04', '09:02');
    expect((await deliverOpenTasks(h.slack.services)).delivered).toBe(1);
    const last = h.sandbox.callsOf('chat.postMessage').at(-1);
    expect(JSON.stringify(last?.args['blocks'])).toContain('The send is not retried');
  });

  it('a courier letter not confirmed after 48 h: a follow-up DM with Done, closed once under two clicks, audited, updated in place', async () => {
    const acme = (await h.store.customers.listByOrg(ORG)).find((x) => x.displayName === 'Acme Industrial');
    if (!acme) throw new Error('no Acme');
    const sentAt = at('2025-03-10', '10:00');
    const letterTask: TaskDoc = {
      _id: `${acme._id}:final-demand:courier`, orgId: ORG, customerId: acme._id, accountName: acme.displayName, kind: 'courier',
      assignee: { role: 'collector', id: null, name: null }, title: 'courier task', invoiceIds: [], dueAt: sentAt, followUpAt: new Date(sentAt.getTime() + 48 * 3_600_000),
      // Delivered to the collector when it was stored (letter tasks are DMed too: test/slack-mailed-demand.test.ts).
      status: 'delivered',
      action: {
        kind: 'task', task: 'courier', assignee: 'collector', person: null, target: { contactId: 'c-cfo', name: 'Ann Lee', email: 'ann@acme.example', role: 'cfo' },
        key: 'k', levelId: 'final-demand', levelName: 'final demand', actionId: 'courier', invoiceIds: [], at: sentAt.getTime(), customerFacing: false, amounts: {},
      },
      createdAt: sentAt,
    };
    await h.store.db.collection<TaskDoc>(collections.tasks).insertOne(letterTask);
    const later = at('2025-03-12', '11:00');
    expect(await followUpOverdueTasks(h.store, 'w1', later)).toMatchObject({ created: 1 });
    h.clock.now = later;
    const before = h.sandbox.callsOf('chat.postMessage').length;
    expect((await deliverOpenTasks(h.slack.services)).delivered).toBe(1);
    const post = h.sandbox.callsOf('chat.postMessage')[before];
    expect(post?.args['channel']).toBe('D0COL0001');
    expectFixture('follow-up', post?.args['blocks']);
    const dm = [...h.sandbox.messages.values()].filter((m) => m.channel === 'D0COL0001').pop();
    if (!dm) throw new Error('no DM');

    // Someone who is not a collector cannot close it.
    await sendInteraction(h.endpoint, SIGNING_SECRET, blockAction({ userId: users.rep.id }, { actionId: actionIds.taskDone, value: followUpId(letterTask._id), channel: dm.channel, ts: dm.ts }));
    await waitFor('the rep is told', () => h.sandbox.callsOf('chat.postEphemeral').find((c) => c.args['user'] === users.rep.id));
    const click = () => sendInteraction(h.endpoint, SIGNING_SECRET, blockAction({ userId: users.collector.id }, { actionId: actionIds.taskDone, value: followUpId(letterTask._id), channel: dm.channel, ts: dm.ts }));
    const [a, b] = await Promise.all([click(), click()]);
    expect([a.status, b.status]).toEqual([200, 200]);
    await waitFor('the message shows it done', () => h.sandbox.callsOf('chat.update').length === 1 && h.sandbox.callsOf('chat.postEphemeral').some((c) => c.args['user'] === users.collector.id));
    expectFixture('follow-up-done', h.sandbox.callsOf('chat.update')[0]?.args['blocks']);
    const tasks = h.store.db.collection<TaskDoc>(collections.tasks);
    expect((await tasks.findOne({ _id: followUpId(letterTask._id) }))?.status).toBe('done');
    expect((await tasks.findOne({ _id: letterTask._id }))?.status).toBe('done');
    const done = (await h.store.audit.list(acme._id)).filter((e) => e.action === 'task.done');
    expect(done.map((e) => [e.actor.id, e.outcome])).toEqual([[users.collector.email, 'courier letter to Ann Lee for Acme Industrial not confirmed after 48 h: marked done']]);
  });
});

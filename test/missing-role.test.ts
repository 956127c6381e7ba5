// A missing role is a task (issue 16 §4): the written warning is for the
// controller and the customer has none on file. The plan asks the collector to
// find one (one task per level and role, however often it is planned), Slack
// DMs the collector "Find a controller contact for …", the letter waits 5
// business days, then goes to the nearest lower contact — never silently: the
// decision, the timeline and the audit's sent line all say so.
import { zonedInstant } from '../src/domain/calendar.js';
import { createChannels, createSmtpTransport, Dispatcher, type SmtpTransport } from '../src/outbox/index.js';
import type { TaskDoc } from '../src/outbox/task-channel.js';
import { collections } from '../src/store/store.js';
import { deliverOpenTasks } from '../slack/services/deliver.js';
import { customerDoc, invoiceDoc, liveConnection, saveCustomer, standardContacts } from './helpers/accounts.js';
import { startSmtpSink, type SmtpSink } from './helpers/smtp-sink.js';
import { ORG, seedAcme, seedPeople, startHarness, type Harness } from './sandbox/slack/harness.js';

const T0 = new Date('2025-03-01T15:00:00Z');
const at = (date: string, hhmm: string): Date => new Date(zonedInstant(date, hhmm, 'America/Chicago'));

describe('a missing role: a task for the collector, a wait, then a stated fallback', () => {
  let h: Harness;
  let sink: SmtpSink;
  let transport: SmtpTransport;

  beforeAll(async () => {
    h = await startHarness('missingrole', T0, { replan: () => Promise.resolve() });
    await seedPeople(h);
    await seedAcme(h);
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

  it('asks the collector once in Slack, waits 5 business days, then sends to the nearest lower contact and says so', async () => {
    // Billing and AP only: no AP manager, controller or CFO.
    const contacts = standardContacts('norole.example').filter((c) => c.roles.includes('billing') || c.roles.includes('ap'));
    const c = customerDoc(ORG, 'mr1', 'Roleless Retail', contacts, T0);
    await saveCustomer(h.store, c, [invoiceDoc(c, 'mri1', 'INV-8001', '2025-01-02', 250_000, T0)]);

    // Tue 4 Mar 2025: 61 days past due, the written warning is due; its letter is for the controller.
    const first = await h.planner.plan(c._id, at('2025-03-04', '08:00'));
    expect(first.decision?.level.id).toBe('written-warning');
    expect(first.decision?.actions.some((x) => x.kind === 'letter')).toBe(false);
    expect(first.decision?.explanation).toContain('no reachable controller contact: the written warning waits for one until 11 Mar 2025 (find-contact task for the collector)');
    const findKey = `${encodeURIComponent(c._id)}:written-warning:find-contact.controller`;
    expect(first.enqueued).toContain(findKey);
    await dispatcher(at('2025-03-04', '09:00')).runOnce();
    const task = await h.store.db.collection<TaskDoc>(collections.tasks).findOne({ _id: findKey });
    expect(task).toMatchObject({ kind: 'find-contact', title: 'Find a controller contact for Roleless Retail: the written warning waits for one until 11 Mar 2025' });

    h.clock.now = at('2025-03-04', '09:05');
    const delivered = await deliverOpenTasks(h.slack.services);
    expect(delivered.failed).toEqual([]);
    const posts = h.sandbox.callsOf('chat.postMessage').filter((p) => JSON.stringify(p.args['blocks']).includes('Find a contact'));
    expect(posts).toHaveLength(1);
    expect(posts[0]?.args['channel']).toBe('D0COL0001');
    expect(String(posts[0]?.args['text'])).toBe('Find a controller contact for Roleless Retail: the written warning waits for one until 11 Mar 2025');
    expect((await h.store.audit.list(c._id)).filter((e) => e.action === 'slack.find_contact_delivered')).toHaveLength(1);

    // Planned again during the wait: no letter, no second task.
    for (const day of ['2025-03-05', '2025-03-10']) {
      const again = await h.planner.plan(c._id, at(day, '08:00'));
      expect(again.enqueued.filter((k) => k.includes('find-contact') || k.includes(':letter:'))).toEqual([]);
      expect(again.decision?.explanation).toContain('waits for one until 11 Mar 2025');
    }

    // Tue 11 Mar: nobody higher (no CFO, no owner): the nearest lower contact, AP, and it is said everywhere.
    const after = await h.planner.plan(c._id, at('2025-03-11', '08:00'));
    const letter = after.decision?.actions.find((x) => x.kind === 'letter');
    expect(letter?.kind === 'letter' && [letter.to.contactId, letter.to.fallbackFrom, letter.to.fallbackNote]).toEqual(['c-ap', 'controller', 'no controller contact after 5 business days: sent to the AP']);
    expect(after.decision?.explanation).toContain('the written warning: no controller contact after 5 business days: sent to the AP (Al Payable)');
    const enqueued = (await h.store.audit.list(c._id)).find((e) => e.action === 'outbox.enqueued' && e.outcome?.includes('the written warning goes to'));
    expect(enqueued?.outcome).toContain('[no controller contact after 5 business days: sent to the AP]');
    await dispatcher(at('2025-03-11', '09:00')).runOnce();
    const sent = (await h.store.audit.list(c._id)).find((e) => e.action === 'outbox.sent' && e.outcome?.startsWith('written warning'));
    expect(sent?.outcome).toContain('sent to Al Payable <al@norole.example> (no controller contact after 5 business days: sent to the AP)');
  });
});

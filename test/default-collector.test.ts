// The organisation's default collector (the assignments import's `*` row) stands in for a customer
// without its own collector everywhere the account's collector is read: the rule itself
// (collectorEmailOf), a credit-hold proposal DMed in Slack, the collector's contact in a letter and
// the email's Reply-To.
import type Mail from 'nodemailer/lib/mailer/index.js';
import { letterAttachment } from '../src/documents/attach.js';
import { EmailChannel } from '../src/outbox/email-channel.js';
import { collectorEmailOf } from '../src/planning/collector.js';
import type { TaskDoc } from '../src/outbox/task-channel.js';
import { collections } from '../src/store/store.js';
import type { CustomerDoc, InvoiceDoc } from '../src/store/types.js';
import { deliverOpenTasks } from '../slack/services/deliver.js';
import { pdfText, squash } from './documents.helpers.js';
import { customerDoc, invoiceDoc, saveCustomer, standardContacts } from './helpers/accounts.js';
import { ORG, seedAcme, seedPeople, startHarness, users, type Harness } from './sandbox/slack/harness.js';

const DEFAULT = users.approver2;
const withDefault = { settings: { assignments: { defaultCollectorEmail: DEFAULT.email } } };

function withoutCollector(c: CustomerDoc): CustomerDoc {
  const copy = { ...c };
  delete copy.collectorEmail;
  return copy;
}

describe('collectorEmailOf', () => {
  const now = new Date('2025-05-01T15:00:00Z');
  const own = customerDoc(ORG, '1', 'Own Collector Co', [], now);
  const none = withoutCollector(own);

  it('prefers the customer’s own collector, else the organisation’s default, else none', () => {
    expect(collectorEmailOf(own, withDefault)).toBe('cole.lector@northwind.example');
    expect(collectorEmailOf(none, withDefault)).toBe(DEFAULT.email);
    expect(collectorEmailOf(none, { settings: {} })).toBeUndefined();
    expect(collectorEmailOf(none, null)).toBeUndefined();
    expect(collectorEmailOf(none, { settings: { assignments: { defaultCollectorEmail: 'not an email' } } })).toBeUndefined();
  });
});

describe('the default collector in Slack and in letters', () => {
  let h: Harness;
  let orphan: CustomerDoc;

  beforeAll(async () => {
    h = await startHarness('defaultcollector', new Date('2025-05-01T15:00:00Z'));
    await seedPeople(h);
    await seedAcme(h); // seeds the organisation
    await h.store.organisations.setSettings(ORG, withDefault.settings, h.clock.now);
    orphan = withoutCollector(customerDoc(ORG, '77', 'Orphan Traders', standardContacts('orphan.example'), h.clock.now));
    await saveCustomer(h.store, orphan, [invoiceDoc(orphan, '7701', 'INV-7701', '2025-03-04', 500_000, h.clock.now)]);
  });
  afterAll(async () => {
    await h.stop();
  });

  it('DMs a hold proposal for a customer without a collector to the default collector', async () => {
    const task: TaskDoc = {
      _id: `${orphan._id}:written-warning:hold`, orgId: ORG, customerId: orphan._id, accountName: orphan.displayName, kind: 'credit-hold',
      assignee: { role: 'collector', id: null, name: null }, title: 'credit hold proposed', invoiceIds: [], dueAt: h.clock.now, status: 'open', createdAt: h.clock.now,
      action: { kind: 'creditHold', mode: 'propose', approval: null, key: 'k', levelId: 'written-warning', levelName: 'written warning', actionId: 'hold', invoiceIds: [], at: h.clock.now.getTime(), customerFacing: false, amounts: {} },
    };
    await h.store.db.collection<TaskDoc>(collections.tasks).insertOne(task);
    expect((await deliverOpenTasks(h.slack.services)).delivered).toBe(1);
    expect(h.sandbox.callsOf('conversations.open').map((c) => c.args['users'])).toEqual([DEFAULT.id]);
    const post = h.sandbox.callsOf('chat.postMessage')[0];
    expect(post?.args['channel']).toBe(`D${DEFAULT.id.replace(/^U/, '')}`);
    expect(JSON.stringify(post?.args['blocks'])).toContain('Orphan Traders');
  });

  it('names the default collector’s email in a letter for that customer, and answers to them by email', async () => {
    const org = await h.store.organisations.get(ORG);
    if (!org) throw new Error('no organisation');
    // The customer's invoices (by its ledger key: invoice documents carry no customerId; reading by one found none and
    // drew a letter demanding $0.00, which the letter builder now refuses).
    const invs = await h.store.db.collection<InvoiceDoc>(collections.invoices).find({ provider: orphan.provider, companyId: orphan.companyId, customerExternalId: orphan.externalId }).toArray();
    expect(invs.length).toBeGreaterThan(0);
    const to = { contactId: 'c-cfo', name: 'Ann Lee', email: 'ann@orphan.example', role: 'cfo' };
    const now = h.clock.now;
    const action = { key: 'k', levelId: 'final-demand', levelName: 'Final demand', actionId: 'letter', invoiceIds: ['x'], at: now.getTime(), customerFacing: true, amounts: { USD: 500_000 }, kind: 'letter' as const, letter: 'finalDemand' as const, template: 'final-demand', to, cc: [], responseBy: '2025-05-15', personalGuarantee: false };
    const entry = { _id: 'k', orgId: ORG, customerId: orphan._id, channel: 'email' as const, kind: 'letter', payload: {}, invoiceIds: action.invoiceIds, state: 'sending' as const, attempts: 1, dueAt: now, nextAttemptAt: now, createdAt: now, updatedAt: now };
    const att = await letterAttachment({ entry, action, accountName: orphan.displayName, customer: orphan, org, invoices: invs, now, previousContacts: 3 });
    const text = squash(await pdfText(att?.content as Buffer));
    expect(text).toContain(`Email: ${DEFAULT.email}`);

    // The same letter by email answers to the default collector (Reply-To).
    const sent: Mail.Options[] = [];
    const transport = { sendMail: (m: Mail.Options) => (sent.push(m), Promise.resolve({ messageId: '<m@sink>', rejected: [], response: '250 ok' })) };
    const channel = new EmailChannel({ transport, from: 'Northwind Collections <ar@northwind.example>', sendEnabled: true });
    expect((await channel.send({ entry, action, accountName: orphan.displayName, customer: orphan, org, invoices: invs, now, previousContacts: 3 })).ok).toBe(true);
    expect(sent.map((m) => m.replyTo)).toEqual([DEFAULT.email]);
  });
});

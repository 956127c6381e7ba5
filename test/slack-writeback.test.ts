// Credit holds written back to the accounting platform, end to end: a collector
// places a hold through signed Slack requests, the outbox entry
// writeback:<hold>:placed is dispatched through the write-back channel to the
// QuickBooks sandbox (customer Notes) and the Xero sandbox (contact history),
// even when the invoices were paid meanwhile; the note appears once even when the entry is carried out again; lifting the
// hold writes a second line.
import type { Store } from '../src/store/store.js';
import { collections } from '../src/store/store.js';
import type { CustomerDoc, OutboxEntryDoc } from '../src/store/types.js';
import { createChannels, Dispatcher, WritebackChannel, type CustomerNoteWriter } from '../src/outbox/index.js';
import { parsePayload } from '../src/planning/payload.js';
import type { TaskDoc } from '../src/outbox/task-channel.js';
import { actionIds, inputIds, viewIds } from '../slack/ids.js';
import { deliverOpenTasks } from '../slack/services/deliver.js';
import { writebackKey } from '../slack/services/effects.js';
import { holdIdOf } from '../slack/services/holds.js';
import { seedOrg } from './helpers/accounts.js';
import { REALM, connId as qbConn, startQuickBooks } from './connectors/quickbooks/harness.js';
import { TENANT_A, connA, startXero } from './connectors/xero/harness.js';
import { ORG, seedPeople, SIGNING_SECRET, startHarness, users, waitFor, type Harness } from './sandbox/slack/harness.js';
import { blockAction, sendInteraction, viewSubmission } from './sandbox/slack/signed.js';

interface Platform {
  provider: 'quickbooks' | 'xero';
  store: Store;
  connector: CustomerNoteWriter;
  connect(): Promise<{ status: number }>;
  fullSync(): Promise<unknown>;
  notes(externalId: string): string;
  close(): Promise<void>;
}

async function quickbooks(): Promise<Platform> {
  const q = await startQuickBooks('slackwbqb', { customers: 3, openInvoices: 6 });
  const company = q.sandbox.company(REALM);
  return {
    provider: 'quickbooks', store: q.store, connector: q.connector,
    connect: () => q.connect(ORG),
    fullSync: () => q.connector.fullSync(qbConn),
    notes: (id) => String(company.records.Customer.get(id)?.Notes ?? ''),
    close: () => q.close(),
  };
}

async function xero(): Promise<Platform> {
  const x = await startXero('slackwbxero', { a: { contacts: 3, openInvoices: 6 } });
  const tenant = x.sandbox.tenant(TENANT_A);
  return {
    provider: 'xero', store: x.store, connector: x.connector,
    connect: () => x.connect(ORG),
    fullSync: () => x.connector.fullSync(connA),
    notes: (id) => (tenant.history.get(id) ?? []).map((e) => e.Details).join('\n'),
    close: () => x.close(),
  };
}

describe.each([
  ['QuickBooks', quickbooks],
  ['Xero', xero],
])('Slack credit hold written back to %s', (_name, start) => {
  let p: Platform;
  let h: Harness;
  let customer: CustomerDoc;
  let task: TaskDoc;
  let dm: { channel: string; ts: string };

  beforeAll(async () => {
    p = await start();
    await seedOrg(p.store, ORG, new Date());
    expect((await p.connect()).status).toBe(200);
    await p.fullSync();
    const found = await p.store.db.collection<CustomerDoc>(collections.customers).findOne({ orgId: ORG });
    if (!found) throw new Error('the sync saved no customer');
    customer = { ...found, collectorEmail: users.collector.email };
    await p.store.db.collection<CustomerDoc>(collections.customers).updateOne({ _id: found._id }, { $set: { collectorEmail: users.collector.email } });
    // Re-planning is the worker's (plan-requested): only the write-back entries should reach this dispatcher.
    h = await startHarness('unused', new Date(), { store: p.store, replan: () => Promise.resolve() });
    await seedPeople(h);
    task = {
      _id: `${customer._id}:written-warning:hold`, orgId: ORG, customerId: customer._id, accountName: customer.displayName, kind: 'credit-hold',
      assignee: { role: 'collector', id: null, name: null }, title: 'credit hold proposed', invoiceIds: [], dueAt: h.clock.now, status: 'open', createdAt: h.clock.now,
      action: { kind: 'creditHold', mode: 'propose', approval: null, key: 'k', levelId: 'written-warning', levelName: 'written warning', actionId: 'hold', invoiceIds: [], at: h.clock.now.getTime(), customerFacing: false, amounts: {} },
    };
    await p.store.db.collection<TaskDoc>(collections.tasks).insertOne(task);
    expect((await deliverOpenTasks(h.slack.services)).delivered).toBe(1);
    const m = [...h.sandbox.messages.values()][0];
    if (!m) throw new Error('no hold message');
    dm = { channel: m.channel, ts: m.ts };
  });
  afterAll(async () => {
    await h.stop();
    await p.close();
  });

  const dispatch = () =>
    new Dispatcher(p.store, { worker: 'w1', channels: createChannels(p.store.db, null, { store: p.store, connectors: { [p.provider]: p.connector } }) }).runOnce();

  async function submitReason(actionId: string, callbackId: string, reason: string): Promise<void> {
    const opened = h.sandbox.callsOf('views.open').length;
    expect((await sendInteraction(h.endpoint, SIGNING_SECRET, blockAction({ userId: users.collector.id }, { actionId, value: task._id, ...dm }))).status).toBe(200);
    const view = (await waitFor('views.open', () => h.sandbox.callsOf('views.open')[opened])).args['view'] as Record<string, unknown>;
    const values = { [inputIds.reason.block]: { [inputIds.reason.action]: { type: 'plain_text_input', value: reason } } };
    expect((await sendInteraction(h.endpoint, SIGNING_SECRET, viewSubmission({ userId: users.collector.id }, { callbackId, privateMetadata: String(view['private_metadata']), values }))).status).toBe(200);
  }

  it('placing the hold in Slack writes one note on the customer, even when the entry is carried out again', async () => {
    await submitReason(actionIds.placeHold, viewIds.placeHold, '75 days past due, no answer');
    const key = writebackKey(holdIdOf(task._id), 'placed');
    const entry = await waitFor('the write-back entry', () => p.store.outbox.get(key));
    expect(entry).toMatchObject({ channel: 'writeback', kind: 'writeback', state: 'pending', customerId: customer._id });
    expect(p.notes(customer.externalId)).not.toMatch(/Credit hold/);

    // The customer pays everything before the dispatcher runs: the write-back records a decision and goes out anyway.
    await p.store.db.collection(collections.invoices).updateMany({ provider: p.provider, customerExternalId: customer.externalId }, { $set: { status: 'paid', balanceMinor: 0 } });
    const stats = await dispatch();
    expect(stats).toMatchObject({ sent: 1, failed: 0, retried: 0 });
    expect(p.notes(customer.externalId).match(/Credit hold placed by Cole Lector: 75 days past due, no answer/g)).toHaveLength(1);
    const hold = await p.store.db.collection(collections.creditHolds).findOne({ _id: holdIdOf(task._id) as never });
    expect(hold?.['writtenBackAt']).toBeInstanceOf(Date);
    const sent = (await p.store.audit.list(customer._id)).filter((e) => e.action === 'outbox.sent' && e.details?.['key'] === key);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.outcome).toBe('credit hold placed written back to the accounting platform: Credit hold placed by Cole Lector: 75 days past due, no answer');

    // A worker that wrote the note and died before recording it: the entry is carried out a second time.
    const again = await p.store.outbox.get(key);
    if (!again) throw new Error('entry gone');
    const parsed = parsePayload(again.payload);
    if (!parsed.ok) throw new Error(parsed.problem);
    const org = await p.store.organisations.get(ORG);
    const retry = await new WritebackChannel({ connectors: { [p.provider]: p.connector } }).send({ entry: again, action: parsed.payload.action, accountName: customer.displayName, customer, org, invoices: [], now: new Date(), previousContacts: 0 });
    expect(retry.ok).toBe(true);
    expect(p.notes(customer.externalId).match(/Credit hold placed/g)).toHaveLength(1);
    expect((await dispatch()).claimed).toBe(0);
  });

  it('lifting the hold writes a second line', async () => {
    await submitReason(actionIds.liftHold, viewIds.liftHold, 'Paid in full');
    await waitFor('the lift entry', () => p.store.outbox.get(writebackKey(holdIdOf(task._id), 'lifted')));
    expect((await dispatch()).sent).toBe(1);
    const notes = p.notes(customer.externalId);
    expect(notes.match(/Credit hold placed/g)).toHaveLength(1);
    expect(notes.match(/Credit hold lifted by Cole Lector: Paid in full/g)).toHaveLength(1);
    const entries = await p.store.db.collection<OutboxEntryDoc>(collections.outbox).find({ channel: 'writeback' }).toArray();
    expect(entries.map((e) => e.state)).toEqual(['sent', 'sent']);
  });
});

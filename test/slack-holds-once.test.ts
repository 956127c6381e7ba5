// Two credit-hold proposals for one account (the 'up the ladder' proposal and the
// written warning's), placed from Slack at the same moment by two people: one hold
// goes active, one credit_hold.placed is audited, one announcement goes out; the
// other person is told the account is already on hold and their proposal says so
// (no second hold). A third proposal placed later is answered the same way. Each
// refusal is audited once (credit_hold.refused: who tried, the hold in place) and
// leaves no hold record proposed or pending approval.
import type { TaskDoc } from '../src/outbox/task-channel.js';
import { collections } from '../src/store/store.js';
import type { CreditHoldDoc, CustomerDoc } from '../src/store/types.js';
import { actionIds, inputIds, viewIds } from '../slack/ids.js';
import { deliverOpenTasks } from '../slack/services/deliver.js';
import { holdIdOf } from '../slack/services/holds.js';
import { ORG, seedAcme, seedPeople, SIGNING_SECRET, startHarness, users, waitFor, type Harness } from './sandbox/slack/harness.js';
import { blockAction, sendInteraction, viewSubmission } from './sandbox/slack/signed.js';

describe('Slack: one credit hold per account', () => {
  let h: Harness;
  let acme: CustomerDoc;
  const tasks: TaskDoc[] = [];
  const dms = new Map<string, { channel: string; ts: string }>();

  const taskFor = (levelId: string, levelName: string, mode: 'propose' | 'place'): TaskDoc => ({
    _id: `${acme._id}:${levelId}:hold`, orgId: ORG, customerId: acme._id, accountName: acme.displayName, kind: 'credit-hold',
    assignee: { role: 'collector', id: null, name: null }, title: 'credit hold proposed', invoiceIds: [], dueAt: h.clock.now, status: 'open', createdAt: h.clock.now,
    action: { kind: 'creditHold', mode, approval: null, key: `k-${levelId}`, levelId, levelName, actionId: 'hold', invoiceIds: [], at: h.clock.now.getTime(), customerFacing: false, amounts: {} },
  });

  beforeAll(async () => {
    h = await startHarness('slackholdonce', new Date('2025-05-01T15:00:00Z'));
    await seedPeople(h);
    acme = await seedAcme(h);
    await h.store.organisations.setSettings(ORG, { slack: { holdsChannel: 'C0OPS' } }, h.clock.now);
    tasks.push(taskFor('up-the-ladder', 'up the ladder', 'propose'), taskFor('written-warning', 'written warning', 'place'), taskFor('final-demand', 'final demand', 'place'));
    await h.store.db.collection<TaskDoc>(collections.tasks).insertMany(tasks);
  });
  afterAll(async () => {
    await h.stop();
  });

  const press = (user: string, taskId: string) => {
    const dm = dms.get(taskId);
    if (!dm) throw new Error(`no message for ${taskId}`);
    return sendInteraction(h.endpoint, SIGNING_SECRET, blockAction({ userId: user }, { actionId: actionIds.placeHold, value: taskId, ...dm }));
  };
  /** Press Place on a proposal and return the reason modal that opened. */
  const openModal = async (user: string, taskId: string): Promise<Record<string, unknown>> => {
    const n = h.sandbox.callsOf('views.open').length;
    expect((await press(user, taskId)).status).toBe(200);
    return (await waitFor('views.open', () => h.sandbox.callsOf('views.open')[n])).args['view'] as Record<string, unknown>;
  };
  const submit = (user: string, view: Record<string, unknown>, reason: string) =>
    sendInteraction(h.endpoint, SIGNING_SECRET, viewSubmission({ userId: user }, { callbackId: viewIds.placeHold, privateMetadata: String(view['private_metadata']), values: { [inputIds.reason.block]: { [inputIds.reason.action]: { type: 'plain_text_input', value: reason } } } }));
  const placed = async () => (await h.store.audit.list(acme._id)).filter((e) => e.action === 'credit_hold.placed');
  const refused = async () => (await h.store.audit.list(acme._id)).filter((e) => e.action === 'credit_hold.refused');
  const announcements = () => h.sandbox.callsOf('chat.postMessage').filter((c) => c.args['channel'] === 'C0OPS');
  const updatesOf = (taskId: string) => h.sandbox.callsOf('chat.update').filter((c) => c.args['ts'] === dms.get(taskId)?.ts).map((c) => JSON.stringify(c.args['blocks']));

  it('delivers every proposal to the collector', async () => {
    expect((await deliverOpenTasks(h.slack.services)).delivered).toBe(3);
    for (const m of h.sandbox.messages.values()) {
      const t = tasks.find((x) => JSON.stringify(m.blocks).includes(`"${x._id}"`));
      if (t) dms.set(t._id, { channel: m.channel, ts: m.ts });
    }
    expect(dms.size).toBe(3);
  });

  it('two people placing two proposals at once: one active hold, audited and announced once; the other is told', async () => {
    const [up, warning] = tasks;
    if (!up || !warning) throw new Error('tasks');
    const v1 = await openModal(users.collector.id, up._id);
    const v2 = await openModal(users.approver2.id, warning._id); // a manager
    const [a, b] = await Promise.all([submit(users.collector.id, v1, '46 days past due'), submit(users.approver2.id, v2, '60 days past due')]);
    expect([a.status, b.status]).toEqual([200, 200]);
    await waitFor('the loser is told', () => h.sandbox.callsOf('chat.postEphemeral').some((c) => String(c.args['text']).includes('already on credit hold')));
    await waitFor('announcement', () => announcements().length === 1);

    const active = await h.store.db.collection<CreditHoldDoc>(collections.creditHolds).find({ customerId: acme._id, status: 'active' }).toArray();
    expect(active).toHaveLength(1);
    const winner = active[0];
    if (!winner) throw new Error('no active hold');
    expect([holdIdOf(up._id), holdIdOf(warning._id)]).toContain(winner._id);
    const loserTask = winner._id === holdIdOf(up._id) ? warning : up;
    const [winnerName, loser] = winner._id === holdIdOf(up._id) ? [users.collector.name, users.approver2] : [users.approver2.name, users.collector];
    expect(await placed()).toHaveLength(1);

    const told = h.sandbox.callsOf('chat.postEphemeral').find((c) => String(c.args['text']).includes('already on credit hold'));
    expect(told?.args['user']).toBe(loser.id);
    expect(told?.args['text']).toBe(`${acme.displayName} is already on credit hold since 2025-05-01 (placed by ${winnerName}): no second hold was placed.`);
    await waitFor('the losing proposal updated', () => updatesOf(loserTask._id).length === 1);
    expect(updatesOf(loserTask._id)[0]).toContain('Already *on hold* since 2025-05-01 (placed by');
    expect(updatesOf(loserTask._id)[0]).not.toContain(actionIds.placeHold);
    expect((await h.store.db.collection<TaskDoc>(collections.tasks).findOne({ _id: loserTask._id }))?.status).toBe('done');

    // The refusal is audited once, naming who tried and the hold in place; the loser's hold record (if the race created one) is rejected.
    const r = await refused();
    expect(r).toHaveLength(1);
    expect(r[0]?.actor.id).toBe(loser.email);
    expect(r[0]?.details).toMatchObject({ holdId: holdIdOf(loserTask._id), taskId: loserTask._id, inPlace: { holdId: winner._id, since: '2025-05-01T15:00:00.000Z' } });
    const loserHold = await h.store.creditHolds.get(holdIdOf(loserTask._id));
    expect(loserHold === null || loserHold.status === 'rejected').toBe(true);
    const holds = await h.store.db.collection<CreditHoldDoc>(collections.creditHolds).find({ customerId: acme._id }).toArray();
    expect(holds.filter((x) => x.status === 'proposed' || x.status === 'pending_approval')).toEqual([]);
  });

  it('a proposal placed later while on hold creates no hold at all', async () => {
    const final = tasks[2];
    if (!final) throw new Error('tasks');
    const before = h.sandbox.callsOf('chat.postEphemeral').length;
    const v = await openModal(users.collector.id, final._id);
    expect((await submit(users.collector.id, v, '75 days past due')).status).toBe(200);
    await waitFor('told', () => h.sandbox.callsOf('chat.postEphemeral').length === before + 1);
    expect(h.sandbox.callsOf('chat.postEphemeral')[before]?.args['text']).toContain('is already on credit hold since 2025-05-01');
    expect(await h.store.creditHolds.get(holdIdOf(final._id))).toBeNull();
    expect(await placed()).toHaveLength(1);
    const r = await refused();
    expect(r).toHaveLength(2);
    const later = r.find((e) => e.details?.['taskId'] === final._id);
    expect(later?.actor.id).toBe(users.collector.email);
    expect(later?.details).toMatchObject({ holdId: holdIdOf(final._id), inPlace: { since: '2025-05-01T15:00:00.000Z' } });
    expect(announcements()).toHaveLength(1);
  });
});

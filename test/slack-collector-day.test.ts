// The collector's day (issue #17 §7, §5, §6): the digest posts on business days only (the organisation's
// weekend and holidays); referred, written-off and disputed accounts leave the call list; a call shows the
// contact its level names at its slot in the contact's own zone, with the collector's own time; a dispute
// open longer than the policy's disputes.escalateAfterDays goes on the collector's list with the reason.
import { DEFAULT_POLICY_INPUT } from '../src/engine/index.js';
import type { TaskDoc } from '../src/outbox/task-channel.js';
import { collections } from '../src/store/store.js';
import type { ApprovalDoc, CustomerDoc } from '../src/store/types.js';
import { homeSnapshot } from '../slack/services/home.js';
import { sendDigests } from '../slack/services/digest.js';
import { customerDoc, invoiceDoc, saveCustomer, standardContacts } from './helpers/accounts.js';
import { ORG, seedAcme, seedPeople, startHarness, users, type Harness } from './sandbox/slack/harness.js';

const T0 = new Date('2025-03-20T15:00:00Z'); // a Thursday

function callTask(c: CustomerDoc, id: string, createdAt: Date, target: { name: string; role: string; phone: string; timeZone?: string }, dueAt: Date, levelName: string): TaskDoc {
  return {
    _id: id, orgId: c.orgId, customerId: c._id, accountName: c.displayName, kind: 'call',
    assignee: { role: 'collector', id: null, name: null }, title: 'call', invoiceIds: [], dueAt, status: 'open', createdAt,
    action: {
      kind: 'task', task: 'call', assignee: 'collector', person: null, note: undefined, key: id, levelId: levelName.replace(/ /g, '-'), levelName, actionId: 'call',
      invoiceIds: [], at: dueAt.getTime(), customerFacing: false, amounts: { USD: 1 },
      target: { contactId: `c-${target.role}`, name: target.name, phone: target.phone, role: target.role, ...(target.timeZone ? { timeZone: target.timeZone } : {}) },
    },
  } as TaskDoc;
}

describe("Slack: the collector's day", () => {
  let h: Harness;
  let seq = 0;
  beforeAll(async () => {
    h = await startHarness('collectorday', T0);
    await seedPeople(h);
    await seedAcme(h);
    // The collector works from London: Slack's users.info says so.
    h.sandbox.addUser({ ...users.collector, tz: 'Europe/London' });
  });
  afterAll(async () => {
    await h.stop();
  });

  async function customer(name: string): Promise<CustomerDoc> {
    seq++;
    const c = customerDoc(ORG, `cd${seq}`, name, standardContacts(`cd${seq}.example`), T0);
    await saveCustomer(h.store, c, [invoiceDoc(c, `cdi${seq}`, `INV-${8000 + seq}`, '2025-01-20', 400_000 + seq, T0)]);
    return c;
  }
  const tasks = () => h.store.db.collection<TaskDoc>(collections.tasks);

  it('the call list: the newest level’s contact, at the slot in their zone and the collector’s own; referred, written-off and disputed accounts left out', async () => {
    const stays = await customer('Stays Ltd');
    // An old rep-call task to AP is still open; the newer collector-call task names the AP manager, in Auckland.
    await tasks().insertOne(callTask(stays, 'stays:rep-call', new Date('2025-03-01T15:00:00Z'), { name: 'Al Payable', role: 'ap', phone: '+1 555 0102' }, new Date('2025-03-01T15:30:00Z'), 'rep call'));
    await tasks().insertOne(callTask(stays, 'stays:collector-call', new Date('2025-03-19T15:00:00Z'), { name: 'Mia Manager', role: 'ap_manager', phone: '+64 9 555 0103', timeZone: 'Pacific/Auckland' }, new Date('2025-03-20T00:30:00Z'), 'collector call'));
    const referred = await customer('Referred Ltd');
    const writtenOff = await customer('Written Off Ltd');
    const disputed = await customer('Disputed Ltd');
    for (const c of [referred, writtenOff, disputed]) {
      await tasks().insertOne(callTask(c, `${c._id}:call`, T0, { name: 'Al Payable', role: 'ap', phone: '+1 555 0102' }, T0, 'collector call'));
    }
    const approval = (c: CustomerDoc, kind: ApprovalDoc['kind']): ApprovalDoc => ({
      _id: `${c._id}:${kind}`, orgId: ORG, customerId: c._id, kind, status: 'approved', requestedBy: { kind: 'system', id: 'slack' }, reason: 'r', createdAt: T0,
    });
    await h.store.db.collection<ApprovalDoc>(collections.approvals).insertMany([approval(referred, 'agency_referral'), approval(writtenOff, 'write_off')]);
    await h.slack.services.states.savePauses(disputed._id, ORG, { disputes: [{ id: 'd-whole', openedAt: new Date('2025-03-18T15:00:00Z') }], promises: [], paymentPlans: [], snoozes: [] }, T0);

    const snap = await homeSnapshot(h.slack.services, ORG, 'Cole Lector', undefined, false, 'Europe/London');
    const names = snap.calls.map((c) => c.accountName);
    expect(names).toContain('Stays Ltd');
    expect(names).not.toEqual(expect.arrayContaining(['Referred Ltd']));
    expect(names).not.toContain('Written Off Ltd');
    expect(names).not.toContain('Disputed Ltd');
    const row = snap.calls.find((c) => c.accountName === 'Stays Ltd');
    // 00:30 UTC on 20 March: 13:30 in Auckland, 00:30 in London.
    expect(row).toMatchObject({ who: 'Mia Manager', phone: '+64 9 555 0103', suggestedTime: '13:30 (Pacific/Auckland)', yourTime: '00:30 (Europe/London)', levelName: 'collector call' });
  });

  it('a dispute open longer than the policy allows goes on the collector’s list with the reason; a younger one does not', async () => {
    const old = await customer('Old Dispute Ltd');
    const young = await customer('Young Dispute Ltd');
    await h.slack.services.states.savePauses(old._id, ORG, { disputes: [{ id: 'd-old', invoiceIds: ['x'], openedAt: new Date('2025-02-27T15:00:00Z') }], promises: [], paymentPlans: [], snoozes: [] }, T0);
    await h.slack.services.states.savePauses(young._id, ORG, { disputes: [{ id: 'd-young', invoiceIds: ['y'], openedAt: new Date('2025-03-10T15:00:00Z') }], promises: [], paymentPlans: [], snoozes: [] }, T0);
    const snap = await homeSnapshot(h.slack.services, ORG, 'Cole Lector');
    expect(snap.disputes).toEqual(expect.arrayContaining([{ accountName: 'Old Dispute Ltd', days: 21, reason: "dispute open 21 days (the policy's limit is 14): resolve it or escalate" }]));
    expect(snap.disputes?.map((d) => d.accountName)).not.toContain('Young Dispute Ltd');
    // A policy with a shorter limit lists the younger one too.
    await h.store.policies.save(ORG, { ...structuredClone(DEFAULT_POLICY_INPUT), name: 'quick disputes', disputes: { escalateAfterDays: 7 } }, T0);
    h.slack.services.policies.forget?.(ORG);
    const after = await homeSnapshot(h.slack.services, ORG, 'Cole Lector');
    expect(after.disputes?.map((d) => d.accountName)).toEqual(['Old Dispute Ltd', 'Young Dispute Ltd']);
    // Sales reps do not get the list.
    expect((await homeSnapshot(h.slack.services, ORG, 'Sam Rep', users.rep.email)).disputes).toBeUndefined();
  });

  it('the digest posts on business days only: not on a Saturday, not on a holiday, on the Monday', async () => {
    const digests = () => h.sandbox.callsOf('chat.postMessage').filter((p) => String(p.args['text']).startsWith("Today's calls"));
    await h.store.policies.save(ORG, { ...structuredClone(DEFAULT_POLICY_INPUT), name: 'with a holiday', calendar: { ...structuredClone(DEFAULT_POLICY_INPUT.calendar), holidays: ['2025-03-25'] } }, T0);
    h.slack.services.policies.forget?.(ORG);
    h.clock.now = new Date('2025-03-22T13:00:00Z'); // Saturday, 08:00 in Chicago
    expect(await sendDigests(h.slack.services, { hour: 8 })).toBe(0);
    h.clock.now = new Date('2025-03-25T13:00:00Z'); // Tuesday, a holiday
    expect(await sendDigests(h.slack.services, { hour: 8 })).toBe(0);
    expect(digests()).toHaveLength(0);
    h.clock.now = new Date('2025-03-24T13:00:00Z'); // Monday
    expect(await sendDigests(h.slack.services, { hour: 8 })).toBe(1);
    const posted = digests();
    expect(posted.map((p) => p.args['channel'])).toEqual(['D0COL0001']);
    // The collector's own time beside the contact's.
    expect(JSON.stringify(posted[0]?.args['blocks'])).toContain('(Europe/London) yours');
  });
});

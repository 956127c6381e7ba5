// The Contacts modal end to end, through signed Slack requests: opened from the
// rep nudge ("Who else should we talk to?") and from /overdue's account view,
// it lists the ledger's and the entered contacts; a submission is checked (each
// problem shown on its input, the modal kept), stored where syncs never write,
// audited with who added it, and the account re-planned — the ladder then
// writes to the new CFO. Who may: the account's rep, collectors, managers, admins.
import type { TaskDoc } from '../src/outbox/task-channel.js';
import { accountStates, bounces } from '../src/planning/state.js';
import type { CustomerDoc } from '../src/store/types.js';
import { actionIds, inputIds, viewIds } from '../slack/ids.js';
import { deliverOpenTasks, nudgeSnapshot } from '../slack/services/deliver.js';
import { customerDoc, saveCustomer } from './helpers/accounts.js';
import { expectFixture } from './sandbox/slack/fixtures.js';
import { ORG, seedAcme, seedPeople, SIGNING_SECRET, startHarness, taskFromPlan, users, waitFor, type Harness } from './sandbox/slack/harness.js';
import { blockAction, sendCommand, sendInteraction, slashCommand, viewSubmission } from './sandbox/slack/signed.js';

const T0 = new Date('2025-03-20T15:00:00Z');

describe('Slack: the Contacts modal', () => {
  let h: Harness;
  let acme: CustomerDoc;
  let task: TaskDoc;
  const replans: string[] = [];

  beforeEach(async () => {
    replans.length = 0;
    h = await startHarness('slackcontacts', T0, {
      replan: (id, at) => {
        replans.push(id);
        return h.planner.plan(id, at);
      },
    });
    await seedPeople(h);
    acme = await seedAcme(h);
    // Acme's ledger has no CFO (the standard contacts' CFO is dropped); its billing address bounces (below).
    acme = { ...acme, contacts: acme.contacts.filter((c) => !c.roles.includes('cfo')) };
    await h.store.customers.raw().updateOne({ _id: acme._id }, { $set: { contacts: acme.contacts } });
    task = await taskFromPlan(h, acme, 'slackNudge');
    h.clock.now = new Date(Math.max(T0.getTime(), task.dueAt.getTime()));
    await deliverOpenTasks(h.slack.services);
    await bounces(h.store.db).record({ orgId: ORG, email: 'bea@acme.example', customerId: acme._id, reason: '550 no such user', outboxKey: 'k', at: h.clock.now });
  });
  afterEach(async () => {
    await h.stop();
  });

  const dm = () => {
    const m = [...h.sandbox.messages.values()][0];
    if (!m) throw new Error('no DM');
    return { channel: m.channel, ts: m.ts, blocks: m.blocks as { type: string; elements?: { action_id: string; value: string; text: { text: string } }[] }[] };
  };
  async function openFrom(user: string, value: string, where: { channel: string; ts: string }): Promise<Record<string, unknown>> {
    const opened = h.sandbox.callsOf('views.open').length;
    expect((await sendInteraction(h.endpoint, SIGNING_SECRET, blockAction({ userId: user }, { actionId: actionIds.contactsOpen, value, ...where }))).status).toBe(200);
    return (await waitFor('views.open', () => h.sandbox.callsOf('views.open')[opened])).args['view'] as Record<string, unknown>;
  }
  const values = (v: { role?: string; name?: string; email?: string; phone?: string; timeZone?: string; language?: string }) => ({
    [inputIds.contactRole.block]: { [inputIds.contactRole.action]: { type: 'static_select', selected_option: v.role ? { value: v.role } : null } },
    [inputIds.contactName.block]: { [inputIds.contactName.action]: { type: 'plain_text_input', value: v.name ?? null } },
    [inputIds.contactEmail.block]: { [inputIds.contactEmail.action]: { type: 'email_text_input', value: v.email ?? null } },
    [inputIds.contactPhone.block]: { [inputIds.contactPhone.action]: { type: 'plain_text_input', value: v.phone ?? null } },
    [inputIds.contactTimeZone.block]: { [inputIds.contactTimeZone.action]: { type: 'plain_text_input', value: v.timeZone ?? null } },
    [inputIds.contactLanguage.block]: { [inputIds.contactLanguage.action]: { type: 'plain_text_input', value: v.language ?? null } },
  });
  const submit = (user: string, view: Record<string, unknown>, v: Parameters<typeof values>[0]) =>
    sendInteraction(h.endpoint, SIGNING_SECRET, viewSubmission({ userId: user }, { callbackId: viewIds.contacts, privateMetadata: String(view['private_metadata']), values: values(v) }));

  it('from the rep nudge: lists the contacts, shows every problem on its input, then stores the CFO, audits it, re-plans, and the ladder writes to them', async () => {
    const d = dm();
    const button = d.blocks.find((b) => b.type === 'actions')?.elements?.find((e) => e.action_id === actionIds.contactsOpen);
    expect(button).toMatchObject({ value: acme._id, text: { text: 'Who else should we talk to?' } });
    const view = await openFrom(users.rep.id, acme._id, d);
    expect(view['callback_id']).toBe('contacts');
    expectFixture('contacts-modal', view);

    const bad = await submit(users.rep.id, view, { name: ' ', email: 'ann@', timeZone: 'Mars/Olympus', language: 'not a language' });
    expect(JSON.parse(bad.text)).toEqual({
      response_action: 'errors',
      errors: {
        [inputIds.contactRole.block]: expect.stringContaining('role must be one of'),
        [inputIds.contactName.block]: 'name is required',
        [inputIds.contactEmail.block]: 'not an email address',
        [inputIds.contactTimeZone.block]: 'not an IANA time zone (e.g. Europe/London)',
        [inputIds.contactLanguage.block]: 'not a language tag (BCP 47, e.g. en-GB)',
      },
    });
    expect(JSON.parse((await submit(users.rep.id, view, { role: 'cfo', name: 'Ann Lee' })).text).errors).toEqual({ [inputIds.contactEmail.block]: 'an email or a phone is needed' });
    expect((await accountStates(h.store.db).get(acme._id))?.contacts ?? []).toEqual([]);

    const told = h.sandbox.callsOf('chat.postEphemeral').length;
    const ok = await submit(users.rep.id, view, { role: 'cfo', name: 'Ann Lee', email: 'Ann.Lee@Acme.example', phone: '+1 555 0150', timeZone: 'America/Chicago', language: 'en-US' });
    expect(ok.status).toBe(200);
    expect(ok.text).toBe('');
    const line = await waitFor('the confirmation', () => h.sandbox.callsOf('chat.postEphemeral')[told]);
    expect(String(line.args['text'])).toBe(':bust_in_silhouette: Added Ann Lee (CFO) for *Acme Industrial*. The ladder uses them from the next plan.');
    await waitFor('the re-plan', () => (replans.includes(acme._id) ? true : null));
    expect((await accountStates(h.store.db).get(acme._id))?.contacts).toEqual([
      { id: 'entered:email:ann.lee@acme.example', name: 'Ann Lee', email: 'ann.lee@acme.example', phone: '+1 555 0150', roles: ['cfo'], timeZone: 'America/Chicago', language: 'en-US', enteredBy: users.rep.email, enteredAt: h.clock.now },
    ]);
    const [audit] = (await h.store.audit.list(acme._id)).filter((e) => e.action === 'contact.added');
    expect(audit).toMatchObject({ channel: 'slack', actor: { kind: 'person', id: users.rep.email }, outcome: 'contact added: Ann Lee <ann.lee@acme.example> as CFO' });

    // Planning now has a reachable CFO: Ann, first in the account's contacts.
    const loaded = await h.planner.load(acme._id);
    if (!loaded) throw new Error('no account');
    expect(loaded.account.contacts[0]).toMatchObject({ id: 'entered:email:ann.lee@acme.example', roles: ['cfo'], bounced: false });
    expect(loaded.account.contacts.filter((c) => c.roles.includes('cfo')).map((c) => c.id)).toEqual(['entered:email:ann.lee@acme.example']);

    // The same contact again changes nothing and is not audited twice; the reopened modal lists Ann as entered.
    const again = h.sandbox.callsOf('chat.postEphemeral').length;
    await submit(users.rep.id, view, { role: 'cfo', name: 'Ann Lee', email: 'ann.lee@acme.example', phone: '+1 555 0150', timeZone: 'America/Chicago', language: 'en-US' });
    expect(String((await waitFor('told', () => h.sandbox.callsOf('chat.postEphemeral')[again])).args['text'])).toContain('already a contact');
    expect((await h.store.audit.list(acme._id)).filter((e) => e.action.startsWith('contact.'))).toHaveLength(1);
    const reopened = await openFrom(users.rep.id, acme._id, d);
    expect(JSON.stringify(reopened['blocks'])).toContain('*Ann Lee*: CFO · ann.lee@acme.example · +1 555 0150 _(entered)_');

    // The next nudge's "who to call" sees entered contacts too: a buyer entered goes before the ledger's.
    await submit(users.rep.id, view, { role: 'buyer', name: 'Pat Purchase', phone: '+1 555 0170' });
    await waitFor('stored', async () => (((await accountStates(h.store.db).get(acme._id))?.contacts?.length ?? 0) === 2 ? true : null));
    const snap = await nudgeSnapshot(h.slack.services, { _id: 'next', action: { levelName: 'rep call' } }, acme, { name: users.rep.name, email: users.rep.email }, h.clock.now);
    expect(snap.buyer).toEqual({ name: 'Pat Purchase', role: 'buyer', phone: '+1 555 0170' });
  });

  it("from /overdue: collectors get *Contacts*; a rep only on their own accounts, an approver not at all — refused when they try", async () => {
    const other = customerDoc(ORG, '77', 'Other Rep Co', [], h.clock.now, { salesRepEmail: 'someone.else@northwind.example' });
    await saveCustomer(h.store, other, []);
    const ask = async (user: string, text: string) => {
      const before = h.sandbox.callsOf('chat.postEphemeral').length;
      expect((await sendCommand(h.endpoint, SIGNING_SECRET, slashCommand({ userId: user }, '/overdue', text))).status).toBe(200);
      const blocks = (await waitFor('ephemeral', () => h.sandbox.callsOf('chat.postEphemeral')[before])).args['blocks'] as { type: string; elements?: { action_id: string; value: string }[] }[];
      return Object.fromEntries((blocks.find((b) => b.type === 'actions')?.elements ?? []).map((e) => [e.action_id, e.value]));
    };
    expect((await ask(users.collector.id, 'acme industrial'))[actionIds.contactsOpen]).toBe(acme._id);
    expect((await ask(users.rep.id, 'acme industrial'))[actionIds.contactsOpen]).toBe(acme._id);
    expect((await ask(users.stranger.id, 'acme industrial'))[actionIds.contactsOpen]).toBeUndefined();

    const where = { channel: 'C0COMMAND', ts: '1742482800.000100' };
    const view = await openFrom(users.collector.id, acme._id, where);
    expect(view['callback_id']).toBe(viewIds.contacts);
    expect(JSON.stringify(view['blocks'])).toContain('*Bea Billing*: Billing · bea@acme.example (bounced) · +1 555 0101 _(from the ledger)_');

    // Pressing it anyway (an old message, a crafted request): refused with the reason, nothing opened or stored.
    const opened = h.sandbox.callsOf('views.open').length;
    const told = h.sandbox.callsOf('chat.postEphemeral').length;
    await sendInteraction(h.endpoint, SIGNING_SECRET, blockAction({ userId: users.approver.id }, { actionId: actionIds.contactsOpen, value: acme._id, ...where }));
    expect(String((await waitFor('refusal', () => h.sandbox.callsOf('chat.postEphemeral')[told])).args['text'])).toBe('Only sales reps (on their accounts), collectors, managers and admins can do this.');
    await sendInteraction(h.endpoint, SIGNING_SECRET, blockAction({ userId: users.stranger.id }, { actionId: actionIds.contactsOpen, value: other._id, ...where }));
    expect(String((await waitFor('refusal', () => h.sandbox.callsOf('chat.postEphemeral')[told + 1])).args['text'])).toMatch(/not the sales rep of this account/);
    // A submission by someone who may not (the modal's metadata reused) stores nothing.
    await submit(users.approver.id, view, { role: 'owner', name: 'Olu Owner', email: 'olu@acme.example' });
    await waitFor('refusal', () => h.sandbox.callsOf('chat.postEphemeral')[told + 2]);
    expect(h.sandbox.callsOf('views.open')).toHaveLength(opened);
    expect((await accountStates(h.store.db).get(acme._id))?.contacts ?? []).toEqual([]);

    // The collector adds the owner by phone only (no address): stored, audited as the collector's.
    await submit(users.collector.id, view, { role: 'owner', name: 'Olu Owner', phone: '+1 555 0160' });
    await waitFor('stored', async () => ((await accountStates(h.store.db).get(acme._id))?.contacts?.length ? true : null));
    expect((await accountStates(h.store.db).get(acme._id))?.contacts).toMatchObject([{ id: 'entered:role:owner', name: 'Olu Owner', phone: '+1 555 0160', roles: ['owner'], enteredBy: users.collector.email }]);
  });
});

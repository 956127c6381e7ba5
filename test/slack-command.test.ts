// /overdue end to end: a signed slash command → an ephemeral answer with the
// account's state and next step, a list when several match, and the aging.
import { customerDoc, invoiceDoc, saveCustomer, standardContacts } from './helpers/accounts.js';
import { expectFixture } from './sandbox/slack/fixtures.js';
import { ORG, seedAcme, seedPeople, SIGNING_SECRET, startHarness, users, waitFor, type Harness } from './sandbox/slack/harness.js';
import { actionIds, inputIds, viewIds } from '../slack/ids.js';
import { CreditFlags } from '../slack/services/credit-flags.js';
import { collections } from '../src/store/store.js';
import type { AuditEntryDoc } from '../src/store/types.js';
import { blockAction, sendCommand, sendInteraction, slashCommand, viewSubmission } from './sandbox/slack/signed.js';

describe('Slack: /overdue', () => {
  let h: Harness;
  let acmeId = '';
  beforeAll(async () => {
    h = await startHarness('slackcommand', new Date('2025-03-20T15:00:00Z'));
    await seedPeople(h);
    acmeId = (await seedAcme(h))._id;
    const acorn = customerDoc(ORG, '43', 'Acorn Foods', standardContacts('acorn.example'), h.clock.now);
    await saveCustomer(h.store, acorn, [invoiceDoc(acorn, '1100', 'INV-1100', '2024-12-01', 50_000, h.clock.now), invoiceDoc(acorn, '1101', 'INV-1101', '2025-04-01', 7_500, h.clock.now)]);
  });
  afterAll(async () => {
    await h.stop();
  });

  async function ask(text: string, user: string = users.collector.id): Promise<Record<string, unknown>> {
    const before = h.sandbox.callsOf('chat.postEphemeral').length;
    const res = await sendCommand(h.endpoint, SIGNING_SECRET, slashCommand({ userId: user }, '/overdue', text));
    expect(res.status).toBe(200);
    return (await waitFor('ephemeral', () => h.sandbox.callsOf('chat.postEphemeral')[before])).args;
  }

  it("answers with one account's state, level and next step", async () => {
    const a = await ask('acme industrial');
    expect(a['user']).toBe(users.collector.id);
    expectFixture('command-account', a['blocks']);
    expect(JSON.stringify(a['blocks'])).toContain('rep call');
  });

  /** The account view's buttons: action id → value. */
  function buttonsOf(blocks: unknown): Record<string, string> {
    const actions = (blocks as { type: string; elements?: { action_id: string; value: string }[] }[]).find((b) => b.type === 'actions');
    return Object.fromEntries((actions?.elements ?? []).map((e) => [e.action_id, e.value]));
  }

  async function click(actionId: string, value: string, user: string): Promise<void> {
    const res = await sendInteraction(h.endpoint, SIGNING_SECRET, blockAction({ userId: user }, { actionId, value, channel: 'C0COMMAND', ts: '1742482800.000100', blockId: 'account_actions' }));
    expect(res.status).toBe(200);
  }

  const audits = (action: string): Promise<AuditEntryDoc[]> => h.store.db.collection<AuditEntryDoc>(collections.audit).find({ action }).toArray();

  it("the account view's Log call goes through the nudge's audited path", async () => {
    const b = buttonsOf((await ask('acme industrial'))['blocks']);
    expect(Object.keys(b)).toEqual([actionIds.logCall, actionIds.promise, actionIds.snooze, actionIds.placeHold, actionIds.contactsOpen, actionIds.referralRequest]);
    const opened = h.sandbox.callsOf('views.open').length;
    await click(actionIds.logCall, String(b[actionIds.logCall]), users.collector.id);
    const view = (await waitFor('views.open', () => h.sandbox.callsOf('views.open')[opened])).args['view'] as Record<string, unknown>;
    expect(view['callback_id']).toBe(viewIds.logCall);
    const told = h.sandbox.callsOf('chat.postEphemeral').length;
    const res = await sendInteraction(
      h.endpoint,
      SIGNING_SECRET,
      viewSubmission({ userId: users.collector.id }, {
        callbackId: viewIds.logCall,
        privateMetadata: String(view['private_metadata']),
        values: { [inputIds.outcome.block]: { [inputIds.outcome.action]: { type: 'static_select', selected_option: { value: 'voicemail' } } } },
      }),
    );
    expect(res.status).toBe(200);
    const [logged] = await waitFor('call.logged', async () => ((await audits('call.logged')).length > 0 ? audits('call.logged') : null));
    expect(logged).toMatchObject({ channel: 'phone', actor: { kind: 'person', id: users.collector.email }, outcome: 'call: Left a voicemail' });
    // The answer was ephemeral (chat.update cannot change it): the person is told in a new ephemeral line.
    const line = await waitFor('the ephemeral line', () => h.sandbox.callsOf('chat.postEphemeral')[told]);
    expect(String(line.args['text'])).toContain('logged a call: Left a voicemail');
    expect(h.sandbox.callsOf('chat.update')).toHaveLength(0);
  });

  it('offers Place credit hold only to collectors, managers and admins; a sales rep cannot place one from it', async () => {
    expect(buttonsOf((await ask('acme industrial', users.stranger.id))['blocks'])[actionIds.placeHold]).toBeUndefined();
    const hold = String(buttonsOf((await ask('acme industrial'))['blocks'])[actionIds.placeHold]);
    const opened = h.sandbox.callsOf('views.open').length;
    const told = h.sandbox.callsOf('chat.postEphemeral').length;
    await click(actionIds.placeHold, hold, users.stranger.id);
    const refusal = await waitFor('the refusal', () => h.sandbox.callsOf('chat.postEphemeral')[told]);
    expect(String(refusal.args['text'])).toContain('Only collectors, managers and admins');
    expect(h.sandbox.callsOf('views.open')).toHaveLength(opened);
    // Submitting the modal anyway (a forged submission) places nothing either.
    const res = await sendInteraction(
      h.endpoint,
      SIGNING_SECRET,
      viewSubmission({ userId: users.stranger.id }, {
        callbackId: viewIds.placeHold,
        privateMetadata: JSON.stringify({ id: hold, channel: 'C0COMMAND', ts: '1742482800.000100' }),
        values: { [inputIds.reason.block]: { [inputIds.reason.action]: { type: 'plain_text_input', value: 'no' } } },
      }),
    );
    expect(res.status).toBe(200);
    await waitFor('the second refusal', () => h.sandbox.callsOf('chat.postEphemeral')[told + 1]);
    expect(await h.store.creditHolds.activeForCustomer(acmeId)).toBeNull();
    expect(await audits('credit_hold.placed')).toHaveLength(0);
  });

  it('offers Lift prepay-only to managers on a prepay-only account with an approved referral, and lifts it', async () => {
    const approvalId = `${acmeId}:agency-referral:1`;
    const actor = { kind: 'person' as const, id: users.approver.email, name: users.approver.name };
    await h.slack.services.messages.record({
      _id: approvalId, orgId: ORG, customerId: acmeId, kind: 'approval', posts: [], log: [], createdAt: h.clock.now,
      snapshot: { approvalId, customerId: acmeId, accountName: 'Acme Industrial', kind: 'agency_referral', reason: 'referral', requestedBy: users.collector.name, totals: {}, oldestDays: 16, invoiceNumbers: [], contactAttempts: 0 },
    });
    await new CreditFlags(h.store.db).setPrepayOnly(acmeId, ORG, 'referred to the collection agency', actor, h.clock.now);
    expect(buttonsOf((await ask('acme industrial'))['blocks'])[actionIds.liftPrepay]).toBeUndefined(); // a collector, not a manager
    const lift = buttonsOf((await ask('acme industrial', users.approver2.id))['blocks'])[actionIds.liftPrepay];
    expect(lift).toBe(approvalId);
    const opened = h.sandbox.callsOf('views.open').length;
    await click(actionIds.liftPrepay, approvalId, users.approver2.id);
    const view = (await waitFor('views.open', () => h.sandbox.callsOf('views.open')[opened])).args['view'] as Record<string, unknown>;
    const res = await sendInteraction(
      h.endpoint,
      SIGNING_SECRET,
      viewSubmission({ userId: users.approver2.id }, {
        callbackId: viewIds.liftPrepay,
        privateMetadata: String(view['private_metadata']),
        values: { [inputIds.reason.block]: { [inputIds.reason.action]: { type: 'plain_text_input', value: 'paid in full' } } },
      }),
    );
    expect(res.status).toBe(200);
    const [lifted] = await waitFor('prepay lifted', async () => ((await audits('account.prepay_only_lifted')).length > 0 ? audits('account.prepay_only_lifted') : null));
    expect(lifted).toMatchObject({ actor: { id: users.approver2.email }, accountId: acmeId });
    expect((await new CreditFlags(h.store.db).get(acmeId))?.prepayOnly).toBe(false);
  });

  it('lists the customers when several match, and says when none does', async () => {
    expect(String((await ask('ac'))['text'])).toContain('2 customers match');
    expect(String((await ask('zebra'))['text'])).toContain('No customer matches');
  });

  it('gives the aging summary', async () => {
    const a = await ask('aging');
    expectFixture('command-aging', a['blocks']);
  });
});

// Request referral from Slack (slack/services/referral-request.ts): the account view's button (/overdue
// <customer>) opens a modal asking the reason; submitting asks every approver with the ladder's own approval
// card (the same Approve / Reject / Give more time buttons, decided by decideFromSlack); the requester
// cannot decide their own request; an approver's Approve makes the account prepay-only, audited.
import { ORG, seedAcme, seedPeople, SIGNING_SECRET, startHarness, users, waitFor, type Harness } from './sandbox/slack/harness.js';
import { actionIds, inputIds, viewIds } from '../slack/ids.js';
import { CreditFlags } from '../slack/services/credit-flags.js';
import { blockAction, sendCommand, sendInteraction, slashCommand, viewSubmission } from './sandbox/slack/signed.js';

jest.setTimeout(120_000);

describe('Slack: Request referral', () => {
  let h: Harness;
  let acmeId = '';
  beforeAll(async () => {
    h = await startHarness('slackreqreferral', new Date('2025-03-20T15:00:00Z'));
    await seedPeople(h);
    acmeId = (await seedAcme(h))._id;
  });
  afterAll(async () => {
    await h.stop();
  });

  async function buttonsFor(user: string): Promise<Record<string, string>> {
    const before = h.sandbox.callsOf('chat.postEphemeral').length;
    expect((await sendCommand(h.endpoint, SIGNING_SECRET, slashCommand({ userId: user }, '/overdue', 'acme industrial'))).status).toBe(200);
    const blocks = (await waitFor('ephemeral', () => h.sandbox.callsOf('chat.postEphemeral')[before])).args['blocks'] as { type: string; elements?: { action_id: string; value: string }[] }[];
    return Object.fromEntries((blocks.find((b) => b.type === 'actions')?.elements ?? []).map((e) => [e.action_id, e.value]));
  }

  const reasonValues = (value: string) => ({ [inputIds.reason.block]: { [inputIds.reason.action]: { type: 'plain_text_input', value } } });

  it('is offered to who may ask (the table): not to a sales rep on another rep’s account', async () => {
    expect(Object.keys(await buttonsFor(users.stranger.id))).not.toContain(actionIds.referralRequest);
  });

  it('asks the approvers with the approval card; the requester cannot approve it, another approver does', async () => {
    const b = await buttonsFor(users.collector.id);
    expect(b[actionIds.referralRequest]).toBe(acmeId);
    const opened = h.sandbox.callsOf('views.open').length;
    expect((await sendInteraction(h.endpoint, SIGNING_SECRET, blockAction({ userId: users.collector.id }, { actionId: actionIds.referralRequest, value: acmeId, channel: 'C0COMMAND', ts: '1742482800.000100', blockId: 'account_actions' }))).status).toBe(200);
    const view = (await waitFor('views.open', () => h.sandbox.callsOf('views.open')[opened])).args['view'] as { callback_id: string; private_metadata: string };
    expect(view.callback_id).toBe(viewIds.referralRequest);

    // No reason: the modal stays open with the problem on its block; nothing is asked.
    const empty = await sendInteraction(h.endpoint, SIGNING_SECRET, viewSubmission({ userId: users.collector.id }, { callbackId: viewIds.referralRequest, privateMetadata: view.private_metadata, values: reasonValues('  ') }));
    expect(empty.status).toBe(200);
    expect(JSON.parse(empty.text)).toMatchObject({ response_action: 'errors', errors: { [inputIds.reason.block]: expect.stringContaining('collection agency') } });
    expect(await h.store.approvals.listPending(ORG)).toHaveLength(0);

    const posted = h.sandbox.callsOf('chat.postMessage').length;
    const ok = await sendInteraction(h.endpoint, SIGNING_SECRET, viewSubmission({ userId: users.collector.id }, { callbackId: viewIds.referralRequest, privateMetadata: view.private_metadata, values: reasonValues('stopped answering after the final demand') }));
    expect(ok.status).toBe(200);
    const pending = await waitFor('the request', async () => (await h.store.approvals.listPending(ORG))[0]);
    expect(pending).toMatchObject({ customerId: acmeId, kind: 'agency_referral', requestedBy: { kind: 'person', id: users.collector.email }, reason: 'stopped answering after the final demand' });
    // Every approver's DM (the collector is an approver too), with the card's decision buttons keyed by the request.
    await waitFor('the cards', () => (h.sandbox.callsOf('chat.postMessage').length >= posted + 3 ? true : undefined));
    const cards = h.sandbox.callsOf('chat.postMessage').slice(posted).filter((c) => JSON.stringify(c.args['blocks']).includes(actionIds.approve));
    expect(cards).toHaveLength(3);
    expect(JSON.stringify(cards[0]?.args['blocks'])).toContain(pending._id);
    expect(JSON.stringify(cards[0]?.args['blocks'])).toContain('Cole Lector asks to refer *Acme Industrial* to the collection agency');
    const told = await waitFor('the requester told', () => h.sandbox.callsOf('chat.postEphemeral').find((c) => String(c.args['text']).includes('Referral of *Acme Industrial* requested')));
    expect(told.args['user']).toBe(users.collector.id);
    const audit = await h.store.audit.list(acmeId);
    expect(audit.find((e) => e.action === 'referral.requested')).toMatchObject({ channel: 'slack', actor: { id: users.collector.email }, details: { approvalId: pending._id } });
    expect(audit.find((e) => e.action === 'slack.approval_requested')?.details).toMatchObject({ approvalId: pending._id, posts: 3 });

    // The requester presses Approve on their own request: refused (segregation of duties), still pending.
    const click = (user: string) => sendInteraction(h.endpoint, SIGNING_SECRET, blockAction({ userId: user }, { actionId: actionIds.approve, value: pending._id, channel: String(cards[0]?.args['channel']), ts: '1742482800.000200' }));
    expect((await click(users.collector.id)).status).toBe(200);
    await waitFor('the refusal', () => h.sandbox.callsOf('chat.postEphemeral').find((c) => c.args['user'] === users.collector.id && String(c.args['text']).includes('another approver')));
    expect((await h.store.approvals.get(pending._id))?.status).toBe('pending');

    // Another approver approves it: the same handling as the ladder's referral (prepay-only, audited, the cards updated).
    const updates = h.sandbox.callsOf('chat.update').length;
    expect((await click(users.approver.id)).status).toBe(200);
    await waitFor('approved', async () => ((await h.store.approvals.get(pending._id))?.status === 'approved' ? true : undefined));
    await waitFor('audited', async () => ((await h.store.audit.list(acmeId)).some((e) => e.action === 'approval.approved') ? true : undefined));
    expect((await new CreditFlags(h.store.db).get(acmeId))?.prepayOnly).toBe(true);
    expect((await h.store.audit.list(acmeId)).map((e) => e.action)).toEqual(expect.arrayContaining(['account.prepay_only', 'approval.approved']));
    await waitFor('the cards updated', () => (h.sandbox.callsOf('chat.update').length >= updates + 3 ? true : undefined));

    // Referred now: a second request is refused and said so.
    const again = await sendInteraction(h.endpoint, SIGNING_SECRET, viewSubmission({ userId: users.collector.id }, { callbackId: viewIds.referralRequest, privateMetadata: view.private_metadata, values: reasonValues('again') }));
    expect(again.status).toBe(200);
    await waitFor('refused', () => h.sandbox.callsOf('chat.postEphemeral').find((c) => String(c.args['text']).includes('already referred')));
  });
});

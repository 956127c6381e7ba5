// Returning bad payers in Slack: a new customer with the phone and email domain of an account referred to the
// agency is flagged (stored once, audited), the managers get one alert with the evidence side by side, and its
// buttons: *Make prepay-only* (credit-status says prepay-only and flagged), *Not the same business* (remembered:
// the pair never alerts again, even after an edit), *Ask for a credit check* (an outbox entry that becomes the
// collector's task). Only managers and admins may press them; the first press decides.
import request from 'supertest';
import { adminRouter } from '../app/http/admin.js';
import { createApp } from '../src/http/app.js';
import { createLogger } from '../src/logger.js';
import { TaskChannel } from '../src/outbox/task-channel.js';
import { parsePayload } from '../src/planning/payload.js';
import { storedPolicySource } from '../src/planning/policy-source.js';
import { LookalikeFlags, lookalikeFlagId } from '../src/store/lookalike.js';
import { collections } from '../src/store/store.js';
import type { CustomerDoc } from '../src/store/types.js';
import { actionIds } from '../slack/ids.js';
import { CreditFlags, liftPrepayOnly } from '../slack/services/credit-flags.js';
import { deliverOpenTasks } from '../slack/services/deliver.js';
import { checkLookalikes, creditCheckKey, knownBadAccounts, lookalikeTaskId, type LookalikeDeps } from '../slack/services/lookalike.js';
import { customerDoc, saveCustomer } from './helpers/accounts.js';
import { ORG, SIGNING_SECRET, seedAcme, seedPeople, startHarness, users, waitFor, type Harness } from './sandbox/slack/harness.js';
import { blockAction, sendInteraction } from './sandbox/slack/signed.js';

const T0 = new Date('2025-06-10T15:00:00Z');
const TOKEN = 'admin-token-0123456789abcdefghij';

describe('look-alike alerts in Slack', () => {
  let h: Harness;
  let acme: CustomerDoc;
  let deps: LookalikeDeps;
  const api = () => createApp({ db: h.store.db, logger: createLogger('silent'), adminApiToken: TOKEN, bodyLimit: '1mb', adminRouters: [adminRouter({ store: h.store })] });
  const creditStatus = async (id: string) => (await request(api()).get(`/api/accounts/${encodeURIComponent(id)}/credit-status`).set({ authorization: `Bearer ${TOKEN}` })).body as Record<string, unknown>;

  beforeAll(async () => {
    h = await startHarness('lookalikeslack', T0, { replan: () => Promise.resolve() });
    await seedPeople(h);
    acme = await seedAcme(h);
    await saveCustomer(h.store, { ...acme, phone: '+1 (415) 555-0142', address: '12 Pier St, San Francisco, CA, 94111, USA' }, []);
    // Acme was referred to the collection agency (approved by an approver who did not ask).
    await h.store.approvals.request({ _id: `${acme._id}:agency-referral:1`, orgId: ORG, customerId: acme._id, kind: 'agency_referral', requestedBy: { kind: 'person', id: users.collector.email }, reason: 'ladder' }, T0);
    await h.store.approvals.decide(`${acme._id}:agency-referral:1`, 'approved', { kind: 'person', id: users.approver.email, name: users.approver.name }, T0);
    deps = { store: h.store, policies: storedPolicySource(h.store.policies), now: () => h.clock.now, logger: createLogger('silent') };
  });
  afterAll(async () => {
    await h.stop();
  });

  /** A new customer with Acme's phone (another format) and email domain, under a new name. */
  async function newCustomer(externalId: string, name: string): Promise<CustomerDoc> {
    const c = customerDoc(ORG, externalId, name, [{ id: 'p', name: 'Pat Payables', email: `pat.${externalId}@acme.example`, roles: ['billing'] }], h.clock.now, { phone: '415.555.0142', email: `ap.${externalId}@acme.example` });
    await saveCustomer(h.store, c, []);
    return c;
  }

  /** The alert posted for a flag, and press a button on it as `userId`. */
  function alertOf(flagId: string): { channel: string; ts: string }[] {
    return [...h.sandbox.messages.values()].filter((m) => JSON.stringify(m.blocks).includes(JSON.stringify(flagId))).map((m) => ({ channel: m.channel, ts: m.ts }));
  }
  async function press(actionId: string, flagId: string, userId: string, post: { channel: string; ts: string }): Promise<void> {
    expect((await sendInteraction(h.endpoint, SIGNING_SECRET, blockAction({ userId }, { actionId, value: flagId, channel: post.channel, ts: post.ts }))).status).toBe(200);
  }

  it('flags the look-alike once, tells the managers with the evidence side by side, and Make prepay-only sets prepay-only', async () => {
    const zen = await newCustomer('501', 'Zenith Supply Co');
    const r = await checkLookalikes(deps, ORG, [zen._id]);
    expect(r.flagged.map((f) => f._id)).toEqual([lookalikeFlagId(zen._id, acme._id)]);
    const flag = r.flagged[0];
    expect(flag).toMatchObject({ knownId: acme._id, knownName: 'Acme Industrial', knownReasons: ['agency_referral'], status: 'open' });
    expect(flag?.matched.map((m) => m.field)).toEqual(['phone', 'emailDomain']);
    expect(flag?.score).toBeGreaterThanOrEqual(0.7);
    // Checking again (nothing changed, or forced) stores and alerts nothing more.
    expect(await checkLookalikes(deps, ORG, [zen._id])).toMatchObject({ checked: 0, unchanged: 1, flagged: [] });
    expect((await checkLookalikes(deps, ORG, [zen._id], { force: true })).flagged).toEqual([]);
    expect((await h.store.audit.list(zen._id)).filter((e) => e.action === 'lookalike.flagged')).toHaveLength(1);

    expect((await deliverOpenTasks(h.slack.services)).delivered).toBe(1);
    expect((await deliverOpenTasks(h.slack.services)).delivered).toBe(0);
    const flagId = lookalikeFlagId(zen._id, acme._id);
    const posts = h.sandbox.callsOf('chat.postMessage').filter((c) => String(c.args['text']).startsWith('Returning bad payer?'));
    // Abe is the organisation's one manager.
    expect(posts.map((p) => p.args['channel'])).toEqual(['D0APP0002']);
    const blocks = JSON.stringify(posts[0]?.args['blocks']);
    for (const text of ['Zenith Supply Co', 'Acme Industrial', 'referred to the collection agency', '415.555.0142', '+1 (415) 555-0142', 'acme.example', actionIds.lookalikePrepay, actionIds.lookalikeDismiss, actionIds.lookalikeCreditCheck]) expect(blocks).toContain(text);
    const post = alertOf(flagId)[0];
    if (!post) throw new Error('no alert');

    // A sales rep may not decide it; they are told, nothing changes.
    await press(actionIds.lookalikePrepay, flagId, users.stranger.id, post);
    await waitFor('the rep told', () => h.sandbox.callsOf('chat.postEphemeral').some((c) => c.args['user'] === users.stranger.id));
    expect((await new LookalikeFlags(h.store.db).get(flagId))?.status).toBe('open');

    await press(actionIds.lookalikePrepay, flagId, users.approver2.id, post);
    await waitFor('prepay-only', async () => (await new CreditFlags(h.store.db).get(zen._id))?.prepayOnly === true);
    await waitFor('the alert updated', () => h.sandbox.callsOf('chat.update').length === 1);
    expect(JSON.stringify(h.sandbox.callsOf('chat.update')[0]?.args['blocks'])).toContain('Made prepay-only');
    expect(JSON.stringify(h.sandbox.callsOf('chat.update')[0]?.args['blocks'])).not.toContain(actionIds.lookalikeDismiss);
    const audit = (await h.store.audit.list(zen._id)).map((e) => e.action);
    expect(audit).toEqual(expect.arrayContaining(['lookalike.flagged', 'slack.lookalike_alerted', 'account.prepay_only', 'lookalike.prepay']));
    expect(await creditStatus(zen._id)).toMatchObject({
      prepayOnly: true,
      lookalike: { flagged: true, flags: [{ knownAccountId: acme._id, knownAccountName: 'Acme Industrial', knownAs: ['agency_referral'], status: 'prepay', matched: [{ field: 'phone' }, { field: 'emailDomain' }] }] },
    });

    // A second press (another button) is told it was decided; nothing else happens.
    await press(actionIds.lookalikeDismiss, flagId, users.approver2.id, post);
    await waitFor('told decided', () => h.sandbox.callsOf('chat.postEphemeral').some((c) => c.args['user'] === users.approver2.id && String(c.args['text']).includes('already decided')));
    expect((await new LookalikeFlags(h.store.db).get(flagId))?.status).toBe('prepay');

    // Zenith is now a known bad account itself; once a manager lifts its prepay-only it is not any more.
    expect((await knownBadAccounts(h.store, ORG)).get(zen._id)).toEqual(['prepay_only']);
    await liftPrepayOnly(h.store, { customerId: zen._id, orgId: ORG, reason: 'cleared by the credit check', actor: { kind: 'person', id: users.approver2.email }, channel: 'api', now: h.clock.now });
    expect((await knownBadAccounts(h.store, ORG)).has(zen._id)).toBe(false);
  });

  it('Not the same business is remembered: the pair never alerts again, even after an edit', async () => {
    const nova = await newCustomer('502', 'Nova Traders');
    const [flag] = (await checkLookalikes(deps, ORG, [nova._id])).flagged;
    if (!flag) throw new Error('no flag');
    await deliverOpenTasks(h.slack.services);
    const post = alertOf(flag._id)[0];
    if (!post) throw new Error('no alert');
    await press(actionIds.lookalikeDismiss, flag._id, users.approver2.id, post);
    await waitFor('dismissed and audited', async () => (await h.store.audit.list(nova._id)).some((e) => e.action === 'lookalike.dismissed'));
    expect((await new LookalikeFlags(h.store.db).get(flag._id))?.status).toBe('dismissed');
    expect((await h.store.audit.list(nova._id)).filter((e) => e.action === 'lookalike.dismissed')).toHaveLength(1);
    expect(await creditStatus(nova._id)).toMatchObject({ prepayOnly: false, lookalike: { flagged: false, flags: [{ status: 'dismissed' }] } });

    // The customer is edited in the ledger (a new address): checked again, the dismissed pair is skipped.
    await saveCustomer(h.store, { ...nova, address: '9 Other Rd, Oakland, CA, 94607, USA' }, []);
    const again = await checkLookalikes(deps, ORG, [nova._id]);
    expect(again).toMatchObject({ checked: 1, flagged: [] });
    expect(await h.store.db.collection(collections.tasks).countDocuments({ _id: lookalikeTaskId(flag._id) as never, status: 'open' })).toBe(0);
    expect((await h.store.audit.list(nova._id)).filter((e) => e.action === 'lookalike.flagged')).toHaveLength(1);
  });

  it('Ask for a credit check enqueues a task for the collector through the outbox, once', async () => {
    const orb = await newCustomer('503', 'Orbital Goods');
    const [flag] = (await checkLookalikes(deps, ORG, [orb._id])).flagged;
    if (!flag) throw new Error('no flag');
    await deliverOpenTasks(h.slack.services);
    const post = alertOf(flag._id)[0];
    if (!post) throw new Error('no alert');
    await press(actionIds.lookalikeCreditCheck, flag._id, users.approver2.id, post);
    await waitFor('asked and audited', async () => (await h.store.audit.list(orb._id)).some((e) => e.action === 'lookalike.credit_check'));
    const entry = await waitFor('the entry', () => h.store.outbox.get(creditCheckKey(flag._id)));
    expect(entry).toMatchObject({ channel: 'task', kind: 'creditCheck', state: 'pending', customerId: orb._id });
    // The dispatcher hands it to the task channel: the collector's task.
    const parsed = parsePayload(entry.payload);
    if (!parsed.ok) throw new Error(parsed.problem);
    const send = () => new TaskChannel(h.store.db).send({ entry, action: parsed.payload.action, accountName: orb.displayName, customer: orb, org: null, invoices: [], now: h.clock.now, previousContacts: 0 });
    expect(await send()).toMatchObject({ ok: true, result: { stored: true } });
    expect(await send()).toMatchObject({ ok: true, result: { stored: false } });
    const task = await h.store.db.collection(collections.tasks).findOne({ _id: creditCheckKey(flag._id) as never });
    expect(task).toMatchObject({ kind: 'credit-check', assignee: { role: 'collector' }, status: 'open', title: expect.stringContaining('looks like Acme Industrial') });
    expect((await h.store.audit.list(orb._id)).map((e) => e.action)).toEqual(expect.arrayContaining(['outbox.enqueued', 'lookalike.credit_check']));
    expect(await creditStatus(orb._id)).toMatchObject({ prepayOnly: false, lookalike: { flagged: true, flags: [{ status: 'credit_check' }] } });
  });

  it('leaves unrelated customers and organisations without known bad payers alone', async () => {
    const plain = customerDoc(ORG, '504', 'Quiet Customer Ltd', [{ id: 'q', name: 'Q', email: 'q@quiet.example', roles: ['billing'] }], h.clock.now, { phone: '+1 212 555 0199' });
    await saveCustomer(h.store, plain, []);
    expect(await checkLookalikes(deps, ORG, [plain._id])).toMatchObject({ checked: 1, flagged: [] });
    expect(await checkLookalikes(deps, 'org-without-bad-payers', 'all')).toEqual({ checked: 0, unchanged: 0, flagged: [] });
  });
});

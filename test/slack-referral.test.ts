// An approved agency referral, end to end: an approver approves in Slack
// (signed request) → the account is prepay-only (credit-status says so) and the
// outbox holds agency-packet:<approval> → the dispatcher's agency channel
// emails the referral packet ZIP to the organisation's agency over SMTP (the
// sink), once; the ZIP unzips to the packet's files; the audit trail says where
// it went. Without an agency address the approver is told and the entry fails
// for good (recorded, not dropped); an account paid in full before dispatch
// gets no packet (cancelled, audited).
import express from 'express';
import JSZip from 'jszip';
import request from 'supertest';
import { createApp } from '../src/http/app.js';
import { createLogger } from '../src/logger.js';
import { createChannels, createSmtpTransport, Dispatcher, type SmtpTransport } from '../src/outbox/index.js';
import type { CustomerDoc } from '../src/store/types.js';
import { actionIds, inputIds, viewIds } from '../slack/ids.js';
import { adminRouter } from '../app/http/admin.js';
import { deliverOpenTasks } from '../slack/services/deliver.js';
import { agencyPacketKey } from '../slack/services/effects.js';
import { customerDoc, invoiceDoc, payInvoice, saveCustomer, standardContacts } from './helpers/accounts.js';
import { expectFixture } from './sandbox/slack/fixtures.js';
import { startSmtpSink, type SmtpSink, type SunkMessage } from './helpers/smtp-sink.js';
import { approvalTask, ORG, seedAcme, seedPeople, SIGNING_SECRET, startHarness, users, waitFor, type Harness } from './sandbox/slack/harness.js';
import { blockAction, sendInteraction, viewSubmission } from './sandbox/slack/signed.js';

const T0 = new Date('2025-06-10T15:00:00Z');
const AGENCY = { documents: { agency: { name: 'Recovery Partners', email: 'referrals@recovery.example' } } };
const TOKEN = 'admin-token-0123456789abcdefghij';

/** The base64 body of the MIME part of `type` in a raw message. */
function attachment(m: SunkMessage, type: string): { filename: string; content: Buffer } | null {
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(m.raw)?.[1];
  if (!boundary) return null;
  for (const part of m.raw.split(`--${boundary}`)) {
    const [head = '', ...body] = part.split(/\r?\n\r?\n/);
    if (!new RegExp(`Content-Type:\\s*${type}`, 'i').test(head)) continue;
    const filename = /filename="?([^";\r\n]+)"?/i.exec(head.replace(/\r?\n[ \t]+/g, ' '))?.[1] ?? '';
    return { filename, content: Buffer.from(body.join('\n').replace(/\s+/g, ''), 'base64') };
  }
  return null;
}

describe('Slack: an approved agency referral', () => {
  let h: Harness;
  let acme: CustomerDoc;
  let sink: SmtpSink;
  let transport: SmtpTransport;
  let api: express.Express;

  beforeAll(async () => {
    // Re-planning is the worker's (plan-requested); here only the packet's entry should reach the dispatcher.
    h = await startHarness('slackreferral', T0, { replan: () => Promise.resolve() });
    await seedPeople(h);
    acme = await seedAcme(h);
    await h.store.organisations.setSettings(ORG, AGENCY, T0);
    sink = await startSmtpSink();
    transport = createSmtpTransport(sink.url, { maxConnections: 1, timeoutMs: 5_000 });
    api = createApp({ db: h.store.db, logger: createLogger('silent'), adminApiToken: TOKEN, bodyLimit: '1mb', adminRouters: [adminRouter({ store: h.store })] });
  });
  afterAll(async () => {
    transport.close();
    await sink.close();
    await h.stop();
  });

  const dispatch = (sendEnabled = true) =>
    new Dispatcher(h.store, { worker: 'w1', now: () => h.clock.now, sendEnabled, channels: createChannels(h.store.db, { transport, from: 'Northwind Collections <ar@northwind.example>' }, { store: h.store }) }).runOnce();
  const creditStatus = async (id: string) => (await request(api).get(`/api/accounts/${encodeURIComponent(id)}/credit-status`).set({ authorization: `Bearer ${TOKEN}` })).body as Record<string, unknown>;

  /** Deliver the approval request and approve it as Ada (an approver who did not ask). */
  async function approve(customer: CustomerDoc, approvalId: string): Promise<void> {
    await approvalTask(h, customer, approvalId);
    expect((await deliverOpenTasks(h.slack.services)).delivered).toBe(1);
    const dm = [...h.sandbox.messages.values()].filter((m) => m.channel === 'D0APP0001').pop();
    if (!dm) throw new Error('no DM to Ada');
    expect((await sendInteraction(h.endpoint, SIGNING_SECRET, blockAction({ userId: users.approver.id }, { actionId: actionIds.approve, value: approvalId, channel: dm.channel, ts: dm.ts }))).status).toBe(200);
    await waitFor('approved', async () => (await h.store.approvals.get(approvalId))?.status === 'approved');
    await waitFor('the packet entry', () => h.store.outbox.get(agencyPacketKey(approvalId)));
  }

  it('makes the account prepay-only and emails the packet ZIP to the agency once', async () => {
    expect(await creditStatus(acme._id)).toMatchObject({ onHold: false, prepayOnly: false });
    const approvalId = `${acme._id}:agency-referral:1`;
    await approve(acme, approvalId);
    expect(await creditStatus(acme._id)).toEqual({ onHold: false, since: null, reason: null, placedBy: null, prepayOnly: true, prepayOnlySince: T0.toISOString(), prepayOnlyLiftedAt: null, lookalike: { flagged: false, flags: [] } });
    const key = agencyPacketKey(approvalId);
    expect(await h.store.outbox.get(key)).toMatchObject({ channel: 'agency', kind: 'agencyPacket', state: 'pending' });
    await waitFor('the decision shown', () => h.sandbox.callsOf('chat.update').length === 3);
    expect(JSON.stringify(h.sandbox.callsOf('chat.update')[0]?.args['blocks'])).toContain('The referral packet goes to Recovery Partners');
    expectFixture('approval-approved-referral', h.sandbox.callsOf('chat.update')[0]?.args['blocks']);

    expect(await dispatch()).toMatchObject({ sent: 1, failed: 0, cancelled: 0 });
    expect(await dispatch()).toMatchObject({ claimed: 0 });
    const mails = sink.messages.filter((m) => m.headers.get('x-overdue-key') === key);
    expect(mails).toHaveLength(1);
    const mail = mails[0];
    if (!mail) throw new Error('no mail');
    expect(mail.to).toEqual(['referrals@recovery.example']);
    expect(mail.headers.get('subject')).toBe('Collection referral: Acme Industrial (Northwind Supply Co.)');
    expect(mail.raw).toContain(`approved by ${users.approver.name}`);
    const zip = attachment(mail, 'application/zip');
    expect(zip?.filename).toMatch(/\.zip$/);
    const files = Object.keys((await JSZip.loadAsync(zip?.content ?? Buffer.alloc(0))).files).sort();
    expect(files).toEqual([
      // No final demand was sent to this account in this test: the packet encloses none (it used to draw one dated
      // today); the letters it encloses are the stored copies of those sent (test/sent-documents.test.ts).
      '01-cover-sheet.pdf',
      '03-statement-of-account-2025-06-10.pdf',
      '04-invoices/',
      '04-invoices/INV-1042.pdf',
      '04-invoices/INV-1050.pdf',
      '05-contacts.csv',
      '06-audit-trail.csv',
      '06-audit-trail.pdf',
      'MANIFEST.sha256',
    ]);
    const audit = await h.store.audit.list(acme._id);
    expect(audit.filter((e) => e.action === 'outbox.sent' && e.details?.['key'] === key).map((e) => e.outcome)).toEqual(['referral packet sent to referrals@recovery.example']);
    expect(audit.filter((e) => e.action === 'account.prepay_only')).toHaveLength(1);
  });

  it('without an agency address: the approver is told, the audit trail says so, the entry fails for good', async () => {
    await h.store.organisations.setSettings(ORG, {}, h.clock.now);
    const approvalId = `${acme._id}:agency-referral:2`;
    await approve(acme, approvalId);
    const told = await waitFor('the approver is told', () => h.sandbox.callsOf('chat.postEphemeral').find((c) => c.args['user'] === users.approver.id));
    expect(String(told.args['text'])).toMatch(/^No agency address is configured \(documents settings agency\.email\): the referral packet cannot be sent/);
    const audit = await h.store.audit.list(acme._id);
    expect(audit.filter((e) => e.action === 'referral_packet.blocked')).toHaveLength(1);
    const before = sink.messages.length;
    expect(await dispatch()).toMatchObject({ sent: 0, failed: 1, retried: 0 });
    expect(sink.messages).toHaveLength(before);
    expect(await h.store.outbox.get(agencyPacketKey(approvalId))).toMatchObject({ state: 'failed', lastError: expect.stringMatching(/^no agency address/) });
    const failed = (await h.store.audit.list(acme._id)).filter((e) => e.action === 'outbox.failed');
    expect(failed.map((e) => e.outcome)).toEqual([expect.stringMatching(/^permanent failure: no agency address: set documents\.agency\.email/)]);
    // The collector is told too (an alert for the failed customer-facing entry), with what happens next.
    const posts = h.sandbox.callsOf('chat.postMessage').length;
    expect((await deliverOpenTasks(h.slack.services)).delivered).toBe(1);
    const alert = h.sandbox.callsOf('chat.postMessage')[posts];
    expect(alert?.args['channel']).toBe('D0COL0001');
    expect(JSON.stringify(alert?.args['blocks'])).toContain('referral packet to the collection agency could not be sent');
    expect(JSON.stringify(alert?.args['blocks'])).toContain('Overdue does not re-send the referral packet');
  });

  it('an account paid in full before dispatch gets no packet (cancelled, audited); dry run sends nothing', async () => {
    await h.store.organisations.setSettings(ORG, AGENCY, h.clock.now);
    const globex = customerDoc(ORG, '77', 'Globex', standardContacts('globex.example'), h.clock.now);
    const inv = invoiceDoc(globex, '2001', 'INV-2001', '2025-03-01', 500_000, h.clock.now);
    await saveCustomer(h.store, globex, [inv]);
    const approvalId = `${globex._id}:agency-referral:1`;
    await approve(globex, approvalId);
    await payInvoice(h.store, inv, h.clock.now);
    const before = sink.messages.length;
    expect(await dispatch()).toMatchObject({ sent: 0, cancelled: 1 });
    expect(sink.messages).toHaveLength(before);
    expect(await h.store.outbox.get(agencyPacketKey(approvalId))).toMatchObject({ state: 'cancelled' });
    expect((await h.store.audit.list(globex._id)).filter((e) => e.action === 'outbox.cancelled').map((e) => e.outcome)).toEqual(['the account was paid in full before the referral packet went to the agency']);

    // Sending off (a new connection's dry run): the packet is built and recorded, not mailed.
    const dry = customerDoc(ORG, '78', 'Initech', standardContacts('initech.example'), h.clock.now);
    await saveCustomer(h.store, dry, [invoiceDoc(dry, '3001', 'INV-3001', '2025-03-01', 250_000, h.clock.now)]);
    const dryId = `${dry._id}:agency-referral:1`;
    await approve(dry, dryId);
    expect(await dispatch(false)).toMatchObject({ sent: 1 });
    expect(sink.messages).toHaveLength(before);
    expect((await h.store.outbox.get(agencyPacketKey(dryId)))?.result).toMatchObject({ dryRun: true, to: 'referrals@recovery.example' });
  });
  it('a manager lifts prepay-only from the approved request (not an approver who is no manager; once under two submissions), audited, shown', async () => {
    const approvalId = `${acme._id}:agency-referral:1`;
    expect(await creditStatus(acme._id)).toMatchObject({ prepayOnly: true });
    const posted = await h.slack.services.messages.byApproval(approvalId);
    const abe = posted?.posts.find((p) => p.user === users.approver2.id);
    const ada = posted?.posts.find((p) => p.user === users.approver.id);
    if (!abe || !ada) throw new Error('no copies of the request');
    const press = (userId: string, at: { channel: string; ts: string }) =>
      sendInteraction(h.endpoint, SIGNING_SECRET, blockAction({ userId }, { actionId: actionIds.liftPrepay, value: approvalId, channel: at.channel, ts: at.ts }));

    const opened = h.sandbox.callsOf('views.open').length;
    await press(users.approver.id, ada);
    await waitFor('Ada is told', () => h.sandbox.callsOf('chat.postEphemeral').find((c) => c.args['user'] === users.approver.id && c.args['text'] === 'Only managers and admins can do this.'));
    expect(h.sandbox.callsOf('views.open')).toHaveLength(opened);

    await press(users.approver2.id, abe);
    const view = (await waitFor('the modal', () => h.sandbox.callsOf('views.open')[opened])).args['view'] as { callback_id: string; private_metadata: string };
    expect(view.callback_id).toBe(viewIds.liftPrepay);
    expectFixture('prepay-lift-modal', view);
    const submit = () =>
      sendInteraction(h.endpoint, SIGNING_SECRET, viewSubmission({ userId: users.approver2.id }, {
        callbackId: viewIds.liftPrepay, privateMetadata: view.private_metadata,
        values: { [inputIds.reason.block]: { [inputIds.reason.action]: { type: 'plain_text_input', value: 'Settled with the agency' } } },
      }));
    const updates = h.sandbox.callsOf('chat.update').length;
    await Promise.all([submit(), submit()]);
    await waitFor('every copy updated', () => h.sandbox.callsOf('chat.update').length >= updates + (posted?.posts.length ?? 0));
    await waitFor('the other submission is told', () => h.sandbox.callsOf('chat.postEphemeral').find((c) => c.args['user'] === users.approver2.id && String(c.args['text']).startsWith('Nothing changed')));
    expect(await creditStatus(acme._id)).toMatchObject({ prepayOnly: false, prepayOnlySince: null, prepayOnlyLiftedAt: T0.toISOString() });
    const lifted = (await h.store.audit.list(acme._id)).filter((e) => e.action === 'account.prepay_only_lifted');
    expect(lifted.map((e) => [e.actor.id, e.channel, e.outcome])).toEqual([[users.approver2.email, 'slack', 'prepay-only lifted by Abe Approver: Settled with the agency']]);
    const shown = h.sandbox.callsOf('chat.update').at(-1)?.args['blocks'];
    expect(JSON.stringify(shown)).toContain('Prepay-only lifted');
    expect(JSON.stringify(shown)).not.toContain(actionIds.liftPrepay);
    expectFixture('approval-prepay-lifted', shown);
  });
});

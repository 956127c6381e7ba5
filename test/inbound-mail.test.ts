// Inbound mail end to end, through real parts: a reminder goes through the
// dispatcher to the SMTP sink carrying the account's reply address; the reply
// is APPENDed to a real Dovecot on loopback (test/helpers/dovecot.ts) and read by
// the poll job over IMAP, or POSTed to the web app's Mailgun route with a real
// signature; the process job pauses the ladder, puts the reply on the account's
// audit trail and the replies store, and posts the reply card to the collector in
// the Slack sandbox; the collector clicks *Record promise* on it (a signed
// block_actions request to the running Slack app), submits the modal, and the
// promise is on the account, audited with the reply's id, the reply settled.
// A delivery report (5.1.1) bounces the billing contact once however often it
// arrives, and the next plan writes to the next contact; an out-of-office is
// recorded with its return date and pauses nothing.
import { ImapFlow } from 'imapflow';
import type { Server } from 'node:http';
import { buildWebApp } from '../app/http/web.js';
import { pollInbound, processInbound } from '../jobs/inbound.js';
import type { Services } from '../jobs/agenda.js';
import { loadConfig, type InboundConfig } from '../src/config.js';
import { zonedInstant } from '../src/domain/calendar.js';
import { mailgunSignature } from '../src/inbound/mailgun.js';
import { inboundStore, type ReplyDoc } from '../src/inbound/store.js';
import type { AlertTaskDoc } from '../src/outbox/alerts.js';
import { createChannels, createSmtpTransport, Dispatcher, type SmtpTransport } from '../src/outbox/index.js';
import { withReplyAddresses } from '../src/outbox/wiring.js';
import { accountStates } from '../src/planning/state.js';
import { collections } from '../src/store/store.js';
import type { CustomerDoc, OutboxEntryDoc } from '../src/store/types.js';
import { deliverOpenTasks } from '../slack/services/deliver.js';
import { customerDoc, invoiceDoc, liveConnection, saveCustomer, standardContacts } from './helpers/accounts.js';
import { startDovecot, type Dovecot } from './helpers/dovecot.js';
import { testServices } from './helpers/services.js';
import { startSmtpSink, type SmtpSink, type SunkMessage } from './helpers/smtp-sink.js';
import { ORG, seedAcme, seedPeople, SIGNING_SECRET, startHarness, users, waitFor, type Harness } from './sandbox/slack/harness.js';
import { blockAction, sendInteraction, viewSubmission } from './sandbox/slack/signed.js';
import { actionIds, inputIds, viewIds } from '../slack/ids.js';
import { replyCardId } from '../slack/services/replies.js';
import { replies } from '../src/store/replies.js';
import { buildLetter } from '../src/documents/letter.js';
import { replyAddressFor } from '../src/inbound/reply-address.js';
import { inv, pdfText, settings, squash } from './documents.helpers.js';

const T0 = new Date('2025-03-01T15:00:00Z');
const at = (date: string, hhmm: string): Date => new Date(zonedInstant(date, hhmm, 'America/Chicago'));
const FROM = 'Northwind Collections <ar@northwind.example>';
const MAILGUN_KEY = 'mailgun-signing-key-for-tests';
const ADMIN = 'admin-token-for-the-inbound-tests-0123';

describe('inbound mail, end to end', () => {
  let h: Harness;
  let sink: SmtpSink;
  let transport: SmtpTransport;
  let dovecot: Dovecot;
  let inbound: InboundConfig;
  let services: Services;
  let server: Server;
  let base: string;
  let seq = 0;

  beforeAll(async () => {
    h = await startHarness('inbound', T0);
    await seedPeople(h);
    await seedAcme(h);
    await liveConnection(h.store, ORG, T0);
    sink = await startSmtpSink();
    transport = createSmtpTransport(sink.url, { maxConnections: 1, timeoutMs: 5_000 });
    dovecot = await startDovecot();
    const config = loadConfig({
      NODE_ENV: 'test', ADMIN_API_TOKEN: ADMIN, MAILGUN_WEBHOOK_SIGNING_KEY: MAILGUN_KEY,
      INBOUND_REPLY_ADDRESS: 'replies@inbound.northwind.example', INBOUND_REPLY_SECRET: 'reply-token-secret-0123456789',
      INBOUND_IMAP_HOST: dovecot.host, INBOUND_IMAP_PORT: String(dovecot.port), INBOUND_IMAP_TLS: 'false', INBOUND_IMAP_USER: dovecot.user, INBOUND_IMAP_PASSWORD: dovecot.password,
      INBOUND_MAX_BYTES: String(64 * 1024),
    });
    inbound = config.inbound;
    services = testServices(h.store, { now: () => h.clock.now, slack: () => h.slack.services, inbound });
    const web = await buildWebApp(config, services, {});
    server = await new Promise<Server>((resolve) => {
      const s = web.app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const addr = server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    transport.close();
    await sink.close();
    await dovecot.stop();
    await h.stop();
  });

  const dispatcher = (now: Date) =>
    new Dispatcher(h.store, {
      worker: 'w1', now: () => now,
      channels: createChannels(h.store.db, withReplyAddresses({ transport, from: FROM, sendEnabled: true }, inbound.replyMailbox, h.store), { store: h.store }),
    });

  /** A customer with one invoice due 2025-03-03, reminded on 2025-03-04 (reminder-1 to billing): the message as the sink got it. */
  async function reminded(domain: string): Promise<{ c: CustomerDoc; sent: SunkMessage }> {
    seq++;
    const c = customerDoc(ORG, `in${seq}`, `Inbound Customer ${seq}`, standardContacts(domain), T0);
    await saveCustomer(h.store, c, [invoiceDoc(c, `ini${seq}`, `INV-${8000 + seq}`, '2025-03-03', 250_000, T0)]);
    const plan = await h.planner.plan(c._id, at('2025-03-04', '08:00'));
    expect(plan.enqueued).toHaveLength(1);
    const before = sink.messages.length;
    expect(await dispatcher(at('2025-03-04', '09:00')).runOnce()).toMatchObject({ sent: 1 });
    const sent = sink.messages.slice(before).find((m) => m.to.includes(`bea@${domain}`));
    if (!sent) throw new Error('the reminder did not reach the sink');
    return { c, sent };
  }

  function rfc822(h: Record<string, string>, body: string): Buffer {
    return Buffer.from(`${Object.entries(h).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\nMIME-Version: 1.0\r\n\r\n${body.replace(/\n/g, '\r\n')}\r\n`);
  }

  async function append(raw: Buffer): Promise<void> {
    const client = new ImapFlow({ host: dovecot.host, port: dovecot.port, secure: false, doSTARTTLS: false, auth: { user: dovecot.user, pass: dovecot.password }, logger: false });
    await client.connect();
    try {
      await client.append('INBOX', raw);
    } finally {
      await client.logout();
    }
  }

  async function postMailgun(fields: Record<string, string>): Promise<Response> {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    return fetch(`${base}/webhooks/mailgun/inbound/mime`, { method: 'POST', body: form });
  }

  function signed(mime: string, token: string, now = h.clock.now): Record<string, string> {
    const timestamp = String(Math.floor(now.getTime() / 1000));
    return { 'body-mime': mime, timestamp, token, signature: mailgunSignature(MAILGUN_KEY, timestamp, token) };
  }

  const dms = () => h.sandbox.callsOf('chat.postMessage').filter((p) => String(p.args['channel']).startsWith('D'));

  /** The reply card the collector was shown for this reply: the chat.postMessage carrying its *Record promise* button. */
  const cardsOf = (replyId: string) =>
    h.sandbox.callsOf('chat.postMessage').filter((p) =>
      ((p.args['blocks'] ?? []) as { type: string; elements?: { action_id?: string; value?: string }[] }[]).some((b) =>
        b.type === 'actions' && (b.elements ?? []).some((e) => e.action_id === actionIds.replyPromise && e.value === replyId)));

  /**
   * The collector clicks *Record promise* on the reply's card (a signed block_actions request to the running
   * Slack app) and submits the modal (a signed view_submission) with the date it was prefilled with:
   * returns that date, after checking it is `expectedDate` when one is given.
   */
  async function recordPromiseFromCard(replyId: string, amount: string, expectedDate?: string): Promise<string> {
    const stored = await h.slack.services.messages.get(replyCardId(replyId));
    const at = stored?.posts[0];
    if (!at) throw new Error(`no card was posted for reply ${replyId}`);
    const opened = h.sandbox.callsOf('views.open').length;
    expect((await sendInteraction(h.endpoint, SIGNING_SECRET, blockAction({ userId: users.collector.id }, { actionId: actionIds.replyPromise, value: replyId, channel: at.channel, ts: at.ts }))).status).toBe(200);
    const view = (await waitFor('views.open', () => h.sandbox.callsOf('views.open')[opened])).args['view'] as Record<string, unknown>;
    expect(view['callback_id']).toBe(viewIds.replyPromise);
    const initial = /"initial_date":"(\d{4}-\d{2}-\d{2})"/.exec(JSON.stringify(view['blocks']))?.[1] ?? '';
    if (expectedDate !== undefined) expect(initial).toBe(expectedDate);
    const updates = h.sandbox.callsOf('chat.update').length;
    const res = await sendInteraction(h.endpoint, SIGNING_SECRET, viewSubmission({ userId: users.collector.id }, {
      callbackId: viewIds.replyPromise,
      privateMetadata: String(view['private_metadata']),
      values: {
        [inputIds.promiseDate.block]: { [inputIds.promiseDate.action]: { type: 'datepicker', selected_date: initial } },
        [inputIds.promiseAmount.block]: { [inputIds.promiseAmount.action]: { type: 'plain_text_input', value: amount } },
      },
    }));
    expect(res.status).toBe(200);
    expect(res.text).not.toContain('errors');
    // The card settled in place: the recorded line, no buttons left.
    const update = await waitFor('chat.update', () => h.sandbox.callsOf('chat.update').slice(updates).find((u) => u.args['ts'] === at.ts));
    expect(JSON.stringify(update.args['blocks'])).toContain(`recorded a promise to pay ${amount} USD by ${initial}`);
    expect(JSON.stringify(update.args['blocks'])).not.toContain(actionIds.replyPromise);
    return initial;
  }

  /** What a recorded promise leaves: the pause on the account, the audit entry naming the reply, the reply's status. */
  async function expectPromiseRecorded(customerId: string, replyId: string, date: string, amountMinor: number): Promise<void> {
    expect((await accountStates(h.store.db).get(customerId))?.promises).toMatchObject([{ promisedDate: date, status: 'open' }]);
    const recorded = (await h.store.audit.list(customerId)).filter((e) => e.action === 'promise.recorded');
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ channel: 'slack', actor: { id: users.collector.email }, details: { replyId, date, amountMinor, currency: 'USD' } });
    // The card's update, the reply's status and the message record are written together: wait for each.
    await waitFor('reply status promise', async () => (await replies(h.store.db).get(ORG, replyId))?.status === 'promise');
    await waitFor('the card resolved', async () => (await h.slack.services.messages.get(replyCardId(replyId)))?.resolvedAt);
  }

  it('IMAP: a reply to the reminder pauses the ladder, lands on the audit trail and the replies, the collector gets its card once, and its button records the promise', async () => {
    const { c, sent } = await reminded('imap-reply.example');
    const replyTo = sent.headers.get('reply-to') ?? '';
    expect(replyTo).toMatch(/^replies\+[a-z2-7]{16}@inbound\.northwind\.example$/);
    const messageId = sent.headers.get('message-id') ?? '';

    h.clock.now = at('2025-03-04', '10:00');
    await append(rfc822({
      From: 'Bea Billing <bea@imap-reply.example>', To: replyTo, Subject: `Re: ${sent.headers.get('subject') ?? ''}`,
      'Message-ID': '<reply-1@imap-reply.example>', 'In-Reply-To': messageId, Date: h.clock.now.toUTCString(), 'Content-Type': 'text/plain; charset=utf-8',
    }, 'We will pay on Friday 14 March.\n\n> Dear Bea, invoice INV-8001 is past due.'));

    const polled = await pollInbound(services);
    expect(polled).toMatchObject({ unseen: 1, stored: 1, refused: 0 });
    expect(await pollInbound(services)).toMatchObject({ unseen: 0 }); // marked \Seen
    const id = polled.ids[0] ?? '';

    const outcome = await processInbound(services, id);
    expect(outcome.kind).toBe('reply');
    // The reply, stored in the shape the Slack reply card shares.
    const reply = await h.store.db.collection<ReplyDoc>(collections.replies).findOne({ _id: id });
    expect(reply).toEqual({
      _id: id, orgId: ORG, customerId: c._id, receivedAt: h.clock.now, from: 'bea@imap-reply.example', subject: expect.stringMatching(/^Re: /),
      text: expect.stringContaining('We will pay on Friday 14 March.'), attachments: [], status: 'open', inboundMailId: id,
    });
    // The pause: lastCustomerReplyAt written, and the next plan sends no email while it lasts.
    expect((await accountStates(h.store.db).get(c._id))?.lastCustomerReplyAt).toEqual(h.clock.now);
    const next = await h.planner.plan(c._id, at('2025-03-05', '08:00'));
    expect(JSON.stringify(next.decision?.reasons)).toContain('customer replied');
    expect(next.enqueued).toEqual([]);
    // The audit trail (the account's timeline).
    const trail = await h.store.audit.list(c._id);
    expect(trail.filter((e) => e.action === 'reply.received')).toHaveLength(1);
    expect(trail.find((e) => e.action === 'reply.received')?.outcome).toContain('bea@imap-reply.example replied');
    // The collector's reply card (a DM), once even when the message is processed again: the reply's words, the
    // promise it makes suggested with its date, the four buttons.
    const cards = cardsOf(id);
    expect(cards).toHaveLength(1);
    expect(cards[0]?.args['channel']).toBe('D0COL0001');
    const card = JSON.stringify(cards[0]?.args['blocks']);
    expect(card).toContain(`Reply from ${c.displayName}`);
    expect(card).toContain('We will pay on Friday 14 March.');
    expect(card).toContain('*Suggested: Record promise* for 2025-03-14');
    for (const action of [actionIds.replyPromise, actionIds.replyDispute, actionIds.replyPaid, actionIds.replyUnrelated]) expect(card).toContain(`"${action}"`);
    await processInbound(services, id);
    expect(cardsOf(id)).toHaveLength(1);
    expect((await h.store.audit.list(c._id)).filter((e) => e.action === 'reply.received')).toHaveLength(1);
    expect((await h.store.audit.list(c._id)).filter((e) => e.action === 'slack.reply_delivered')).toMatchObject([{ details: { replyId: id, suggestion: 'promise', suggestedDate: '2025-03-14' } }]);

    // The collector clicks *Record promise*: the modal comes prefilled with the date the customer named; submitted,
    // the promise is on the account, audited with the reply it came from, and the reply is settled as a promise.
    h.clock.now = at('2025-03-04', '11:00');
    const date = await recordPromiseFromCard(id, '2,500.00', '2025-03-14');
    await expectPromiseRecorded(c._id, id, date, 250_000);
    // The ladder now waits for the promised date, and says so.
    const after = await h.planner.plan(c._id, at('2025-03-12', '08:00'));
    expect(JSON.stringify(after.decision?.reasons)).toContain('paused: promise to pay by');
    expect(after.enqueued).toEqual([]);
  });

  it('IMAP: a message over the size limit is recorded as refused, never taken in, and marked seen', async () => {
    await append(rfc822({ From: 'big@attach.example', To: 'replies@inbound.northwind.example', Subject: 'Huge scan', 'Message-ID': '<big-1@attach.example>' }, 'x'.repeat(70 * 1024)));
    expect(await pollInbound(services)).toMatchObject({ unseen: 1, stored: 0, refused: 1 });
    const [refused] = await inboundStore(h.store.db).mail.list({ status: 'refused' }, 10);
    expect(refused).toMatchObject({ status: 'refused', messageId: 'big-1@attach.example', subject: 'Huge scan' });
    expect(refused && 'raw' in refused).toBe(false);
    expect(await pollInbound(services)).toMatchObject({ unseen: 0 });
  });

  it('Mailgun: a signed reply is stored and processed like the IMAP one; a wrong signature, a stale or replayed token are refused without a trace', async () => {
    const { c, sent } = await reminded('mailgun-reply.example');
    const replyTo = sent.headers.get('reply-to') ?? '';
    h.clock.now = new Date();
    const mime = rfc822({
      From: 'Bea Billing <bea@mailgun-reply.example>', To: replyTo, Subject: 'Re: your reminder', 'Message-ID': '<reply-mg-1@mailgun-reply.example>',
      Date: h.clock.now.toUTCString(), 'Content-Type': 'text/html; charset=utf-8',
    }, '<p>We <b>paid</b> last Friday</p><script>alert(1)</script>').toString();

    const wrong = await postMailgun({ ...signed(mime, 't'.repeat(50)), signature: mailgunSignature('not-the-key', '1', 'x') });
    expect(wrong.status).toBe(401);
    const body = await wrong.text();
    expect(JSON.parse(body)).toEqual({ error: { code: 'unauthorized', message: expect.stringContaining('signature') } });
    expect(body).not.toMatch(/at .*\.ts|stack/i);
    const stale = await postMailgun(signed(mime, 's'.repeat(50), new Date(Date.now() - 3_600_000)));
    expect(stale.status).toBe(401);

    const ok = await postMailgun(signed(mime, 'a'.repeat(50)));
    expect(ok.status).toBe(200);
    const { id } = (await ok.json()) as { id: string };
    const replayed = await postMailgun(signed(mime, 'a'.repeat(50)));
    expect(replayed.status).toBe(401);

    const outcome = await processInbound(services, id);
    expect(outcome).toMatchObject({ kind: 'reply', reply: { customerId: c._id, text: expect.stringContaining('We paid last Friday') } });
    if (outcome.kind !== 'reply') throw new Error('not a reply');
    expect(outcome.reply.text).not.toMatch(/<|script|alert/);
    expect((await accountStates(h.store.db).get(c._id))?.lastCustomerReplyAt).toBeDefined();
    // The collector's card: the reply's words, the paid claim suggested; the collector records a promise anyway
    // (the customer's "paid" is not in the books yet), on the date the modal offers.
    const cards = cardsOf(id);
    expect(cards).toHaveLength(1);
    expect(cards[0]?.args['channel']).toBe('D0COL0001');
    expect(JSON.stringify(cards[0]?.args['blocks'])).toContain('We paid last Friday');
    expect((await h.store.audit.list(c._id)).filter((e) => e.action === 'slack.reply_delivered')).toMatchObject([{ details: { replyId: id, suggestion: 'paid' } }]);
    const date = await recordPromiseFromCard(id, '2,500.00');
    await expectPromiseRecorded(c._id, id, date, 250_000);

    // Over the size limit: 406 (Mailgun does not retry it) and recorded as refused.
    const big = await postMailgun(signed(rfc822({ From: 'x@big.example', Subject: 'big', 'Message-ID': '<big-mg@big.example>' }, 'y'.repeat(70 * 1024)).toString(), 'b'.repeat(50)));
    expect(big.status).toBe(406);
    // Unmatched mail stays listed.
    const stray = await postMailgun(signed(rfc822({ From: 'nobody@stranger.example', To: 'replies@inbound.northwind.example', Subject: 'hello', 'Message-ID': '<stray@stranger.example>' }, 'Who are you?').toString(), 'c'.repeat(50)));
    const strayId = ((await stray.json()) as { id: string }).id;
    expect(await processInbound(services, strayId)).toMatchObject({ kind: 'unmatched' });
    const list = await fetch(`${base}/api/inbound-mail?status=unmatched`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(list.status).toBe(200);
    expect(((await list.json()) as { messages: { id: string; from: string }[] }).messages).toEqual([expect.objectContaining({ id: strayId, from: 'nobody@stranger.example' })]);
    expect((await fetch(`${base}/api/inbound-mail?status=nope`, { headers: { authorization: `Bearer ${ADMIN}` } })).status).toBe(422);
  });

  it('a delivery report (5.1.1) for the billing contact bounces it once, tells the collector once, and the ladder moves to the next contact', async () => {
    const { c, sent } = await reminded('dsn.example');
    const report = (id: string) => rfc822({
      From: 'Mail Delivery System <MAILER-DAEMON@mx.dsn.example>', To: 'ar@northwind.example', Subject: 'Undelivered Mail Returned to Sender', 'Message-ID': `<${id}@mx.dsn.example>`,
      'Content-Type': 'multipart/report; report-type=delivery-status; boundary="RPT"',
    }, [
      '--RPT', 'Content-Type: text/plain', '', 'Your message could not be delivered.', '',
      '--RPT', 'Content-Type: message/delivery-status', '', 'Reporting-MTA: dns; mx.dsn.example', '',
      'Final-Recipient: rfc822; bea@dsn.example', 'Action: failed', 'Status: 5.1.1', 'Diagnostic-Code: smtp; 550 5.1.1 User unknown', '',
      '--RPT', 'Content-Type: text/rfc822-headers', '', `Message-ID: ${sent.headers.get('message-id') ?? ''}`, 'To: Bea Billing <bea@dsn.example>', `Subject: ${sent.headers.get('subject') ?? ''}`, '',
      '--RPT--',
    ].join('\n'));
    h.clock.now = at('2025-03-05', '07:00');
    // The same bounce reported twice (two copies, two Message-IDs).
    await append(report('dsn-1'));
    await append(report('dsn-2'));
    const polled = await pollInbound(services);
    expect(polled).toMatchObject({ stored: 2 });
    const outcomes = [];
    for (const id of polled.ids) outcomes.push(await processInbound(services, id));
    expect(outcomes).toEqual([
      { kind: 'dsn', orgId: ORG, customerId: c._id, bounced: ['bea@dsn.example'], alerted: ['bea@dsn.example'] },
      { kind: 'dsn', orgId: ORG, customerId: c._id, bounced: [], alerted: [] },
    ]);
    const alerts = await h.store.db.collection<AlertTaskDoc>(collections.tasks).find({ kind: 'alert', customerId: c._id }).toArray();
    expect(alerts).toHaveLength(1);
    expect((await h.store.audit.list(c._id)).filter((e) => e.action === 'contact.bounced')).toHaveLength(1);
    h.clock.now = at('2025-03-05', '07:05');
    const before = dms().length;
    await deliverOpenTasks(h.slack.services);
    await deliverOpenTasks(h.slack.services);
    const told = dms().slice(before).filter((p) => JSON.stringify(p.args['blocks'] ?? '').includes('bea@dsn.example'));
    expect(told).toHaveLength(1);
    expect(JSON.stringify(told[0]?.args['blocks'])).toContain('The ladder moves on to Al Payable');

    // Reminder 2 (7 days past due) is never addressed to bea again: billing being its role, the missing-role rule
    // (src/engine/missing-role.ts) has the collector find a billing contact before the email falls to the next role.
    const payloads = async (keys: string[]) => (await h.store.db.collection<OutboxEntryDoc>(collections.outbox).find({ _id: { $in: keys } } as never).toArray()).map((e) => JSON.stringify(e.payload));
    const day7 = await payloads((await h.planner.plan(c._id, at('2025-03-10', '08:00'))).enqueued);
    expect(day7.join(' ')).toContain('find-contact');
    expect(day7.join(' ')).not.toContain('bea@dsn.example');

    // The find-contact task goes to the collector; nobody finds a new billing contact, so after the policy's five
    // business days the ladder writes to the next contact, Al Payable (AP), and says why.
    await dispatcher(at('2025-03-10', '09:00')).runOnce();
    const later = await h.planner.plan(c._id, at('2025-03-17', '08:00'));
    expect(later.enqueued).toHaveLength(1);
    const before2 = sink.messages.length;
    expect(await dispatcher(at('2025-03-17', '09:00')).runOnce()).toMatchObject({ sent: 1 });
    const next = sink.messages.slice(before2);
    expect(next.map((m) => m.to)).toEqual([[expect.stringMatching(/@dsn\.example$/)]]);
    expect(next[0]?.to).not.toContain('bea@dsn.example');
    expect(next[0]?.raw).toContain('Al Payable');
  });

  it('an out-of-office is recorded with its return date and pauses nothing', async () => {
    const { c, sent } = await reminded('ooo.example');
    h.clock.now = at('2025-06-03', '10:00');
    await append(rfc822({
      From: 'Bea Billing <bea@ooo.example>', To: sent.headers.get('reply-to') ?? '', Subject: 'Automatic reply: your reminder', 'Auto-Submitted': 'auto-replied',
      'Message-ID': '<ooo-1@ooo.example>', 'In-Reply-To': sent.headers.get('message-id') ?? '', 'Content-Type': 'text/plain',
    }, 'Thank you for your message. I am out of the office and back on Monday 8 June.'));
    const polled = await pollInbound(services);
    const outcome = await processInbound(services, polled.ids[0] ?? '');
    expect(outcome).toEqual({ kind: 'auto-reply', orgId: ORG, customerId: c._id, reason: 'Auto-Submitted: auto-replied', returnDate: '2025-06-08' });
    expect((await accountStates(h.store.db).get(c._id))?.lastCustomerReplyAt).toBeUndefined();
    expect(await h.store.db.collection(collections.replies).countDocuments({ customerId: c._id })).toBe(0);
    const entry = (await h.store.audit.list(c._id)).find((e) => e.action === 'mail.auto_reply');
    expect(entry?.details).toMatchObject({ returnDate: '2025-06-08' });
  });

  it("an organisation's own Reply-To is kept, and a reply to it is matched by In-Reply-To; its attachment is kept as evidence", async () => {
    await h.store.organisations.setSettings(ORG, { sender: { company: 'Northwind Supply Co.', name: 'Cole Lector', email: 'ar@northwind.example', replyTo: 'ar@northwind.example' } }, h.clock.now);
    try {
      const { c, sent } = await reminded('own-reply-to.example');
      expect(sent.headers.get('reply-to')).toBe('ar@northwind.example');
      h.clock.now = at('2025-03-04', '11:00');
      const pdf = Buffer.from('%PDF-1.4 remittance advice').toString('base64');
      await append(rfc822({
        // From an address Overdue does not know, to the organisation's own mailbox: only In-Reply-To names the account.
        From: 'Accounts <payables@elsewhere.example>', To: 'ar@northwind.example', Subject: 'Re: reminder', 'Message-ID': '<reply-own@elsewhere.example>',
        'In-Reply-To': sent.headers.get('message-id') ?? '', 'Content-Type': 'multipart/mixed; boundary="MIX"',
      }, ['--MIX', 'Content-Type: text/plain', '', 'Paid, remittance attached.', '--MIX', 'Content-Type: application/pdf; name="remittance.pdf"',
        'Content-Disposition: attachment; filename="remittance.pdf"', 'Content-Transfer-Encoding: base64', '', pdf, '--MIX--'].join('\n')));
      const polled = await pollInbound(services);
      const outcome = await processInbound(services, polled.ids[0] ?? '');
      expect(outcome).toMatchObject({ kind: 'reply', reply: { customerId: c._id, from: 'payables@elsewhere.example', attachments: [{ filename: 'remittance.pdf', contentType: 'application/pdf', size: 26 }] } });
      const stored = await h.store.db.collection<ReplyDoc>(collections.replies).findOne({ _id: polled.ids[0] ?? '' });
      const sha = stored?.attachments[0]?.sha256 ?? '';
      expect(sha).toMatch(/^[0-9a-f]{64}$/);
      expect((await inboundStore(h.store.db).attachments.get(sha))?.bytes.toString()).toBe('%PDF-1.4 remittance advice');
    } finally {
      await h.store.organisations.setSettings(ORG, { sender: { company: 'Northwind Supply Co.', name: 'Cole Lector', email: 'ar@northwind.example' } }, h.clock.now);
    }
  });

  it('a letter names the reply address', async () => {
    const address = replyAddressFor(inbound.replyMailbox ?? { address: '', secret: '' }, ORG, 'c1').address;
    const letter = await buildLetter({ kind: 'final-demand', settings: settings(), customer: { name: 'Acme', addressLines: ['1 Road'] }, invoices: [inv('INV-1', '2025-01-01', '2025-02-01', 10_000)], sentDate: '2025-03-20', replyTo: address });
    expect(squash(await pdfText(letter.pdf))).toContain(`To reply by email, write to ${address}`);
  });
});

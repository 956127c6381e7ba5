// A customer's reply on the collector's Slack card (slack/services/replies.ts), through signed requests to the
// running Slack app and the Slack sandbox: the card's content; *Record promise* and *Record dispute* open the
// nudge's modals prefilled from the reply and record what the nudges record; *Not about this* lifts the reply
// pause; *They say they paid* reads the QuickBooks sandbox live and shows what it found; the unauthorised are
// refused; a double click settles once.
import { decide, defaultPolicy } from '../src/engine/index.js';
import { liveBalanceFrom } from '../src/outbox/live-balance.js';
import { accountStates } from '../src/planning/state.js';
import { replies, type ReplyDoc } from '../src/store/replies.js';
import { collections } from '../src/store/store.js';
import type { CustomerDoc, InvoiceDoc, PaymentDoc } from '../src/store/types.js';
import { actionIds, inputIds, viewIds } from '../slack/ids.js';
import { postReplyToCollector, replyCardId } from '../slack/services/replies.js';
import { seedOrg } from './helpers/accounts.js';
import { REALM, connId as qbConn, startQuickBooks, type Running } from './connectors/quickbooks/harness.js';
import { ORG, seedAcme, seedPeople, SIGNING_SECRET, startHarness, users, waitFor, type Harness } from './sandbox/slack/harness.js';
import { blockAction, sendInteraction, viewSubmission } from './sandbox/slack/signed.js';

// Thursday 2025-03-20, 10:00 in Chicago (Acme's zone); the reply came an hour earlier.
const T0 = new Date('2025-03-20T15:00:00Z');
const RECEIVED = new Date('2025-03-20T14:00:00Z');

function replyDoc(customer: CustomerDoc, id: string, text: string, extra: Partial<ReplyDoc> = {}): ReplyDoc {
  return {
    _id: id, orgId: customer.orgId, customerId: customer._id, receivedAt: RECEIVED, from: 'Bob Buyer <bob@acme.example>',
    subject: 'Re: Invoice INV-1042 is overdue', text, attachments: [], status: 'open', ...extra,
  };
}

/** Store the reply (as the inbound path does) and post its card. */
async function arrive(h: Harness, doc: ReplyDoc): Promise<{ channel: string; ts: string }> {
  await replies(h.store.db).insert(doc);
  const posts = await postReplyToCollector(h.slack.services, { ...doc, replyId: doc._id });
  const first = posts?.[0];
  if (!first) throw new Error('the card was not posted');
  return { channel: first.channel, ts: first.ts };
}

const click = (h: Harness, userId: string, actionId: string, value: string, at: { channel: string; ts: string }) =>
  sendInteraction(h.endpoint, SIGNING_SECRET, blockAction({ userId }, { actionId, value, ...at }));

const blocksText = (blocks: unknown): string => JSON.stringify(blocks);
const ephemerals = (h: Harness, user: string): string[] => h.sandbox.callsOf('chat.postEphemeral').filter((c) => c.args['user'] === user).map((c) => String(c.args['text']));

describe('Slack: a customer reply on the collector\'s card', () => {
  let h: Harness;
  let acme: CustomerDoc;

  beforeEach(async () => {
    h = await startHarness('slackreplies', T0);
    await seedPeople(h);
    acme = await seedAcme(h);
    // The inbound path paused the ladder for the reply.
    await accountStates(h.store.db).savePauses(acme._id, ORG, { disputes: [], promises: [], paymentPlans: [], snoozes: [], lastCustomerReplyAt: RECEIVED }, T0);
  });
  afterEach(async () => {
    await h.stop();
  });

  it('the card: customer, sender, date, their own words escaped, the suggestion highlighted, four buttons; posted once', async () => {
    const text = [
      'Hi, we will pay INV-1042 on Friday. <b>Thanks</b> & <!channel> <https://evil.example|click>',
      '',
      'On Wed, Mar 19, 2025 at 9:00 AM Northwind <ar@northwind.example> wrote:',
      '> We dispute nothing: this is our quoted reminder.',
    ].join('\n');
    const at = await arrive(h, replyDoc(acme, 'r-card', text, { attachments: [{ filename: 'PO-771.pdf', contentType: 'application/pdf', size: 48_213 }] }));
    expect(at.channel).toBe('D0COL0001');
    const post = h.sandbox.callsOf('chat.postMessage')[0];
    const blocks = post?.args['blocks'] as { type: string; elements?: { action_id: string; value: string; style?: string }[] }[];
    const all = blocksText(blocks);
    expect(all).toContain('Reply from Acme Industrial');
    expect(all).toContain('Bob Buyer &lt;bob@acme.example&gt;');
    expect(all).toContain('2025-03-20 09:00 (America/Chicago)');
    // Escaped for mrkdwn: no tag, mention or link survives as markup.
    expect(all).toContain('&lt;b&gt;Thanks&lt;/b&gt; &amp; &lt;!channel&gt; &lt;https://evil.example|click&gt;');
    expect(all).not.toContain('<!channel>');
    expect(all).not.toContain('<b>');
    // The quoted reminder is hidden, and the card says so.
    expect(all).not.toContain('We dispute nothing');
    expect(all).toContain('earlier messages quoted below it are hidden');
    expect(all).toContain('PO-771.pdf (application/pdf, 47 KB)');
    expect(all).toContain('*Suggested: Record promise* for 2025-03-21, INV-1042');
    const actions = blocks.find((b) => b.type === 'actions')?.elements ?? [];
    expect(actions.map((a) => [a.action_id, a.value, a.style ?? null])).toEqual([
      [actionIds.replyPromise, 'r-card', 'primary'],
      [actionIds.replyDispute, 'r-card', null],
      [actionIds.replyPaid, 'r-card', null],
      [actionIds.replyUnrelated, 'r-card', null],
    ]);
    // Posted once: a second delivery of the same reply posts nothing.
    expect(await postReplyToCollector(h.slack.services, { ...replyDoc(acme, 'r-card', text), replyId: 'r-card' })).toBeNull();
    expect(h.sandbox.callsOf('chat.postMessage')).toHaveLength(1);
    expect((await h.store.audit.list(acme._id)).filter((e) => e.action === 'slack.reply_delivered')).toMatchObject([{ details: { replyId: 'r-card', suggestion: 'promise', suggestedDate: '2025-03-21' } }]);
  });

  it('Record promise: the promise modal prefilled with the suggested date; the promise recorded once, audited, the card settled', async () => {
    const at = await arrive(h, replyDoc(acme, 'r-promise', 'We will pay on Friday, sorry for the delay.'));
    expect((await click(h, users.collector.id, actionIds.replyPromise, 'r-promise', at)).status).toBe(200);
    const view = (await waitFor('views.open', () => h.sandbox.callsOf('views.open')[0])).args['view'] as Record<string, unknown>;
    expect(view['callback_id']).toBe(viewIds.replyPromise);
    expect(blocksText(view['blocks'])).toContain('"initial_date":"2025-03-21"');
    expect(blocksText(view['blocks'])).toContain('owes 14,900.00 USD');
    const submit = (date: string, amount: string) =>
      sendInteraction(h.endpoint, SIGNING_SECRET, viewSubmission({ userId: users.collector.id }, {
        callbackId: viewIds.replyPromise,
        privateMetadata: String(view['private_metadata']),
        values: {
          [inputIds.promiseDate.block]: { [inputIds.promiseDate.action]: { type: 'datepicker', selected_date: date } },
          [inputIds.promiseAmount.block]: { [inputIds.promiseAmount.action]: { type: 'plain_text_input', value: amount } },
        },
      }));
    // The nudge's parsers: a past date and more than the balance are refused on the modal.
    expect(JSON.parse((await submit('2025-03-10', '20,000.00')).text)).toEqual({
      response_action: 'errors',
      errors: { [inputIds.promiseDate.block]: '2025-03-10 is in the past: pick today or a later date', [inputIds.promiseAmount.block]: 'That is more than the balance (14,900.00 USD)' },
    });
    expect((await submit('2025-03-21', '14,900.00')).status).toBe(200);
    const update = await waitFor('chat.update', () => h.sandbox.callsOf('chat.update')[0]);
    expect(blocksText(update.args['blocks'])).toContain('recorded a promise to pay 14,900.00 USD by 2025-03-21');
    expect(blocksText(update.args['blocks'])).not.toContain(actionIds.replyPromise);
    expect((await accountStates(h.store.db).get(acme._id))?.promises).toMatchObject([{ promisedDate: '2025-03-21', status: 'open' }]);
    const [audit] = (await h.store.audit.list(acme._id)).filter((e) => e.action === 'promise.recorded');
    expect(audit).toMatchObject({ actor: { id: users.collector.email }, details: { replyId: 'r-promise', date: '2025-03-21', amountMinor: 1_490_000, currency: 'USD' } });
    // The card's update, the reply's status and the message record are written together: wait for each.
    await waitFor('reply status promise', async () => (await replies(h.store.db).get(ORG, 'r-promise'))?.status === 'promise');
    await waitFor('the card resolved', async () => (await h.slack.services.messages.get(replyCardId('r-promise')))?.resolvedAt);
    // A second submission (another modal opened before the first was recorded) records nothing more.
    expect((await submit('2025-03-24', '100.00')).status).toBe(200);
    await waitFor('told', () => ephemerals(h, users.collector.id).some((t) => t.startsWith('Already handled')));
    expect((await accountStates(h.store.db).get(acme._id))?.promises).toHaveLength(1);
    // And the button itself now says so.
    await click(h, users.collector.id, actionIds.replyPromise, 'r-promise', at);
    await waitFor('told again', () => ephemerals(h, users.collector.id).filter((t) => t.startsWith('Already handled')).length === 2);
    expect(h.sandbox.callsOf('views.open')).toHaveLength(1);
    const loaded = await h.planner.load(acme._id);
    if (!loaded) throw new Error('no account');
    expect(decide(loaded.account, defaultPolicy, T0).state).toBe('paused');
  });

  it('Record dispute: the dispute modal with the named invoice ticked and the reply as the reason; the dispute recorded', async () => {
    const at = await arrive(h, replyDoc(acme, 'r-dispute', 'We dispute INV-1050: the parts arrived damaged.'));
    await click(h, users.collector.id, actionIds.replyDispute, 'r-dispute', at);
    const view = (await waitFor('views.open', () => h.sandbox.callsOf('views.open')[0])).args['view'] as Record<string, unknown>;
    expect(view['callback_id']).toBe(viewIds.replyDispute);
    const inv1050 = `${acme._id.replace(/:42$/, '')}:1050`;
    const blocks = view['blocks'] as { block_id?: string; element?: { initial_options?: { value: string }[]; initial_value?: string } }[];
    expect(blocks.find((b) => b.block_id === inputIds.disputeInvoices.block)?.element?.initial_options?.map((o) => o.value)).toEqual([inv1050]);
    expect(blocks.find((b) => b.block_id === inputIds.reason.block)?.element?.initial_value).toBe("Customer's reply: We dispute INV-1050: the parts arrived damaged.");
    const res = await sendInteraction(h.endpoint, SIGNING_SECRET, viewSubmission({ userId: users.collector.id }, {
      callbackId: viewIds.replyDispute,
      privateMetadata: String(view['private_metadata']),
      values: {
        [inputIds.disputeInvoices.block]: { [inputIds.disputeInvoices.action]: { type: 'checkboxes', selected_options: [{ value: inv1050 }] } },
        [inputIds.reason.block]: { [inputIds.reason.action]: { type: 'plain_text_input', value: 'Parts arrived damaged' } },
      },
    }));
    expect(res.status).toBe(200);
    const update = await waitFor('chat.update', () => h.sandbox.callsOf('chat.update')[0]);
    expect(blocksText(update.args['blocks'])).toContain('recorded a dispute on 1 invoice(s): Parts arrived damaged');
    expect((await accountStates(h.store.db).get(acme._id))?.disputes).toMatchObject([{ invoiceIds: [inv1050] }]);
    expect((await h.store.audit.list(acme._id)).filter((e) => e.action === 'dispute.recorded')).toMatchObject([{ invoiceIds: [inv1050], outcome: 'dispute: Parts arrived damaged', details: { replyId: 'r-dispute' } }]);
    // The card's update, the reply's status and the message record are written together: wait for each.
    await waitFor('reply status dispute', async () => (await replies(h.store.db).get(ORG, 'r-dispute'))?.status === 'dispute');
  });

  it('Not about this: the reply pause is lifted, audited once even on a double click', async () => {
    const at = await arrive(h, replyDoc(acme, 'r-other', 'Please send me your W-9 form.'));
    const before = await h.planner.load(acme._id);
    if (!before) throw new Error('no account');
    expect(decide(before.account, defaultPolicy, T0).reasons.map((r) => r.text).join(' ')).toContain('customer replied');
    await Promise.all([
      click(h, users.collector.id, actionIds.replyUnrelated, 'r-other', at),
      click(h, users.collector.id, actionIds.replyUnrelated, 'r-other', at),
    ]);
    const update = await waitFor('chat.update', () => h.sandbox.callsOf('chat.update')[0]);
    expect(blocksText(update.args['blocks'])).toContain('says this reply is not about the account: the reply pause is lifted and the ladder goes on');
    await waitFor('the second click told', () => ephemerals(h, users.collector.id).some((t) => t.startsWith('Already handled')));
    expect((await accountStates(h.store.db).get(acme._id))?.lastCustomerReplyAt).toBeUndefined();
    expect((await h.store.audit.list(acme._id)).filter((e) => e.action === 'reply.unrelated')).toMatchObject([{ actor: { id: users.collector.email }, details: { replyId: 'r-other', pauseLifted: true } }]);
    // The card's update, the reply's status and the message record are written together: wait for each.
    await waitFor('reply status unrelated', async () => (await replies(h.store.db).get(ORG, 'r-other'))?.status === 'unrelated');
    const after = await h.planner.load(acme._id);
    if (!after) throw new Error('no account');
    expect(decide(after.account, defaultPolicy, T0).reasons.map((r) => r.text).join(' ')).not.toContain('customer replied');
  });

  it('a later reply keeps the pause when an earlier one is not about the account', async () => {
    const later = new Date(RECEIVED.getTime() + 30 * 60_000);
    await accountStates(h.store.db).savePauses(acme._id, ORG, { disputes: [], promises: [], paymentPlans: [], snoozes: [], lastCustomerReplyAt: later }, T0);
    const at = await arrive(h, replyDoc(acme, 'r-early', 'Wrong thread, sorry.'));
    await click(h, users.collector.id, actionIds.replyUnrelated, 'r-early', at);
    const update = await waitFor('chat.update', () => h.sandbox.callsOf('chat.update')[0]);
    expect(blocksText(update.args['blocks'])).toContain('a later reply still pauses the ladder');
    expect((await accountStates(h.store.db).get(acme._id))?.lastCustomerReplyAt).toEqual(later);
  });

  it('the unauthorised are refused and nothing is recorded: another rep, and a Slack user Overdue does not know', async () => {
    const at = await arrive(h, replyDoc(acme, 'r-auth', 'We will pay on Friday.'));
    for (const [actionId, who] of [[actionIds.replyPromise, users.stranger.id], [actionIds.replyUnrelated, users.stranger.id], [actionIds.replyPaid, 'U0NOBODY1'], [actionIds.replyDispute, 'U0NOBODY1']] as const) {
      expect((await click(h, who, actionId, 'r-auth', at)).status).toBe(200);
    }
    await waitFor('refusals', () => h.sandbox.callsOf('chat.postEphemeral').length === 4);
    expect(ephemerals(h, users.stranger.id)).toEqual([
      'You are not the sales rep of this account, so you cannot act on it. Tell the collector if it should be yours.',
      'You are not the sales rep of this account, so you cannot act on it. Tell the collector if it should be yours.',
    ]);
    expect(ephemerals(h, 'U0NOBODY1').every((t) => t.startsWith('Overdue does not know you yet'))).toBe(true);
    expect(h.sandbox.callsOf('views.open')).toHaveLength(0);
    expect(h.sandbox.callsOf('chat.update')).toHaveLength(0);
    expect((await accountStates(h.store.db).get(acme._id))?.lastCustomerReplyAt).toEqual(RECEIVED);
    expect((await replies(h.store.db).get(ORG, 'r-auth'))?.status).toBe('open');
    // The account's own rep may act on it.
    await click(h, users.rep.id, actionIds.replyPromise, 'r-auth', at);
    await waitFor('views.open', () => h.sandbox.callsOf('views.open')[0]);
  });

  it('They say they paid without a live read: the last sync\'s copy, the payments and credits since the last reminder', async () => {
    // The last reminder went out on 2025-03-14; a payment synced since, an older one before it, and a credit memo.
    await h.store.audit.append({ orgId: ORG, accountId: acme._id, actor: { kind: 'system', id: 'dispatcher' }, channel: 'email', action: 'outbox.sent', invoiceIds: [], outcome: 'reminder sent', at: new Date('2025-03-14T15:00:00Z') });
    const payment = (externalId: string, date: string, amountMinor: number): PaymentDoc => ({
      _id: `quickbooks:${acme.companyId}:${externalId}`, provider: 'quickbooks', companyId: acme.companyId, externalId, orgId: ORG, connectionId: acme.connectionId,
      customerExternalId: acme.externalId, date, currency: 'USD', amountMinor, appliedTo: [], deleted: false, syncedAt: T0,
    });
    await h.store.db.collection<PaymentDoc>(collections.payments).insertMany([payment('p-old', '2025-03-01', 10_000), payment('p-new', '2025-03-19', 50_000), payment('CreditMemo:7', '2025-03-18', 2_500)]);
    const at = await arrive(h, replyDoc(acme, 'r-store', 'Paid yesterday.'));
    await click(h, users.collector.id, actionIds.replyPaid, 'r-store', at);
    const update = await waitFor('chat.update', () => h.sandbox.callsOf('chat.update')[0]);
    const text = blocksText(update.args['blocks']);
    expect(text).toContain("checked the ledger (the last sync's copy (no live read configured))");
    expect(text).toContain('payments and credits since the reminder of 2025-03-14: credit of 25.00 USD on 2025-03-18; payment of 500.00 USD on 2025-03-19');
    expect(text).not.toContain('100.00 USD on 2025-03-01');
    expect(text).toContain('open balance now 14,900.00 USD');
    expect((await h.store.audit.list(acme._id)).filter((e) => e.action === 'reply.paid_checked')).toMatchObject([{ details: { replyId: 'r-store', live: false } }]);
  });

  it('an unknown reply id is answered, not crashed on', async () => {
    const at = await arrive(h, replyDoc(acme, 'r-known', 'ok'));
    await click(h, users.collector.id, actionIds.replyPaid, 'r-unknown', at);
    await waitFor('told', () => ephemerals(h, users.collector.id).includes('This reply is no longer known to Overdue.'));
  });
});

describe('Slack: *They say they paid* reads the QuickBooks sandbox live', () => {
  let q: Running;
  let h: Harness;
  let customer: CustomerDoc;
  let invoices: InvoiceDoc[];

  beforeAll(async () => {
    q = await startQuickBooks('slackrepliesqb', { customers: 2, openInvoices: 4, partialShare: 0 });
    await seedOrg(q.store, ORG, new Date());
    expect((await q.connect(ORG)).status).toBe(200);
    await q.connector.fullSync(qbConn);
    const open = await q.store.db.collection<InvoiceDoc>(collections.invoices).find({ status: 'open' }).toArray();
    const first = open[0];
    if (!first) throw new Error('the sync saved no open invoice');
    const found = await q.store.db.collection<CustomerDoc>(collections.customers).findOne({ externalId: first.customerExternalId });
    if (!found) throw new Error('no customer');
    await q.store.db.collection<CustomerDoc>(collections.customers).updateOne({ _id: found._id }, { $set: { collectorEmail: users.collector.email } });
    customer = { ...found, collectorEmail: users.collector.email };
    invoices = open.filter((i) => i.customerExternalId === found.externalId);
    h = await startHarness('unused', new Date(), { store: q.store, replan: () => Promise.resolve(), liveBalance: liveBalanceFrom(q.store, { quickbooks: q.connector }) });
    await seedPeople(h);
  });
  afterAll(async () => {
    await h?.stop();
    await q?.close();
  });

  it('the card shows the invoice QuickBooks now has paid, and the open balance now; audited; the reply marked paid', async () => {
    const paid = invoices[0];
    if (!paid) throw new Error('no open invoice');
    const restMinor = invoices.slice(1).filter((i) => i.currency === paid.currency).reduce((n, i) => n + i.balanceMinor, 0);
    const doc: ReplyDoc = { ...replyDoc(customer, 'r-paid', 'We paid this yesterday, remittance attached.'), receivedAt: new Date(), attachments: [{ filename: 'remittance.pdf', contentType: 'application/pdf', size: 10_000 }] };
    await replies(h.store.db).insert(doc);
    const posts = await postReplyToCollector(h.slack.services, { ...doc, replyId: doc._id });
    const at = posts?.[0];
    if (!at) throw new Error('no card');
    expect(blocksText(h.sandbox.callsOf('chat.postMessage')[0]?.args['blocks'])).toContain('*Suggested: They say they paid*');
    // The customer did pay one invoice in QuickBooks; Overdue's copy does not know yet.
    q.sandbox.pay(REALM, paid.externalId, paid.balanceMinor);
    expect((await h.store.invoices.get(paid._id))?.status).toBe('open');
    expect((await click(h, users.collector.id, actionIds.replyPaid, 'r-paid', at)).status).toBe(200);
    const update = await waitFor('chat.update', () => h.sandbox.callsOf('chat.update')[0], 10_000);
    const text = blocksText(update.args['blocks']);
    expect(text).toContain('checked the ledger (QuickBooks, read just now)');
    expect(text).toContain(`${paid.number}: paid in full`);
    expect(text).toMatch(/open balance now /);
    // The buttons stay: the collector may still record a promise for the rest.
    expect(text).toContain(actionIds.replyPromise);
    expect((await h.store.invoices.get(paid._id))?.status).toBe('paid');
    const [audit] = (await h.store.audit.list(customer._id)).filter((e) => e.action === 'reply.paid_checked');
    expect(audit).toMatchObject({ actor: { id: users.collector.email }, details: { replyId: 'r-paid', live: true, changed: [{ number: paid.number, status: 'paid' }] } });
    expect((audit?.details as { openTotals: Record<string, number> }).openTotals[paid.currency] ?? 0).toBe(restMinor);
    // The card's update, the reply's status and the message record are written together: wait for each.
    await waitFor('reply status paid', async () => (await replies(h.store.db).get(ORG, 'r-paid'))?.status === 'paid');
  });
});

// The customer's page over HTTP (app/customer-page, docs/customer-page.md), on the web role's whole app as
// production builds it (the fuzz world: loadConfig → buildServices → buildWebApp, the Slack sandbox behind the
// Slack app): signed links (tamper, expiry, revocation through the admin API), the statement, the three answers
// recorded by the rules Slack's forms follow (a promise beyond the policy's horizon refused at its field), their
// audit entries and the collector's card in Slack, CSRF, rate limits, and the link in a rendered email.
import { createServer, type Server } from 'node:http';
import express from 'express';
import { customerPageRouter } from '../app/customer-page/router.js';
import { developmentAuditChainKey } from '../src/crypto/audit-key.js';
import { customerFormToken, customerPageUrl, deriveCustomerLinkKey, mintCustomerToken, verifyCustomerToken } from '../src/crypto/customer-link.js';
import { addDays, localDate } from '../src/domain/calendar.js';
import { renderMessage } from '../src/email/render.js';
import { CUSTOMER_PAGE_SENTENCE } from '../src/email/templates.js';
import { EmailChannel, type MailSender } from '../src/outbox/email-channel.js';
import { withCustomerLinks } from '../src/outbox/wiring.js';
import { accountStates } from '../src/planning/state.js';
import { collections } from '../src/store/store.js';
import type { AuditEntryDoc, CustomerDoc } from '../src/store/types.js';
import { closeServer } from './sandbox/common.js';
import { ADMIN_TOKEN, startWorld, type World } from './fuzz/world.js';
import { pdfText, squash } from './documents.helpers.js';
import { letterAttachment } from '../src/documents/attach.js';
import { until } from './helpers/web-world.js';

jest.setTimeout(180_000);

/** The key the world signs with: no CUSTOMER_LINK_KEY, so derived from the (development) audit chain key. */
const KEY = deriveCustomerLinkKey(undefined, developmentAuditChainKey());

let w: World;
let acme: CustomerDoc;
let globex: CustomerDoc;
let initech: CustomerDoc;

const linkOf = (c: CustomerDoc, issuedAt = new Date()) => customerPageUrl(w.url, KEY, { orgId: c.orgId, customerId: c._id, issuedAt });
const pathOf = (url: string) => new URL(url).pathname;
const get = (path: string) => fetch(`${w.url}${path}`, { redirect: 'manual' });
const post = (path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(`${w.url}${path}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: w.url, ...headers }, body: new URLSearchParams(form).toString() });
const csrfOf = (page: string): string => /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';

async function auditOf(customerId: string, action: string): Promise<AuditEntryDoc[]> {
  return w.store.db.collection<AuditEntryDoc>(collections.audit).find({ accountId: customerId, action }).sort({ seq: 1 }).toArray();
}

/** The page's form token for a link, read from the page as a browser would. */
async function formToken(path: string): Promise<string> {
  const page = await get(path);
  expect(page.status).toBe(200);
  return csrfOf(await page.text());
}

beforeAll(async () => {
  w = await startWorld('customer-page');
  [acme, globex, initech] = w.customers as [CustomerDoc, CustomerDoc, CustomerDoc];
});
afterAll(async () => {
  await w?.stop();
});

describe('links', () => {
  it('are deterministic for one issue instant, carry org and customer, and verify without the database', () => {
    const at = new Date('2026-12-01T10:00:00.400Z');
    const t = mintCustomerToken(KEY, { orgId: 'o', customerId: 'xero:abc:def', issuedAt: at });
    expect(mintCustomerToken(KEY, { orgId: 'o', customerId: 'xero:abc:def', issuedAt: new Date('2026-12-01T10:00:00.900Z') })).toBe(t);
    expect(verifyCustomerToken(KEY, t, new Date('2026-12-02T00:00:00Z'))).toMatchObject({ ok: true, link: { orgId: 'o', customerId: 'xero:abc:def' } });
    expect(verifyCustomerToken(KEY, t, new Date('2027-01-30T10:00:00Z'))).toEqual({ ok: false, why: 'expired' });
    expect(verifyCustomerToken(Buffer.alloc(32, 7), t, new Date('2026-12-02T00:00:00Z'))).toEqual({ ok: false, why: 'signature' });
  });

  it('the statement opens: letterhead, open invoices with pay links, how to pay, three labelled forms, no script allowed', async () => {
    const res = await get(pathOf(linkOf(acme)));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('content-security-policy')).not.toContain('script-src');
    expect(res.headers.get('referrer-policy')).toBe('same-origin');
    const page = await res.text();
    expect(page).toContain('INV-100');
    expect(page).toContain('INV-200');
    expect(page).toContain('href="https://pay.example/INV-100"');
    expect(page).toContain('How to pay');
    for (const id of ['promiseDate', 'promiseAmount', 'paidDate', 'paidAmount', 'paidReference', 'disputeInvoice', 'disputeReason', 'disputeText']) expect(page).toContain(`<label for="${id}"`);
    expect(page).not.toContain('<script');
  });

  it('a tampered, truncated or made-up token is a 404 page saying to contact the sender, never a stack trace', async () => {
    const path = pathOf(linkOf(acme));
    const token = path.slice(3);
    const [payload = '', sig = ''] = token.split('.');
    // The payload re-signed for another customer is refused by the signature.
    const other = Buffer.from(JSON.stringify([1, acme.orgId, globex._id, Math.floor(Date.now() / 1000)])).toString('base64url');
    for (const bad of [`${other}.${sig}`, `${payload}.${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`, token.slice(0, -5), 'nonsense', `${'x'.repeat(2000)}.${sig}`]) {
      const res = await get(`/c/${bad}`);
      expect(res.status).toBe(404);
      const text = await res.text();
      expect(text).toContain('This link does not work');
      expect(text).toContain('contact');
      expect(text).not.toMatch(/at .*\.ts:\d+|Error:/);
    }
  });

  it('an expired link (older than 60 days) is a 410 naming whom to contact', async () => {
    const res = await get(pathOf(linkOf(acme, new Date(Date.now() - 61 * 86_400_000))));
    expect(res.status).toBe(410);
    expect(await res.text()).toContain('This link has expired');
  });

  it('revoked through the admin API: older links are a 410, audited; a link minted after works', async () => {
    const old = pathOf(linkOf(globex, new Date(Date.now() - 5_000)));
    expect((await get(old)).status).toBe(200);
    const r = await fetch(`${w.url}/api/orgs/${globex.orgId}/accounts/${encodeURIComponent(globex._id)}/customer-link/revoke`, {
      method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', 'x-overdue-actor': 'al.admin@fuzz.example' }, body: JSON.stringify({ reason: 'forwarded to the wrong person' }),
    });
    expect(r.status).toBe(200);
    const res = await get(old);
    expect(res.status).toBe(410);
    expect(await res.text()).toContain('This link no longer works');
    expect(await auditOf(globex._id, 'customer_link.revoked')).toEqual([expect.objectContaining({ actor: expect.objectContaining({ id: 'al.admin@fuzz.example' }), outcome: expect.stringContaining('forwarded to the wrong person') })]);
    const fresh = await fetch(`${w.url}/api/orgs/${globex.orgId}/accounts/${encodeURIComponent(globex._id)}/customer-link`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(fresh.status).toBe(200);
    const { url } = (await fresh.json()) as { url: string };
    expect((await get(pathOf(url))).status).toBe(200);
    // Unknown account, wrong organisation: 404.
    const missing = await fetch(`${w.url}/api/orgs/${globex.orgId}/accounts/nope/customer-link/revoke`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: '{}' });
    expect(missing.status).toBe(404);
  });
});

describe('answers', () => {
  it('forms without the token field, with another token\'s, or from another origin are refused with 403', async () => {
    const path = pathOf(linkOf(acme));
    const csrf = await formToken(path);
    const day = addDays(localDate(new Date(), 'UTC'), 3);
    expect((await post(`${path}/promise`, { promiseDate: day, promiseAmount: '10.00' })).status).toBe(403);
    expect((await post(`${path}/promise`, { _csrf: customerFormToken(KEY, 'another'), promiseDate: day, promiseAmount: '10.00' })).status).toBe(403);
    expect((await post(`${path}/promise`, { _csrf: csrf, promiseDate: day, promiseAmount: '10.00' }, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await accountStates(w.store.db).get(acme._id))?.promises ?? []).toEqual([]);
  });

  it("I'll pay on: a date beyond the policy's horizon is refused at its field (422); a good one is recorded as Slack records a promise, audited as the customer's, and the collector's card arrives in Slack", async () => {
    const path = pathOf(linkOf(initech));
    const csrf = await formToken(path);
    const today = localDate(new Date(), 'UTC');
    const tooFar = addDays(today, 400); // the default policy's inputHorizonDays is 366
    const refused = await post(`${path}/promise`, { _csrf: csrf, promiseDate: tooFar, promiseAmount: '100.00' });
    expect(refused.status).toBe(422);
    const page = await refused.text();
    expect(page).toMatch(new RegExp(`id="promiseDate-error">${tooFar} is too far ahead: pick a date up to ${addDays(today, 366)}<`));
    expect(page).toContain('aria-describedby="promiseDate-hint promiseDate-error" aria-invalid="true"');
    const tooMuch = await post(`${path}/promise`, { _csrf: csrf, promiseDate: addDays(today, 5), promiseAmount: '999999.00' });
    expect(tooMuch.status).toBe(422);
    expect(await tooMuch.text()).toContain('id="promiseAmount-error">That is more than the balance');

    const before = w.sandbox.callsOf('chat.postMessage').length;
    const ok = await post(`${path}/promise`, { _csrf: csrf, promiseDate: addDays(today, 5), promiseAmount: '1,000.00' });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe(`${path}/done/promise`);
    const done = await get(ok.headers.get('location') ?? '');
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('Thank you: your promise is recorded');

    const state = await accountStates(w.store.db).get(initech._id);
    expect(state?.promises).toEqual([expect.objectContaining({ promisedDate: addDays(today, 5), status: 'open' })]);
    expect(state?.lastCustomerReplyAt).toBeInstanceOf(Date);
    const [audit] = await auditOf(initech._id, 'promise.recorded');
    expect(audit).toMatchObject({ actor: { kind: 'customer', id: `customer-page:${initech._id}` }, channel: 'web', details: { date: addDays(today, 5), amountMinor: 100_000, currency: 'USD', via: 'customer-page' } });
    expect((audit?.details as { pauseId: string }).pauseId).toBe(state?.promises[0]?.id);

    // The collector (Cole Lector, the organisation's collector in Slack) gets the card, settled with what was recorded.
    const posted = await until('the collector card', async () => w.sandbox.callsOf('chat.postMessage').slice(before).find((c) => String(c.args['text'] ?? '').includes(initech.displayName)), 20_000);
    expect(String(JSON.stringify(posted.args['blocks']))).toContain("I'll pay");
    const updated = await until('the settled card', async () => w.sandbox.callsOf('chat.update').find((c) => JSON.stringify(c.args['blocks']).includes('promised on their customer page')), 20_000);
    expect(JSON.stringify(updated.args['blocks'])).not.toContain('"type":"button"');
    expect(await auditOf(initech._id, 'slack.reply_delivered')).toHaveLength(1);

    // Send pressed twice (the same answer again the same day, here two at once): still one promise, one audit entry, one card.
    const again = await Promise.all([1, 2].map(() => post(`${path}/promise`, { _csrf: csrf, promiseDate: addDays(today, 5), promiseAmount: '1,000.00' })));
    expect(again.map((r) => r.status)).toEqual([303, 303]);
    expect((await accountStates(w.store.db).get(initech._id))?.promises).toHaveLength(1);
    expect(await auditOf(initech._id, 'promise.recorded')).toHaveLength(1);
    expect(await auditOf(initech._id, 'slack.reply_delivered')).toHaveLength(1);
  });

  it('I dispute this invoice: the dispute pause on that invoice, audited, the collector told', async () => {
    const path = pathOf(linkOf(acme));
    const csrf = await formToken(path);
    const missing = await post(`${path}/dispute`, { _csrf: csrf, disputeInvoice: 'INV-100', disputeReason: 'wrong-amount', disputeText: '  ' });
    expect(missing.status).toBe(422);
    expect(await missing.text()).toContain('id="disputeText-error">Say what is wrong with the invoice<');
    const notOurs = await post(`${path}/dispute`, { _csrf: csrf, disputeInvoice: 'INV-999', disputeReason: 'wrong-amount', disputeText: 'x' });
    expect(notOurs.status).toBe(422);
    const ok = await post(`${path}/dispute`, { _csrf: csrf, disputeInvoice: 'INV-100', disputeReason: 'wrong-amount', disputeText: 'Priced at the old rate' });
    expect(ok.status).toBe(303);
    const inv = await w.store.db.collection(collections.invoices).findOne({ orgId: acme.orgId, number: 'INV-100' });
    const state = await accountStates(w.store.db).get(acme._id);
    expect(state?.disputes).toEqual([expect.objectContaining({ invoiceIds: [inv?._id] })]);
    const [audit] = await auditOf(acme._id, 'dispute.recorded');
    expect(audit).toMatchObject({ actor: { kind: 'customer' }, channel: 'web', invoiceIds: [inv?._id], outcome: expect.stringContaining('Wrong amount or price: Priced at the old rate') });
    await until('the collector card', async () => w.sandbox.callsOf('chat.update').find((c) => JSON.stringify(c.args['blocks']).includes('disputed INV-100 on their customer page')), 20_000);
  });

  it("I've already paid: a future date refused; recorded as the customer's reply (reply pause), audited, and the collector's card offers the ledger check", async () => {
    const path = pathOf(linkOf(globex));
    const csrf = await formToken(path);
    const today = localDate(new Date(), 'UTC');
    const future = await post(`${path}/paid`, { _csrf: csrf, paidDate: addDays(today, 2), paidAmount: '50.00' });
    expect(future.status).toBe(422);
    expect(await future.text()).toContain(`id="paidDate-error">${addDays(today, 2)} is in the future`);
    const before = w.sandbox.callsOf('chat.postMessage').length;
    const ok = await post(`${path}/paid`, { _csrf: csrf, paidDate: addDays(today, -1), paidAmount: '2,500.00', paidReference: 'ACH 7781' });
    expect(ok.status).toBe(303);
    const [audit] = await auditOf(globex._id, 'payment.claimed');
    expect(audit).toMatchObject({ actor: { kind: 'customer' }, channel: 'web', details: { amountMinor: 250_000, reference: 'ACH 7781', date: addDays(today, -1) } });
    expect((await accountStates(w.store.db).get(globex._id))?.lastCustomerReplyAt).toBeInstanceOf(Date);
    const posted = await until('the collector card', async () => w.sandbox.callsOf('chat.postMessage').slice(before).find((c) => String(c.args['text'] ?? '').includes(globex.displayName)), 20_000);
    expect(JSON.stringify(posted.args['blocks'])).toContain('ACH 7781');
    expect(JSON.stringify(posted.args['blocks'])).toContain('"type":"button"');
  });
});

describe('rate limits', () => {
  async function serve(limits: { windowMs: number; perToken: number; perIp: number }): Promise<{ url: string; server: Server }> {
    const app = express();
    app.set('trust proxy', 1);
    app.use(customerPageRouter({ services: w.services, slack: null, key: KEY, bodyLimit: '100kb', limits }));
    const server = createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const addr = server.address();
    return { url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`, server };
  }

  it('per token: past the limit a 429 page with Retry-After; another token is still served', async () => {
    const s = await serve({ windowMs: 60_000, perToken: 3, perIp: 1_000 });
    try {
      const path = pathOf(linkOf(acme));
      for (let i = 0; i < 3; i++) expect((await fetch(`${s.url}${path}`)).status).toBe(200);
      const limited = await fetch(`${s.url}${path}`);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await limited.text()).toContain('Too many requests');
      expect((await fetch(`${s.url}${pathOf(linkOf(initech))}`)).status).toBe(200);
    } finally {
      await closeServer(s.server);
    }
  });

  it('per IP: one address asking for many links is stopped; another address is served', async () => {
    const s = await serve({ windowMs: 60_000, perToken: 1_000, perIp: 2 });
    try {
      const from = (ip: string, path: string) => fetch(`${s.url}${path}`, { headers: { 'x-forwarded-for': ip } });
      expect((await from('203.0.113.9', '/c/made-up-1.x')).status).toBe(404);
      expect((await from('203.0.113.9', '/c/made-up-2.x')).status).toBe(404);
      expect((await from('203.0.113.9', pathOf(linkOf(acme)))).status).toBe(429);
      expect((await from('198.51.100.7', pathOf(linkOf(acme)))).status).toBe(200);
    } finally {
      await closeServer(s.server);
    }
  });
});

describe('emails and letters carry the link', () => {
  it('the rendered email has the sentence and the link in text and HTML', () => {
    const r = renderMessage({
      template: 'reminder-1', customerName: 'Acme', recipientName: 'Al', invoices: [], totals: {}, sender: { company: 'Northwind', email: 'ar@northwind.example' },
      today: '2026-12-01', personalGuarantee: false, previousContacts: 0, customerPageUrl: 'https://overdue.example/c/abc.def',
    });
    if (!r.ok) throw new Error(r.problem);
    expect(r.rendered.text).toContain(`${CUSTOMER_PAGE_SENTENCE} https://overdue.example/c/abc.def`);
    expect(r.rendered.html).toContain('<a href="https://overdue.example/c/abc.def">');
  });

  it("the email channel mints it from the entry's creation: a retry sends the same link, and the link opens the account's statement", async () => {
    const org = await w.store.organisations.get(acme.orgId);
    const invoices = await w.store.invoices.listOpenForCustomer(acme.provider, acme.companyId, acme.externalId);
    const created = new Date(Date.now() - 86_400_000);
    const to = { contactId: 'c-ap', name: 'Al Payable', email: 'ap@c0.example', role: 'ap' };
    const action = { key: 'k-letter', levelId: 'final-demand', levelName: 'Final demand', actionId: 'letter', invoiceIds: invoices.map((i) => i._id), at: created.getTime(), customerFacing: true, amounts: { USD: 1_490_000 }, kind: 'letter' as const, letter: 'finalDemand' as const, template: 'final-demand', to, cc: [], responseBy: addDays(localDate(new Date(), 'UTC'), 10), personalGuarantee: false };
    const entry = { _id: 'k-letter', orgId: acme.orgId, customerId: acme._id, channel: 'email' as const, kind: 'letter', payload: {}, invoiceIds: action.invoiceIds, state: 'sending' as const, attempts: 1, dueAt: created, nextAttemptAt: created, createdAt: created, updatedAt: created };
    const sent: { text: string; html: string; pdf: Buffer }[] = [];
    const transport: MailSender = { sendMail: async (m) => { sent.push({ text: String(m.text), html: String(m.html), pdf: m.attachments?.[0]?.content as Buffer }); return { messageId: 'x', rejected: [], response: '250 ok' }; } };
    const options = withCustomerLinks({ transport, from: 'Fuzz <ar@fuzz.example>', attachLetter: letterAttachment }, KEY, w.url);
    if (!options) throw new Error('options');
    const channel = new EmailChannel(options);
    const ctx = { entry, action, accountName: acme.displayName, customer: acme, org, invoices, previousContacts: 0 };
    expect((await channel.send({ ...ctx, now: new Date() })).ok).toBe(true);
    expect((await channel.send({ ...ctx, now: new Date(Date.now() + 3_600_000) })).ok).toBe(true);
    const links = sent.map((m) => /\/c\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/.exec(m.text)?.[0]);
    expect(links[0]).toBeDefined();
    expect(links[1]).toBe(links[0]);
    expect(sent[0]?.html).toContain(`${links[0]}"`);
    // The letter attached prints the same link (the same bytes on the retry).
    // (The PDF wraps the long link over lines: compared without the line breaks.)
    const letterText = squash(await pdfText(sent[0]?.pdf as Buffer));
    expect(letterText).toContain(`${CUSTOMER_PAGE_SENTENCE} ${w.url}/c/`);
    expect(letterText.replace(/\s+/g, '')).toContain(`${w.url}${links[0]}`);
    expect(sent[1]?.pdf.equals(sent[0]?.pdf as Buffer)).toBe(true);
    const page = await get(links[0] ?? '');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(acme.legalName ?? acme.displayName);
  });
});

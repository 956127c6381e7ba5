// The pure parts of inbound mail: reply addresses and their tokens, the
// out-of-office return date, auto-reply headers, delivery status reports, and
// the Mailgun signature check.
import { autoReplyReason, idsOf, parseDeliveryStatus, returnDateOf } from '../src/inbound/classify.js';
import { mailgunSignature, verifyMailgun } from '../src/inbound/mailgun.js';
import { reportParts, textOf } from '../src/inbound/process.js';
import { accountOfReplyAddress, isInboundMailbox, replyAddressFor, TOKEN_LENGTH } from '../src/inbound/reply-address.js';
import { replyToOf } from '../src/outbox/email-channel.js';

const mailbox = { address: 'replies@ar.northwind.example', secret: 'a-secret-of-sixteen+' };
const XERO_CUSTOMER = 'xero:6f1f3a4c-0b7e-4a36-9a51-1d4f0c6f2e11:0b4a9d6e-61f7-4a93-a1c2-7d0f3e9b8a55';

describe('reply addresses', () => {
  it('are plus-addresses of the mailbox with a short lowercase token, the same for the same account', () => {
    const a = replyAddressFor(mailbox, 'org-1', XERO_CUSTOMER);
    expect(a.address).toMatch(new RegExp(`^replies\\+[a-z2-7]{${TOKEN_LENGTH}}@ar\\.northwind\\.example$`));
    expect(a.address.split('@')[0]!.length).toBeLessThanOrEqual(64);
    expect(replyAddressFor(mailbox, 'org-1', XERO_CUSTOMER)).toEqual(a);
    expect(replyAddressFor(mailbox, 'org-1', 'quickbooks:1:2').token).not.toBe(a.token);
    expect(replyAddressFor(mailbox, 'org-2', XERO_CUSTOMER).token).not.toBe(a.token);
    expect(replyAddressFor({ ...mailbox, secret: 'another-secret-here' }, 'org-1', XERO_CUSTOMER).token).not.toBe(a.token);
  });

  it('are read back from an address, whatever its case or display name, and verified against the account', () => {
    const a = replyAddressFor(mailbox, 'org-1', XERO_CUSTOMER);
    const upper = `Northwind AR <${a.address.replace('replies', 'Replies').toUpperCase()}>`;
    const r = accountOfReplyAddress(upper, mailbox);
    expect(r?.token).toBe(a.token);
    expect(r?.verify('org-1', XERO_CUSTOMER)).toBe(true);
    expect(r?.verify('org-1', 'quickbooks:1:2')).toBe(false);
  });

  it('refuse other mailboxes, the bare mailbox and mangled tokens', () => {
    const a = replyAddressFor(mailbox, 'org-1', 'c1');
    expect(accountOfReplyAddress(a.address.replace('ar.northwind', 'ar.southwind'), mailbox)).toBeNull();
    expect(accountOfReplyAddress('replies@ar.northwind.example', mailbox)).toBeNull();
    expect(accountOfReplyAddress(a.address.replace(`+${a.token}`, `+${a.token.slice(1)}`), mailbox)).toBeNull();
    expect(accountOfReplyAddress(a.address.replace(`+${a.token}`, `+${a.token.slice(1)}1`), mailbox)).toBeNull();
    expect(accountOfReplyAddress('not an address', mailbox)).toBeNull();
    expect(isInboundMailbox('Replies+x@AR.Northwind.example', mailbox)).toBe(true);
  });

  it("set Reply-To only when configured, and respect an organisation's own address", () => {
    const base = { fallback: 'collector@northwind.example', orgId: 'org-1', customerId: 'c1' };
    expect(replyToOf({ ...base, orgAddress: undefined, mailbox: undefined })).toEqual({ replyTo: 'collector@northwind.example', token: null });
    expect(replyToOf({ ...base, orgAddress: 'ar@northwind.example', mailbox: undefined })).toEqual({ replyTo: 'ar@northwind.example', token: null });
    const minted = replyToOf({ ...base, orgAddress: undefined, mailbox });
    expect(minted.replyTo).toBe(replyAddressFor(mailbox, 'org-1', 'c1').address);
    // Their own address: left as it is (replies match by In-Reply-To / References).
    expect(replyToOf({ ...base, orgAddress: 'ar@northwind.example', mailbox })).toEqual({ replyTo: 'ar@northwind.example', token: null });
    // Their own address is the inbound mailbox: plus-addressed.
    expect(replyToOf({ ...base, orgAddress: 'Replies@ar.northwind.example', mailbox }).replyTo).toBe(minted.replyTo);
  });
});

describe('the return date of an out-of-office', () => {
  // 2026-06-03 is a Wednesday.
  const today = '2026-06-03';
  it.each([
    ['I am out of the office, back on Monday 8 June.', '2026-06-08'],
    ['Back on 12 May', '2027-05-12'],
    ['I will be back on June 8th, 2026', '2026-06-08'],
    ['Out of office until Monday', '2026-06-08'],
    ['I am away until Wednesday', '2026-06-10'],
    ['Returning 2026-06-15; for urgent matters call Anna.', '2026-06-15'],
    ['Ich bin bis zum 8. Juni nicht im Büro.', '2026-06-08'],
    ['Ich bin ab dem 15. Juni wieder im Büro', null],
    ['Thank you for your email. I am on annual leave with limited access.', null],
    ['back on 31 February', null],
  ])('%s → %s', (text, expected) => {
    expect(returnDateOf(text, today)).toBe(expected);
  });
});

describe('auto-replies', () => {
  const headers = (h: Record<string, string>) => (name: string) => h[name];
  it('are told by RFC 3834 headers, vendor headers and the usual subjects', () => {
    expect(autoReplyReason(headers({ 'auto-submitted': 'auto-replied' }), 'Re: invoice')).toMatch(/Auto-Submitted/);
    expect(autoReplyReason(headers({ 'auto-submitted': 'auto-generated' }), 'x')).toMatch(/auto-generated/);
    expect(autoReplyReason(headers({ 'x-autoreply': 'yes' }), 'x')).toBe('X-Autoreply');
    expect(autoReplyReason(headers({ 'x-autorespond': 'x' }), 'x')).toBe('X-Autorespond');
    expect(autoReplyReason(headers({ precedence: 'auto_reply' }), 'x')).toBe('Precedence: auto_reply');
    for (const s of ['Out of Office: Reminder', 'Automatic reply: Invoice INV-1', 'Abwesenheitsnotiz: Rechnung', 'Réponse automatique : facture']) {
      expect(autoReplyReason(headers({}), s)).not.toBeNull();
    }
  });
  it('are not a person writing "no" in Auto-Submitted, or an ordinary subject', () => {
    expect(autoReplyReason(headers({ 'auto-submitted': 'no' }), 'Re: Reminder: invoice INV-1042')).toBeNull();
    expect(autoReplyReason(headers({ precedence: 'bulk' }), 'Re: office supplies invoice')).toBeNull();
  });
});

describe('delivery status notifications', () => {
  const status = [
    'Reporting-MTA: dns; mx.example.net', '', 'Final-Recipient: rfc822; Billing@Acme.example', 'Original-Recipient: rfc822;billing@acme.example',
    'Action: failed', 'Status: 5.1.1', 'Diagnostic-Code: smtp; 550 5.1.1 <billing@acme.example>:', '  Recipient address rejected: User unknown', '',
    'Final-Recipient: rfc822;ops@acme.example', 'Action: delayed', 'Status: 4.4.1', '',
  ].join('\r\n');
  it('give each recipient, permanent only for a failed 5.x.x', () => {
    expect(parseDeliveryStatus(status)).toEqual([
      { recipient: 'billing@acme.example', action: 'failed', status: '5.1.1', diagnostic: 'smtp; 550 5.1.1 <billing@acme.example>: Recipient address rejected: User unknown', permanent: true },
      { recipient: 'ops@acme.example', action: 'delayed', status: '4.4.1', permanent: false },
    ]);
  });
  it('are split from their report with the returned headers', () => {
    const raw = Buffer.from(['Content-Type: multipart/report; report-type=delivery-status; boundary="B"', '', '--B', 'Content-Type: text/plain', '', 'Sorry.', '--B',
      'Content-Type: message/delivery-status', '', status, '--B', 'Content-Type: text/rfc822-headers', '', 'Message-ID: <abc@overdue.invalid>', 'To: billing@acme.example', '', '--B--', ''].join('\r\n'));
    const parts = reportParts(raw, 'B');
    expect(parseDeliveryStatus(parts.status)).toHaveLength(2);
    expect(parts.original).toContain('Message-ID: <abc@overdue.invalid>');
  });
  it('reference ids are read with or without angle brackets', () => {
    expect(idsOf('<a@x> <b@y>')).toEqual(['a@x', 'b@y']);
    expect(idsOf('a@x')).toEqual(['a@x']);
    expect(idsOf(undefined)).toEqual([]);
  });
});

describe('HTML replies', () => {
  it('are kept as text, never as HTML', async () => {
    const t = await textOf({ text: undefined, html: '<p>We <b>paid</b> last Friday</p><script>alert(1)</script><img src="http://x/t.gif">' } as never);
    expect(t).toContain('We paid last Friday');
    expect(t).not.toMatch(/<|script|alert|t\.gif/);
  });
});

describe('the Mailgun signature', () => {
  const key = 'key-of-the-webhooks';
  const now = new Date('2026-06-03T10:00:00Z');
  const ts = String(now.getTime() / 1000);
  const token = 'a'.repeat(50);
  it('is accepted when it is the HMAC of timestamp and token, fresh', () => {
    expect(verifyMailgun(key, { timestamp: ts, token, signature: mailgunSignature(key, ts, token) }, now)).toEqual({ ok: true });
  });
  it('is refused when wrong, malformed, or stale', () => {
    expect(verifyMailgun(key, { timestamp: ts, token, signature: mailgunSignature('other', ts, token) }, now)).toEqual({ ok: false, reason: 'signature does not match' });
    expect(verifyMailgun(key, { timestamp: ts, token, signature: 'zz' }, now).ok).toBe(false);
    const old = String(now.getTime() / 1000 - 600);
    expect(verifyMailgun(key, { timestamp: old, token, signature: mailgunSignature(key, old, token) }, now)).toEqual({ ok: false, reason: 'timestamp too far from now' });
  });
});

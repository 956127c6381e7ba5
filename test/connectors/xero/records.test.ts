import { mapContact, mapCreditNote, mapInvoice, mapPayment, parseXeroInstant, XeroContact, XeroCreditNote, XeroInvoice, XeroPayment, type MapContext } from '../../../connectors/xero/records.js';
import { parseDelivery, sign, verifyDelivery } from '../../../connectors/xero/webhooks.js';

const ctx: MapContext = { orgId: 'org1', connectionId: 'xero:t1', companyId: 't1', homeCurrency: 'NZD', syncedAt: new Date('2026-03-02T00:00:00Z') };
const T = '6f8a5a4e-2c1d-4b1a-9a36-1f0e3c2b1a00';

describe('Xero dates', () => {
  it.each([
    ['/Date(1700000000000+0000)/', '2023-11-14T22:13:20.000Z'],
    ['/Date(1700000000000+1300)/', '2023-11-14T22:13:20.000Z'],
    ['/Date(1700000000000)/', '2023-11-14T22:13:20.000Z'],
    ['2023-11-14T22:13:20', '2023-11-14T22:13:20.000Z'],
    ['2023-11-14T22:13:20.5', '2023-11-14T22:13:20.500Z'],
    ['2023-11-14T22:13:20Z', '2023-11-14T22:13:20.000Z'],
    ['2023-11-14T22:13:20+13:00', '2023-11-14T09:13:20.000Z'],
    ['2023-11-14', '2023-11-14T00:00:00.000Z'],
  ])('%s', (s, iso) => {
    expect(parseXeroInstant(s)?.toISOString()).toBe(iso);
  });
  it.each(['/Date(abc)/', 'yesterday', '', '14/11/2023'])('rejects %j', (s) => {
    expect(parseXeroInstant(s)).toBeNull();
  });
});

const invoice = (over: Record<string, unknown> = {}) => XeroInvoice.parse({
  InvoiceID: 'inv-1', InvoiceNumber: 'INV-0001', Type: 'ACCREC', Contact: { ContactID: 'c-1', Name: 'Ridgeway' },
  Date: '/Date(1518652800000+0000)/', DueDate: '2018-03-15T00:00:00', Status: 'AUTHORISED',
  Total: 1150.1, AmountDue: 0.3, AmountPaid: 1149.8, CurrencyCode: 'NZD', UpdatedDateUTC: '/Date(1700000000000+0000)/', ...over,
});

describe('Xero mappers', () => {
  it('maps an open invoice with string-parsed money and calendar dates', () => {
    const d = mapInvoice(invoice(), ctx, 'https://in.xero.com/abc');
    expect(d).toMatchObject({ provider: 'xero', companyId: 't1', externalId: 'inv-1', customerExternalId: 'c-1', number: 'INV-0001', issueDate: '2018-02-15', dueDate: '2018-03-15', totalMinor: 115010, balanceMinor: 30, status: 'open', payUrl: 'https://in.xero.com/abc' });
    expect(d.providerUpdatedAt?.toISOString()).toBe('2023-11-14T22:13:20.000Z');
  });
  it('an invoice without a number reads "invoice of <date>" with its ledger reference, not its id as a number', () => {
    expect(mapInvoice(invoice({ InvoiceNumber: undefined }), ctx)).toMatchObject({ number: 'invoice of 2018-02-15 (Xero ref inv-1)', numberSource: 'none' });
    expect(mapInvoice(invoice({ InvoiceNumber: ' ' }), ctx).numberSource).toBe('none');
    expect(mapInvoice(invoice(), ctx).numberSource).toBeUndefined();
  });
  it('voided and deleted invoices leave the open set; paid ones are paid', () => {
    expect(mapInvoice(invoice({ Status: 'VOIDED', AmountDue: 10 }), ctx)).toMatchObject({ status: 'voided', balanceMinor: 0 });
    expect(mapInvoice(invoice({ Status: 'DELETED', AmountDue: 10 }), ctx)).toMatchObject({ status: 'deleted', balanceMinor: 0 });
    expect(mapInvoice(invoice({ Status: 'PAID', AmountDue: 0 }), ctx)).toMatchObject({ status: 'paid', balanceMinor: 0 });
    expect(mapInvoice(invoice({ AmountDue: 0 }), ctx).status).toBe('paid');
  });
  it('zero- and three-decimal currencies', () => {
    expect(mapInvoice(invoice({ CurrencyCode: 'JPY', Total: 12000, AmountDue: 500 }), ctx)).toMatchObject({ totalMinor: 12000, balanceMinor: 500 });
    expect(mapInvoice(invoice({ CurrencyCode: 'KWD', Total: 1.005, AmountDue: '0.25' }), ctx)).toMatchObject({ totalMinor: 1005, balanceMinor: 250 });
  });
  it('refuses an amount that is not a decimal', () => {
    expect(() => mapInvoice(invoice({ AmountDue: 1e21 }), ctx)).toThrow(/not a decimal/);
  });
  it('maps a contact with its contact persons', () => {
    const c = mapContact(XeroContact.parse({
      ContactID: 'c-1', Name: 'Ridgeway University', FirstName: 'Ann', LastName: 'Ridge', EmailAddress: 'ap@ridgeway.example', ContactStatus: 'ACTIVE', AccountNumber: 'R-1',
      ContactPersons: [{ FirstName: 'Bo', LastName: 'Finance', EmailAddress: 'bo@ridgeway.example', IncludeInEmails: true }, { FirstName: 'Cy', EmailAddress: 'cy@ridgeway.example', IncludeInEmails: false }],
      Phones: [{ PhoneType: 'DEFAULT', PhoneNumber: '555 0100', PhoneAreaCode: '04', PhoneCountryCode: '64' }],
      Addresses: [{ AddressType: 'POBOX', AddressLine1: 'PO Box 1', City: 'Wellington', Country: 'NZ' }],
      UpdatedDateUTC: '/Date(1700000000000+0000)/',
    }), ctx);
    expect(c).toMatchObject({ displayName: 'Ridgeway University', email: 'ap@ridgeway.example', phone: '64 04 555 0100', address: 'PO Box 1, Wellington, NZ', active: true, tags: ['account:R-1'] });
    // The account number (the reference customers quote) and the billing country (the customer's time zone).
    expect(c).toMatchObject({ accountNumber: 'R-1', country: 'NZ' });
    expect(c.contacts.map((p) => [p.name, p.email, p.roles[0]])).toEqual([
      ['Ann Ridge', 'ap@ridgeway.example', 'billing'], ['Bo Finance', 'bo@ridgeway.example', 'billing'], ['Cy', 'cy@ridgeway.example', 'other'],
    ]);
  });
  it('maps a receivable payment, skips a payable one, keeps a deleted one as deleted', () => {
    const raw = { PaymentID: 'p-1', Date: '/Date(1518652800000+0000)/', Amount: 100.3, PaymentType: 'ACCRECPAYMENT', Status: 'AUTHORISED', Invoice: { InvoiceID: 'inv-1', Contact: { ContactID: 'c-1' }, CurrencyCode: 'NZD' }, UpdatedDateUTC: '/Date(1700000000000+0000)/' };
    expect(mapPayment(XeroPayment.parse(raw), ctx)).toMatchObject({ amountMinor: 10030, date: '2018-02-15', appliedTo: [{ invoiceExternalId: 'inv-1', amountMinor: 10030 }], deleted: false });
    expect(mapPayment(XeroPayment.parse({ ...raw, PaymentType: 'ACCPAYPAYMENT' }), ctx)).toBeNull();
    expect(mapPayment(XeroPayment.parse({ ...raw, Status: 'DELETED' }), ctx)?.deleted).toBe(true);
  });
  it('maps a customer credit note with its allocations', () => {
    const m = mapCreditNote(XeroCreditNote.parse({ CreditNoteID: 'cn-1', Type: 'ACCRECCREDIT', Contact: { ContactID: 'c-1' }, Date: '2026-01-02T00:00:00', Status: 'AUTHORISED', Total: 50, RemainingCredit: 20, CurrencyCode: 'NZD', Allocations: [{ Amount: 30, Invoice: { InvoiceID: 'inv-1' } }], UpdatedDateUTC: '2026-01-02T10:00:00' }), ctx);
    expect(m).toMatchObject({ externalId: 'CreditNote:cn-1', amountMinor: 5000, appliedTo: [{ invoiceExternalId: 'inv-1', amountMinor: 3000 }], deleted: false });
  });
});

describe('Xero webhook deliveries', () => {
  const key = 'webhook-key-1';
  const body = JSON.stringify({ events: [{ resourceUrl: 'https://api.xero.com/api.xro/2.0/Invoices/inv-1', resourceId: 'inv-1', eventDateUtc: '2026-03-02T10:00:00.000', eventType: 'UPDATE', eventCategory: 'INVOICE', tenantId: T, tenantType: 'ORGANISATION' }, { resourceId: 'c-1', eventType: 'CREATE', eventCategory: 'CONTACT', tenantId: T }], firstEventSequence: 1, lastEventSequence: 2, entropy: 'ABCDEF' });
  it('a good signature parses into change events', () => {
    const v = verifyDelivery(Buffer.from(body), { 'x-xero-signature': sign(body, key) }, key);
    expect(v).toMatchObject({ ok: true, intentToReceive: false, companyIds: [T] });
    if (v.ok) expect(v.events.map((e) => [e.kind, e.externalId, e.operation])).toEqual([['invoice', 'inv-1', 'update'], ['customer', 'c-1', 'create']]);
  });
  it('a wrong, missing or truncated signature is refused', () => {
    expect(verifyDelivery(Buffer.from(body), { 'x-xero-signature': sign(body, 'other') }, key)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyDelivery(Buffer.from(body), {}, key)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyDelivery(Buffer.from(body), { 'x-xero-signature': sign(body, key).slice(0, 20) }, key)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyDelivery(Buffer.from(body + ' '), { 'x-xero-signature': sign(body, key) }, key)).toEqual({ ok: false, reason: 'bad_signature' });
  });
  it('an Intent-to-Receive delivery has no events', () => {
    const itr = JSON.stringify({ events: [], firstEventSequence: 0, lastEventSequence: 0, entropy: 'XYZ' });
    expect(verifyDelivery(Buffer.from(itr), { 'x-xero-signature': sign(itr, key) }, key)).toMatchObject({ ok: true, intentToReceive: true, events: [] });
  });
  it('the same body gives the same dedupe key', () => {
    const a = parseDelivery(body);
    const b = parseDelivery(body);
    expect(a.ok && b.ok && a.dedupeKey === b.dedupeKey).toBe(true);
  });
});

// The shared mapper helpers refuse what cannot be collected exactly: a currency
// outside ISO 4217, an amount finer than its currency's minor unit. Such a record
// raises a MappingError, which the connectors count as rejected instead of saving it.
import { ledgerContacts, MappingError, minorOrThrow, splitAddresses, toMinorExact } from '../../connectors/mapping.js';
import { mapCustomer as mapQboCustomer, mapInvoice as mapQboInvoice, mapPayment as mapQboPayment, QboCustomer, QboInvoice, QboPayment } from '../../connectors/quickbooks/records.js';
import { mapContact as mapXeroContact, mapInvoice as mapXeroInvoice, XeroContact, XeroInvoice } from '../../connectors/xero/records.js';
import { isCurrencyCode } from '../../src/domain/money.js';

const ctx = { orgId: 'o', connectionId: 'quickbooks:1', companyId: '1', homeCurrency: 'USD', syncedAt: new Date(0) };

describe('currencies', () => {
  it('accepts ISO 4217 codes only, from the one list', () => {
    for (const c of ['USD', 'EUR', 'JPY', 'KWD', 'CLF', 'XOF', 'NZD']) expect(isCurrencyCode(c)).toBe(true);
    for (const c of ['ZZZ', 'XXX', 'XTS', 'XAU', 'usd', 'US', 'USDT', '', 'constructor', 'toString']) expect(isCurrencyCode(c)).toBe(false);
  });
});

describe('minorOrThrow', () => {
  it('converts exact amounts, trailing zeros included', () => {
    expect(minorOrThrow('Invoice', '1', '10.50', 'USD')).toBe(1050);
    expect(minorOrThrow('Invoice', '1', '10.500', 'USD')).toBe(1050);
    expect(minorOrThrow('Invoice', '1', 1200, 'JPY')).toBe(1200);
    expect(minorOrThrow('Invoice', '1', '1.005', 'KWD')).toBe(1005);
    expect(minorOrThrow('Invoice', '1', -5.5, 'USD')).toBe(-550);
  });

  it('refuses an unknown currency, and an amount with more decimals than the minor unit instead of rounding it', () => {
    expect(() => minorOrThrow('Invoice', '7', '10.00', 'ZZZ')).toThrow(new MappingError('Invoice', '7', 'currency "ZZZ" is not an ISO 4217 code'));
    expect(() => minorOrThrow('Invoice', '7', '10.005', 'USD')).toThrow(/Invoice 7: amount 10\.005 has more decimals than USD's minor unit \(2\)/);
    expect(() => minorOrThrow('Invoice', '7', 0.1 + 0.2, 'USD')).toThrow(MappingError);
    expect(() => minorOrThrow('Invoice', '7', '100.5', 'JPY')).toThrow(/JPY's minor unit \(0\)/);
    expect(() => minorOrThrow('Invoice', '7', '1.0001', 'KWD')).toThrow(MappingError);
    expect(() => minorOrThrow('Invoice', '7', 'abc', 'USD')).toThrow(/not a decimal/);
    expect(toMinorExact('10.005', 'USD')).toBeNull();
    expect(toMinorExact('10.0050', 'KWD')).toBe(10005);
  });
});

describe('mappers reject rather than round', () => {
  const qbo = {
    Id: '130', SyncToken: '2', DocNumber: '1037', TxnDate: '2026-01-05', DueDate: '2026-02-04', TotalAmt: 362.07, Balance: 0.3,
    CustomerRef: { value: '58' }, CurrencyRef: { value: 'USD' },
    MetaData: { CreateTime: '2026-01-05T13:00:00-08:00', LastUpdatedTime: '2026-01-06T09:00:00-08:00' },
  };
  it('QuickBooks: an invoice in ZZZ, or of 10.005 USD, is a MappingError', () => {
    expect(mapQboInvoice(QboInvoice.parse(qbo), ctx).totalMinor).toBe(36207);
    expect(() => mapQboInvoice(QboInvoice.parse({ ...qbo, CurrencyRef: { value: 'ZZZ' } }), ctx)).toThrow(MappingError);
    expect(() => mapQboInvoice(QboInvoice.parse({ ...qbo, Balance: '10.005' }), ctx)).toThrow(MappingError);
    expect(() => mapQboInvoice(QboInvoice.parse({ ...qbo, CurrencyRef: undefined }), { ...ctx, homeCurrency: 'ZZZ' })).toThrow(/ZZZ/);
  });

  it('QuickBooks: a payment line finer than a cent is a MappingError', () => {
    const payment = QboPayment.safeParse({
      Id: 'P1', TxnDate: '2026-01-10', TotalAmt: 10.01, CustomerRef: { value: '58' }, CurrencyRef: { value: 'USD' },
      Line: [{ Amount: 10.015, LinkedTxn: [{ TxnId: '130', TxnType: 'Invoice' }] }],
      MetaData: { CreateTime: '2026-01-10T00:00:00Z', LastUpdatedTime: '2026-01-10T00:00:00Z' },
    });
    if (!payment.success) throw new Error(`fixture: ${payment.error.message}`);
    expect(() => mapQboPayment(payment.data, ctx)).toThrow(MappingError);
  });

  it('Xero: an invoice in ZZZ, or of 0.305 NZD, is a MappingError', () => {
    const xero = (over: Record<string, unknown>) => XeroInvoice.parse({
      InvoiceID: 'inv-1', InvoiceNumber: 'INV-0001', Type: 'ACCREC', Contact: { ContactID: 'c-1' },
      Date: '/Date(1518652800000+0000)/', DueDate: '2018-03-15T00:00:00', Status: 'AUTHORISED',
      Total: 1150.1, AmountDue: 0.3, CurrencyCode: 'NZD', UpdatedDateUTC: '/Date(1700000000000+0000)/', ...over,
    });
    expect(mapXeroInvoice(xero({}), { ...ctx, homeCurrency: 'NZD' }).balanceMinor).toBe(30);
    expect(() => mapXeroInvoice(xero({ CurrencyCode: 'ZZZ' }), ctx)).toThrow(MappingError);
    expect(() => mapXeroInvoice(xero({ AmountDue: 0.305 }), ctx)).toThrow(MappingError);
  });
});

describe('splitAddresses', () => {
  it('splits on commas and semicolons, validates, drops duplicates and says why it dropped the rest', () => {
    expect(splitAddresses(' a@x.example; B@y.example,<c@z.example>, a@X.example, nope , ')).toEqual({
      valid: ['a@x.example', 'B@y.example', 'c@z.example'],
      invalid: [{ value: 'nope', reason: 'not an email address' }],
    });
    expect(splitAddresses(undefined)).toEqual({ valid: [], invalid: [] });
  });
});

describe('ledger contacts (both connectors, one rule)', () => {
  const rolesOf = (cs: { name: string; email?: string; phone?: string; roles: string[] }[]) => cs.map((c) => [c.name, c.email ?? null, c.roles.join('+')]);

  it('QuickBooks: every valid address of PrimaryEmailAddr is a billing contact, the first one with the phone; invalid ones never become contacts', () => {
    const c = mapQboCustomer(QboCustomer.parse({
      Id: '58', SyncToken: '0', DisplayName: 'Cool Cars', GivenName: 'Dee', FamilyName: 'Cool',
      PrimaryEmailAddr: { Address: 'dee@cool.example; ap@cool.example, not-an-address , DEE@cool.example' }, PrimaryPhone: { FreeFormNumber: '555-0101' },
      MetaData: { LastUpdatedTime: '2026-01-06T09:00:00-08:00' },
    }), ctx);
    expect(c.email).toBe('dee@cool.example');
    expect(rolesOf(c.contacts)).toEqual([['Dee Cool', 'dee@cool.example', 'billing'], ['Dee Cool', 'ap@cool.example', 'billing']]);
    expect(c.contacts[0]?.phone).toBe('555-0101');
    expect(c.contacts.map((k) => k.id)).toEqual(['qbo:58:primary', 'qbo:58:primary:2']);
  });

  it('QuickBooks: a customer with only a phone keeps a billing contact to call; one with neither has none', () => {
    const base = { Id: '9', SyncToken: '0', DisplayName: 'Phone Only', MetaData: { LastUpdatedTime: '2026-01-06T09:00:00-08:00' } };
    expect(rolesOf(mapQboCustomer(QboCustomer.parse({ ...base, PrimaryPhone: { FreeFormNumber: '555' } }), ctx).contacts)).toEqual([['Phone Only', null, 'billing']]);
    expect(mapQboCustomer(QboCustomer.parse({ ...base, PrimaryEmailAddr: { Address: 'nope' } }), ctx).contacts).toEqual([]);
  });

  it('Xero: EmailAddress is billing, ContactPersons billing when IncludeInEmails else other; invalid, empty and repeated addresses are dropped', () => {
    const c = mapXeroContact(XeroContact.parse({
      ContactID: 'c-9', Name: 'Harbour Ltd', EmailAddress: 'accounts@harbour.example',
      ContactPersons: [
        { FirstName: 'Ivy', LastName: 'Ledger', EmailAddress: 'ivy@harbour.example', IncludeInEmails: true },
        { FirstName: 'Jo', EmailAddress: 'jo@harbour.example' },
        { FirstName: 'Kim', EmailAddress: 'not an address', IncludeInEmails: true },
        { FirstName: 'Lee' },
        { FirstName: 'Dup', EmailAddress: 'ACCOUNTS@harbour.example', IncludeInEmails: false },
        { EmailAddress: 'nameless@harbour.example' },
      ],
      UpdatedDateUTC: '/Date(1700000000000+0000)/',
    }), { ...ctx, connectionId: 'xero:t1', companyId: 't1' });
    expect(rolesOf(c.contacts)).toEqual([
      ['Harbour Ltd', 'accounts@harbour.example', 'billing'],
      ['Ivy Ledger', 'ivy@harbour.example', 'billing'],
      ['Jo', 'jo@harbour.example', 'other'],
      ['nameless@harbour.example', 'nameless@harbour.example', 'other'],
    ]);
  });

  it('Xero: an invalid main address is neither the customer email nor a contact', () => {
    const c = mapXeroContact(XeroContact.parse({ ContactID: 'c-8', Name: 'Typo Ltd', EmailAddress: 'typo@', ContactPersons: [{ FirstName: 'Mo', EmailAddress: 'mo@typo.example', IncludeInEmails: true }], UpdatedDateUTC: '/Date(1700000000000+0000)/' }), ctx);
    expect(c.email).toBeUndefined();
    expect(rolesOf(c.contacts)).toEqual([['Mo', 'mo@typo.example', 'billing']]);
  });

  it('ledgerContacts without any address or phone gives none', () => {
    expect(ledgerContacts('x:1', { name: 'N', email: undefined, phone: undefined }, [{ name: 'P', email: '', billing: true }])).toEqual([]);
  });
});

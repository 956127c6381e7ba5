// The shared mapper helpers refuse what cannot be collected exactly: a currency
// outside ISO 4217, an amount finer than its currency's minor unit. Such a record
// raises a MappingError, which the connectors count as rejected instead of saving it.
import { MappingError, minorOrThrow, splitAddresses, toMinorExact } from '../../connectors/mapping.js';
import { mapInvoice as mapQboInvoice, mapPayment as mapQboPayment, QboInvoice, QboPayment } from '../../connectors/quickbooks/records.js';
import { mapInvoice as mapXeroInvoice, XeroInvoice } from '../../connectors/xero/records.js';
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

import { QboCustomer, QboInvoice, isVoided, mapCustomer, mapInvoice, toMinor } from '../../../connectors/quickbooks/records.js';
import { parseDelivery } from '../../../connectors/quickbooks/webhooks.js';

describe('QuickBooks amounts', () => {
  it('parse decimals without float error', () => {
    expect(toMinor(0.1 + 0.2, 'USD')).toBe(30); // 0.30000000000000004 as text: the digits past cents are dropped
    expect(toMinor(0.3, 'USD')).toBe(30);
    expect(toMinor('1234.56', 'USD')).toBe(123456);
    expect(toMinor(1200, 'JPY')).toBe(1200);
    expect(toMinor('1.2345', 'KWD')).toBe(1235);
    expect(toMinor(-5.5, 'USD')).toBe(-550);
    expect(toMinor('abc', 'USD')).toBeNull();
    expect(toMinor(1e-7, 'USD')).toBeNull();
  });
});

describe('QuickBooks invoice mapper', () => {
  const raw = {
    Id: '130', SyncToken: '2', DocNumber: '1037', TxnDate: '2026-01-05', DueDate: '2026-02-04', TotalAmt: 362.07, Balance: 0.3,
    CustomerRef: { value: '58', name: 'Cool Cars' }, CurrencyRef: { value: 'USD' }, InvoiceLink: 'https://pay.example/1037',
    MetaData: { CreateTime: '2026-01-05T13:00:00-08:00', LastUpdatedTime: '2026-01-06T09:00:00-08:00' },
  };
  const ctx = { orgId: 'o', connectionId: 'quickbooks:1', companyId: '1', homeCurrency: 'USD', syncedAt: new Date(0) };
  it('maps an open invoice, keeping its link', () => {
    const doc = mapInvoice(QboInvoice.parse(raw), ctx);
    expect(doc).toMatchObject({ externalId: '130', number: '1037', totalMinor: 36207, balanceMinor: 30, status: 'open', payUrl: 'https://pay.example/1037', customerExternalId: '58' });
    expect(doc.providerUpdatedAt?.toISOString()).toBe('2026-01-06T17:00:00.000Z');
  });
  it('recognises paid and voided invoices', () => {
    expect(mapInvoice(QboInvoice.parse({ ...raw, Balance: 0 }), ctx).status).toBe('paid');
    const voided = QboInvoice.parse({ ...raw, TotalAmt: 0, Balance: 0, PrivateNote: 'Voided' });
    expect(isVoided(voided)).toBe(true);
    expect(mapInvoice(voided, ctx).status).toBe('voided');
  });
  it('refuses a record without its required fields', () => {
    expect(QboInvoice.safeParse({ ...raw, CustomerRef: undefined }).success).toBe(false);
  });
});

describe('QuickBooks customer mapper', () => {
  const ctx = { orgId: 'o', connectionId: 'quickbooks:1', companyId: '1', homeCurrency: 'USD', syncedAt: new Date(0) };
  it('keeps the account number (AcctNum) and the billing country and region', () => {
    const c = mapCustomer(QboCustomer.parse({
      Id: '58', SyncToken: '0', DisplayName: 'Cool Cars', AcctNum: ' CC-0058 ', PrimaryEmailAddr: { Address: 'ap@coolcars.example' },
      BillAddr: { Line1: '1 Pitt St', City: 'Sydney', CountrySubDivisionCode: 'NSW', PostalCode: '2000', Country: 'Australia' },
      MetaData: { LastUpdatedTime: '2026-01-06T09:00:00-08:00' },
    }), ctx);
    expect(c).toMatchObject({ accountNumber: 'CC-0058', country: 'AU', region: 'NSW', address: '1 Pitt St, Sydney, NSW, 2000, Australia' });
    const bare = mapCustomer(QboCustomer.parse({ Id: '59', SyncToken: '0', DisplayName: 'Bare', MetaData: { LastUpdatedTime: '2026-01-06T09:00:00-08:00' } }), ctx);
    expect(bare).not.toHaveProperty('accountNumber');
    expect(bare).not.toHaveProperty('country');
  });
});

describe('QuickBooks webhook parsing', () => {
  it('reads the legacy format', () => {
    const body = JSON.stringify({ eventNotifications: [{ realmId: '1234567890', dataChangeEvent: { entities: [{ name: 'Invoice', id: '7', operation: 'Void', lastUpdated: '2026-01-01T00:00:00Z' }, { name: 'Vendor', id: '1', operation: 'Create' }] } }] });
    const r = parseDelivery(body);
    expect(r).toMatchObject({ ok: true, companyIds: ['1234567890'], events: [{ kind: 'invoice', externalId: '7', operation: 'void' }] });
  });
  it('reads CloudEvents, deduplicated by event id', () => {
    const body = JSON.stringify([{ specversion: '1.0', id: 'ev-1', type: 'qbo.customer.deleted.v1', intuitentityid: '9', intuitaccountid: '1234567890', time: '2026-01-01T00:00:00Z' }]);
    expect(parseDelivery(body)).toMatchObject({ ok: true, dedupeKey: 'ce:ev-1', events: [{ kind: 'customer', externalId: '9', operation: 'delete' }] });
  });
  it('refuses other bodies', () => {
    expect(parseDelivery('[1]').ok).toBe(false);
    expect(parseDelivery('nope').ok).toBe(false);
  });
});

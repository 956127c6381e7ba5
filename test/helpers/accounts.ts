// Seeded organisations, customers and invoices for planning and dispatch tests.
import type { Store } from '../../src/store/store.js';
import type { ContactDoc, CustomerDoc, InvoiceDoc } from '../../src/store/types.js';
import { recordId } from '../../src/store/records.js';

export const COMPANY = '1234567890';

export async function seedOrg(store: Store, orgId: string, now: Date, timeZone = 'America/Chicago'): Promise<void> {
  await store.organisations.upsert({ _id: orgId, name: 'Northwind Supply Co.', homeCurrency: 'USD', timeZone }, now);
  await store.organisations.setSettings(
    orgId,
    { sender: { company: 'Northwind Supply Co.', name: 'Cole Lector', email: 'ar@northwind.example', phone: '+1 312 555 0100', address: '100 Market St, Chicago, IL 60601' } },
    now,
  );
}

export const standardContacts = (domain: string): ContactDoc[] => [
  { id: 'c-billing', name: 'Bea Billing', email: `bea@${domain}`, phone: '+1 555 0101', roles: ['billing'] },
  { id: 'c-ap', name: 'Al Payable', email: `al@${domain}`, phone: '+1 555 0102', roles: ['ap'] },
  { id: 'c-apm', name: 'Mia Manager', email: `mia@${domain}`, phone: '+1 555 0103', roles: ['ap_manager'] },
  { id: 'c-ctl', name: 'Cora Control', email: `cora@${domain}`, phone: '+1 555 0104', roles: ['controller'] },
  { id: 'c-cfo', name: 'Ann Lee', email: `ann@${domain}`, phone: '+1 555 0105', roles: ['cfo'] },
];

export function customerDoc(orgId: string, externalId: string, name: string, contacts: ContactDoc[], now: Date, extra: Partial<CustomerDoc> = {}): CustomerDoc {
  const key = { provider: 'quickbooks' as const, companyId: COMPANY, externalId };
  return {
    ...key,
    _id: recordId(key),
    orgId,
    connectionId: `quickbooks:${COMPANY}`,
    displayName: name,
    contacts,
    tags: [],
    active: true,
    timeZone: 'America/Chicago',
    salesRepEmail: 'sam.rep@northwind.example',
    collectorEmail: 'cole.lector@northwind.example',
    syncedAt: now,
    ...extra,
  };
}

export function invoiceDoc(c: CustomerDoc, externalId: string, number: string, dueDate: string, amountMinor: number, now: Date, extra: Partial<InvoiceDoc> = {}): InvoiceDoc {
  const key = { provider: 'quickbooks' as const, companyId: COMPANY, externalId };
  return {
    ...key,
    _id: recordId(key),
    orgId: c.orgId,
    connectionId: c.connectionId,
    customerExternalId: c.externalId,
    number,
    issueDate: '2025-01-01',
    dueDate,
    currency: 'USD',
    totalMinor: amountMinor,
    balanceMinor: amountMinor,
    status: 'open',
    payUrl: `https://pay.example/${number}`,
    syncedAt: now,
    ...extra,
  };
}

export async function saveCustomer(store: Store, c: CustomerDoc, invoices: InvoiceDoc[]): Promise<void> {
  const { _id: _c, ...cust } = c;
  await store.customers.upsertMany([cust]);
  if (invoices.length > 0) await store.invoices.upsertMany(invoices.map(({ _id: _i, ...rest }) => rest));
}

/** Mark an invoice paid in the store, the way a sync would. */
export async function payInvoice(store: Store, inv: InvoiceDoc, now: Date): Promise<void> {
  const { _id: _i, ...rest } = inv;
  await store.invoices.upsertMany([{ ...rest, balanceMinor: 0, status: 'paid', syncedAt: now }]);
}

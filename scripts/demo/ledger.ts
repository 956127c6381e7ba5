// The customers' side of the books: the scenario's companies, customers and
// invoices put into the QuickBooks and Xero sandboxes, and what happens there
// later (a payment, a void) announced to Overdue the way each platform does —
// a signed webhook to our endpoint.
import { addDays, type LocalDate } from '../../src/domain/calendar.js';
import { amount as qboAmount, type QuickBooksSandbox } from '../../test/sandbox/quickbooks/server.js';
import { amount as xeroAmount, msDate, type XeroSandbox } from '../../test/sandbox/xero/server.js';
import { REALM, TENANT, type AccountSpec, type InvoiceSpec } from './scenario.js';

export function invoiceExternalId(a: AccountSpec, inv: InvoiceSpec): string {
  const digits = inv.number.replace(/\D/g, '');
  return a.provider === 'quickbooks' ? digits : `9e1f0c3a-0000-4000-c000-${digits.padStart(12, '0')}`;
}

const dayMs = (d: LocalDate) => Date.parse(`${d}T00:00:00Z`);

export function seedLedgers(qbo: QuickBooksSandbox, xero: XeroSandbox, accounts: readonly AccountSpec[], start: LocalDate): void {
  qbo.addCompany(REALM, 'Northwind Supply Co. (QuickBooks)', 'USD');
  xero.addTenant(TENANT, 'Northwind Pacific Ltd (Xero)', 'NZD');
  for (const a of accounts) {
    const [given, ...family] = a.contact.name.split(' ');
    if (a.provider === 'quickbooks') {
      qbo.put(REALM, 'Customer', {
        Id: a.externalId, DisplayName: a.name, CompanyName: a.name, GivenName: given, FamilyName: family.join(' '),
        PrimaryEmailAddr: { Address: a.contact.email }, PrimaryPhone: { FreeFormNumber: a.contact.phone },
        Active: true, Job: false, CurrencyRef: { value: a.currency, name: a.currency }, Balance: 0, Notes: '',
      });
      for (const inv of a.invoices) {
        const due = addDays(start, inv.due);
        qbo.put(REALM, 'Invoice', {
          Id: invoiceExternalId(a, inv), DocNumber: inv.number, TxnDate: addDays(due, -30), DueDate: due,
          TotalAmt: qboAmount(inv.amountMinor), Balance: qboAmount(inv.amountMinor),
          CustomerRef: { value: a.externalId, name: a.name }, CurrencyRef: { value: a.currency, name: a.currency },
          BillEmail: { Address: a.contact.email }, EmailStatus: 'EmailSent', LinkedTxn: [],
          Line: [{ Amount: qboAmount(inv.amountMinor), DetailType: 'SalesItemLineDetail' }],
          InvoiceLink: `https://pay.quickbooks.example/${REALM}/${inv.number}`,
        });
      }
    } else {
      xero.put(TENANT, 'Contacts', {
        ContactID: a.externalId, ContactNumber: a.key, Name: a.name, FirstName: given, LastName: family.join(' '),
        EmailAddress: a.contact.email, ContactStatus: 'ACTIVE', IsCustomer: true, IsSupplier: false, DefaultCurrency: a.currency, ContactPersons: [],
        Phones: [{ PhoneType: 'DEFAULT', PhoneNumber: a.contact.phone }],
        Addresses: [{ AddressType: 'POBOX', AddressLine1: `PO Box ${a.externalId.slice(-3)}`, City: 'Wellington', Country: 'New Zealand' }],
      });
      for (const inv of a.invoices) {
        const due = addDays(start, inv.due);
        const issued = addDays(due, -30);
        xero.put(TENANT, 'Invoices', {
          InvoiceID: invoiceExternalId(a, inv), InvoiceNumber: inv.number, Type: 'ACCREC',
          Contact: { ContactID: a.externalId, Name: a.name }, Date: msDate(dayMs(issued)), DateString: `${issued}T00:00:00`,
          DueDate: msDate(dayMs(due)), DueDateString: `${due}T00:00:00`, Status: 'AUTHORISED', LineAmountTypes: 'Exclusive',
          SubTotal: xeroAmount(inv.amountMinor), TotalTax: 0, Total: xeroAmount(inv.amountMinor), AmountDue: xeroAmount(inv.amountMinor),
          AmountPaid: 0, AmountCredited: 0, CurrencyCode: a.currency, SentToContact: true, HasAttachments: false,
        });
      }
    }
  }
}

/** What is still owed on an invoice, in minor units, as the platform has it. */
export function openBalance(qbo: QuickBooksSandbox, xero: XeroSandbox, a: AccountSpec, inv: InvoiceSpec): number {
  const id = invoiceExternalId(a, inv);
  if (a.provider === 'quickbooks') {
    const rec = qbo.company(REALM).records.Invoice.get(id);
    return rec ? Math.round(Number(rec.Balance) * 100) : 0;
  }
  const rec = xero.tenant(TENANT).records.Invoices.get(id);
  return rec && rec.Status === 'AUTHORISED' ? Math.round(Number(rec.AmountDue) * 100) : 0;
}

export interface Announce {
  /** Overdue's base URL. */
  url: string;
}

/** The customer pays `minor` of an invoice; the platform tells Overdue by webhook. */
export async function pay(qbo: QuickBooksSandbox, xero: XeroSandbox, to: Announce, a: AccountSpec, inv: InvoiceSpec, minor: number): Promise<void> {
  const id = invoiceExternalId(a, inv);
  if (a.provider === 'quickbooks') {
    const payment = qbo.pay(REALM, id, minor);
    const body = qbo.cloudEventsPayload(REALM, [{ name: 'Invoice', id, operation: 'Update' }, { name: 'Payment', id: payment.Id, operation: 'Create' }]);
    await expectOk(qbo.deliver(`${to.url}/webhooks/quickbooks`, body, { contentType: 'application/cloudevents+json' }), 'QuickBooks webhook');
  } else {
    xero.pay(TENANT, id, minor);
    await expectOk(xero.deliver(`${to.url}/webhooks/xero`, xero.payload([{ tenantId: TENANT, category: 'INVOICE', id }])), 'Xero webhook');
  }
}

/** The bookkeeper voids an invoice (a write-off); the platform tells Overdue by webhook. */
export async function voidInvoice(qbo: QuickBooksSandbox, xero: XeroSandbox, to: Announce, a: AccountSpec, inv: InvoiceSpec): Promise<void> {
  const id = invoiceExternalId(a, inv);
  if (a.provider === 'quickbooks') {
    qbo.voidInvoice(REALM, id);
    await expectOk(qbo.deliver(`${to.url}/webhooks/quickbooks`, qbo.cloudEventsPayload(REALM, [{ name: 'Invoice', id, operation: 'Update' }]), { contentType: 'application/cloudevents+json' }), 'QuickBooks webhook');
  } else {
    xero.voidInvoice(TENANT, id);
    await expectOk(xero.deliver(`${to.url}/webhooks/xero`, xero.payload([{ tenantId: TENANT, category: 'INVOICE', id }])), 'Xero webhook');
  }
}

async function expectOk(p: Promise<{ status: number; text: string }>, what: string): Promise<void> {
  const r = await p;
  if (r.status !== 200) throw new Error(`${what} answered ${r.status}: ${r.text}`);
}

/**
 * The account's owners open a new company and buy again under its name (AccountSpec.returnsAs): a new customer in
 * the same ledger, new name and address, the old phone and email domain; the platform tells Overdue by webhook.
 */
export async function addReturningCustomer(qbo: QuickBooksSandbox, xero: XeroSandbox, to: Announce, a: AccountSpec): Promise<void> {
  const r = a.returnsAs;
  if (!r) return;
  const [given, ...family] = r.contactName.split(' ');
  if (a.provider === 'quickbooks') {
    qbo.put(REALM, 'Customer', {
      Id: r.externalId, DisplayName: r.name, CompanyName: r.name, GivenName: given, FamilyName: family.join(' '),
      PrimaryEmailAddr: { Address: r.email }, PrimaryPhone: { FreeFormNumber: a.contact.phone }, BillAddr: { Line1: r.address },
      Active: true, Job: false, CurrencyRef: { value: a.currency, name: a.currency }, Balance: 0, Notes: '',
    });
    await expectOk(qbo.deliver(`${to.url}/webhooks/quickbooks`, qbo.cloudEventsPayload(REALM, [{ name: 'Customer', id: r.externalId, operation: 'Create' }]), { contentType: 'application/cloudevents+json' }), 'QuickBooks webhook');
    return;
  }
  xero.put(TENANT, 'Contacts', {
    ContactID: r.externalId, Name: r.name, FirstName: given, LastName: family.join(' '),
    EmailAddress: r.email, ContactStatus: 'ACTIVE', IsCustomer: true, IsSupplier: false, DefaultCurrency: a.currency, ContactPersons: [],
    Phones: [{ PhoneType: 'DEFAULT', PhoneNumber: a.contact.phone }],
    Addresses: [{ AddressType: 'STREET', AddressLine1: r.address, City: 'Auckland', Country: 'New Zealand' }],
  });
  await expectOk(xero.deliver(`${to.url}/webhooks/xero`, xero.payload([{ tenantId: TENANT, category: 'CONTACT', id: r.externalId, type: 'CREATE' }])), 'Xero webhook');
}

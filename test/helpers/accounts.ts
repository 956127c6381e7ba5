// Seeded organisations, customers and invoices for planning and dispatch tests.
import type { Db } from 'mongodb';
import { channelOf, decide, DEFAULT_POLICY_INPUT, defaultPolicy, parsePolicy, type Account, type Policy } from '../../src/engine/index.js';
import { payloadFor } from '../../src/planning/payload.js';
import { collections, type Store } from '../../src/store/store.js';
import type { ContactDoc, CustomerDoc, InvoiceDoc, OutboxEntryDoc } from '../../src/store/types.js';
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

/** The test company's connection, turned live (a new connection is in dry-run and sends nothing). */
export async function liveConnection(store: Store, orgId: string, now: Date, companyId = COMPANY): Promise<void> {
  await store.connections.upsert({ orgId, provider: 'quickbooks', companyId, companyName: 'Northwind test company' }, now);
  await store.connections.setSendMode(`quickbooks:${companyId}`, 'live', now);
}

/** The default ladder sending at any hour of any day (for the bench and the crash test, which run on the wall clock). */
export const anyTimePolicy: Policy = parsePolicy({ ...DEFAULT_POLICY_INPUT, calendar: { ...DEFAULT_POLICY_INPUT.calendar, weekend: [], sendingHours: { start: '00:00', end: '23:59' } } });

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

function accountOf(c: CustomerDoc, inv: InvoiceDoc): Account {
  return {
    id: c._id,
    name: c.displayName,
    timeZone: 'UTC',
    tags: [],
    invoices: [{ id: inv._id, number: inv.number, issueDate: inv.issueDate, dueDate: inv.dueDate, currency: inv.currency, totalMinor: inv.totalMinor, balanceMinor: inv.balanceMinor, status: 'open', disputed: false }],
    payments: [],
    credits: [],
    contacts: c.contacts.map((k) => ({ id: k.id, name: k.name, email: k.email, phone: k.phone, roles: k.roles, bounced: false })),
    personalGuarantee: false,
    holidays: [],
    history: [],
    disputes: [],
    promises: [],
    paymentPlans: [],
    snoozes: [],
  };
}

/**
 * Many due 'reminder-1' entries at once, written straight into the collections
 * (the bench and the crash test need thousands; planning each would take long):
 * customers × `perCustomer` invoices, one entry per invoice, due at `now`.
 */
export async function seedDueReminders(db: Db, opts: { orgId: string; entries: number; perCustomer: number; now: Date; prefix?: string }): Promise<string[]> {
  const { orgId, now } = opts;
  const prefix = opts.prefix ?? 'b';
  const decideAt = Date.parse('2025-03-04T09:00:00Z'); // a Tuesday, a day after the invoices fell due
  const customers: CustomerDoc[] = [];
  const invoices: InvoiceDoc[] = [];
  const entries: OutboxEntryDoc[] = [];
  for (let i = 0; invoices.length < opts.entries; i++) {
    const c = customerDoc(orgId, `${prefix}${i}`, `Bench Customer ${i}`, standardContacts(`${prefix}${i}.example`), now, { timeZone: 'UTC' });
    customers.push(c);
    for (let j = 0; j < opts.perCustomer && invoices.length < opts.entries; j++) {
      const inv = invoiceDoc(c, `${prefix}${i}-${j}`, `INV-${i * opts.perCustomer + j}`, '2025-03-03', 10_000 + j * 1_000, now);
      invoices.push(inv);
      const decision = decide(accountOf(c, inv), defaultPolicy, decideAt);
      const action = decision.actions[0];
      if (!action) throw new Error(`no action for ${inv._id}: ${decision.explanation}`);
      entries.push({
        _id: action.key,
        orgId,
        customerId: c._id,
        channel: channelOf(action),
        kind: action.kind,
        payload: payloadFor(action, { accountName: c.displayName, explanation: decision.explanation, previousContacts: 0 }),
        invoiceIds: [inv._id],
        state: 'pending',
        attempts: 0,
        dueAt: now,
        nextAttemptAt: now,
        createdAt: now,
        updatedAt: now,
      });
    }
  }
  const chunk = 1_000;
  for (let k = 0; k < customers.length; k += chunk) await db.collection<CustomerDoc>(collections.customers).insertMany(customers.slice(k, k + chunk));
  for (let k = 0; k < invoices.length; k += chunk) await db.collection<InvoiceDoc>(collections.invoices).insertMany(invoices.slice(k, k + chunk));
  for (let k = 0; k < entries.length; k += chunk) await db.collection<OutboxEntryDoc>(collections.outbox).insertMany(entries.slice(k, k + chunk));
  return entries.map((e) => e._id);
}

// Paged planning's reads: everything the engine needs about the accounts of one
// organisation, in a constant number of round trips, grouped by customer in
// memory (pure `groupByCustomer`).
//
// Shaped by FerretDB 1.x (docs/architecture.md "FerretDB, found the hard way",
// docs/database.md): a top-level equality is pushed down to PostgreSQL, while
// `$in` and ranges are evaluated in Go over every document the equality selected.
// A page read "by organisation and a customer-id range" therefore decodes the
// whole organisation on every page (quadratic over a pass). So a pass reads each
// collection once per organisation, by equality (orgId, plus status/deleted where
// that narrows it), and plans the accounts from memory a page at a time: the round
// trips per account fall with the organisation's size, and the cost grows
// linearly. The price is memory: the organisation's open invoices, payments,
// states and outbox entries are held for the pass (figures in docs/jobs.md).
import type { Db, Document, Filter } from 'mongodb';
import { OPEN_DATED, OPEN_UNDATED, recordId } from '../store/records.js';
import { collections, type Store } from '../store/store.js';
import type { AuditEntryDoc, CreditHoldDoc, CustomerDoc, InvoiceDoc, OrganisationDoc, OutboxEntryDoc, PaymentDoc } from '../store/types.js';
import type { AccountStateDoc, BounceDoc } from './state.js';
import type { AccountSummaryRowDoc } from './summaries.js';

/** The documents of one account, as the planner reads them (one account or a page). */
export interface AccountInput {
  customer: CustomerDoc;
  /** Open invoices, oldest due first. */
  invoices: InvoiceDoc[];
  /** Payments not deleted, by date. */
  payments: PaymentDoc[];
  state: AccountStateDoc | null;
  /** Every outbox entry of the customer (the planner keeps the engine's), by due time. */
  entries: OutboxEntryDoc[];
  /** `outbox.sent` audit entries (key and time) of the customer's entries whose final write may have been lost. */
  sentAudit: Pick<AuditEntryDoc, 'details' | 'at'>[];
  hold: CreditHoldDoc | null;
  /** Lowercased addresses known to bounce (the organisation's, or those among the customer's). */
  bounced: ReadonlySet<string>;
  /** Open invoices without a due date (not chased; the summary row's open balance counts them), when read. */
  undated?: InvoiceDoc[];
  /** The account's stored summary row (src/planning/summaries.ts): undefined when not read, null when there is none. */
  summary?: AccountSummaryRowDoc | null;
}

/** The organisation's documents a pass reads once, before grouping. */
export interface OrgDocuments {
  customers: CustomerDoc[];
  invoices: InvoiceDoc[];
  payments: PaymentDoc[];
  states: AccountStateDoc[];
  entries: OutboxEntryDoc[];
  holds: CreditHoldDoc[];
  bounces: Pick<BounceDoc, 'email'>[];
  /** Optional: open undated invoices and the stored summary rows (the planning pass reads them; others may not). */
  undated?: InvoiceDoc[];
  summaries?: AccountSummaryRowDoc[];
}

const customerOf = (d: { provider: CustomerDoc['provider']; companyId: string; customerExternalId: string }): string =>
  recordId({ provider: d.provider, companyId: d.companyId, externalId: d.customerExternalId });

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

const byInvoiceOrder = (a: InvoiceDoc, b: InvoiceDoc): number => (a.dueDate < b.dueDate ? -1 : a.dueDate > b.dueDate ? 1 : a.number < b.number ? -1 : a.number > b.number ? 1 : 0);

/**
 * Whether an account's history may hold a send whose final write was lost (the audit trail has it, the
 * entry does not say `sent`): an entry being sent, failed, or pending after a real attempt (attempts are
 * counted per claim; deferrals are claims handed back unsent). Only those accounts have their
 * `outbox.sent` audit entries read.
 */
export function mayHaveLostSend(entries: readonly OutboxEntryDoc[]): boolean {
  return entries.some((e) => e.state === 'sending' || e.state === 'failed' || (e.state === 'pending' && e.attempts > (e.deferrals ?? 0)));
}

/** The organisation's documents grouped by customer, in the customers' order (pure). */
export function groupByCustomer(docs: OrgDocuments): AccountInput[] {
  const invoices = new Map<string, InvoiceDoc[]>();
  for (const i of docs.invoices) push(invoices, customerOf(i), i);
  const payments = new Map<string, PaymentDoc[]>();
  for (const p of docs.payments) push(payments, customerOf(p), p);
  const entries = new Map<string, OutboxEntryDoc[]>();
  for (const e of docs.entries) push(entries, e.customerId, e);
  const states = new Map(docs.states.map((s) => [s._id, s]));
  const holds = new Map(docs.holds.map((h) => [h.customerId, h]));
  const bounced = new Set(docs.bounces.map((b) => b.email));
  const undated = new Map<string, InvoiceDoc[]>();
  for (const i of docs.undated ?? []) push(undated, customerOf(i), i);
  const rows = new Map((docs.summaries ?? []).map((r) => [r.customerId, r]));
  return docs.customers.map((customer) => ({
    customer,
    invoices: (invoices.get(customer._id) ?? []).sort(byInvoiceOrder),
    payments: (payments.get(customer._id) ?? []).sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0)),
    state: states.get(customer._id) ?? null,
    entries: (entries.get(customer._id) ?? []).sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime()),
    sentAudit: [],
    hold: holds.get(customer._id) ?? null,
    bounced,
    ...(docs.undated !== undefined ? { undated: (undated.get(customer._id) ?? []).sort(byInvoiceOrder) } : {}),
    ...(docs.summaries !== undefined ? { summary: rows.get(customer._id) ?? null } : {}),
  }));
}

/** The pass's reads of an organisation: one equality filter per collection (the bench times each). */
export function orgReads(orgId: string, activeOnly: boolean): Record<'customers' | 'invoices' | 'payments' | 'states' | 'entries' | 'holds' | 'bounces', { collection: string; filter: Record<string, unknown> }> {
  return {
    customers: { collection: collections.customers, filter: activeOnly ? { orgId, active: true } : { orgId } },
    invoices: { collection: collections.invoices, filter: { orgId, ...OPEN_DATED } },
    payments: { collection: collections.payments, filter: { orgId, deleted: false } },
    states: { collection: collections.accountStates, filter: { orgId } },
    entries: { collection: collections.outbox, filter: { orgId } },
    holds: { collection: collections.creditHolds, filter: { orgId, status: 'active' } },
    bounces: { collection: collections.bounces, filter: { orgId } },
  };
}

/** Reads of one organisation, each an equality (one round trip, plus getMores for a large answer). */
export class OrgReader {
  private readonly db: Db;

  constructor(private readonly store: Store) {
    this.db = store.db;
  }

  private all<T extends Document>(collection: string, filter: Record<string, unknown>): Promise<T[]> {
    return this.db.collection<T>(collection).find(filter as Filter<T>, { batchSize: 10_000 }).toArray() as Promise<T[]>;
  }

  org(orgId: string): Promise<OrganisationDoc | null> {
    return this.store.organisations.get(orgId);
  }

  /**
   * The organisation's accounts: its customers (`only`: these ids; else the active ones) with their
   * documents. Seven equality reads whatever the organisation's size.
   */
  async accounts(orgId: string, only?: ReadonlySet<string>): Promise<AccountInput[]> {
    const q = orgReads(orgId, only === undefined);
    const [customers, invoices, payments, states, entries, holds, bounceDocs, undated, summaries] = await Promise.all([
      this.all<CustomerDoc>(q.customers.collection, q.customers.filter),
      this.all<InvoiceDoc>(q.invoices.collection, q.invoices.filter),
      this.all<PaymentDoc>(q.payments.collection, q.payments.filter),
      this.all<AccountStateDoc>(q.states.collection, q.states.filter),
      this.all<OutboxEntryDoc>(q.entries.collection, q.entries.filter),
      this.all<CreditHoldDoc>(q.holds.collection, q.holds.filter),
      this.all<BounceDoc>(q.bounces.collection, q.bounces.filter),
      // For the console's summary rows (src/planning/summaries.ts): undated open invoices count in the open
      // balance, and the stored rows let an unchanged account's row go unwritten.
      this.all<InvoiceDoc>(collections.invoices, { orgId, ...OPEN_UNDATED }),
      this.all<AccountSummaryRowDoc>(collections.accountSummaries, { orgId }),
    ]);
    const wanted = only ? customers.filter((c) => only.has(c._id)) : customers;
    wanted.sort((a, b) => (a._id < b._id ? -1 : a._id > b._id ? 1 : 0));
    return groupByCustomer({ customers: wanted, invoices, payments, states, entries, holds, bounces: bounceDocs, undated, summaries });
  }

  /**
   * The documents of some customers of one organisation (a page of the accounts API) in a constant number
   * of reads: per collection one read by equality on the organisation (and, for invoices and payments, on
   * each ledger company of the page, usually one) narrowed to the page's customers by `$in` — index ranges
   * on MongoDB (customer_status, customer, customer_state, _id); FerretDB pushes the equalities down and
   * evaluates the `$in` over the rows they select. Also their open invoices without a due date
   * (`dueDateSource: 'none'`, which the ladder leaves out), by customer id.
   */
  async accountsOf(orgId: string, customers: readonly CustomerDoc[]): Promise<{ inputs: AccountInput[]; undated: Map<string, InvoiceDoc[]> }> {
    if (customers.length === 0) return { inputs: [], undated: new Map() };
    const q = orgReads(orgId, false);
    const ids = customers.map((c) => c._id);
    const companies = new Map<string, { provider: CustomerDoc['provider']; companyId: string; externalIds: string[] }>();
    for (const c of customers) {
      const key = `${c.provider}:${c.companyId}`;
      const company = companies.get(key) ?? { provider: c.provider, companyId: c.companyId, externalIds: [] };
      company.externalIds.push(c.externalId);
      companies.set(key, company);
    }
    const perCompany = async <T extends Document>(collection: string, filter: Record<string, unknown>): Promise<T[]> =>
      (await Promise.all([...companies.values()].map((k) => this.all<T>(collection, { ...filter, provider: k.provider, companyId: k.companyId, customerExternalId: { $in: k.externalIds } })))).flat();
    const [invoices, undated, payments, states, entries, holds, bounceDocs] = await Promise.all([
      perCompany<InvoiceDoc>(q.invoices.collection, q.invoices.filter),
      perCompany<InvoiceDoc>(collections.invoices, { orgId, ...OPEN_UNDATED }),
      perCompany<PaymentDoc>(q.payments.collection, q.payments.filter),
      this.all<AccountStateDoc>(q.states.collection, { ...q.states.filter, _id: { $in: ids } }),
      this.all<OutboxEntryDoc>(q.entries.collection, { ...q.entries.filter, customerId: { $in: ids } }),
      this.all<CreditHoldDoc>(q.holds.collection, { ...q.holds.filter, customerId: { $in: ids } }),
      this.all<BounceDoc>(q.bounces.collection, q.bounces.filter),
    ]);
    const sorted = [...customers].sort((a, b) => (a._id < b._id ? -1 : a._id > b._id ? 1 : 0));
    const inputs = groupByCustomer({ customers: sorted, invoices, payments, states, entries, holds, bounces: bounceDocs });
    const undatedOf = new Map<string, InvoiceDoc[]>();
    for (const i of undated.sort(byInvoiceOrder)) push(undatedOf, customerOf(i), i);
    return { inputs, undated: undatedOf };
  }

  /**
   * The `outbox.sent` audit entries of the page's accounts that may have lost a send (usually none): one
   * equality read each. Returns the accounts whose read failed, with the error (planning quarantines them).
   */
  async addSentAudit(page: AccountInput[]): Promise<Map<string, unknown>> {
    const audit = this.db.collection<AuditEntryDoc>(collections.audit);
    const failed = new Map<string, unknown>();
    await Promise.all(
      page
        .filter((a) => mayHaveLostSend(a.entries))
        .map(async (a) => {
          try {
            a.sentAudit = await audit.find({ accountId: a.customer._id, action: 'outbox.sent' }, { projection: { details: 1, at: 1 } }).toArray();
          } catch (err) {
            failed.set(a.customer._id, err);
          }
        }),
    );
    return failed;
  }
}

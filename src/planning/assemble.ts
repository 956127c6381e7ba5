// From store documents to the engine's Account: a pure mapper. The loader
// (load.ts) reads the documents; this file only translates them.
import type { Account, Contact, Dispute, HistoryEntry, Invoice, Payment, Person } from '../engine/index.js';
import { historyOf, isEngineAction, parsePayload } from './payload.js';
import type { CustomerDoc, InvoiceDoc, PaymentDoc } from '../store/types.js';
import { mergeContacts } from './contacts.js';
import { overriddenFields } from './overrides.js';
import { normaliseEmail, type AccountStateDoc, type EnteredContactDoc, type PaymentPlanDoc } from './state.js';

/** An action that was carried out: an outbox entry that was sent (or an audit record of the send). */
export interface DoneAction {
  key: string;
  payload: Record<string, unknown>;
  at: Date;
}

export interface AccountDocuments {
  customer: CustomerDoc;
  /** The organisation's zone, used when the customer has none. */
  orgTimeZone: string;
  /** The organisation's default collector (settings.assignments), used when the customer has none. */
  defaultCollectorEmail?: string;
  invoices: readonly InvoiceDoc[];
  payments: readonly PaymentDoc[];
  state: AccountStateDoc | null;
  /** Lowercased addresses known to bounce. */
  bounced: ReadonlySet<string>;
  done: readonly DoneAction[];
  /** When the customer's active credit hold (if any) was placed. */
  onHoldSince?: Date | undefined;
}

export interface Assembled {
  account: Account;
  /** Done actions whose payload could not be read (counted, never silently dropped). */
  unreadable: { key: string; problem: string }[];
}

function person(email: string | undefined): Person | undefined {
  return email === undefined || email === '' ? undefined : { id: email, name: email };
}

/** Disputes live in the account state (whole account or some invoices); the engine excludes disputed invoices from them. */
function toInvoice(d: InvoiceDoc): Invoice {
  return {
    id: d._id,
    number: d.number,
    issueDate: d.issueDate,
    dueDate: d.dueDate,
    currency: d.currency,
    totalMinor: d.totalMinor,
    balanceMinor: d.balanceMinor,
    status: d.status,
    disputed: false,
  };
}

function toPayment(d: PaymentDoc): Payment {
  const applied = d.appliedTo.reduce((n, a) => n + a.amountMinor, 0);
  return {
    id: d._id,
    // A payment date is a calendar date; noon UTC lands on that date in every business zone.
    receivedAt: Date.parse(`${d.date}T12:00:00Z`),
    currency: d.currency,
    amountMinor: d.amountMinor,
    unappliedMinor: Math.max(0, d.amountMinor - applied),
  };
}

/** The ledger's contacts and the ones people entered (mergeContacts: entered first, one contact per address). */
function toContacts(c: CustomerDoc, entered: readonly EnteredContactDoc[], bounced: ReadonlySet<string>): Contact[] {
  const isBounced = (email: string | undefined, at: Date | undefined): boolean =>
    at !== undefined || (email !== undefined && bounced.has(normaliseEmail(email)));
  const contacts: Contact[] = mergeContacts(c.contacts, entered).map((k) => ({
    id: k.id,
    name: k.name,
    email: k.email,
    phone: k.phone,
    roles: k.roles,
    bounced: isBounced(k.email, k.bouncedAt),
    ...(k.timeZone !== undefined ? { timeZone: k.timeZone } : {}),
  }));
  // A customer with only a main address on file: that address is its billing contact.
  const main = c.email;
  if (main !== undefined && main !== '' && !contacts.some((k) => k.email !== undefined && normaliseEmail(k.email) === normaliseEmail(main))) {
    const hasBilling = contacts.some((k) => k.roles.includes('billing'));
    contacts.push({ id: `${c._id}:main`, name: c.displayName, email: main, phone: c.phone, roles: hasBilling ? ['other'] : ['billing'], bounced: isBounced(main, undefined) });
  }
  return contacts;
}

/** The history the engine sees: one entry per key, at the time it was carried out (earliest wins). */
function toHistory(done: readonly DoneAction[], unreadable: Assembled['unreadable']): HistoryEntry[] {
  const byKey = new Map<string, HistoryEntry>();
  for (const d of done) {
    const parsed = parsePayload(d.payload);
    if (!parsed.ok) {
      unreadable.push({ key: d.key, problem: parsed.problem });
      continue;
    }
    const action = parsed.payload.action;
    if (!isEngineAction(action)) continue; // a credit-hold write-back or a referral packet: not the ladder's history
    const h = historyOf(action, d.at.getTime());
    const seen = byKey.get(h.key);
    if (!seen || seen.at > h.at) byKey.set(h.key, h);
  }
  return [...byKey.values()].sort((a, b) => a.at - b.at);
}

/**
 * A plan's instalments with the payments made since it was agreed: the state records the plan as
 * agreed (paidMinor 0), the money arrives through sync. Payments in the instalments' currency dated on
 * or after the day the plan was made are allocated to the instalments, the earliest due first.
 */
export function instalmentsPaid(plan: PaymentPlanDoc, payments: readonly PaymentDoc[]): PaymentPlanDoc['instalments'] {
  const since = plan.createdAt.toISOString().slice(0, 10);
  const pool = new Map<string, number>();
  for (const p of payments) if (!p.deleted && p.date >= since) pool.set(p.currency, (pool.get(p.currency) ?? 0) + p.amountMinor);
  const order = plan.instalments.map((inst, i) => ({ inst, i })).sort((a, b) => (a.inst.dueDate < b.inst.dueDate ? -1 : a.inst.dueDate > b.inst.dueDate ? 1 : a.i - b.i));
  const out = plan.instalments.map((inst) => ({ ...inst }));
  for (const { i } of order) {
    const inst = out[i];
    if (!inst) continue;
    const left = pool.get(inst.currency) ?? 0;
    const take = Math.min(left, Math.max(0, inst.amountMinor - inst.paidMinor));
    inst.paidMinor += take;
    pool.set(inst.currency, left - take);
  }
  return out;
}

/** The organisation's default collector (settings.assignments.defaultCollectorEmail): one reader, src/settings/org-settings.ts. */
export { defaultCollectorOf } from '../settings/org-settings.js';

/** The account's stored disputes as the engine reads them. */
export function disputesOf(state: Pick<AccountStateDoc, 'disputes'> | null | undefined): Dispute[] {
  return (state?.disputes ?? []).map((d) => ({ id: d.id, invoiceIds: d.invoiceIds, openedAt: d.openedAt.getTime(), resolvedAt: d.resolvedAt?.getTime() }));
}

export function assembleAccount(docs: AccountDocuments): Assembled {
  const { customer: c, state: s } = docs;
  const unreadable: Assembled['unreadable'] = [];
  const disputes = disputesOf(s);
  const account: Account = {
    id: c._id,
    name: c.displayName,
    // The per-customer overrides (overrides.ts) decide the zone, the strategic tag, the guarantee, the language and an exclusion.
    ...overriddenFields(c, s, docs.orgTimeZone),
    invoices: docs.invoices.filter((i) => i.status === 'open').map(toInvoice),
    payments: docs.payments.filter((p) => !p.deleted).map(toPayment),
    credits: [],
    contacts: toContacts(c, s?.contacts ?? [], docs.bounced),
    salesRep: person(c.salesRepEmail),
    collector: person(c.collectorEmail ?? docs.defaultCollectorEmail),
    holidays: s?.holidays ?? [],
    history: toHistory(docs.done, unreadable),
    disputes,
    promises: (s?.promises ?? []).map((p) => ({
      id: p.id,
      madeAt: p.madeAt.getTime(),
      promisedDate: p.promisedDate,
      status: p.status,
      closedAt: p.closedAt?.getTime(),
      invoiceIds: p.invoiceIds,
    })),
    paymentPlans: (s?.paymentPlans ?? []).map((p) => ({
      id: p.id,
      createdAt: p.createdAt.getTime(),
      status: p.status,
      closedAt: p.closedAt?.getTime(),
      invoiceIds: p.invoiceIds,
      instalments: instalmentsPaid(p, docs.payments),
    })),
    snoozes: (s?.snoozes ?? []).map((z) => ({ id: z.id, by: z.by, createdAt: z.createdAt.getTime(), until: z.until })),
    lastCustomerReplyAt: s?.lastCustomerReplyAt?.getTime(),
    onHold: docs.onHoldSince ? { since: docs.onHoldSince.getTime() } : undefined,
  };
  return { account, unreadable };
}

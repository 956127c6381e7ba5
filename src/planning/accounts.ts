// The accounts API's reads: an organisation's accounts a page at a time after a
// cursor, and one account. Each page costs a constant number of round trips
// (the page's customers; one read per collection for their documents, by the
// organisation's equality and the page's ids, OrgReader.accountsOf; the policy;
// the rare `outbox.sent` audit reads), never one per account, and writes
// nothing. The state, level and next step are the planner's own decision
// (Planner.decisionsOf), shaped by account-view.ts.
import { collections, type Store } from '../store/store.js';
import type { CustomerDoc, OrganisationDoc } from '../store/types.js';
import { accountDetail, accountSummary, type AccountDetail, type AccountSummary, type AccountViewInput, type ApiAccountState } from './account-view.js';
import { OrgReader, type AccountInput } from './page.js';
import type { Planner } from './plan.js';

export interface AccountsQuery {
  /** The last account id of the previous page (decoded from its cursor); none: from the start. */
  after?: string;
  limit: number;
  state?: ApiAccountState;
  /** Only accounts with (true) or without (false) a past-due balance. */
  pastDue?: boolean;
  /** Only customers whose name contains this text (any case); read by the database, before deciding. */
  nameContains?: string;
  /** Only customers whose sales rep or collector is this email; read by the database, before deciding. */
  owner?: string;
}

export interface AccountsPage {
  accounts: AccountSummary[];
  /** The id of the last account examined when more follow; null on the last page. */
  lastId: string | null;
}

/** A cursor is the last examined id, opaque to callers (base64url). */
export function encodeCursor(lastId: string): string {
  return Buffer.from(JSON.stringify({ after: lastId }), 'utf8').toString('base64url');
}

/** The id a cursor stands for; null when it is not one of ours. */
export function decodeCursor(cursor: string): string | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const after = typeof v === 'object' && v !== null ? (v as { after?: unknown }).after : undefined;
    return typeof after === 'string' && after !== '' ? after : null;
  } catch {
    return null;
  }
}

export class AccountsReader {
  private readonly reader: OrgReader;

  constructor(
    private readonly store: Store,
    private readonly planner: Planner,
  ) {
    this.reader = new OrgReader(store);
  }

  /** Views of these accounts (of one organisation), in id order: documents read per collection, decided as the planner does. */
  private async views(orgId: string, org: OrganisationDoc | null, customers: readonly CustomerDoc[], now: Date): Promise<{ input: AccountInput; view: AccountViewInput }[]> {
    const { inputs, undated } = await this.reader.accountsOf(orgId, customers);
    await this.reader.addSentAudit(inputs);
    const decided = await this.planner.decisionsOf(inputs, org, now);
    return inputs.map((input, i) => {
      const d = decided[i];
      if (!d) throw new Error('decisionsOf answered fewer accounts than it was given');
      const { loaded, policy, decision } = d;
      return { input, view: { customer: input.customer, account: loaded.account, state: input.state, invoices: input.invoices, undated: undated.get(input.customer._id) ?? [], decision, policy } };
    });
  }

  /**
   * A page of the organisation's accounts (active in Overdue: the ones planning plans), by id after
   * `after`. `limit` accounts are examined; `state`/`pastDue` keep those that match, so a filtered page
   * may hold fewer (even none) while `lastId` says more follow.
   */
  async page(org: OrganisationDoc, q: AccountsQuery, now: Date): Promise<AccountsPage> {
    const filter: Record<string, unknown> = {
      orgId: org._id,
      active: true,
      ...(q.after !== undefined ? { _id: { $gt: q.after } } : {}),
      ...(q.nameContains ? { displayName: { $regex: q.nameContains.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), $options: 'i' } } : {}),
      ...(q.owner ? { $or: [{ salesRepEmail: q.owner }, { collectorEmail: q.owner }] } : {}),
    };
    const customers = await this.store.db
      .collection<CustomerDoc>(collections.customers)
      .find(filter, { sort: { _id: 1 }, limit: q.limit + 1 })
      .toArray();
    const more = customers.length > q.limit;
    const examined = customers.slice(0, q.limit);
    const accounts = (await this.views(org._id, org, examined, now))
      .map((v) => accountSummary(v.view))
      .filter((a) => (q.state === undefined || a.state === q.state) && (q.pastDue === undefined || a.pastDue.some((x) => x.minor > 0) === q.pastDue));
    return { accounts, lastId: more ? (examined[examined.length - 1]?._id ?? null) : null };
  }

  /** One account (whatever its ledger status) with its invoices and contacts; null when there is none. */
  async one(customerId: string, now: Date): Promise<AccountDetail | null> {
    // The single-account reads (equalities on the customer's keys, `_id`s), not the organisation's: on
    // FerretDB a read by the organisation costs the organisation's documents (docs/console.md).
    const read = await this.planner.readAccount(customerId);
    if (!read) return null;
    const [d] = await this.planner.decisionsOf([read.input], read.org, now);
    if (!d) return null;
    const { input } = read;
    return accountDetail({ customer: input.customer, account: d.loaded.account, state: input.state, invoices: input.invoices, undated: input.undated ?? [], decision: d.decision, policy: d.policy }, input.bounced);
  }
}

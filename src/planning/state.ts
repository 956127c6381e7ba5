// What the engine needs about an account that the accounting platform does not
// hold: disputes, promises to pay, payment plans, snoozes, the last reply, extra
// holidays, and when to look at the account again. One document per customer,
// written by Overdue (Slack actions, inbound mail), never by the sync — which
// replaces customer documents wholesale — so nothing here is lost on a sync.
// Email bounces live apart, one document per address, for the same reason.
import type { Collection, Db } from 'mongodb';
import { collections } from '../store/store.js';
import { isDuplicateKey } from '../store/mongo-errors.js';

export interface DisputeDoc {
  id: string;
  invoiceIds?: string[];
  openedAt: Date;
  resolvedAt?: Date;
}

export interface PromiseDoc {
  id: string;
  madeAt: Date;
  promisedDate: string;
  status: 'open' | 'kept' | 'broken';
  closedAt?: Date;
  invoiceIds?: string[];
}

export interface PaymentPlanDoc {
  id: string;
  createdAt: Date;
  status: 'active' | 'completed' | 'cancelled';
  closedAt?: Date;
  invoiceIds?: string[];
  instalments: { dueDate: string; currency: string; amountMinor: number; paidMinor: number }[];
}

export interface SnoozeDoc {
  id: string;
  by: string;
  createdAt: Date;
  until: string;
}

export interface AccountStateDoc {
  /** The customer's _id. */
  _id: string;
  orgId: string;
  disputes: DisputeDoc[];
  promises: PromiseDoc[];
  paymentPlans: PaymentPlanDoc[];
  snoozes: SnoozeDoc[];
  lastCustomerReplyAt?: Date;
  personalGuarantee?: boolean;
  holidays?: string[];
  /** Set by planning: when decide() wants to look again (null: only on an event). */
  nextEvaluationAt?: Date | null;
  lastPlannedAt?: Date;
  /** The level at the last plan, for the audit trail ("moved to …"). */
  levelId?: string;
  updatedAt: Date;
}

export function emptyAccountState(customerId: string, orgId: string, now: Date): AccountStateDoc {
  return { _id: customerId, orgId, disputes: [], promises: [], paymentPlans: [], snoozes: [], updatedAt: now };
}

export class AccountStates {
  constructor(private readonly col: Collection<AccountStateDoc>) {}

  get(customerId: string): Promise<AccountStateDoc | null> {
    return this.col.findOne({ _id: customerId });
  }

  /** Replace the pause data of an account (Slack actions own it); keeps planning fields. */
  async savePauses(
    customerId: string,
    orgId: string,
    pauses: Pick<AccountStateDoc, 'disputes' | 'promises' | 'paymentPlans' | 'snoozes'> & Partial<Pick<AccountStateDoc, 'lastCustomerReplyAt' | 'personalGuarantee' | 'holidays'>>,
    now: Date,
  ): Promise<void> {
    await this.col.updateOne({ _id: customerId }, { $set: { ...pauses, orgId, updatedAt: now } }, { upsert: true });
  }

  /** Planning's bookkeeping. Upserts with empty pause data when the account has none yet. */
  async recordPlan(customerId: string, orgId: string, fields: { nextEvaluationAt: Date | null; levelId: string }, now: Date): Promise<void> {
    await this.col.updateOne(
      { _id: customerId },
      {
        $set: { nextEvaluationAt: fields.nextEvaluationAt, levelId: fields.levelId, lastPlannedAt: now, updatedAt: now },
        $setOnInsert: { orgId, disputes: [], promises: [], paymentPlans: [], snoozes: [] },
      },
      { upsert: true },
    );
  }

  /**
   * Customer ids of an organisation whose next evaluation has come, all of them in one read (the
   * equality on orgId is what FerretDB pushes down; the time is compared over the organisation's states
   * either way, so paging would read them once per page).
   */
  async dueIds(orgId: string, now: Date): Promise<string[]> {
    const rows = await this.col.find({ orgId, nextEvaluationAt: { $lte: now } }, { projection: { _id: 1 }, batchSize: 10_000 }).toArray();
    return rows.map((r) => r._id).sort();
  }
}

export interface BounceDoc {
  /** `${orgId}:${lowercased address}` */
  _id: string;
  orgId: string;
  email: string;
  customerId: string;
  reason: string;
  outboxKey: string;
  at: Date;
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Addresses that bounced permanently. Insert-only: the first bounce of an address is kept. */
export class Bounces {
  constructor(private readonly col: Collection<BounceDoc>) {}

  /** Records a bounce; false when the address was already known to bounce. */
  async record(b: Omit<BounceDoc, '_id' | 'email'> & { email: string }): Promise<boolean> {
    const email = normaliseEmail(b.email);
    try {
      await this.col.insertOne({ ...b, email, _id: `${b.orgId}:${email}` });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  /** Which of these addresses bounced (lowercased). */
  async bouncedAmong(orgId: string, emails: readonly string[]): Promise<Set<string>> {
    if (emails.length === 0) return new Set();
    const ids = [...new Set(emails.map((e) => `${orgId}:${normaliseEmail(e)}`))];
    const rows = await this.col.find({ _id: { $in: ids } }, { projection: { email: 1 } }).toArray();
    return new Set(rows.map((r) => r.email));
  }
}

export function accountStates(db: Db): AccountStates {
  return new AccountStates(db.collection<AccountStateDoc>(collections.accountStates));
}

export function bounces(db: Db): Bounces {
  return new Bounces(db.collection<BounceDoc>(collections.bounces));
}

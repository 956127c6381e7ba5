// What the engine needs about an account that the accounting platform does not
// hold: disputes, promises to pay, payment plans, snoozes, the last reply, extra
// holidays, and when to look at the account again. One document per customer,
// written by Overdue (Slack actions, inbound mail), never by the sync — which
// replaces customer documents wholesale — so nothing here is lost on a sync.
// Email bounces live apart, one document per address, for the same reason.
import { randomUUID } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import { Claims, type ClaimDoc } from '../store/claims.js';
import { collections } from '../store/store.js';
import { isDuplicateKey } from '../store/mongo-errors.js';
import type { ContactDoc } from '../store/types.js';

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

/** A contact a person entered (API import, Slack Contacts modal): kept here, where syncs never write. */
export interface EnteredContactDoc extends ContactDoc {
  enteredBy: string;
  enteredAt: Date;
}

/** Per-customer settings a person made; each change is audited by its writer. */
export interface CustomerOverridesDoc {
  /** "Do not chase": no step of the ladder while set, until `until` (a local date, inclusive) if given. */
  exclusion?: { reason: string; until?: string; by: string; at: Date };
  /** Strategic account (overrides the ledger's tags either way when set). */
  strategic?: boolean;
  /** A personal guarantee: the guarantor contact's id and the signed document's reference. */
  guarantee?: { contactId: string; documentRef: string };
  /** A custom ladder: a version of the organisation's stored policy (src/store/policies.ts). */
  policyVersion?: number;
  /** IANA time zone and language (BCP 47) of the customer, over the ledger's and the organisation's. */
  timeZone?: string;
  language?: string;
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
  /** Contacts people entered; merged with the ledger's when the account is assembled. */
  contacts?: EnteredContactDoc[];
  overrides?: CustomerOverridesDoc;
  /** Set by planning: when decide() wants to look again (null: only on an event). */
  nextEvaluationAt?: Date | null;
  lastPlannedAt?: Date;
  /** The level at the last plan, for the audit trail ("moved to …"). */
  levelId?: string;
  updatedAt: Date;
}

/** The pause arrays of an account's state. */
export type PauseKind = 'disputes' | 'promises' | 'paymentPlans' | 'snoozes';

export function emptyAccountState(customerId: string, orgId: string, now: Date): AccountStateDoc {
  return { _id: customerId, orgId, disputes: [], promises: [], paymentPlans: [], snoozes: [], updatedAt: now };
}

/** A pause-data write claim older than this belongs to a writer that died: it is broken. */
const LOCK_STALE_MS = 30_000;

export class AccountStates {
  constructor(
    private readonly col: Collection<AccountStateDoc>,
    /** Serialises writers of an account's pause data (without it — unit tests on a single writer — writes go straight through). */
    private readonly claims?: Claims,
  ) {}

  get(customerId: string): Promise<AccountStateDoc | null> {
    return this.col.findOne({ _id: customerId });
  }

  /**
   * Replace the pause data of an account wholesale; keeps planning fields. For seeding and tests only: a
   * person's action adds one entry with addPause (a read-modify-write of the arrays loses concurrent entries).
   */
  async savePauses(
    customerId: string,
    orgId: string,
    pauses: Pick<AccountStateDoc, 'disputes' | 'promises' | 'paymentPlans' | 'snoozes'> & Partial<Pick<AccountStateDoc, 'lastCustomerReplyAt' | 'personalGuarantee' | 'holidays'>>,
    now: Date,
  ): Promise<void> {
    await this.col.updateOne({ _id: customerId }, { $set: { ...pauses, orgId, updatedAt: now } }, { upsert: true });
  }

  /**
   * Add one pause entry (a dispute, promise, payment plan or snooze) to an account so that concurrent
   * additions all land. FerretDB 1.x applies even a `$push` as "read the document, write it back", so two
   * pushes that cross lose one (measured: 3 of 10 survived); the writers of an account's pause data take
   * turns through a claim (an insert on a unique key, the one atomic write) held for the one `$push`.
   * Idempotent by the entry's id, so a retry after a lost acknowledgement does not add it twice.
   */
  async addPause<K extends PauseKind>(customerId: string, orgId: string, kind: K, entry: AccountStateDoc[K][number], now: Date): Promise<void> {
    await this.exclusively(customerId, async () => {
      const filter = { _id: customerId, [`${kind}.id`]: { $ne: entry.id } };
      const update = { $push: { [kind]: entry }, $set: { orgId, updatedAt: now } };
      try {
        await this.col.updateOne(filter, update as never, { upsert: true });
      } catch (err) {
        // The account's state already holds this entry (the filter missed, the upsert hit the _id): done.
        if (!isDuplicateKey(err)) throw err;
      }
    });
  }

  /** Run `write` holding the account's pause-data claim; a claim older than LOCK_STALE_MS (a writer that died) is broken. */
  private async exclusively(customerId: string, write: () => Promise<void>): Promise<void> {
    if (!this.claims) return write();
    const key = `account-state:${customerId}`;
    const owner = randomUUID();
    for (let attempt = 0; ; attempt++) {
      if (await this.claims.take(key, owner, new Date())) break;
      const held = await this.claims.heldSince(key);
      if (held !== null && Date.now() - held.at.getTime() > LOCK_STALE_MS) await this.claims.release(key, held.owner);
      if (attempt > 2_000) throw new Error(`account state ${customerId}: could not take its write claim`);
      await new Promise((r) => setTimeout(r, Math.min(5 + attempt * 2, 50)));
    }
    try {
      await write();
    } finally {
      await this.claims.release(key, owner);
    }
  }

  /**
   * Change the contacts people entered on an account: `change` gets the current ones and returns the new list
   * (null: nothing to write). It runs holding the account's write claim, so an import and a Slack entry that
   * cross both land, and a plan's bookkeeping does not undo either. Returns what was written (null: nothing).
   */
  async updateContacts(customerId: string, orgId: string, change: (current: readonly EnteredContactDoc[]) => EnteredContactDoc[] | null, now: Date): Promise<EnteredContactDoc[] | null> {
    let written: EnteredContactDoc[] | null = null;
    await this.exclusively(customerId, async () => {
      const current = (await this.col.findOne({ _id: customerId }, { projection: { contacts: 1 } }))?.contacts ?? [];
      const next = change(current);
      if (next === null) return;
      await this.col.updateOne(
        { _id: customerId },
        { $set: { contacts: next, orgId, updatedAt: now }, $setOnInsert: { disputes: [], promises: [], paymentPlans: [], snoozes: [] } },
        { upsert: true },
      );
      written = next;
    });
    return written;
  }

  /** The disputes of an organisation's accounts, by account id (accounts without any left out). */
  async disputesByOrg(orgId: string): Promise<Map<string, DisputeDoc[]>> {
    const rows = await this.col.find({ orgId }, { projection: { disputes: 1 } }).toArray();
    return new Map(rows.filter((r) => (r.disputes ?? []).length > 0).map((r) => [r._id, r.disputes]));
  }

  /**
   * A customer replied (src/inbound/process.ts): lastCustomerReplyAt moves to `at` when that is later than the
   * one recorded (a late-processed older reply does not shorten the pause). Held under the account's write claim
   * like every writer of the state. True when it moved.
   */
  async recordReply(customerId: string, orgId: string, at: Date, now: Date): Promise<boolean> {
    let moved = false;
    await this.exclusively(customerId, async () => {
      const current = (await this.col.findOne({ _id: customerId }, { projection: { lastCustomerReplyAt: 1 } }))?.lastCustomerReplyAt;
      if (current !== undefined && current.getTime() >= at.getTime()) return;
      await this.col.updateOne(
        { _id: customerId },
        { $set: { lastCustomerReplyAt: at, orgId, updatedAt: now }, $setOnInsert: { disputes: [], promises: [], paymentPlans: [], snoozes: [] } },
        { upsert: true },
      );
      moved = true;
    });
    return moved;
  }

  /** The entered contacts of an organisation's accounts, by account id (accounts without any left out). */
  async contactsByOrg(orgId: string): Promise<Map<string, EnteredContactDoc[]>> {
    const rows = await this.col.find({ orgId }, { projection: { contacts: 1 } }).toArray();
    return new Map(rows.filter((r) => (r.contacts ?? []).length > 0).map((r) => [r._id, r.contacts ?? []]));
  }

  /**
   * Planning's bookkeeping. Upserts with empty pause data when the account has none yet. It takes the
   * account's write claim too: on FerretDB its $set rewrites the whole document, and would undo a person's
   * entry added at the same moment (test/state-concurrent.test.ts). Only accounts whose plan changed get here.
   */
  async recordPlan(customerId: string, orgId: string, fields: { nextEvaluationAt: Date | null; levelId: string }, now: Date, opts: { absent?: boolean } = {}): Promise<void> {
    // An account the caller read no state for: one insert (no one's data to overwrite; a state someone created
    // meanwhile refuses it, and the update below runs under the claim). Two round trips fewer on a first plan.
    if (opts.absent) {
      try {
        await this.col.insertOne({ ...emptyAccountState(customerId, orgId, now), nextEvaluationAt: fields.nextEvaluationAt, levelId: fields.levelId, lastPlannedAt: now });
        return;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
    }
    await this.exclusively(customerId, async () => {
      await this.col.updateOne(
        { _id: customerId },
        {
          $set: { nextEvaluationAt: fields.nextEvaluationAt, levelId: fields.levelId, lastPlannedAt: now, updatedAt: now },
          $setOnInsert: { orgId, disputes: [], promises: [], paymentPlans: [], snoozes: [] },
        },
        { upsert: true },
      );
    });
  }

  /**
   * Set (a version number) or clear (null) the account's custom ladder, overrides.policyVersion, alone,
   * through setOverrides (one field, never the whole overrides object).
   */
  async setPolicyVersion(customerId: string, orgId: string, version: number | null, now: Date): Promise<void> {
    await (version === null ? this.setOverrides(customerId, orgId, {}, ['policyVersion'], now) : this.setOverrides(customerId, orgId, { policyVersion: version }, [], now));
  }

  /**
   * Per-customer overrides, one field at a time: `$set`/`$unset` of `overrides.<field>` (never the whole
   * object: the custom ladder's policyVersion is written by its own route). Holds the account's write claim
   * like every writer of the state, since FerretDB applies a `$set` as a rewrite of the document.
   */
  async setOverrides(customerId: string, orgId: string, set: Partial<CustomerOverridesDoc>, unset: readonly (keyof CustomerOverridesDoc)[], now: Date): Promise<void> {
    const $set: Record<string, unknown> = { orgId, updatedAt: now };
    for (const [k, v] of Object.entries(set)) if (v !== undefined) $set[`overrides.${k}`] = v;
    const $unset: Record<string, ''> = {};
    for (const k of unset) $unset[`overrides.${k}`] = '';
    await this.exclusively(customerId, async () => {
      await this.col.updateOne(
        { _id: customerId },
        { $set, ...(unset.length > 0 ? { $unset } : {}), $setOnInsert: { disputes: [], promises: [], paymentPlans: [], snoozes: [] } } as never,
        { upsert: true },
      );
    });
  }

  /**
   * A person said the customer's reply received at `repliedAt` is not about the account (Slack's *Not about
   * this*): the reply pause is lifted — lastCustomerReplyAt cleared — unless a later reply has set it since,
   * which still pauses. Under the account's write claim. True when lifted.
   */
  async liftReplyPause(customerId: string, orgId: string, repliedAt: Date, now: Date): Promise<boolean> {
    let lifted = false;
    await this.exclusively(customerId, async () => {
      const last = (await this.col.findOne({ _id: customerId }, { projection: { lastCustomerReplyAt: 1 } }))?.lastCustomerReplyAt;
      if (last === undefined || last === null || last.getTime() > repliedAt.getTime()) return;
      await this.col.updateOne({ _id: customerId }, { $unset: { lastCustomerReplyAt: '' }, $set: { orgId, updatedAt: now } });
      lifted = true;
    });
    return lifted;
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
  return new AccountStates(db.collection<AccountStateDoc>(collections.accountStates), new Claims(db.collection<ClaimDoc>(collections.claims)));
}

export function bounces(db: Db): Bounces {
  return new Bounces(db.collection<BounceDoc>(collections.bounces));
}

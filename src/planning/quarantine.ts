// Quarantined accounts: planning one account failed (its data made the load, the
// engine or a write throw), so the account is set aside and everything else goes
// on. One document per customer (`_id` = customer id) with the error, since when
// and how many passes failed. The first failure stores it (an insert on the `_id`:
// the one that inserts audits `account.quarantined` and stores one alert task for
// the collector, src/outbox/alerts.ts); later failures only count. Every later
// pass (daily, plan-due, plan-requested) plans the account again; the first
// success deletes the document and audits `account.released`.
import type { Collection, Db } from 'mongodb';
import { storeAlert } from '../outbox/alerts.js';
import { isDuplicateKey } from '../store/mongo-errors.js';
import { collections, type Store } from '../store/store.js';

export interface QuarantineDoc {
  /** The customer's _id. */
  _id: string;
  orgId: string;
  accountName: string;
  /** The last failure's message. */
  error: string;
  /** Where it failed: 'load', 'decide' or 'write'. */
  stage: PlanStage;
  since: Date;
  lastFailedAt: Date;
  /** Passes that failed since `since`. */
  failures: number;
}

export type PlanStage = 'load' | 'decide' | 'write';

const SYSTEM = { kind: 'system' as const, id: 'planner', name: 'Overdue planner' };
const MAX_ERROR = 2_000;

export function errorText(err: unknown): string {
  const s = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return s.slice(0, MAX_ERROR);
}

export class Quarantine {
  private readonly col: Collection<QuarantineDoc>;

  constructor(private readonly store: Store) {
    this.col = store.db.collection<QuarantineDoc>(collections.quarantined);
  }

  static collection(db: Db): Collection<QuarantineDoc> {
    return db.collection<QuarantineDoc>(collections.quarantined);
  }

  /** The organisation's quarantined accounts (an equality on orgId), oldest first. */
  async listByOrg(orgId: string): Promise<QuarantineDoc[]> {
    const rows = await this.col.find({ orgId }).toArray();
    return rows.sort((a, b) => a.since.getTime() - b.since.getTime() || (a._id < b._id ? -1 : 1));
  }

  get(customerId: string): Promise<QuarantineDoc | null> {
    return this.col.findOne({ _id: customerId });
  }

  /** Record a failure; true when this call quarantined the account (audited and alerted once). */
  async record(a: { customerId: string; orgId: string; accountName: string; stage: PlanStage; error: unknown; now: Date }): Promise<boolean> {
    const error = errorText(a.error);
    const doc: QuarantineDoc = { _id: a.customerId, orgId: a.orgId, accountName: a.accountName, error, stage: a.stage, since: a.now, lastFailedAt: a.now, failures: 1 };
    try {
      await this.col.insertOne(doc);
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      await this.col.updateOne({ _id: a.customerId }, { $set: { error, stage: a.stage, lastFailedAt: a.now }, $inc: { failures: 1 } });
      return false;
    }
    await this.store.audit.append({
      orgId: a.orgId, accountId: a.customerId, actor: SYSTEM, channel: 'system', action: 'account.quarantined', invoiceIds: [],
      outcome: `planning failed (${a.stage}); account set aside until it plans again: ${error}`.slice(0, 500), details: { stage: a.stage, error }, at: a.now,
    });
    await storeAlert(this.store.db, {
      orgId: a.orgId, customerId: a.customerId, accountName: a.accountName, invoiceIds: [], now: a.now,
      details: { outboxKey: `quarantine:${a.customerId}:${a.now.getTime()}`, channel: 'task', what: 'planning of this account (set aside: no reminders until fixed)', to: null, error, bounced: [], failed: true, levelName: null },
    });
    return true;
  }

  /** The account planned again: lift its quarantine (audited); false when it was not quarantined. */
  async release(q: Pick<QuarantineDoc, '_id' | 'orgId' | 'since' | 'failures' | 'error'>, now: Date): Promise<boolean> {
    const r = await this.col.deleteOne({ _id: q._id });
    if (r.deletedCount !== 1) return false;
    await this.store.audit.append({
      orgId: q.orgId, accountId: q._id, actor: SYSTEM, channel: 'system', action: 'account.released', invoiceIds: [],
      outcome: `planned again after ${q.failures} failed pass${q.failures === 1 ? '' : 'es'} since ${q.since.toISOString()}`,
      details: { since: q.since, failures: q.failures, lastError: q.error }, at: now,
    });
    return true;
  }
}

// Account credit flags besides holds: prepay-only, set when an approver sends
// the account to the collection agency (no more credit: orders only against
// payment), and lifted by an admin or a manager (POST
// /api/accounts/:id/prepay-only/lift). One document per account (_id = the
// account), read by GET /api/accounts/:id/credit-status. Setting inserts on the
// _id; each setting is lifted once (a claim per setting, so two simultaneous
// lifts record one), and a lifted account can be set again by a later referral.
import type { Collection, Db } from 'mongodb';
import type { Claims } from '../../src/store/claims.js';
import { isDuplicateKey } from '../../src/store/mongo-errors.js';
import type { Store } from '../../src/store/store.js';
import type { AuditActor, AuditInput } from '../../src/store/types.js';

export const CREDIT_FLAGS_COLLECTION = 'credit_flags';

export interface CreditFlagsDoc {
  _id: string;
  orgId: string;
  prepayOnly: boolean;
  since: Date;
  reason: string;
  setBy: AuditActor;
  /** When prepay-only was lifted (prepayOnly false), by whom and why. */
  liftedAt?: Date;
  liftedBy?: AuditActor;
  liftReason?: string;
}

export type LiftResult = { lifted: true; doc: CreditFlagsDoc } | { lifted: false; why: 'not_prepay_only' | 'already_lifted' };

export class CreditFlags {
  private readonly col: Collection<CreditFlagsDoc>;

  constructor(db: Db) {
    this.col = db.collection<CreditFlagsDoc>(CREDIT_FLAGS_COLLECTION);
  }

  /** Mark the account prepay-only; false when it already was. */
  async setPrepayOnly(customerId: string, orgId: string, reason: string, by: AuditActor, now: Date): Promise<boolean> {
    try {
      await this.col.insertOne({ _id: customerId, orgId, prepayOnly: true, since: now, reason, setBy: by });
      return true;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      // Lifted before: a new referral sets it again.
      const r = await this.col.updateOne({ _id: customerId, prepayOnly: false }, { $set: { prepayOnly: true, since: now, reason, setBy: by }, $unset: { liftedAt: '', liftedBy: '', liftReason: '' } });
      return r.modifiedCount === 1;
    }
  }

  /** Lift prepay-only, once per setting (the claim `prepay-lift:<account>:<since>` decides between two lifts). */
  async liftPrepayOnly(customerId: string, claims: Claims, reason: string, by: AuditActor, now: Date): Promise<LiftResult> {
    const doc = await this.col.findOne({ _id: customerId });
    if (!doc) return { lifted: false, why: 'not_prepay_only' };
    if (!doc.prepayOnly) return { lifted: false, why: 'already_lifted' };
    if (!(await claims.take(`prepay-lift:${customerId}:${doc.since.getTime()}`, by.id, now))) return { lifted: false, why: 'already_lifted' };
    const lifted: CreditFlagsDoc = { ...doc, prepayOnly: false, liftedAt: now, liftedBy: by, liftReason: reason };
    await this.col.updateOne({ _id: customerId }, { $set: { prepayOnly: false, liftedAt: now, liftedBy: by, liftReason: reason } });
    return { lifted: true, doc: lifted };
  }

  get(customerId: string): Promise<CreditFlagsDoc | null> {
    return this.col.findOne({ _id: customerId });
  }
}

/**
 * Lift an account's prepay-only (the admin API and the Slack button): once per setting, audited
 * `account.prepay_only_lifted` on `channel`. `append` is the audit append to use (Slack's retries transient errors).
 */
export async function liftPrepayOnly(
  store: Store,
  a: { customerId: string; orgId: string; reason: string; actor: AuditActor; channel: AuditInput['channel']; now: Date },
  append: (input: AuditInput) => Promise<unknown> = (i) => store.audit.append(i),
): Promise<LiftResult> {
  const r = await new CreditFlags(store.db).liftPrepayOnly(a.customerId, store.claims, a.reason, a.actor, a.now);
  if (!r.lifted) return r;
  await append({
    orgId: a.orgId, accountId: a.customerId, actor: a.actor, channel: a.channel, action: 'account.prepay_only_lifted', invoiceIds: [],
    outcome: `prepay-only lifted by ${a.actor.name ?? a.actor.id}: ${a.reason}`, details: { since: r.doc.since.toISOString(), reason: a.reason }, at: a.now,
  });
  return r;
}

// Account credit flags besides holds: prepay-only, set when an approver sends
// the account to the collection agency (no more credit: orders only against
// payment). One document per account (_id = the account), read by
// GET /api/accounts/:id/credit-status. Set once (insert on the _id).
import type { Collection, Db } from 'mongodb';
import { isDuplicateKey } from '../../src/store/mongo-errors.js';
import type { AuditActor } from '../../src/store/types.js';

export const CREDIT_FLAGS_COLLECTION = 'credit_flags';

export interface CreditFlagsDoc {
  _id: string;
  orgId: string;
  prepayOnly: boolean;
  since: Date;
  reason: string;
  setBy: AuditActor;
}

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
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  get(customerId: string): Promise<CreditFlagsDoc | null> {
    return this.col.findOne({ _id: customerId });
  }
}

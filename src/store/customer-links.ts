// Revocation of the customer's page links (src/crypto/customer-link.ts): one document per account that has ever
// had its links revoked, `revokedBefore` the instant of the latest revocation. A link issued before it is refused;
// links minted after it (the next emails and letters) work. Read by _id on every page open; written by the admin
// API (`POST /api/orgs/:orgId/accounts/:customerId/customer-link/revoke`). A plain $set of one field: two
// revocations crossing each other both leave an instant at or after the earlier one, which is all that matters.
import type { Collection, Db } from 'mongodb';
import { collections } from './store.js';

export interface CustomerLinkDoc {
  /** The account (customer id). */
  _id: string;
  orgId: string;
  revokedBefore: Date;
  revokedBy: string;
  updatedAt: Date;
}

export class CustomerLinks {
  private readonly col: Collection<CustomerLinkDoc>;
  constructor(db: Db) {
    this.col = db.collection<CustomerLinkDoc>(collections.customerLinks);
  }

  /** The account's revocation instant, when its links were ever revoked. */
  async revokedBefore(orgId: string, customerId: string): Promise<Date | null> {
    const doc = await this.col.findOne({ _id: customerId, orgId });
    return doc?.revokedBefore ?? null;
  }

  /** Revoke every link of the account issued up to `now`. */
  async revoke(orgId: string, customerId: string, by: string, now: Date): Promise<void> {
    await this.col.updateOne({ _id: customerId }, { $set: { orgId, revokedBefore: now, revokedBy: by, updatedAt: now } }, { upsert: true });
  }
}

/** Whether a link issued at `issuedAt` is revoked by the account's revocation instant (issued at or before it). */
export function isRevoked(issuedAt: Date, revokedBefore: Date | null): boolean {
  return revokedBefore !== null && issuedAt.getTime() <= revokedBefore.getTime();
}

export function customerLinks(db: Db): CustomerLinks {
  return new CustomerLinks(db);
}

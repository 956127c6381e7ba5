// Re-plan requests: the web process (a Slack action recorded a promise, a
// dispute, a decision…) asks for an account to be planned again instead of
// planning it on the request path. One small document per account (_id = the
// account), so many requests for one account coalesce into one plan; the
// worker's `plan-requested` job (every minute) takes them. A request is taken
// by deleting it first — only the worker whose delete removed it plans the
// account — and planned after, so anything recorded before the request is seen.
// A request made while the plan runs is a new document, planned next time.
// A request `org:<orgId>` asks for the whole organisation (a new policy version).
import type { Collection, Db } from 'mongodb';
import { isDuplicateKey } from '../store/mongo-errors.js';

export const REPLAN_REQUESTS_COLLECTION = 'replan_requests';

export interface ReplanRequestDoc {
  /** The account (customer document _id). */
  _id: string;
  requestedAt: Date;
  by: string;
}

/**
 * A request to re-plan every account of an organisation (a new policy version was saved) is a request whose
 * _id is `org:<orgId>`: one open request per organisation, taken like an account's.
 */
export const ORG_REQUEST_PREFIX = 'org:';

/** The organisation a taken request names, or null for an account's request. */
export function orgOfRequest(id: string): string | null {
  return id.startsWith(ORG_REQUEST_PREFIX) ? id.slice(ORG_REQUEST_PREFIX.length) : null;
}

export class ReplanRequests {
  private readonly col: Collection<ReplanRequestDoc>;

  constructor(db: Db) {
    this.col = db.collection<ReplanRequestDoc>(REPLAN_REQUESTS_COLLECTION);
  }

  /** Ask for the account to be planned again (one insert; an open request for it already covers this one). */
  async request(customerId: string, by: string, now: Date): Promise<void> {
    try {
      await this.col.insertOne({ _id: customerId, requestedAt: now, by });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }

  /** Ask for every account of the organisation to be planned again (the worker plans it as a pass, page by page). */
  requestOrganisation(orgId: string, by: string, now: Date): Promise<void> {
    return this.request(`${ORG_REQUEST_PREFIX}${orgId}`, by, now);
  }

  /** Whether the organisation's re-plan is still waiting to be taken. */
  async organisationPending(orgId: string): Promise<boolean> {
    return (await this.col.countDocuments({ _id: `${ORG_REQUEST_PREFIX}${orgId}` })) > 0;
  }

  /** Take up to `limit` requests, oldest first: the accounts this caller must plan now. */
  async take(limit: number): Promise<string[]> {
    const open = await this.col.find({}).limit(limit).toArray();
    open.sort((a, b) => a.requestedAt.getTime() - b.requestedAt.getTime());
    const mine: string[] = [];
    for (const r of open) if ((await this.col.deleteOne({ _id: r._id })).deletedCount === 1) mine.push(r._id);
    return mine;
  }

  count(): Promise<number> {
    return this.col.countDocuments({});
  }
}

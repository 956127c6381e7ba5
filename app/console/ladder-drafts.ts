// The ladder editor's drafts (console_policy_drafts): the policy a person is editing, kept on the server
// between the editor's round trips, one per console session (its _id is the session's: the SHA-256 of the
// cookie's id), in the session's organisation. A draft is policy *input* — it may not validate yet; the
// editor shows its problems at their fields — and is never run: Save makes it a version through the
// policy store (src/store/policies.ts) and forgets it. It expires with its session.
//
// Why on the server rather than in a hidden field: the editor is one form per level (a whole ladder as one
// form passes the console's 100-field limit), so the levels' forms must share one draft; a draft also
// survives a look at the history or the preview, and a large policy is not re-sent with every submit.
import type { Collection, Db } from 'mongodb';
import { pruneExpired } from '../../src/store/expired.js';
import { collections } from '../../src/store/store.js';
import type { SessionDoc } from './auth.js';

export interface PolicyDraftDoc {
  /** The console session's _id (SHA-256 of the cookie's session id). */
  _id: string;
  orgId: string;
  /** The draft policy as edited (unvalidated input). */
  policy: unknown;
  /** The organisation's active version when the draft was started (null: the default ladder). */
  baseVersion: number | null;
  updatedAt: Date;
  /** The session's absolute expiry. */
  expiresAt: Date;
}

export class PolicyDrafts {
  private readonly col: Collection<PolicyDraftDoc>;
  constructor(private readonly db: Db) {
    this.col = db.collection<PolicyDraftDoc>(collections.consolePolicyDrafts);
  }

  get(session: SessionDoc): Promise<PolicyDraftDoc | null> {
    return this.col.findOne({ _id: session._id, orgId: session.orgId });
  }

  /** Keep the draft (the session's one draft is replaced). */
  async put(session: SessionDoc, policy: unknown, baseVersion: number | null, now: Date): Promise<void> {
    await this.col.replaceOne({ _id: session._id }, { orgId: session.orgId, policy, baseVersion, updatedAt: now, expiresAt: session.expiresAt }, { upsert: true });
  }

  async discard(session: SessionDoc): Promise<void> {
    await this.col.deleteOne({ _id: session._id });
  }

  /** Forget the drafts of ended sessions. */
  async prune(now: Date): Promise<number> {
    return (await pruneExpired(this.db, now, [collections.consolePolicyDrafts]))[collections.consolePolicyDrafts] ?? 0;
  }
}

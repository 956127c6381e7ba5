// Claims: the one write that is atomic on every server we support. FerretDB 1.x
// runs findAndModify and conditional updates as "read, then write by _id", so two
// processes can both match the same document; but an insert against a unique _id
// is decided by the database. Every "exactly one of you" decision in Overdue —
// claiming an outbox entry or a webhook delivery, deciding an approval, taking a
// connection lease, running a scheduled job — inserts a claim keyed by what is
// being decided, and only the process whose insert succeeded goes on.
import type { Collection } from 'mongodb';
import { isDuplicateKey } from './mongo-errors.js';

export interface ClaimDoc {
  _id: string;
  owner: string;
  at: Date;
}

export class Claims {
  constructor(private readonly col: Collection<ClaimDoc>) {}

  /** True when this call won the claim `key`; false when someone already holds it. */
  async take(key: string, owner: string, now: Date): Promise<boolean> {
    try {
      await this.col.insertOne({ _id: key, owner, at: now });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  async holder(key: string): Promise<string | null> {
    return (await this.col.findOne({ _id: key }))?.owner ?? null;
  }

  /** Who holds the claim `key` and since when (null: nobody). */
  async heldSince(key: string): Promise<{ owner: string; at: Date } | null> {
    const c = await this.col.findOne({ _id: key });
    return c ? { owner: c.owner, at: c.at } : null;
  }

  /** Give up the claim `key` if `owner` still holds it (for claims that mark a state, e.g. a customer's one active credit hold). */
  async release(key: string, owner: string): Promise<boolean> {
    return (await this.col.deleteOne({ _id: key, owner })).deletedCount === 1;
  }

  /** Forget claims older than `before` (housekeeping; keys embed attempt numbers, so old ones are never asked again). */
  async prune(before: Date): Promise<number> {
    return (await this.col.deleteMany({ at: { $lt: before } })).deletedCount;
  }
}

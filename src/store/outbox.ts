// The outbox: every side effect on the outside world is an entry keyed by its
// idempotency key. Enqueueing the same key twice is a no-op; a dispatcher claims
// due entries atomically with a lease, so two workers never send the same one.
import { MongoBulkWriteError, type Collection } from 'mongodb';
import type { Claims } from './claims.js';
import { isDuplicateKey } from './mongo-errors.js';
import type { OutboxEntryDoc } from './types.js';

export type NewOutboxEntry = Pick<OutboxEntryDoc, '_id' | 'orgId' | 'customerId' | 'channel' | 'kind' | 'payload' | 'invoiceIds' | 'dueAt'>;

export class Outbox {
  constructor(
    private readonly col: Collection<OutboxEntryDoc>,
    private readonly claims: Claims,
  ) {}

  /** Insert unless the key exists. Returns true when this call created the entry. */
  async enqueue(entry: NewOutboxEntry, now: Date): Promise<boolean> {
    try {
      await this.col.insertOne({
        ...entry,
        state: 'pending',
        attempts: 0,
        nextAttemptAt: entry.dueAt,
        createdAt: now,
        updatedAt: now,
      });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  /**
   * Insert several entries in one round trip (unordered), each unless its key exists. Returns the keys
   * this call created; an existing key is a no-op, as in `enqueue` (any other refusal is thrown).
   */
  async enqueueMany(entries: readonly NewOutboxEntry[], now: Date): Promise<string[]> {
    if (entries.length === 0) return [];
    if (entries.length === 1 && entries[0]) return (await this.enqueue(entries[0], now)) ? [entries[0]._id] : [];
    const docs: OutboxEntryDoc[] = entries.map((entry) => ({ ...entry, state: 'pending', attempts: 0, nextAttemptAt: entry.dueAt, createdAt: now, updatedAt: now }));
    try {
      await this.col.insertMany(docs, { ordered: false });
      return docs.map((d) => d._id);
    } catch (err) {
      if (!(err instanceof MongoBulkWriteError)) throw err;
      const errors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
      if (errors.some((w) => w.code !== 11000)) throw err;
      const refused = new Set(errors.map((w) => w.index));
      return docs.filter((_, i) => !refused.has(i)).map((d) => d._id);
    }
  }

  get(id: string): Promise<OutboxEntryDoc | null> {
    return this.col.findOne({ _id: id });
  }

  /**
   * Claim the next due entry for `worker`: a pending entry whose time has come, or a
   * 'sending' entry whose lease expired (its worker died). Atomic per entry.
   */
  async claimNext(worker: string, now: Date, leaseMs: number): Promise<OutboxEntryDoc | null> {
    const candidates = await this.col
      .find({
        $or: [
          { state: 'pending', nextAttemptAt: { $lte: now } },
          { state: 'sending', lockedUntil: { $lt: now } },
        ],
      })
      .sort({ nextAttemptAt: 1 })
      .limit(25)
      .toArray();
    for (const c of candidates) {
      const attempts = c.attempts + 1;
      // One claim per attempt: of several workers reading the same entry, one wins.
      if (!(await this.claims.take(`outbox:${c._id}:${attempts}`, worker, now))) continue;
      const set = { state: 'sending' as const, lockedBy: worker, lockedUntil: new Date(now.getTime() + leaseMs), attempts, updatedAt: now };
      const r = await this.col.updateOne({ _id: c._id, attempts: c.attempts, state: { $in: ['pending', 'sending'] } }, { $set: set });
      if (r.modifiedCount === 1) return { ...c, ...set };
    }
    return null;
  }

  /** Finish a claimed entry. Only the worker holding the lease can. */
  async markSent(id: string, worker: string, now: Date, result: Record<string, unknown> = {}): Promise<boolean> {
    const r = await this.col.updateOne(
      { _id: id, state: 'sending', lockedBy: worker },
      { $set: { state: 'sent', sentAt: now, result, updatedAt: now }, $unset: { lockedUntil: '', lastError: '' } },
    );
    return r.modifiedCount === 1;
  }

  /** A transient failure: back to pending at retryAt. A permanent one: failed for good. */
  async markFailed(id: string, worker: string, now: Date, error: string, retryAt: Date | null): Promise<boolean> {
    const set = retryAt
      ? { state: 'pending' as const, nextAttemptAt: retryAt, lastError: error, updatedAt: now }
      : { state: 'failed' as const, lastError: error, updatedAt: now };
    const r = await this.col.updateOne({ _id: id, state: 'sending', lockedBy: worker }, { $set: set, $unset: { lockedUntil: '' } });
    return r.modifiedCount === 1;
  }

  /** Entries of an organisation held by its kill switch: due again now (it was resumed). Returns how many. */
  async releasePaused(orgId: string, now: Date): Promise<number> {
    const r = await this.col.updateMany({ orgId, state: 'pending', deferredFor: 'paused', nextAttemptAt: { $gt: now } }, { $set: { nextAttemptAt: now, updatedAt: now } });
    return r.modifiedCount;
  }

  /** Cancel an entry that has not been sent (e.g. the invoice was paid). */
  async cancel(id: string, reason: string, now: Date): Promise<boolean> {
    const r = await this.col.updateOne(
      { _id: id, state: { $in: ['pending', 'sending'] } },
      { $set: { state: 'cancelled', cancelReason: reason, updatedAt: now }, $unset: { lockedUntil: '' } },
    );
    return r.modifiedCount === 1;
  }

  /** Cancel every unsent entry of a customer (the account is current again). Returns the ids cancelled. */
  async cancelPendingForCustomer(customerId: string, reason: string, now: Date): Promise<string[]> {
    const pending = await this.col.find({ customerId, state: 'pending' }, { projection: { _id: 1 } }).toArray();
    const cancelled: string[] = [];
    for (const { _id } of pending) if (await this.cancel(_id, reason, now)) cancelled.push(_id);
    return cancelled;
  }

  listByCustomer(customerId: string): Promise<OutboxEntryDoc[]> {
    return this.col.find({ customerId }).sort({ dueAt: 1 }).toArray();
  }

  countByState(): Promise<Record<string, number>> {
    return this.col
      .aggregate<{ _id: string; n: number }>([{ $group: { _id: '$state', n: { $sum: 1 } } }])
      .toArray()
      .then((rows) => Object.fromEntries(rows.map((r) => [r._id, r.n])));
  }
}

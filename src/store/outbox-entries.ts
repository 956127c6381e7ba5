// Outbox state changes that planning makes besides enqueue: cancelling an entry
// that is no longer wanted and reviving one that is wanted again. Both must not
// race a dispatcher that is claiming the same entry. On FerretDB a conditional
// update is not atomic (src/store/claims.ts), so each takes the claim of the
// entry's next attempt number — the same claim a dispatcher would need to send
// it — and only the winner writes. `attempts` therefore counts claim numbers
// used, by sends, cancels and revivals alike.
import type { Collection } from 'mongodb';
import type { ClaimDoc, Claims } from './claims.js';
import type { OutboxEntryDoc } from './types.js';

export type EntryChange = 'done' | 'lost' | 'gone';

/** What `finish` writes: the outcome fields, and the fields to clear. */
export type FinishSet = Partial<Pick<OutboxEntryDoc, 'state' | 'sentAt' | 'result' | 'nextAttemptAt' | 'dueAt' | 'lastError' | 'cancelReason' | 'deferrals' | 'deferredFor'>> & {
  unset?: ('lastError' | 'deferredFor')[];
};

const PLANNER_PREFIXES = ['cancel:', 'revive:'];

export class OutboxEntries {
  constructor(
    private readonly col: Collection<OutboxEntryDoc>,
    private readonly claims: Claims,
    /** The claims collection itself, read-only: to see when a claim was taken. */
    private readonly claimCol: Collection<ClaimDoc>,
  ) {}

  /** Take the claim for the entry's next attempt, or find it held by an earlier planner that stopped half-way. */
  private async takeNext(e: OutboxEntryDoc, owner: string, now: Date): Promise<boolean> {
    const key = `outbox:${e._id}:${e.attempts + 1}`;
    if (await this.claims.take(key, owner, now)) return true;
    const holder = await this.claims.holder(key);
    return holder !== null && PLANNER_PREFIXES.some((p) => holder.startsWith(p));
  }

  /**
   * Cancel a pending entry unless a dispatcher got to it first. 'lost': a
   * dispatcher holds it (it is being sent); 'gone': it is no longer pending.
   */
  async cancelPending(e: OutboxEntryDoc, reason: string, worker: string, now: Date): Promise<EntryChange> {
    if (e.state !== 'pending') return 'gone';
    if (!(await this.takeNext(e, `cancel:${worker}`, now))) return 'lost';
    const r = await this.col.updateOne(
      { _id: e._id, state: 'pending', attempts: e.attempts },
      { $set: { state: 'cancelled', cancelReason: reason, attempts: e.attempts + 1, updatedAt: now }, $unset: { lockedUntil: '', lockedBy: '' } },
    );
    return r.modifiedCount === 1 ? 'done' : 'gone';
  }

  /** Make a cancelled (or permanently failed) entry pending again with a new payload and due time. */
  async revive(e: OutboxEntryDoc, payload: Record<string, unknown>, dueAt: Date, worker: string, now: Date): Promise<EntryChange> {
    if (e.state !== 'cancelled' && e.state !== 'failed') return 'gone';
    if (!(await this.takeNext(e, `revive:${worker}`, now))) return 'lost';
    const r = await this.col.updateOne(
      { _id: e._id, state: e.state, attempts: e.attempts },
      {
        $set: { state: 'pending', payload, dueAt, nextAttemptAt: dueAt, attempts: e.attempts + 1, updatedAt: now },
        $unset: { cancelReason: '', lastError: '', lockedBy: '', lockedUntil: '' },
      },
    );
    return r.modifiedCount === 1 ? 'done' : 'gone';
  }

  /**
   * Claim one entry found due (src/store/outbox-due.ts `DueQueue.next`) for `worker`: the claim of its next attempt number (an
   * insert: one winner). The claim is the lease: nothing is written to the entry, which stays
   * `pending` in the database while it is worked on, at the attempt before the claimed one; a
   * claim older than a lease is a dead worker's, and the next dispatcher moves past it
   * (skipDeadClaim). Returns the entry as this worker holds it (attempts = the claimed number,
   * lockedUntil = the lease's end, in memory only), or null when another worker has it.
   */
  async claim(c: OutboxEntryDoc, worker: string, now: Date, leaseMs: number): Promise<OutboxEntryDoc | null> {
    let entry = c;
    if (!(await this.claims.take(`outbox:${entry._id}:${entry.attempts + 1}`, worker, now))) {
      // Lost to another worker — or held by one that died, more than a lease ago.
      const skipped = await this.skipDeadClaim(entry, now, leaseMs);
      if (!skipped || !(await this.claims.take(`outbox:${skipped._id}:${skipped.attempts + 1}`, worker, now))) return null;
      entry = skipped;
    }
    return { ...entry, state: 'sending', lockedBy: worker, lockedUntil: new Date(now.getTime() + leaseMs), attempts: entry.attempts + 1, updatedAt: now };
  }

  /**
   * Record the outcome of the attempt a worker claimed (`e` as `claim` returned it): one write,
   * which also moves the entry's attempts to the claimed number, and only while nobody moved the
   * entry past that attempt (a takeover after the lease ran out). False: the lease was lost.
   */
  async finish(e: OutboxEntryDoc, set: FinishSet, now: Date): Promise<boolean> {
    const { unset, ...fields } = set;
    const r = await this.col.updateOne(
      { _id: e._id, attempts: e.attempts - 1, state: { $in: ['pending', 'sending'] } },
      { $set: { ...fields, attempts: e.attempts, updatedAt: now }, $unset: { lockedBy: '', lockedUntil: '', ...Object.fromEntries((unset ?? []).map((k) => [k, ''])) } },
    );
    return r.modifiedCount === 1;
  }

  /**
   * An entry whose next attempt was claimed more than a lease ago by a worker
   * that never wrote its lease (it died in between) can never be claimed again:
   * move it past that attempt. Returns the entry as it is now, or null.
   */
  private async skipDeadClaim(e: OutboxEntryDoc, now: Date, leaseMs: number): Promise<OutboxEntryDoc | null> {
    // Pending, or sending under a lease that ran out (its worker died, then so did the one taking it over).
    const expired = e.state === 'sending' && e.lockedUntil !== undefined && e.lockedUntil < now;
    if (e.state !== 'pending' && !expired) return null;
    const claim = await this.claimCol.findOne({ _id: `outbox:${e._id}:${e.attempts + 1}` });
    if (!claim || claim.at.getTime() > now.getTime() - leaseMs) return null;
    const r = await this.col.updateOne({ _id: e._id, state: e.state, attempts: e.attempts }, { $set: { attempts: e.attempts + 1, updatedAt: now } });
    return r.modifiedCount === 1 ? { ...e, attempts: e.attempts + 1, updatedAt: now } : null;
  }

  /**
   * A pending entry whose next claim is held by a planner that stopped between
   * its claim and its write can never be claimed by a dispatcher: step past it.
   */
  async unstick(e: OutboxEntryDoc, now: Date): Promise<boolean> {
    if (e.state !== 'pending') return false;
    const holder = await this.claims.holder(`outbox:${e._id}:${e.attempts + 1}`);
    if (holder === null || !PLANNER_PREFIXES.some((p) => holder.startsWith(p))) return false;
    const r = await this.col.updateOne({ _id: e._id, state: 'pending', attempts: e.attempts }, { $set: { attempts: e.attempts + 1, updatedAt: now } });
    return r.modifiedCount === 1;
  }
}

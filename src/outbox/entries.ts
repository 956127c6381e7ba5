// Outbox state changes that planning makes besides enqueue: cancelling an entry
// that is no longer wanted and reviving one that is wanted again. Both must not
// race a dispatcher that is claiming the same entry. On FerretDB a conditional
// update is not atomic (src/store/claims.ts), so each takes the claim of the
// entry's next attempt number — the same claim a dispatcher would need to send
// it — and only the winner writes. `attempts` therefore counts claim numbers
// used, by sends, cancels and revivals alike.
import type { Collection } from 'mongodb';
import type { Claims } from '../store/claims.js';
import type { OutboxEntryDoc } from '../store/types.js';

export type EntryChange = 'done' | 'lost' | 'gone';

const PLANNER_PREFIXES = ['cancel:', 'revive:'];

export class OutboxEntries {
  constructor(
    private readonly col: Collection<OutboxEntryDoc>,
    private readonly claims: Claims,
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

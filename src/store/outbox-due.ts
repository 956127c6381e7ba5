// The due queue: a small collection holding a pointer (`_id` = the outbox key) to
// each outbox entry that is due now, so that finding work costs the same however
// many entries the outbox keeps. FerretDB 1.x (over PostgreSQL or SQLite) pushes
// down to SQL only top-level equalities, and a LIMIT only when a find has no
// filter and no sort; `$or`, `$in`, ranges (`_id` ranges too) and sorts are
// evaluated in Go over every row fetched (docs/jobs.md, "The due queue"). The
// outbox's old due scan (`$or` of `state` + `nextAttemptAt` ranges) therefore
// decoded the whole outbox, sent entries included, for every batch. Here the
// dispatcher's scan is `find({}).limit(n)` on this collection: a `LIMIT n` in SQL.
//
// A pointer is only a hint: the entry (read by `_id`) and its claims decide
// everything, as before (src/store/outbox-entries.ts). So pointers may be added
// and removed by anyone at any time without a claim: `promote` adds one for every
// entry that has come due (once per dispatcher run: one pushed-down read of the
// pending entries), the dispatcher removes an entry's pointer when it records an
// outcome that is not "due again now", and a reader removes pointers whose entry
// is no longer due (sent, cancelled, failed, moved later, gone).
import type { Collection, Db } from 'mongodb';
import { isDuplicateKey } from './mongo-errors.js';
import { collections } from './store.js';
import type { OutboxChannel, OutboxEntryDoc } from './types.js';

/** A pointer to a due outbox entry. */
export interface DuePointerDoc {
  /** The outbox entry's key. */
  _id: string;
  channel: OutboxChannel;
  /** When the entry came due (its nextAttemptAt, or the end of an expired lease), for the record. */
  at: Date;
}

/** Whether the entry is due at `now`: pending and its time has come, or sending under a lease that ran out. */
export function isDue(e: Pick<OutboxEntryDoc, 'state' | 'nextAttemptAt' | 'lockedUntil'>, now: Date): boolean {
  if (e.state === 'pending') return e.nextAttemptAt.getTime() <= now.getTime();
  return e.state === 'sending' && e.lockedUntil !== undefined && e.lockedUntil.getTime() < now.getTime();
}

export interface DueBatch {
  /** Due entries of the worker's channels, read by `_id` (expired leases first, then the longest waiting). */
  entries: OutboxEntryDoc[];
  /** Pointers removed because their entry was no longer due. */
  dropped: number;
}

const INSERT_CHUNK = 1_000;

export class DueQueue {
  private readonly col: Collection<DuePointerDoc>;

  constructor(
    db: Db,
    private readonly outbox: Collection<OutboxEntryDoc>,
  ) {
    this.col = db.collection<DuePointerDoc>(collections.outboxDue);
  }

  /**
   * Add a pointer for every entry due at `now` that lacks one. Reads the pending entries (a
   * pushed-down equality on `state`: sent entries are left behind in SQL) and the `sending` ones
   * (the old claimNext's leases), and the pointers there are. Returns how many it added.
   */
  async promote(now: Date): Promise<number> {
    const fields = { projection: { _id: 1, channel: 1, state: 1, nextAttemptAt: 1, lockedUntil: 1 } };
    const [pending, sending, present] = await Promise.all([
      this.outbox.find({ state: 'pending' }, fields).toArray(),
      this.outbox.find({ state: 'sending' }, fields).toArray(),
      this.col.find({}, { projection: { _id: 1 } }).toArray(),
    ]);
    const have = new Set(present.map((p) => p._id));
    const add: DuePointerDoc[] = [];
    for (const e of [...pending, ...sending]) {
      if (have.has(e._id) || !isDue(e, now)) continue;
      add.push({ _id: e._id, channel: e.channel, at: e.state === 'sending' && e.lockedUntil ? e.lockedUntil : e.nextAttemptAt });
    }
    let added = 0;
    for (let k = 0; k < add.length; k += INSERT_CHUNK) added += await this.insertAll(add.slice(k, k + INSERT_CHUNK));
    return added;
  }

  /** Insert pointers, another worker's copies of the same ones notwithstanding. */
  private async insertAll(docs: DuePointerDoc[]): Promise<number> {
    try {
      return (await this.col.insertMany(docs, { ordered: false })).insertedCount;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const inserted = (err as { result?: { insertedCount?: number } }).result?.insertedCount;
      return typeof inserted === 'number' ? inserted : 0;
    }
  }

  /**
   * The pointers a scan returns: `find({}).limit(limit)`, which FerretDB sends to SQL as a LIMIT
   * (no filter, no sort). Exposed so a test can hold the query to that (explain).
   */
  scan(limit: number) {
    return this.col.find({}).limit(limit);
  }

  /**
   * Up to `limit` due entries of `channels`: one scan of the pointers (a window of 2 × limit), rotated
   * by a per-worker offset so that two workers reading the same window mostly claim different entries,
   * and `limit` of them read by `_id`; pointers whose entry is no longer due are removed. Only when a
   * full window holds nothing for this worker (due entries of channels it does not carry) does it
   * ask per channel (a pushed-down equality on `channel`).
   */
  async next(worker: string, now: Date, limit: number, channels: readonly OutboxChannel[]): Promise<DueBatch> {
    const window = limit * 2;
    const carried = new Set(channels);
    let pointers = await this.scan(window).toArray();
    if (pointers.length === window && !pointers.some((p) => carried.has(p.channel))) {
      pointers = [];
      for (const channel of channels) {
        if (pointers.length >= window) break;
        pointers.push(...(await this.col.find({ channel }).limit(window - pointers.length).toArray()));
      }
    }
    // Rotated by a per-worker offset, then only `limit` of them read: two workers scanning the same window start apart.
    const carriedHere = pointers.filter((p) => carried.has(p.channel));
    const start = carriedHere.length === 0 ? 0 : hashOf(worker) % carriedHere.length;
    const mine = [...carriedHere.slice(start), ...carriedHere.slice(0, start)].slice(0, limit);
    const read = await Promise.all(mine.map((p) => this.outbox.findOne({ _id: p._id })));
    const entries: OutboxEntryDoc[] = [];
    let dropped = 0;
    for (const [i, p] of mine.entries()) {
      const e = read[i] ?? null;
      if (e && isDue(e, now) && carried.has(e.channel)) entries.push(e);
      else if (await this.drop(p._id)) dropped++;
    }
    // Expired leases first (their worker died), then the longest waiting.
    entries.sort((a, b) => (a.state === b.state ? a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime() : a.state === 'sending' ? -1 : 1));
    return { entries, dropped };
  }

  /** Remove an entry's pointer (it was sent, cancelled, failed, or moved to later). */
  async drop(id: string): Promise<boolean> {
    return (await this.col.deleteOne({ _id: id })).deletedCount === 1;
  }

  count(): Promise<number> {
    return this.col.countDocuments({});
  }
}

function hashOf(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h;
}

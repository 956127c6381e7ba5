// The webhook inbox: deliveries are stored durably (deduplicated) before the
// provider gets its 200, and processed later by a job.
import type { Collection } from 'mongodb';
import { randomUUID } from 'node:crypto';
import type { Claims } from './claims.js';
import { isDuplicateKey } from './mongo-errors.js';
import type { WebhookDeliveryDoc } from './types.js';

export class WebhookInbox {
  constructor(
    private readonly col: Collection<WebhookDeliveryDoc>,
    private readonly claims: Claims,
  ) {}

  /** Store a delivery. Returns false when the same dedupeKey was stored before. */
  async store(provider: WebhookDeliveryDoc['provider'], dedupeKey: string, body: string, now: Date): Promise<boolean> {
    try {
      await this.col.insertOne({ _id: randomUUID(), provider, dedupeKey, body, receivedAt: now, status: 'pending', attempts: 0 });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  /** Claim the oldest pending delivery (or one whose processor died) for processing. */
  async claimNext(provider: WebhookDeliveryDoc['provider'], worker: string, now: Date, leaseMs: number): Promise<WebhookDeliveryDoc | null> {
    const candidates = await this.col
      .find({ provider, $or: [{ status: 'pending' }, { status: 'processing', lockedUntil: { $lt: now } }] })
      .sort({ receivedAt: 1 })
      .limit(25)
      .toArray();
    for (const c of candidates) {
      const attempts = c.attempts + 1;
      if (!(await this.claims.take(`inbox:${c._id}:${attempts}`, worker, now))) continue;
      const set = { status: 'processing' as const, lockedUntil: new Date(now.getTime() + leaseMs), attempts };
      await this.col.updateOne({ _id: c._id }, { $set: set });
      return { ...c, ...set };
    }
    return null;
  }

  /**
   * Claim up to `limit` of the oldest pending deliveries (or ones whose processor died), oldest first, from one
   * read: each by the same per-attempt claim as claimNext, so two workers never take the same delivery. `skip`:
   * deliveries this caller already tried in this run (a failed one waits for the next run).
   */
  async claimBatch(provider: WebhookDeliveryDoc['provider'], worker: string, now: Date, leaseMs: number, limit: number, skip: ReadonlySet<string> = new Set()): Promise<WebhookDeliveryDoc[]> {
    // Two equality reads (provider, status), not one `$or`: FerretDB pushes equalities down to PostgreSQL, so the
    // done deliveries, which pile up, are never read; the lease and the order are checked here.
    const [pending, processing] = await Promise.all([
      this.col.find({ provider, status: 'pending' }).sort({ receivedAt: 1 }).limit(limit + skip.size).toArray(),
      this.col.find({ provider, status: 'processing' }).toArray(),
    ]);
    const candidates = [...pending, ...processing.filter((d) => d.lockedUntil !== undefined && d.lockedUntil < now)]
      .sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime())
      .slice(0, limit + skip.size);
    const out: WebhookDeliveryDoc[] = [];
    for (const c of candidates) {
      if (skip.has(c._id) || out.length >= limit) continue;
      const attempts = c.attempts + 1;
      if (!(await this.claims.take(`inbox:${c._id}:${attempts}`, worker, now))) continue;
      const set = { status: 'processing' as const, lockedUntil: new Date(now.getTime() + leaseMs), attempts, claimedAt: now };
      await this.col.updateOne({ _id: c._id }, { $set: set });
      out.push({ ...c, ...set });
    }
    return out;
  }

  async markDone(id: string, now: Date): Promise<void> {
    await this.col.updateOne({ _id: id }, { $set: { status: 'done', processedAt: now }, $unset: { lockedUntil: '', lastError: '' } });
  }

  async markFailed(id: string, error: string, retry: boolean): Promise<void> {
    await this.col.updateOne({ _id: id }, { $set: { status: retry ? 'pending' : 'failed', lastError: error }, $unset: { lockedUntil: '' } });
  }

  count(filter: Partial<Pick<WebhookDeliveryDoc, 'provider' | 'status'>> = {}): Promise<number> {
    return this.col.countDocuments(filter);
  }
}

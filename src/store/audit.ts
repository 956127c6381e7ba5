// The audit trail: append-only, one entry per event, hash-chained per account so
// that an edited or deleted entry is detectable. This repository has no way to
// change an entry; a correction is a new entry that points at the old one.
import { randomUUID } from 'node:crypto';
import type { Collection } from 'mongodb';
import { AppError } from '../errors.js';
import { canonicalJson, sha256Hex } from './hash.js';
import { isDuplicateKey } from './mongo-errors.js';
import type { AuditEntryDoc, AuditInput } from './types.js';

export const GENESIS_HASH = '0'.repeat(64);

export function auditHash(entry: Omit<AuditEntryDoc, 'hash'>): string {
  return sha256Hex(canonicalJson(entry));
}

export type ChainCheck = { ok: true; entries: number } | { ok: false; entries: number; brokenAtSeq: number; reason: string };

export class AuditTrail {
  constructor(private readonly col: Collection<AuditEntryDoc>) {}

  /** Append one entry after the account's last one. Safe under concurrent appends (unique accountId+seq, retried). */
  async append(input: AuditInput): Promise<AuditEntryDoc> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const last = await this.col.find({ accountId: input.accountId }).sort({ seq: -1 }).limit(1).next();
      const body: Omit<AuditEntryDoc, 'hash'> = {
        ...input,
        _id: randomUUID(),
        seq: (last?.seq ?? 0) + 1,
        prevHash: last?.hash ?? GENESIS_HASH,
      };
      const entry: AuditEntryDoc = { ...body, hash: auditHash(body) };
      try {
        await this.col.insertOne(entry);
        return entry;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
    }
    throw new AppError('conflict', `could not append to the audit trail of account ${input.accountId}: too much contention`);
  }

  /** Record a correction of an earlier entry; the earlier entry is left untouched. */
  async correct(entryId: string, input: Omit<AuditInput, 'correctsId'>): Promise<AuditEntryDoc> {
    const old = await this.col.findOne({ _id: entryId });
    if (!old) throw new AppError('not_found', `audit entry ${entryId} does not exist`);
    if (old.accountId !== input.accountId) throw new AppError('bad_request', 'a correction must belong to the same account');
    return this.append({ ...input, correctsId: entryId });
  }

  list(accountId: string): Promise<AuditEntryDoc[]> {
    return this.col.find({ accountId }).sort({ seq: 1 }).toArray();
  }

  listPeriod(orgId: string, from: Date, to: Date): Promise<AuditEntryDoc[]> {
    return this.col.find({ orgId, at: { $gte: from, $lt: to } }).sort({ at: 1, seq: 1 }).toArray();
  }

  /** Re-compute the chain of one account: any edited, inserted or removed entry breaks it. */
  async verify(accountId: string): Promise<ChainCheck> {
    const entries = await this.list(accountId);
    let prev = GENESIS_HASH;
    for (const [i, e] of entries.entries()) {
      const { hash, ...body } = e;
      if (e.seq !== i + 1) return { ok: false, entries: entries.length, brokenAtSeq: i + 1, reason: `entry ${i + 1} is missing` };
      if (e.prevHash !== prev) return { ok: false, entries: entries.length, brokenAtSeq: e.seq, reason: 'previous-hash link does not match' };
      if (auditHash(body) !== hash) return { ok: false, entries: entries.length, brokenAtSeq: e.seq, reason: 'entry content does not match its hash' };
      prev = hash;
    }
    return { ok: true, entries: entries.length };
  }

  update(): never {
    throw new AppError('forbidden', 'the audit trail is append-only: record a correction with correct() instead');
  }

  delete(): never {
    throw new AppError('forbidden', 'the audit trail is append-only: entries are never deleted');
  }
}

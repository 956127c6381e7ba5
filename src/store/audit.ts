// The audit trail: append-only, one entry per event, hash-chained per account so
// that an edited or deleted entry is detectable. This repository has no way to
// change an entry; a correction is a new entry that points at the old one.
//
// The chain is keyed: each hash is HMAC-SHA-256 with the server's AUDIT_CHAIN_KEY,
// which is not in the database, so someone who can write to the database but does
// not hold the key cannot edit an entry and recompute the hashes after it.
//
// Each account also has a head document (collection audit_heads, _id = account
// id) holding the seq and hash of its latest entry, so that deleting the *last*
// entries of a chain — which leaves a shorter chain that still links — is caught
// by verify(). Entries have deterministic ids (`<accountId>:<seq, 10 digits>`),
// so an append reads the head and inserts the next seq(s) after it, walking
// forward by _id only when the insert is refused (the head lagged): no query on
// the trail other than by _id (on FerretDB every other filter scans the
// collection). `appendMany` chains several entries of one account in one insert.
//
// The head only moves forward, and only after its entry was inserted, so it
// always names an entry that was written. FerretDB updates are not atomic: two
// appenders can race and leave the head on the older of their two entries. A
// lagging head only narrows what verify() can see (deleting entries after the
// head is not noticed); it never makes an intact chain look broken.
import { MongoBulkWriteError, type Collection } from 'mongodb';
import { AppError } from '../errors.js';
import { canonicalJson, hmacSha256Hex } from './hash.js';
import { isDuplicateKey } from './mongo-errors.js';
import type { AuditEntryDoc, AuditHeadDoc, AuditInput } from './types.js';

export const GENESIS_HASH = '0'.repeat(64);

/** The audit chain of organisation-wide events (the trail is kept per account id): kill switch, send mode, connections. */
export function orgAuditAccount(orgId: string): string {
  return `org:${orgId}`;
}

/** An entry's hash: HMAC-SHA-256, keyed with the audit chain key, of its canonical JSON (prevHash included). */
export function auditHash(entry: Omit<AuditEntryDoc, 'hash'>, key: Buffer): string {
  return hmacSha256Hex(key, canonicalJson(entry));
}

/** The id of an account's entry number `seq`: zero-padded so that ids sort like seqs. */
export function auditEntryId(accountId: string, seq: number): string {
  return `${accountId}:${String(seq).padStart(10, '0')}`;
}

export type ChainCheck = { ok: true; entries: number } | { ok: false; entries: number; brokenAtSeq: number; reason: string };

interface Tip {
  seq: number;
  hash: string;
}

const MAX_ATTEMPTS = 50;

export class AuditTrail {
  constructor(
    private readonly col: Collection<AuditEntryDoc>,
    private readonly heads: Collection<AuditHeadDoc>,
    /** AUDIT_CHAIN_KEY: 32 bytes that never reach the database. */
    private readonly key: Buffer,
  ) {}

  /**
   * Append one entry after the account's last one. Safe under concurrent appends:
   * the unique _id (and accountId+seq) decides who gets a seq, the loser moves on.
   */
  async append(input: AuditInput): Promise<AuditEntryDoc> {
    const [entry] = await this.appendMany([input]);
    if (!entry) throw new AppError('conflict', `could not append to the audit trail of account ${input.accountId}`);
    return entry;
  }

  /**
   * Append several entries of ONE account, in order, as one insert: three round trips however many entries
   * (read the head, insert the chained entries, move the head) instead of four per entry. The insert is
   * optimistic — entry `head.seq + 1` onwards — and the unique _id (and accountId+seq) refuses it when the
   * head lags behind the chain (a concurrent appender, a crash before the head moved): then the chain is
   * walked forward by _id and the rest chained after its real end. An ordered insert stops at the first
   * refused entry, so the entries before it stand and the rest are retried.
   */
  async appendMany(inputs: readonly AuditInput[]): Promise<AuditEntryDoc[]> {
    const first = inputs[0];
    if (!first) return [];
    const accountId = first.accountId;
    if (inputs.some((i) => i.accountId !== accountId)) throw new AppError('bad_request', 'appendMany takes the entries of one account');
    const head = await this.heads.findOne({ _id: accountId });
    let tip: Tip = head ? { seq: head.seq, hash: head.hash } : { seq: 0, hash: GENESIS_HASH };
    const written: AuditEntryDoc[] = [];
    let rest = [...inputs];
    for (let attempt = 0; attempt < MAX_ATTEMPTS && rest.length > 0; attempt++) {
      const entries = this.chain(rest, tip);
      const inserted = await this.insertOrdered(entries);
      written.push(...entries.slice(0, inserted));
      rest = rest.slice(inserted);
      const last = entries[inserted - 1];
      if (last) tip = { seq: last.seq, hash: last.hash };
      const refused = entries[inserted];
      if (rest.length === 0 || !refused) break;
      // Someone else wrote entry `refused.seq`. If it has our id, walk forward by _id; if not, the account
      // has entries from before heads and deterministic ids: find the last one the slow way, once.
      if (await this.col.findOne({ _id: refused._id }, { projection: { _id: 1 } })) tip = await this.probe(accountId, tip);
      else tip = (await this.lastByScan(accountId)) ?? tip;
    }
    const last = written[written.length - 1];
    if (last) await this.advanceHead(accountId, last, head !== null);
    if (rest.length > 0) throw new AppError('conflict', `could not append to the audit trail of account ${accountId}: too much contention`);
    return written;
  }

  /** The entries chained after `tip`: seqs following it, each linked to the one before. */
  private chain(inputs: readonly AuditInput[], tip: Tip): AuditEntryDoc[] {
    const out: AuditEntryDoc[] = [];
    let at = tip;
    for (const input of inputs) {
      const seq = at.seq + 1;
      const body: Omit<AuditEntryDoc, 'hash'> = { ...input, _id: auditEntryId(input.accountId, seq), seq, prevHash: at.hash };
      const entry: AuditEntryDoc = { ...body, hash: auditHash(body, this.key) };
      out.push(entry);
      at = { seq, hash: entry.hash };
    }
    return out;
  }

  /** Insert in order; how many went in before a duplicate key stopped it (any other error is thrown). */
  private async insertOrdered(entries: AuditEntryDoc[]): Promise<number> {
    try {
      if (entries.length === 1 && entries[0]) await this.col.insertOne(entries[0]);
      else await this.col.insertMany(entries, { ordered: true });
      return entries.length;
    } catch (err) {
      if (err instanceof MongoBulkWriteError) {
        const errors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
        const firstError = errors.reduce<(typeof errors)[number] | undefined>((a, w) => (a === undefined || w.index < a.index ? w : a), undefined);
        if (firstError?.code === 11000) return firstError.index;
        throw err;
      }
      if (isDuplicateKey(err)) return 0;
      throw err;
    }
  }

  /** Walk forward from `tip` while the next entry exists (the head may lag behind a concurrent writer). */
  private async probe(accountId: string, tip: Tip): Promise<Tip> {
    let at = tip;
    for (;;) {
      const next = await this.col.findOne({ _id: auditEntryId(accountId, at.seq + 1) }, { projection: { seq: 1, hash: 1 } });
      if (!next) return at;
      at = { seq: next.seq, hash: next.hash };
    }
  }

  private async lastByScan(accountId: string): Promise<Tip | null> {
    const last = await this.col.find({ accountId }, { projection: { seq: 1, hash: 1 } }).sort({ seq: -1 }).limit(1).next();
    return last ? { seq: last.seq, hash: last.hash } : null;
  }

  /**
   * Move the head to `entry` unless it is already there or beyond; creates it for
   * the first entry. A head that was not there is inserted: on FerretDB every
   * update scans the collection, even by _id, and an upsert that inserts costs
   * the most (~170 ms against ~1.5 ms for an insert with 5,000 heads).
   */
  private async advanceHead(accountId: string, entry: AuditEntryDoc, headExisted: boolean): Promise<void> {
    const head: AuditHeadDoc = { _id: accountId, seq: entry.seq, hash: entry.hash, at: entry.at };
    if (!headExisted) {
      try {
        await this.heads.insertOne(head);
        return;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err; // another writer created it meanwhile: move it forward below
      }
    }
    try {
      await this.heads.updateOne({ _id: accountId, seq: { $lt: entry.seq } }, { $set: { seq: head.seq, hash: head.hash, at: head.at } }, { upsert: true });
    } catch (err) {
      // The head exists and is at or beyond this entry: the upsert's insert met its _id.
      if (!isDuplicateKey(err)) throw err;
    }
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

  /** The account's head (seq and hash of its latest entry as last recorded), or null for trails older than heads. */
  head(accountId: string): Promise<AuditHeadDoc | null> {
    return this.heads.findOne({ _id: accountId });
  }

  /** Accounts that have a head, sorted. */
  async accountsWithHeads(): Promise<string[]> {
    return (await this.heads.find({}, { projection: { _id: 1 } }).toArray()).map((h) => h._id).sort();
  }

  /**
   * Re-compute the chain of one account: any edited, inserted or removed entry
   * breaks it; so does a chain that ends before its head (its last entries deleted).
   */
  async verify(accountId: string): Promise<ChainCheck> {
    const [entries, head] = await Promise.all([this.list(accountId), this.head(accountId)]);
    let prev = GENESIS_HASH;
    for (const [i, e] of entries.entries()) {
      const { hash, ...body } = e;
      if (e.seq !== i + 1) return { ok: false, entries: entries.length, brokenAtSeq: i + 1, reason: `entry ${i + 1} is missing` };
      if (e.prevHash !== prev) return { ok: false, entries: entries.length, brokenAtSeq: e.seq, reason: 'previous-hash link does not match' };
      if (auditHash(body, this.key) !== hash) return { ok: false, entries: entries.length, brokenAtSeq: e.seq, reason: 'entry content does not match its hash' };
      prev = hash;
    }
    if (head) {
      const last = entries.length;
      if (head.seq > last) return { ok: false, entries: last, brokenAtSeq: last + 1, reason: `entries after seq ${last} were deleted (head says ${head.seq})` };
      const atHead = entries[head.seq - 1];
      if (atHead && atHead.hash !== head.hash) {
        return { ok: false, entries: last, brokenAtSeq: head.seq, reason: `entry ${head.seq} is not the one the head recorded: entries after seq ${head.seq - 1} were replaced (head says ${head.seq})` };
      }
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

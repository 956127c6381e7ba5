// The archive of documents sent to customers: every letter (and statement) that
// left Overdue, as the exact bytes that went out, with their SHA-256. A document
// is stored before it is attached (the channel attaches the stored bytes, so what
// is stored is what went out), keyed by its outbox entry and file name: a retry
// of the entry finds the document already stored and sends the same bytes again.
// The dispatcher marks an entry's documents sent once its message was accepted and
// audits each one (`document.sent`, naming the sha256 and the document's id).
// The referral packet, the admin API and the timelines serve these bytes; nothing
// that was sent is ever rendered again.
import { createHash } from 'node:crypto';
import { Binary, type Collection, type Db } from 'mongodb';
import { isDuplicateKey } from './mongo-errors.js';
import { collections } from './store.js';

export type SentDocumentKind = 'letter' | 'statement';

export interface SentDocumentDoc {
  /** `doc-` and 32 hex digits of sha256(outbox key, file name): one document per entry and file. */
  _id: string;
  orgId: string;
  customerId: string;
  /** The outbox entry that sent it. */
  outboxKey: string;
  kind: SentDocumentKind;
  /** The letter: 'final-demand' or 'written-warning'. */
  letter?: string;
  /** The ladder level that sent it (its id and name). */
  levelId: string;
  levelName: string;
  filename: string;
  contentType: string;
  sha256: string;
  byteLength: number;
  /** The document's date (the day it was sent, in the customer's zone). */
  sentDate: string;
  /** The response deadline the document states (letters), as stated: readers use this, never a recomputation. */
  deadline?: string;
  /** When it was stored (just before sending). */
  storedAt: Date;
  /** When its message was accepted; absent while the send is under way or failed (not shown as sent). */
  sentAt?: Date;
  bytes: Binary;
}

/** A stored document without its bytes (lists, the timeline). */
export type SentDocumentMeta = Omit<SentDocumentDoc, 'bytes'>;

/** What a channel hands over to be kept, before sending. */
export interface DocumentToKeep {
  orgId: string;
  customerId: string;
  outboxKey: string;
  kind: SentDocumentKind;
  letter?: string;
  levelId: string;
  levelName: string;
  filename: string;
  contentType: string;
  sentDate: string;
  deadline?: string;
  bytes: Buffer;
}

/** The stored copy: its id, hash and the exact bytes to attach. */
export interface KeptDocument {
  id: string;
  sha256: string;
  bytes: Buffer;
  filename: string;
  contentType: string;
  deadline?: string;
}

export function sentDocumentId(outboxKey: string, filename: string): string {
  return `doc-${createHash('sha256').update(`${outboxKey}\n${filename}`).digest('hex').slice(0, 32)}`;
}

export function sha256OfBytes(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function bytesOf(b: Binary | Buffer | Uint8Array): Buffer {
  if (b instanceof Binary) return Buffer.from(b.buffer.subarray(0, b.position));
  return Buffer.from(b);
}

const META = { projection: { bytes: 0 } } as const;

export class SentDocuments {
  constructor(private readonly col: Collection<SentDocumentDoc>) {}

  /**
   * Store a document before it is sent; idempotent by (outbox entry, file name): when the entry already
   * stored one (a retry, a takeover), that one is returned, and its bytes are what goes out again.
   */
  async keep(d: DocumentToKeep, now: Date): Promise<KeptDocument> {
    const _id = sentDocumentId(d.outboxKey, d.filename);
    const doc: SentDocumentDoc = {
      _id,
      orgId: d.orgId,
      customerId: d.customerId,
      outboxKey: d.outboxKey,
      kind: d.kind,
      ...(d.letter !== undefined ? { letter: d.letter } : {}),
      levelId: d.levelId,
      levelName: d.levelName,
      filename: d.filename,
      contentType: d.contentType,
      sha256: sha256OfBytes(d.bytes),
      byteLength: d.bytes.length,
      sentDate: d.sentDate,
      ...(d.deadline !== undefined ? { deadline: d.deadline } : {}),
      storedAt: now,
      bytes: new Binary(d.bytes),
    };
    try {
      await this.col.insertOne(doc);
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    const stored = await this.col.findOne({ _id });
    if (!stored) throw new Error(`sent document ${_id} not found after storing it`);
    const bytes = bytesOf(stored.bytes);
    return { id: stored._id, sha256: stored.sha256, bytes, filename: stored.filename, contentType: stored.contentType, ...(stored.deadline !== undefined ? { deadline: stored.deadline } : {}) };
  }

  /** The documents an entry stored (without bytes). */
  forEntry(outboxKey: string): Promise<SentDocumentMeta[]> {
    return this.col.find({ outboxKey }, META).sort({ _id: 1 }).toArray();
  }

  /** Mark an entry's documents sent (its message was accepted); returns those newly marked. */
  async markSent(outboxKey: string, at: Date): Promise<SentDocumentMeta[]> {
    const unsent = (await this.forEntry(outboxKey)).filter((d) => d.sentAt === undefined);
    for (const d of unsent) await this.col.updateOne({ _id: d._id }, { $set: { sentAt: at } });
    return unsent.map((d) => ({ ...d, sentAt: at }));
  }

  /** An account's sent documents, oldest first (without bytes). */
  listSent(customerId: string): Promise<SentDocumentMeta[]> {
    return this.col.find({ customerId, sentAt: { $exists: true } }, META).sort({ sentAt: 1, _id: 1 }).toArray();
  }

  /** One sent document of an account with its bytes, or null. */
  async get(customerId: string, id: string): Promise<(SentDocumentMeta & { bytes: Buffer }) | null> {
    const d = await this.col.findOne({ _id: id, customerId, sentAt: { $exists: true } });
    return d ? { ...d, bytes: bytesOf(d.bytes) } : null;
  }

  /** The bytes of several documents (the referral packet's copies). */
  async bytesOf(ids: readonly string[]): Promise<Map<string, Buffer>> {
    const docs = await this.col.find({ _id: { $in: [...ids] } }).toArray();
    return new Map(docs.map((d) => [d._id, bytesOf(d.bytes)]));
  }
}

export function sentDocuments(db: Db): SentDocuments {
  return new SentDocuments(db.collection<SentDocumentDoc>(collections.sentDocuments));
}

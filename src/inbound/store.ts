// Inbound mail's documents. Every write is an insert on a unique key (the one
// atomic write on FerretDB 1.x, src/store/claims.ts) or a $set of a document
// only its processor writes:
// - inbound_mail: each raw message once, by Message-ID (else by the sha256 of
//   its bytes); refused ones (over the size limit) without their bytes;
// - replies: a person's reply to a reminder, one per message (the one
//   definition, src/store/replies.ts, which the Slack reply card reads too);
// - reply_tokens: which account a reply address's token stands for;
// - inbound_attachments: the bytes of attachments kept as evidence, by sha256.
import { Binary, type Collection, type Db } from 'mongodb';
import { isDuplicateKey } from '../store/mongo-errors.js';
import { sha256Hex } from '../store/hash.js';
import { Replies, type ReplyDoc } from '../store/replies.js';
import { collections } from '../store/store.js';
import { createHash } from 'node:crypto';

export type InboundSource = 'imap' | 'mailgun';
export type InboundStatus = 'stored' | 'refused' | 'processed' | 'unmatched';
export type InboundKind = 'reply' | 'auto-reply' | 'dsn';

export interface InboundMailDoc {
  /** `mid:<sha256 of the Message-ID>`, else `sha:<sha256 of the bytes>`. */
  _id: string;
  source: InboundSource;
  messageId: string | null;
  sha256: string | null;
  size: number;
  receivedAt: Date;
  /** The message as received (absent when refused). */
  raw?: Binary;
  status: InboundStatus;
  /** Why it was refused (too large) or left unmatched. */
  reason?: string;
  kind?: InboundKind;
  orgId?: string;
  customerId?: string;
  from?: string;
  subject?: string;
  processedAt?: Date;
}

export interface ReplyTokenDoc {
  _id: string;
  orgId: string;
  customerId: string;
  createdAt: Date;
}

export interface InboundAttachmentDoc {
  /** sha256 of the bytes. */
  _id: string;
  contentType: string;
  size: number;
  bytes: Binary;
  firstSeenAt: Date;
}

/** The stored id of a message: by its Message-ID when it has one (a re-delivery is the same message), else by its bytes. */
export function inboundIdOf(messageId: string | null, sha256: string | null): string {
  if (messageId) return `mid:${sha256Hex(messageId.trim().toLowerCase())}`;
  if (sha256) return `sha:${sha256}`;
  throw new Error('a message needs a Message-ID or its bytes to be stored');
}

/** The Message-ID header of raw message bytes (the header block only is read), without its angle brackets; null when absent. */
export function messageIdOfRaw(raw: Buffer): string | null {
  const end = raw.indexOf('\r\n\r\n');
  const end2 = raw.indexOf('\n\n');
  const stop = [end, end2].filter((i) => i >= 0).sort((a, b) => a - b)[0] ?? Math.min(raw.length, 64 * 1024);
  const head = raw.subarray(0, stop).toString('latin1').replace(/\r?\n[ \t]+/g, ' ');
  const m = /^message-id:\s*<?([^>\s]+)>?/im.exec(head);
  return m?.[1] ?? null;
}

export class InboundMail {
  constructor(private readonly col: Collection<InboundMailDoc>) {}

  /** Store a message once. `created` false: the same message (Message-ID or bytes) was stored before. */
  async store(raw: Buffer, source: InboundSource, receivedAt: Date): Promise<{ id: string; created: boolean }> {
    const sha256 = createHash('sha256').update(raw).digest('hex');
    const messageId = messageIdOfRaw(raw);
    const id = inboundIdOf(messageId, sha256);
    try {
      await this.col.insertOne({ _id: id, source, messageId, sha256, size: raw.length, receivedAt, raw: new Binary(raw), status: 'stored' });
      return { id, created: true };
    } catch (err) {
      if (isDuplicateKey(err)) return { id, created: false };
      throw err;
    }
  }

  /** Record a message that was not taken in (over the size limit): what is known of it, never its bytes. */
  async refuse(m: { source: InboundSource; messageId: string | null; size: number; from?: string; subject?: string; reason: string; receivedAt: Date; fallbackKey: string }): Promise<{ id: string; created: boolean }> {
    const id = m.messageId ? inboundIdOf(m.messageId, null) : `ref:${sha256Hex(m.fallbackKey)}`;
    try {
      await this.col.insertOne({
        _id: id, source: m.source, messageId: m.messageId, sha256: null, size: m.size, receivedAt: m.receivedAt, status: 'refused', reason: m.reason,
        ...(m.from ? { from: m.from } : {}), ...(m.subject ? { subject: m.subject } : {}),
      });
      return { id, created: true };
    } catch (err) {
      if (isDuplicateKey(err)) return { id, created: false };
      throw err;
    }
  }

  get(id: string): Promise<InboundMailDoc | null> {
    return this.col.findOne({ _id: id });
  }

  /** The raw bytes of a stored message (null: unknown or refused). */
  async raw(id: string): Promise<Buffer | null> {
    const d = await this.col.findOne({ _id: id }, { projection: { raw: 1 } });
    return d?.raw ? Buffer.from(d.raw.buffer) : null;
  }

  /** What processing found (the processor is the only writer after the insert). */
  async finish(id: string, fields: Pick<InboundMailDoc, 'status'> & Partial<Pick<InboundMailDoc, 'kind' | 'orgId' | 'customerId' | 'from' | 'subject' | 'reason'>>, now: Date): Promise<void> {
    const set: Record<string, unknown> = { processedAt: now };
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) set[k] = v;
    await this.col.updateOne({ _id: id }, { $set: set });
  }

  /** Messages without their bytes, newest first: an organisation's, or by status (unmatched, refused). */
  list(filter: { orgId?: string; status?: InboundStatus }, limit: number): Promise<Omit<InboundMailDoc, 'raw'>[]> {
    const q: Record<string, unknown> = {};
    if (filter.orgId !== undefined) q['orgId'] = filter.orgId;
    if (filter.status !== undefined) q['status'] = filter.status;
    return this.col.find(q, { projection: { raw: 0 } }).sort({ receivedAt: -1 }).limit(limit).toArray();
  }
}

export class ReplyTokens {
  constructor(private readonly col: Collection<ReplyTokenDoc>) {}

  /** Remember which account a token stands for (once; a second call is a no-op). */
  async remember(token: string, orgId: string, customerId: string, now: Date): Promise<void> {
    try {
      await this.col.insertOne({ _id: token, orgId, customerId, createdAt: now });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }

  async resolve(token: string): Promise<{ orgId: string; customerId: string } | null> {
    const d = await this.col.findOne({ _id: token });
    return d ? { orgId: d.orgId, customerId: d.customerId } : null;
  }
}

export class InboundAttachments {
  constructor(private readonly col: Collection<InboundAttachmentDoc>) {}

  /** Keep an attachment's bytes (once per content); its sha256. */
  async keep(bytes: Buffer, contentType: string, now: Date): Promise<string> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    try {
      await this.col.insertOne({ _id: sha256, contentType, size: bytes.length, bytes: new Binary(bytes), firstSeenAt: now });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    return sha256;
  }

  async get(sha256: string): Promise<{ contentType: string; bytes: Buffer } | null> {
    const d = await this.col.findOne({ _id: sha256 });
    return d ? { contentType: d.contentType, bytes: Buffer.from(d.bytes.buffer) } : null;
  }
}

export type { ReplyAttachment, ReplyDoc } from '../store/replies.js';

export interface InboundStore {
  mail: InboundMail;
  replies: Replies;
  tokens: ReplyTokens;
  attachments: InboundAttachments;
}

export function inboundStore(db: Db): InboundStore {
  return {
    mail: new InboundMail(db.collection<InboundMailDoc>(collections.inboundMail)),
    replies: new Replies(db.collection<ReplyDoc>(collections.replies)),
    tokens: new ReplyTokens(db.collection<ReplyTokenDoc>(collections.replyTokens)),
    attachments: new InboundAttachments(db.collection<InboundAttachmentDoc>(collections.inboundAttachments)),
  };
}

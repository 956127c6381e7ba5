// A customer's reply to a reminder, as the collector's Slack card and its buttons read it: who wrote, when,
// what (the text, the attachments' names, types and sizes) and where the collector's triage stands
// ('open' until a button settles it: 'promise', 'dispute', 'unrelated'; 'paid' once the ledger was checked).
// The one definition of the `replies` collection: the inbound mail path (src/inbound/process.ts) inserts
// replies here; Slack reads them and sets the status.
import type { Collection, Db } from 'mongodb';
import { isDuplicateKey } from './mongo-errors.js';
import { collections } from './store.js';

export const REPLY_STATUSES = ['open', 'promise', 'dispute', 'paid', 'unrelated'] as const;
export type ReplyStatus = (typeof REPLY_STATUSES)[number];

export interface ReplyAttachment {
  filename: string;
  contentType: string;
  /** Bytes. */
  size: number;
  /** The sha256 of the bytes kept as evidence (`inbound_attachments`), when the inbound path kept them. */
  sha256?: string;
}

export interface ReplyDoc {
  /** The reply's id (the inbound path's; the Slack buttons carry it). */
  _id: string;
  orgId: string;
  /** The account (customer) the reply is about. */
  customerId: string;
  receivedAt: Date;
  /** The sender's address as the mail gave it ("Bob Buyer <bob@acme.example>"). */
  from: string;
  subject: string;
  /** The plain text of the mail (never HTML). */
  text: string;
  attachments: ReplyAttachment[];
  status: ReplyStatus;
  /** The stored message (`inbound_mail`) the reply came in. */
  inboundMailId?: string;
  /** Who set the status last (an audit actor id) and when. */
  statusBy?: string;
  statusAt?: Date;
}

/** What the Slack reply card's buttons need of the stored replies: one read and the status write. */
export interface RepliesReader {
  get(orgId: string, replyId: string): Promise<ReplyDoc | null>;
  setStatus(orgId: string, replyId: string, status: ReplyStatus, by: string, at: Date): Promise<void>;
}

export class Replies implements RepliesReader {
  constructor(private readonly col: Collection<ReplyDoc>) {}

  /** Store a reply once: false when one with this id is already stored. */
  async insert(doc: ReplyDoc): Promise<boolean> {
    try {
      await this.col.insertOne(doc);
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  /** The reply of this organisation with this id (null: none, or another organisation's). */
  get(orgId: string, replyId: string): Promise<ReplyDoc | null> {
    return this.col.findOne({ _id: replyId, orgId });
  }

  async setStatus(orgId: string, replyId: string, status: ReplyStatus, by: string, at: Date): Promise<void> {
    await this.col.updateOne({ _id: replyId, orgId }, { $set: { status, statusBy: by, statusAt: at } });
  }

}

export function replies(db: Db): Replies {
  return new Replies(db.collection<ReplyDoc>(collections.replies));
}

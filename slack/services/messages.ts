// What the Slack app posted for a task: where (channel, ts — one per recipient)
// and the snapshot it was built from, so a later action can rebuild the message
// and update it in place instead of posting a new one.
import type { Collection, Db } from 'mongodb';
import { retryTransient } from '../../src/store/transient.js';
import type { ApprovalSnapshot } from '../blocks/approval.js';
import type { HoldSnapshot } from '../blocks/hold.js';
import type { LookalikeSnapshot } from '../blocks/lookalike.js';
import type { NoticeSnapshot } from '../blocks/notice.js';
import type { NudgeSnapshot } from '../blocks/nudge.js';
import type { ReplySnapshot } from '../blocks/reply.js';

export const MESSAGES_COLLECTION = 'slack_messages';

export interface PostedMessage {
  channel: string;
  ts: string;
  /** Slack user id of the recipient (DMs) or null (a channel). */
  user: string | null;
}

export type SlackMessageDoc = {
  /** The task id. */
  _id: string;
  orgId: string;
  customerId: string;
  posts: PostedMessage[];
  /** Lines shown under the message: what people did from it. */
  log: string[];
  createdAt: Date;
  resolvedAt?: Date;
  resolution?: string;
  /**
   * The account view of /overdue: an ephemeral answer (no `posts`), which Slack's chat.update cannot
   * change; what a button did is told to the person in a new ephemeral line instead.
   */
  ephemeral?: boolean;
} & (
  | { kind: 'nudge'; snapshot: NudgeSnapshot }
  | { kind: 'approval'; snapshot: ApprovalSnapshot }
  | { kind: 'hold'; snapshot: HoldSnapshot }
  | { kind: 'notice'; snapshot: NoticeSnapshot }
  | { kind: 'lookalike'; snapshot: LookalikeSnapshot }
  | { kind: 'reply'; snapshot: ReplySnapshot }
);

export class SlackMessages {
  private readonly col: Collection<SlackMessageDoc>;

  constructor(db: Db) {
    this.col = db.collection<SlackMessageDoc>(MESSAGES_COLLECTION);
  }

  // Each method is one write (or read): a transient "database is locked" wrote nothing, so it is tried again.
  async record(doc: SlackMessageDoc): Promise<void> {
    await retryTransient(() => this.col.replaceOne({ _id: doc._id }, doc, { upsert: true }));
  }

  get(taskId: string): Promise<SlackMessageDoc | null> {
    return retryTransient(() => this.col.findOne({ _id: taskId }));
  }

  async addPost(taskId: string, post: PostedMessage): Promise<void> {
    await retryTransient(() => this.col.updateOne({ _id: taskId }, { $push: { posts: post } }));
  }

  async addLog(taskId: string, line: string): Promise<void> {
    await retryTransient(() => this.col.updateOne({ _id: taskId }, { $push: { log: line } }));
  }

  async resolve(taskId: string, resolution: string, now: Date): Promise<void> {
    await retryTransient(() => this.col.updateOne({ _id: taskId }, { $set: { resolution, resolvedAt: now }, $push: { log: resolution } }));
  }

  /** The approval message of an approval request (the task and the approval share their id). */
  byApproval(approvalId: string): Promise<SlackMessageDoc | null> {
    return this.col.findOne({ _id: approvalId, kind: 'approval' });
  }
}

// Posting a task's message once, whichever worker delivers it: the delivery
// claim `slack:deliver:<task>` is taken first, then the message is posted to
// each target and recorded (with `after`, e.g. the audit entry). If any of that
// fails the claim is given back, so the next delivery run tries again.
import type { AnyBlock } from '@slack/types';
import { collections } from '../../src/store/store.js';
import type { SlackContext } from './context.js';
import type { PostedMessage, SlackMessageDoc } from './messages.js';

/** A message's kind with its own snapshot type (the pairs SlackMessageDoc allows). */
export type MessageContent = SlackMessageDoc extends infer D ? (D extends SlackMessageDoc ? { kind: D['kind']; snapshot: D['snapshot'] } : never) : never;

export interface PostTarget {
  channel: string;
  /** The recipient of a DM, or null for a channel. */
  user: string | null;
}

/** Null when another delivery holds the claim (posted already or posting now). */
export async function postTaskOnce(
  ctx: SlackContext,
  task: { _id: string; orgId: string; customerId: string },
  content: MessageContent,
  message: { text: string; blocks: AnyBlock[] },
  targets: () => Promise<PostTarget[]>,
  now: Date,
  after?: (posts: PostedMessage[]) => Promise<void>,
): Promise<PostedMessage[] | null> {
  const claim = `slack:deliver:${task._id}`;
  if (!(await ctx.store.claims.take(claim, 'slack', now))) return null;
  try {
    const posts: PostedMessage[] = [];
    for (const t of await targets()) {
      const r = await ctx.post({ channel: t.channel, text: message.text, blocks: message.blocks });
      posts.push({ channel: r.channel ?? t.channel, ts: String(r.ts), user: t.user });
    }
    await ctx.messages.record({ _id: task._id, orgId: task.orgId, customerId: task.customerId, posts, log: [], createdAt: now, ...content });
    await after?.(posts);
    return posts;
  } catch (err) {
    await ctx.store.db.collection(collections.claims).deleteOne({ _id: claim as never });
    throw err;
  }
}

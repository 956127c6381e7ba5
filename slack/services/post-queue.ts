// chat.postMessage, one channel at a time. Slack allows about one message per
// second per channel and answers bursts with 429 + Retry-After. The Web API
// client on its own waits out a 429 by pausing *all* its calls; this queue
// instead serialises the posts of each channel (at most one per `intervalMs`),
// and when Slack rate-limits a channel it waits Retry-After for that channel
// only and posts the message again — other channels go on meanwhile. Posts go
// through a companion client of the same token that reports 429s instead of
// waiting on them (rejectRateLimitedCalls).
import { webApi } from '@slack/bolt';
import type { AnyBlock } from '@slack/types';
import { z } from 'zod';

export interface PostArgs {
  channel: string;
  text: string;
  blocks?: AnyBlock[];
}

export interface PostQueueOptions {
  /** Minimum time between two posts to one channel. Default 1,000 ms (Slack's ~1 message/s/channel). */
  intervalMs?: number;
  /** 429s in a row on one message before giving up. Default 5. */
  maxRateLimited?: number;
  sleep?: (ms: number) => Promise<void>;
}

const RateLimited = z.object({ code: z.literal('slack_webapi_rate_limited_error'), retryAfter: z.number().nonnegative() });

/** The seconds Slack asked to wait, when `err` is a 429 from the Web API client; null otherwise. */
export function retryAfterOf(err: unknown): number | null {
  const r = RateLimited.safeParse(err);
  return r.success ? r.data.retryAfter : null;
}

interface Lane {
  tail: Promise<unknown>;
  /** Epoch ms before which nothing is posted to this channel. */
  nextAt: number;
  pending: number;
}

export class PostQueue {
  private readonly lanes = new Map<string, Lane>();
  private readonly rejecting = new WeakMap<webApi.WebClient, webApi.WebClient>();
  private readonly intervalMs: number;
  private readonly maxRateLimited: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(opts: PostQueueOptions = {}) {
    this.intervalMs = opts.intervalMs ?? 1_000;
    this.maxRateLimited = opts.maxRateLimited ?? 5;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** Post through the channel's lane; resolves with Slack's answer once posted. */
  post(client: webApi.WebClient, args: PostArgs): Promise<webApi.ChatPostMessageResponse> {
    const key = `${client.token ?? ''}\u0000${args.channel}`;
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { tail: Promise.resolve(), nextAt: 0, pending: 0 };
      this.lanes.set(key, lane);
    }
    const l = lane;
    l.pending += 1;
    const run = l.tail.then(() => this.send(l, client, args));
    l.tail = run.then(
      () => this.done(key, l),
      () => this.done(key, l),
    );
    return run;
  }

  /** Channels with posts waiting or in flight (for tests and shutdown). */
  get busy(): number {
    let n = 0;
    for (const l of this.lanes.values()) if (l.pending > 0) n += 1;
    return n;
  }

  private done(key: string, l: Lane): void {
    l.pending -= 1;
    // Forget an idle lane once its interval has passed (a later post starts a fresh one without waiting).
    if (l.pending === 0 && l.nextAt <= Date.now() + this.intervalMs) {
      const at = l.nextAt;
      setTimeout(() => {
        if (l.pending === 0 && l.nextAt === at && this.lanes.get(key) === l) this.lanes.delete(key);
      }, Math.max(0, at - Date.now())).unref();
    }
  }

  private clientFor(client: webApi.WebClient): webApi.WebClient {
    let c = this.rejecting.get(client);
    if (!c) {
      c = new webApi.WebClient(client.token, { slackApiUrl: client.slackApiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 2_000 } });
      this.rejecting.set(client, c);
    }
    return c;
  }

  private async send(l: Lane, client: webApi.WebClient, args: PostArgs): Promise<webApi.ChatPostMessageResponse> {
    for (let limited = 0; ; ) {
      const wait = l.nextAt - Date.now();
      if (wait > 0) await this.sleep(wait);
      try {
        const r = await this.clientFor(client).chat.postMessage({ channel: args.channel, text: args.text, ...(args.blocks ? { blocks: args.blocks } : {}) });
        l.nextAt = Date.now() + this.intervalMs;
        return r;
      } catch (err) {
        const after = retryAfterOf(err);
        if (after === null || limited >= this.maxRateLimited) {
          l.nextAt = Date.now() + this.intervalMs;
          throw err;
        }
        limited += 1;
        l.nextAt = Date.now() + Math.max(after * 1_000, this.intervalMs);
      }
    }
  }
}

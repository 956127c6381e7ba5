// The per-channel chat.postMessage queue against the Slack sandbox: a 429 on
// one channel holds only that channel (its message is posted once, after
// Retry-After); the other channel's messages go out meanwhile; posts to one
// channel go out one at a time, in order.
import { webApi } from '@slack/bolt';
import { PostQueue, retryAfterOf } from '../slack/services/post-queue.js';
import { BOT_TOKEN } from './sandbox/slack/harness.js';
import { SlackSandbox } from './sandbox/slack/server.js';

describe('PostQueue', () => {
  const sandbox = new SlackSandbox({ botToken: BOT_TOKEN });
  let client: webApi.WebClient;
  beforeAll(async () => {
    await sandbox.start();
    client = new webApi.WebClient(BOT_TOKEN, { slackApiUrl: sandbox.apiUrl, retryConfig: { retries: 0 } });
  });
  afterAll(async () => {
    await sandbox.stop();
  });
  beforeEach(() => sandbox.reset());

  it("a 429 on one channel delays only that channel; its message is posted once after Retry-After", async () => {
    const q = new PostQueue({ intervalMs: 50 });
    sandbox.rateLimitChannel('C0SLOW', 1, 1);
    const slow = q.post(client, { channel: 'C0SLOW', text: 'slow 1' });
    const fast = [1, 2, 3].map((n) => q.post(client, { channel: 'C0FAST', text: `fast ${n}` }));
    await Promise.all([slow, ...fast]);
    const posts = sandbox.calls.filter((c) => c.method === 'chat.postMessage').map((c) => `${String(c.args['channel'])}:${String(c.args['text'])}:${c.status}`);
    // The 429'd channel's message comes after every message of the other channel, and is posted exactly once.
    expect(posts).toEqual(['C0SLOW:slow 1:429', 'C0FAST:fast 1:200', 'C0FAST:fast 2:200', 'C0FAST:fast 3:200', 'C0SLOW:slow 1:200']);
    expect([...sandbox.messages.values()].filter((m) => m.channel === 'C0SLOW')).toHaveLength(1);
  });

  it('serialises one channel: a post waits for the previous one and for the interval, in order', async () => {
    const waits: number[] = [];
    const q = new PostQueue({
      intervalMs: 1_000,
      sleep: (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
    });
    await Promise.all(['a', 'b', 'c'].map((t) => q.post(client, { channel: 'C0ONE', text: t })));
    expect(sandbox.callsOf('chat.postMessage').map((c) => c.args['text'])).toEqual(['a', 'b', 'c']);
    // The first goes at once; each later one waits (most of) the 1 s interval.
    expect(waits).toHaveLength(2);
    for (const w of waits) expect(w).toBeGreaterThan(500);
    expect(q.busy).toBe(0);
  });

  it('gives up after maxRateLimited 429s in a row and reports the error; other errors are not retried', async () => {
    const q = new PostQueue({ intervalMs: 10, maxRateLimited: 1, sleep: () => Promise.resolve() });
    sandbox.rateLimitChannel('C0HOT', 5, 30);
    const err: unknown = await q.post(client, { channel: 'C0HOT', text: 'x' }).catch((e: unknown) => e);
    expect(retryAfterOf(err)).toBe(30);
    expect(sandbox.calls.filter((c) => c.args['channel'] === 'C0HOT')).toHaveLength(2);
    await expect(q.post(client, { channel: '', text: 'x' })).rejects.toThrow(/channel_not_found/);
    expect(retryAfterOf(new Error('x'))).toBeNull();
  });
});

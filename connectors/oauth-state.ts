// OAuth `state` values (CSRF) and connect links, shared by every provider.
// A state is `base64url(json).base64url(hmac)`: it names the provider, the
// organisation and a nonce, expires after `ttlMs`, and is single-use: the
// callback claims `oauth-state:<nonce>` (an insert against a unique _id, the
// one atomic primitive on every server we support), so a replayed callback loses.
// A connect link (/connect/<provider>?org=…&exp=…&sig=…) is signed the same way,
// so nobody can start a connection for an organisation they were not sent.
// A state is also bound to the browser that followed the connect link: that
// browser gets a random nonce in a cookie and the state carries the nonce's hash,
// so a callback URL carried to another browser (login CSRF: someone else's
// company connected into your organisation, or yours into theirs) is refused.
import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Claims } from '../src/store/claims.js';
import type { Provider } from '../src/store/types.js';

const payload = z.object({ p: z.enum(['quickbooks', 'xero']), o: z.string().min(1), n: z.string().min(16), e: z.number().int(), b: z.string().min(16), u: z.string().min(1).max(64).optional() });

/** Who a connect link was minted for (a Slack user id), so the first sync's progress reaches them; letters, digits, `_`, `-`. */
const BY = /^[A-Za-z0-9_-]{1,64}$/;

export type StateProblem = 'missing' | 'forged' | 'expired' | 'reused' | 'wrong_provider' | 'other_browser';

export type StateCheck =
  | { ok: true; orgId: string; by?: string }
  | { ok: false; reason: StateProblem };

/** A fresh nonce for the browser that follows a connect link (kept in its cookie). */
export function newBrowserNonce(): string {
  return randomBytes(32).toString('base64url');
}

function nonceHash(nonce: string): string {
  return createHash('sha256').update(nonce).digest('base64url');
}

export class OAuthStates {
  private readonly key: Buffer;

  /** `secret` is the token encryption key; a separate signing key is derived from it. */
  constructor(secret: Buffer, private readonly claims: Claims, private readonly ttlMs = 10 * 60_000) {
    this.key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'overdue oauth state v1', 32));
  }

  private mac(s: string): Buffer {
    return createHmac('sha256', this.key).update(s).digest();
  }

  /** How long a state (and the browser cookie that goes with it) lives. */
  get ttl(): number {
    return this.ttlMs;
  }

  /** A state for `orgId`, bound to the browser holding `browserNonce` (newBrowserNonce, sent to it as a cookie). */
  issue(provider: Provider, orgId: string, now: Date, browserNonce: string, by?: string): string {
    const body = Buffer.from(JSON.stringify({ p: provider, o: orgId, n: randomBytes(16).toString('hex'), e: now.getTime() + this.ttlMs, b: nonceHash(browserNonce), ...(by !== undefined && BY.test(by) ? { u: by } : {}) })).toString('base64url');
    return `${body}.${this.mac(body).toString('base64url')}`;
  }

  /**
   * Check a state from a callback and use it up. `browserNonce` is the nonce from the
   * callback request's cookie: missing or different means the flow was started elsewhere.
   */
  async consume(provider: Provider, state: unknown, now: Date, browserNonce: string | undefined): Promise<StateCheck> {
    if (typeof state !== 'string' || state.length === 0) return { ok: false, reason: 'missing' };
    const [body, sig, extra] = state.split('.');
    if (!body || !sig || extra !== undefined || !this.sameMac(body, sig)) return { ok: false, reason: 'forged' };
    let json: unknown;
    try {
      json = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      return { ok: false, reason: 'forged' };
    }
    const p = payload.safeParse(json);
    if (!p.success) return { ok: false, reason: 'forged' };
    if (p.data.p !== provider) return { ok: false, reason: 'wrong_provider' };
    if (p.data.e <= now.getTime()) return { ok: false, reason: 'expired' };
    if (browserNonce === undefined || !sameText(nonceHash(browserNonce), p.data.b)) return { ok: false, reason: 'other_browser' };
    if (!(await this.claims.take(`oauth-state:${p.data.n}`, provider, now))) return { ok: false, reason: 'reused' };
    return { ok: true, orgId: p.data.o, ...(p.data.u !== undefined ? { by: p.data.u } : {}) };
  }

  /** How long a connect link lives: `ttlMs` × 6 (an hour with the default ten-minute state). */
  get connectLinkTtl(): number {
    return this.ttlMs * 6;
  }

  /**
   * Query string of a signed connect link for an organisation, valid for `connectLinkTtl`. `by` (a Slack
   * user id, when the link was minted for someone in App Home) is signed with it and carried through the
   * state to the callback.
   */
  connectLink(provider: Provider, orgId: string, now: Date, by?: string): string {
    return this.connectLinkFor(provider, orgId, now, by).query;
  }

  /** A connect link's query string and when it expires. */
  connectLinkFor(provider: Provider, orgId: string, now: Date, by?: string): { query: string; expiresAt: Date } {
    const exp = now.getTime() + this.connectLinkTtl;
    const who = by !== undefined && BY.test(by) ? by : undefined;
    const sig = this.mac(`connect:${provider}:${orgId}:${exp}${who !== undefined ? `:${who}` : ''}`).toString('base64url');
    return { query: `org=${encodeURIComponent(orgId)}&exp=${exp}${who !== undefined ? `&by=${who}` : ''}&sig=${sig}`, expiresAt: new Date(exp) };
  }

  checkConnectLink(provider: Provider, q: { org?: unknown; exp?: unknown; sig?: unknown; by?: unknown }, now: Date): { ok: true; orgId: string; by?: string } | { ok: false } {
    if (typeof q.org !== 'string' || typeof q.exp !== 'string' || typeof q.sig !== 'string' || !/^\d+$/.test(q.exp)) return { ok: false };
    if (q.by !== undefined && (typeof q.by !== 'string' || !BY.test(q.by))) return { ok: false };
    if (Number(q.exp) <= now.getTime()) return { ok: false };
    const by = q.by;
    if (!this.sameMac(`connect:${provider}:${q.org}:${q.exp}${by !== undefined ? `:${by}` : ''}`, q.sig)) return { ok: false };
    return { ok: true, orgId: q.org, ...(by !== undefined ? { by } : {}) };
  }

  private sameMac(data: string, sig: string): boolean {
    const expected = this.mac(data);
    const given = Buffer.from(sig, 'base64url');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

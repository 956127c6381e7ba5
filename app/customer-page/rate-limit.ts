// The customer's page's rate limit: fixed windows counted per token and per client IP, in this process's memory
// (an instance per router, created by customerPageRouter; nothing at module level). Per process: with several web
// processes behind a balancer each counts its own share, so the effective limit is the limit × the processes —
// acceptable for a page whose every answer is also bounded by the parsers; a shared store is the next step if
// one process is not enough (docs/customer-page.md). The IP is express's `req.ip` (the socket's address unless
// the app is told to trust a proxy).

export interface RateLimits {
  windowMs: number;
  /** Requests per token (one customer's link) per window. */
  perToken: number;
  /** Requests per client IP per window. */
  perIp: number;
}

/** Forget finished windows once this many keys are counted (bounded memory under a flood of made-up tokens). */
const PRUNE_AT = 10_000;

export class RateLimiter {
  private readonly counts = new Map<string, { start: number; n: number }>();
  constructor(private readonly limits: RateLimits) {}

  /** Count one request; null when allowed, else the milliseconds until the window ends. */
  hit(token: string, ip: string, nowMs: number): number | null {
    if (this.counts.size > PRUNE_AT) this.prune(nowMs);
    const byIp = this.count(`ip:${ip}`, nowMs);
    const byToken = token === '' ? null : this.count(`t:${token.slice(0, 200)}`, nowMs);
    if (byIp.n > this.limits.perIp) return byIp.start + this.limits.windowMs - nowMs;
    if (byToken && byToken.n > this.limits.perToken) return byToken.start + this.limits.windowMs - nowMs;
    return null;
  }

  private count(key: string, nowMs: number): { start: number; n: number } {
    const c = this.counts.get(key);
    if (!c || nowMs - c.start >= this.limits.windowMs) {
      const fresh = { start: nowMs, n: 1 };
      this.counts.set(key, fresh);
      return fresh;
    }
    c.n++;
    return c;
  }

  private prune(nowMs: number): void {
    for (const [k, c] of this.counts) if (nowMs - c.start >= this.limits.windowMs) this.counts.delete(k);
  }
}

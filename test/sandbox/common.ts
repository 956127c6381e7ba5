// What the QuickBooks and Xero sandboxes (and the connector test harnesses)
// share: a loopback HTTP server's start and stop, the seeded random generator,
// fault drawing, amounts from minor units, bearer tokens and webhook signatures.
import { createHmac, randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { Request } from 'express';

/** mulberry32: small, fast, seeded. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A decimal amount as both platforms send it (a JSON number) from minor units. */
export function amount(minor: number, exponent = 2): number {
  return Number((minor / 10 ** exponent).toFixed(exponent));
}

export const sleep = (ms: number): Promise<void> => new Promise<void>((r) => setTimeout(r, ms));

/** Anything that can listen like an Express app. */
export interface Listener {
  listen(port: number, host: string, cb: () => void): Server;
}

/** Listen on a free port of 127.0.0.1; the server and its base URL. */
export async function listenLoopback(app: Listener): Promise<{ server: Server; url: string }> {
  const server = await new Promise<Server>((res) => {
    const s = app.listen(0, '127.0.0.1', () => res(s));
  });
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('sandbox did not bind');
  return { server, url: `http://127.0.0.1:${addr.port}` };
}

/** Stop listening and drop open (keep-alive) connections. */
export async function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return;
  await new Promise<void>((res) => {
    server.close(() => res());
    server.closeAllConnections();
  });
}

/** The switchable faults both sandboxes draw from. */
export interface FaultSettings<S extends number> {
  /** Share of requests (0–1) that fail with one of `statuses`. */
  rate: number;
  statuses: S[];
}

/** Whether this request fails, and how: null most of the time, else one of the statuses (two draws from `random`). */
export function drawFault<S extends number>(random: () => number, faults: FaultSettings<S>): S | 500 | null {
  if (faults.rate <= 0 || random() >= faults.rate) return null;
  return faults.statuses[Math.floor(random() * faults.statuses.length)] ?? 500;
}

/** The token of an `Authorization: Bearer …` header, if any. */
export function bearerToken(req: Request): string | undefined {
  return /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
}

/** HMAC-SHA256 of a webhook body, base64: how Intuit and Xero sign their deliveries. */
export function hmacBase64(key: string, body: string | Buffer): string {
  return createHmac('sha256', key).update(body).digest('base64');
}

/**
 * The OAuth grants a sandbox has issued: access tokens (with expiry) and refresh
 * tokens, each naming its owner (a realm, a login), and the owner's latest
 * refresh token.
 */
export class TokenGrants<A extends { expiresAt: number; revoked: boolean }, R extends { revoked: boolean }> {
  readonly access = new Map<string, A>();
  readonly refresh = new Map<string, R>();
  private readonly latestRefresh = new Map<string, string>();

  /** A new access and refresh token pair for `owner`. */
  issue(owner: string, access: A, refresh: R): { accessToken: string; refreshToken: string } {
    const accessToken = `at_${randomBytes(16).toString('hex')}`;
    const refreshToken = `rt_${randomBytes(16).toString('hex')}`;
    this.access.set(accessToken, access);
    this.refresh.set(refreshToken, refresh);
    this.latestRefresh.set(owner, refreshToken);
    return { accessToken, refreshToken };
  }

  latest(owner: string): string | undefined {
    return this.latestRefresh.get(owner);
  }

  /** Make every issued access token expired. */
  expireAll(): void {
    for (const g of this.access.values()) g.expiresAt = 0;
  }

  /** Revoke every refresh and access grant that `belongs` picks. */
  revokeWhere(belongs: (g: A | R) => boolean): void {
    for (const g of this.refresh.values()) if (belongs(g)) g.revoked = true;
    for (const g of this.access.values()) if (belongs(g)) g.revoked = true;
  }

  /** The grant behind a request's bearer token, when it is neither revoked nor expired at `nowMs`. */
  live(req: Request, nowMs: number): A | undefined {
    const token = bearerToken(req);
    const g = token ? this.access.get(token) : undefined;
    if (!g || g.revoked || g.expiresAt <= nowMs) return undefined;
    return g;
  }
}

export interface SandboxClock {
  /** The sandbox's clock (default: the real one). */
  now?: () => Date;
  /** Seed of the fault and data generator (default 1). */
  seed?: number;
}

/**
 * The base of a sandbox: an HTTP app on a free loopback port. `start()` binds it
 * and sets `url`; `stop()` closes it. It also holds the sandbox's clock and its
 * seeded random generator (faults, generated ids).
 */
export abstract class LoopbackSandbox {
  url = '';
  readonly now: () => Date;
  protected readonly random: () => number;
  private server: Server | undefined;

  constructor(clock: SandboxClock) {
    this.now = clock.now ?? (() => new Date());
    this.random = rng(clock.seed ?? 1);
  }

  protected abstract app(): Listener;

  async start(): Promise<this> {
    const { server, url } = await listenLoopback(this.app());
    this.server = server;
    this.url = url;
    return this;
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
  }
}

// Provider-neutral token refresh. The rules, in order:
// - a token that is still good for longer than `aheadMs` is used as it is;
// - inside one process, one refresh per connection is in flight; other callers
//   wait for it (a Map of promises);
// - across processes, the connection's lease (Connections.acquireLease, decided
//   by an insert against a unique key) lets one refresher in; the others poll
//   the connection until the new token appears;
// - after taking the lease the connection is re-read: someone may have
//   refreshed in between, and then there is nothing to do;
// - the rotated refresh token is stored BEFORE the new access token is handed
//   to anyone, so a crash never loses it;
// - `invalid_grant` marks the connection 'needs_reconnect' (a person must
//   reconnect; no endless retries); a transient failure starts a cooldown.
// - several connections may share one token set (Xero: one login, several
//   tenants). Such a connection names its `tokenHolderId`: the token set, its
//   lease and its status live on that holder document (in `grants`), so the
//   rules above apply once per login, and every tenant sees the new tokens.
// Every outcome is a TokenDecision with a named reason.
import { decryptTokens, encryptTokens, type TokenSet } from '../src/crypto/tokens.js';
import type { Logger } from '../src/logger.js';
import type { Connections } from '../src/store/organisations.js';
import type { ConnectionDoc, Provider } from '../src/store/types.js';

/** What a provider's token endpoint said to a refresh. */
export type RefreshOutcome =
  | { ok: true; tokens: TokenSet }
  /** The refresh token is dead (revoked, expired, superseded too long ago). */
  | { ok: false; kind: 'invalid_grant'; detail: string }
  /** Anything worth retrying later: network, 429, 5xx. */
  | { ok: false; kind: 'transient'; detail: string };

/** The provider-specific part: call the token endpoint with a refresh token. */
export type Refresher = (refreshToken: string) => Promise<RefreshOutcome>;

export type TokenReason =
  /** The stored access token is good for longer than the refresh margin. */
  | 'fresh'
  /** This call refreshed the tokens. */
  | 'refreshed'
  /** Another caller in this process was refreshing; this one shared its result. */
  | 'joined_in_flight'
  /** Another process refreshed (seen after taking the lease, or while waiting for it). */
  | 'refreshed_elsewhere'
  /** The connection needs a person to reconnect (now or before). */
  | 'needs_reconnect'
  /** The connection was disconnected or does not exist. */
  | 'not_connected'
  /** A recent refresh failed transiently; no new attempt until the cooldown ends. */
  | 'cooldown'
  /** The refresh failed transiently just now (cooldown started). */
  | 'transient_failure'
  /** Another process holds the lease and did not finish in time. */
  | 'lease_busy';

export type TokenDecision =
  | { ok: true; reason: 'fresh' | 'refreshed' | 'joined_in_flight' | 'refreshed_elsewhere'; accessToken: string; expiresAt: Date; connection: ConnectionDoc }
  | { ok: false; reason: 'needs_reconnect' | 'not_connected' | 'cooldown' | 'transient_failure' | 'lease_busy'; detail: string; retryAt?: Date };

export interface TokenManagerOptions {
  connections: Connections;
  /**
   * Where shared token sets live (holders named by ConnectionDoc.tokenHolderId).
   * Optional: without it, holders are looked up among `connections`.
   */
  grants?: Connections;
  key: Buffer;
  refreshers: Partial<Record<Provider, Refresher>>;
  /** This process's name (lease owner). */
  owner: string;
  now?: () => Date;
  logger?: Logger;
  /** Refresh when the access token expires within this many ms (default 5 min). */
  aheadMs?: number;
  /** How long the refresh lease lasts (default 60 s; longer than any token call). */
  leaseMs?: number;
  /** No new refresh for this long after a transient failure (default 30 s). */
  cooldownMs?: number;
  /** How long a caller waits for another process's refresh (default 15 s), polling every `pollMs` (default 100 ms). */
  waitMs?: number;
  pollMs?: number;
}

export interface GetTokenOptions {
  /** Refresh even though the token looks fresh. */
  force?: boolean;
  /**
   * The access token the provider just rejected (401): refresh unless the stored
   * token has already moved on from it.
   */
  rejected?: string;
}

export class TokenManager {
  private readonly inFlight = new Map<string, Promise<TokenDecision>>();
  private readonly cooldownUntil = new Map<string, Date>();
  private readonly now: () => Date;
  private readonly aheadMs: number;
  private readonly leaseMs: number;
  private readonly cooldownMs: number;
  private readonly waitMs: number;
  private readonly pollMs: number;

  constructor(private readonly opts: TokenManagerOptions) {
    this.now = opts.now ?? (() => new Date());
    this.aheadMs = opts.aheadMs ?? 5 * 60_000;
    this.leaseMs = opts.leaseMs ?? 60_000;
    this.cooldownMs = opts.cooldownMs ?? 30_000;
    this.waitMs = opts.waitMs ?? 15_000;
    this.pollMs = opts.pollMs ?? 100;
  }

  /** Encrypt a token set for storage on a connection. */
  seal(connectionId: string, tokens: TokenSet): Pick<ConnectionDoc, 'tokens' | 'accessTokenExpiresAt' | 'refreshTokenExpiresAt'> {
    return {
      tokens: encryptTokens(tokens, this.opts.key, connectionId),
      accessTokenExpiresAt: new Date(tokens.accessTokenExpiresAt),
      ...(tokens.refreshTokenExpiresAt ? { refreshTokenExpiresAt: new Date(tokens.refreshTokenExpiresAt) } : {}),
    };
  }

  /** The decrypted token set of a connection document (undefined when it has none). */
  open(conn: ConnectionDoc): TokenSet | undefined {
    return conn.tokens ? decryptTokens(conn.tokens, this.opts.key, conn._id) : undefined;
  }

  /** A usable access token for the connection, refreshing when needed. */
  async getAccessToken(connectionId: string, options: GetTokenOptions = {}): Promise<TokenDecision> {
    const c = await this.opts.connections.get(connectionId);
    if (!c) return { ok: false, reason: 'not_connected', detail: `no connection ${connectionId}` };
    const unusable = this.unusable(c);
    if (unusable) return unusable;
    if (c.tokenHolderId) return this.viaHolder(c, c.tokenHolderId, options);
    return this.forDoc(this.opts.connections, c, options);
  }

  /** The connection shares its login's token set: work on the holder, answer for the connection. */
  private async viaHolder(conn: ConnectionDoc, holderId: string, options: GetTokenOptions): Promise<TokenDecision> {
    const repo = this.opts.grants ?? this.opts.connections;
    const holder = await repo.get(holderId);
    const d: TokenDecision = holder
      ? await this.forDoc(repo, holder, options)
      : { ok: false, reason: 'needs_reconnect', detail: `the shared token set ${holderId} is gone` };
    if (!d.ok && d.reason === 'needs_reconnect') {
      // The login's grant is dead: every tenant of it needs a person to reconnect.
      await this.opts.connections.setStatus(conn._id, 'needs_reconnect', `refresh refused: ${d.detail}`, this.now());
    }
    return d.ok ? { ...d, connection: conn } : d;
  }

  private async forDoc(repo: Connections, c: ConnectionDoc, options: GetTokenOptions): Promise<TokenDecision> {
    const unusable = this.unusable(c);
    if (unusable) return unusable;
    const tokens = this.open(c);
    if (!tokens) return { ok: false, reason: 'needs_reconnect', detail: 'the connection has no tokens' };
    if (!this.needsRefresh(tokens, options)) {
      return { ok: true, reason: 'fresh', accessToken: tokens.accessToken, expiresAt: new Date(tokens.accessTokenExpiresAt), connection: c };
    }
    const running = this.inFlight.get(c._id);
    if (running) {
      const d = await running;
      return d.ok && d.reason !== 'fresh' ? { ...d, reason: 'joined_in_flight' } : d;
    }
    const p = this.refreshOnce(repo, c, tokens, options).finally(() => this.inFlight.delete(c._id));
    this.inFlight.set(c._id, p);
    return p;
  }

  private unusable(conn: ConnectionDoc): TokenDecision | null {
    if (conn.status === 'disconnected') return { ok: false, reason: 'not_connected', detail: 'the connection was disconnected' };
    if (conn.status === 'needs_reconnect') return { ok: false, reason: 'needs_reconnect', detail: conn.statusReason ?? 'needs reconnect' };
    return null;
  }

  private needsRefresh(tokens: TokenSet, options: GetTokenOptions): boolean {
    if (options.force) return true;
    if (options.rejected !== undefined && options.rejected === tokens.accessToken) return true;
    if (options.rejected !== undefined) return false; // someone already replaced the rejected token
    return new Date(tokens.accessTokenExpiresAt).getTime() - this.now().getTime() <= this.aheadMs;
  }

  private isFresh(tokens: TokenSet, seen: TokenSet): boolean {
    return tokens.accessToken !== seen.accessToken && new Date(tokens.accessTokenExpiresAt).getTime() - this.now().getTime() > this.aheadMs;
  }

  private async refreshOnce(repo: Connections, conn: ConnectionDoc, seen: TokenSet, options: GetTokenOptions): Promise<TokenDecision> {
    const id = conn._id;
    const cooling = this.cooldownUntil.get(id);
    if (cooling && cooling > this.now() && !options.force) {
      return { ok: false, reason: 'cooldown', detail: 'a recent refresh failed; waiting before the next try', retryAt: cooling };
    }
    const refresher = this.opts.refreshers[conn.provider];
    if (!refresher) throw new Error(`no token refresher registered for ${conn.provider}`);

    const leased = await repo.acquireLease(id, this.opts.owner, 'token-refresh', this.now(), this.leaseMs);
    if (!leased) return this.waitForOther(repo, id, seen);
    try {
      // Re-read: another process may have refreshed between our look and the lease.
      const unusable = this.unusable(leased);
      if (unusable) return unusable;
      const current = this.open(leased);
      if (!current) return { ok: false, reason: 'needs_reconnect', detail: 'the connection has no tokens' };
      if (this.isFresh(current, seen)) {
        return { ok: true, reason: 'refreshed_elsewhere', accessToken: current.accessToken, expiresAt: new Date(current.accessTokenExpiresAt), connection: leased };
      }
      const outcome = await refresher(current.refreshToken);
      if (!outcome.ok) {
        if (outcome.kind === 'invalid_grant') {
          await repo.setStatus(id, 'needs_reconnect', `refresh refused: ${outcome.detail}`, this.now());
          this.opts.logger?.warn({ connectionId: id, detail: outcome.detail }, 'token refresh refused: connection needs reconnect');
          return { ok: false, reason: 'needs_reconnect', detail: outcome.detail };
        }
        const retryAt = new Date(this.now().getTime() + this.cooldownMs);
        this.cooldownUntil.set(id, retryAt);
        this.opts.logger?.warn({ connectionId: id, detail: outcome.detail, retryAt }, 'token refresh failed; cooling down');
        return { ok: false, reason: 'transient_failure', detail: outcome.detail, retryAt };
      }
      // Persist the rotated refresh token before anyone uses the new access token.
      await repo.update(id, this.seal(id, outcome.tokens), this.now());
      this.cooldownUntil.delete(id);
      const stored = await repo.get(id);
      return {
        ok: true,
        reason: 'refreshed',
        accessToken: outcome.tokens.accessToken,
        expiresAt: new Date(outcome.tokens.accessTokenExpiresAt),
        connection: stored ?? leased,
      };
    } finally {
      await repo.releaseLease(id, this.opts.owner);
    }
  }

  /** Another process holds the lease: poll until its new token shows up, the lease frees, or we give up. */
  private async waitForOther(repo: Connections, id: string, seen: TokenSet): Promise<TokenDecision> {
    const deadline = Date.now() + this.waitMs;
    while (Date.now() < deadline) {
      await sleep(this.pollMs);
      const c = await repo.get(id);
      if (!c) return { ok: false, reason: 'not_connected', detail: `no connection ${id}` };
      const unusable = this.unusable(c);
      if (unusable) return unusable;
      const tokens = this.open(c);
      if (tokens && this.isFresh(tokens, seen)) {
        return { ok: true, reason: 'refreshed_elsewhere', accessToken: tokens.accessToken, expiresAt: new Date(tokens.accessTokenExpiresAt), connection: c };
      }
      if (!c.lease || c.lease.until <= this.now()) {
        // The holder gave up without a new token (it failed or died): try ourselves once.
        const leased = await repo.acquireLease(id, this.opts.owner, 'token-refresh', this.now(), this.leaseMs);
        if (leased) {
          await repo.releaseLease(id, this.opts.owner);
          return this.refreshOnce(repo, leased, seen, {});
        }
      }
    }
    return { ok: false, reason: 'lease_busy', detail: 'another process is refreshing and did not finish in time' };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

// Signing in to the web console from Slack, and its sessions.
//
// A sign-in link (App Home's *Open Overdue*, `/overdue console`) carries a random 256-bit token; only
// its SHA-256 is stored (console_sign_ins: orgId, Slack user, expiry). Using it is a claim — an insert
// on a unique key (src/store/claims.ts), the one atomic write on FerretDB — so two clicks of one link
// start one session. A session is a random 256-bit id in an httpOnly, Secure, SameSite=Lax cookie; the
// database holds its SHA-256 (console_sessions) with the person's organisation and Slack user, the
// session's CSRF token, an absolute expiry and the last time it was seen (idle timeout). The person's
// roles are read afresh on every request (people), so a role taken away applies at once.
import { createHash, randomBytes } from 'node:crypto';
import type { Collection } from 'mongodb';
import { pruneExpired } from '../../src/store/expired.js';
import { collections, type Store } from '../../src/store/store.js';

export const SIGN_IN_TTL_MS = 10 * 60_000;
export const SESSION_IDLE_MS = 30 * 60_000;
export const SESSION_MAX_MS = 12 * 3_600_000;
/** lastSeenAt is written at most this often (not one write per page). */
const TOUCH_EVERY_MS = 60_000;

export const SESSION_COOKIE = 'overdue_console';

export interface SignInDoc {
  /** SHA-256 (hex) of the token. */
  _id: string;
  orgId: string;
  slackUserId: string;
  createdAt: Date;
  expiresAt: Date;
}

export interface SessionDoc {
  /** SHA-256 (hex) of the session id in the cookie. */
  _id: string;
  orgId: string;
  slackUserId: string;
  /** The per-session CSRF token every form carries. */
  csrf: string;
  createdAt: Date;
  lastSeenAt: Date;
  /** Absolute expiry (createdAt + SESSION_MAX_MS). */
  expiresAt: Date;
}

export type Redeemed = { ok: true; sessionId: string; session: SessionDoc } | { ok: false; why: 'unknown' | 'expired' | 'used' };

const digest = (secret: string): string => createHash('sha256').update(secret).digest('hex');
const randomToken = (): string => randomBytes(32).toString('base64url');
/** What a token or session id looks like (43 base64url characters); anything else is not looked up. */
const TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}$/;

export class ConsoleAuth {
  private readonly signIns: Collection<SignInDoc>;
  private readonly sessions: Collection<SessionDoc>;

  constructor(private readonly store: Store) {
    this.signIns = store.db.collection<SignInDoc>(collections.consoleSignIns);
    this.sessions = store.db.collection<SessionDoc>(collections.consoleSessions);
  }

  /** A new sign-in token for this Slack user of this organisation, valid SIGN_IN_TTL_MS and once. */
  async mintSignIn(orgId: string, slackUserId: string, now: Date): Promise<{ token: string; expiresAt: Date }> {
    const token = randomToken();
    const expiresAt = new Date(now.getTime() + SIGN_IN_TTL_MS);
    await this.signIns.insertOne({ _id: digest(token), orgId, slackUserId, createdAt: now, expiresAt });
    return { token, expiresAt };
  }

  /** What a sign-in token is, without spending it (the link's page). */
  async peek(token: string, now: Date): Promise<'valid' | 'unknown' | 'expired' | 'used'> {
    if (!TOKEN_FORMAT.test(token)) return 'unknown';
    const hash = digest(token);
    const doc = await this.signIns.findOne({ _id: hash });
    if (!doc) return 'unknown';
    if (doc.expiresAt.getTime() <= now.getTime()) return 'expired';
    return (await this.store.claims.holder(`console-sign-in:${hash}`)) === null ? 'valid' : 'used';
  }

  /** Use a sign-in token: a new session for its person, or why not. The claim makes each token start one session. */
  async redeem(token: string, now: Date): Promise<Redeemed> {
    if (!TOKEN_FORMAT.test(token)) return { ok: false, why: 'unknown' };
    const hash = digest(token);
    const doc = await this.signIns.findOne({ _id: hash });
    if (!doc) return { ok: false, why: 'unknown' };
    if (doc.expiresAt.getTime() <= now.getTime()) return { ok: false, why: 'expired' };
    if (!(await this.store.claims.take(`console-sign-in:${hash}`, doc.slackUserId, now))) return { ok: false, why: 'used' };
    const sessionId = randomToken();
    const session: SessionDoc = {
      _id: digest(sessionId), orgId: doc.orgId, slackUserId: doc.slackUserId, csrf: randomToken(),
      createdAt: now, lastSeenAt: now, expiresAt: new Date(now.getTime() + SESSION_MAX_MS),
    };
    await this.sessions.insertOne(session);
    return { ok: true, sessionId, session };
  }

  /** The live session behind a cookie's id (null: none, idle too long, or past its absolute expiry — then removed). */
  async session(sessionId: string, now: Date): Promise<SessionDoc | null> {
    if (!TOKEN_FORMAT.test(sessionId)) return null;
    const s = await this.sessions.findOne({ _id: digest(sessionId) });
    if (!s) return null;
    if (s.expiresAt.getTime() <= now.getTime() || s.lastSeenAt.getTime() + SESSION_IDLE_MS <= now.getTime()) {
      await this.sessions.deleteOne({ _id: s._id });
      return null;
    }
    if (now.getTime() - s.lastSeenAt.getTime() >= TOUCH_EVERY_MS) {
      await this.sessions.updateOne({ _id: s._id }, { $set: { lastSeenAt: now } });
      return { ...s, lastSeenAt: now };
    }
    return s;
  }

  async signOut(sessionId: string): Promise<void> {
    if (TOKEN_FORMAT.test(sessionId)) await this.sessions.deleteOne({ _id: digest(sessionId) });
  }

  /** Housekeeping: forget expired links and sessions. */
  async prune(now: Date): Promise<number> {
    return Object.values(await pruneExpired(this.store.db, now, [collections.consoleSignIns, collections.consoleSessions])).reduce((a, b) => a + b, 0);
  }
}

// The customer's page link (docs/customer-page.md): `PUBLIC_BASE_URL/c/<token>`, a per-account link printed in
// every customer email and letter. The token names the organisation, the customer and the day it was issued,
// and is signed with HMAC-SHA256 under the installation's customer-link key, so opening it needs no database
// read to know whose page it is; it expires CUSTOMER_LINK_TTL_DAYS after issue, and an account's links issued
// before its `revokedBefore` (src/store/customer-links.ts) are refused.
//
//   token = base64url(JSON [v, orgId, customerId, issuedAtSeconds]) "." base64url(HMAC-SHA256(key, "c1." payload))
//
// Pure: the key and the instants are passed in. Deterministic: the same account, key and issue instant always
// give the same token, so an email or letter rendered again on a retry carries the same link (the email channel
// mints with the outbox entry's creation time, never the time of sending).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/** How long a link works after it was issued (the entry's creation). */
export const CUSTOMER_LINK_TTL_DAYS = 60;
const DAY_MS = 86_400_000;
const VERSION = 1;
/** The path prefix of the page. */
export const CUSTOMER_PAGE_PREFIX = '/c/';
/** A token is at most this long (ids are capped at a few hundred characters; anything longer is not ours). */
const MAX_TOKEN = 1_200;

export interface CustomerLink {
  orgId: string;
  customerId: string;
  issuedAt: Date;
}

export type LinkCheck =
  | { ok: true; link: CustomerLink; expiresAt: Date }
  | { ok: false; why: 'malformed' | 'signature' | 'expired' };

const Payload = z.tuple([z.literal(VERSION), z.string().min(1).max(300), z.string().min(1).max(300), z.number().int().nonnegative()]);

function b64url(b: Buffer | string): string {
  return Buffer.from(b).toString('base64url');
}

function mac(key: Buffer, payload: string, purpose: string): Buffer {
  return createHmac('sha256', key).update(`${purpose}.${payload}`).digest();
}

/** The token of an account's link issued at `issuedAt` (whole seconds: the same entry gives the same token). */
export function mintCustomerToken(key: Buffer, link: CustomerLink): string {
  const payload = b64url(JSON.stringify([VERSION, link.orgId, link.customerId, Math.floor(link.issuedAt.getTime() / 1000)]));
  return `${payload}.${b64url(mac(key, payload, 'c1'))}`;
}

/** The full URL of the customer's page: PUBLIC_BASE_URL + /c/<token>. */
export function customerPageUrl(publicBaseUrl: string, key: Buffer, link: CustomerLink): string {
  return `${publicBaseUrl.replace(/\/$/, '')}${CUSTOMER_PAGE_PREFIX}${mintCustomerToken(key, link)}`;
}

/** Check a token's shape, signature (constant time) and expiry. Revocation is the caller's (it needs the store). */
export function verifyCustomerToken(key: Buffer, token: string, now: Date, ttlDays = CUSTOMER_LINK_TTL_DAYS): LinkCheck {
  if (token.length > MAX_TOKEN || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/.test(token)) return { ok: false, why: 'malformed' };
  const [payload = '', sig = ''] = token.split('.');
  const expected = mac(key, payload, 'c1');
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, why: 'signature' };
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, why: 'malformed' };
  }
  const p = Payload.safeParse(json);
  if (!p.success) return { ok: false, why: 'malformed' };
  const [, orgId, customerId, seconds] = p.data;
  const issuedAt = new Date(seconds * 1000);
  const expiresAt = new Date(issuedAt.getTime() + ttlDays * DAY_MS);
  if (now.getTime() >= expiresAt.getTime()) return { ok: false, why: 'expired' };
  return { ok: true, link: { orgId, customerId, issuedAt }, expiresAt };
}

/** The forms' CSRF field for a token: HMAC of the token under its own purpose; no session is needed. */
export function customerFormToken(key: Buffer, token: string): string {
  return b64url(mac(key, token, 'csrf'));
}

/** Whether a form's field is the one for this token (constant time). */
export function customerFormTokenOk(key: Buffer, token: string, field: string | undefined): boolean {
  if (field === undefined) return false;
  const a = Buffer.from(field);
  const b = Buffer.from(customerFormToken(key, token));
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The installation's customer-link key: CUSTOMER_LINK_KEY when set, else derived from the audit chain key
 * (HMAC under a label of its own, so neither key reveals the other). AUDIT_CHAIN_KEY is required in production,
 * so links are never signed with a public key there.
 */
export function deriveCustomerLinkKey(explicit: Buffer | undefined, auditChainKey: Buffer): Buffer {
  return explicit ?? createHmac('sha256', auditChainKey).update('overdue customer-page links v1').digest();
}

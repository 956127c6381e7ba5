// Reply addresses: every customer email and letter names an address that
// identifies the account, a plus-address of the organisation's inbound mailbox,
// `<local>+<token>@<domain>`. The token is a signed reference to the account:
// 16 base32 characters of HMAC-SHA256(secret, orgId NUL customerId), lowercase
// so that mail servers that fold the local part's case do not break it.
//
// Why a reference and not the ids themselves: a customer id is up to 78
// characters ("xero:<tenant uuid>:<contact uuid>"), and an address's local part
// may hold 64; so the token is short and unguessable (80 bits), and the account
// it stands for is remembered where it was minted (src/inbound/store.ts
// ReplyTokens, written when the message is sent). Pure: the secret is passed in.
import { createHmac } from 'node:crypto';

export interface ReplyMailbox {
  /** The organisation's (or the installation's) inbound mailbox, e.g. "replies@ar.example.com". */
  address: string;
  /** The HMAC key of the tokens (INBOUND_REPLY_SECRET). */
  secret: string;
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
export const TOKEN_LENGTH = 16;

function base32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** The account's token: the same account and secret always give the same token. */
export function replyTokenFor(secret: string, orgId: string, customerId: string): string {
  return base32(createHmac('sha256', secret).update(`${orgId}\u0000${customerId}`).digest()).slice(0, TOKEN_LENGTH);
}

/** Local part and domain of an address ("Name <a@b>" accepted); null when it is not one. */
export function splitAddress(address: string): { local: string; domain: string } | null {
  const bare = (/<([^>]*)>/.exec(address)?.[1] ?? address).trim();
  const at = bare.lastIndexOf('@');
  if (at <= 0 || at === bare.length - 1) return null;
  return { local: bare.slice(0, at), domain: bare.slice(at + 1).toLowerCase() };
}

/** The mailbox's address without any plus part, lowercased ("Replies+x@AR.example" → "replies@ar.example"). */
export function baseAddress(address: string): string | null {
  const s = splitAddress(address);
  if (!s) return null;
  const plus = s.local.indexOf('+');
  return `${(plus < 0 ? s.local : s.local.slice(0, plus)).toLowerCase()}@${s.domain}`;
}

/** True when `address` is the inbound mailbox itself or one of its plus-addresses. */
export function isInboundMailbox(address: string, mailbox: Pick<ReplyMailbox, 'address'>): boolean {
  const a = baseAddress(address);
  return a !== null && a === baseAddress(mailbox.address);
}

/** The reply address of an account: the mailbox's plus-address carrying the account's token. */
export function replyAddressFor(mailbox: ReplyMailbox, orgId: string, customerId: string): { address: string; token: string } {
  const s = splitAddress(mailbox.address);
  if (!s) throw new Error(`the inbound mailbox "${mailbox.address}" is not an email address`);
  const plus = s.local.indexOf('+');
  const local = plus < 0 ? s.local : s.local.slice(0, plus);
  const token = replyTokenFor(mailbox.secret, orgId, customerId);
  return { address: `${local}+${token}@${s.domain}`, token };
}

/**
 * The token an address carries, when it is a plus-address of the inbound mailbox with a well-formed token
 * (null otherwise: another address, the bare mailbox, a mangled token). Which account the token stands for is
 * looked up where it was minted; `verify` (the account's ids, when the caller has them) re-computes it.
 */
export function accountOfReplyAddress(address: string, mailbox: ReplyMailbox): { token: string; verify: (orgId: string, customerId: string) => boolean } | null {
  const s = splitAddress(address);
  if (!s || !isInboundMailbox(address, mailbox)) return null;
  const plus = s.local.indexOf('+');
  if (plus < 0) return null;
  const token = s.local.slice(plus + 1).toLowerCase();
  if (token.length !== TOKEN_LENGTH || ![...token].every((c) => BASE32.includes(c))) return null;
  return { token, verify: (orgId, customerId) => replyTokenFor(mailbox.secret, orgId, customerId) === token };
}

/** Every token among these addresses (To, Cc, Delivered-To, X-Original-To of an inbound message). */
export function tokensAmong(addresses: readonly string[], mailbox: ReplyMailbox): string[] {
  const out = new Set<string>();
  for (const a of addresses) {
    const t = accountOfReplyAddress(a, mailbox);
    if (t) out.add(t.token);
  }
  return [...out];
}

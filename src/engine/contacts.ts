// Who an email, letter or call goes to: the contact for the role the policy
// asks for, else the next one up the contact ladder, else (last resort) down it.

import type { Account, Contact } from './account.js';
import type { Recipient } from './decision-types.js';
import type { CompiledPolicy } from './policy.js';

export { roleLabel } from '../domain/contact-roles.js';

/** The first reachable contact per ladder rank (email present, never bounced). */
export function contactsByRank(a: Account, cp: CompiledPolicy, needEmail: boolean): (Contact | undefined)[] {
  const byRank: (Contact | undefined)[] = [];
  for (let i = 0; i < cp.policy.contactLadder.length; i++) byRank.push(undefined);
  for (const c of a.contacts) {
    const reachable = needEmail ? c.email !== undefined && c.email !== '' && !c.bounced : (c.phone ?? '') !== '' || (c.email !== undefined && !c.bounced);
    if (!reachable) continue;
    for (const r of c.roles) {
      const rank = cp.roleRank.get(r);
      if (rank !== undefined && byRank[rank] === undefined) byRank[rank] = c;
    }
  }
  return byRank;
}

export function recipient(c: Contact, role: string, asked: string): Recipient {
  return { contactId: c.id, name: c.name, email: c.email, phone: c.phone, role, fallbackFrom: role === asked ? undefined : asked, ...(c.timeZone !== undefined ? { timeZone: c.timeZone } : {}) };
}

/** The contact for a role: that role, else up the ladder, else (last resort) down it. */
export function resolveRole(role: string, byRank: readonly (Contact | undefined)[], cp: CompiledPolicy): Recipient | null {
  const start = cp.roleRank.get(role) ?? 0;
  const ladder = cp.policy.contactLadder;
  for (let r = start; r < byRank.length; r++) {
    const c = byRank[r];
    if (c) return recipient(c, ladder[r] ?? role, role);
  }
  for (let r = start - 1; r >= 0; r--) {
    const c = byRank[r];
    if (c) return recipient(c, ladder[r] ?? role, role);
  }
  return null;
}

/** The same address, whatever its case and spaces. */
function sameAddress(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.trim().toLowerCase() === b.trim().toLowerCase();
}

/**
 * The Cc of an email or letter: for each role the level names, the first reachable contact holding it. A
 * contact (or an address) already in To or earlier in the Cc is not copied twice; a role nobody holds is
 * left out and named in `missing` (the level's To follows the missing-role rule; a Cc does not wait).
 */
export function resolveCc(roles: readonly string[], to: Recipient, byRank: readonly (Contact | undefined)[], cp: CompiledPolicy, missing: string[] = []): Recipient[] {
  const out: Recipient[] = [];
  for (const role of roles) {
    const rank = cp.roleRank.get(role);
    const c = rank === undefined ? undefined : byRank[rank];
    if (!c) {
      missing.push(role);
      continue;
    }
    const dup = c.id === to.contactId || sameAddress(c.email, to.email) || out.some((r) => r.contactId === c.id || sameAddress(r.email, c.email));
    if (!dup) out.push(recipient(c, role, role));
  }
  return out;
}

/**
 * The guarantor added to the final demand's recipients: the contact the recorded guarantee names, when it has
 * a working email and is not already To or Cc. 'unreachable' when the guarantee names no such contact.
 */
export function guarantorRecipient(a: Account, to: Recipient, cc: readonly Recipient[]): Recipient | 'unreachable' | null {
  const g = a.guarantee;
  if (!g) return null;
  const c = a.contacts.find((k) => k.id === g.contactId);
  if (!c || c.email === undefined || c.email === '' || c.bounced) return 'unreachable';
  if (c.id === to.contactId || sameAddress(c.email, to.email) || cc.some((r) => r.contactId === c.id || sameAddress(r.email, c.email))) return null;
  return recipient(c, 'guarantor', 'guarantor');
}

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

export function resolveCc(roles: readonly string[], to: Recipient, byRank: readonly (Contact | undefined)[], cp: CompiledPolicy): Recipient[] {
  const out: Recipient[] = [];
  for (const role of roles) {
    const rank = cp.roleRank.get(role);
    const c = rank === undefined ? undefined : byRank[rank];
    if (c && c.id !== to.contactId && !out.some((r) => r.contactId === c.id)) out.push(recipient(c, role, role));
  }
  return out;
}

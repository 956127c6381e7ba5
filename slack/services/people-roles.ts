// Changing a person's roles: the one function for it (the web console's People page; the admin API's
// PUT /api/slack/people replaces whole people). Only an admin may change roles (the one table's
// `changeSettings`); an organisation always keeps at least one admin; each change is audited on the
// organisation's chain (`person.roles-changed`, from → to, by whom).
import { may, refusal } from '../../src/domain/authorization.js';
import { orgAuditAccount } from '../../src/store/audit.js';
import type { AuditActor, AuditInput } from '../../src/store/types.js';
import { personRoles, type People, type PersonDoc, type PersonRole } from './people.js';

export interface RoleChangeDeps {
  people: Pick<People, 'byEmail' | 'withRole' | 'upsert'>;
  audit: { append(input: AuditInput): Promise<unknown> };
}

export type RoleChangeOutcome =
  | { ok: true; person: PersonDoc; changed: boolean }
  | { ok: false; reason: 'not_allowed' | 'not_found' | 'last_admin'; message: string };

/** The roles in the table's order, each once (pure). */
export function normaliseRoles(roles: readonly PersonRole[]): PersonRole[] {
  return personRoles.filter((r) => roles.includes(r));
}

/**
 * Set the roles of a person of the organisation (by email), as `by` (a person of the same organisation).
 * Refused when `by` is not an admin, when the person is unknown, or when it would leave the organisation
 * without an admin. No roles at all is allowed: the person keeps their record and loses all access.
 */
export async function changePersonRoles(
  deps: RoleChangeDeps,
  o: { orgId: string; email: string; roles: readonly PersonRole[]; by: PersonDoc; actor: AuditActor; channel: 'slack' | 'api'; at: Date; via?: string },
): Promise<RoleChangeOutcome> {
  const verdict = may({ id: o.by.email, email: o.by.email, roles: o.by.roles }, 'changeSettings');
  if (!verdict.ok || o.by.orgId !== o.orgId) return { ok: false, reason: 'not_allowed', message: verdict.ok ? 'You may not change roles in another organisation.' : refusal(verdict, 'changeSettings') };
  const person = await deps.people.byEmail(o.orgId, o.email);
  if (!person) return { ok: false, reason: 'not_found', message: `Overdue does not know ${o.email} in this organisation.` };
  const to = normaliseRoles(o.roles);
  const from = normaliseRoles(person.roles);
  if (from.join(',') === to.join(',')) return { ok: true, person, changed: false };
  if (from.includes('admin') && !to.includes('admin')) {
    const admins = await deps.people.withRole(o.orgId, 'admin');
    if (admins.filter((a) => a._id !== person._id).length === 0) {
      return { ok: false, reason: 'last_admin', message: `${person.name} is the organisation's only admin: make someone else an admin first.` };
    }
  }
  const updated = await deps.people.upsert({ orgId: person.orgId, email: person.email, name: person.name, roles: to, ...(person.slackUserId ? { slackUserId: person.slackUserId } : {}) }, o.at);
  const names = (rs: readonly string[]) => (rs.length === 0 ? 'no role' : rs.join(', '));
  await deps.audit.append({
    orgId: o.orgId, accountId: orgAuditAccount(o.orgId), actor: o.actor, channel: o.channel, action: 'person.roles-changed', invoiceIds: [],
    outcome: `${person.name} <${person.email}>: ${names(from)} → ${names(to)}`,
    details: { email: person.email, from, to, ...(o.via ? { via: o.via } : {}) }, at: o.at,
  });
  return { ok: true, person: updated, changed: true };
}

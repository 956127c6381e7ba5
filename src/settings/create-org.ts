// Creating an organisation: one function for the admin API (POST /api/orgs), the
// CLI (`npm run cli -- org create`) and the Slack install (slack-<teamId>). The
// insert on the unique id decides between two creators; the creation is the first
// entry of the organisation's audit chain (account `org:<id>`). Its ladder starts
// as stored version 1, the default ladder.
import { z } from 'zod';
import { CurrencyCode } from '../domain/human-input.js';
import { DEFAULT_POLICY_INPUT } from '../engine/index.js';
import { AppError } from '../errors.js';
import { orgAuditAccount } from '../store/audit.js';
import type { Store } from '../store/store.js';
import type { AuditActor, AuditInput, OrganisationDoc } from '../store/types.js';
import { TimeZoneSchema } from './org-settings.js';

// The audit chain of organisation-wide events: one definition, in the audit store.
export { orgAuditAccount };

export const OrgIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'letters, digits, - and _ (up to 64), starting with a letter or digit');

export const NewOrgSchema = z
  .object({
    /** Omitted: a slug of the name (acme-ltd, then acme-ltd-2 …). */
    id: OrgIdSchema.optional(),
    name: z.string().trim().min(1).max(200),
    homeCurrency: CurrencyCode.default('USD'),
    timeZone: TimeZoneSchema.default('UTC'),
    /** The Slack workspace this organisation is for: installing the app there links to it instead of creating one. */
    slackTeamId: z.string().regex(/^T[A-Z0-9]+$/, 'a Slack team id (T…)').optional(),
  })
  .strict();
export type NewOrg = z.output<typeof NewOrgSchema>;

/** A readable id from a name: lower-case ASCII letters and digits joined by dashes. */
export function slugOf(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/, '');
  return slug === '' ? 'org' : slug;
}

/** The id the Slack install gives the organisation it creates for a workspace. */
export function slackOrgId(teamId: string): string {
  return `slack-${teamId}`;
}

/**
 * Create an organisation and audit it. With an id: a conflict (409) when it exists. Without: the name's slug,
 * numbered when taken. With `slackTeamId`: a conflict when another organisation has that workspace.
 */
export async function createOrganisation(
  store: Pick<Store, 'organisations' | 'audit' | 'policies'>,
  input: NewOrg,
  by: { actor: AuditActor; now: Date; channel: AuditInput['channel']; how?: string },
): Promise<OrganisationDoc> {
  const { actor, now } = by;
  if (input.slackTeamId !== undefined) {
    const other = await store.organisations.bySlackTeam(input.slackTeamId);
    if (other) throw new AppError('conflict', `Slack workspace ${input.slackTeamId} belongs to organisation ${other._id} already`);
  }
  const fields = { name: input.name, homeCurrency: input.homeCurrency, timeZone: input.timeZone, settings: {}, ...(input.slackTeamId !== undefined ? { slackTeamId: input.slackTeamId } : {}) };
  let org: OrganisationDoc | null = null;
  if (input.id !== undefined) {
    org = await store.organisations.create({ _id: input.id, ...fields }, now);
    if (!org) throw new AppError('conflict', `organisation ${input.id} exists already`);
  } else {
    const base = slugOf(input.name);
    for (let n = 1; !org && n <= 100; n += 1) org = await store.organisations.create({ _id: n === 1 ? base : `${base}-${n}`, ...fields }, now);
    if (!org) throw new AppError('conflict', `no free id for ${input.name}: give one (id)`);
  }
  // The ladder starts as version 1, the default one: the first change is version 2, and a rollback to where
  // the organisation started is a version to name (the default in code may move on; a stored version does not).
  const ladder = await store.policies.save(org._id, DEFAULT_POLICY_INPUT, now, actor);
  await store.audit.append({
    orgId: org._id, accountId: orgAuditAccount(org._id), actor, channel: by.channel, action: 'org.created', invoiceIds: [],
    outcome: `organisation ${org.name} (${org._id}) ${by.how ?? 'created'}: ${org.homeCurrency}, ${org.timeZone}, ladder v${ladder.version} (the default)`,
    details: { orgId: org._id, name: org.name, homeCurrency: org.homeCurrency, timeZone: org.timeZone, ...(org.slackTeamId !== undefined ? { slackTeamId: org.slackTeamId } : {}) }, at: now,
  });
  return org;
}

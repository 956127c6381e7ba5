// Installing the Slack app (OAuth v2) sets the workspace up: the organisation for
// it is created — id `slack-<teamId>`, the team's name, the installing user's time
// zone (users.info; UTC when Slack does not say), USD until someone changes it in
// the settings — unless the installation is linked already (a re-install keeps its
// link) or an organisation names the workspace (POST /api/orgs { slackTeamId }) or
// has its id, which is then linked instead: never a second organisation. The link
// goes both ways (installation.orgId, organisation.slackTeamId). The installer
// becomes a person of the organisation (admin and collector), so somebody sees the
// admin parts of App Home. Creation, link and person are audited on the org chain.
import type { Installation, InstallationStore } from '@slack/bolt';
import type { webApi } from '@slack/bolt';
import { z } from 'zod';
import { isValidTimeZone } from '../../src/domain/calendar.js';
import { AppError } from '../../src/errors.js';
import type { Logger } from '../../src/logger.js';
import { createOrganisation, orgAuditAccount, slackOrgId } from '../../src/settings/create-org.js';
import type { Store } from '../../src/store/store.js';
import type { AuditActor } from '../../src/store/types.js';
import type { MongoInstallationStore } from './installations.js';
import type { People, PersonRole } from './people.js';

/** The roles of the person who installs the app into a workspace. */
export const INSTALLER_ROLES: PersonRole[] = ['admin', 'collector'];
export const DEFAULT_HOME_CURRENCY = 'USD';

export interface OnboardingDeps {
  store: Pick<Store, 'organisations' | 'audit' | 'policies'>;
  installations: MongoInstallationStore;
  people: People;
  /** A Web API client with the workspace's new bot token. */
  clientFor: (botToken: string) => webApi.WebClient;
  logger: Logger;
  now: () => Date;
}

const UserInfo = z.object({
  user: z.object({
    id: z.string(),
    name: z.string().optional(),
    real_name: z.string().optional(),
    tz: z.string().optional(),
    profile: z.object({ email: z.email().optional(), real_name: z.string().optional() }).optional(),
  }),
});

interface Installer {
  slackUserId: string;
  email?: string;
  name: string;
  timeZone?: string;
}

/** Who installed: users.info with the new bot token (users:read, users:read.email). Null-safe: what Slack does not say is left out. */
async function installerOf(deps: OnboardingDeps, installation: Installation): Promise<Installer | null> {
  const userId = installation.user?.id;
  if (!userId) return null;
  const token = installation.bot?.token;
  if (!token) return { slackUserId: userId, name: userId };
  try {
    const parsed = UserInfo.safeParse(await deps.clientFor(token).users.info({ user: userId }));
    if (!parsed.success) return { slackUserId: userId, name: userId };
    const u = parsed.data.user;
    const tz = u.tz !== undefined && isValidTimeZone(u.tz) ? u.tz : undefined;
    return { slackUserId: userId, name: u.real_name || u.profile?.real_name || u.name || userId, ...(u.profile?.email ? { email: u.profile.email.toLowerCase() } : {}), ...(tz ? { timeZone: tz } : {}) };
  } catch (err) {
    deps.logger.warn({ err, userId }, 'slack install: users.info failed; the organisation gets UTC and the installer is not added as a person');
    return { slackUserId: userId, name: userId };
  }
}

export interface Onboarded {
  orgId: string;
  created: boolean;
  /** The installer was added as a person of the organisation. */
  personAdded: boolean;
}

/** After an installation is stored: the organisation created or linked, and the installer made its admin. Idempotent. */
export async function onboardWorkspace(deps: OnboardingDeps, installation: Installation): Promise<Onboarded | null> {
  const teamId = installation.team?.id;
  if (!teamId || installation.isEnterpriseInstall) {
    deps.logger.warn({ enterpriseId: installation.enterprise?.id }, 'slack install: an organisation-wide (Enterprise Grid) install is not linked to an organisation; link each workspace with POST /api/slack/installations/:teamId/link');
    return null;
  }
  const { store } = deps;
  const at = deps.now();
  const installer = await installerOf(deps, installation);
  const actor: AuditActor = installer?.email
    ? { kind: 'person', id: installer.email, name: installer.name }
    : installer
      ? { kind: 'person', id: `slack:${installer.slackUserId}`, name: installer.name }
      : { kind: 'system', id: 'slack-install', name: 'Slack install' };

  const existing = await deps.installations.raw(teamId);
  const linked = existing?.orgId ? await store.organisations.get(existing.orgId) : null;
  let org = linked ?? (await store.organisations.bySlackTeam(teamId)) ?? (await store.organisations.get(slackOrgId(teamId)));
  let created = false;
  if (!org) {
    try {
      org = await createOrganisation(
        store,
        { id: slackOrgId(teamId), name: installation.team?.name?.trim() || teamId, homeCurrency: DEFAULT_HOME_CURRENCY, timeZone: installer?.timeZone ?? 'UTC', slackTeamId: teamId },
        { actor, now: at, channel: 'slack', how: 'created by installing the Slack app' },
      );
      created = true;
    } catch (err) {
      // Two installs of one workspace at once: the other created it.
      if (!(err instanceof AppError && err.code === 'conflict')) throw err;
      org = await store.organisations.get(slackOrgId(teamId));
      if (!org) throw err;
    }
  }
  const orgId = org._id;
  if (existing?.orgId !== orgId) {
    await deps.installations.linkOrg(teamId, orgId);
    if (!created) {
      await store.audit.append({
        orgId, accountId: orgAuditAccount(orgId), actor, channel: 'slack', action: 'slack.linked', invoiceIds: [],
        outcome: `Slack workspace ${installation.team?.name ?? teamId} (${teamId}) installed and linked to ${org.name}`, details: { teamId }, at,
      });
    }
  }
  if (org.slackTeamId !== teamId) await store.organisations.linkSlackTeam(orgId, teamId, at);

  let personAdded = false;
  if (installer?.email) {
    const person = await deps.people.byEmail(orgId, installer.email);
    if (!person) {
      await deps.people.upsert({ orgId, email: installer.email, name: installer.name, slackUserId: installer.slackUserId, roles: INSTALLER_ROLES }, at);
      await store.audit.append({
        orgId, accountId: orgAuditAccount(orgId), actor, channel: 'slack', action: 'person.added', invoiceIds: [],
        outcome: `${installer.name} <${installer.email}> added as ${INSTALLER_ROLES.join(' and ')} (installed the Slack app)`, details: { email: installer.email, slackUserId: installer.slackUserId, roles: INSTALLER_ROLES }, at,
      });
      personAdded = true;
    } else if (!person.slackUserId) {
      await deps.people.linkSlackUser(orgId, installer.email, installer.slackUserId, at);
    }
  } else {
    deps.logger.warn({ teamId, orgId }, 'slack install: the installer has no email Overdue can read; add the admins with PUT /api/slack/people');
  }
  deps.logger.info({ teamId, orgId, created, personAdded }, created ? 'slack install: organisation created' : 'slack install: linked to its organisation');
  return { orgId, created, personAdded };
}

/** The installation store Bolt uses: each stored installation is onboarded (a failure fails the install, which may be repeated). */
export function onboardingInstallationStore(base: MongoInstallationStore, onboard: (installation: Installation) => Promise<unknown>): InstallationStore {
  return {
    async storeInstallation(installation) {
      await base.storeInstallation(installation);
      await onboard(installation as Installation);
    },
    fetchInstallation: (query) => base.fetchInstallation(query),
    deleteInstallation: (query) => base.deleteInstallation(query),
  };
}

// Admin API for organisations (mounted under /api behind the admin token):
//   POST  /orgs                      { id?, name, homeCurrency?, timeZone?, slackTeamId? }  201; 409 when the id exists
//   GET   /orgs/:orgId               the organisation
//   GET   /orgs/:orgId/settings      its settings (src/settings/org-settings.ts) and its connections' send modes
//   PATCH /orgs/:orgId/settings      any subset of the settings: merged, validated whole (422 lists every
//                                    problem, nothing written), each changed field audited from → to, by
//                                    whom (X-Overdue-Actor)
// The kill switch and the send mode are written through src/settings/outbound.ts, as the outbound routes do.
import { Router, type Request } from 'express';
import { z } from 'zod';
import { AppError } from '../../src/errors.js';
import { createOrganisation, NewOrgSchema, orgAuditAccount } from '../../src/settings/create-org.js';
import { mergeSettings, orgSettingsOf, OrgSettingsPatchSchema, OrgSettingsSchema, settingsChanges, storedSettings, type OrgSettingsPatch, type SettingsChange } from '../../src/settings/org-settings.js';
import { pauseOutbound, resumeOutbound, setConnectionSendMode } from '../../src/settings/outbound.js';
import type { Store } from '../../src/store/store.js';
import type { AuditActor, OrganisationDoc } from '../../src/store/types.js';
import { actorOf, parseInput, problemsOf, type ApiRoute, type Problem } from './parse.js';

const OrgView = z.object({
  id: z.string(),
  name: z.string(),
  homeCurrency: z.string(),
  timeZone: z.string(),
  slackTeamId: z.string().nullable(),
  createdAt: z.string(),
});

const SettingsView = z.object({
  orgId: z.string(),
  settings: OrgSettingsSchema,
  connections: z.array(z.object({ id: z.string(), provider: z.string(), companyName: z.string(), status: z.string(), sendMode: z.enum(['dry-run', 'live']) })),
});

const SettingsChangeView = SettingsView.extend({ changes: z.array(z.object({ field: z.string(), from: z.unknown(), to: z.unknown() })) });

export const orgsRoutes: ApiRoute[] = [
  { method: 'post', path: '/orgs', summary: 'Create an organisation (without Slack); the id defaults to a slug of the name', body: NewOrgSchema, response: OrgView, statuses: [201, 409] },
  { method: 'get', path: '/orgs/:orgId', summary: 'An organisation', response: OrgView, statuses: [404] },
  { method: 'get', path: '/orgs/:orgId/settings', summary: "An organisation's settings and its connections' send modes", response: SettingsView, statuses: [404] },
  {
    method: 'patch', path: '/orgs/:orgId/settings',
    summary: 'Change some settings: merged with the stored ones (objects one level deep, null removes a member), validated whole, each changed field audited',
    body: OrgSettingsPatchSchema, response: SettingsChangeView, statuses: [404, 422],
  },
];

function view(org: OrganisationDoc): z.infer<typeof OrgView> {
  return { id: org._id, name: org.name, homeCurrency: org.homeCurrency, timeZone: org.timeZone, slackTeamId: org.slackTeamId ?? null, createdAt: org.createdAt.toISOString() };
}

function shown(v: unknown): string {
  return v === null || v === undefined ? 'none' : JSON.stringify(v);
}

export function orgsRouter(deps: { store: Store; now?: () => Date }): Router {
  const { store } = deps;
  const now = deps.now ?? (() => new Date());
  const router = Router();

  const orgOf = async (req: Request): Promise<OrganisationDoc> => {
    const id = String(req.params['orgId']);
    const org = await store.organisations.get(id);
    if (!org) throw new AppError('not_found', `organisation ${id} does not exist`);
    return org;
  };

  const settingsView = async (org: OrganisationDoc): Promise<z.infer<typeof SettingsView>> => ({
    orgId: org._id,
    settings: orgSettingsOf(org),
    connections: (await store.connections.listByOrg(org._id)).map((c) => ({ id: c._id, provider: c.provider, companyName: c.companyName, status: c.status, sendMode: c.sendMode ?? 'dry-run' })),
  });

  router.post('/orgs', async (req, res) => {
    const input = parseInput(NewOrgSchema, req.body);
    const org = await createOrganisation(store, input, { actor: actorOf(req), now: now(), channel: 'api' });
    res.status(201).json(view(org));
  });

  router.get('/orgs/:orgId', async (req, res) => {
    res.json(view(await orgOf(req)));
  });

  router.get('/orgs/:orgId/settings', async (req, res) => {
    res.json(await settingsView(await orgOf(req)));
  });

  router.patch('/orgs/:orgId/settings', async (req, res) => {
    const org = await orgOf(req);
    const patch = parseInput(OrgSettingsPatchSchema, req.body);
    const r = await applySettingsPatch(store, org, patch, { actor: actorOf(req), at: now(), channel: 'api' });
    if (!r.ok) throw new AppError('unprocessable', 'invalid settings', r.problems);
    const after = await store.organisations.get(org._id);
    res.json({ ...(await settingsView(after ?? org)), changes: r.changes });
  });

  return router;
}

/**
 * Apply a settings patch (the one way settings change: the admin API's PATCH and the console's settings page):
 * merged with the stored settings, validated whole (problems by field path, nothing written), each changed
 * field audited from → to on the organisation's chain; the kill switch and the send mode written through
 * src/settings/outbound.ts. The send mode is applied to each of the organisation's connections whenever the
 * patch gives it.
 */
export async function applySettingsPatch(
  store: Store,
  org: OrganisationDoc,
  patch: OrgSettingsPatch,
  by: { actor: AuditActor; at: Date; channel: 'api' | 'slack' },
): Promise<{ ok: true; changes: SettingsChange[] } | { ok: false; problems: Problem[] }> {
  const current = orgSettingsOf(org);
  const parsed = OrgSettingsSchema.safeParse(mergeSettings(current, patch));
  if (!parsed.success) return { ok: false, problems: problemsOf(parsed.error) };
  const next = parsed.data;
  const { actor, at, channel } = by;
  const changes: SettingsChange[] = settingsChanges(current, next);
  const stored = changes.filter((c) => c.field !== 'killSwitch');
  if (stored.length > 0) {
    await store.organisations.update(org._id, storedSettings(org, next), at);
    await store.audit.append({
      orgId: org._id, accountId: orgAuditAccount(org._id), actor, channel, action: 'org.settings.changed', invoiceIds: [],
      outcome: `settings changed: ${stored.map((c) => `${c.field} ${shown(c.from)} → ${shown(c.to)}`).join('; ')}`.slice(0, 4000),
      details: { changes: stored }, at,
    });
  }
  if (changes.some((c) => c.field === 'killSwitch')) {
    if (next.killSwitch.paused) await pauseOutbound(store, org._id, next.killSwitch.reason, { actor, at, channel });
    else await resumeOutbound(store, org._id, { actor, at, channel });
  }
  // The organisation's send mode applies to each of its connections whenever it is given (each change audited).
  if (patch.sendMode !== undefined) {
    for (const c of await store.connections.listByOrg(org._id)) {
      if ((c.sendMode ?? 'dry-run') !== patch.sendMode) await setConnectionSendMode(store, c._id, patch.sendMode, { actor, at, channel });
    }
  }
  return { ok: true, changes };
}

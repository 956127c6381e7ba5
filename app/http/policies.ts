// The admin API's escalation policies (under /api, behind the admin token):
// PUT /orgs/:orgId/policy saves the body as the organisation's next policy
// version (validated first: 422 lists every problem, nothing is saved);
// GET /orgs/:orgId/policy answers the current one (or the default ladder) and
// the list of versions. Workers and the web role pick a new version up within
// their policy source's cache time (src/planning/policy-source.ts).
import { Router } from 'express';
import { AppError } from '../../src/errors.js';
import { DEFAULT_CHOICE } from '../../src/planning/policy-source.js';
import { PolicySchema } from '../../src/engine/index.js';
import type { Store } from '../../src/store/store.js';
import type { ApiRoute } from './parse.js';

export const policiesRoutes: ApiRoute[] = [
  { method: 'put', path: '/orgs/:orgId/policy', summary: "Save the organisation's next escalation policy version (validated: 422 lists every problem)", body: PolicySchema, statuses: [201, 404] },
  { method: 'get', path: '/orgs/:orgId/policy', summary: 'The current policy (or the default ladder) and the list of versions', statuses: [404] },
];

export function policiesRouter(deps: { store: Store; now?: () => Date }): Router {
  const router = Router();
  const now = deps.now ?? (() => new Date());

  const org = async (id: string) => {
    if (!(await deps.store.organisations.get(id))) throw new AppError('not_found', `organisation ${id} does not exist`);
    return id;
  };

  router.put('/orgs/:orgId/policy', async (req, res) => {
    const orgId = await org(String(req.params['orgId']));
    const saved = await deps.store.policies.save(orgId, req.body, now(), { kind: 'system', id: 'admin-api', name: 'Overdue admin API' });
    res.status(201).json({ orgId, version: saved.version, name: saved.policy.name });
  });

  router.get('/orgs/:orgId/policy', async (req, res) => {
    const orgId = await org(String(req.params['orgId']));
    const current = await deps.store.policies.current(orgId);
    const versions = (await deps.store.policies.list(orgId)).map((v) => ({ version: v.version, createdAt: v.createdAt.toISOString() }));
    res.json(
      current
        ? { orgId, version: current.version, name: current.policy.name, policy: current.policy, versions }
        : { orgId, version: null, name: DEFAULT_CHOICE.name, policy: DEFAULT_CHOICE.policy, versions },
    );
  });

  return router;
}

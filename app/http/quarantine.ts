// The admin API's view of planning's quarantine (under /api, behind the admin
// token): GET /orgs/:orgId/quarantine lists the accounts whose planning failed
// and that are set aside (src/planning/quarantine.ts) — the error, where it
// failed, since when and how many passes failed. Every planning pass retries
// them; the first success releases the account (audited `account.released`).
import { Router } from 'express';
import { AppError } from '../../src/errors.js';
import { Quarantine } from '../../src/planning/quarantine.js';
import type { Store } from '../../src/store/store.js';
import type { ApiRoute } from './parse.js';

export const quarantineRoutes: ApiRoute[] = [
  { method: 'get', path: '/orgs/:orgId/quarantine', summary: 'Accounts whose planning failed and that are set aside (retried every pass)', statuses: [404] },
];

export function quarantineRouter(deps: { store: Store }): Router {
  const router = Router();
  const quarantine = new Quarantine(deps.store);

  router.get('/orgs/:orgId/quarantine', async (req, res) => {
    const orgId = String(req.params['orgId']);
    if (!(await deps.store.organisations.get(orgId))) throw new AppError('not_found', `organisation ${orgId} does not exist`);
    const accounts = (await quarantine.listByOrg(orgId)).map((q) => ({
      customerId: q._id,
      accountName: q.accountName,
      error: q.error,
      stage: q.stage,
      since: q.since.toISOString(),
      lastFailedAt: q.lastFailedAt.toISOString(),
      failures: q.failures,
    }));
    res.json({ orgId, accounts });
  });

  return router;
}

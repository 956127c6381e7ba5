// Per-customer overrides through the admin API (under /api, behind the admin
// token): GET and PATCH /api/accounts/:id/overrides — exclusion ("do not chase"),
// strategic, personal guarantee, time zone, language. PATCH checks everything
// first (422 listing every problem, nothing written), then writes field by field
// ($set / $unset of overrides.<field>: the custom ladder's policyVersion is left
// alone), audits each change with who and from → to, and asks for a re-plan so
// the account's outbox follows at once. The meaning is src/planning/overrides.ts.
import { Router } from 'express';
import { localDate } from '../../src/domain/calendar.js';
import { AppError } from '../../src/errors.js';
import { applyOverrides } from '../../src/planning/account-edits.js';
import { OverridesPatch, overridesView, OverridesView } from '../../src/planning/overrides.js';
import { accountStates } from '../../src/planning/state.js';
import type { Store } from '../../src/store/store.js';
import type { CustomerDoc, OrganisationDoc } from '../../src/store/types.js';
import { actorOf, parseInput, type ApiRoute } from './parse.js';

export const overridesRoutes: ApiRoute[] = [
  {
    method: 'get',
    path: '/accounts/:id/overrides',
    summary: "An account's per-customer overrides (exclusion, strategic, guarantee, time zone, language, custom ladder version) and what it is planned with",
    response: OverridesView,
  },
  {
    method: 'patch',
    path: '/accounts/:id/overrides',
    summary: 'Change per-customer overrides field by field (null lifts one); every change audited with who and from → to; the account is planned again. A guarantee names an existing contact (contactId) or the guarantor ({ guarantor: { name, email, phone } }), who is then entered as a contact with the guarantor role',
    body: OverridesPatch,
    response: OverridesView.extend({ changed: OverridesView.shape.overrides.keyof().array() }),
    statuses: [404, 422],
  },
];

async function accountOf(store: Store, id: string): Promise<{ customer: CustomerDoc; org: OrganisationDoc }> {
  const customer = await store.customers.get(id);
  if (!customer) throw new AppError('not_found', `account ${id} does not exist`);
  const org = await store.organisations.get(customer.orgId);
  if (!org) throw new AppError('not_found', `the organisation of account ${id} does not exist`);
  return { customer, org };
}

export function overridesRouter(deps: { store: Store; now?: () => Date }): Router {
  const router = Router();
  const now = deps.now ?? (() => new Date());
  const states = accountStates(deps.store.db);

  router.get('/accounts/:id/overrides', async (req, res) => {
    const { customer, org } = await accountOf(deps.store, String(req.params['id']));
    const state = await states.get(customer._id);
    const zone = state?.overrides?.timeZone ?? customer.timeZone ?? org.timeZone;
    res.json(overridesView(customer, state, org.timeZone, localDate(now(), zone)));
  });

  router.patch('/accounts/:id/overrides', async (req, res) => {
    const { customer, org } = await accountOf(deps.store, String(req.params['id']));
    const patch = parseInput(OverridesPatch, req.body);
    // The same function as the console's account page (src/planning/account-edits.ts).
    const r = await applyOverrides(deps.store, customer, org, patch, { actor: actorOf(req), channel: 'api', at: now() });
    if (!r.ok) throw new AppError('unprocessable', 'invalid request body', r.problems);
    const after = await states.get(customer._id);
    res.json({ ...overridesView(customer, after, org.timeZone, r.today), changed: r.changes.map((c) => c.field) });
  });

  return router;
}

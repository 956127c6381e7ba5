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
import { describeChange, OverridesPatch, overridesView, OverridesView, planOverrides } from '../../src/planning/overrides.js';
import { ReplanRequests } from '../../src/planning/requests.js';
import { applyEntered, enteredContactAudit, type EnteredChange } from '../../src/planning/contacts.js';
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
  const replans = new ReplanRequests(deps.store.db);

  router.get('/accounts/:id/overrides', async (req, res) => {
    const { customer, org } = await accountOf(deps.store, String(req.params['id']));
    const state = await states.get(customer._id);
    const zone = state?.overrides?.timeZone ?? customer.timeZone ?? org.timeZone;
    res.json(overridesView(customer, state, org.timeZone, localDate(now(), zone)));
  });

  router.patch('/accounts/:id/overrides', async (req, res) => {
    const { customer, org } = await accountOf(deps.store, String(req.params['id']));
    const patch = parseInput(OverridesPatch, req.body);
    const actor = actorOf(req);
    const at = now();
    const state = await states.get(customer._id);
    // The end date is the account's: in the zone it is planned in after this change.
    const zone = (patch.timeZone !== undefined ? patch.timeZone : state?.overrides?.timeZone) ?? customer.timeZone ?? org.timeZone;
    const plan = planOverrides(patch, customer, state, actor.id, localDate(at, zone), at);
    if (plan.problems.length > 0) throw new AppError('unprocessable', 'invalid request body', plan.problems);
    // A guarantee naming a person: the guarantor becomes an entered contact of the account (role guarantor), audited like any entry.
    let entered: EnteredChange | null = null;
    const person = plan.enterGuarantor;
    if (person) {
      await states.updateContacts(customer._id, customer.orgId, (current) => {
        const applied = applyEntered(current, person, actor.id, at);
        entered = applied.change;
        return applied.change ? applied.contacts : null;
      }, at);
      if (entered) await deps.store.audit.append(enteredContactAudit(customer.orgId, customer._id, actor, 'api', entered, at));
    }
    if (entered && plan.changes.length === 0) await replans.request(customer._id, `api:${actor.id}`, at);
    if (plan.changes.length > 0) {
      await states.setOverrides(customer._id, customer.orgId, plan.set, plan.unset, at);
      for (const c of plan.changes) {
        await deps.store.audit.append({
          orgId: customer.orgId, accountId: customer._id, actor, channel: 'api', action: 'account.override', invoiceIds: [],
          outcome: describeChange(c), details: { field: c.field, from: c.from, to: c.to }, at,
        });
      }
      await replans.request(customer._id, `api:${actor.id}`, at);
    }
    const after = await states.get(customer._id);
    res.json({ ...overridesView(customer, after, org.timeZone, localDate(at, zone)), changed: plan.changes.map((c) => c.field) });
  });

  return router;
}

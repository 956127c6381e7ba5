// Admin API (mounted under /api, behind the admin token, JSON bodies parsed):
// the people of an organisation (email, Slack user, roles — a CSV import
// converts to this), linking an installed Slack workspace to its organisation,
// customers' assignments (./assignments.ts), and for order systems an account's
// credit status and lifting prepay-only.
import { Router } from 'express';
import { may, refusal } from '../../src/domain/authorization.js';
import { cappedText } from '../../src/domain/human-input.js';
import { z } from 'zod';
import { AppError } from '../../src/errors.js';
import { LookalikeFlags } from '../../src/store/lookalike.js';
import type { Store } from '../../src/store/store.js';
import type { AuditActor } from '../../src/store/types.js';
import { People, personRoles } from '../../slack/services/people.js';
import { CreditFlags, liftPrepayOnly } from '../../slack/services/credit-flags.js';
import { INSTALLATIONS_COLLECTION } from '../../slack/services/installations.js';
import { assignmentsRouter } from './assignments.js';
import { parseInput, type ApiRoute } from './parse.js';

const PeopleBody = z.object({
  orgId: z.string().min(1),
  people: z
    .array(
      z.object({
        email: z.email(),
        name: cappedText('name'),
        slackUserId: z.string().regex(/^[UW][A-Z0-9]+$/).optional(),
        roles: z.array(z.enum(personRoles)).min(1),
      }),
    )
    .min(1)
    .max(5_000),
});

const LinkBody = z.object({ orgId: z.string().min(1) });

/** Who lifts prepay-only (the admin token names nobody: the caller says who asked, by email). */
const LiftBody = z.object({ reason: cappedText('reason'), by: z.email().optional() });

/** The routes of adminRouter itself (its assignments: assignmentsRoutes). */
export const adminRoutes: ApiRoute[] = [
  { method: 'put', path: '/slack/people', summary: 'Add or update the people of an organisation (email, name, Slack user, roles)', body: PeopleBody, statuses: [404] },
  { method: 'get', path: '/slack/people/:orgId', summary: 'The people of an organisation' },
  { method: 'post', path: '/slack/installations/:teamId/link', summary: 'Link an installed Slack workspace to an organisation', body: LinkBody, statuses: [404] },
  { method: 'get', path: '/accounts/:id/credit-status', summary: 'For order systems: whether an account is on credit hold or prepay-only, and whether it looks like a known bad payer', statuses: [404] },
  { method: 'post', path: '/accounts/:id/prepay-only/lift', summary: 'Lift prepay-only (set by an agency referral); audited once', body: LiftBody, statuses: [403, 404, 409] },
];

export function adminRouter(deps: { store: Store; now?: () => Date }): Router {
  const router = Router();
  const people = new People(deps.store.db);
  const creditFlags = new CreditFlags(deps.store.db);
  const lookalikeFlags = new LookalikeFlags(deps.store.db);
  const now = deps.now ?? (() => new Date());

  // Customers' sales reps and collectors: PUT/GET /orgs/:orgId/assignments (app/http/assignments.ts).
  router.use(assignmentsRouter(deps));

  router.put('/slack/people', async (req, res) => {
    const body = parseInput(PeopleBody, req.body);
    if (!(await deps.store.organisations.get(body.orgId))) throw new AppError('not_found', `organisation ${body.orgId} does not exist`);
    for (const p of body.people) await people.upsert({ orgId: body.orgId, email: p.email, name: p.name, roles: p.roles, ...(p.slackUserId ? { slackUserId: p.slackUserId } : {}) }, now());
    res.json({ upserted: body.people.length });
  });

  router.get('/slack/people/:orgId', async (req, res) => {
    const list = await deps.store.db.collection(People.COLLECTION).find({ orgId: req.params['orgId'] }).sort({ _id: 1 }).toArray();
    res.json({ people: list });
  });

  router.post('/slack/installations/:teamId/link', async (req, res) => {
    const { orgId } = parseInput(LinkBody, req.body);
    const teamId = String(req.params['teamId']);
    if (!(await deps.store.organisations.get(orgId))) throw new AppError('not_found', `organisation ${orgId} does not exist`);
    const r = await deps.store.db.collection(INSTALLATIONS_COLLECTION).updateOne({ _id: `team:${teamId}` as never }, { $set: { orgId, updatedAt: now() } });
    if (r.matchedCount === 0) throw new AppError('not_found', `no Slack installation for team ${teamId}`);
    await deps.store.organisations.linkSlackTeam(orgId, teamId, now()); // the organisation names its workspace back
    res.json({ teamId, orgId });
  });

  // For order systems: is this account on credit hold (placed from Slack), and is it prepay-only (referred to
  // the collection agency)?
  router.get('/accounts/:id/credit-status', async (req, res) => {
    const id = String(req.params['id']);
    if (!(await deps.store.customers.get(id))) throw new AppError('not_found', `account ${id} does not exist`);
    const [hold, flags, lookalikes] = await Promise.all([deps.store.creditHolds.activeForCustomer(id), creditFlags.get(id), lookalikeFlags.forCustomer(id)]);
    const prepay = {
      prepayOnly: flags?.prepayOnly === true,
      prepayOnlySince: flags?.prepayOnly === true ? flags.since.toISOString() : null,
      prepayOnlyLiftedAt: flags?.prepayOnly === false && flags.liftedAt ? flags.liftedAt.toISOString() : null,
      // Returning bad payers (docs/lookalike.md): flagged while a look-alike flag is not dismissed ("not the same business").
      lookalike: {
        flagged: lookalikes.some((f) => f.status !== 'dismissed'),
        flags: lookalikes.map((f) => ({
          knownAccountId: f.knownId, knownAccountName: f.knownName, knownAs: f.knownReasons, score: f.score, threshold: f.threshold,
          matched: f.matched, status: f.status, since: f.createdAt.toISOString(), decidedAt: f.decidedAt ? f.decidedAt.toISOString() : null,
        })),
      },
    };
    res.json(
      hold
        ? { onHold: true, since: hold.updatedAt.toISOString(), reason: hold.reason, placedBy: hold.decidedBy?.name ?? hold.decidedBy?.id ?? hold.requestedBy.name ?? hold.requestedBy.id, ...prepay }
        : { onHold: false, since: null, reason: null, placedBy: null, ...prepay },
    );
  });

  // Lift prepay-only (set when the account was referred to the agency): audited once, even when two callers lift
  // at the same moment; 409 when the account is not prepay-only.
  router.post('/accounts/:id/prepay-only/lift', async (req, res) => {
    const id = String(req.params['id']);
    const body = parseInput(LiftBody, req.body);
    const customer = await deps.store.customers.get(id);
    if (!customer) throw new AppError('not_found', `account ${id} does not exist`);
    const at = now();
    const person = body.by ? await people.byEmail(customer.orgId, body.by) : null;
    // A named person acts: the one authorization table decides (an unknown address, or a role that may not lift, is refused).
    if (body.by) {
      const v = may(person ? { id: person.email, email: person.email, roles: person.roles } : null, 'liftPrepay', { salesRepEmail: customer.salesRepEmail });
      if (!v.ok) throw new AppError('forbidden', refusal(v, 'liftPrepay'));
    }
    const actor: AuditActor = body.by ? { kind: 'person', id: body.by, ...(person ? { name: person.name } : {}) } : { kind: 'system', id: 'admin-api', name: 'Overdue admin API' };
    const r = await liftPrepayOnly(deps.store, { customerId: id, orgId: customer.orgId, reason: body.reason, actor, channel: 'api', now: at });
    if (!r.lifted) throw new AppError('conflict', r.why === 'already_lifted' ? `prepay-only of ${id} is already lifted` : `account ${id} is not prepay-only`);
    res.json({ prepayOnly: false, prepayOnlyLiftedAt: at.toISOString(), liftedBy: actor.name ?? actor.id, reason: body.reason });
  });

  return router;
}

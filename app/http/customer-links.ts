// The customer's page links in the admin API (docs/customer-page.md):
// - POST /orgs/:orgId/accounts/:customerId/customer-link/revoke: every link of the account issued up to now stops
//   working (the page answers 410 "withdrawn"); the next emails and letters carry new links. Audited
//   (`customer_link.revoked`), with the reason when one is given.
// - GET /orgs/:orgId/accounts/:customerId/customer-link: a link to the page minted now (for a person to send by
//   hand), with its expiry.
import { Router } from 'express';
import { z } from 'zod';
import { CUSTOMER_LINK_TTL_DAYS, customerPageUrl } from '../../src/crypto/customer-link.js';
import { cappedText } from '../../src/domain/human-input.js';
import { AppError } from '../../src/errors.js';
import { customerLinks } from '../../src/store/customer-links.js';
import type { Store } from '../../src/store/store.js';
import { actorOf, parseInput, type ApiRoute } from './parse.js';

const RevokeBody = z.object({ reason: cappedText('reason').optional() }).strict();
const RevokeResponse = z.object({ customerId: z.string(), revokedBefore: z.string() });
const LinkResponse = z.object({ customerId: z.string(), url: z.string(), expiresAt: z.string() });

export const customerLinksRoutes: ApiRoute[] = [
  {
    method: 'post',
    path: '/orgs/:orgId/accounts/:customerId/customer-link/revoke',
    summary: "Revoke every customer page link of the account issued up to now (the page answers 410); later emails and letters carry new links",
    body: RevokeBody,
    response: RevokeResponse,
    statuses: [404, 422],
  },
  {
    method: 'get',
    path: '/orgs/:orgId/accounts/:customerId/customer-link',
    summary: `A customer page link for the account, minted now (valid ${CUSTOMER_LINK_TTL_DAYS} days unless revoked)`,
    response: LinkResponse,
    statuses: [404],
  },
];

export function customerLinksRouter(deps: { store: Store; now: () => Date; key: Buffer; publicBaseUrl: string }): Router {
  const router = Router();
  const links = customerLinks(deps.store.db);

  async function accountOf(orgId: string, customerId: string) {
    const customer = await deps.store.customers.get(customerId);
    if (!customer || customer.orgId !== orgId) throw new AppError('not_found', `no account ${customerId} in organisation ${orgId}`);
    return customer;
  }

  router.post('/orgs/:orgId/accounts/:customerId/customer-link/revoke', async (req, res) => {
    const customer = await accountOf(String(req.params['orgId']), String(req.params['customerId']));
    const body = parseInput(RevokeBody, req.body ?? {});
    const actor = actorOf(req);
    const at = deps.now();
    await links.revoke(customer.orgId, customer._id, actor.id, at);
    await deps.store.audit.append({
      orgId: customer.orgId, accountId: customer._id, actor, channel: 'api', action: 'customer_link.revoked', invoiceIds: [],
      outcome: `customer page links issued up to ${at.toISOString()} revoked${body.reason ? `: ${body.reason}` : ''}`, details: { revokedBefore: at.toISOString(), reason: body.reason ?? null }, at,
    });
    res.json(RevokeResponse.parse({ customerId: customer._id, revokedBefore: at.toISOString() }));
  });

  router.get('/orgs/:orgId/accounts/:customerId/customer-link', async (req, res) => {
    const customer = await accountOf(String(req.params['orgId']), String(req.params['customerId']));
    const at = deps.now();
    // Whole seconds: a link minted in the same second as a revocation counts as revoked (isRevoked is <=).
    const issuedAt = new Date(Math.ceil(at.getTime() / 1000) * 1000 + 1000);
    res.json({ customerId: customer._id, url: customerPageUrl(deps.publicBaseUrl, deps.key, { orgId: customer.orgId, customerId: customer._id, issuedAt }), expiresAt: new Date(issuedAt.getTime() + CUSTOMER_LINK_TTL_DAYS * 86_400_000).toISOString() });
  });
  return router;
}

// The admin API's accounts (under /api, behind the admin token), for integrators
// and the console:
//   GET /orgs/:orgId/accounts?cursor=&limit=&state=&pastDue=   a page of accounts, by id after the cursor
//   GET /accounts/:id                                           one account with its open invoices and contacts
// Balances per currency in minor units; the level, state and next step are the
// planner's decision at the time of the request (src/planning/accounts.ts).
import { Router } from 'express';
import { z } from 'zod';
import { AppError } from '../../src/errors.js';
import { AccountDetailSchema, AccountSummarySchema, API_ACCOUNT_STATES } from '../../src/planning/account-view.js';
import { AccountsReader, decodeCursor, encodeCursor } from '../../src/planning/accounts.js';
import { Planner } from '../../src/planning/plan.js';
import type { PolicySource } from '../../src/planning/policy-source.js';
import type { Store } from '../../src/store/store.js';
import { parseInput, type ApiRoute } from './parse.js';
import { sentDocumentItem, SentDocumentItem } from './documents.js';
import { sentDocuments } from '../../src/store/sent-documents.js';

export const ACCOUNTS_PAGE_MAX = 500;

export const AccountsQuery = z.object({
  cursor: z.string().min(1).max(2_000).optional().describe('nextCursor of the previous page; none: the first page'),
  limit: z.coerce.number().int().min(1).max(ACCOUNTS_PAGE_MAX).default(100).describe('accounts examined per page'),
  state: z.enum(API_ACCOUNT_STATES).optional().describe('only accounts in this state'),
  pastDue: z.enum(['true', 'false']).optional().describe('only accounts with (true) or without (false) a past-due balance'),
});

export const AccountsPageSchema = z.object({
  orgId: z.string(),
  accounts: z.array(AccountSummarySchema),
  nextCursor: z.string().nullable().describe('pass as ?cursor= for the next page; null on the last page'),
});

/** GET /accounts/:id: the account's detail and the documents sent to it (each with the path of its archived bytes). */
export const AccountDetailWithDocuments = AccountDetailSchema.extend({ documents: z.array(SentDocumentItem).describe('the letters (and statements) sent, as archived, oldest first') });

export const accountsRoutes: ApiRoute[] = [
  {
    method: 'get',
    path: '/orgs/:orgId/accounts',
    summary: "A page of the organisation's accounts (by id; a filtered page may hold fewer than limit, follow nextCursor until null)",
    query: AccountsQuery,
    response: AccountsPageSchema,
    statuses: [404, 422],
  },
  {
    method: 'get',
    path: '/accounts/:id',
    summary: 'One account with its open invoices, contacts and the documents sent to it (links to their archived bytes)',
    response: AccountDetailWithDocuments,
    statuses: [404],
  },
];

export function accountsRouter(deps: { store: Store; policies: PolicySource; now?: () => Date }): Router {
  const router = Router();
  const now = deps.now ?? (() => new Date());
  const accounts = new AccountsReader(deps.store, new Planner(deps.store, { worker: 'admin-api', policies: deps.policies }));

  router.get('/orgs/:orgId/accounts', async (req, res) => {
    const orgId = String(req.params['orgId']);
    const q = parseInput(AccountsQuery, req.query, 'query');
    const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
    if (after === null) throw new AppError('unprocessable', 'invalid query', [{ path: 'cursor', message: 'not a cursor this API gave (use nextCursor of the previous page)' }]);
    const org = await deps.store.organisations.get(orgId);
    if (!org) throw new AppError('not_found', `organisation ${orgId} does not exist`);
    const page = await accounts.page(
      org,
      { limit: q.limit, ...(after !== undefined ? { after } : {}), ...(q.state ? { state: q.state } : {}), ...(q.pastDue ? { pastDue: q.pastDue === 'true' } : {}) },
      now(),
    );
    res.json({ orgId, accounts: page.accounts, nextCursor: page.lastId === null ? null : encodeCursor(page.lastId) });
  });

  router.get('/accounts/:id', async (req, res) => {
    const id = String(req.params['id']);
    const account = await accounts.one(id, now());
    if (!account) throw new AppError('not_found', `account ${id} does not exist`);
    // The account's timeline of what was sent links to the archived copies (app/http/documents.ts), never a re-render.
    res.json({ ...account, documents: (await sentDocuments(deps.store.db).listSent(id)).map(sentDocumentItem) });
  });

  return router;
}

// HTTP routes of the QuickBooks connector: connect, OAuth callback, webhooks,
// and the inbox processor the jobs layer calls.
import express, { type Request, type Response, type Router } from 'express';
import type { Logger } from '../../src/logger.js';
import { connectionId } from '../../src/store/organisations.js';
import type { Store } from '../../src/store/store.js';
import type { OAuthStates } from '../oauth-state.js';
import type { QuickBooksConnector } from './connector.js';
import { parseDelivery } from './webhooks.js';
import { processInbox, type InboxDeps } from '../inbox.js';

export interface QuickBooksRouteDeps {
  connector: QuickBooksConnector;
  states: OAuthStates;
  store: Store;
  logger: Logger;
  now?: () => Date;
  bodyLimit?: string;
}

function page(res: Response, status: number, title: string, text: string): void {
  const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  res.status(status).type('html').send(`<!doctype html><meta charset="utf-8"><title>${esc(title)}</title><h1>${esc(title)}</h1><p>${esc(text)}</p>`);
}

const stateProblems = {
  missing: 'The link back from QuickBooks had no state. Start again from Overdue.',
  forged: 'The link back from QuickBooks was not issued by Overdue. Start again from Overdue.',
  expired: 'The connection request expired. Start again from Overdue.',
  reused: 'This connection link was already used. Start again from Overdue.',
  wrong_provider: 'This link was issued for another platform. Start again from Overdue.',
} as const;

export function quickbooksRouter(deps: QuickBooksRouteDeps): Router {
  const now = deps.now ?? (() => new Date());
  const r = express.Router();

  // A signed connect link (OAuthStates.connectLink) → QuickBooks consent screen.
  r.get('/connect/quickbooks', (req: Request, res: Response) => {
    const link = deps.states.checkConnectLink('quickbooks', req.query, now());
    if (!link.ok) return page(res, 403, 'Link not valid', 'This connect link is invalid or expired. Ask Overdue for a new one.');
    res.redirect(302, deps.connector.authorizeUrl(deps.states.issue('quickbooks', link.orgId, now())));
  });

  r.get('/callback/quickbooks', async (req: Request, res: Response) => {
    if (typeof req.query.error === 'string') return page(res, 400, 'QuickBooks was not connected', `QuickBooks said: ${req.query.error}.`);
    const check = await deps.states.consume('quickbooks', req.query.state, now());
    if (!check.ok) {
      deps.logger.warn({ reason: check.reason }, 'QuickBooks callback refused');
      return page(res, 400, 'QuickBooks was not connected', stateProblems[check.reason]);
    }
    try {
      const conn = await deps.connector.handleCallback({ url: req.originalUrl, orgId: check.orgId });
      page(res, 200, 'QuickBooks connected', `Overdue is now connected to ${conn.companyName}. The first sync has started; you can close this window.`);
    } catch (err) {
      deps.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'QuickBooks callback failed');
      page(res, 502, 'QuickBooks was not connected', 'QuickBooks did not accept the connection. Please try again.');
    }
  });

  // Verify, store (deduplicated), answer. The work happens later (processQuickbooksInbox).
  r.post('/webhooks/quickbooks', express.raw({ type: () => true, limit: deps.bodyLimit ?? '1mb' }), async (req: Request, res: Response) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const verdict = deps.connector.verifyWebhook(raw, req.headers);
    if (!verdict.ok && verdict.reason === 'bad_signature') return void res.status(401).json({ error: { code: 'unauthorized', message: 'bad intuit-signature' } });
    if (!verdict.ok) return void res.status(400).json({ error: { code: 'bad_request', message: verdict.reason === 'malformed' ? verdict.detail : 'malformed' } });
    const known = await Promise.all(verdict.companyIds.map((id) => deps.store.connections.get(connectionId('quickbooks', id))));
    if (!known.some((c) => c !== null)) {
      deps.logger.warn({ companyIds: verdict.companyIds }, 'QuickBooks webhook for an unknown realm: acknowledged, not stored');
      return void res.status(202).json({ status: 'unknown_realm' });
    }
    const stored = await deps.store.inbox.store('quickbooks', verdict.dedupeKey, raw.toString('utf8'), now());
    res.status(200).json({ status: stored ? 'stored' : 'duplicate' });
  });

  return r;
}

/** Process pending QuickBooks deliveries from the inbox (called by a job). Returns how many were handled. */
export function processQuickbooksInbox(deps: Omit<InboxDeps, 'provider' | 'parse'>): Promise<number> {
  return processInbox({ ...deps, provider: 'quickbooks', parse: parseDelivery });
}

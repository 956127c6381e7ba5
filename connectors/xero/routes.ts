// HTTP routes of the Xero connector: connect, OAuth callback, webhooks, and the
// inbox processor the jobs layer calls.
import express, { type Request, type Response, type Router } from 'express';
import type { Logger } from '../../src/logger.js';
import { connectionId } from '../../src/store/organisations.js';
import type { Store } from '../../src/store/store.js';
import type { OAuthStates } from '../oauth-state.js';
import type { XeroConnector } from './connector.js';
import { processInbox, type InboxDeps } from '../inbox.js';
import { parseDelivery } from './webhooks.js';

export interface XeroRouteDeps {
  connector: XeroConnector;
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
  missing: 'The link back from Xero had no state. Start again from Overdue.',
  forged: 'The link back from Xero was not issued by Overdue. Start again from Overdue.',
  expired: 'The connection request expired. Start again from Overdue.',
  reused: 'This connection link was already used. Start again from Overdue.',
  wrong_provider: 'This link was issued for another platform. Start again from Overdue.',
} as const;

export function xeroRouter(deps: XeroRouteDeps): Router {
  const now = deps.now ?? (() => new Date());
  const r = express.Router();

  // A signed connect link (OAuthStates.connectLink) → Xero consent screen (PKCE challenge derived from the state).
  r.get('/connect/xero', (req: Request, res: Response) => {
    const link = deps.states.checkConnectLink('xero', req.query, now());
    if (!link.ok) return page(res, 403, 'Link not valid', 'This connect link is invalid or expired. Ask Overdue for a new one.');
    res.redirect(302, deps.connector.authorizeUrl(deps.states.issue('xero', link.orgId, now())));
  });

  r.get('/callback/xero', async (req: Request, res: Response) => {
    if (typeof req.query.error === 'string') return page(res, 400, 'Xero was not connected', `Xero said: ${req.query.error}.`);
    const check = await deps.states.consume('xero', req.query.state, now());
    if (!check.ok) {
      deps.logger.warn({ reason: check.reason }, 'Xero callback refused');
      return page(res, 400, 'Xero was not connected', stateProblems[check.reason]);
    }
    try {
      const conns = await deps.connector.connectTenants({ url: req.originalUrl, orgId: check.orgId });
      if (conns.length === 0) return page(res, 409, 'Xero was not connected', 'Every organisation you chose is already connected to another Overdue account.');
      page(res, 200, 'Xero connected', `Overdue is now connected to ${conns.map((c) => c.companyName).join(', ')}. The first sync has started; you can close this window.`);
    } catch (err) {
      deps.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'Xero callback failed');
      page(res, 502, 'Xero was not connected', 'Xero did not accept the connection. Please try again.');
    }
  });

  // Verify, store (deduplicated), answer with an empty body. Intent-to-Receive: 200 good, 401 bad.
  r.post('/webhooks/xero', express.raw({ type: () => true, limit: deps.bodyLimit ?? '1mb' }), async (req: Request, res: Response) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const verdict = deps.connector.verifyWebhook(raw, req.headers);
    if (!verdict.ok && verdict.reason === 'bad_signature') return void res.status(401).end();
    if (!verdict.ok) {
      deps.logger.warn({ detail: verdict.reason === 'malformed' ? verdict.detail : '' }, 'Xero webhook: signed but not understood');
      return void res.status(400).end();
    }
    if (verdict.events.length === 0 && verdict.companyIds.length === 0) return void res.status(200).end(); // Intent-to-Receive
    const known = await Promise.all(verdict.companyIds.map((id) => deps.store.connections.get(connectionId('xero', id))));
    if (!known.some((c) => c !== null)) {
      deps.logger.warn({ tenantIds: verdict.companyIds }, 'Xero webhook for unknown tenants: acknowledged, not stored');
      return void res.status(200).end();
    }
    await deps.store.inbox.store('xero', verdict.dedupeKey, raw.toString('utf8'), now());
    res.status(200).end();
  });

  return r;
}

/** Process pending Xero deliveries from the inbox (called by a job). Returns how many were handled. */
export function processXeroInbox(deps: Omit<InboxDeps, 'provider' | 'parse'>): Promise<number> {
  return processInbox({ ...deps, provider: 'xero', parse: parseDelivery });
}

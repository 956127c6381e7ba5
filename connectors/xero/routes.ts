// HTTP routes of the Xero connector: connect, OAuth callback, webhooks, and the
// inbox processor the jobs layer calls.
import express, { type Request, type Response, type Router } from 'express';
import type { Logger } from '../../src/logger.js';
import { connectionId } from '../../src/store/organisations.js';
import type { Store } from '../../src/store/store.js';
import type { ConnectionDoc } from '../../src/store/types.js';
import type { OAuthStates } from '../oauth-state.js';
import { addOAuthRoutes } from '../oauth-routes.js';
import type { XeroConnector } from './connector.js';
import { processInbox, type InboxDeps } from '../inbox.js';
import { announceStored } from '../webhook-stored.js';
import { parseDelivery } from './webhooks.js';

export interface XeroRouteDeps {
  connector: XeroConnector;
  states: OAuthStates;
  store: Store;
  logger: Logger;
  now?: () => Date;
  bodyLimit?: string;
  /** After a consent: start the first sync of each connection stored (jobs/connections.ts). */
  onConnected?: (connections: ConnectionDoc[], by: string | undefined) => Promise<void>;
  /**
   * Called for each known connection of a delivery once it is stored (the composition root enqueues its
   * processing, Services.onWebhookStored). Absent: the worker's periodic job picks the delivery up.
   */
  onStored?: (connectionId: string) => Promise<void>;
}

export function xeroRouter(deps: XeroRouteDeps): Router {
  const now = deps.now ?? (() => new Date());
  const r = express.Router();

  addOAuthRoutes(r, {
    provider: 'xero',
    label: 'Xero',
    states: deps.states,
    logger: deps.logger,
    now,
    authorizeUrl: (state) => deps.connector.authorizeUrl(state),
    complete: async (url, orgId) => deps.connector.connectTenants({ url, orgId }),
    ...(deps.onConnected ? { onConnected: deps.onConnected } : {}),
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
    if (await deps.store.inbox.store('xero', verdict.dedupeKey, raw.toString('utf8'), now())) await announceStored(deps, known);
    res.status(200).end();
  });

  return r;
}

/** Process pending Xero deliveries from the inbox (called by a job). Returns how many were handled. */
export function processXeroInbox(deps: Omit<InboxDeps, 'provider' | 'parse'>): Promise<number> {
  return processInbox({ ...deps, provider: 'xero', parse: parseDelivery });
}

// HTTP routes of the QuickBooks connector: connect, OAuth callback, webhooks,
// and the inbox processor the jobs layer calls.
import express, { type Request, type Response, type Router } from 'express';
import type { Logger } from '../../src/logger.js';
import { connectionId } from '../../src/store/organisations.js';
import type { Store } from '../../src/store/store.js';
import type { ConnectionDoc } from '../../src/store/types.js';
import type { OAuthStates } from '../oauth-state.js';
import { addOAuthRoutes } from '../oauth-routes.js';
import type { QuickBooksConnector } from './connector.js';
import { parseDelivery } from './webhooks.js';
import { processInbox, type InboxDeps } from '../inbox.js';
import { announceStored } from '../webhook-stored.js';

export interface QuickBooksRouteDeps {
  connector: QuickBooksConnector;
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

export function quickbooksRouter(deps: QuickBooksRouteDeps): Router {
  const now = deps.now ?? (() => new Date());
  const r = express.Router();

  addOAuthRoutes(r, {
    provider: 'quickbooks',
    label: 'QuickBooks',
    states: deps.states,
    logger: deps.logger,
    now,
    authorizeUrl: (state) => deps.connector.authorizeUrl(state),
    complete: async (url, orgId) => [await deps.connector.handleCallback({ url, orgId })],
    ...(deps.onConnected ? { onConnected: deps.onConnected } : {}),
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
    if (stored) await announceStored(deps, known);
    res.status(200).json({ status: stored ? 'stored' : 'duplicate' });
  });

  return r;
}

/** Process pending QuickBooks deliveries from the inbox (called by a job). Returns how many were handled. */
export function processQuickbooksInbox(deps: Omit<InboxDeps, 'provider' | 'parse'>): Promise<number> {
  return processInbox({ ...deps, provider: 'quickbooks', parse: parseDelivery });
}

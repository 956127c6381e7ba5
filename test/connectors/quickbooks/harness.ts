// A running QuickBooks setup for tests: the sandbox, a store on the test
// database, the connector pointed at the sandbox, and the app with its routes.
import { QuickBooksConnector, type QuickBooksSettings } from '../../../connectors/quickbooks/connector.js';
import { quickbooksRouter } from '../../../connectors/quickbooks/routes.js';
import type { OAuthStates } from '../../../connectors/oauth-state.js';
import { connectionId } from '../../../src/store/organisations.js';
import type { Store } from '../../../src/store/store.js';
import { QuickBooksSandbox } from '../../sandbox/quickbooks/server.js';
import { openHarness, serveApp } from '../harness-common.js';

export const REALM = '9341453000000001';

export interface Running {
  sandbox: QuickBooksSandbox;
  store: Store;
  connector: QuickBooksConnector;
  states: OAuthStates;
  appUrl: string;
  settings: QuickBooksSettings;
  key: Buffer;
  /** Connect link → sandbox consent → callback; returns the callback response. */
  connect(orgId?: string): Promise<{ status: number; text: string; callbackUrl: string }>;
  makeConnector(owner: string): QuickBooksConnector;
  close(): Promise<void>;
}

export async function startQuickBooks(label: string, seed: Parameters<QuickBooksSandbox['seed']>[1], opts: { retryBaseMs?: number; sandboxNow?: () => Date; onStored?: (connectionId: string) => Promise<void> } = {}): Promise<Running> {
  const base = await openHarness(label, { homeCurrency: 'USD', timeZone: 'America/New_York' });
  const { store, logger, key, states } = base;
  const sandbox = await new QuickBooksSandbox({ clientId: 'client-1', clientSecret: 'secret-1', verifierToken: 'verifier-1', ...(opts.sandboxNow ? { now: opts.sandboxNow } : {}) }).start();
  sandbox.addCompany(REALM, 'Acme Supplies');
  sandbox.seed(REALM, seed);

  const settings: QuickBooksSettings = {
    clientId: 'client-1', clientSecret: 'secret-1', webhookVerifierToken: 'verifier-1', environment: 'sandbox',
    ...sandbox.endpoints, redirectUri: '',
  };
  const retry = { attempts: 8, baseMs: opts.retryBaseMs ?? 5, maxMs: 50 };
  const makeConnector = (owner: string) => new QuickBooksConnector({ store, settings, key, owner, logger, retry });
  const connector = makeConnector('test-process');
  const served = await serveApp(base, 'quickbooks', quickbooksRouter({ connector, states, store, logger, ...(opts.onStored ? { onStored: opts.onStored } : {}) }), sandbox);
  settings.redirectUri = `${served.appUrl}/callback/quickbooks`;
  return { sandbox, store, connector, states, settings, key, makeConnector, ...served };
}

export const connId = connectionId('quickbooks', REALM);

// A running QuickBooks setup for tests: the sandbox, a store on the test
// database, the connector pointed at the sandbox, and the app with its routes.
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { QuickBooksConnector, type QuickBooksSettings } from '../../../connectors/quickbooks/connector.js';
import { quickbooksRouter } from '../../../connectors/quickbooks/routes.js';
import { OAuthStates } from '../../../connectors/oauth-state.js';
import { createApp } from '../../../src/http/app.js';
import { createLogger } from '../../../src/logger.js';
import { connectionId } from '../../../src/store/organisations.js';
import { createStore, ensureIndexes, type Store } from '../../../src/store/store.js';
import { QuickBooksSandbox } from '../../sandbox/quickbooks/server.js';
import { openTestDatabase } from '../../helpers/db.js';

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

export async function startQuickBooks(label: string, seed: Parameters<QuickBooksSandbox['seed']>[1], opts: { retryBaseMs?: number } = {}): Promise<Running> {
  const database = await openTestDatabase(label);
  await ensureIndexes(database.db);
  const store = createStore(database.db);
  const logger = createLogger('silent');
  const sandbox = await new QuickBooksSandbox({ clientId: 'client-1', clientSecret: 'secret-1', verifierToken: 'verifier-1' }).start();
  sandbox.addCompany(REALM, 'Acme Supplies');
  sandbox.seed(REALM, seed);
  await store.organisations.upsert({ _id: 'org1', name: 'Acme', homeCurrency: 'USD', timeZone: 'America/New_York' }, new Date());
  const key = randomBytes(32);
  const states = new OAuthStates(key, store.claims);

  let appUrl = '';
  const settings: QuickBooksSettings = {
    clientId: 'client-1', clientSecret: 'secret-1', webhookVerifierToken: 'verifier-1', environment: 'sandbox',
    ...sandbox.endpoints, redirectUri: '',
  };
  const retry = { attempts: 8, baseMs: opts.retryBaseMs ?? 5, maxMs: 50 };
  const makeConnector = (owner: string) => new QuickBooksConnector({ store, settings, key, owner, logger, retry });
  const connector = makeConnector('test-process');
  const app = createApp({ db: database.db, logger, adminApiToken: undefined, bodyLimit: '1mb', routers: [quickbooksRouter({ connector, states, store, logger })] });
  const server = await new Promise<Server>((res) => {
    const s = app.listen(0, '127.0.0.1', () => res(s));
  });
  const addr = server.address();
  appUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  settings.redirectUri = `${appUrl}/callback/quickbooks`;

  return {
    sandbox, store, connector, states, appUrl, settings, key, makeConnector,
    async connect(orgId = 'org1') {
      const start = await fetch(`${appUrl}/connect/quickbooks?${states.connectLink('quickbooks', orgId, new Date())}`, { redirect: 'manual' });
      const consent = start.headers.get('location') ?? '';
      const approve = await fetch(consent, { redirect: 'manual' });
      const callbackUrl = approve.headers.get('location') ?? '';
      const cb = await fetch(callbackUrl);
      return { status: cb.status, text: await cb.text(), callbackUrl };
    },
    async close() {
      await new Promise<void>((res) => {
        server.close(() => res());
        server.closeAllConnections();
      });
      await sandbox.stop();
      await database.drop();
    },
  };
}

export const connId = connectionId('quickbooks', REALM);

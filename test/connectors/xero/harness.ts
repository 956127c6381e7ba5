// A running Xero setup for tests: the sandbox (several tenants under one login),
// a store on the test database, the connector pointed at the sandbox, and the
// app with its routes.
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { XeroConnector, type XeroConnectorDeps } from '../../../connectors/xero/connector.js';
import type { XeroSettings } from '../../../connectors/xero/oauth.js';
import { xeroRouter } from '../../../connectors/xero/routes.js';
import { OAuthStates } from '../../../connectors/oauth-state.js';
import { createApp } from '../../../src/http/app.js';
import { createLogger } from '../../../src/logger.js';
import { connectionId } from '../../../src/store/organisations.js';
import { createStore, ensureIndexes, type Store } from '../../../src/store/store.js';
import { XeroSandbox } from '../../sandbox/xero/server.js';
import { openTestDatabase } from '../../helpers/db.js';

export const TENANT_A = '0a1b2c3d-0000-4000-a000-00000000000a';
export const TENANT_B = '0a1b2c3d-0000-4000-a000-00000000000b';
export const connA = connectionId('xero', TENANT_A);
export const connB = connectionId('xero', TENANT_B);

export interface RunningXero {
  sandbox: XeroSandbox;
  store: Store;
  connector: XeroConnector;
  states: OAuthStates;
  appUrl: string;
  settings: XeroSettings;
  key: Buffer;
  /** Connect link → sandbox consent → callback; returns the callback response. */
  connect(orgId?: string): Promise<{ status: number; text: string; callbackUrl: string }>;
  makeConnector(owner: string, extra?: Partial<XeroConnectorDeps>): XeroConnector;
  close(): Promise<void>;
}

export type Seed = Parameters<XeroSandbox['seed']>[1];

export async function startXero(label: string, seeds: { a: Seed; b?: Seed }, opts: { retryBaseMs?: number; connector?: Partial<XeroConnectorDeps>; sandboxNow?: () => Date } = {}): Promise<RunningXero> {
  const database = await openTestDatabase(label);
  await ensureIndexes(database.db);
  const store = createStore(database.db);
  const logger = createLogger('silent');
  const sandbox = await new XeroSandbox({ clientId: 'xero-client-1', clientSecret: 'xero-secret-1', webhookKey: 'xero-webhook-key-1', ...(opts.sandboxNow ? { now: opts.sandboxNow } : {}) }).start();
  sandbox.addTenant(TENANT_A, 'Demo Company (NZ)', 'NZD');
  sandbox.seed(TENANT_A, seeds.a);
  if (seeds.b) {
    sandbox.addTenant(TENANT_B, 'Demo Company (AU)', 'AUD');
    sandbox.seed(TENANT_B, seeds.b);
  }
  await store.organisations.upsert({ _id: 'org1', name: 'Acme', homeCurrency: 'NZD', timeZone: 'Pacific/Auckland' }, new Date());
  const key = randomBytes(32);
  const states = new OAuthStates(key, store.claims);
  const settings: XeroSettings = { clientId: 'xero-client-1', clientSecret: 'xero-secret-1', webhookKey: 'xero-webhook-key-1', ...sandbox.endpoints, redirectUri: '', httpTimeoutMs: 5_000 };
  const retry = { attempts: 8, baseMs: opts.retryBaseMs ?? 5, maxMs: 50 };
  const makeConnector = (owner: string, extra: Partial<XeroConnectorDeps> = {}) => new XeroConnector({ store, settings, key, owner, logger, retry, ...opts.connector, ...extra });
  const connector = makeConnector('test-process');
  const app = createApp({ db: database.db, logger, adminApiToken: undefined, bodyLimit: '1mb', routers: [xeroRouter({ connector, states, store, logger })] });
  const server = await new Promise<Server>((res) => {
    const s = app.listen(0, '127.0.0.1', () => res(s));
  });
  const addr = server.address();
  const appUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  settings.redirectUri = `${appUrl}/callback/xero`;
  return {
    sandbox, store, connector, states, appUrl, settings, key, makeConnector,
    async connect(orgId = 'org1') {
      const start = await fetch(`${appUrl}/connect/xero?${states.connectLink('xero', orgId, new Date())}`, { redirect: 'manual' });
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

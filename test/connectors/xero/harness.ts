// A running Xero setup for tests: the sandbox (several tenants under one login),
// a store on the test database, the connector pointed at the sandbox, and the
// app with its routes.
import { XeroConnector, type XeroConnectorDeps } from '../../../connectors/xero/connector.js';
import type { XeroSettings } from '../../../connectors/xero/oauth.js';
import { xeroRouter } from '../../../connectors/xero/routes.js';
import type { OAuthStates } from '../../../connectors/oauth-state.js';
import { connectionId } from '../../../src/store/organisations.js';
import type { Store } from '../../../src/store/store.js';
import { XeroSandbox } from '../../sandbox/xero/server.js';
import { openHarness, serveApp } from '../harness-common.js';

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
  const base = await openHarness(label, { homeCurrency: 'NZD', timeZone: 'Pacific/Auckland' });
  const { store, logger, key, states } = base;
  const sandbox = await new XeroSandbox({ clientId: 'xero-client-1', clientSecret: 'xero-secret-1', webhookKey: 'xero-webhook-key-1', ...(opts.sandboxNow ? { now: opts.sandboxNow } : {}) }).start();
  sandbox.addTenant(TENANT_A, 'Demo Company (NZ)', 'NZD');
  sandbox.seed(TENANT_A, seeds.a);
  if (seeds.b) {
    sandbox.addTenant(TENANT_B, 'Demo Company (AU)', 'AUD');
    sandbox.seed(TENANT_B, seeds.b);
  }
  const settings: XeroSettings = { clientId: 'xero-client-1', clientSecret: 'xero-secret-1', webhookKey: 'xero-webhook-key-1', ...sandbox.endpoints, redirectUri: '', httpTimeoutMs: 5_000 };
  const retry = { attempts: 8, baseMs: opts.retryBaseMs ?? 5, maxMs: 50 };
  const makeConnector = (owner: string, extra: Partial<XeroConnectorDeps> = {}) => new XeroConnector({ store, settings, key, owner, logger, retry, ...opts.connector, ...extra });
  const connector = makeConnector('test-process');
  const served = await serveApp(base, 'xero', xeroRouter({ connector, states, store, logger }), sandbox);
  settings.redirectUri = `${served.appUrl}/callback/xero`;
  return { sandbox, store, connector, states, settings, key, makeConnector, ...served };
}

// What the QuickBooks and Xero test harnesses share: a store on a fresh test
// database with the test organisation, the state signer, Overdue's app serving
// the connector's routes on loopback, the browser-like connect flow and teardown.
import { randomBytes } from 'node:crypto';
import type { Router } from 'express';
import { OAuthStates } from '../../connectors/oauth-state.js';
import { createApp } from '../../src/http/app.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { createStore, ensureIndexes, type Store } from '../../src/store/store.js';
import type { Provider } from '../../src/store/types.js';
import { openTestDatabase } from '../helpers/db.js';
import { closeServer, listenLoopback } from '../sandbox/common.js';

export interface HarnessBase {
  database: Awaited<ReturnType<typeof openTestDatabase>>;
  store: Store;
  logger: Logger;
  key: Buffer;
  states: OAuthStates;
}

/** A test database with indexes, the store, and organisation `org1` in the given currency and zone. */
export async function openHarness(label: string, org: { homeCurrency: string; timeZone: string }): Promise<HarnessBase> {
  const database = await openTestDatabase(label);
  await ensureIndexes(database.db);
  const store = createStore(database.db);
  const logger = createLogger('silent');
  await store.organisations.upsert({ _id: 'org1', name: 'Acme', ...org }, new Date());
  const key = randomBytes(32);
  return { database, store, logger, key, states: new OAuthStates(key, store.claims) };
}

export interface ServedApp {
  appUrl: string;
  /** Connect link → sandbox consent → callback; returns the callback response. */
  connect(orgId?: string): Promise<{ status: number; text: string; callbackUrl: string; cookie: string }>;
  /** Stop the app, then the sandbox, then drop the database. */
  close(): Promise<void>;
}

/** Serve Overdue's app with one connector's routes on loopback. */
export async function serveApp(base: HarnessBase, provider: Provider, router: Router, sandbox: { stop(): Promise<void> }): Promise<ServedApp> {
  const { database, logger, states } = base;
  const app = createApp({ db: database.db, logger, adminApiToken: undefined, bodyLimit: '1mb', routers: [router] });
  const { server, url: appUrl } = await listenLoopback(app);
  return {
    appUrl,
    async connect(orgId = 'org1') {
      const start = await fetch(`${appUrl}/connect/${provider}?${states.connectLink(provider, orgId, new Date())}`, { redirect: 'manual' });
      const consent = start.headers.get('location') ?? '';
      // The browser keeps the cookie the connect link set and sends it back with the callback.
      const cookie = start.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
      const approve = await fetch(consent, { redirect: 'manual' });
      const callbackUrl = approve.headers.get('location') ?? '';
      const cb = await fetch(callbackUrl, { headers: { cookie } });
      return { status: cb.status, text: await cb.text(), callbackUrl, cookie };
    },
    async close() {
      await closeServer(server);
      await sandbox.stop();
      await database.drop();
    },
  };
}

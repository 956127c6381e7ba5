// Wiring: the database (given or local), the store, the HTTP server and the
// worker, started for the roles asked and stopped in reverse order.
import type { Server } from 'node:http';
import { hostname } from 'node:os';
import type { Agenda } from 'agenda';
import type { Config } from './config.js';
import { connectDatabase, type Database } from './db/connect.js';
import { startLocalServer, type LocalServer } from './db/local-server.js';
import { createApp } from './http/app.js';
import { documentsRouter } from './documents/router.js';
import type { Logger } from './logger.js';
import { createStore, ensureIndexes, type Store } from './store/store.js';
import { createAgenda, defineJobs } from '../jobs/agenda.js';
import { OAuthStates } from '../connectors/oauth-state.js';
import { QuickBooksConnector } from '../connectors/quickbooks/connector.js';
import { quickbooksRouter } from '../connectors/quickbooks/routes.js';
import { XeroConnector } from '../connectors/xero/connector.js';
import { xeroRouter } from '../connectors/xero/routes.js';
import { allJobs, scheduleRepeatingJobs } from '../jobs/index.js';
import { setSlackDelivery } from '../jobs/slack-deliver.js';
import { slackDeliveryFactory, slackRouter } from '../slack/wiring.js';
import { slackAdminRouter } from '../slack/admin.js';

export type Role = 'all' | 'web' | 'worker';

export interface Service {
  store: Store;
  database: Database;
  /** The address the HTTP server listens on (web role). */
  url?: string;
  agenda?: Agenda;
  stop(): Promise<void>;
}

export async function startService(config: Config, role: Role, logger: Logger): Promise<Service> {
  let local: LocalServer | undefined;
  let uri = config.mongo.uri;
  if (!uri) {
    logger.info('MONGODB_URI is unset: starting a local database server');
    local = await startLocalServer({ dataDir: config.mongo.localDir, progress: (m) => logger.info(m) });
    uri = local.uri;
  }
  let database: Database;
  try {
    database = await connectDatabase(uri, config.mongo.dbName, config.mongo.connectTimeoutMs);
  } catch (err) {
    await local?.stop();
    throw err;
  }
  await ensureIndexes(database.db);
  const store = createStore(database.db);

  let server: Server | undefined;
  let url: string | undefined;
  if (role === 'all' || role === 'web') {
    const routers = [...quickbooksRouters(config, store, logger), ...xeroRouters(config, store, logger)];
    const slack = await slackRouter(config, store, logger, `${hostname()}:${process.pid}`);
    if (slack) routers.push(slack);
    const app = createApp({ db: database.db, logger, adminApiToken: config.secrets.adminApiToken, bodyLimit: config.http.bodyLimit, routers, adminRouters: [documentsRouter({ store }), slackAdminRouter({ store })] });
    server = await new Promise<Server>((res, rej) => {
      const s = app.listen(config.http.port, config.http.host, () => res(s));
      s.once('error', rej);
    });
    const addr = server.address();
    url = `http://${config.http.host}:${typeof addr === 'object' && addr ? addr.port : config.http.port}`;
    logger.info({ url }, 'HTTP server listening');
  }

  let agenda: Agenda | undefined;
  if (role === 'all' || role === 'worker') {
    const worker = `${hostname()}:${process.pid}`;
    agenda = createAgenda(database.db, { name: worker, processEveryMs: 5_000, maxConcurrency: config.worker.concurrency });
    setSlackDelivery(slackDeliveryFactory(config));
    defineJobs(agenda, allJobs, { store, logger, worker, now: () => new Date() });
    await agenda.start();
    await scheduleRepeatingJobs(agenda);
    logger.info({ worker }, 'worker started');
  }

  let stopped = false;
  return {
    store,
    database,
    ...(url ? { url } : {}),
    ...(agenda ? { agenda } : {}),
    async stop() {
      if (stopped) return;
      stopped = true;
      if (server) {
        const s = server;
        await new Promise<void>((res) => {
          s.close(() => res());
          s.closeIdleConnections();
        });
      }
      // Let running jobs finish (up to the grace period), then release what is left.
      if (agenda) {
        await agenda.drain(config.worker.shutdownGraceMs).catch((err: unknown) => logger.warn({ err }, 'drain did not finish'));
        await agenda.stop().catch(() => {});
      }
      await database.close();
      await local?.stop();
    },
  };
}

/** The QuickBooks routes, when QuickBooks and the token key are configured. */
function quickbooksRouters(config: Config, store: Store, logger: Logger) {
  const q = config.quickbooks;
  const key = config.secrets.tokenEncryptionKey;
  if (!q.clientId || !q.clientSecret || !q.webhookVerifierToken || !key) return [];
  const connector = new QuickBooksConnector({
    store, key, logger, owner: `${hostname()}:${process.pid}`,
    settings: {
      clientId: q.clientId, clientSecret: q.clientSecret, webhookVerifierToken: q.webhookVerifierToken, environment: q.environment,
      apiBaseUrl: q.apiBaseUrl, tokenUrl: q.tokenUrl, authorizeUrl: q.authorizeUrl, revokeUrl: q.revokeUrl,
      redirectUri: `${config.http.publicBaseUrl.replace(/\/$/, '')}/callback/quickbooks`,
    },
  });
  return [quickbooksRouter({ connector, states: new OAuthStates(key, store.claims), store, logger, bodyLimit: config.http.bodyLimit })];
}

/** The Xero routes, when Xero and the token key are configured. */
function xeroRouters(config: Config, store: Store, logger: Logger) {
  const x = config.xero;
  const key = config.secrets.tokenEncryptionKey;
  if (!x.clientId || !x.clientSecret || !x.webhookKey || !key) return [];
  const connector = new XeroConnector({
    store, key, logger, owner: `${hostname()}:${process.pid}`,
    settings: {
      clientId: x.clientId, clientSecret: x.clientSecret, webhookKey: x.webhookKey,
      apiBaseUrl: x.apiBaseUrl, identityUrl: x.identityUrl, connectionsUrl: x.connectionsUrl, authorizeUrl: x.authorizeUrl,
      redirectUri: `${config.http.publicBaseUrl.replace(/\/$/, '')}/callback/xero`,
    },
  });
  return [xeroRouter({ connector, states: new OAuthStates(key, store.claims), store, logger, bodyLimit: config.http.bodyLimit })];
}

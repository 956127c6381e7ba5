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
import { outboundRouter } from './http/outbound-router.js';
import type { Logger } from './logger.js';
import { createStore, ensureIndexes, type Store } from './store/store.js';
import { createAgenda, defineJobs } from '../jobs/agenda.js';
import { OAuthStates } from '../connectors/oauth-state.js';
import { QuickBooksConnector } from '../connectors/quickbooks/connector.js';
import { processQuickbooksInbox, quickbooksRouter } from '../connectors/quickbooks/routes.js';
import { XeroConnector } from '../connectors/xero/connector.js';
import { processXeroInbox, xeroRouter } from '../connectors/xero/routes.js';
import { allJobs, scheduleRepeatingJobs } from '../jobs/index.js';
import { setDeadlineScheduler } from '../jobs/plan.js';
import { setSyncWiring, type SyncWiring } from '../jobs/sync.js';
import { configureOutbox, emailOptionsFromConfig, type OutboxWiring } from './outbox/wiring.js';
import { liveBalanceFrom } from './outbox/live-balance.js';
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
  const connectors = buildConnectors(config, store, logger);

  let server: Server | undefined;
  let url: string | undefined;
  if (role === 'all' || role === 'web') {
    const routers = [
      ...(connectors.quickbooks && connectors.states ? [quickbooksRouter({ connector: connectors.quickbooks, states: connectors.states, store, logger, bodyLimit: config.http.bodyLimit })] : []),
      ...(connectors.xero && connectors.states ? [xeroRouter({ connector: connectors.xero, states: connectors.states, store, logger, bodyLimit: config.http.bodyLimit })] : []),
    ];
    const slack = await slackRouter(config, store, logger, `${hostname()}:${process.pid}`);
    if (slack) routers.push(slack);
    const app = createApp({ db: database.db, logger, adminApiToken: config.secrets.adminApiToken, bodyLimit: config.http.bodyLimit, routers, adminRouters: [documentsRouter({ store }), slackAdminRouter({ store }), outboundRouter({ store })] });
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
    configureOutbox(store, workerOutboxWiring(config, store, connectors));
    setSyncWiring(syncWiring(connectors, store, logger, worker));
    // Each account's next evaluation (promise grace end, letter deadline, instalment, snooze end) becomes a one-off job.
    setDeadlineScheduler(store, agenda);
    defineJobs(agenda, allJobs, { store, logger, worker, now: () => new Date() });
    await agenda.start();
    await scheduleRepeatingJobs(agenda, { syncIntervalMinutes: config.worker.syncIntervalMinutes });
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

export interface Connectors {
  /** Signed single-use OAuth state; present whenever a connector is. */
  states?: OAuthStates;
  quickbooks?: QuickBooksConnector;
  xero?: XeroConnector;
}

/** The connectors whose credentials, webhook key and the token key are configured; built once for web and worker. */
function buildConnectors(config: Config, store: Store, logger: Logger): Connectors {
  const key = config.secrets.tokenEncryptionKey;
  if (!key) return {};
  const owner = `${hostname()}:${process.pid}`;
  const base = config.http.publicBaseUrl.replace(/\/$/, '');
  const out: Connectors = { states: new OAuthStates(key, store.claims) };
  const q = config.quickbooks;
  if (q.clientId && q.clientSecret && q.webhookVerifierToken) {
    out.quickbooks = new QuickBooksConnector({
      store, key, logger, owner,
      settings: {
        clientId: q.clientId, clientSecret: q.clientSecret, webhookVerifierToken: q.webhookVerifierToken, environment: q.environment,
        apiBaseUrl: q.apiBaseUrl, tokenUrl: q.tokenUrl, authorizeUrl: q.authorizeUrl, revokeUrl: q.revokeUrl,
        redirectUri: `${base}/callback/quickbooks`,
      },
    });
  }
  const x = config.xero;
  if (x.clientId && x.clientSecret && x.webhookKey) {
    out.xero = new XeroConnector({
      store, key, logger, owner,
      settings: {
        clientId: x.clientId, clientSecret: x.clientSecret, webhookKey: x.webhookKey,
        apiBaseUrl: x.apiBaseUrl, identityUrl: x.identityUrl, connectionsUrl: x.connectionsUrl, authorizeUrl: x.authorizeUrl,
        redirectUri: `${base}/callback/xero`,
      },
    });
  }
  return out;
}

/**
 * What a worker gives the outbox (also the demo's, scripts/demo/world.ts). Customer email (and the
 * agency's referral packet) goes out through SMTP_URL (kept in the outbox while SEND_ENABLED is false).
 * Credit-hold write-backs go through the connectors this process has; the platform's own invoice email
 * and the live balance check (stale sync) use the same connectors.
 */
export function workerOutboxWiring(config: Config, store: Store, connectors: Connectors): OutboxWiring {
  const byProvider = { ...(connectors.quickbooks ? { quickbooks: connectors.quickbooks } : {}), ...(connectors.xero ? { xero: connectors.xero } : {}) };
  return {
    email: emailOptionsFromConfig(config.email),
    connectors: byProvider,
    platformEmail: { connectors: byProvider, sendEnabled: config.email.sendEnabled },
    freshness: { fetchLiveBalance: liveBalanceFrom(store, byProvider) },
    sendEnabled: config.email.sendEnabled,
    rates: { perMinute: config.email.ratePerMinute, perCompanyPerMinute: config.email.ratePerCompanyPerMinute },
  };
}

/** The sync jobs' connectors and inbox processors (also the demo's). */
export function syncWiring(c: Connectors, store: Store, logger: Logger, worker: string): SyncWiring {
  const wiring: SyncWiring = { connectors: {}, processInbox: {} };
  if (c.quickbooks) {
    const connector = c.quickbooks;
    wiring.connectors.quickbooks = connector;
    wiring.processInbox.quickbooks = () => processQuickbooksInbox({ connector, store, logger, worker });
  }
  if (c.xero) {
    const connector = c.xero;
    wiring.connectors.xero = connector;
    wiring.processInbox.xero = () => processXeroInbox({ connector, store, logger, worker });
  }
  return wiring;
}

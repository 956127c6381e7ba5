// The demo's world: a database, the QuickBooks, Xero and Slack sandboxes and the
// SMTP sink on loopback, and Overdue's web side (connect/callback routes,
// webhooks, /slack/events, the admin API) wired from the same pieces and the
// same configuration (loadConfig) that the composition root (app/) uses — with one
// difference: every part takes the simulated clock, so 120 days pass in a
// minute. The worker side is not Agenda's real-time scheduler; `runJob` calls
// the very job handlers Agenda runs (jobs/*.ts) with ctx.now = the clock.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config.js';
import { connectDatabase, type Database } from '../../src/db/connect.js';
import { startLocalServer, type LocalServer } from '../../src/db/local-server.js';
import { documentsRouter } from '../../app/http/documents.js';
import { createApp } from '../../src/http/app.js';
import { outboundRouter } from '../../app/http/outbound.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { buildServices, type Services } from '../../app/services.js';
import { adminRouter } from '../../app/http/admin.js';
import { policiesRouter } from '../../app/http/policies.js';
import { contactsRouter } from '../../app/http/contacts.js';
import { plannerFor } from '../../src/planning/plan.js';
import { ReplanRequests } from '../../src/planning/requests.js';
import { createStore, ensureIndexes, type Store } from '../../src/store/store.js';
import { OAuthStates } from '../../connectors/oauth-state.js';
import { QuickBooksConnector } from '../../connectors/quickbooks/connector.js';
import { quickbooksRouter } from '../../connectors/quickbooks/routes.js';
import { XeroConnector } from '../../connectors/xero/connector.js';
import { xeroRouter } from '../../connectors/xero/routes.js';
import type { JobContext, JobDefinition } from '../../jobs/agenda.js';
import { createSlackApp, slackClient, type SlackApp } from '../../slack/app.js';
import { SlackContext } from '../../slack/services/context.js';
import { PostQueue } from '../../slack/services/post-queue.js';
import { QuickBooksSandbox } from '../../test/sandbox/quickbooks/server.js';
import { SlackSandbox, type SandboxUser } from '../../test/sandbox/slack/server.js';
import { XeroSandbox } from '../../test/sandbox/xero/server.js';
import { startSmtpSink, type SmtpSink } from '../../test/helpers/smtp-sink.js';
import { mailgunInboundRouter } from '../../src/inbound/mailgun.js';
import { inboundStore } from '../../src/inbound/store.js';
import { DEFAULT_INBOUND_MAX_BYTES } from '../../jobs/inbound.js';
import { buildConsole, consoleLinks, ConsoleAuth } from '../../app/console/index.js';
import { customerPageRouter } from '../../app/customer-page/router.js';

export const SECRETS = {
  qbo: { clientId: 'demo-qbo-client', clientSecret: 'demo-qbo-secret', verifierToken: 'demo-qbo-verifier' },
  xero: { clientId: 'demo-xero-client', clientSecret: 'demo-xero-secret', webhookKey: 'demo-xero-webhook-key' },
  mailgun: { signingKey: 'demo-mailgun-signing-key', replySecret: 'demo-reply-address-secret-0123456789' },
  slack: { signingSecret: 'demo-slack-signing-secret-0123456789', botToken: 'xoxb-demo-bot-token' },
} as const;

export interface WorldOptions {
  /** An existing server (the tests' one); unset: a local server in a temp folder, stopped and deleted at the end. */
  mongoUri?: string;
  /** The database of this run, dropped at the end. */
  dbName: string;
  start: Date;
  slackUsers: SandboxUser[];
  logLevel?: string;
  /** Messages of the local database start (the first run builds FerretDB). */
  progress?: (message: string) => void;
}

export interface World {
  clock: { now: Date };
  now: () => Date;
  config: Config;
  store: Store;
  logger: Logger;
  qbo: QuickBooksSandbox;
  xero: XeroSandbox;
  slackSandbox: SlackSandbox;
  slack: SlackApp;
  sink: SmtpSink;
  states: OAuthStates;
  /** Overdue's base URL (loopback). */
  url: string;
  adminToken: string;
  ctx: JobContext;
  /** Inbound messages Mailgun's route stored, waiting for process-inbound-mail (the demo takes them out). */
  inbound: string[];
  /** The key Mailgun signs its inbound posts with. */
  mailgunKey: string;
  /** The web console's sign-in links and sessions (the console is served at url/console). */
  consoleAuth: ConsoleAuth;
  /** Run one job handler, exactly as the worker would, at the simulated time. */
  runJob<T>(def: JobDefinition<T>, data: unknown): Promise<void>;
  /** Real time spent in each job (ms), for the progress lines. */
  timings: Map<string, number>;
  stop(): Promise<void>;
}

export async function startWorld(o: WorldOptions): Promise<World> {
  const clock = { now: o.start };
  const now = () => clock.now;
  const cleanups: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => {});
  };
  try {
    let uri = o.mongoUri;
    if (!uri) {
      const dir = mkdtempSync(join(tmpdir(), 'overdue-demo-db-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      const local: LocalServer = await startLocalServer({ dataDir: dir, ...(o.progress ? { progress: o.progress } : {}) });
      cleanups.push(() => local.stop());
      uri = local.uri;
    }

    // The sandboxes, on the simulated clock. Xero's 60 calls a minute become 60 a second:
    // a simulated day lasts well under a second of real time (the connector paces to match).
    const qbo = await new QuickBooksSandbox({ ...SECRETS.qbo, now }).start();
    cleanups.push(() => qbo.stop());
    const xero = await new XeroSandbox({ ...SECRETS.xero, now }).start();
    xero.limits.windowMs = 1_000;
    cleanups.push(() => xero.stop());
    const slackSandbox = new SlackSandbox({ botToken: SECRETS.slack.botToken, users: o.slackUsers });
    await slackSandbox.start();
    cleanups.push(() => slackSandbox.stop());
    const sink = await startSmtpSink();
    cleanups.push(() => sink.close());

    // Our HTTP server listens first, so PUBLIC_BASE_URL (the OAuth redirect URIs) can name its port.
    const server: Server = createServer();
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
    cleanups.push(() => new Promise<void>((res) => {
      server.close(() => res());
      server.closeAllConnections();
    }));
    const addr = server.address();
    const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;

    const adminToken = randomBytes(24).toString('base64url');
    const config = loadConfig({
      NODE_ENV: 'development',
      LOG_LEVEL: o.logLevel ?? 'silent',
      HOST: '127.0.0.1',
      PORT: '0',
      PUBLIC_BASE_URL: url,
      MONGODB_URI: uri,
      MONGODB_DB: o.dbName,
      TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      ADMIN_API_TOKEN: adminToken,
      QBO_CLIENT_ID: SECRETS.qbo.clientId,
      QBO_CLIENT_SECRET: SECRETS.qbo.clientSecret,
      QBO_WEBHOOK_VERIFIER_TOKEN: SECRETS.qbo.verifierToken,
      QBO_ENVIRONMENT: 'sandbox',
      QBO_API_BASE_URL: qbo.endpoints.apiBaseUrl,
      QBO_OAUTH_TOKEN_URL: qbo.endpoints.tokenUrl,
      QBO_OAUTH_AUTHORIZE_URL: qbo.endpoints.authorizeUrl,
      QBO_OAUTH_REVOKE_URL: qbo.endpoints.revokeUrl,
      XERO_CLIENT_ID: SECRETS.xero.clientId,
      XERO_CLIENT_SECRET: SECRETS.xero.clientSecret,
      XERO_WEBHOOK_KEY: SECRETS.xero.webhookKey,
      XERO_API_BASE_URL: xero.endpoints.apiBaseUrl,
      XERO_IDENTITY_URL: xero.endpoints.identityUrl,
      XERO_CONNECTIONS_URL: xero.endpoints.connectionsUrl,
      XERO_AUTHORIZE_URL: xero.endpoints.authorizeUrl,
      SLACK_SIGNING_SECRET: SECRETS.slack.signingSecret,
      SLACK_BOT_TOKEN: SECRETS.slack.botToken,
      SLACK_API_URL: slackSandbox.apiUrl,
      SMTP_URL: sink.url,
      EMAIL_FROM: 'Northwind Collections <ar@northwind.example>',
      SEND_ENABLED: 'true',
      // Inbound mail (docs/inbound-mail.md): reminders carry a reply address; replies come in through Mailgun's route.
      MAILGUN_WEBHOOK_SIGNING_KEY: SECRETS.mailgun.signingKey,
      INBOUND_REPLY_ADDRESS: 'replies@inbound.northwind.example',
      INBOUND_REPLY_SECRET: SECRETS.mailgun.replySecret,
    });
    const key = config.secrets.tokenEncryptionKey;
    if (!key) throw new Error('no token key');

    const database: Database = await connectDatabase(uri, config.mongo.dbName, config.mongo.connectTimeoutMs);
    cleanups.push(async () => {
      await database.db.dropDatabase();
      await database.close();
    });
    await ensureIndexes(database.db);
    const store = createStore(database.db, { auditChainKey: config.secrets.auditChainKey });
    const logger = createLogger(config.logLevel);
    const worker = 'demo-worker';
    const owner = 'demo-web';

    // The connectors, as app/services.ts builds them, plus the clock.
    const states = new OAuthStates(key, store.claims);
    const q = config.quickbooks;
    const quickbooks = new QuickBooksConnector({
      store, key, logger, owner, now,
      settings: {
        clientId: SECRETS.qbo.clientId, clientSecret: SECRETS.qbo.clientSecret, webhookVerifierToken: SECRETS.qbo.verifierToken, environment: q.environment,
        apiBaseUrl: q.apiBaseUrl, tokenUrl: q.tokenUrl, authorizeUrl: q.authorizeUrl, revokeUrl: q.revokeUrl, redirectUri: `${url}/callback/quickbooks`,
      },
    });
    const x = config.xero;
    const xeroConnector = new XeroConnector({
      store, key, logger, owner, now, perMinute: 60, windowMs: 1_100,
      settings: {
        clientId: SECRETS.xero.clientId, clientSecret: SECRETS.xero.clientSecret, webhookKey: SECRETS.xero.webhookKey,
        apiBaseUrl: x.apiBaseUrl, identityUrl: x.identityUrl, connectionsUrl: x.connectionsUrl, authorizeUrl: x.authorizeUrl, redirectUri: `${url}/callback/xero`,
      },
    });

    // The services object, as app/services.ts builds it once for the web side and the worker (the same policies,
    // outbox settings, connectors and inbox processors), on the simulated clock — but for Slack delivery, which is
    // slack/wiring.ts's slackDeliveryFactory with one difference: its post queue paces each channel at one message
    // per real second (Slack's limit), and a simulated day lasts well under a second of real time, so the pace is
    // compressed here as Xero's limits are.
    const postQueue = new PostQueue({ intervalMs: 10 });
    const ctx: Services = {
      ...buildServices(config, store, logger, { states, quickbooks, xero: xeroConnector }, { now, worker }),
      slack: (s) => {
        const planner = plannerFor(s);
        return new SlackContext({
          store: s.store, client: slackClient({ botToken: SECRETS.slack.botToken, apiUrl: config.slack.apiUrl, logger: s.logger }), logger: s.logger,
          now: s.now, policies: s.policies, replan: (id, at) => planner.plan(id, at), postQueue,
        });
      },
    };
    cleanups.push(() => {
      const t = ctx.outbox.email?.transport;
      if (t && 'close' in t && typeof t.close === 'function') t.close();
    });
    // As slack/wiring.ts: a person's action records a re-plan request; the worker's plan-requested job plans.
    const requests = new ReplanRequests(store.db);
    // The web console (app/console), as app/http/web.ts serves it with the Slack app: the report links each account to its page.
    const consoleAuth = new ConsoleAuth(store);
    const slack = await createSlackApp({
      signingSecret: SECRETS.slack.signingSecret, botToken: SECRETS.slack.botToken, apiUrl: config.slack.apiUrl,
      store, logger, now, policies: ctx.policies, replan: (id, at) => requests.request(id, `slack:${owner}`, at),
      consoleLinks: consoleLinks(consoleAuth, url),
    });
    const inbound: string[] = [];
    const app = createApp({
      db: database.db, logger, adminApiToken: adminToken, bodyLimit: config.http.bodyLimit,
      routers: [
        quickbooksRouter({ connector: quickbooks, states, store, logger, now, bodyLimit: config.http.bodyLimit }),
        xeroRouter({ connector: xeroConnector, states, store, logger, now, bodyLimit: config.http.bodyLimit }),
        slack.router,
        // The customer's page (docs/customer-page.md), as app/http/web.ts mounts it: the demo's emails carry its links.
        customerPageRouter({ services: ctx, slack: slack.services, key: config.secrets.customerLinkKey, bodyLimit: config.http.bodyLimit }),
        // Mailgun's inbound route, as app/http/web.ts mounts it; the stored message's id waits in `inbound` for the
        // demo to run process-inbound-mail (the worker's job) at the simulated time.
        mailgunInboundRouter({
          signingKey: SECRETS.mailgun.signingKey, maxBytes: ctx.inbound?.maxBytes ?? DEFAULT_INBOUND_MAX_BYTES, mail: inboundStore(store.db).mail, claims: store.claims, now, logger,
          onStored: async (id) => {
            inbound.push(id);
          },
        }),
        buildConsole({ services: ctx, slack: slack.services, auth: consoleAuth, bodyLimit: config.http.bodyLimit }),
      ],
      adminRouters: [documentsRouter({ store, now }), adminRouter({ store, now }), outboundRouter({ store, now }), policiesRouter({ store, now }), contactsRouter({ store, now })],
    });
    server.on('request', app);

    const timings = new Map<string, number>();
    return {
      clock, now, config, store, logger, qbo, xero, slackSandbox, slack, sink, states, url, adminToken, ctx, timings, inbound, mailgunKey: SECRETS.mailgun.signingKey, consoleAuth,
      async runJob(def, data) {
        const t0 = performance.now();
        await def.run(def.data.parse(data), ctx, undefined as never);
        await slack.services.drain();
        timings.set(def.name, (timings.get(def.name) ?? 0) + performance.now() - t0);
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

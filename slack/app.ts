// The Slack app: Bolt with an ExpressReceiver whose router the HTTP server mounts
// (POST /slack/events for events, interactions and commands). The signature of
// every request is verified by the receiver (HMAC-SHA256, 5-minute window) and
// answered 401 when it does not match; a timestamp more than 5 minutes in the
// future is refused too, and a replayed interaction is acknowledged and dropped
// (request-guard.ts). Bolt acks over HTTP as soon as a listener
// calls ack() (processBeforeResponse false), and the listener works on after.
// The bot's ids come from the options or from one auth.test at start-up, so Bolt
// never calls auth.test per request.
import { App, ExpressReceiver, LogLevel, webApi, type Logger as BoltLogger } from '@slack/bolt';
import express, { type Router } from 'express';
import type { Logger } from '../src/logger.js';
import type { PolicySource } from '../src/planning/policy-source.js';
import type { Store } from '../src/store/store.js';
import { registerListeners } from './listeners/index.js';
import { interactionKey, slackTimestampGuard } from './request-guard.js';
import { SERVICES } from './listeners/payloads.js';
import { SlackContext, type SlackServiceOptions } from './services/context.js';
import { ensureSlackIndexes } from './services/indexes.js';
import type { ConnectionControls } from './services/connections.js';
import type { ConsoleLinks } from './services/console-link.js';
import type { MongoInstallationStore } from './services/installations.js';
import type { PostQueue } from './services/post-queue.js';
import { onboardingInstallationStore, onboardWorkspace } from './services/onboarding.js';
import { People } from './services/people.js';

export interface SlackOAuthOptions {
  clientId: string;
  clientSecret: string;
  stateSecret: string;
  installationStore: MongoInstallationStore;
  scopes?: string[];
  /** Where Slack's authorize page is (the sandbox's in tests). */
  authorizationUrl?: string;
  /** The full redirect URL registered with Slack (PUBLIC_BASE_URL + /slack/oauth_redirect). */
  redirectUri?: string;
}

/** The routes the Slack app serves: Events API, interactivity and /overdue all post to one endpoint; the OAuth v2 install. */
export const SLACK_EVENTS_PATH = '/slack/events';
export const SLACK_INSTALL_PATH = '/slack/install';
export const SLACK_REDIRECT_PATH = '/slack/oauth_redirect';

/** The bot scopes Overdue asks for at install (the same list as slack/manifest.yml: test/slack-manifest.test.ts). */
export const BOT_SCOPES = ['chat:write', 'im:write', 'users:read', 'users:read.email', 'commands'];

export interface SlackAppOptions {
  signingSecret: string;
  /** One workspace's bot token; with `oauth`, each workspace's installed token is used instead. */
  botToken?: string;
  /** OAuth v2 install (/slack/install, /slack/oauth_redirect) with the installation store. */
  oauth?: SlackOAuthOptions;
  /** The Web API base URL, ending in a slash (https://slack.com/api/ or the sandbox's). */
  apiUrl: string;
  botId?: string;
  botUserId?: string;
  store: Store;
  logger: Logger;
  now?: () => Date;
  /** The organisations' escalation policies (/overdue explains an account by its organisation's). */
  policies: PolicySource;
  replan: (customerId: string, now: Date) => Promise<unknown>;
  approvalsChannel?: string;
  retryConfig?: webApi.RetryOptions;
  /** The per-channel chat.postMessage queue (default: one message a second per channel). */
  postQueue?: PostQueue;
  /** Connect links and disconnecting for App Home's *Connections* (app/http/web.ts). */
  connections?: ConnectionControls;
  /** The ledger's live invoice read (*They say they paid* on a reply card); absent: the last sync's copy is shown. */
  liveBalance?: SlackServiceOptions['liveBalance'];
  /** Sign-in links to the web console (app/console). */
  consoleLinks?: ConsoleLinks;
}

export interface SlackApp {
  app: App;
  router: Router;
  services: SlackContext;
  botUserId: string | null;
  botId: string | null;
}

/** Bolt logs through the service's pino logger. */
export function boltLogger(logger: Logger): BoltLogger {
  let level = LogLevel.INFO;
  const l = logger.child({ component: 'slack' });
  return {
    debug: (...m: unknown[]) => l.debug(m.map(String).join(' ')),
    info: (...m: unknown[]) => l.info(m.map(String).join(' ')),
    warn: (...m: unknown[]) => l.warn(m.map(String).join(' ')),
    error: (...m: unknown[]) => l.error(m.map((x) => (x instanceof Error ? x.stack ?? x.message : String(x))).join(' ')),
    setLevel: (v: LogLevel) => {
      level = v;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

export function slackClient(opts: Pick<SlackAppOptions, 'botToken' | 'apiUrl' | 'retryConfig' | 'logger'>): webApi.WebClient {
  return new webApi.WebClient(opts.botToken, {
    slackApiUrl: opts.apiUrl,
    logger: boltLogger(opts.logger),
    ...(opts.retryConfig ? { retryConfig: opts.retryConfig } : {}),
  });
}

export async function createSlackApp(opts: SlackAppOptions): Promise<SlackApp> {
  const logger = boltLogger(opts.logger);
  const client = slackClient(opts);
  const oauth = opts.oauth;
  if (!oauth && !opts.botToken) throw new Error('the Slack app needs a bot token or OAuth settings');
  await ensureSlackIndexes(opts.store.db);
  let botId = opts.botId ?? null;
  let botUserId = opts.botUserId ?? null;
  if (!oauth && (!botId || !botUserId)) {
    const who = await client.auth.test();
    if (!who.bot_id || !who.user_id) throw new Error('auth.test did not name the bot: is SLACK_BOT_TOKEN a bot token?');
    botId = who.bot_id;
    botUserId = who.user_id;
  }
  const router = express.Router();
  router.use(SLACK_EVENTS_PATH, slackTimestampGuard(() => Date.now())); // before Bolt's verification, on the same wall clock
  const receiver = new ExpressReceiver({
    router,
    signingSecret: opts.signingSecret,
    endpoints: { events: SLACK_EVENTS_PATH },
    processBeforeResponse: false,
    logger,
    ...(oauth
      ? {
          clientId: oauth.clientId,
          clientSecret: oauth.clientSecret,
          stateSecret: oauth.stateSecret,
          scopes: oauth.scopes ?? BOT_SCOPES,
          // Storing an installation also creates or links the workspace's organisation (services/onboarding.ts).
          installationStore: onboardingInstallationStore(oauth.installationStore, (installation) =>
            onboardWorkspace(
              {
                store: opts.store, installations: oauth.installationStore, people: new People(opts.store.db), logger: opts.logger, now: opts.now ?? (() => new Date()),
                clientFor: (token) => slackClient({ botToken: token, apiUrl: opts.apiUrl, logger: opts.logger, ...(opts.retryConfig ? { retryConfig: opts.retryConfig } : {}) }),
              },
              installation,
            ),
          ),
          ...(oauth.redirectUri ? { redirectUri: oauth.redirectUri } : {}),
          installerOptions: {
            directInstall: true,
            installPath: SLACK_INSTALL_PATH,
            redirectUriPath: SLACK_REDIRECT_PATH,
            clientOptions: { slackApiUrl: opts.apiUrl },
            ...(oauth.authorizationUrl ? { authorizationUrl: oauth.authorizationUrl } : {}),
          },
        }
      : {}),
  });
  const app = new App({
    receiver,
    logger,
    clientOptions: { slackApiUrl: opts.apiUrl, ...(opts.retryConfig ? { retryConfig: opts.retryConfig } : {}) },
    // With OAuth Bolt authorises each request from the receiver's installer, i.e. the installation store
    // (bot ids stored at install: no auth.test); with one token the bot's ids are given, so Bolt does not
    // call auth.test per request either.
    ...(oauth ? {} : { token: opts.botToken, botId: botId ?? undefined, botUserId: botUserId ?? undefined }),
  });
  const services = new SlackContext({
    store: opts.store,
    client,
    logger: opts.logger,
    now: opts.now ?? (() => new Date()),
    policies: opts.policies,
    replan: opts.replan,
    ...(opts.approvalsChannel ? { approvalsChannel: opts.approvalsChannel } : {}),
    ...(opts.postQueue ? { postQueue: opts.postQueue } : {}),
    ...(oauth ? { installations: oauth.installationStore } : {}),
    ...(opts.connections ? { connections: opts.connections } : {}),
    ...(opts.liveBalance ? { liveBalance: opts.liveBalance } : {}),
    ...(opts.consoleLinks ? { consoleLinks: opts.consoleLinks } : {}),
  });
  // Events API retries (and duplicates) carry the same event_id: handle each event once. Bolt has
  // already acknowledged events at this point. Interactions and commands are not retried by Slack,
  // but a signed one replayed within the 5 minutes is: it is acknowledged (200) and goes no further.
  app.use(async (args) => {
    const { body, next } = args;
    const eventId = (body as { type?: unknown; event_id?: unknown }).type === 'event_callback' ? (body as { event_id?: unknown }).event_id : undefined;
    if (typeof eventId === 'string' && !(await opts.store.claims.take(`slack:event:${eventId}`, 'slack', new Date()))) return;
    const replayKey = interactionKey(body);
    if (replayKey !== undefined && !(await opts.store.claims.take(replayKey, 'slack', new Date()))) {
      opts.logger.warn({ key: replayKey }, 'slack interaction replayed: acknowledged, not run again');
      await (args as { ack?: () => Promise<void> }).ack?.();
      return;
    }
    await next();
  });
  // A NUL character (U+0000) anywhere in a payload (text, a value, an id): the database refuses it in a
  // filter, so no listener could use it. Refused here, once, for every listener: a command is told why,
  // anything else is acknowledged and goes no further (found by the fuzz suite, test/fuzz-regressions.test.ts).
  app.use(async (args) => {
    if (JSON.stringify(args.body ?? null).includes('\\u0000')) {
      opts.logger.warn('slack request with a NUL character: refused');
      await ackAtOnce(args, 'Overdue cannot read that: it contains a NUL character (U+0000). Remove it and try again.');
      return;
    }
    await args.next();
  });
  // A listener that throws before it acknowledges (a malformed payload its parser refuses) would leave
  // Bolt answering nothing for 3 seconds and then 404, which Slack shows the person as a connection
  // error: acknowledge it at once (a command with a short message), then let app.error log it. When the
  // listener had acknowledged already, the second ack is refused by the receiver and ignored here.
  app.use(async (args) => {
    try {
      await args.next();
    } catch (err) {
      await ackAtOnce(args, 'Overdue could not handle that request (the error is logged). Try again, or ask your admin.');
      throw err;
    }
  });
  app.use(async ({ context, client: requestClient, next }) => {
    // With OAuth the request's client carries that workspace's token.
    context[SERVICES] = oauth ? services.forClient(requestClient) : services;
    services.inFlight += 1;
    try {
      await next();
    } finally {
      services.inFlight -= 1;
    }
  });
  app.error(async (err) => {
    opts.logger.error({ err }, 'slack listener failed');
  });
  registerListeners(app);
  return { app, router: receiver.router, services, botUserId, botId };
}

/**
 * Acknowledge a request that no listener will answer: a slash command with `commandText` (shown to the
 * person), anything else empty. An ack the receiver refuses (already acknowledged) is ignored.
 */
async function ackAtOnce(args: unknown, commandText: string): Promise<void> {
  const { ack, body } = args as { ack?: (response?: string) => Promise<void>; body?: unknown };
  const isCommand = typeof body === 'object' && body !== null && typeof (body as { command?: unknown }).command === 'string';
  await ack?.(isCommand ? commandText : undefined).catch(() => {});
}

// The Slack app: Bolt with an ExpressReceiver whose router the HTTP server mounts
// (POST /slack/events for events, interactions and commands). The signature of
// every request is verified by the receiver (HMAC-SHA256, 5-minute window) and
// answered 401 when it does not match. Bolt acks over HTTP as soon as a listener
// calls ack() (processBeforeResponse false), and the listener works on after.
// The bot's ids come from the options or from one auth.test at start-up, so Bolt
// never calls auth.test per request.
import { App, ExpressReceiver, LogLevel, webApi, type Logger as BoltLogger } from '@slack/bolt';
import type { Router } from 'express';
import type { Logger } from '../src/logger.js';
import type { Store } from '../src/store/store.js';
import { registerListeners } from './listeners/index.js';
import { SERVICES } from './listeners/payloads.js';
import { SlackContext } from './services/context.js';

export interface SlackAppOptions {
  signingSecret: string;
  botToken: string;
  /** The Web API base URL, ending in a slash (https://slack.com/api/ or the sandbox's). */
  apiUrl: string;
  botId?: string;
  botUserId?: string;
  store: Store;
  logger: Logger;
  now?: () => Date;
  replan: (customerId: string, now: Date) => Promise<unknown>;
  approvalsChannel?: string;
  retryConfig?: webApi.RetryOptions;
}

export interface SlackApp {
  app: App;
  router: Router;
  services: SlackContext;
  botUserId: string;
  botId: string;
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
  let botId = opts.botId;
  let botUserId = opts.botUserId;
  if (!botId || !botUserId) {
    const who = await client.auth.test();
    if (!who.bot_id || !who.user_id) throw new Error('auth.test did not name the bot: is SLACK_BOT_TOKEN a bot token?');
    botId = who.bot_id;
    botUserId = who.user_id;
  }
  const receiver = new ExpressReceiver({
    signingSecret: opts.signingSecret,
    endpoints: { events: '/slack/events' },
    processBeforeResponse: false,
    logger,
  });
  const app = new App({
    receiver,
    token: opts.botToken,
    botId,
    botUserId,
    logger,
    clientOptions: { slackApiUrl: opts.apiUrl, ...(opts.retryConfig ? { retryConfig: opts.retryConfig } : {}) },
  });
  const services = new SlackContext({
    store: opts.store,
    client,
    logger: opts.logger,
    now: opts.now ?? (() => new Date()),
    replan: opts.replan,
    ...(opts.approvalsChannel ? { approvalsChannel: opts.approvalsChannel } : {}),
  });
  app.use(async ({ context, next }) => {
    context[SERVICES] = services;
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

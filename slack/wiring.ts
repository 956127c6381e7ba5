// How the service starts the Slack side from configuration: the Bolt app for
// the web role, and the Web API client the worker's delivery job uses. Both
// need SLACK_SIGNING_SECRET / SLACK_BOT_TOKEN; without them Slack is off and
// Slack-bound tasks wait in the `tasks` collection. Both take what they need
// from the services object the composition root built (app/services.ts).
import type { Config } from '../src/config.js';
import type { Logger } from '../src/logger.js';
import type { LiveBalance } from '../src/outbox/dispatcher.js';
import type { InvoiceDoc } from '../src/store/types.js';
import { plannerFor, type PlanningDeps } from '../src/planning/plan.js';
import { ReplanRequests } from '../src/planning/requests.js';
import { createSlackApp, slackClient, SLACK_REDIRECT_PATH, type SlackApp } from './app.js';
import type { ConnectionControls } from './services/connections.js';
import type { ConsoleLinks } from './services/console-link.js';
import { SlackContext } from './services/context.js';
import { MongoInstallationStore } from './services/installations.js';
import { PostQueue } from './services/post-queue.js';

/** What the Slack side takes from the services object. */
export interface SlackDeps extends PlanningDeps {
  logger: Logger;
  now: () => Date;
  /** The outbox's live balance read (reply cards' *They say they paid*), when the connectors are configured. */
  outbox?: { freshness?: { fetchLiveBalance?: (invoice: InvoiceDoc) => Promise<LiveBalance | null> } };
}

/** The web role's Slack app (its router serves /slack/events), or null when Slack is not configured or cannot be reached. */
export async function slackWebApp(config: Config, services: SlackDeps, connections?: ConnectionControls, consoleLinks?: ConsoleLinks): Promise<SlackApp | null> {
  const { store, logger, worker } = services;
  const { signingSecret, botToken, apiUrl, clientId, clientSecret, stateSecret } = config.slack;
  const key = config.secrets.tokenEncryptionKey;
  const oauth =
    clientId && clientSecret && stateSecret && key
      ? { clientId, clientSecret, stateSecret, installationStore: new MongoInstallationStore(store.db, key), redirectUri: `${config.http.publicBaseUrl}${SLACK_REDIRECT_PATH}` }
      : undefined;
  if (!signingSecret || (!botToken && !oauth)) {
    logger.info('Slack is not configured (SLACK_SIGNING_SECRET with SLACK_BOT_TOKEN, or SLACK_CLIENT_ID/SECRET/STATE_SECRET and TOKEN_ENCRYPTION_KEY): /slack/events is off');
    return null;
  }
  // After a person acts, the account is re-planned by the worker (plan-requested, within a minute), not on the
  // web request path: the web process only records the request (one insert, coalesced per account).
  const requests = new ReplanRequests(store.db);
  try {
    const slack = await createSlackApp({
      signingSecret, apiUrl, store, logger, now: services.now, policies: services.policies, replan: (id, at) => requests.request(id, `slack:${worker}`, at),
      ...(oauth ? { oauth } : { botToken }),
      ...(connections ? { connections } : {}),
      ...(services.outbox?.freshness?.fetchLiveBalance ? { liveBalance: services.outbox.freshness.fetchLiveBalance } : {}),
      ...(consoleLinks ? { consoleLinks } : {}),
    });
    logger.info({ botUserId: slack.botUserId, oauth: oauth !== undefined }, `Slack app ready at /slack/events${oauth ? ', install at /slack/install' : ''}`);
    return slack;
  } catch (err) {
    // A Slack outage must not keep the rest of the service down; the endpoint stays off until a restart.
    logger.error({ err }, 'Slack auth.test failed at start-up: /slack/events is off');
    return null;
  }
}

/** The delivery job's Slack services, or null when Slack is not configured (no bot token, no OAuth installs). */
export function slackDeliveryFactory(config: Config): ((ctx: SlackDeps) => SlackContext) | null {
  const { botToken, apiUrl, clientId, clientSecret, stateSecret } = config.slack;
  const key = config.secrets.tokenEncryptionKey;
  const oauth = Boolean(clientId && clientSecret && stateSecret && key);
  if (!botToken && !oauth) return null;
  // One post queue for every run of the worker's Slack jobs, so a channel's pace and a 429's wait carry over.
  const postQueue = new PostQueue();
  return (ctx) => {
    const planner = plannerFor(ctx);
    const installations = oauth && key ? new MongoInstallationStore(ctx.store.db, key) : null;
    const clients = new Map<string, ReturnType<typeof slackClient>>();
    return new SlackContext({
      store: ctx.store,
      client: slackClient({ botToken, apiUrl, logger: ctx.logger }),
      logger: ctx.logger,
      now: ctx.now,
      policies: ctx.policies,
      replan: (id, at) => planner.plan(id, at),
      postQueue,
      ...(installations
        ? {
            clientForOrg: async (orgId: string) => {
              const token = await installations.botTokenForOrg(orgId);
              if (!token) return null;
              const client = clients.get(token) ?? slackClient({ botToken: token, apiUrl, logger: ctx.logger });
              clients.set(token, client);
              return client;
            },
          }
        : {}),
    });
  };
}

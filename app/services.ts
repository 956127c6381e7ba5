// The composition root's one services object (jobs/agenda.ts `Services`): the
// store, clock, logger, this process's name, the connectors and their inbox
// processors, the outbox channels' settings, the Slack factory, the deadline
// scheduler and the organisations' policies. Built ONCE per process from
// configuration and handed to the HTTP app, every job and the Slack app, so the
// web and worker roles read the same policy and nothing is looked up in a
// module-level registry.
import { hostname } from 'node:os';
import type { Agenda } from 'agenda';
import type { Config } from '../src/config.js';
import type { Logger } from '../src/logger.js';
import { liveBalanceFrom } from '../src/outbox/live-balance.js';
import { emailOptionsFromConfig, withCustomerLinks, withReplyAddresses, type OutboxSettings } from '../src/outbox/wiring.js';
import { storedPolicySource } from '../src/planning/policy-source.js';
import type { Store } from '../src/store/store.js';
import type { Provider } from '../src/store/types.js';
import { OAuthStates } from '../connectors/oauth-state.js';
import { QuickBooksConnector } from '../connectors/quickbooks/connector.js';
import { processQuickbooksInbox } from '../connectors/quickbooks/routes.js';
import { XeroConnector } from '../connectors/xero/connector.js';
import { processXeroInbox } from '../connectors/xero/routes.js';
import { agendaJobQueue, type JobQueue, type Services } from '../jobs/agenda.js';
import { deadlineScheduler } from '../jobs/plan.js';
import { webhookTrigger } from '../jobs/sync.js';
import { slackDeliveryFactory } from '../slack/wiring.js';

export type { Services } from '../jobs/agenda.js';

/** This process's name: the owner of claims and leases. */
export function processName(): string {
  return `${hostname()}:${process.pid}`;
}

export interface Connectors {
  /** Signed single-use OAuth state; present whenever a connector is. */
  states?: OAuthStates;
  quickbooks?: QuickBooksConnector;
  xero?: XeroConnector;
}

export interface ServicesOptions {
  /** The worker's Agenda: planning schedules each account's next evaluation on it. Absent on the web role. */
  agenda?: Agenda;
  /** Where one-off jobs are queued (a connection's sync) and cancelled (a disconnect). Default: on `jobQueue` (or `agenda`). */
  jobs?: JobQueue;
  /**
   * An Agenda this process only enqueues on (the web role's, never started): stored webhook deliveries
   * are handed to the workers through it. Default: `agenda`. `jobs` is built on it when not given.
   */
  jobQueue?: Agenda;
  /** Default: the wall clock. */
  now?: () => Date;
  /** Default: processName(). */
  worker?: string;
}

/** The services object of a process (web, worker or both): one per process, built at start-up. */
export function buildServices(config: Config, store: Store, logger: Logger, connectors: Connectors, opts: ServicesOptions = {}): Services {
  const worker = opts.worker ?? processName();
  const slack = slackDeliveryFactory(config);
  const queue = opts.jobQueue ?? opts.agenda;
  return {
    store,
    logger,
    worker,
    now: opts.now ?? (() => new Date()),
    policies: storedPolicySource(store.policies, { organisations: store.organisations }),
    connectors: byProvider(connectors),
    inbox: inboxProcessors(connectors, store, logger, worker),
    outbox: outboxSettings(config, store, connectors),
    ...(slack ? { slack } : {}),
    ...(opts.agenda ? { scheduleDeadline: deadlineScheduler(opts.agenda) } : {}),
    ...(opts.jobs ? { jobs: opts.jobs } : queue ? { jobs: agendaJobQueue(queue, store.db) } : {}),
    ...(queue ? { onWebhookStored: webhookTrigger(queue) } : {}),
    inbound: config.inbound,
  };
}

/** The connectors whose credentials, webhook key and the token key are configured; built once for web and worker. `now`: the clock (default: the wall clock). */
export function buildConnectors(config: Config, store: Store, logger: Logger, now?: () => Date): Connectors {
  const key = config.secrets.tokenEncryptionKey;
  if (!key) return {};
  const owner = processName();
  const base = config.http.publicBaseUrl.replace(/\/$/, '');
  const out: Connectors = { states: new OAuthStates(key, store.claims) };
  const q = config.quickbooks;
  if (q.clientId && q.clientSecret && q.webhookVerifierToken) {
    out.quickbooks = new QuickBooksConnector({
      store, key, logger, owner, ...(now ? { now } : {}),
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
      store, key, logger, owner, ...(now ? { now } : {}),
      settings: {
        clientId: x.clientId, clientSecret: x.clientSecret, webhookKey: x.webhookKey,
        apiBaseUrl: x.apiBaseUrl, identityUrl: x.identityUrl, connectionsUrl: x.connectionsUrl, authorizeUrl: x.authorizeUrl,
        redirectUri: `${base}/callback/xero`,
      },
    });
  }
  return out;
}

function byProvider(c: Connectors): Partial<Record<Provider, QuickBooksConnector | XeroConnector>> {
  return { ...(c.quickbooks ? { quickbooks: c.quickbooks } : {}), ...(c.xero ? { xero: c.xero } : {}) };
}

/**
 * The outbox channels' settings (also the demo's, scripts/demo/world.ts). Customer email (and the agency's
 * referral packet) goes out through SMTP_URL (kept in the outbox while SEND_ENABLED is false). Credit-hold
 * write-backs go through the configured connectors; the platform's own invoice email and the live balance
 * check (stale sync) use the same connectors.
 */
export function outboxSettings(config: Config, store: Store, connectors: Connectors): OutboxSettings {
  const providers = byProvider(connectors);
  return {
    email: withCustomerLinks(withReplyAddresses(emailOptionsFromConfig(config.email), config.inbound.replyMailbox, store), config.secrets.customerLinkKey, config.http.publicBaseUrl),
    connectors: providers,
    platformEmail: { connectors: providers, sendEnabled: config.email.sendEnabled },
    freshness: { fetchLiveBalance: liveBalanceFrom(store, providers) },
    sendEnabled: config.email.sendEnabled,
    rates: { perMinute: config.email.ratePerMinute, perCompanyPerMinute: config.email.ratePerCompanyPerMinute },
  };
}

/** The webhook inbox processors of the configured connectors (the process-webhooks job runs them). */
export function inboxProcessors(c: Connectors, store: Store, logger: Logger, worker: string): Services['inbox'] {
  const inbox: Services['inbox'] = {};
  const { quickbooks, xero } = c;
  if (quickbooks) inbox.quickbooks = (opts) => processQuickbooksInbox({ connector: quickbooks, store, logger, worker, ...opts });
  if (xero) inbox.xero = (opts) => processXeroInbox({ connector: xero, store, logger, worker, ...opts });
  return inbox;
}

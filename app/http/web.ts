// The web role's HTTP app, built from the services object: health and the admin
// API (documents, people and assignments, credit status, outbound switch,
// policies, planning's quarantine, accounts, the OpenAPI document), the connectors' OAuth and webhook routes, and Slack's /slack/events.
import type { Express } from 'express';
import type { Config } from '../../src/config.js';
import { documentsRouter, documentsRoutes } from './documents.js';
import { createApp } from '../../src/http/app.js';
import { outboundRouter, outboundRoutes } from './outbound.js';
import { quickbooksRouter } from '../../connectors/quickbooks/routes.js';
import { xeroRouter } from '../../connectors/xero/routes.js';
import type { SlackApp } from '../../slack/app.js';
import { slackWebApp } from '../../slack/wiring.js';
import type { Connectors, Services } from '../services.js';
import { accountsRouter, accountsRoutes } from './accounts.js';
import { adminRouter, adminRoutes } from './admin.js';
import { assignmentsRoutes } from './assignments.js';
import { contactsRouter, contactsRoutes } from './contacts.js';
import { coreRoutes, openApiRouter } from './openapi.js';
import { orgsRouter, orgsRoutes } from './orgs.js';
import { overridesRouter, overridesRoutes } from './overrides.js';
import { policiesRouter, policiesRoutes } from './policies.js';
import { quarantineRouter, quarantineRoutes } from './quarantine.js';
import { reconciliationRouter, reconciliationRoutes } from './reconciliation.js';
import { connectionsRouter, connectionsRoutes, connectUrl } from './connections.js';
import { inboundRouter, inboundRoutes } from './inbound.js';
import { mailgunInboundRouter } from '../../src/inbound/mailgun.js';
import { inboundStore } from '../../src/inbound/store.js';
import { DEFAULT_INBOUND_MAX_BYTES, queueInboundProcessing } from '../../jobs/inbound.js';
import { afterConsent, disconnectConnection } from '../../jobs/connections.js';
import type { ConnectionDoc } from '../../src/store/types.js';
import { buildConsole, consoleLinks, ConsoleAuth } from '../console/index.js';
import { customerPageRouter } from '../customer-page/router.js';
import { customerLinksRouter, customerLinksRoutes } from './customer-links.js';

export interface WebApp {
  app: Express;
  /** The Slack app behind /slack/events; null when Slack is not configured. */
  slack: SlackApp | null;
}

export async function buildWebApp(config: Config, services: Services, connectors: Connectors): Promise<WebApp> {
  const { store, logger, now } = services;
  const bodyLimit = config.http.bodyLimit;
  // After a consent: audit, and queue the first sync at once (jobs/connections.ts). A stored webhook delivery
  // is processed now, not at the worker's next minute (Services.onWebhookStored).
  const onConnected = (conns: ConnectionDoc[], by: string | undefined) => afterConsent(services, conns, by);
  const hooks = { onConnected, ...(services.onWebhookStored ? { onStored: services.onWebhookStored } : {}) };
  const routers = [
    ...(connectors.quickbooks && connectors.states ? [quickbooksRouter({ connector: connectors.quickbooks, states: connectors.states, store, logger, bodyLimit, ...hooks })] : []),
    ...(connectors.xero && connectors.states ? [xeroRouter({ connector: connectors.xero, states: connectors.states, store, logger, bodyLimit, ...hooks })] : []),
  ];
  const linkDeps = { services, publicBaseUrl: config.http.publicBaseUrl, ...(connectors.states ? { states: connectors.states } : {}) };
  // The web console (app/console): signed in from Slack, so served with the Slack app.
  const consoleAuth = new ConsoleAuth(store);
  const slack = await slackWebApp(
    config,
    services,
    {
      connectUrl: (provider, orgId, slackUserId) => connectUrl(linkDeps, provider, orgId, services.now(), slackUserId)?.url ?? null,
      disconnect: (id, actor) => disconnectConnection(services, id, actor, 'slack'),
    },
    consoleLinks(consoleAuth, config.http.publicBaseUrl),
  );
  if (slack) routers.push(slack.router);
  // Mailgun's inbound route (docs/inbound-mail.md), when its signing key is configured.
  const mailgunKey = services.inbound?.mailgunSigningKey;
  if (mailgunKey) {
    routers.push(mailgunInboundRouter({
      signingKey: mailgunKey, maxBytes: services.inbound?.maxBytes ?? DEFAULT_INBOUND_MAX_BYTES, mail: inboundStore(store.db).mail, claims: store.claims, now, logger,
      onStored: (id) => queueInboundProcessing(services, id),
    }));
  }
  if (slack) routers.push(buildConsole({ services, slack: slack.services, auth: consoleAuth, bodyLimit }));
  // The customer's page (app/customer-page, docs/customer-page.md): public, signed links; the collector is told in Slack when it is configured.
  routers.push(customerPageRouter({ services, slack: slack?.services ?? null, key: config.secrets.customerLinkKey, bodyLimit }));
  // Every admin router's route list: the OpenAPI document is built from these (test/openapi.test.ts holds them to the mounted routes).
  const apiRoutes = [...coreRoutes, ...documentsRoutes, ...adminRoutes, ...assignmentsRoutes, ...outboundRoutes, ...orgsRoutes, ...policiesRoutes, ...quarantineRoutes, ...overridesRoutes, ...accountsRoutes, ...connectionsRoutes, ...contactsRoutes, ...reconciliationRoutes, ...inboundRoutes, ...customerLinksRoutes];
  const app = createApp({
    db: store.db,
    logger,
    adminApiToken: config.secrets.adminApiToken,
    bodyLimit,
    routers,
    adminRouters: [
      documentsRouter({ store, policies: services.policies }),
      adminRouter({ store }),
      outboundRouter({ store }),
      orgsRouter({ store, now }),
      policiesRouter({ store, now, policies: services.policies }),
      quarantineRouter({ store }),
      overridesRouter({ store, now }),
      accountsRouter({ store, policies: services.policies, now }),
      connectionsRouter(linkDeps),
      contactsRouter({ store, now }),
      reconciliationRouter({ store }),
      inboundRouter({ store }),
      customerLinksRouter({ store, now, key: config.secrets.customerLinkKey, publicBaseUrl: config.http.publicBaseUrl }),
      openApiRouter(apiRoutes),
    ],
  });
  return { app, slack };
}

// The web role's HTTP app, built from the services object: health and the admin
// API (documents, people and assignments, credit status, outbound switch,
// policies, planning's quarantine), the connectors' OAuth and webhook routes, and Slack's /slack/events.
import type { Express } from 'express';
import type { Config } from '../../src/config.js';
import { documentsRouter } from './documents.js';
import { createApp } from '../../src/http/app.js';
import { outboundRouter } from './outbound.js';
import { quickbooksRouter } from '../../connectors/quickbooks/routes.js';
import { xeroRouter } from '../../connectors/xero/routes.js';
import type { SlackApp } from '../../slack/app.js';
import { slackWebApp } from '../../slack/wiring.js';
import type { Connectors, Services } from '../services.js';
import { adminRouter } from './admin.js';
import { policiesRouter } from './policies.js';
import { quarantineRouter } from './quarantine.js';

export interface WebApp {
  app: Express;
  /** The Slack app behind /slack/events; null when Slack is not configured. */
  slack: SlackApp | null;
}

export async function buildWebApp(config: Config, services: Services, connectors: Connectors): Promise<WebApp> {
  const { store, logger, now } = services;
  const bodyLimit = config.http.bodyLimit;
  const onStored = services.onWebhookStored ? { onStored: services.onWebhookStored } : {};
  const routers = [
    ...(connectors.quickbooks && connectors.states ? [quickbooksRouter({ connector: connectors.quickbooks, states: connectors.states, store, logger, bodyLimit, ...onStored })] : []),
    ...(connectors.xero && connectors.states ? [xeroRouter({ connector: connectors.xero, states: connectors.states, store, logger, bodyLimit, ...onStored })] : []),
  ];
  const slack = await slackWebApp(config, services);
  if (slack) routers.push(slack.router);
  const app = createApp({
    db: store.db,
    logger,
    adminApiToken: config.secrets.adminApiToken,
    bodyLimit,
    routers,
    adminRouters: [documentsRouter({ store }), adminRouter({ store }), outboundRouter({ store }), policiesRouter({ store, now }), quarantineRouter({ store })],
  });
  return { app, slack };
}

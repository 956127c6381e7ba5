// What the tests that drive the whole web app as a person would share: the
// address to listen on before the app exists (it is the app's PUBLIC_BASE_URL),
// the configuration that points the connectors at the QuickBooks and Xero
// sandboxes, a browser's consent through a connect link, App Home's buttons,
// and waiting for asynchronous work to show.
import { createServer, type Server } from 'node:http';
import type { Express } from 'express';
import type { QuickBooksSandbox } from '../sandbox/quickbooks/server.js';
import { sendEvent } from '../sandbox/slack/signed.js';
import type { XeroSandbox } from '../sandbox/xero/server.js';

/** Listen on 127.0.0.1 first (the address goes into the configuration), serve the app once it is built. */
export async function listenFirst(): Promise<{ server: Server; base: string; serve(app: Express): void }> {
  let app: Express | null = null;
  const server = createServer((req, res) => (app ? app(req, res) : res.writeHead(503).end()));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  return { server, base: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`, serve: (a) => void (app = a) };
}

/** The environment variables of the QuickBooks and Xero apps, pointed at the sandboxes (their secrets as the tests start them). */
export function ledgerSandboxEnv(qbo: QuickBooksSandbox, xero: XeroSandbox): Record<string, string> {
  const q = qbo.endpoints;
  const x = xero.endpoints;
  return {
    QBO_CLIENT_ID: 'qbo-client', QBO_CLIENT_SECRET: 'qbo-secret', QBO_WEBHOOK_VERIFIER_TOKEN: 'qbo-verifier', QBO_ENVIRONMENT: 'sandbox',
    QBO_API_BASE_URL: q.apiBaseUrl, QBO_OAUTH_TOKEN_URL: q.tokenUrl, QBO_OAUTH_AUTHORIZE_URL: q.authorizeUrl, QBO_OAUTH_REVOKE_URL: q.revokeUrl,
    XERO_CLIENT_ID: 'xero-client', XERO_CLIENT_SECRET: 'xero-secret', XERO_WEBHOOK_KEY: 'xero-webhook-key',
    XERO_API_BASE_URL: x.apiBaseUrl, XERO_IDENTITY_URL: x.identityUrl, XERO_CONNECTIONS_URL: x.connectionsUrl, XERO_AUTHORIZE_URL: x.authorizeUrl,
  };
}

/** A browser: follow the connect link, consent at the platform's sandbox, come back with the cookie. */
export async function consent(url: string): Promise<{ status: number; text: string }> {
  const start = await fetch(url, { redirect: 'manual' });
  const cookie = start.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const approve = await fetch(start.headers.get('location') ?? '', { redirect: 'manual' });
  const back = await fetch(approve.headers.get('location') ?? '', { headers: { cookie } });
  return { status: back.status, text: await back.text() };
}

/** Open App Home as Slack does (a signed app_home_opened event). */
export function homeOpener(endpoint: string, signingSecret: string, teamId = 'T0SANDBOX'): (user: string) => ReturnType<typeof sendEvent> {
  let seq = 0;
  return (user) =>
    sendEvent(endpoint, signingSecret, {
      type: 'event_callback', team_id: teamId, api_app_id: 'A0SANDBOX', event_id: `EvHome${++seq}${Date.now()}`, event_time: Math.floor(Date.now() / 1000),
      event: { type: 'app_home_opened', user, channel: `D${user.slice(1)}`, tab: 'home', event_ts: `${Date.now() / 1000}` },
    });
}

export type Button = { action_id: string; url?: string; value?: string; confirm?: unknown };

/** The buttons of a view's or message's action blocks. */
export function buttonsOf(blocksOrView: unknown): Button[] {
  const blocks = Array.isArray(blocksOrView) ? blocksOrView : ((blocksOrView as { blocks?: unknown } | undefined)?.blocks ?? []);
  return (blocks as { type: string; elements?: Button[] }[]).filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []);
}

/** Poll until `probe` answers something (asynchronous work: a job, a Slack post); fails with `what` after `ms`. */
export async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

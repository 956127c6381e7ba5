// The connect and OAuth-callback routes every connector has: a signed connect link
// → the provider's consent screen; the callback checks the single-use state, lets
// the connector exchange the code, and answers a person with a short page.
// Following the connect link sets a cookie with a random nonce (httpOnly,
// SameSite=Lax so it comes back on the provider's redirect, Secure over https);
// the state carries its hash, and a callback without that cookie is refused.
import type { Request, Response, Router } from 'express';
import type { Logger } from '../src/logger.js';
import type { ConnectionDoc, Provider } from '../src/store/types.js';
import { newBrowserNonce, type OAuthStates, type StateProblem } from './oauth-state.js';

export interface OAuthRouteOptions {
  provider: Provider;
  /** The platform's name as people know it: "QuickBooks", "Xero". */
  label: string;
  states: OAuthStates;
  logger: Logger;
  now: () => Date;
  authorizeUrl(state: string): string;
  /** Exchange the code and store the connection(s); the names of the companies connected (none: all were taken). */
  complete(callbackUrl: string, orgId: string): Promise<ConnectionDoc[]>;
  /** After the connection(s) are stored: start the first sync (app/http/web.ts wires it; jobs/connections.ts). `by`: the Slack user the link was minted for. */
  onConnected?: (connections: ConnectionDoc[], by: string | undefined) => Promise<void>;
}

export function htmlPage(res: Response, status: number, title: string, text: string): void {
  const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  res.status(status).type('html').send(`<!doctype html><meta charset="utf-8"><title>${esc(title)}</title><h1>${esc(title)}</h1><p>${esc(text)}</p>`);
}

/** The cookie holding the browser nonce of a provider's connect flow. */
export function oauthCookieName(provider: Provider): string {
  return `overdue_oauth_${provider}`;
}

/** One cookie's value from a Cookie header (no cookie parser needed for one name). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

function stateProblem(reason: StateProblem, label: string): string {
  switch (reason) {
    case 'missing':
      return `The link back from ${label} had no state. Start again from Overdue.`;
    case 'forged':
      return `The link back from ${label} was not issued by Overdue. Start again from Overdue.`;
    case 'expired':
      return 'The connection request expired. Start again from Overdue.';
    case 'reused':
      return 'This connection link was already used. Start again from Overdue.';
    case 'wrong_provider':
      return 'This link was issued for another platform. Start again from Overdue.';
    case 'other_browser':
      return `The connection to ${label} was started in another browser (or its cookie was blocked). Start again from Overdue in this browser.`;
  }
}

/** Add GET /connect/<provider> and GET /callback/<provider> to the router. */
export function addOAuthRoutes(r: Router, o: OAuthRouteOptions): void {
  const failed = `${o.label} was not connected`;
  const cookieName = oauthCookieName(o.provider);

  // A signed connect link (OAuthStates.connectLink) → the consent screen.
  r.get(`/connect/${o.provider}`, (req: Request, res: Response) => {
    const link = o.states.checkConnectLink(o.provider, req.query, o.now());
    if (!link.ok) return htmlPage(res, 403, 'Link not valid', 'This connect link is invalid or expired. Ask Overdue for a new one.');
    const nonce = newBrowserNonce();
    res.cookie(cookieName, nonce, { httpOnly: true, sameSite: 'lax', secure: req.secure, path: '/', maxAge: o.states.ttl });
    res.redirect(302, o.authorizeUrl(o.states.issue(o.provider, link.orgId, o.now(), nonce, link.by)));
  });

  r.get(`/callback/${o.provider}`, async (req: Request, res: Response) => {
    if (typeof req.query.error === 'string') return htmlPage(res, 400, failed, `${o.label} said: ${req.query.error}.`);
    const check = await o.states.consume(o.provider, req.query.state, o.now(), cookieValue(req.get('cookie'), cookieName));
    res.clearCookie(cookieName, { httpOnly: true, sameSite: 'lax', secure: req.secure, path: '/' });
    if (!check.ok) {
      o.logger.warn({ provider: o.provider, reason: check.reason }, 'OAuth callback refused');
      return htmlPage(res, 400, failed, stateProblem(check.reason, o.label));
    }
    try {
      const connected = await o.complete(req.originalUrl, check.orgId);
      const names = connected.map((c) => c.companyName);
      if (names.length === 0) return htmlPage(res, 409, failed, `Every company you chose is already connected to another Overdue account.`);
      if (o.onConnected) {
        // The connection is stored: a failure to queue its first sync is logged (the scheduled syncs still run), not shown as a failed connection.
        await o.onConnected(connected, check.by).catch((err: unknown) => o.logger.error({ provider: o.provider, err: err instanceof Error ? err.message : String(err) }, 'first sync could not be queued'));
      }
      htmlPage(res, 200, `${o.label} connected`, `Overdue is now connected to ${names.join(', ')}. The first sync has started; you can close this window.`);
    } catch (err) {
      o.logger.warn({ provider: o.provider, err: err instanceof Error ? err.message : String(err) }, 'OAuth callback failed');
      htmlPage(res, 502, failed, `${o.label} did not accept the connection. Please try again.`);
    }
  });
}

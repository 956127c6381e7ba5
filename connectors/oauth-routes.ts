// The connect and OAuth-callback routes every connector has: a signed connect link
// → the provider's consent screen; the callback checks the single-use state, lets
// the connector exchange the code, and answers a person with a short page.
import type { Request, Response, Router } from 'express';
import type { Logger } from '../src/logger.js';
import type { Provider } from '../src/store/types.js';
import type { OAuthStates } from './oauth-state.js';

export interface OAuthRouteOptions {
  provider: Provider;
  /** The platform's name as people know it: "QuickBooks", "Xero". */
  label: string;
  states: OAuthStates;
  logger: Logger;
  now: () => Date;
  authorizeUrl(state: string): string;
  /** Exchange the code and store the connection(s); the names of the companies connected (none: all were taken). */
  complete(callbackUrl: string, orgId: string): Promise<string[]>;
}

export function htmlPage(res: Response, status: number, title: string, text: string): void {
  const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  res.status(status).type('html').send(`<!doctype html><meta charset="utf-8"><title>${esc(title)}</title><h1>${esc(title)}</h1><p>${esc(text)}</p>`);
}

function stateProblem(reason: 'missing' | 'forged' | 'expired' | 'reused' | 'wrong_provider', label: string): string {
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
  }
}

/** Add GET /connect/<provider> and GET /callback/<provider> to the router. */
export function addOAuthRoutes(r: Router, o: OAuthRouteOptions): void {
  const failed = `${o.label} was not connected`;

  // A signed connect link (OAuthStates.connectLink) → the consent screen.
  r.get(`/connect/${o.provider}`, (req: Request, res: Response) => {
    const link = o.states.checkConnectLink(o.provider, req.query, o.now());
    if (!link.ok) return htmlPage(res, 403, 'Link not valid', 'This connect link is invalid or expired. Ask Overdue for a new one.');
    res.redirect(302, o.authorizeUrl(o.states.issue(o.provider, link.orgId, o.now())));
  });

  r.get(`/callback/${o.provider}`, async (req: Request, res: Response) => {
    if (typeof req.query.error === 'string') return htmlPage(res, 400, failed, `${o.label} said: ${req.query.error}.`);
    const check = await o.states.consume(o.provider, req.query.state, o.now());
    if (!check.ok) {
      o.logger.warn({ provider: o.provider, reason: check.reason }, 'OAuth callback refused');
      return htmlPage(res, 400, failed, stateProblem(check.reason, o.label));
    }
    try {
      const names = await o.complete(req.originalUrl, check.orgId);
      if (names.length === 0) return htmlPage(res, 409, failed, `Every company you chose is already connected to another Overdue account.`);
      htmlPage(res, 200, `${o.label} connected`, `Overdue is now connected to ${names.join(', ')}. The first sync has started; you can close this window.`);
    } catch (err) {
      o.logger.warn({ provider: o.provider, err: err instanceof Error ? err.message : String(err) }, 'OAuth callback failed');
      htmlPage(res, 502, failed, `${o.label} did not accept the connection. Please try again.`);
    }
  });
}

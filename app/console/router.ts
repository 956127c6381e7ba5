// The web console under /console: one router built from one route list (routes.ts). Around every
// page it does the same things, once:
//   - the session (auth.ts): the cookie's session, else a 401 page saying how to sign in from Slack;
//     the person's roles read afresh, else 403; the admin API's bearer token opens nothing here;
//   - the role a route needs, checked with the one authorization table (src/domain/authorization.ts);
//   - every POST: the session's CSRF token in the form's `_csrf` field (constant-time comparison) and
//     the Origin (or Referer) of this server, else 403;
//   - the answer rendered in the one layout (layout.ts), with a CSP that allows our stylesheet only;
//   - errors as an HTML page with a 4xx (or a plain 500 page, logged): never a stack trace.
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { may, refusal, type Action, type Target, type Verdict } from '../../src/domain/authorization.js';
import { secretsEqual } from '../../src/http/app.js';
import type { OrganisationDoc } from '../../src/store/types.js';
import type { SlackContext } from '../../slack/services/context.js';
import type { PersonDoc } from '../../slack/services/people.js';
import type { Services } from '../services.js';
import { CONSOLE_CSS } from './assets.js';
import { SESSION_COOKIE, SESSION_MAX_MS, type ConsoleAuth, type SessionDoc } from './auth.js';
import { html, type Html } from './html.js';
import { CSS_PATH, csrfField, layout, NAV, type NavKey } from './layout.js';
import { multipartForms } from './multipart.js';

export const CONSOLE_CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export interface ConsoleDeps {
  services: Pick<Services, 'store' | 'now' | 'logger' | 'policies'> & Partial<Pick<Services, 'connectors'>>;
  /** The Slack side's services: people, and the flows the console's actions go through (the same as Slack's). */
  slack: SlackContext;
  auth: ConsoleAuth;
  bodyLimit: string;
}

/** Who is looking: the session, the person (roles read this request) and the one table's answers for them. */
export interface Viewer {
  session: SessionDoc;
  person: PersonDoc;
  org: OrganisationDoc | null;
  may(action: Action, target?: Target): Verdict;
  /** Whether the person may do `action` on every account ('any') or only on their own ('own', a sales rep). */
  scopeOf(action: Action): 'any' | 'own' | null;
}

export type Outcome =
  | { kind: 'page'; title: string; body: Html; nav?: NavKey; status?: number; formAction?: readonly string[] }
  | { kind: 'redirect'; to: string }
  | { kind: 'file'; contentType: string; filename: string; body: string | Buffer; headers?: Record<string, string> };

export interface ConsoleRoute {
  method: 'get' | 'post';
  /** Express path, under /console. */
  path: string;
  /** The action of the authorization table this page or form needs (on some account, at least their own). */
  needs: Action;
  handle(req: Request, viewer: Viewer, deps: ConsoleDeps): Promise<Outcome>;
}

/** An expected refusal: an HTML page with this status. */
export class ConsoleError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly explanation: string,
  ) {
    super(explanation);
  }
}

/** A POST form's fields: strings only (a repeated field is refused). */
export const FormBody = z.record(z.string(), z.string().max(10_000));

/** The form's fields, or a 400 page for a body that is not a plain form. */
export function formOf(req: Request): Record<string, string> {
  const r = FormBody.safeParse(req.body ?? {});
  if (!r.success) throw new ConsoleError(400, 'Form not understood', 'A field of this form was sent twice or is too long.');
  return r.data;
}

const SIGN_IN_HELP = html`<p>To sign in, open Overdue in Slack: press <strong>Open Overdue</strong> on the app's Home tab, or type <code>/overdue console</code>. Slack sends you a link that works once, for 10 minutes.</p>`;

function cookieOf(req: Request, name: string): string | null {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return null;
}

function sessionCookie(value: string, maxAgeSeconds: number): string {
  return `${SESSION_COOKIE}=${value}; Path=/console; HttpOnly; Secure; SameSite=Lax; Max-Age=${maxAgeSeconds}`;
}

/** A POST comes from a page of ours: its Origin (or, without one, its Referer) names this host; a browser's cross-site mark refuses it. */
export function sameOrigin(req: Request): boolean {
  if (req.get('sec-fetch-site') === 'cross-site') return false;
  const from = req.get('origin') ?? req.get('referer');
  if (from === undefined || from === 'null') return from === undefined;
  try {
    return new URL(from).host === req.get('host');
  } catch {
    return false;
  }
}

function navOf(v: Pick<Viewer, 'scopeOf'>): NavKey[] {
  return NAV.filter((n) => (n.key !== 'overview' || v.scopeOf('viewAccounts') === 'any') && (n.needs === undefined || v.scopeOf(n.needs) !== null)).map((n) => n.key);
}

function send(res: Response, o: Outcome, viewer: Viewer | null): void {
  if (o.kind === 'redirect') {
    res.redirect(303, o.to);
    return;
  }
  if (o.kind === 'file') {
    res.status(200).type(o.contentType).setHeader('Content-Disposition', `attachment; filename="${o.filename.replace(/[^A-Za-z0-9._-]/g, '_')}"`);
    for (const [k, val] of Object.entries(o.headers ?? {})) res.setHeader(k, val);
    res.send(o.body);
    return;
  }
  // A page whose forms end at another origin (a connect form's redirects end at the ledger's consent page) names it.
  if (o.formAction && o.formAction.length > 0) res.setHeader('Content-Security-Policy', CONSOLE_CSP.replace("form-action 'self'", `form-action 'self' ${o.formAction.join(' ')}`));
  const v = viewer ? { name: viewer.person.name, orgName: viewer.org?.name ?? viewer.person.orgId, csrf: viewer.session.csrf, navKeys: navOf(viewer) } : undefined;
  res.status(o.status ?? 200).type('html').send(layout({ title: o.title, body: o.body, nav: o.nav, viewer: v }).text);
}

function errorPage(status: number, title: string, explanation: string, extra?: Html): Outcome {
  return { kind: 'page', status, title, body: html`<p>${explanation}</p>${extra ?? ''}` };
}

/** The console's router over its route list (app/console/index.ts passes routes.ts's `consoleRoutes`). */
export function consoleRouter(deps: ConsoleDeps, routes: readonly ConsoleRoute[]): Router {
  const { auth, slack } = deps;
  const now = deps.services.now;
  const router = express.Router();
  const forms = express.urlencoded({ extended: false, limit: deps.bodyLimit, parameterLimit: 100 });
  // Upload forms (enctype multipart/form-data): fields into the body as above, files for uploadsOf().
  const uploads = multipartForms({ maxFileBytes: 5 * 1024 * 1024 });

  router.use('/console', (_req, res, next) => {
    res.setHeader('Content-Security-Policy', CONSOLE_CSP);
    res.setHeader('Cache-Control', 'no-store');
    // same-origin, not no-referrer: with no-referrer a browser sends `Origin: null` on our own form POSTs, which
    // the origin check must refuse; other origins still get no referrer (the sign-in link's token stays here).
    res.setHeader('Referrer-Policy', 'same-origin');
    next();
  });

  router.get(CSS_PATH, (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=3600');
    res.type('text/css').send(CONSOLE_CSS);
  });

  // ---- signing in and out ----------------------------------------------------------------
  // The link's GET only shows a button (link previews and scanners fetch links; they must not spend it);
  // the button's POST spends the token and starts the session.
  router.get('/console/sign-in/:token', async (req, res) => {
    const state = await auth.peek(String(req.params['token']), now());
    if (state !== 'valid') return send(res, signInRefused(state), null);
    send(res, { kind: 'page', title: 'Sign in', body: html`<form method="post" action="/console/sign-in/${String(req.params['token'])}"><p>Continue to your organisation's Overdue console.</p><button type="submit">Sign in</button></form>` }, null);
  });

  router.post('/console/sign-in/:token', async (req, res) => {
    if (!sameOrigin(req)) return send(res, errorPage(403, 'Sign-in refused', 'This sign-in did not come from an Overdue page.', SIGN_IN_HELP), null);
    const r = await auth.redeem(String(req.params['token']), now());
    if (!r.ok) return send(res, signInRefused(r.why), null);
    res.setHeader('Set-Cookie', sessionCookie(r.sessionId, Math.floor(SESSION_MAX_MS / 1000)));
    res.redirect(303, '/console');
  });

  router.get('/console/signed-out', (_req, res) => send(res, { kind: 'page', title: 'Signed out', body: html`<p>You are signed out of Overdue.</p>${SIGN_IN_HELP}` }, null));

  // ---- the session, the person, CSRF -----------------------------------------------------
  async function viewerOf(req: Request): Promise<Viewer | Outcome> {
    const id = cookieOf(req, SESSION_COOKIE);
    const session = id ? await auth.session(id, now()) : null;
    if (!session) return errorPage(401, 'Sign in from Slack', 'You are not signed in, or your session has ended.', SIGN_IN_HELP);
    const person = await slack.people.bySlackId(session.orgId, session.slackUserId);
    if (!person || person.roles.length === 0) return errorPage(403, 'No access', 'Overdue does not know you (any more) in this organisation: ask an admin to add you with your role.');
    const org = await deps.services.store.organisations.get(session.orgId);
    const who = { id: person.email, email: person.email, roles: person.roles };
    const viewer: Viewer = {
      session, person, org,
      may: (action, target = {}) => may(who, action, target),
      scopeOf: (action) => (may(who, action, {}).ok ? 'any' : may(who, action, { salesRepEmail: person.email }).ok ? 'own' : null),
    };
    return viewer;
  }

  const isViewer = (v: Viewer | Outcome): v is Viewer => 'session' in v;

  router.post('/console/sign-out', forms, async (req, res) => {
    const v = await viewerOf(req);
    if (!isViewer(v)) return send(res, v, null);
    const refused = csrfRefusal(req, v);
    if (refused) return send(res, refused, v);
    await auth.signOut(cookieOf(req, SESSION_COOKIE) ?? '');
    res.setHeader('Set-Cookie', sessionCookie('', 0));
    res.redirect(303, '/console/signed-out');
  });

  // ---- the pages ------------------------------------------------------------------------
  for (const route of routes) {
    const path = route.path === '/' ? '/console' : `/console${route.path}`;
    const handler = async (req: Request, res: Response): Promise<void> => {
      const v = await viewerOf(req);
      if (!isViewer(v)) return send(res, v, null);
      if (route.method === 'post') {
        const refused = csrfRefusal(req, v);
        if (refused) return send(res, refused, v);
      }
      const scope = v.scopeOf(route.needs);
      if (scope === null) {
        const verdict = v.may(route.needs, { salesRepEmail: v.person.email });
        return send(res, errorPage(403, 'Not allowed', verdict.ok ? 'You may not do this.' : refusal(verdict, route.needs)), v);
      }
      send(res, await route.handle(req, v, deps), v);
    };
    if (route.method === 'get') router.get(path, handler);
    else router.post(path, forms, uploads, handler);
  }

  router.use('/console', (_req, res) => send(res, errorPage(404, 'Not found', 'There is no such page in the Overdue console.', html`<p><a href="/console">Go to the overview</a></p>`), null));

  router.use('/console', (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) return;
    if (err instanceof ConsoleError) return send(res, errorPage(err.status, err.title, err.explanation), null);
    const status = typeof err === 'object' && err !== null && 'status' in err && typeof err.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) deps.services.logger.error({ err, url: req.originalUrl.replace(/\/sign-in\/[^/?]+/, '/sign-in/[token]') }, 'console: unhandled error');
    send(res, status === 500 ? errorPage(500, 'Something went wrong', 'Overdue could not show this page. The error is logged; try again in a moment.') : errorPage(status, 'Bad request', 'Overdue could not read this request.'), null);
  });
  return router;
}

/** A form's CSRF check: the session's token in `_csrf` (constant time) and a request from our own origin. Null when it passes. */
function csrfRefusal(req: Request, v: Viewer): Outcome | null {
  // Only the token is read here: a page's own parser checks the other fields (the ladder editor's raw view is longer than FormBody allows).
  const body: unknown = req.body;
  const field = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['_csrf'] : undefined;
  const token = typeof field === 'string' ? field : undefined;
  if (token === undefined || !secretsEqual(token, v.session.csrf) || !sameOrigin(req)) {
    return errorPage(403, 'Form refused', 'This form was not sent from your current Overdue session (its security token is missing or wrong). Reload the page and try again.');
  }
  return null;
}

function signInRefused(why: 'unknown' | 'expired' | 'used'): Outcome {
  const text = {
    unknown: 'This sign-in link is not one Overdue gave out.',
    expired: 'This sign-in link has expired (links work for 10 minutes).',
    used: 'This sign-in link has already been used (each link works once).',
  }[why];
  return errorPage(why === 'unknown' ? 404 : 410, 'Sign-in link not valid', text, SIGN_IN_HELP);
}

export { csrfField };

// Connections (GET /console/connections, admins): each ledger connection's status, last sync (when, and the
// records it holds: customers and open invoices, as GET /api/connections/:id counts them — connectionView),
// the sync running now, and the last nightly reconciliation (src/ledger/runs.ts, as
// GET /api/connections/:id/reconciliation shows it). *Connect*, *Reconnect* and *Disconnect* go through the
// controls App Home's Connections section uses (SlackContext.connections, built in app/http/web.ts over the
// admin API's own connectUrl and jobs/connections.ts disconnectConnection): Connect and Reconnect mint a fresh
// signed connect link for this Slack user and redirect to it (it sets the browser's cookie and sends the
// browser on to the provider's consent, as from Slack; the consent is audited and the first sync queued by
// the existing flow); Disconnect asks for confirmation on a second form, then revokes, stops the jobs,
// cancels queued reminders and audits `connection.disconnected`, by this person.
import type { Request } from 'express';
import { connectionView, type ConnectionView } from '../../http/connections.js';
import { ReconciliationRuns, type ReconciliationRunDoc } from '../../../src/ledger/runs.js';
import { formatMoney } from '../../../src/domain/money.js';
import type { ConnectionDoc, Provider } from '../../../src/store/types.js';
import { html, type Html } from '../html.js';
import { csrfField } from '../layout.js';
import { ConsoleError, formOf, type ConsoleDeps, type ConsoleRoute, type Outcome, type Viewer } from '../router.js';

const PROVIDERS: readonly { id: Provider; name: string }[] = [
  { id: 'quickbooks', name: 'QuickBooks Online' },
  { id: 'xero', name: 'Xero' },
];
const providerName = (p: string): string => PROVIDERS.find((x) => x.id === p)?.name ?? p;

const STATUS: Record<ConnectionView['status'], string> = { active: 'active', needs_reconnect: 'needs reconnecting', disconnected: 'disconnected' };
const RECONCILIATION: Record<ReconciliationRunDoc['status'], string> = {
  exact: 'exact: every balance agreed with the ledger',
  resolved: 'resolved: a difference was settled by a re-sync',
  mismatch: 'mismatch: differences persisted after a re-sync (the accounts are held)',
  failed: 'failed',
};

const DONE: Record<string, string> = {
  disconnected: 'Disconnected: access revoked at the ledger, its scheduled jobs and queued reminders cancelled (audited).',
};

const stamp = (iso: string | null | undefined): string => (iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : 'never');

function controlsOf(deps: ConsoleDeps): NonNullable<ConsoleDeps['slack']['connections']> {
  const c = deps.slack.connections;
  if (!c) throw new ConsoleError(409, 'Connections not configured', 'Connecting a ledger is not configured on this server (no QuickBooks or Xero app).');
  return c;
}

/** The connection behind :id, of the viewer's organisation (else a 404 page). */
async function connectionFor(req: Request, v: Viewer, deps: ConsoleDeps): Promise<ConnectionDoc> {
  const id = String(req.params['id'] ?? '');
  const c = id.length > 300 || id.includes('\u0000') ? null : await deps.services.store.connections.get(id);
  if (!c || c.orgId !== v.session.orgId) throw new ConsoleError(404, 'Connection not found', 'There is no such connection in your organisation.');
  return c;
}

function reconciliationBlock(run: ReconciliationRunDoc | null, idx: number): Html {
  if (!run) return html`<p>No nightly reconciliation has run yet.</p>`;
  const lines = run.mismatches.map((m) => {
    const fm = (minor: number) => formatMoney({ amountMinor: minor, currency: m.currency });
    return html`<tr><th scope="row">${m.accountName}</th><td>${m.currency}</td><td class="num">${fm(m.overdue.openMinor)}</td><td class="num">${fm(m.ledger.openMinor)}</td><td class="num">${fm(m.overdue.pastDueMinor)}</td><td class="num">${fm(m.ledger.pastDueMinor)}</td></tr>`;
  });
  return html`<dl>
<dt>Result</dt><dd class="${run.status === 'exact' || run.status === 'resolved' ? '' : 'bad'}">${RECONCILIATION[run.status]}${run.error ? `: ${run.error}` : ''}</dd>
<dt>Ran</dt><dd>${stamp(run.at.toISOString())}, report date ${run.asOf}</dd>
<dt>Compared</dt><dd>${run.compared} customer × currency balance${run.compared === 1 ? '' : 's'}, ${run.exact} exact${run.firstPass ? ` (first pass: ${run.firstPass.mismatches} different, then re-synced)` : ''}</dd>
<dt>Accounts held</dt><dd>${run.held.length}</dd>
${run.notCovered ? html`<dt>Not covered</dt><dd>${run.notCovered}</dd>` : ''}
</dl>
${lines.length === 0
  ? ''
  : html`<table><caption id="rec-${idx}">Differences with the ledger (open and past-due balances)</caption><thead><tr><th scope="col">Account</th><th scope="col">Currency</th><th scope="col" class="num">Open (Overdue)</th><th scope="col" class="num">Open (ledger)</th><th scope="col" class="num">Past due (Overdue)</th><th scope="col" class="num">Past due (ledger)</th></tr></thead><tbody>${lines}</tbody></table>`}`;
}

function connectionSection(v: Viewer, c: ConnectionView, run: ReconciliationRunDoc | null, idx: number): Html {
  const csrf = csrfField(v.session.csrf);
  const href = `/console/connections/${encodeURIComponent(c.id)}`;
  return html`<section aria-labelledby="conn-${idx}-h"><h2 id="conn-${idx}-h">${c.companyName} (${providerName(c.provider)})</h2>
<dl>
<dt>Status</dt><dd class="${c.status === 'active' ? '' : 'bad'}">${STATUS[c.status]}${c.statusReason ? `: ${c.statusReason}` : ''}</dd>
<dt>Send mode</dt><dd>${c.sendMode === 'live' ? 'live: customer sends go out' : 'dry run: rendered and recorded, nothing sent'}</dd>
<dt>Last sync</dt><dd>${stamp(c.lastSyncAt)}</dd>
<dt>Records</dt><dd>${c.counts.customers} customer${c.counts.customers === 1 ? '' : 's'}, ${c.counts.openInvoices} open invoice${c.counts.openInvoices === 1 ? '' : 's'}</dd>
${c.currentSync ? html`<dt>Syncing now</dt><dd>${c.currentSync.mode} sync since ${stamp(c.currentSync.startedAt)}: ${c.currentSync.done}${c.currentSync.total !== null ? ` of ${c.currentSync.total}` : ''} records</dd>` : ''}
${c.lastError ? html`<dt>Last error</dt><dd class="bad">${stamp(c.lastError.at)}: ${c.lastError.message}</dd>` : ''}
</dl>
<h3>Nightly reconciliation</h3>
${reconciliationBlock(run, idx)}
<div class="buttons">
<form method="post" action="${href}/reconnect">${csrf}<button type="submit">Reconnect ${c.companyName}</button></form>
${c.status === 'disconnected' ? '' : html`<form method="post" action="${href}/disconnect">${csrf}<button type="submit" class="danger">Disconnect ${c.companyName}…</button></form>`}
</div>
</section>`;
}

/**
 * Where the connect forms' redirects end: the origins of the configured ledgers' consent pages. A browser
 * checks a form's CSP form-action on every redirect of the submission, so the page must allow them.
 */
export function consentOrigins(connectors: ConsoleDeps['services']['connectors']): string[] {
  const out: string[] = [];
  for (const p of PROVIDERS) {
    const c = connectors?.[p.id];
    if (!c) continue;
    try {
      const origin = new URL(c.authorizeUrl('csp-probe')).origin;
      if (/^https?:\/\/[^\s;,']+$/.test(origin) && !out.includes(origin)) out.push(origin);
    } catch {
      // A connector whose consent URL cannot be built offers no working Connect anyway.
    }
  }
  return out;
}

async function connectionsPage(v: Viewer, deps: ConsoleDeps, notice?: string): Promise<Outcome> {
  const { store } = deps.services;
  const orgId = v.session.orgId;
  const controls = deps.slack.connections;
  const runs = new ReconciliationRuns(store.db);
  const conns = await store.connections.listByOrg(orgId);
  const [views, recs] = await Promise.all([Promise.all(conns.map((c) => connectionView({ store }, c))), runs.listByOrg(orgId)]);
  const runOf = (id: string) => recs.find((r) => r._id === id) ?? null;
  const configured = controls ? PROVIDERS.filter((p) => controls.connectUrl(p.id, orgId, v.session.slackUserId) !== null) : [];
  const csrf = csrfField(v.session.csrf);
  return {
    kind: 'page', title: 'Connections', nav: 'connections', formAction: consentOrigins(deps.services.connectors),
    body: html`${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
<p>The ledgers Overdue reads invoices and customers from. Only admins see this page.</p>
${views.length === 0 ? html`<p>No ledger is connected yet.</p>` : views.map((c, i) => connectionSection(v, c, runOf(c.id), i))}
<section aria-labelledby="connect-h"><h2 id="connect-h">Connect a ledger</h2>
${configured.length === 0
  ? html`<p>Connecting a ledger is not configured on this server.</p>`
  : html`<p class="muted">You go on to the ledger to sign in and choose the company; Overdue then syncs it and tells you in Slack.</p>
<div class="buttons">${configured.map((p) => html`<form method="post" action="/console/connections/connect">${csrf}<input type="hidden" name="provider" value="${p.id}"><button type="submit">Connect ${p.name}</button></form>`)}</div>`}
</section>`,
  };
}

function connectUrlOrRefuse(v: Viewer, deps: ConsoleDeps, provider: Provider): Outcome {
  const url = controlsOf(deps).connectUrl(provider, v.session.orgId, v.session.slackUserId);
  if (!url) throw new ConsoleError(409, 'Not configured', `${providerName(provider)} is not configured on this server.`);
  // The connect route is served by the same web app as the console: stay on the origin the browser is on.
  const link = new URL(url);
  return { kind: 'redirect', to: `${link.pathname}${link.search}` };
}

export const connectionsRoute: ConsoleRoute = {
  method: 'get',
  path: '/connections',
  needs: 'changeSettings',
  handle(req, v, deps) {
    const done = typeof req.query['done'] === 'string' ? DONE[req.query['done']] : undefined;
    return connectionsPage(v, deps, done);
  },
};

export const connectRoute: ConsoleRoute = {
  method: 'post',
  path: '/connections/connect',
  needs: 'changeSettings',
  async handle(req, v, deps) {
    const provider = PROVIDERS.find((p) => p.id === formOf(req)['provider'])?.id;
    if (!provider) throw new ConsoleError(422, 'Unknown ledger', 'Choose QuickBooks Online or Xero.');
    return connectUrlOrRefuse(v, deps, provider);
  },
};

export const reconnectRoute: ConsoleRoute = {
  method: 'post',
  path: '/connections/:id/reconnect',
  needs: 'changeSettings',
  async handle(req, v, deps) {
    const c = await connectionFor(req, v, deps);
    return connectUrlOrRefuse(v, deps, c.provider);
  },
};

/** Without `confirm=yes`: the confirmation page (a second form). With it: disconnect, as App Home's Disconnect does. */
export const disconnectRoute: ConsoleRoute = {
  method: 'post',
  path: '/connections/:id/disconnect',
  needs: 'changeSettings',
  async handle(req, v, deps) {
    const c = await connectionFor(req, v, deps);
    const controls = controlsOf(deps);
    if (formOf(req)['confirm'] !== 'yes') {
      return {
        kind: 'page', title: `Disconnect ${c.companyName}?`, nav: 'connections',
        body: html`<p>Disconnecting revokes Overdue's access at ${providerName(c.provider)}, cancels the connection's scheduled jobs and every reminder still queued for its customers. Its accounts stay in Overdue, but are no longer synced or chased. You can connect it again later.</p>
<form method="post" action="/console/connections/${encodeURIComponent(c._id)}/disconnect">${csrfField(v.session.csrf)}<input type="hidden" name="confirm" value="yes"><button type="submit" class="danger">Yes, disconnect ${c.companyName}</button></form>
<p><a href="/console/connections">No, keep it connected</a></p>`,
      };
    }
    const person = v.person;
    const r = await controls.disconnect(c._id, deps.slack.actorFor(person, v.session.slackUserId));
    if (!r.ok) throw new ConsoleError(r.reason === 'not_found' ? 404 : 409, 'Not disconnected', r.reason === 'not_found' ? 'That connection no longer exists.' : `${c.companyName} is already disconnected.`);
    return { kind: 'redirect', to: '/console/connections?done=disconnected' };
  },
};

export const connectionsRoutes: ConsoleRoute[] = [connectionsRoute, connectRoute, reconnectRoute, disconnectRoute];

// Admin API for connecting companies (mounted under /api, behind the admin token):
// - POST /orgs/:orgId/connect-links {provider} → 201 {url, expiresAt}: a fresh signed connect link
//   (an hour; single use per consent: the OAuth state is claimed once; tied to the browser by a cookie);
// - GET /connections/:id → status, last sync, counts, last error and the sync running now;
// - POST /connections/:id/sync {mode} → 202 {jobId}: a `sync-connection` Agenda job;
// - POST /connections/:id/disconnect → revoke at the platform, mark disconnected, stop its jobs (jobs/connections.ts).
import { Router, type Request } from 'express';
import { z } from 'zod';
import type { OAuthStates } from '../../connectors/oauth-state.js';
import type { Services } from '../../jobs/agenda.js';
import { customersOf, disconnectConnection, openInvoicesOf, queueSync, SyncMode } from '../../jobs/connections.js';
import { AppError } from '../../src/errors.js';
import { orgAuditAccount } from '../../src/store/audit.js';
import type { ConnectionDoc, Provider } from '../../src/store/types.js';
import { actorOf, parseInput, type ApiRoute } from './parse.js';

const ConnectLinkBody = z.object({ provider: z.enum(['quickbooks', 'xero']) }).strict();
const ConnectLinkResponse = z.object({ url: z.url(), expiresAt: z.iso.datetime() });
const SyncBody = z.object({ mode: SyncMode }).strict();
const SyncResponse = z.object({ jobId: z.string() });
const DisconnectBody = z.object({}).strict();

export const ConnectionView = z.object({
  id: z.string(),
  orgId: z.string(),
  provider: z.enum(['quickbooks', 'xero']),
  companyName: z.string(),
  status: z.enum(['active', 'needs_reconnect', 'disconnected']),
  statusReason: z.string().nullable(),
  sendMode: z.enum(['dry-run', 'live']),
  lastSyncAt: z.iso.datetime().nullable(),
  counts: z.object({ customers: z.number().int(), openInvoices: z.number().int() }),
  lastError: z.object({ at: z.iso.datetime(), message: z.string() }).nullable(),
  currentSync: z.object({ jobId: z.string(), mode: SyncMode, done: z.number().int(), total: z.number().int().nullable(), startedAt: z.iso.datetime() }).optional(),
});
export type ConnectionView = z.infer<typeof ConnectionView>;

const DisconnectResponse = z.object({ connection: ConnectionView, cancelledJobs: z.number().int(), cancelledEntries: z.number().int() });

export const connectionsRoutes: ApiRoute[] = [
  { method: 'post', path: '/orgs/:orgId/connect-links', summary: 'A fresh signed connect link (QuickBooks or Xero) for the organisation: valid an hour, single use per consent, tied to the browser that follows it', body: ConnectLinkBody, response: ConnectLinkResponse, statuses: [201, 404, 422] },
  { method: 'get', path: '/connections/:id', summary: "A connection's status, last sync, counts, last error and the sync running now", response: ConnectionView, statuses: [404] },
  { method: 'post', path: '/connections/:id/sync', summary: 'Queue a full or incremental sync of the connection (an Agenda job)', body: SyncBody, response: SyncResponse, statuses: [202, 404, 409] },
  { method: 'post', path: '/connections/:id/disconnect', summary: 'Revoke the tokens at the platform, mark the connection disconnected, cancel its jobs and its pending outbox entries', body: DisconnectBody, response: DisconnectResponse, statuses: [404, 409] },
];

export interface ConnectionsRouterDeps {
  services: Services;
  /** The OAuth state signer (absent: no connector is configured). */
  states?: OAuthStates;
  /** PUBLIC_BASE_URL: where the connect links point. */
  publicBaseUrl: string;
}

/** A fresh connect link's full URL, or null when the provider is not configured here. */
export function connectUrl(deps: ConnectionsRouterDeps, provider: Provider, orgId: string, now: Date, by?: string): { url: string; expiresAt: Date } | null {
  if (!deps.states || !deps.services.connectors[provider]) return null;
  const link = deps.states.connectLinkFor(provider, orgId, now, by);
  return { url: `${deps.publicBaseUrl.replace(/\/$/, '')}/connect/${provider}?${link.query}`, expiresAt: link.expiresAt };
}

function param(req: Request, name: string): string {
  const v: unknown = req.params[name];
  if (typeof v !== 'string' || v === '') throw new AppError('bad_request', `missing ${name}`);
  return v;
}

/** The API's view of a connection (tokens and leases stay inside). */
export async function connectionView(services: Pick<Services, 'store'>, c: ConnectionDoc): Promise<ConnectionView> {
  const [customers, openInvoices] = await Promise.all([customersOf(services, c), openInvoicesOf(services, c)]);
  return {
    id: c._id,
    orgId: c.orgId,
    provider: c.provider,
    companyName: c.companyName,
    status: c.status,
    statusReason: c.statusReason ?? null,
    sendMode: c.sendMode ?? 'dry-run',
    lastSyncAt: c.lastSyncAt ? c.lastSyncAt.toISOString() : null,
    counts: { customers, openInvoices },
    lastError: c.lastError ? { at: c.lastError.at.toISOString(), message: c.lastError.message } : null,
    ...(c.currentSync ? { currentSync: { jobId: c.currentSync.jobId, mode: c.currentSync.mode, done: c.currentSync.done, total: c.currentSync.total, startedAt: c.currentSync.startedAt.toISOString() } } : {}),
  };
}

export function connectionsRouter(deps: ConnectionsRouterDeps): Router {
  const { services } = deps;
  const { store } = services;
  const r = Router();

  const connection = async (req: Request): Promise<ConnectionDoc> => {
    const id = param(req, 'id');
    const c = await store.connections.get(id);
    if (!c) throw new AppError('not_found', `no connection ${id}`);
    return c;
  };

  r.post('/orgs/:orgId/connect-links', async (req, res) => {
    const orgId = param(req, 'orgId');
    const { provider } = parseInput(ConnectLinkBody, req.body);
    if (!(await store.organisations.get(orgId))) throw new AppError('not_found', `no organisation ${orgId}`);
    const link = connectUrl(deps, provider, orgId, services.now());
    if (!link) throw new AppError('unprocessable', 'invalid request body', [{ path: 'provider', message: `${provider} is not configured on this server` }]);
    res.status(201).json({ url: link.url, expiresAt: link.expiresAt.toISOString() });
  });

  r.get('/connections/:id', async (req, res) => {
    res.json(await connectionView(services, await connection(req)));
  });

  r.post('/connections/:id/sync', async (req, res) => {
    const { mode } = parseInput(SyncBody, req.body);
    const c = await connection(req);
    if (c.status !== 'active') throw new AppError('conflict', `connection ${c._id} is ${c.status}${c.status === 'needs_reconnect' ? ': reconnect it first' : ''}`);
    const jobId = await queueSync(services, { connectionId: c._id, mode });
    await store.audit.append({
      orgId: c.orgId, accountId: orgAuditAccount(c.orgId), actor: actorOf(req), channel: 'api', action: 'connection.sync-requested', invoiceIds: [],
      outcome: `${mode} sync of ${c.companyName} queued (job ${jobId})`, details: { connectionId: c._id, mode, jobId }, at: services.now(),
    });
    res.status(202).json({ jobId });
  });

  r.post('/connections/:id/disconnect', async (req, res) => {
    parseInput(DisconnectBody, req.body);
    const c = await connection(req);
    const out = await disconnectConnection(services, c._id, actorOf(req), 'api');
    if (!out.ok) throw new AppError(out.reason === 'not_found' ? 'not_found' : 'conflict', out.reason === 'not_found' ? `no connection ${c._id}` : `connection ${c._id} is already disconnected`);
    res.json({ connection: await connectionView(services, out.connection), cancelledJobs: out.cancelledJobs, cancelledEntries: out.cancelledEntries });
  });

  return r;
}

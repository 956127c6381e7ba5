// One connection's life after the consent: its first sync (queued at once,
// reported in Slack page by page, ending with a summary and the planner's
// preview), a sync asked for through the API, and disconnecting (revoke at the
// platform, mark disconnected, stop its jobs, cancel its queued reminders).
// The `sync-connection` job runs the connector's own full or incremental sync
// (the one the scheduled sync jobs run, jobs/sync.ts) with a progress hook.
import { z } from 'zod';
import type { Connector, SyncProgress } from '../connectors/types.js';
import { firstSyncFailedText, firstSyncSummaryText, syncProgressText } from '../slack/blocks/connections.js';
import { SyncProgressMessages, type DisconnectOutcome } from '../slack/services/connections.js';
import { firstLook } from '../src/cli/preview-load.js';
import { AppError } from '../src/errors.js';
import { orgAuditAccount } from '../src/store/audit.js';
import type { AuditActor, ConnectionDoc } from '../src/store/types.js';
import { job, type JobContext } from './agenda.js';
import { replanChanged } from './sync.js';

export const SyncMode = z.enum(['full', 'incremental']);
export type SyncMode = z.infer<typeof SyncMode>;

const SyncConnectionData = z.object({
  connectionId: z.string().min(1),
  mode: SyncMode,
  /** The sync right after the consent: reported in Slack, ends with the summary and preview. */
  first: z.boolean().optional(),
  /** The Slack user the connect link was minted for (the progress goes to them). */
  by: z.string().min(1).optional(),
});
export type SyncConnectionData = z.infer<typeof SyncConnectionData>;

const SYSTEM: AuditActor = { kind: 'system', id: 'connections', name: 'Overdue connections' };

/** The job of one connection's sync; its Agenda id is what POST /api/connections/:id/sync answers. */
export const syncConnection = job({
  name: 'sync-connection',
  data: SyncConnectionData,
  async run(data, ctx, j) {
    await runConnectionSync(ctx, data, String(j.attrs._id));
  },
  concurrency: 2,
  lockLifetimeMs: 2 * 3_600_000,
});

function queueOf(ctx: JobContext): NonNullable<JobContext['jobs']> {
  if (!ctx.jobs) throw new AppError('unavailable', 'this process cannot queue jobs');
  return ctx.jobs;
}

/** Queue a sync of the connection now; its job id. */
export function queueSync(ctx: JobContext, data: SyncConnectionData): Promise<string> {
  return queueOf(ctx).now(syncConnection.name, data);
}

/** After a consent (connectors' onConnected): audit each connection and queue its first sync, reported to `by`. */
export async function afterConsent(ctx: JobContext, connections: ConnectionDoc[], by: string | undefined): Promise<void> {
  for (const conn of connections) {
    const at = ctx.now();
    if (by) await ctx.store.connections.update(conn._id, { connectedBy: by }, at);
    await ctx.store.audit.append({
      orgId: conn.orgId, accountId: orgAuditAccount(conn.orgId), actor: by ? { kind: 'person', id: `slack:${by}` } : SYSTEM, channel: 'platform',
      action: 'connection.connected', invoiceIds: [], outcome: `${conn.companyName} connected from ${conn.provider} (${conn._id}); send mode ${conn.sendMode ?? 'dry-run'}`,
      details: { connectionId: conn._id, provider: conn.provider, companyId: conn.companyId }, at,
    });
    await queueSync(ctx, { connectionId: conn._id, mode: 'full', first: true, ...(by ? { by } : {}) });
  }
}

/** Thrown from the progress hook when the connection was disconnected mid-sync: the sync stops there. */
class SyncStopped extends Error {}

function errorText(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).slice(0, 500);
}

/** Run one connection's sync, keeping `currentSync` on the connection (GET /api/connections/:id) and, for the first, Slack told. */
export async function runConnectionSync(ctx: JobContext, data: SyncConnectionData, jobId: string): Promise<void> {
  const id = data.connectionId;
  const conn = await ctx.store.connections.get(id);
  if (!conn || conn.status !== 'active') {
    ctx.logger.info({ connection: id, status: conn?.status ?? 'missing' }, 'sync-connection skipped: the connection is not active');
    return;
  }
  const connector: Connector | undefined = ctx.connectors[conn.provider];
  if (!connector) {
    await ctx.store.connections.update(id, { lastError: { at: ctx.now(), message: `${conn.provider} is not configured on this worker` } }, ctx.now());
    return;
  }
  const started = ctx.now();
  await ctx.store.connections.update(id, { currentSync: { jobId, mode: data.mode, done: 0, total: null, startedAt: started } }, started);
  const label = { company: conn.companyName, provider: conn.provider };
  const slack = data.first && ctx.slack ? ctx.slack(ctx) : null;
  const report = slack ? await SyncProgressMessages.start(slack, conn.orgId, data.by, syncProgressText({ ...label, done: 0, total: null })) : null;

  const onProgress = async (p: SyncProgress): Promise<void> => {
    const now = await ctx.store.connections.get(id);
    if (now?.status !== 'active') throw new SyncStopped(`the connection is ${now?.status ?? 'gone'}`);
    if (p.kind !== 'invoice') return;
    await ctx.store.connections.update(id, { currentSync: { jobId, mode: data.mode, done: p.done, total: p.total, startedAt: started } }, ctx.now());
    await report?.update(syncProgressText({ ...label, done: p.done, total: p.total }));
  };

  try {
    const r = data.mode === 'full' ? await connector.fullSync(id, { onProgress }) : await connector.incrementalSync(id, { onProgress });
    const replanned = await replanChanged(ctx, conn, started);
    await ctx.store.connections.clear(id, ['currentSync', 'lastError'], ctx.now());
    const [openInvoices, customers] = await Promise.all([openInvoicesOf(ctx, conn), customersOf(ctx, conn)]);
    const look = data.first ? await firstLook(ctx.store, ctx.policies, id, ctx.now()) : null;
    await ctx.store.audit.append({
      orgId: conn.orgId, accountId: orgAuditAccount(conn.orgId), actor: SYSTEM, channel: 'system', action: data.first ? 'connection.first-sync' : 'connection.synced', invoiceIds: [],
      outcome: `${conn.companyName}: ${data.mode} sync done, ${openInvoices} open invoices, ${customers} customers${look ? `; ${look.pastDue} accounts past due, ${look.remindersToday} would get a reminder today` : ''}`,
      details: { connectionId: id, jobId, mode: data.mode, saved: r.saved, rejected: r.rejected, deleted: r.deleted, replanned, ...(look ? { preview: look } : {}) }, at: ctx.now(),
    });
    if (report && look) {
      await report.update(firstSyncSummaryText({ ...label, openInvoices, customers, pastDue: look.pastDue, remindersToday: look.remindersToday, sendMode: conn.sendMode ?? 'dry-run' }));
    }
    ctx.logger.info({ connection: id, jobId, mode: data.mode, saved: r.saved, replanned }, 'sync-connection done');
  } catch (err) {
    await ctx.store.connections.clear(id, ['currentSync'], ctx.now());
    if (err instanceof SyncStopped) {
      await report?.update(`The sync of ${conn.companyName} stopped: ${err.message}.`);
      return;
    }
    const message = errorText(err);
    await ctx.store.connections.update(id, { lastError: { at: ctx.now(), message } }, ctx.now());
    await ctx.store.audit.append({
      orgId: conn.orgId, accountId: orgAuditAccount(conn.orgId), actor: SYSTEM, channel: 'system', action: 'connection.sync-failed', invoiceIds: [],
      outcome: `${conn.companyName}: ${data.mode} sync failed: ${message}`, details: { connectionId: id, jobId, mode: data.mode, first: data.first === true }, at: ctx.now(),
    });
    await report?.update(firstSyncFailedText(conn.companyName, conn.provider, message));
    ctx.logger.warn({ connection: id, jobId, err: message }, 'sync-connection failed');
  }
}

/** Open invoices Overdue holds for the connection's company. */
export function openInvoicesOf(ctx: Pick<JobContext, 'store'>, conn: Pick<ConnectionDoc, 'provider' | 'companyId'>): Promise<number> {
  return ctx.store.invoices.raw().countDocuments({ provider: conn.provider, companyId: conn.companyId, status: 'open' });
}

export function customersOf(ctx: Pick<JobContext, 'store'>, conn: Pick<ConnectionDoc, 'provider' | 'companyId'>): Promise<number> {
  return ctx.store.customers.countByCompany(conn.provider, conn.companyId);
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Disconnect: the connector revokes the tokens at the platform (QuickBooks: the revoke endpoint; Xero: DELETE
 * /connections/{id}, and the login's token with its last tenant) and marks the connection disconnected; then
 * every job of the connection is cancelled (its syncs, and the deadline re-plans of its accounts), its accounts'
 * pending outbox entries are cancelled (not held: they were planned from data that stops being kept fresh, and a
 * reconnect's first sync re-plans from fresh data), and the whole is audited. A sync running now stops at its
 * next page (runConnectionSync checks the status); the scheduled syncs and the planner skip it from now on.
 */
export async function disconnectConnection(ctx: JobContext, connectionId: string, actor: AuditActor, channel: 'slack' | 'api'): Promise<DisconnectOutcome> {
  const conn = await ctx.store.connections.get(connectionId);
  if (!conn) return { ok: false, reason: 'not_found' };
  if (conn.status === 'disconnected') return { ok: false, reason: 'already_disconnected' };
  const connector = ctx.connectors[conn.provider];
  if (connector) await connector.disconnect(connectionId);
  else {
    ctx.logger.warn({ connectionId }, `${conn.provider} is not configured here: marked disconnected without revoking at the platform`);
    await ctx.store.connections.setStatus(connectionId, 'disconnected', 'disconnected by the organisation', ctx.now());
  }
  const at = ctx.now();
  await ctx.store.connections.update(connectionId, { disconnectedAt: at }, at);
  await ctx.store.connections.clear(connectionId, ['currentSync'], at);
  let cancelledJobs = 0;
  if (ctx.jobs) {
    cancelledJobs += await ctx.jobs.cancelWhere({ 'data.connectionId': connectionId });
    cancelledJobs += await ctx.jobs.cancelWhere({ 'data.deadlineFor': { $regex: `^${escapeRegex(connectionId)}:` } });
  }
  const customers = await ctx.store.customers.raw().find({ provider: conn.provider, companyId: conn.companyId }, { projection: { _id: 1 } }).toArray();
  let cancelledEntries = 0;
  for (const c of customers) cancelledEntries += (await ctx.store.outbox.cancelPendingForCustomer(c._id, 'connection disconnected', at)).length;
  await ctx.store.audit.append({
    orgId: conn.orgId, accountId: orgAuditAccount(conn.orgId), actor, channel,
    action: 'connection.disconnected', invoiceIds: [],
    outcome: `${conn.companyName} (${connectionId}) disconnected: tokens revoked at ${conn.provider}${connector ? '' : ' (not configured here: not revoked)'}, ${cancelledJobs} jobs and ${cancelledEntries} pending outbox entries cancelled`,
    details: { connectionId, provider: conn.provider, revoked: connector !== undefined, cancelledJobs, cancelledEntries }, at,
  });
  const after = await ctx.store.connections.get(connectionId);
  return { ok: true, connection: after ?? conn, cancelledJobs, cancelledEntries };
}

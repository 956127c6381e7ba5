// The kill switch and send modes, one writer each: the outbound routes
// (POST /api/orgs/:id/outbound/pause|resume, POST /api/connections/:id/send-mode)
// and the settings API (PATCH /api/orgs/:orgId/settings { killSwitch, sendMode })
// both change them through these, each change audited on the organisation's chain.
import { AppError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { AuditActor, OutboundSwitch, SendMode } from '../store/types.js';
import { orgAuditAccount } from '../store/audit.js';

type Deps = Pick<Store, 'organisations' | 'outbox' | 'audit' | 'connections'>;
type By = { actor: AuditActor; at: Date; channel?: 'api' | 'slack' };

/** Pause every customer-facing send of the organisation (entries wait). 404 when there is no such organisation. */
export async function pauseOutbound(store: Deps, orgId: string, reason: string | undefined, by: By): Promise<OutboundSwitch> {
  const outbound: OutboundSwitch = { paused: true, pausedBy: by.actor.id, pausedAt: by.at, ...(reason !== undefined ? { reason } : {}) };
  if (!(await store.organisations.setOutbound(orgId, outbound, by.at))) throw new AppError('not_found', `no organisation ${orgId}`);
  await store.audit.append({
    orgId, accountId: orgAuditAccount(orgId), actor: by.actor, channel: by.channel ?? 'api', action: 'outbound.paused', invoiceIds: [],
    outcome: `all customer-facing sends paused${reason !== undefined ? `: ${reason}` : ''}`, at: by.at,
  });
  return outbound;
}

/** Resume; the entries held while paused are due again at once. 404 when there is no such organisation. */
export async function resumeOutbound(store: Deps, orgId: string, by: By): Promise<{ outbound: OutboundSwitch; released: number }> {
  const org = await store.organisations.get(orgId);
  if (!org) throw new AppError('not_found', `no organisation ${orgId}`);
  const outbound: OutboundSwitch = { ...(org.outbound ?? {}), paused: false, resumedBy: by.actor.id, resumedAt: by.at };
  await store.organisations.setOutbound(orgId, outbound, by.at);
  const released = await store.outbox.releasePaused(orgId, by.at);
  await store.audit.append({
    orgId, accountId: orgAuditAccount(orgId), actor: by.actor, channel: by.channel ?? 'api', action: 'outbound.resumed', invoiceIds: [],
    outcome: `customer-facing sends resumed; ${released} held ${released === 1 ? 'entry is' : 'entries are'} due again`, at: by.at,
  });
  return { outbound, released };
}

/** Turn one connection's customer sends live or back to dry-run. 404 when there is no such connection. */
export async function setConnectionSendMode(store: Deps, connectionId: string, mode: SendMode, by: By): Promise<void> {
  const conn = await store.connections.get(connectionId);
  if (!conn) throw new AppError('not_found', `no connection ${connectionId}`);
  await store.connections.setSendMode(connectionId, mode, by.at);
  await store.audit.append({
    orgId: conn.orgId, accountId: orgAuditAccount(conn.orgId), actor: by.actor, channel: by.channel ?? 'api', action: 'connection.send-mode', invoiceIds: [],
    outcome: `${conn.companyName} (${connectionId}): ${mode === 'live' ? 'live: customer sends go out' : 'dry run: rendered and recorded, nothing sent'}`,
    details: { connectionId, from: conn.sendMode ?? 'dry-run', to: mode }, at: by.at,
  });
}

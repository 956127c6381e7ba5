// Admin API for outbound safety (mounted under /api behind the admin token):
//   POST /orgs/:id/outbound/pause     { by?, reason? }   the kill switch: nothing customer-facing leaves
//   POST /orgs/:id/outbound/resume    { by? }            held entries are due again at once
//   POST /connections/:id/send-mode   { mode: 'dry-run' | 'live', by? }
// Each change is recorded in the organisation's audit chain (account `org:<id>`).
import express, { type Request, type Router } from 'express';
import { z } from 'zod';
import { AppError } from '../../src/errors.js';
import type { Store } from '../../src/store/store.js';
import type { AuditActor } from '../../src/store/types.js';
import { parseInput } from './parse.js';

export interface OutboundRouterDeps {
  store: Store;
  now?: () => Date;
}

const PauseBody = z.object({ by: z.string().min(1).max(200).optional(), reason: z.string().min(1).max(500).optional() }).strict();
const ResumeBody = z.object({ by: z.string().min(1).max(200).optional() }).strict();
const SendModeBody = z.object({ mode: z.enum(['dry-run', 'live']), by: z.string().min(1).max(200).optional() }).strict();

import { orgAuditAccount } from '../../src/store/audit.js';
export { orgAuditAccount };

function param(req: Request, name: string): string {
  const v: unknown = req.params[name];
  if (typeof v !== 'string' || v === '') throw new AppError('bad_request', `missing ${name}`);
  return v;
}

function body<T>(schema: z.ZodType<T>, req: Request): T {
  return parseInput(schema, req.body);
}

function actor(by: string | undefined): AuditActor {
  return by !== undefined ? { kind: 'person', id: by, name: by } : { kind: 'system', id: 'admin-api', name: 'Admin API' };
}

export function outboundRouter(deps: OutboundRouterDeps): Router {
  const now = deps.now ?? (() => new Date());
  const { store } = deps;
  const r = express.Router();

  r.post('/orgs/:id/outbound/pause', async (req, res) => {
    const orgId = param(req, 'id');
    const { by, reason } = body(PauseBody, req);
    const at = now();
    const outbound = { paused: true, pausedBy: by ?? 'admin-api', pausedAt: at, ...(reason !== undefined ? { reason } : {}) };
    if (!(await store.organisations.setOutbound(orgId, outbound, at))) throw new AppError('not_found', `no organisation ${orgId}`);
    await store.audit.append({
      orgId, accountId: orgAuditAccount(orgId), actor: actor(by), channel: 'api', action: 'outbound.paused', invoiceIds: [],
      outcome: `all customer-facing sends paused${reason !== undefined ? `: ${reason}` : ''}`, at,
    });
    res.json({ orgId, outbound });
  });

  r.post('/orgs/:id/outbound/resume', async (req, res) => {
    const orgId = param(req, 'id');
    const { by } = body(ResumeBody, req);
    const at = now();
    const org = await store.organisations.get(orgId);
    if (!org) throw new AppError('not_found', `no organisation ${orgId}`);
    const outbound = { ...(org.outbound ?? {}), paused: false, resumedBy: by ?? 'admin-api', resumedAt: at };
    await store.organisations.setOutbound(orgId, outbound, at);
    const released = await store.outbox.releasePaused(orgId, at);
    await store.audit.append({
      orgId, accountId: orgAuditAccount(orgId), actor: actor(by), channel: 'api', action: 'outbound.resumed', invoiceIds: [],
      outcome: `customer-facing sends resumed; ${released} held ${released === 1 ? 'entry is' : 'entries are'} due again`, at,
    });
    res.json({ orgId, outbound, released });
  });

  r.post('/connections/:id/send-mode', async (req, res) => {
    const id = param(req, 'id');
    const { mode, by } = body(SendModeBody, req);
    const at = now();
    const conn = await store.connections.get(id);
    if (!conn) throw new AppError('not_found', `no connection ${id}`);
    await store.connections.setSendMode(id, mode, at);
    await store.audit.append({
      orgId: conn.orgId, accountId: orgAuditAccount(conn.orgId), actor: actor(by), channel: 'api', action: 'connection.send-mode', invoiceIds: [],
      outcome: `${conn.companyName} (${id}): ${mode === 'live' ? 'live: customer sends go out' : 'dry run: rendered and recorded, nothing sent'}`, details: { connectionId: id, from: conn.sendMode ?? 'dry-run', to: mode }, at,
    });
    res.json({ connectionId: id, sendMode: mode });
  });

  return r;
}

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
import { orgAuditAccount } from '../../src/store/audit.js';
import { pauseOutbound, resumeOutbound, setConnectionSendMode } from '../../src/settings/outbound.js';
import { parseInput, type ApiRoute } from './parse.js';

export interface OutboundRouterDeps {
  store: Store;
  now?: () => Date;
}

const PauseBody = z.object({ by: z.string().min(1).max(200).optional(), reason: z.string().min(1).max(500).optional() }).strict();
const ResumeBody = z.object({ by: z.string().min(1).max(200).optional() }).strict();
const SendModeBody = z.object({ mode: z.enum(['dry-run', 'live']), by: z.string().min(1).max(200).optional() }).strict();

export const outboundRoutes: ApiRoute[] = [
  { method: 'post', path: '/orgs/:id/outbound/pause', summary: 'The kill switch: hold every customer-facing send of the organisation', body: PauseBody, statuses: [404, 422] },
  { method: 'post', path: '/orgs/:id/outbound/resume', summary: 'Resume customer-facing sends; held entries are due again at once', body: ResumeBody, statuses: [404, 422] },
  { method: 'post', path: '/connections/:id/send-mode', summary: "Turn a connection's customer sends live or back to dry-run", body: SendModeBody, statuses: [404, 422] },
];

// The audit chain of organisation-wide events (account `org:<id>`): one definition, in the audit store.
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
    const outbound = await pauseOutbound(store, orgId, reason, { actor: actor(by), at: now() });
    res.json({ orgId, outbound });
  });

  r.post('/orgs/:id/outbound/resume', async (req, res) => {
    const orgId = param(req, 'id');
    const { by } = body(ResumeBody, req);
    const { outbound, released } = await resumeOutbound(store, orgId, { actor: actor(by), at: now() });
    res.json({ orgId, outbound, released });
  });

  r.post('/connections/:id/send-mode', async (req, res) => {
    const id = param(req, 'id');
    const { mode, by } = body(SendModeBody, req);
    await setConnectionSendMode(store, id, mode, { actor: actor(by), at: now() });
    res.json({ connectionId: id, sendMode: mode });
  });

  return r;
}

// The admin API's view of inbound mail (under /api, behind the admin token):
// GET /inbound-mail lists stored messages without their bytes, newest first —
// by organisation (`orgId`), or by status (`unmatched`: for no known account,
// `refused`: over the size limit), so no message is lost from sight.
import { Router } from 'express';
import { z } from 'zod';
import { inboundStore } from '../../src/inbound/store.js';
import type { Store } from '../../src/store/store.js';
import { parseInput, type ApiRoute } from './parse.js';

const InboundQuery = z.object({
  orgId: z.string().min(1).max(200).optional(),
  status: z.enum(['stored', 'refused', 'processed', 'unmatched']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
}).strict();

export const inboundRoutes: ApiRoute[] = [
  { method: 'get', path: '/inbound-mail', summary: 'Inbound mail received (replies, auto-replies, delivery reports), newest first; unmatched and refused messages by status', query: InboundQuery },
];

export function inboundRouter(deps: { store: Store }): Router {
  const router = Router();
  const mail = inboundStore(deps.store.db).mail;
  router.get('/inbound-mail', async (req, res) => {
    const q = parseInput(InboundQuery, req.query, 'query');
    const rows = await mail.list({ ...(q.orgId !== undefined ? { orgId: q.orgId } : {}), ...(q.status !== undefined ? { status: q.status } : {}) }, q.limit);
    res.json({
      messages: rows.map((m) => ({
        id: m._id, source: m.source, status: m.status, kind: m.kind ?? null, orgId: m.orgId ?? null, customerId: m.customerId ?? null,
        from: m.from ?? null, subject: m.subject ?? null, size: m.size, messageId: m.messageId, receivedAt: m.receivedAt.toISOString(),
        processedAt: m.processedAt?.toISOString() ?? null, reason: m.reason ?? null,
      })),
    });
  });
  return router;
}

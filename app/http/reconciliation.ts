// The admin API's view of the nightly ledger reconciliation (under /api, behind the
// admin token): GET /connections/:id/reconciliation answers the connection's last run
// (connectors/reconcile.ts, src/ledger/runs.ts): when, the report date, status, how
// many customer × currency pairs were compared and how many were exact, the first
// pass when a re-sync followed, and each persisting difference with both figures
// (Overdue's and the ledger's open and past-due balance, minor units) and the held
// accounts. `lastRun` is null before the first run; an unknown connection is a 404.
import { Router } from 'express';
import { z } from 'zod';
import { AppError } from '../../src/errors.js';
import { ReconciliationRuns, type ReconciliationRunDoc } from '../../src/ledger/runs.js';
import type { Store } from '../../src/store/store.js';
import type { ApiRoute } from './parse.js';

const figure = z.object({ openMinor: z.number().int(), pastDueMinor: z.number().int() });

export const ReconciliationResponse = z.object({
  connectionId: z.string(),
  lastRun: z
    .object({
      at: z.string(),
      asOf: z.string(),
      status: z.enum(['exact', 'resolved', 'mismatch', 'failed']),
      compared: z.number().int(),
      exact: z.number().int(),
      firstPass: z.object({ compared: z.number().int(), exact: z.number().int(), mismatches: z.number().int() }).optional(),
      resynced: z.boolean(),
      mismatches: z.array(z.object({ customerId: z.string(), accountName: z.string(), customerExternalId: z.string(), currency: z.string(), overdue: figure, ledger: figure })),
      held: z.array(z.string()),
      notCovered: z.string().optional(),
      apiCalls: z.number().int(),
      error: z.string().optional(),
    })
    .nullable(),
});

export const reconciliationRoutes: ApiRoute[] = [
  {
    method: 'get',
    path: '/connections/:id/reconciliation',
    summary: "The connection's last nightly reconciliation against the ledger's own aged receivables report: compared, exact, and each persisting difference with both figures",
    response: ReconciliationResponse,
    statuses: [404],
  },
];

function view(connectionId: string, run: ReconciliationRunDoc | null): z.infer<typeof ReconciliationResponse> {
  if (!run) return { connectionId, lastRun: null };
  return {
    connectionId,
    lastRun: {
      at: run.at.toISOString(), asOf: run.asOf, status: run.status, compared: run.compared, exact: run.exact,
      ...(run.firstPass ? { firstPass: run.firstPass } : {}), resynced: run.resynced,
      mismatches: run.mismatches.map((m) => ({ customerId: m.customerId, accountName: m.accountName, customerExternalId: m.customerExternalId, currency: m.currency, overdue: m.overdue, ledger: m.ledger })),
      held: run.held, ...(run.notCovered !== undefined ? { notCovered: run.notCovered } : {}), apiCalls: run.apiCalls, ...(run.error !== undefined ? { error: run.error } : {}),
    },
  };
}

export function reconciliationRouter(deps: { store: Store }): Router {
  const router = Router();
  const runs = new ReconciliationRuns(deps.store.db);
  router.get('/connections/:id/reconciliation', async (req, res) => {
    const id = String(req.params['id']);
    if (!(await deps.store.connections.get(id))) throw new AppError('not_found', `no connection ${id}`);
    res.json(view(id, await runs.get(id)));
  });
  return router;
}

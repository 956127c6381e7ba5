// The admin API's assignments (under /api, behind the admin token): PUT a CSV or
// JSON of customers' sales reps and collectors (a `*` row sets the organisation's
// default collector), GET them back as CSV. Reading and checking the rows is
// src/planning/assignments.ts; here they are applied, each change audited.
import express, { Router } from 'express';
import { AppError } from '../../src/errors.js';
import { toCsv } from '../../src/documents/audit-export.js';
import { defaultCollectorOf } from '../../src/planning/assemble.js';
import { AssignmentsJson, ASSIGNMENTS_CSV_HEADER, DEFAULT_ROW, planAssignments, rowsFromCsv, rowsFromJson, type Cell } from '../../src/planning/assignments.js';
import type { Store } from '../../src/store/store.js';
import type { AuditActor, CustomerDoc, OrganisationDoc } from '../../src/store/types.js';
import type { ApiRouteDoc } from './openapi.js';

const ADMIN_ACTOR: AuditActor = { kind: 'system', id: 'admin-api', name: 'Overdue admin API' };

export const assignmentsRoutes: ApiRouteDoc[] = [
  {
    method: 'put',
    path: '/orgs/:orgId/assignments',
    summary: "Customers' sales reps and collectors from a CSV (customer,sales_rep_email,collector_email; a * row sets the default collector) or JSON rows; all or nothing, 422 lists invalid rows by line",
    body: AssignmentsJson,
    bodyMediaTypes: ['text/csv'],
    statuses: [404, 422],
  },
  { method: 'get', path: '/orgs/:orgId/assignments', summary: 'The assignments as CSV', responseMediaTypes: ['text/csv'], statuses: [404] },
];

export function assignmentsRouter(deps: { store: Store; now?: () => Date }): Router {
  const router = Router();
  const now = deps.now ?? (() => new Date());
  const csvBody = express.text({ type: ['text/csv', 'text/plain'], limit: '5mb' });

  router.put('/orgs/:orgId/assignments', csvBody, async (req, res) => {
    const orgId = String(req.params['orgId']);
    const org = await deps.store.organisations.get(orgId);
    if (!org) throw new AppError('not_found', `organisation ${orgId} does not exist`);
    const parsed = req.is('text/csv') || req.is('text/plain') ? rowsFromCsv(typeof req.body === 'string' ? req.body : '') : rowsFromJson(req.body);
    const r = await importAssignments(deps.store, org, parsed, { actor: ADMIN_ACTOR, channel: 'api', at: now() });
    if (r.invalid.length > 0) {
      res.status(422).json({ updated: 0, unmatched: r.unmatched, invalid: r.invalid });
      return;
    }
    res.json(r);
  });

  router.get('/orgs/:orgId/assignments', async (req, res) => {
    const orgId = String(req.params['orgId']);
    const org = await deps.store.organisations.get(orgId);
    if (!org) throw new AppError('not_found', `organisation ${orgId} does not exist`);
    res.type('text/csv; charset=utf-8').send(await assignmentsCsv(deps.store, org));
  });

  return router;
}

export interface AssignmentsImport {
  updated: number;
  unmatched: string[];
  /** Problems by line; when any, nothing was written. */
  invalid: { line: number; problem: string }[];
  defaultCollectorEmail: string | null;
}

/**
 * Apply parsed assignment rows (the admin API's PUT and the console's People page): matched and checked by
 * planAssignments, all or nothing — any invalid row and nothing is written —, each changed account audited
 * (`account.assigned`), a `*` row setting the default collector.
 */
export async function importAssignments(
  store: Store,
  org: OrganisationDoc,
  parsed: ReturnType<typeof rowsFromCsv>,
  by: { actor: AuditActor; channel: 'api' | 'slack'; at: Date; details?: Record<string, unknown> },
): Promise<AssignmentsImport> {
  const orgId = org._id;
  const plan = planAssignments(parsed.rows, await store.customers.listByOrg(orgId));
  const invalid = [...parsed.invalid, ...plan.invalid].sort((a, b) => a.line - b.line);
  let defaultCollectorEmail = defaultCollectorOf(org.settings) ?? null;
  if (invalid.length > 0) return { updated: 0, unmatched: plan.unmatched, invalid, defaultCollectorEmail };
  const { at } = by;
  let updated = 0;
  for (const ch of plan.changes) {
    const set: Partial<CustomerDoc> = {};
    const unset: Record<string, ''> = {};
    const apply = (field: 'salesRepEmail' | 'collectorEmail', v: Cell) => {
      if (v === null) unset[field] = '';
      else if (v !== undefined) set[field] = v;
    };
    apply('salesRepEmail', ch.salesRepEmail);
    apply('collectorEmail', ch.collectorEmail);
    await store.customers.raw().updateOne({ _id: ch.customer._id }, { ...(Object.keys(set).length ? { $set: set } : {}), ...(Object.keys(unset).length ? { $unset: unset } : {}) });
    const next = (v: Cell, was: string | undefined) => (v === undefined ? was : v === null ? undefined : v);
    const rep = next(ch.salesRepEmail, ch.customer.salesRepEmail);
    const collector = next(ch.collectorEmail, ch.customer.collectorEmail);
    await store.audit.append({
      orgId, accountId: ch.customer._id, actor: by.actor, channel: by.channel, action: 'account.assigned', invoiceIds: [],
      outcome: `sales rep ${rep ?? '(none)'}, collector ${collector ?? '(none)'}`,
      details: { salesRepEmail: { from: ch.customer.salesRepEmail ?? null, to: rep ?? null }, collectorEmail: { from: ch.customer.collectorEmail ?? null, to: collector ?? null }, ...(by.details ?? {}) },
      at,
    });
    updated++;
  }
  if (plan.defaultCollector !== undefined && (plan.defaultCollector ?? null) !== defaultCollectorEmail) {
    const assignments = { ...(typeof org.settings['assignments'] === 'object' && org.settings['assignments'] !== null ? org.settings['assignments'] : {}) } as Record<string, unknown>;
    if (plan.defaultCollector === null) delete assignments['defaultCollectorEmail'];
    else assignments['defaultCollectorEmail'] = plan.defaultCollector;
    await store.organisations.setSettings(orgId, { ...org.settings, assignments }, at);
    defaultCollectorEmail = plan.defaultCollector;
  }
  return { updated, unmatched: plan.unmatched, invalid: [], defaultCollectorEmail };
}

/** The assignments as CSV (the admin API's GET and the console's export): the default collector's `*` row, then every customer. */
export async function assignmentsCsv(store: Store, org: OrganisationDoc): Promise<string> {
  const customers = await store.customers.listByOrg(org._id);
  const def = defaultCollectorOf(org.settings);
  const rows = [
    ...(def ? [[DEFAULT_ROW, '', def, '(default collector)']] : []),
    ...customers.map((c) => [c._id, c.salesRepEmail ?? '', c.collectorEmail ?? '', c.displayName]),
  ];
  return toCsv(ASSIGNMENTS_CSV_HEADER, rows);
}

// The admin API's escalation policies (under /api, behind the admin token):
//   PUT  /orgs/:orgId/policy                 a policy (JSON, or YAML as application/yaml or text/yaml) saved
//                                            as the organisation's next version, with its author (X-Overdue-Actor),
//                                            time and diff against the version before; 422 lists every problem
//                                            (a YAML syntax error with its line and column), nothing is saved.
//   GET  /orgs/:orgId/policy                 the current policy (or the default ladder) and every version:
//                                            author, time, what changed
//   GET  /orgs/:orgId/policy/versions/:n     one version whole
//   POST /orgs/:orgId/policy/preview         a candidate policy (JSON or YAML), not saved: which accounts'
//                                            next step or its date would change, from → to
//   POST /orgs/:orgId/policy/rollback        { version: n }: a new version whose content is version n
//   PUT  /accounts/:id/policy-version        { version: n | null }: the customer's custom ladder (a stored
//                                            version of its organisation's policy), or back to the current one
// A save or rollback is audited on the organisation's trail and asks the worker to re-plan the organisation
// (plan-requested); that pass cancels the pending entries the new version no longer calls for. This process's
// policy source forgets the organisation at once; other processes pick the version up within their cache time
// (src/planning/policy-source.ts), the worker's re-plan reads it fresh.
import express, { Router, type Request } from 'express';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { AppError } from '../../src/errors.js';
import { changeLine, PolicySchema, validatePolicy, type Policy, type PolicyChange } from '../../src/engine/index.js';
import { containsNul } from '../../src/http/app.js';
import { DEFAULT_CHOICE, storedPolicySource, type PolicySource } from '../../src/planning/policy-source.js';
import { policyImpact } from '../../src/planning/policy-preview.js';
import { ReplanRequests } from '../../src/planning/requests.js';
import { accountStates } from '../../src/planning/state.js';
import type { PolicyVersion, PolicyVersionDoc } from '../../src/store/policies.js';
import type { Store } from '../../src/store/store.js';
import type { AuditActor } from '../../src/store/types.js';
import { orgAuditAccount } from './outbound.js';
import { actorOf, parseInput, type ApiRoute } from './parse.js';

/** Media types read as YAML. */
export const YAML_MEDIA_TYPES = ['application/yaml', 'text/yaml', 'application/x-yaml', 'text/x-yaml'];

const RollbackBody = z.object({ version: z.number().int().positive() }).strict();
const PolicyVersionBody = z.object({ version: z.number().int().positive().nullable() }).strict();

export const policiesRoutes: ApiRoute[] = [
  { method: 'put', path: '/orgs/:orgId/policy', summary: "Save a new version of the organisation's escalation policy (JSON or YAML); 422 lists every problem", body: PolicySchema, bodyMediaTypes: ['application/yaml', 'text/yaml'], statuses: [201, 404, 422] },
  { method: 'get', path: '/orgs/:orgId/policy', summary: 'The current policy (or the default ladder) and every version with its author, time and changes', statuses: [404] },
  { method: 'get', path: '/orgs/:orgId/policy/versions/:version', summary: 'One stored version of the policy, whole, with its diff against the version before', statuses: [404] },
  { method: 'post', path: '/orgs/:orgId/policy/preview', summary: "What a candidate policy would change in today's accounts (next step or its date, from → to), without saving it", body: PolicySchema, bodyMediaTypes: ['application/yaml', 'text/yaml'], statuses: [404, 422] },
  { method: 'post', path: '/orgs/:orgId/policy/rollback', summary: 'Save a new version whose content is an earlier version (history stays append-only)', body: RollbackBody, statuses: [201, 404, 422] },
  { method: 'put', path: '/accounts/:id/policy-version', summary: "A customer's custom ladder: a stored version of its organisation's policy (null: the current one)", body: PolicyVersionBody, statuses: [404, 422] },
];

/** A YAML text as a value; every syntax problem (with its line and column) as a 422. */
export function yamlValue(text: string): unknown {
  const lines = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter: lines });
  if (doc.errors.length > 0) {
    const details = doc.errors.map((e) => {
      const at = lines.linePos(e.pos[0]);
      return `line ${at.line}, column ${at.col}: ${e.message}`;
    });
    throw new AppError('unprocessable', 'the body is not valid YAML', details);
  }
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new AppError('unprocessable', 'the body is not valid YAML', [err instanceof Error ? err.message : String(err)]);
  }
}

/** A policy body, JSON (parsed already) or YAML (text): the value to validate. */
function policyInput(req: Request): unknown {
  if (!req.is(YAML_MEDIA_TYPES)) return req.body;
  const value = yamlValue(typeof req.body === 'string' ? req.body : '');
  if (containsNul(value)) throw new AppError('bad_request', 'the request contains a NUL character (U+0000), which no field accepts');
  return value;
}

/** A candidate policy, parsed and checked: 422 with every problem otherwise. */
function candidateOf(req: Request): Policy {
  const v = validatePolicy(policyInput(req));
  if (!v.ok) throw new AppError('unprocessable', 'invalid escalation policy', v.problems);
  return v.policy;
}

function versionNumber(raw: unknown): number {
  const n = typeof raw === 'string' && /^[1-9]\d{0,8}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n)) throw new AppError('not_found', `no policy version ${String(raw)}`);
  return n;
}

function actorText(a: AuditActor | undefined): string | null {
  return a ? (a.name ?? a.id) : null;
}

/** A version in the list: who, when, what changed. */
function versionSummary(v: PolicyVersionDoc) {
  const name = typeof v.policy === 'object' && v.policy !== null && typeof (v.policy as { name?: unknown }).name === 'string' ? (v.policy as { name: string }).name : null;
  return {
    version: v.version,
    name,
    createdAt: v.createdAt.toISOString(),
    createdBy: actorText(v.createdBy),
    ...(v.rollbackOf !== undefined ? { rollbackOf: v.rollbackOf } : {}),
    ...(v.note !== undefined ? { note: v.note } : {}),
    changes: (v.diff ?? []).map(changeLine),
  };
}

function diffLines(diff: PolicyChange[] | undefined): string[] {
  return (diff ?? []).map(changeLine);
}

export type PolicySavedAction = 'policy.saved' | 'policy.rolledBack';

/**
 * After a new version (the admin API's save and rollback, the console's ladder editor): audited on the
 * organisation's trail, this process's policy source forgets its cache, the worker re-plans the organisation.
 */
export async function policyVersionSaved(deps: { store: Store; policies: PolicySource; requests: ReplanRequests }, orgId: string, v: PolicyVersion, actor: AuditActor, action: PolicySavedAction) {
  const changes = diffLines(v.diff);
  await deps.store.audit.append({
    orgId, accountId: orgAuditAccount(orgId), actor, channel: 'api', action, invoiceIds: [],
    outcome: `${action === 'policy.rolledBack' ? `rolled back to v${v.rollbackOf ?? '?'} as` : 'saved'} policy version ${v.version} '${v.policy.name}': ${changes.length === 0 ? 'no change' : changes.join('; ')}`,
    details: { version: v.version, ...(v.rollbackOf !== undefined ? { rollbackOf: v.rollbackOf } : {}), ...(v.note !== undefined ? { note: v.note } : {}), diff: v.diff ?? [] },
    at: v.createdAt,
  });
  deps.policies.forget?.(orgId);
  await deps.requests.requestOrganisation(orgId, `policy v${v.version}`, v.createdAt);
  return { orgId, version: v.version, name: v.policy.name, createdAt: v.createdAt.toISOString(), createdBy: actorText(v.createdBy), ...(v.rollbackOf !== undefined ? { rollbackOf: v.rollbackOf } : {}), changes, replan: 'requested' as const };
}

export interface PoliciesRouterDeps {
  store: Store;
  /** The process's policy source (forgets an organisation on a save; the preview compares against it). Default: one over the store. */
  policies?: PolicySource;
  now?: () => Date;
}

export function policiesRouter(deps: PoliciesRouterDeps): Router {
  const router = Router();
  const now = deps.now ?? (() => new Date());
  const { store } = deps;
  const policies = deps.policies ?? storedPolicySource(store.policies);
  const yamlBody = express.text({ type: YAML_MEDIA_TYPES, limit: '1mb' });
  const requests = new ReplanRequests(store.db);
  const states = accountStates(store.db);

  const org = async (id: string) => {
    if (!(await store.organisations.get(id))) throw new AppError('not_found', `organisation ${id} does not exist`);
    return id;
  };

  const saved = (orgId: string, v: PolicyVersion, actor: AuditActor, action: PolicySavedAction) => policyVersionSaved({ store, policies, requests }, orgId, v, actor, action);

  router.put('/orgs/:orgId/policy', yamlBody, async (req, res) => {
    const orgId = await org(String(req.params['orgId']));
    const actor = actorOf(req);
    const v = await store.policies.save(orgId, policyInput(req), now(), actor);
    res.status(201).json(await saved(orgId, v, actor, 'policy.saved'));
  });

  router.get('/orgs/:orgId/policy', async (req, res) => {
    const orgId = await org(String(req.params['orgId']));
    const current = await store.policies.current(orgId);
    const versions = (await store.policies.list(orgId)).map(versionSummary);
    res.json(
      current
        ? { orgId, version: current.version, name: current.policy.name, policy: current.policy, versions }
        : { orgId, version: null, name: DEFAULT_CHOICE.name, policy: DEFAULT_CHOICE.policy, versions },
    );
  });

  router.get('/orgs/:orgId/policy/versions/:version', async (req, res) => {
    const orgId = await org(String(req.params['orgId']));
    const n = versionNumber(req.params['version']);
    const doc = await store.policies.versionDoc(orgId, n);
    if (!doc) throw new AppError('not_found', `organisation ${orgId} has no policy version ${n}`);
    const v = validatePolicy(doc.policy);
    res.json({ orgId, ...versionSummary(doc), diff: doc.diff ?? [], valid: v.ok, policy: v.ok ? v.policy : doc.policy, ...(v.ok ? {} : { problems: v.problems }) });
  });

  router.post('/orgs/:orgId/policy/preview', yamlBody, async (req, res) => {
    const orgId = await org(String(req.params['orgId']));
    const candidate = candidateOf(req);
    res.json(await policyImpact({ store, policies }, orgId, candidate, now()));
  });

  router.post('/orgs/:orgId/policy/rollback', async (req, res) => {
    const orgId = await org(String(req.params['orgId']));
    const { version } = parseInput(RollbackBody, req.body);
    const doc = await store.policies.versionDoc(orgId, version);
    if (!doc) throw new AppError('not_found', `organisation ${orgId} has no policy version ${version}`);
    const actor = actorOf(req);
    const v = await store.policies.save(orgId, doc.policy, now(), actor, { rollbackOf: version });
    res.status(201).json(await saved(orgId, v, actor, 'policy.rolledBack'));
  });

  router.put('/accounts/:id/policy-version', async (req, res) => {
    const id = String(req.params['id']);
    const { version } = parseInput(PolicyVersionBody, req.body);
    const customer = await store.customers.get(id);
    if (!customer) throw new AppError('not_found', `account ${id} does not exist`);
    const chosen = version === null ? null : await store.policies.version(customer.orgId, version);
    if (version !== null && !chosen) throw new AppError('not_found', `organisation ${customer.orgId} has no valid policy version ${version}`);
    const at = now();
    const before = (await states.get(id))?.overrides?.policyVersion ?? null;
    await states.setPolicyVersion(id, customer.orgId, version, at);
    await store.audit.append({
      orgId: customer.orgId, accountId: id, actor: actorOf(req), channel: 'api', action: 'account.policyVersion', invoiceIds: [],
      outcome: chosen ? `custom ladder: policy version ${chosen.version} '${chosen.policy.name}'` : "custom ladder cleared: the organisation's current policy",
      details: { policyVersion: { from: before, to: version } },
      at,
    });
    await requests.request(id, 'policy-version', at);
    res.json({ accountId: id, orgId: customer.orgId, policyVersion: version, name: chosen?.policy.name ?? null });
  });

  return router;
}

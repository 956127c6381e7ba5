// The ladder's version history (GET /console/ladder/versions): every stored version of the organisation's
// policy, newest first — who saved it, when, their note, whether it was a rollback, how many settings it
// changed —; one version against the active one (GET /console/ladder/versions/:n, src/engine/policy-diff.ts
// as a table: setting, in that version, in the active one); and *Roll back* (POST
// /console/ladder/versions/:n/rollback, CSRF-checked like every console form): a new version whose content is
// version n, through the policy store and the admin API's after-save (audited as `policy.rolledBack` with the
// person as actor, re-planned), as the admin API's POST /api/orgs/:orgId/policy/rollback does. History stays
// append-only.
import type { Request } from 'express';
import { diffPolicies, validatePolicy } from '../../../src/engine/index.js';
import type { PolicyVersionDoc } from '../../../src/store/policies.js';
import { html, type Html } from '../html.js';
import { csrfField } from '../layout.js';
import { ConsoleError, type ConsoleDeps, type ConsoleRoute, type Viewer } from '../router.js';
import { activeOf, LADDER, saveVersion } from './ladder.js';
import { changesTable } from './ladder-preview.js';

const when = (d: Date): string => d.toISOString().slice(0, 16).replace('T', ' ');

function rollbackForm(v: Viewer, n: number): Html {
  return html`<form method="post" action="${LADDER}/versions/${n}/rollback" class="inline">${csrfField(v.session.csrf)}<button type="submit" class="secondary">Roll back to v${n}</button></form>`;
}

function nameOf(doc: PolicyVersionDoc): string {
  const p = doc.policy;
  return typeof p === 'object' && p !== null && typeof (p as { name?: unknown }).name === 'string' ? (p as { name: string }).name : '(unnamed)';
}

const DONE: Record<string, (n: string) => string> = {
  saved: (n) => `Saved and activated as version ${n}. The organisation's accounts are being re-planned with it.`,
  rolledback: (n) => `Rolled back: version ${n} has the earlier version's content and is active. The accounts are being re-planned.`,
};

export const ladderVersionsRoute: ConsoleRoute = {
  method: 'get',
  path: '/ladder/versions',
  needs: 'editPolicy',
  async handle(req, v, deps) {
    const [docs, active] = await Promise.all([deps.services.store.policies.list(v.session.orgId), activeOf(v, deps)]);
    const done = typeof req.query['done'] === 'string' ? DONE[req.query['done']] : undefined;
    const version = typeof req.query['version'] === 'string' && /^\d{1,9}$/.test(req.query['version']) ? req.query['version'] : '?';
    const rows = [...docs].reverse();
    return {
      kind: 'page',
      title: 'Ladder versions',
      nav: 'ladder',
      body: html`${done ? html`<p class="notice" role="status">${done(version)}</p>` : ''}
<p>The active version is ${active.name}. <a href="${LADDER}">Back to the editor</a>.</p>
${rows.length === 0
  ? html`<p>No version has been saved: the organisation runs the default ladder. Save one from the <a href="${LADDER}">editor</a>.</p>`
  : html`<table class="versions"><caption>Versions, newest first</caption>
<thead><tr><th scope="col" class="num">Version</th><th scope="col">Name</th><th scope="col">Saved (UTC)</th><th scope="col">By</th><th scope="col">Note</th><th scope="col" class="num">Changes</th><th scope="col">Compare / roll back</th></tr></thead>
<tbody>${rows.map((d) => {
  const isActive = d.version === active.version;
  return html`<tr><th scope="row" class="num">v${d.version}${isActive ? html` <strong>(active)</strong>` : ''}</th><td>${nameOf(d)}</td><td>${when(d.createdAt)}</td><td>${d.createdBy?.name ?? d.createdBy?.id ?? '—'}</td><td>${d.note ?? ''}${d.rollbackOf !== undefined ? html`${d.note ? ' ' : ''}<span class="muted">(rollback to v${d.rollbackOf})</span>` : ''}</td><td class="num">${d.diff?.length ?? '—'}</td>
<td>${isActive ? html`<span class="muted">active</span>` : html`<a href="${LADDER}/versions/${d.version}">Compare v${d.version} with the active version</a> ${rollbackForm(v, d.version)}`}</td></tr>`;
})}</tbody></table>`}`,
    };
  },
};

function versionOf(req: Request): number {
  const raw = String(req.params['version'] ?? '');
  if (!/^[1-9]\d{0,8}$/.test(raw)) throw new ConsoleError(404, 'No such version', 'There is no such version of the ladder.');
  return Number(raw);
}

async function versionDoc(req: Request, v: Viewer, deps: ConsoleDeps): Promise<PolicyVersionDoc> {
  const doc = await deps.services.store.policies.versionDoc(v.session.orgId, versionOf(req));
  if (!doc) throw new ConsoleError(404, 'No such version', 'Your organisation has no such version of the ladder.');
  return doc;
}

export const ladderVersionRoute: ConsoleRoute = {
  method: 'get',
  path: '/ladder/versions/:version',
  needs: 'editPolicy',
  async handle(req, v, deps) {
    const [doc, active] = await Promise.all([versionDoc(req, v, deps), activeOf(v, deps)]);
    const n = doc.version;
    const check = validatePolicy(doc.policy);
    const isActive = n === active.version;
    return {
      kind: 'page',
      title: `Ladder version ${n}`,
      nav: 'ladder',
      body: html`<p>Saved ${when(doc.createdAt)} UTC by ${doc.createdBy?.name ?? doc.createdBy?.id ?? 'unknown'}${doc.note ? html`: “${doc.note}”` : ''}. <a href="${LADDER}/versions">All versions</a>.</p>
${isActive
  ? html`<p>This is the active version.</p>`
  : check.ok
    ? html`${changesTable(diffPolicies(check.policy, active.parsed), `Version ${n} against the active version (${active.name})`, `In v${n}`, `Active (${active.name})`)}${rollbackForm(v, n)}`
    : html`<p class="bad">This version no longer passes the policy's checks, so it cannot be compared or rolled back to:</p><ul>${check.problems.map((p) => html`<li>${p}</li>`)}</ul>`}`,
    };
  },
};

export const ladderRollbackRoute: ConsoleRoute = {
  method: 'post',
  path: '/ladder/versions/:version/rollback',
  needs: 'editPolicy',
  async handle(req, v, deps) {
    const doc = await versionDoc(req, v, deps);
    if (!validatePolicy(doc.policy).ok) throw new ConsoleError(422, 'Cannot roll back', `Version ${doc.version} no longer passes the policy's checks.`);
    const saved = await saveVersion(v, deps, doc.policy, { rollbackOf: doc.version }, 'policy.rolledBack');
    return { kind: 'redirect', to: `${LADDER}/versions?done=rolledback&version=${saved.version}` };
  },
};

export const ladderHistoryRoutes: ConsoleRoute[] = [ladderVersionsRoute, ladderVersionRoute, ladderRollbackRoute];

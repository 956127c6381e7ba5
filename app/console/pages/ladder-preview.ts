// The ladder editor's preview and save (GET /console/ladder/preview, POST /console/ladder/save).
// Preview, before anything is saved: what changes against the active version (src/engine/policy-diff.ts),
// which accounts' next step or its date moves (src/planning/policy-preview.ts policyImpact, the admin API's
// preview: old step and date → new), and one chosen account's next 90 days under the active version and
// under the draft, side by side (the engine's own day-by-day replay, src/engine/explain.ts preview(), as
// the preview CLI runs it). The draft is compared as it would run: under the organisation's sending hours
// and holidays (withOrgCalendar), as the policy source runs every stored version.
// Save makes the draft a new version through the policy store (src/store/policies.ts save: validated again,
// append-only, its diff kept) and the admin API's after-save (app/http/policies.ts policyVersionSaved:
// audited on the organisation's trail with the person as actor, the policy cache forgotten, the
// organisation re-planned), then forgets the draft.
import { z } from 'zod';
import { localDate } from '../../../src/domain/calendar.js';
import { compilePolicy, describeAction, diffPolicies, preview, validatePolicy, type Policy, type PolicyChange, type PreviewEntry } from '../../../src/engine/index.js';
import { policyImpact, type PolicyImpact } from '../../../src/planning/policy-preview.js';
import { Planner } from '../../../src/planning/plan.js';
import { withOrgCalendar } from '../../../src/settings/org-settings.js';
import type { CustomerDoc } from '../../../src/store/types.js';
import { html, type Html } from '../html.js';
import { PolicyDrafts } from '../ladder-drafts.js';
import { csrfField } from '../layout.js';
import { ConsoleError, formOf, type ConsoleDeps, type ConsoleRoute, type Viewer } from '../router.js';
import { accountHref } from './accounts.js';
import { activeOf, LADDER, saveVersion } from './ladder.js';

/** Days of the side-by-side timeline. */
export const TIMELINE_DAYS = 90;
/** Accounts offered in the timeline's select at most (the moved ones first). */
const SELECT_LIMIT = 300;
/** Moved accounts listed at most (the counts cover all). */
const LIST_LIMIT = 500;

export function changesTable(changes: readonly PolicyChange[], caption: string, fromHead: string, toHead: string): Html {
  if (changes.length === 0) return html`<p>No difference.</p>`;
  return html`<table class="diff"><caption>${caption}</caption><thead><tr><th scope="col">Setting</th><th scope="col">${fromHead}</th><th scope="col">${toHead}</th></tr></thead>
<tbody>${changes.map((c) => html`<tr><th scope="row"><code>${c.path}</code></th><td>${c.from}</td><td>${c.to}</td></tr>`)}</tbody></table>`;
}

function movedTable(impact: PolicyImpact): Html {
  const summary = html`<p>${impact.compared} active account${impact.compared === 1 ? '' : 's'} compared; <strong>${impact.changed}</strong> ${impact.changed === 1 ? 'has its' : 'have their'} next step or its date changed.${impact.customLadder > 0 ? ` ${impact.customLadder} on a custom ladder keep it.` : ''}</p>`;
  if (impact.accounts.length === 0) return summary;
  const step = (s: { step: string; date: string } | null) => (s ? html`${s.step}<br><span class="muted">on ${s.date}</span>` : html`<span class="muted">nothing within a year</span>`);
  return html`${summary}<table class="moved"><caption>Accounts whose next step moves${impact.truncated ? ` (the first ${impact.accounts.length})` : ''}</caption>
<thead><tr><th scope="col">Account</th><th scope="col">Next step now</th><th scope="col">Next step with the draft</th></tr></thead>
<tbody>${impact.accounts.map((c) => html`<tr><th scope="row"><a href="${accountHref(c.accountId)}">${c.name}</a></th><td>${step(c.from)}</td><td>${step(c.to)}</td></tr>`)}</tbody></table>`;
}

function entriesByDate(entries: readonly PreviewEntry[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const e of entries) out.set(e.date, [...(out.get(e.date) ?? []), `${e.levelName}: ${describeAction(e.action)}`]);
  return out;
}

/** The two 90-day replays side by side, one row per day on which either does something. */
export function sideBySide(before: readonly PreviewEntry[], after: readonly PreviewEntry[]): { date: string; before: string[]; after: string[]; differs: boolean }[] {
  const a = entriesByDate(before);
  const b = entriesByDate(after);
  return [...new Set([...a.keys(), ...b.keys()])].sort().map((date) => {
    const x = a.get(date) ?? [];
    const y = b.get(date) ?? [];
    return { date, before: x, after: y, differs: JSON.stringify(x) !== JSON.stringify(y) };
  });
}

function timelineTable(rows: ReturnType<typeof sideBySide>, name: string, activeName: string): Html {
  if (rows.length === 0) return html`<p>Nothing would happen to ${name} in the next ${TIMELINE_DAYS} days under either version.</p>`;
  const cell = (xs: string[]) => (xs.length === 0 ? html`<span class="muted">—</span>` : html`<ul class="plain">${xs.map((x) => html`<li>${x}</li>`)}</ul>`);
  return html`<table class="side-by-side"><caption>${name}: the next ${TIMELINE_DAYS} days if nothing changes (no payment, no reply)</caption>
<thead><tr><th scope="col">Date</th><th scope="col">Active version (${activeName})</th><th scope="col">Draft</th><th scope="col">Differs</th></tr></thead>
<tbody>${rows.map((r) => html`<tr${r.differs ? html` class="differs"` : ''}><th scope="row">${r.date}</th><td>${cell(r.before)}</td><td>${cell(r.after)}</td><td>${r.differs ? 'yes' : 'no'}</td></tr>`)}</tbody></table>`;
}

/** The accounts the select offers: the moved ones first, then the others by name. */
function selectable(customers: readonly CustomerDoc[], impact: PolicyImpact): { id: string; name: string }[] {
  const moved = new Set(impact.accounts.map((a) => a.accountId));
  const first = impact.accounts.map((a) => ({ id: a.accountId, name: `${a.name} (moves)` }));
  const rest = customers.filter((c) => c.active && !moved.has(c._id)).sort((a, b) => a.displayName.localeCompare(b.displayName)).map((c) => ({ id: c._id, name: c.displayName }));
  return [...first, ...rest].slice(0, SELECT_LIMIT);
}

async function timelineSection(v: Viewer, deps: ConsoleDeps, chosen: string | undefined, options: { id: string; name: string }[], candidate: Policy, activeName: string): Promise<Html> {
  const pick = html`<form method="get" action="${LADDER}/preview" class="row"><div class="field"><label for="account">Account</label><select id="account" name="account">${options.map((o) => html`<option value="${o.id}"${o.id === chosen ? html` selected` : ''}>${o.name}</option>`)}</select></div><button type="submit">Show its timeline</button></form>`;
  if (chosen === undefined) return html`${pick}<p>The organisation has no active account to show.</p>`;
  const { store, policies, now } = deps.services;
  const planner = new Planner(store, { worker: 'ladder-preview', policies });
  const loaded = await planner.load(chosen);
  if (!loaded || loaded.customer.orgId !== v.session.orgId) throw new ConsoleError(404, 'Account not found', 'There is no such account in your organisation.');
  const own = await planner.accountPolicy(loaded);
  const at = now();
  const before = preview(loaded.account, own.compiled, at, TIMELINE_DAYS).entries;
  const after = own.custom ? before : preview(loaded.account, compilePolicy(candidate), at, TIMELINE_DAYS).entries;
  return html`${pick}${own.custom ? html`<p class="notice">${loaded.customer.displayName} runs a custom ladder (${own.name}): a new version of the organisation's policy does not change it.</p>` : ''}
${timelineTable(sideBySide(before, after), loaded.customer.displayName, activeName)}`;
}

export const ladderPreviewRoute: ConsoleRoute = {
  method: 'get',
  path: '/ladder/preview',
  needs: 'editPolicy',
  async handle(req, v, deps) {
    const { store, policies, now } = deps.services;
    const orgId = v.session.orgId;
    const [draft, active] = await Promise.all([new PolicyDrafts(store.db).get(v.session), activeOf(v, deps)]);
    if (!draft) {
      return { kind: 'page', title: 'Preview the draft', nav: 'ladder', body: html`<p>There is no draft to preview: change a level (or the raw text) in the <a href="${LADDER}">ladder editor</a> first.</p>` };
    }
    const check = validatePolicy(draft.policy);
    if (!check.ok) {
      return { kind: 'page', title: 'Preview the draft', nav: 'ladder', status: 422, body: html`<p class="bad">The draft has ${check.problems.length} problem${check.problems.length === 1 ? '' : 's'}: fix ${check.problems.length === 1 ? 'it' : 'them'} in the <a href="${LADDER}">ladder editor</a> (each is shown at its field) before previewing.</p>` };
    }
    const candidate = v.org ? withOrgCalendar(check.policy, v.org.settings) : check.policy;
    const at = now();
    const [impact, customers] = await Promise.all([policyImpact({ store, policies }, orgId, candidate, at, { limit: LIST_LIMIT }), store.customers.listByOrg(orgId)]);
    const options = selectable(customers, impact);
    const asked = typeof req.query['account'] === 'string' ? req.query['account'] : undefined;
    const chosen = asked !== undefined && options.some((o) => o.id === asked) ? asked : options[0]?.id;
    const stale = draft.baseVersion !== active.version;
    return {
      kind: 'page',
      title: 'Preview the draft',
      nav: 'ladder',
      body: html`<p>As of ${localDate(at, 'UTC')} (UTC). Nothing is saved yet. <a href="${LADDER}">Back to the editor</a>.</p>
${stale ? html`<p class="notice">The active version changed since this draft was started (from ${draft.baseVersion === null ? 'the default ladder' : `v${draft.baseVersion}`} to ${active.name}): saving replaces it with the draft.</p>` : ''}
<section aria-labelledby="what-h"><h2 id="what-h">What the draft changes</h2>${changesTable(diffPolicies(active.parsed, check.policy), `The draft against the active version (${active.name})`, 'Active version', 'Draft')}</section>
<section aria-labelledby="moved-h"><h2 id="moved-h">Accounts whose next step changes</h2>${movedTable(impact)}</section>
<section aria-labelledby="timeline-h"><h2 id="timeline-h">One account, ${TIMELINE_DAYS} days, side by side</h2>${await timelineSection(v, deps, chosen, options, candidate, active.name)}</section>
<section aria-labelledby="save-h"><h2 id="save-h">Save</h2>
<form method="post" action="${LADDER}/save" class="action">${csrfField(v.session.csrf)}
<div class="field"><label for="save-note">Note (why; shown in the history)</label><input id="save-note" name="note" maxlength="500" size="60"></div>
<button type="submit">Save and activate as a new version</button></form></section>`,
    };
  },
};

const Note = z.string().trim().max(500, 'at most 500 characters');

export const ladderSaveRoute: ConsoleRoute = {
  method: 'post',
  path: '/ladder/save',
  needs: 'editPolicy',
  async handle(req, v, deps) {
    const { store } = deps.services;
    const note = Note.safeParse(formOf(req)['note'] ?? '');
    if (!note.success) throw new ConsoleError(422, 'Note too long', 'The note may have at most 500 characters.');
    const drafts = new PolicyDrafts(store.db);
    const draft = await drafts.get(v.session);
    if (!draft) throw new ConsoleError(409, 'Nothing to save', 'There is no draft to save (it was saved or discarded already).');
    const check = validatePolicy(draft.policy);
    if (!check.ok) throw new ConsoleError(422, 'The draft has problems', 'Fix the problems the ladder editor shows at their fields, then save.');
    const saved = await saveVersion(v, deps, draft.policy, note.data === '' ? {} : { note: note.data }, 'policy.saved');
    await drafts.discard(v.session);
    return { kind: 'redirect', to: `${LADDER}/versions?done=saved&version=${saved.version}` };
  },
};

export const ladderPreviewRoutes: ConsoleRoute[] = [ladderPreviewRoute, ladderSaveRoute];

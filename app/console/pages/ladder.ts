// The ladder editor (GET /console/ladder): the organisation's active escalation policy — or the person's
// draft of it (app/console/ladder-drafts.ts) — as one form per level (trigger and day, owner, mandatory, and
// each action with its kind's fields: template, roles to address, cc, response days, task, …), with *Add a
// level*, *Remove level*, *Add action* and a *Remove* box per action; plus the raw view (GET
// /console/ladder/raw), the whole draft as JSON or YAML text. No script: each button is a form's POST that
// updates the draft and answers the page again. Every draft is checked by the one policy parser
// (src/engine/policy.ts validatePolicy) and each problem is shown at its field (ladder-form.ts
// placeProblems; aria-invalid and aria-describedby) with a 422; the raw view lists them with their path.
// Preview and Save are pages/ladder-preview.ts; the version history, diff and rollback pages/ladder-history.ts.
// Every page needs `editPolicy` (managers and admins) in the one authorization table.
import type { Request } from 'express';
import { z } from 'zod';
import { defaultPolicy, TEMPLATE_CATALOGUE, validatePolicy, type Policy } from '../../../src/engine/index.js';
import { AppError } from '../../../src/errors.js';
import { containsNul } from '../../../src/http/app.js';
import { ReplanRequests } from '../../../src/planning/requests.js';
import type { PolicyVersion, SaveOptions } from '../../../src/store/policies.js';
import { policyVersionSaved, yamlValue, type PolicySavedAction } from '../../http/policies.js';
import { html, type Html } from '../html.js';
import {
  ACTION_FIELDS, ACTION_KINDS, ASSIGNEES, fieldId, HOLD_MODES, isObject, LETTERS, levelFromForm, listOf, newAction, newLevel, NUDGE_TO, OWNERS, placeProblems,
  TASKS, TRIGGERS, VIA, type ActionKind, type Input, type PlacedProblems,
} from '../ladder-form.js';
import { PolicyDrafts, type PolicyDraftDoc } from '../ladder-drafts.js';
import { csrfField } from '../layout.js';
import { ConsoleError, formOf, type ConsoleDeps, type ConsoleRoute, type Outcome, type Viewer } from '../router.js';

export const LADDER = '/console/ladder';

/** The organisation's active version (null: the default ladder), as stored — not under the organisation's calendar settings, which apply when it runs. */
export async function activeOf(v: Viewer, deps: ConsoleDeps): Promise<{ version: number | null; parsed: Policy; policy: Input; name: string }> {
  const current = await deps.services.store.policies.current(v.session.orgId);
  const parsed = current?.policy ?? defaultPolicy;
  return { version: current?.version ?? null, parsed, policy: parsed as unknown as Input, name: current ? `${current.policy.name} (v${current.version})` : 'the default ladder' };
}

/** What the person edits: their draft, else the active version. */
export async function editedOf(v: Viewer, deps: ConsoleDeps): Promise<{ draft: PolicyDraftDoc | null; policy: unknown; active: Awaited<ReturnType<typeof activeOf>> }> {
  const [draft, active] = await Promise.all([new PolicyDrafts(deps.services.store.db).get(v.session), activeOf(v, deps)]);
  return { draft, policy: draft ? draft.policy : active.policy, active };
}

/**
 * A new version of the organisation's policy, as the admin API makes one: through the policy store (validated,
 * append-only, its diff kept) and its after-save (audited with the person as actor, cache forgotten, re-planned).
 */
export async function saveVersion(v: Viewer, deps: ConsoleDeps, input: unknown, opts: SaveOptions, action: PolicySavedAction): Promise<PolicyVersion> {
  const { store, policies, now } = deps.services;
  const actor = { kind: 'person' as const, id: v.person.email, name: v.person.name };
  const saved = await store.policies.save(v.session.orgId, input, now(), actor, opts);
  await policyVersionSaved({ store, policies, requests: new ReplanRequests(store.db) }, v.session.orgId, saved, actor, action);
  return saved;
}

const text = (v: unknown): string => (v === undefined || v === null ? '' : typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v));

/** Renders fields, taking each field's problems from the placed problems as it goes (what is left is shown on the level). */
class Fields {
  private readonly used = new Set<string>();
  constructor(private readonly placed: PlacedProblems) {}

  private problems(id: string): string[] {
    this.used.add(id);
    return this.placed.fields.get(id) ?? [];
  }

  /** aria attributes and the problem paragraph of a field. */
  private marks(id: string): { attrs: Html; err: Html } {
    const ps = this.problems(id);
    if (ps.length === 0) return { attrs: html``, err: html`` };
    return { attrs: html` aria-invalid="true" aria-describedby="${id}-err"`, err: html`<p class="bad" id="${id}-err">${ps.join(' ')}</p>` };
  }

  input(id: string, name: string, label: string, value: unknown, opts: { type?: string; hint?: string; size?: number } = {}): Html {
    const m = this.marks(id);
    return html`<div class="field"><label for="${id}">${label}</label>${opts.hint ? html`<span class="muted hint">${opts.hint}</span>` : ''}<input id="${id}" name="${name}" type="${opts.type ?? 'text'}" value="${text(value)}"${opts.size ? html` size="${opts.size}"` : ''}${m.attrs}>${m.err}</div>`;
  }

  select(id: string, name: string, label: string, value: unknown, options: readonly string[]): Html {
    const m = this.marks(id);
    const current = text(value);
    const all = current === '' || options.includes(current) ? options : [current, ...options];
    return html`<div class="field"><label for="${id}">${label}</label><select id="${id}" name="${name}"${m.attrs}>${current === '' ? html`<option value="" selected>(choose)</option>` : ''}${all.map((o) => html`<option value="${o}"${o === current ? html` selected` : ''}>${o}</option>`)}</select>${m.err}</div>`;
  }

  checkbox(id: string, name: string, label: string, checked: boolean): Html {
    const m = this.marks(id);
    return html`<div class="field check"><input id="${id}" name="${name}" type="checkbox"${checked ? html` checked` : ''}${m.attrs}><label for="${id}">${label}</label>${m.err}</div>`;
  }

  /** A group's own problems (the level's actions as a whole): a paragraph the group points at. */
  group(id: string): { attrs: Html; err: Html } {
    return this.marks(id);
  }

  /** The placed problems of this level no field took. */
  leftover(level: number): string[] {
    const rest = [...this.placed.fields.entries()].filter(([id]) => id.startsWith(`l${level}-`) && !this.used.has(id)).flatMap(([, ps]) => ps);
    return [...(this.placed.levels.get(level) ?? []), ...rest];
  }
}

function actionFields(f: Fields, i: number, j: number, a: Input, roles: readonly string[]): Html {
  const kind = text(a['kind']);
  const id = (k: string) => fieldId(i, k, j);
  const name = (k: string) => `a${j}-${k}`;
  const fields = ACTION_FIELDS[kind as ActionKind] ?? [];
  const one = (k: string): Html => {
    switch (k) {
      case 'template': {
        const catalogue = kind === 'letter' ? TEMPLATE_CATALOGUE.letter : kind === 'slackNudge' ? TEMPLATE_CATALOGUE.slackNudge : TEMPLATE_CATALOGUE.email;
        return f.select(id(k), name(k), 'Template', a[k], catalogue);
      }
      case 'to':
        return kind === 'slackNudge' ? f.select(id(k), name(k), 'To (person)', a[k], NUDGE_TO) : f.select(id(k), name(k), 'To (contact role)', a[k], roles);
      case 'cc':
        return f.input(id(k), name(k), 'Cc (roles, comma-separated)', listOf(a[k]).map(text).join(', '));
      case 'via':
        return f.select(id(k), name(k), 'Sent by', a[k] ?? 'smtp', VIA);
      case 'urgent':
        return f.checkbox(id(k), name(k), 'Urgent', a[k] === true);
      case 'readReceipt':
        return f.checkbox(id(k), name(k), 'Ask for a read receipt', a[k] === true);
      case 'letter':
        return f.select(id(k), name(k), 'Letter', a[k], LETTERS);
      case 'responseDays':
        return f.input(id(k), name(k), 'Response days', a[k], { size: 5 });
      case 'task':
        return f.select(id(k), name(k), 'Task', a[k], TASKS);
      case 'assignee':
        return f.select(id(k), name(k), 'Assignee', a[k], ASSIGNEES);
      case 'target':
        return f.select(id(k), name(k), 'Contact role to reach (optional)', a[k] ?? '', ['', ...roles].filter((r, n, all) => all.indexOf(r) === n && (r !== '' || n === 0)));
      case 'mode':
        return f.select(id(k), name(k), 'Credit hold', a[k], HOLD_MODES);
      default:
        return html``;
    }
  };
  return html`<fieldset class="action-spec"><legend>Action ${j + 1}: ${kind || '(no kind)'} ${text(a['id'])}</legend>
${f.select(id('kind'), name('kind'), 'Kind', kind, ACTION_KINDS)}
${f.input(id('id'), name('id'), 'Action id', a['id'], { size: 16 })}
${fields.filter((k) => k !== 'target').map(one)}${fields.includes('target') ? one('target') : ''}
${f.checkbox(id('remove'), name('remove'), `Remove action ${j + 1}`, false)}
</fieldset>`;
}

function levelForm(v: Viewer, placed: PlacedProblems, i: number, level: unknown, roles: readonly string[], count: number): Html {
  const l = isObject(level) ? level : {};
  const trigger = isObject(l['trigger']) ? l['trigger'] : {};
  const actions = listOf(l['actions']);
  const f = new Fields(placed);
  const title = `Level ${i + 1}: ${text(l['name']) || text(l['id']) || '(unnamed)'}`;
  const head = html`<div class="row">
${f.input(fieldId(i, 'id'), 'id', 'Level id', l['id'], { size: 16 })}
${f.input(fieldId(i, 'name'), 'name', 'Name', l['name'], { size: 20 })}
${f.select(fieldId(i, 'owner'), 'owner', 'Owner', l['owner'], OWNERS)}
${f.select(fieldId(i, 'trigger'), 'trigger', 'Starts', trigger['kind'], TRIGGERS)}
${f.input(fieldId(i, 'days'), 'days', 'Day', trigger['days'], { size: 5, hint: 'days past due (negative: before due), or days after the previous level' })}
${f.checkbox(fieldId(i, 'mandatory'), 'mandatory', 'Mandatory (never skipped)', l['mandatory'] === true)}
</div>`;
  const group = f.group(fieldId(i, 'actions'));
  const body = actions.map((a, j) => actionFields(f, i, j, isObject(a) ? a : {}, roles));
  const leftover = f.leftover(i);
  return html`<section class="level" id="level-${i}" aria-labelledby="l${i}-h"><h2 id="l${i}-h">${title}</h2>
${leftover.length > 0 ? html`<ul class="bad" id="l${i}-problems">${leftover.map((p) => html`<li>${p}</li>`)}</ul>` : ''}
<form class="level" method="post" action="${LADDER}/levels/${i}"${leftover.length > 0 ? html` aria-describedby="l${i}-problems"` : ''}>${csrfField(v.session.csrf)}
${head}
<fieldset class="actions"${group.attrs}><legend>Actions of level ${i + 1}</legend>${group.err}
<input type="hidden" name="actions" value="${actions.length}">
${body}
</fieldset>
<div class="buttons"><button type="submit" name="op" value="update">Update level ${i + 1}</button> <button type="submit" name="op" value="preview" class="secondary">Update and preview</button>${count > 1 ? html` <button type="submit" name="op" value="remove" class="secondary">Remove level ${i + 1}</button>` : ''}</div>
<div class="row add"><div class="field"><label for="l${i}-new-kind">New action's kind</label><select id="l${i}-new-kind" name="new-kind">${ACTION_KINDS.map((k) => html`<option value="${k}">${k}</option>`)}</select></div><button type="submit" name="op" value="add-action" class="secondary">Add action to level ${i + 1}</button></div>
</form></section>`;
}

const NOTICES: Record<string, string> = {
  updated: 'The draft is updated. Preview it to see which accounts it moves, then save it.',
  added: 'A level was added at the end of the draft: fill it in and update it.',
  removed: 'The level was removed from the draft.',
  raw: 'The draft was replaced by the raw text.',
  discarded: 'The draft was discarded: the editor shows the active version.',
};

/** The top of every editor page: what is edited, the other views, and the draft's problems as a summary linking to their fields. */
function header(v: Viewer, draft: PolicyDraftDoc | null, active: { version: number | null; name: string }, problems: readonly string[], placed: PlacedProblems | null, notice: string | undefined, view: 'form' | 'raw'): Html {
  const fieldLinks = placed ? [...placed.fields.entries()].flatMap(([id, ps]) => ps.map((p) => html`<li><a href="#${id}">${p}</a></li>`)) : [];
  const levelItems = placed ? [...placed.levels.entries()].flatMap(([i, ps]) => ps.map((p) => html`<li><a href="#level-${i}">level ${i + 1}: ${p}</a></li>`)) : [];
  const general = placed ? placed.general : problems;
  return html`${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
<p>${draft ? html`You are editing a <strong>draft</strong> (not saved) started from ${draft.baseVersion === null ? 'the default ladder' : `version ${draft.baseVersion}`}; the active version is ${active.name}.` : html`You are looking at the active version, ${active.name}. Updating a level or the raw text starts a draft; nothing runs until you save it.`}</p>
<nav aria-label="Ladder"><ul class="inline">
<li>${view === 'form' ? html`<a href="${LADDER}/raw">Raw view (JSON or YAML)</a>` : html`<a href="${LADDER}">Form view</a>`}</li>
<li><a href="${LADDER}/preview">Preview the draft</a></li>
<li><a href="${LADDER}/versions">Version history</a></li>
</ul></nav>
${draft ? html`<form method="post" action="${LADDER}/discard">${csrfField(v.session.csrf)}<button type="submit" class="secondary">Discard the draft</button></form>` : ''}
${problems.length > 0
  ? html`<div class="problems" id="problems"><h2>${problems.length === 1 ? '1 problem' : `${problems.length} problems`} to fix before this ladder can be saved</h2>
<ul>${fieldLinks}${levelItems}${general.map((p) => html`<li>${p}</li>`)}</ul></div>`
  : ''}`;
}

async function editorPage(v: Viewer, deps: ConsoleDeps, notice?: string, status?: number): Promise<Outcome> {
  const { draft, policy, active } = await editedOf(v, deps);
  const check = validatePolicy(policy);
  const problems = check.ok ? [] : check.problems;
  const placed = placeProblems(problems);
  const p = isObject(policy) ? policy : {};
  const levels = listOf(p['levels']);
  const roles = listOf(p['contactLadder']).filter((r): r is string => typeof r === 'string');
  return {
    kind: 'page',
    title: 'Ladder editor',
    nav: 'ladder',
    status: status ?? (problems.length > 0 && draft ? 422 : 200),
    body: html`${header(v, draft, active, problems, placed, notice, 'form')}
<p class="muted">Policy <strong>${text(p['name'])}</strong>; contact roles from first addressed to most senior: ${roles.join(', ') || '—'}. Other settings (calendar, pauses, fast track, write-off, limits) are edited in the raw view.</p>
${levels.map((l, i) => levelForm(v, placed, i, l, roles, levels.length))}
<form method="post" action="${LADDER}/levels">${csrfField(v.session.csrf)}<button type="submit">Add a level</button></form>`,
  };
}

function levelIndex(req: Request, levels: readonly unknown[]): number {
  const raw = String(req.params['level'] ?? '');
  const i = /^\d{1,3}$/.test(raw) ? Number(raw) : -1;
  if (i < 0 || i >= levels.length) throw new ConsoleError(404, 'No such level', 'The draft has no such level (it may have been removed): reload the editor.');
  return i;
}

/** Keep the edited policy as the draft and answer the editor: 422 with the problems at their fields, else back to it (303). */
async function keep(v: Viewer, deps: ConsoleDeps, policy: Input, baseVersion: number | null, done: string, anchor: string, then: 'editor' | 'preview' = 'editor'): Promise<Outcome> {
  await new PolicyDrafts(deps.services.store.db).put(v.session, policy, baseVersion, deps.services.now());
  if (!validatePolicy(policy).ok) return editorPage(v, deps, undefined, 422);
  return { kind: 'redirect', to: then === 'preview' ? `${LADDER}/preview` : `${LADDER}?done=${done}${anchor}` };
}

export const ladderRoute: ConsoleRoute = {
  method: 'get',
  path: '/ladder',
  needs: 'editPolicy',
  async handle(req, v, deps) {
    const done = typeof req.query['done'] === 'string' ? NOTICES[req.query['done']] : undefined;
    return editorPage(v, deps, done);
  },
};

export const ladderLevelRoute: ConsoleRoute = {
  method: 'post',
  path: '/ladder/levels/:level',
  needs: 'editPolicy',
  async handle(req, v, deps) {
    const form = formOf(req);
    const { draft, policy, active } = await editedOf(v, deps);
    const p: Input = isObject(policy) ? { ...policy } : {};
    const levels = [...listOf(p['levels'])];
    const i = levelIndex(req, levels);
    const op = form['op'] ?? 'update';
    const base = draft ? draft.baseVersion : active.version;
    if (op === 'remove') {
      levels.splice(i, 1);
      return keep(v, deps, { ...p, levels }, base, 'removed', '');
    }
    const level = levelFromForm(form);
    if (op === 'add-action') {
      const kind = ACTION_KINDS.find((k) => k === form['new-kind']) ?? 'email';
      const actions = listOf(level['actions']);
      level['actions'] = [...actions, newAction(kind, actions, listOf(p['contactLadder']))];
    }
    levels[i] = level;
    return keep(v, deps, { ...p, levels }, base, 'updated', `#level-${i}`, op === 'preview' ? 'preview' : 'editor');
  },
};

export const ladderAddLevelRoute: ConsoleRoute = {
  method: 'post',
  path: '/ladder/levels',
  needs: 'editPolicy',
  async handle(_req, v, deps) {
    const { draft, policy, active } = await editedOf(v, deps);
    const p: Input = isObject(policy) ? { ...policy } : {};
    const levels = listOf(p['levels']);
    return keep(v, deps, { ...p, levels: [...levels, newLevel(levels)] }, draft ? draft.baseVersion : active.version, 'added', `#level-${levels.length}`);
  },
};

export const ladderDiscardRoute: ConsoleRoute = {
  method: 'post',
  path: '/ladder/discard',
  needs: 'editPolicy',
  async handle(_req, v, deps) {
    await new PolicyDrafts(deps.services.store.db).discard(v.session);
    return { kind: 'redirect', to: `${LADDER}?done=discarded` };
  },
};

/** The raw view's form: the CSRF token and the text (longer than other forms' fields: a whole policy). */
const RawForm = z.object({ _csrf: z.string(), policy: z.string().max(500_000) });

function rawPage(v: Viewer, draft: PolicyDraftDoc | null, active: { version: number | null; name: string }, textValue: string, problems: readonly string[], status: number, notice?: string): Outcome {
  const invalid = problems.length > 0;
  return {
    kind: 'page',
    title: 'Ladder editor: raw view',
    nav: 'ladder',
    status,
    body: html`${header(v, draft, active, problems, null, notice, 'raw')}
<form method="post" action="${LADDER}/raw">${csrfField(v.session.csrf)}
<div class="field"><label for="raw-policy">The whole policy, as JSON or YAML</label>
<textarea id="raw-policy" name="policy" rows="30" cols="100" spellcheck="false"${invalid ? html` aria-invalid="true" aria-describedby="problems"` : ''}>${textValue}</textarea></div>
<button type="submit">Use this text as the draft</button>
</form>`,
  };
}

export const ladderRawRoute: ConsoleRoute = {
  method: 'get',
  path: '/ladder/raw',
  needs: 'editPolicy',
  async handle(_req, v, deps) {
    const { draft, policy, active } = await editedOf(v, deps);
    const check = validatePolicy(policy);
    return rawPage(v, draft, active, JSON.stringify(policy, null, 2), check.ok ? [] : check.problems, 200);
  },
};

export const ladderRawPostRoute: ConsoleRoute = {
  method: 'post',
  path: '/ladder/raw',
  needs: 'editPolicy',
  async handle(req, v, deps) {
    const form = RawForm.safeParse(req.body ?? {});
    if (!form.success) throw new ConsoleError(400, 'Form not understood', 'The raw view sends one text of at most 500,000 characters.');
    const { draft, active } = await editedOf(v, deps);
    const textValue = form.data.policy;
    let value: unknown;
    try {
      // JSON is YAML: the admin API's YAML reader (its syntax problems with line and column) reads both.
      value = yamlValue(textValue);
      if (containsNul(value)) throw new AppError('unprocessable', 'the text contains a NUL character', ['the text contains a NUL character (U+0000), which no field accepts']);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      return rawPage(v, draft, active, textValue, Array.isArray(err.details) && err.details.length > 0 ? err.details.map(String) : [err.message], 422);
    }
    const check = validatePolicy(value);
    if (!check.ok) return rawPage(v, draft, active, textValue, check.problems, 422);
    await new PolicyDrafts(deps.services.store.db).put(v.session, value, draft ? draft.baseVersion : active.version, deps.services.now());
    return { kind: 'redirect', to: `${LADDER}?done=raw` };
  },
};

export const ladderEditorRoutes: ConsoleRoute[] = [ladderRoute, ladderAddLevelRoute, ladderLevelRoute, ladderDiscardRoute, ladderRawRoute, ladderRawPostRoute];

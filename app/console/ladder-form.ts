// The ladder editor's forms (app/console/pages/ladder.ts), as pure functions: one level's form fields to
// the level as policy *input* (validated afterwards by the one policy parser, src/engine/policy.ts
// validatePolicy, never here), the new level and new action the editor's buttons add, and where each of
// validatePolicy's problems is shown: the field it names (a zod issue's path, e.g.
// `levels[2].trigger.days`), else the field its consistency rule is about (`levels[2] 'rep-call': levels out
// of order: day 10 …` is the level's day), else the level, else the page.
import { EMAIL_ROUTE_NAMES, TEMPLATE_CATALOGUE, type ActionSpec } from '../../src/engine/index.js';

export type Input = Record<string, unknown>;

export type ActionKind = ActionSpec['kind'];
/** Every kind of action (ACTION_FIELDS, a Record over ActionKind, keeps it complete). */
export const ACTION_KINDS: readonly ActionKind[] = ['email', 'letter', 'slackNudge', 'task', 'creditHold', 'agencyReferral'];
export const OWNERS = ['automatic', 'salesRep', 'collector', 'approver'] as const;
export const TRIGGERS = ['daysPastDue', 'daysAfterPrevious', 'deadlineExpired'] as const;
export const LETTERS = ['writtenWarning', 'finalDemand'] as const;
export const NUDGE_TO = ['salesRep', 'collector', 'approver', 'manager'] as const;
export const TASKS = ['call', 'voicemail', 'mail', 'courier', 'fax'] as const;
export const ASSIGNEES = ['salesRep', 'collector'] as const;
export const HOLD_MODES = ['propose', 'place'] as const;
export const VIA = EMAIL_ROUTE_NAMES;

/** The fields each kind of action has in the form, after its kind and id. */
export const ACTION_FIELDS: Record<ActionKind, readonly string[]> = {
  email: ['template', 'to', 'cc', 'via', 'urgent', 'readReceipt'],
  letter: ['letter', 'template', 'to', 'cc', 'responseDays'],
  slackNudge: ['template', 'to'],
  task: ['task', 'assignee', 'target'],
  creditHold: ['mode'],
  agencyReferral: [],
};

export const isObject = (v: unknown): v is Input => typeof v === 'object' && v !== null && !Array.isArray(v);
export const listOf = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** A whole number as a number; anything else as typed, for the policy parser to refuse at its field. */
function wholeOr(raw: string | undefined): unknown {
  const s = (raw ?? '').trim();
  return /^-?\d{1,6}$/.test(s) ? Number(s) : s;
}

const roles = (raw: string | undefined): string[] =>
  (raw ?? '')
    .split(',')
    .map((r) => r.trim())
    .filter((r) => r !== '');

/** Action j of a level's form (fields `a<j>-<field>`), or null when its *Remove* box is ticked. */
export function actionFromForm(form: Record<string, string>, j: number): Input | null {
  const f = (k: string): string | undefined => form[`a${j}-${k}`];
  if (f('remove') === 'on') return null;
  const kind = (f('kind') ?? '').trim();
  const base = { id: (f('id') ?? '').trim(), kind };
  const text = (k: string) => (f(k) ?? '').trim();
  switch (kind) {
    case 'email':
      return { ...base, template: text('template'), to: text('to'), cc: roles(f('cc')), via: text('via') || 'smtp', urgent: f('urgent') === 'on', readReceipt: f('readReceipt') === 'on' };
    case 'letter':
      return { ...base, letter: text('letter'), template: text('template'), to: text('to'), cc: roles(f('cc')), responseDays: wholeOr(f('responseDays')) };
    case 'slackNudge':
      return { ...base, template: text('template'), to: text('to') };
    case 'task':
      return { ...base, task: text('task'), assignee: text('assignee'), ...(text('target') !== '' ? { target: text('target') } : {}) };
    case 'creditHold':
      return { ...base, mode: text('mode') };
    default:
      return base;
  }
}

/** A level's form: its fields, its `actions` count of actions (each `a<j>-…`), as the level's policy input. */
export function levelFromForm(form: Record<string, string>): Input {
  const count = Math.min(Math.max(Number.parseInt(form['actions'] ?? '0', 10) || 0, 0), 50);
  const actions: Input[] = [];
  for (let j = 0; j < count; j++) {
    const a = actionFromForm(form, j);
    if (a) actions.push(a);
  }
  const kind = (form['trigger'] ?? '').trim();
  return {
    id: (form['id'] ?? '').trim(),
    name: (form['name'] ?? '').trim(),
    owner: (form['owner'] ?? '').trim(),
    trigger: kind === 'deadlineExpired' ? { kind } : { kind, days: wholeOr(form['days']) },
    mandatory: form['mandatory'] === 'on',
    actions,
  };
}

function freeId(taken: readonly unknown[], stem: string): string {
  const ids = new Set(taken.map((x) => (isObject(x) ? x['id'] : undefined)));
  for (let n = 1; ; n++) if (!ids.has(`${stem}-${n}`)) return `${stem}-${n}`;
}

/** The action *Add action* appends: the kind chosen, filled with the first choices (the person edits them). */
export function newAction(kind: string, existing: readonly unknown[], contactLadder: readonly unknown[]): Input {
  const role = typeof contactLadder[0] === 'string' ? contactLadder[0] : 'billing';
  const id = freeId(existing, kind.toLowerCase().replace(/[^a-z0-9]+/g, '-') || 'action');
  switch (kind) {
    case 'email':
      return { id, kind, template: TEMPLATE_CATALOGUE.email[0], to: role, cc: [], via: 'smtp', urgent: false, readReceipt: false };
    case 'letter':
      return { id, kind, letter: 'writtenWarning', template: TEMPLATE_CATALOGUE.letter[0], to: role, cc: [], responseDays: 10 };
    case 'slackNudge':
      return { id, kind, template: TEMPLATE_CATALOGUE.slackNudge[1], to: 'collector' };
    case 'task':
      return { id, kind, task: 'call', assignee: 'collector', target: role };
    case 'creditHold':
      return { id, kind, mode: 'propose' };
    default:
      return { id, kind };
  }
}

/** The level *Add a level* appends at the end: a collector's Slack reminder a week after the last level. */
export function newLevel(levels: readonly unknown[]): Input {
  const id = freeId(levels, 'level');
  return {
    id,
    name: id.replace('-', ' '),
    owner: 'collector',
    trigger: { kind: 'daysAfterPrevious', days: 7 },
    mandatory: false,
    actions: [{ id: 'nudge', kind: 'slackNudge', template: 'collector-call', to: 'collector' }],
  };
}

/** The element id of a level's field (`l2-days`) or of an action's (`l2-a0-template`). */
export function fieldId(level: number, field: string, action?: number): string {
  return action === undefined ? `l${level}-${field}` : `l${level}-a${action}-${field}`;
}

export interface PlacedProblems {
  /** By field id (fieldId): the problems shown at that field. */
  fields: Map<string, string[]>;
  /** By level index: the level's problems that name no one field. */
  levels: Map<number, string[]>;
  /** Problems outside the levels (shown at the top with their path). */
  general: string[];
}

const LEVEL_FIELDS = new Set(['id', 'name', 'owner', 'mandatory', 'actions']);

/** Which field of a level a consistency problem (a message without a field path) is about. */
function levelFieldOf(message: string): string | null {
  if (/duplicate level id/.test(message)) return 'id';
  if (/cannot be mandatory|must be mandatory/.test(message)) return 'mandatory';
  if (/no actions|more than one customer|may only send emails/.test(message)) return 'actions';
  if (/trigger 'deadlineExpired'|cannot trigger relative|must trigger on days past due/.test(message)) return 'trigger';
  if (/out of order|days?\b|before the due date/.test(message)) return 'days';
  return null;
}

/** Which field of an action a consistency problem is about (null: the action as a whole, shown at its kind). */
function actionFieldOf(message: string): { field: string; level?: true } {
  if (/must be mandatory/.test(message)) return { field: 'mandatory', level: true };
  if (/template/.test(message)) return { field: 'template' };
  if (/contact role/.test(message)) return { field: 'to' };
  if (/responseDays|response deadline/.test(message)) return { field: 'responseDays' };
  if (/duplicate action id/.test(message)) return { field: 'id' };
  if (/platform's invoice email/.test(message)) return { field: 'via' };
  return { field: 'kind' };
}

/** Where each of validatePolicy's problems (`path: message`) is shown in the editor. */
export function placeProblems(problems: readonly string[]): PlacedProblems {
  const out: PlacedProblems = { fields: new Map(), levels: new Map(), general: [] };
  const add = <K>(m: Map<K, string[]>, k: K, p: string) => m.set(k, [...(m.get(k) ?? []), p]);
  for (const problem of problems) {
    const m = /^levels\[(\d+)\]([^:]*): (.*)$/s.exec(problem);
    if (!m) {
      out.general.push(problem);
      continue;
    }
    const level = Number(m[1]);
    const path = (m[2] ?? '').replace(/ '[^']*'/g, '');
    const message = m[3] ?? '';
    const action = /^\.actions\[(\d+)\](?:\.(\w+))?/.exec(path);
    const trigger = /^\.trigger(?:\.(\w+))?/.exec(path);
    const plain = /^\.(\w+)$/.exec(path);
    if (action) {
      const j = Number(action[1]);
      const named = action[2];
      if (named !== undefined) add(out.fields, fieldId(level, named, j), message);
      else {
        const at = actionFieldOf(message);
        add(out.fields, at.level ? fieldId(level, at.field) : fieldId(level, at.field, j), `action ${j + 1}: ${message}`);
      }
    } else if (trigger) {
      add(out.fields, fieldId(level, trigger[1] === 'days' ? 'days' : 'trigger'), message);
    } else if (plain?.[1] !== undefined && LEVEL_FIELDS.has(plain[1])) {
      add(out.fields, fieldId(level, plain[1]), message);
    } else if (path === '') {
      const field = levelFieldOf(message);
      if (field) add(out.fields, fieldId(level, field), message);
      else add(out.levels, level, message);
    } else add(out.levels, level, `${path.replace(/^\./, '')}: ${message}`);
  }
  return out;
}

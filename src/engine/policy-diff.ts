// What changed between two versions of an escalation policy, as a readable list
// of paths from → to (e.g. `levels[2].trigger.days: 30 → 21`). Pure: two parsed
// policies (defaults applied, so a field left out and its default compare equal)
// in, the changes out. Objects are compared key by key, lists of objects item by
// item (an added or removed item is one change), lists of plain values whole.
import type { Policy } from './policy.js';

export interface PolicyChange {
  /** `levels[2].trigger.days`; `(policy)` for the whole policy. */
  path: string;
  /** The value before, as short text; `(none)` when the path did not exist. */
  from: string;
  /** The value after, as short text; `(none)` when the path no longer exists. */
  to: string;
}

/** Longest value text kept in a change (a whole added level is summarised). */
const MAX_VALUE_TEXT = 120;

const NONE = '(none)';

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A value as short text: strings as they are, the rest as JSON, long ones cut. */
export function valueText(v: unknown): string {
  if (v === undefined) return NONE;
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  if (isPlainObject(v) && typeof v['id'] === 'string' && text.length > MAX_VALUE_TEXT) return `{id: ${v['id']}, …}`;
  return text.length > MAX_VALUE_TEXT ? `${text.slice(0, MAX_VALUE_TEXT - 1)}…` : text;
}

function join(path: string, key: string | number): string {
  return typeof key === 'number' ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function walk(path: string, a: unknown, b: unknown, out: PolicyChange[]): void {
  if (same(a, b)) return;
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = [...Object.keys(a), ...Object.keys(b).filter((k) => !(k in a))];
    for (const k of keys) walk(join(path, k), a[k], b[k], out);
    return;
  }
  const objects = (l: unknown[]): boolean => l.some((x) => isPlainObject(x) || Array.isArray(x));
  if (Array.isArray(a) && Array.isArray(b) && (objects(a) || objects(b))) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) walk(join(path, i), a[i], b[i], out);
    return;
  }
  out.push({ path: path === '' ? '(policy)' : path, from: valueText(a), to: valueText(b) });
}

/** The changes from one policy to the next, in the order of the policy's fields. */
export function diffPolicies(from: Policy, to: Policy): PolicyChange[] {
  const out: PolicyChange[] = [];
  walk('', from, to, out);
  return out;
}

/** One change as a line: `levels[2].trigger.days: 30 → 21`. */
export function changeLine(c: PolicyChange): string {
  return `${c.path}: ${c.from} → ${c.to}`;
}

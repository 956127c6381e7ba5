// A missing role is a task: when a level's email or letter needs a role that no
// reachable contact holds, the collector gets one find-contact task per level
// and role (a stable key, so replans never add a second), and the email waits
// `contacts.missingRoleWaitDays` business days, counted from the day the level
// was reached (or the day an earlier level first asked for the same role). If the role appears in time, the email goes to it; after the wait
// it goes to the nearest higher role found, else to the nearest lower one — and
// then the decision, the timeline and the audit say so (never silently down).

import { addBusinessDayNumbers, formatDayNumberShort, localDayNumber } from '../domain/calendar.js';
import type { Totals } from '../domain/money.js';
import type { Contact, Person } from './account.js';
import { recipient, roleLabel } from './contacts.js';
import { wakeOn, type Ctx } from './context.js';
import type { DueAction, Recipient } from './decision-types.js';
import type { ActionSpec, CompiledLevel } from './policy.js';

/** The actionId of a level's find-contact task for `role` (a '.' never appears in a policy's action ids). */
export function findContactActionId(role: string): string {
  return `find-contact.${role}`;
}

/** What the action is, in words: "the final demand", "the 'reminder-1' email". */
function what(spec: Extract<ActionSpec, { kind: 'email' | 'letter' }>): string {
  if (spec.kind === 'letter') return spec.letter === 'finalDemand' ? 'the final demand' : 'the written warning';
  return `the '${spec.template}' email`;
}

/**
 * The day the wait for `role` began: the day the level was reached, or the day an earlier level of the
 * account first asked for the same role, if earlier (one role is waited for once, not at every level).
 */
function waitStart(ctx: Ctx, role: string, levelReached: number | undefined): number {
  let start = levelReached ?? ctx.today;
  const id = findContactActionId(role);
  for (const h of ctx.a.history) {
    if (h.kind !== 'task' || h.actionId !== id) continue;
    const d = localDayNumber(h.at, ctx.tz);
    if (d < start) start = d;
  }
  return start;
}

export interface AddresseeInput {
  readonly level: CompiledLevel;
  readonly spec: Extract<ActionSpec, { kind: 'email' | 'letter' }>;
  /** The first reachable contact (working email) per ladder rank. */
  readonly byRank: readonly (Contact | undefined)[];
  /** The day the level was reached (the wait counts from it); undefined: no wait (the courtesy level, before the due date). */
  readonly waitFrom: number | undefined;
  /** The find-contact task's key: the level's and the role's, no invoice ids (one task per level and role). */
  readonly findKey: string;
  readonly invoiceIds: readonly string[];
  readonly at: number;
  readonly amounts: Totals;
  readonly collector: Person | null;
}

/**
 * Who the email or letter goes to today: the role asked for; 'waiting' while the wait for a missing role
 * runs; after it the nearest higher role, else the nearest lower one (with `fallbackNote`); null when no
 * contact is reachable at all. Adds the find-contact task (once) and the reasons to the decision.
 */
export function addressee(ctx: Ctx, x: AddresseeInput, out: DueAction[]): Recipient | 'waiting' | null {
  const { a, cp } = ctx;
  const role = x.spec.to;
  const rank = cp.roleRank.get(role);
  const exact = rank === undefined ? undefined : x.byRank[rank];
  if (exact) return recipient(exact, role, role);

  const label = roleLabel(role);
  const days = x.waitFrom === undefined ? 0 : cp.missingRoleWaitDays;
  const until = addBusinessDayNumbers(waitStart(ctx, role, x.waitFrom), days, ctx.cal);
  const waiting = ctx.today < until;
  const key = x.findKey;
  if (!a.history.some((h) => h.key === key)) {
    out.push({
      key,
      levelId: x.level.id,
      levelName: x.level.name,
      actionId: findContactActionId(role),
      invoiceIds: x.invoiceIds,
      at: x.at,
      customerFacing: false,
      amounts: x.amounts,
      kind: 'task',
      task: 'find-contact',
      assignee: 'collector',
      person: x.collector,
      target: null,
      note: `Find a ${label} contact for ${a.name}: ${what(x.spec)} ${days > 0 ? `waits for one until ${formatDayNumberShort(until)}` : 'could not wait for one'}`,
    });
  }
  if (waiting) {
    ctx.reasons.push({ code: 'contact-wait', text: `no reachable ${label} contact: ${what(x.spec)} waits for one until ${formatDayNumberShort(until)} (find-contact task for the collector)` });
    wakeOn(ctx, until);
    return 'waiting';
  }
  const after = days > 0 ? ` after ${days} business day${days === 1 ? '' : 's'}` : '';
  const ladder = cp.policy.contactLadder;
  const start = rank ?? 0;
  const found = (r: number): Recipient | null => {
    const c = x.byRank[r];
    if (!c) return null;
    const reached = ladder[r] ?? role;
    const note = `no ${label} contact${after}: sent to the ${roleLabel(reached)}`;
    ctx.reasons.push({ code: 'contact-fallback', text: `${what(x.spec)}: ${note} (${c.name})` });
    return { ...recipient(c, reached, role), fallbackNote: note };
  };
  for (let r = start + 1; r < x.byRank.length; r++) {
    const to = found(r);
    if (to) return to;
  }
  for (let r = start - 1; r >= 0; r--) {
    const to = found(r);
    if (to) return to;
  }
  return null;
}

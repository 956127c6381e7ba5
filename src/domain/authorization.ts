// Who may do what on which account: one table, one function. Slack (every
// button, modal and /overdue's buttons, through slack/services/authorize.ts) and
// the admin API where a person acts ask `may`; nothing else decides it.
//
// A person's roles are united: a collector who is also an approver may do both.
// An unknown person (no person record, or none for this organisation) may do
// nothing. A sales rep acts only on the accounts where they are the rep.
// Segregation of duties: whoever asked for an approval cannot decide it in any
// way — approve, reject or give more time.

export const roles = ['unknown', 'sales_rep', 'collector', 'manager', 'approver', 'admin'] as const;
export type Role = (typeof roles)[number];

export const actions = [
  'logCall',
  'promise',
  'paymentPlan',
  'dispute',
  'snooze',
  'placeHold',
  'liftHold',
  'liftPrepay',
  'approve',
  'reject',
  'moreTime',
  'changeSettings',
  'editContacts',
  /** A look-alike alert's buttons: make prepay-only, not the same business, ask for a credit check (docs/lookalike.md). */
  'decideLookalike',
  /** Read accounts in the web console (app/console): a rep their own, the others every account. */
  'viewAccounts',
  /** Edit the organisation's escalation policy in the web console's ladder editor: save a version, roll back. */
  'editPolicy',
  /** An account's overrides (do not chase, strategic, guarantee, time zone, language) from the web console. */
  'editOverrides',
  /** Ask an approver to refer an account to the collection agency (Slack's /overdue refer, the console's Request referral). */
  'requestReferral',
] as const;
export type Action = (typeof actions)[number];

/** The decisions on an approval request. */
export const decisions: readonly Action[] = ['approve', 'reject', 'moreTime'];

/**
 * Where a role may do an action: on every account of its organisation, on its own accounts (the rep's), or
 * — for the decisions on an approval — on credit-hold requests (managers) or on the other requests
 * (agency referrals, write-offs: approvers).
 */
export type Scope = 'any' | 'own' | 'creditHoldRequests' | 'otherRequests';

const nudge = (scope: Scope) => ({ logCall: scope, promise: scope, paymentPlan: scope, dispute: scope, snooze: scope }) as const;

export const PERMISSIONS: Readonly<Record<Role, Partial<Record<Action, Scope>>>> = {
  unknown: {},
  sales_rep: { ...nudge('own'), editContacts: 'own', viewAccounts: 'own' },
  collector: { ...nudge('any'), placeHold: 'any', liftHold: 'any', editContacts: 'any', viewAccounts: 'any', requestReferral: 'any' },
  manager: { ...nudge('any'), placeHold: 'any', liftHold: 'any', liftPrepay: 'any', approve: 'creditHoldRequests', reject: 'creditHoldRequests', moreTime: 'creditHoldRequests', editContacts: 'any', viewAccounts: 'any', decideLookalike: 'any', editPolicy: 'any', editOverrides: 'any', requestReferral: 'any' },
  approver: { approve: 'otherRequests', reject: 'otherRequests', moreTime: 'otherRequests', viewAccounts: 'any' },
  admin: { ...nudge('any'), placeHold: 'any', liftHold: 'any', liftPrepay: 'any', changeSettings: 'any', editContacts: 'any', viewAccounts: 'any', decideLookalike: 'any', editPolicy: 'any', editOverrides: 'any', requestReferral: 'any' },
};

export interface Person {
  /** The person's id in the audit trail (their email). */
  id: string;
  email: string;
  roles: readonly string[];
}

export interface Target {
  /** The account's sales rep (email), for a rep's own accounts. */
  salesRepEmail?: string | undefined;
  /** For a decision: what kind of request, and who asked (audit actor id). */
  approval?: { kind: string; requestedBy?: string | undefined };
}

export type Verdict = { ok: true } | { ok: false; why: 'unknown' | 'role' | 'not_their_account' | 'own_request' };

const sameEmail = (a: string | undefined, b: string | undefined): boolean => a !== undefined && b !== undefined && a.trim().toLowerCase() === b.trim().toLowerCase();

function inScope(scope: Scope, person: Person, target: Target): boolean {
  switch (scope) {
    case 'any':
      return true;
    case 'own':
      return sameEmail(person.email, target.salesRepEmail);
    case 'creditHoldRequests':
      return target.approval?.kind === 'credit_hold';
    case 'otherRequests':
      return target.approval !== undefined && target.approval.kind !== 'credit_hold';
  }
}

/** May this person (null: unknown) do this action on this account? */
export function may(person: Person | null, action: Action, target: Target = {}): Verdict {
  if (person === null || person.roles.length === 0) return { ok: false, why: 'unknown' };
  const scopes = person.roles.flatMap((r) => {
    const s = (PERMISSIONS as Record<string, Partial<Record<Action, Scope>>>)[r]?.[action];
    return s === undefined ? [] : [s];
  });
  if (scopes.length === 0) return { ok: false, why: 'role' };
  if (!scopes.some((s) => inScope(s, person, target))) return { ok: false, why: scopes.includes('own') ? 'not_their_account' : 'role' };
  if (decisions.includes(action) && target.approval?.requestedBy !== undefined && (target.approval.requestedBy === person.id || sameEmail(target.approval.requestedBy, person.email))) {
    return { ok: false, why: 'own_request' };
  }
  return { ok: true };
}

/** Which roles may do an action at all (for the message that says who can). */
export function rolesFor(action: Action): Role[] {
  return roles.filter((r) => PERMISSIONS[r][action] !== undefined);
}

const ROLE_NAMES: Record<Role, string> = { unknown: 'unknown', sales_rep: 'sales reps (on their accounts)', collector: 'collectors', manager: 'managers', approver: 'approvers', admin: 'admins' };

/** One sentence for the person refused. */
export function refusal(v: Exclude<Verdict, { ok: true }>, action: Action, target: Target = {}): string {
  switch (v.why) {
    case 'unknown':
      return 'Overdue does not know you yet, so you cannot act on accounts here. Ask your Overdue admin to add you (with your role) to get access.';
    case 'own_request':
      return 'You asked for this approval, so another approver has to decide it.';
    case 'not_their_account':
      return 'You are not the sales rep of this account, so you cannot act on it. Tell the collector if it should be yours.';
    case 'role': {
      if (decisions.includes(action)) return target.approval?.kind === 'credit_hold' ? 'Only managers can decide this request.' : 'Only approvers can decide this request.';
      const who = rolesFor(action).map((r) => ROLE_NAMES[r]);
      const list = who.length > 1 ? `${who.slice(0, -1).join(', ')} and ${who[who.length - 1] ?? ''}` : (who[0] ?? '');
      return who.length > 0 ? `Only ${list} can do this.` : 'Nobody can do this from here.';
    }
  }
}

// The one authorization table (src/domain/authorization.ts), every cell: each role × each action, on the
// person's own account, on someone else's, and — for the decisions — on a credit-hold request and an
// agency referral; plus segregation of duties (the requester decides nothing) and unknown people.
import { actions, may, refusal, roles, type Action, type Role } from '../src/domain/authorization.js';

const NUDGE: Action[] = ['logCall', 'promise', 'paymentPlan', 'dispute', 'snooze'];
const HOLDS: Action[] = ['placeHold', 'liftHold'];
const DECIDE: Action[] = ['approve', 'reject', 'moreTime'];

/** What each role may do, written out by hand (not derived from the table under test). */
const expected: Record<Role, { own: Action[]; others: Action[]; creditHold: Action[]; referral: Action[] }> = {
  unknown: { own: [], others: [], creditHold: [], referral: [] },
  sales_rep: { own: [...NUDGE, 'editContacts', 'viewAccounts'], others: [], creditHold: [], referral: [] },
  collector: { own: [...NUDGE, ...HOLDS, 'editContacts', 'viewAccounts', 'requestReferral'], others: [...NUDGE, ...HOLDS, 'editContacts', 'viewAccounts', 'requestReferral'], creditHold: [], referral: [] },
  manager: { own: [...NUDGE, ...HOLDS, 'liftPrepay', 'editContacts', 'viewAccounts', 'decideLookalike', 'editPolicy', 'editOverrides', 'requestReferral'], others: [...NUDGE, ...HOLDS, 'liftPrepay', 'editContacts', 'viewAccounts', 'decideLookalike', 'editPolicy', 'editOverrides', 'requestReferral'], creditHold: DECIDE, referral: [] },
  approver: { own: ['viewAccounts'], others: ['viewAccounts'], creditHold: [], referral: DECIDE },
  admin: { own: [...NUDGE, ...HOLDS, 'liftPrepay', 'changeSettings', 'editContacts', 'viewAccounts', 'decideLookalike', 'editPolicy', 'editOverrides', 'requestReferral'], others: [...NUDGE, ...HOLDS, 'liftPrepay', 'changeSettings', 'editContacts', 'viewAccounts', 'decideLookalike', 'editPolicy', 'editOverrides', 'requestReferral'], creditHold: [], referral: [] },
};

const person = (role: Role) => (role === 'unknown' ? null : { id: 'pat@acme.example', email: 'pat@acme.example', roles: [role] });
const cells = roles.flatMap((role) => actions.map((action) => [role, action] as const));

describe('authorization table', () => {
  it.each(cells)('%s × %s', (role, action) => {
    const e = expected[role];
    const isDecision = DECIDE.includes(action);
    const own = may(person(role), action, { salesRepEmail: 'PAT@acme.example' });
    const others = may(person(role), action, { salesRepEmail: 'someone@acme.example' });
    const creditHold = may(person(role), action, { salesRepEmail: 'someone@acme.example', approval: { kind: 'credit_hold', requestedBy: 'sam@acme.example' } });
    const referral = may(person(role), action, { salesRepEmail: 'someone@acme.example', approval: { kind: 'agency_referral', requestedBy: 'sam@acme.example' } });
    expect({ own: own.ok, others: others.ok, creditHold: creditHold.ok, referral: referral.ok }).toEqual({
      own: !isDecision && e.own.includes(action),
      others: !isDecision && e.others.includes(action),
      creditHold: e.creditHold.includes(action) || (!isDecision && e.others.includes(action)),
      referral: e.referral.includes(action) || (!isDecision && e.others.includes(action)),
    });
  });

  it('a sales rep may act on their own accounts only, and is told so', () => {
    const rep = person('sales_rep');
    expect(may(rep, 'dispute', { salesRepEmail: 'pat@acme.example' })).toEqual({ ok: true });
    const v = may(rep, 'dispute', { salesRepEmail: 'other@acme.example' });
    expect(v).toEqual({ ok: false, why: 'not_their_account' });
    expect(may(rep, 'dispute', {})).toEqual({ ok: false, why: 'not_their_account' });
    if (!v.ok) expect(refusal(v, 'dispute')).toMatch(/not the sales rep of this account/);
  });

  it('the requester decides nothing on their own request: not approve, not reject, not give more time', () => {
    const both = { id: 'sam@acme.example', email: 'sam@acme.example', roles: ['approver', 'manager'] };
    for (const kind of ['agency_referral', 'credit_hold', 'write_off']) {
      for (const action of DECIDE) {
        expect(may(both, action, { approval: { kind, requestedBy: 'sam@acme.example' } })).toEqual({ ok: false, why: 'own_request' });
        expect(may(both, action, { approval: { kind, requestedBy: 'kim@acme.example' } })).toEqual({ ok: true });
      }
    }
    const v = may(both, 'moreTime', { approval: { kind: 'agency_referral', requestedBy: 'SAM@acme.example' } });
    expect(v).toEqual({ ok: false, why: 'own_request' });
  });

  it('an unknown person may do nothing and is told how to get access', () => {
    for (const action of actions) expect(may(null, action, { salesRepEmail: 'x@acme.example' })).toEqual({ ok: false, why: 'unknown' });
    expect(may({ id: 'a', email: 'a', roles: [] }, 'logCall')).toEqual({ ok: false, why: 'unknown' });
    expect(refusal({ ok: false, why: 'unknown' }, 'promise')).toMatch(/Ask your Overdue admin to add you/);
  });

  it('roles add up: a collector who is also an approver may do both', () => {
    const p = { id: 'c@acme.example', email: 'c@acme.example', roles: ['collector', 'approver'] };
    expect(may(p, 'placeHold').ok).toBe(true);
    expect(may(p, 'approve', { approval: { kind: 'agency_referral' } }).ok).toBe(true);
    expect(may(p, 'approve', { approval: { kind: 'credit_hold' } }).ok).toBe(false);
  });
});

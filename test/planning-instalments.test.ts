// Payment plans and the money that arrives by sync: an instalment paid on time
// keeps the plan on schedule; the one left unpaid past its grace days resumes
// the ladder. (The demo found plans "missed" although the instalment was paid:
// nothing allocated the synced payments to the plan's instalments.)
import { decide, defaultPolicy } from '../src/engine/index.js';
import { assembleAccount, instalmentsPaid } from '../src/planning/assemble.js';
import { emptyAccountState, type AccountStateDoc, type PaymentPlanDoc } from '../src/planning/state.js';
import type { PaymentDoc } from '../src/store/types.js';
import { customerDoc, invoiceDoc, standardContacts } from './helpers/accounts.js';

const T0 = new Date('2025-03-20T15:00:00Z');
const plan: PaymentPlanDoc = {
  id: 'plan-1',
  createdAt: T0,
  status: 'active',
  instalments: [
    { dueDate: '2025-04-10', currency: 'USD', amountMinor: 480_000, paidMinor: 0 },
    { dueDate: '2025-03-27', currency: 'USD', amountMinor: 480_000, paidMinor: 0 },
  ],
};

function payment(id: string, date: string, amountMinor: number, currency = 'USD'): PaymentDoc {
  return {
    _id: `quickbooks:1234567890:${id}`, provider: 'quickbooks', companyId: '1234567890', externalId: id, orgId: 'org-1', connectionId: 'quickbooks:1234567890',
    customerExternalId: '42', date, currency, amountMinor, appliedTo: [{ invoiceExternalId: 'i1', amountMinor }], deleted: false, syncedAt: T0,
  };
}

it('allocates payments made since the plan to its instalments, earliest due first, in their currency', () => {
  expect(instalmentsPaid(plan, [payment('p0', '2025-03-01', 100_000), payment('p1', '2025-03-27', 480_000), payment('p2', '2025-03-28', 50_000, 'EUR')]).map((i) => [i.dueDate, i.paidMinor]))
    .toEqual([['2025-04-10', 0], ['2025-03-27', 480_000]]);
  expect(instalmentsPaid(plan, [payment('p1', '2025-03-27', 600_000)]).map((i) => i.paidMinor)).toEqual([120_000, 480_000]);
  expect(plan.instalments.map((i) => i.paidMinor)).toEqual([0, 0]); // the state's documents are not changed
});

it('a paid instalment keeps the plan on schedule; the unpaid one resumes the ladder after its grace days', () => {
  const c = customerDoc('org-1', '42', 'Kauri Print', standardContacts('kauri.example'), T0);
  const inv = invoiceDoc(c, 'i1', 'INV-2002', '2025-03-05', 960_000, T0, { balanceMinor: 480_000 });
  const state: AccountStateDoc = { ...emptyAccountState(c._id, 'org-1', T0), paymentPlans: [plan] };
  const at = (iso: string) => {
    const { account } = assembleAccount({ customer: c, orgTimeZone: 'America/Chicago', invoices: [inv], payments: [payment('p1', '2025-03-27', 480_000)], state, bounced: new Set(), done: [] });
    return decide(account, defaultPolicy, new Date(iso));
  };
  const onSchedule = at('2025-04-02T15:00:00Z');
  expect(onSchedule.state).toBe('paused');
  expect(onSchedule.explanation).not.toMatch(/missed/);
  const lapsed = at('2025-04-16T15:00:00Z');
  expect(lapsed.state).not.toBe('paused');
  expect(lapsed.explanation).toMatch(/instalment due 10 Apr 2025 missed/);
});

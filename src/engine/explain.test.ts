import { addDays } from '../domain/calendar.js';
import { parseAccount } from './account.js';
import { decide } from './decide.js';
import { defaultPolicy } from './default-policy.js';
import { describeAction, explain, preview } from './explain.js';
import { account, at, contact, invoice } from './testkit.js';

const DUE = '2025-03-03';

describe('preview', () => {
  it('shows the whole future timeline if nothing changes, on business days', () => {
    const a = account({
      invoices: [invoice('1042', DUE, 1_240_000)],
      contacts: [contact('bill', ['billing'], { name: 'Bill Ing' }), contact('cfo', ['cfo'], { name: 'Ann Lee' })],
    });
    const p = preview(a, defaultPolicy, at(a, addDays(DUE, -10)), 120);
    const levels = [...new Set(p.entries.map((e) => e.levelId))];
    expect(levels).toEqual([
      'courtesy', 'reminder-1', 'reminder-2', 'rep-call', 'collector-call', 'up-the-ladder', 'written-warning', 'final-demand', 'agency-referral',
    ]);
    const fd = p.entries.find((e) => e.levelId === 'final-demand' && e.action.kind === 'letter');
    // fast-track (12,400 USD): day 60 → 2 May 2025, a Friday; but the written warning waited 5 business
    // days for a controller (none on file) and went out later, so its deadline (7 business days: the policy's
    // letters.deadlineDays) ends later, Wed 7 May 2025; the final demand the day after, answered by 10 business days on
    expect(fd?.text).toBe('on 8 May 2025 (final demand): the final demand goes to Ann Lee (CFO), response by 2025-05-22');
    const warning = p.entries.find((e) => e.levelId === 'written-warning' && e.action.kind === 'letter');
    expect(warning?.text).toContain('[no controller contact after 5 business days: sent to the CFO]');
    expect(p.finalLevel).toBe('agency referral');
    // preview does not change the account
    expect(a.history).toEqual([]);
  });

  it('stops at a pause and picks up when a promise lapses', () => {
    const a = account({
      invoices: [invoice('1', DUE, 100_000)],
      promises: [{ id: 'p', madeAt: at(account(), DUE), promisedDate: addDays(DUE, 20), status: 'open' }],
    });
    const p = preview(a, defaultPolicy, at(a, addDays(DUE, 1)), 30);
    expect(p.entries[0]?.date).toBe('2025-03-26'); // promise 23 Mar + 2 days grace → Wed 26 Mar
    expect(p.entries[0]?.levelId).toBe('reminder-1');
  });
});

describe('explain', () => {
  it('adds the invoices, the actions and what happens next if unpaid', () => {
    const a = account({ invoices: [invoice('1042', DUE, 1_240_000), invoice('7', '2025-03-20', 5_000)] });
    const e = explain(a, defaultPolicy, at(a, '2025-04-02'));
    expect(e.summary).toBe(decide(a, defaultPolicy, at(a, '2025-04-02')).explanation);
    expect(e.lines).toContain('past due: INV-1042 30 days past due, 12,400.00 USD open; INV-7 13 days past due, 50.00 USD open');
    expect(e.lines.some((l) => l.startsWith('now (2025-04-02T10:00:00-04:00):'))).toBe(true);
    expect(e.nextStep).toMatch(/^if unpaid, on \d+ \w+ 2025 /);
    expect(e.text.split('\n')[0]).toBe(e.summary);
  });

  it('says nothing about next steps for a current account', () => {
    const a = account({ invoices: [invoice('1', '2025-06-01', 100)] });
    expect(explain(a, defaultPolicy, at(a, DUE)).nextStep).toBeNull();
  });

  it('describes every kind of action', () => {
    const a = account({ invoices: [invoice('1', DUE, 100_000)], tags: ['strategic'] });
    const p = preview(a, defaultPolicy, at(a, DUE), 120);
    const texts = p.entries.map((e) => describeAction(e.action));
    expect(texts).toEqual(
      expect.arrayContaining([
        'Slack message (request to call the customer) to Sam Rep',
        'credit hold placed (needs manager approval)',
        'agency referral goes to the approver',
        'letter by post task for Cole Lector → Contact cfo (CFO) (send the final demand by certified post and ask the customer to respond within 48 hours)',
        'fax task for Cole Lector → Contact cfo (CFO) (send the final demand by fax and ask the customer to respond within 48 hours)',
      ]),
    );
  });
});

describe('parseAccount', () => {
  it('accepts store-like documents with Date objects and ISO strings, and fills defaults', () => {
    const a = parseAccount({
      id: 'a1',
      name: 'Acme',
      timeZone: 'Europe/London',
      invoices: [{ id: 'i', number: 'INV-1', issueDate: '2025-01-01', dueDate: '2025-01-31', currency: 'GBP', totalMinor: 100, balanceMinor: 100, status: 'open' }],
      history: [{ key: 'k', levelId: 'reminder-1', actionId: 'email', kind: 'email', invoiceIds: ['i'], at: new Date('2025-02-01T09:00:00Z') }],
      promises: [{ id: 'p', madeAt: '2025-02-02T10:00:00+01:00', promisedDate: '2025-02-10' }],
    });
    expect(a.history[0]?.at).toBe(Date.parse('2025-02-01T09:00:00Z'));
    expect(a.promises[0]).toMatchObject({ madeAt: Date.parse('2025-02-02T09:00:00Z'), status: 'open' });
    expect(a.invoices[0]?.disputed).toBe(false);
    expect(a.contacts).toEqual([]);
  });

  it('rejects bad input listing the problems', () => {
    expect(() =>
      parseAccount({ id: 'a', name: 'x', timeZone: 'Nowhere/Land', invoices: [{ id: 'i', number: 'n', issueDate: '2025-13-01', dueDate: 'x', currency: 'usd', totalMinor: 1.5, balanceMinor: 1, status: 'open' }] }),
    ).toThrow(/time zone[\s\S]*issueDate[\s\S]*dueDate[\s\S]*currency[\s\S]*totalMinor/);
  });
});

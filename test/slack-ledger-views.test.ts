// Slack shows what the ledger says about an account: a customer the ledger lists as
// inactive or archived (still an account: it may owe) is found by /overdue and tagged,
// and open invoices without a due date or terms ("no due date", not chased) are listed
// in the account view and counted apart in /overdue aging and App Home.
import { homeView } from '../slack/blocks/home.js';
import { accountAnswer, agingAnswer } from '../slack/blocks/command.js';
import { customerDoc, invoiceDoc, saveCustomer, standardContacts } from './helpers/accounts.js';
import { ORG, seedPeople, SIGNING_SECRET, startHarness, users, waitFor, type Harness } from './sandbox/slack/harness.js';
import { sendCommand, slashCommand } from './sandbox/slack/signed.js';
import { pastDueOf } from '../slack/services/past-due.js';

const T0 = new Date('2025-03-20T15:00:00Z');

describe('Slack views: ledger status and undated invoices (blocks)', () => {
  it('the account view tags an inactive customer and lists its undated invoices', () => {
    const m = accountAnswer({
      accountName: 'Dormant Ltd', state: 'active', levelName: 'reminder 1', totals: { USD: 10_000 }, oldestDays: 3, summary: 's', nextStep: null, nextEvaluation: null,
      ledgerStatus: 'inactive', undated: [{ number: 'invoice of 2025-01-02 (QuickBooks ref 77)', issueDate: '2025-01-02', balance: '120.00 USD' }],
    });
    const text = JSON.stringify(m.blocks);
    expect(text).toContain('Inactive in the ledger (it may still owe; Overdue still chases its open invoices)');
    expect(text).toContain('*No due date* — not chased until the ledger gives it a due date or terms: invoice of 2025-01-02 (QuickBooks ref 77) (issued 2025-01-02, 120.00 USD)');
    const plain = JSON.stringify(accountAnswer({ accountName: 'A', state: 'active', levelName: 'l', totals: {}, oldestDays: 0, summary: 's', nextStep: null, nextEvaluation: null }).blocks);
    expect(plain).not.toMatch(/in the ledger|No due date/);
  });

  it('aging counts undated invoices apart; App Home tags a call row', () => {
    const buckets = { current: { totals: {}, invoices: 0 }, '1–30': { totals: {}, invoices: 0 }, '31–60': { totals: {}, invoices: 0 }, '61–90': { totals: {}, invoices: 0 }, '90+': { totals: {}, invoices: 0 } };
    expect(JSON.stringify(agingAnswer({ today: '2025-03-20', buckets, accounts: 0, undated: { totals: { USD: 12_000 }, invoices: 1 } }).blocks)).toContain('No due date (not chased): 120.00 USD (1 invoice)');
    const home = homeView({
      name: 'Casey', today: '2025-03-20', pendingApprovals: 0, activeHolds: 0, needsReconnect: [], lastSyncs: [], quarantined: [],
      calls: [{ accountName: 'Dormant Ltd', totals: { USD: 10_000 }, oldestDays: 20, who: 'Pat', suggestedTime: '10:00 (UTC)', levelName: 'rep call', ledgerStatus: 'archived', undated: 2 }],
    });
    expect(JSON.stringify(home.blocks)).toContain('rep call · _archived in the ledger_ · 2 invoices with no due date (not chased)');
  });
});

describe('Slack views: ledger status and undated invoices (/overdue)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('slackledgerviews', T0);
    await seedPeople(h);
    const dormant = customerDoc(ORG, '501', 'Dormant Ltd', standardContacts('dormant.example'), T0, { active: false, ledgerStatus: 'inactive' });
    await saveCustomer(h.store, dormant, [
      invoiceDoc(dormant, '5001', 'INV-5001', '2025-02-01', 40_000, T0),
      invoiceDoc(dormant, '5002', 'invoice of 2025-03-01 (QuickBooks ref 5002)', '2025-03-01', 12_000, T0, { dueDateSource: 'none', numberSource: 'none', issueDate: '2025-03-01' }),
    ]);
    const gone = customerDoc(ORG, '502', 'Dormant Gone Ltd', standardContacts('gone.example'), T0, { active: false });
    await saveCustomer(h.store, gone, []);
    const active = customerDoc(ORG, '503', 'Dormant Active Co', standardContacts('active.example'), T0);
    await saveCustomer(h.store, active, []);
  });
  afterAll(() => h.stop());

  async function ask(text: string): Promise<string> {
    const before = h.sandbox.callsOf('chat.postEphemeral').length;
    expect((await sendCommand(h.endpoint, SIGNING_SECRET, slashCommand({ userId: users.collector.id }, '/overdue', text))).status).toBe(200);
    return JSON.stringify((await waitFor('ephemeral', () => h.sandbox.callsOf('chat.postEphemeral')[before])).args);
  }

  it('/overdue finds an inactive customer that is still an account, tagged, with its undated invoice listed; a plain inactive one is not listed', async () => {
    const list = await ask('dormant');
    expect(list).toContain('2 customers match “dormant”: *Dormant Active Co*, *Dormant Ltd (inactive)*');
    expect(list).not.toContain('Dormant Gone');
    const view = await ask('dormant ltd');
    expect(view).toContain('Inactive in the ledger');
    expect(view).toContain('invoice of 2025-03-01 (QuickBooks ref 5002) (issued 2025-03-01, 120.00 USD)');
    expect(view).not.toContain('Dormant Gone');
  });

  it("a QuickBooks job's invoice, rolled up into its parent's account, is listed with the job's name", async () => {
    const parent = customerDoc(ORG, '601', 'Parent Co', standardContacts('parent.example'), T0);
    await saveCustomer(h.store, parent, [invoiceDoc(parent, '6001', 'INV-6001', '2025-02-01', 30_000, T0, { jobExternalId: '602', jobName: 'Parent Co:Site 1' })]);
    const due = await pastDueOf(h.slack.services, parent, T0, 'UTC');
    expect(due.invoices.map((i) => i.number)).toEqual(['INV-6001 (Parent Co:Site 1)']);
  });

  it('/overdue aging counts the undated invoice apart from the buckets', async () => {
    const aging = await ask('aging');
    expect(aging).toContain('No due date (not chased): 120.00 USD (1 invoice)');
  });
});

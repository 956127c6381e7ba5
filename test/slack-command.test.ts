// /overdue end to end: a signed slash command → an ephemeral answer with the
// account's state and next step, a list when several match, and the aging.
import { customerDoc, invoiceDoc, saveCustomer, standardContacts } from './helpers/accounts.js';
import { expectFixture } from './sandbox/slack/fixtures.js';
import { ORG, seedAcme, seedPeople, SIGNING_SECRET, startHarness, users, waitFor, type Harness } from './sandbox/slack/harness.js';
import { sendCommand, slashCommand } from './sandbox/slack/signed.js';

describe('Slack: /overdue', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('slackcommand', new Date('2025-03-20T15:00:00Z'));
    await seedPeople(h);
    await seedAcme(h);
    const acorn = customerDoc(ORG, '43', 'Acorn Foods', standardContacts('acorn.example'), h.clock.now);
    await saveCustomer(h.store, acorn, [invoiceDoc(acorn, '1100', 'INV-1100', '2024-12-01', 50_000, h.clock.now), invoiceDoc(acorn, '1101', 'INV-1101', '2025-04-01', 7_500, h.clock.now)]);
  });
  afterAll(async () => {
    await h.stop();
  });

  async function ask(text: string, user: string = users.collector.id): Promise<Record<string, unknown>> {
    const before = h.sandbox.callsOf('chat.postEphemeral').length;
    const res = await sendCommand(h.endpoint, SIGNING_SECRET, slashCommand({ userId: user }, '/overdue', text));
    expect(res.status).toBe(200);
    return (await waitFor('ephemeral', () => h.sandbox.callsOf('chat.postEphemeral')[before])).args;
  }

  it("answers with one account's state, level and next step", async () => {
    const a = await ask('acme industrial');
    expect(a['user']).toBe(users.collector.id);
    expectFixture('command-account', a['blocks']);
    expect(JSON.stringify(a['blocks'])).toContain('rep call');
  });

  it('lists the customers when several match, and says when none does', async () => {
    expect(String((await ask('ac'))['text'])).toContain('2 customers match');
    expect(String((await ask('zebra'))['text'])).toContain('No customer matches');
  });

  it('gives the aging summary', async () => {
    const a = await ask('aging');
    expectFixture('command-aging', a['blocks']);
  });
});

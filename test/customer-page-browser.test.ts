// The customer's page in a real browser (headless Chromium through playwright-core): the customer opens the
// link of an email as the email channel rendered it, chooses *I'll pay on…*, sends a date and an amount and sees
// the confirmation; the collector's message then arrives in the Slack sandbox. axe-core finds no accessibility
// violation on the statement, on the form with its errors shown, or on the confirmation.
import type Mail from 'nodemailer/lib/mailer/index.js';
import type { Page } from 'playwright-core';
import { developmentAuditChainKey } from '../src/crypto/audit-key.js';
import { deriveCustomerLinkKey } from '../src/crypto/customer-link.js';
import { addDays, localDate } from '../src/domain/calendar.js';
import { EmailChannel } from '../src/outbox/email-channel.js';
import { withCustomerLinks } from '../src/outbox/wiring.js';
import { accountStates } from '../src/planning/state.js';
import type { CustomerDoc } from '../src/store/types.js';
import { expectAccessible, launchBrowser, type TestBrowser } from './helpers/browser.js';
import { until } from './helpers/web-world.js';
import { startWorld, type World } from './fuzz/world.js';

jest.setTimeout(180_000);

let w: World;
let browser: TestBrowser;
let page: Page;
let customer: CustomerDoc;

/** A reminder email for the account, rendered and "sent" by the email channel as the worker wires it; its text. */
async function sentEmailText(c: CustomerDoc): Promise<string> {
  const sent: Mail.Options[] = [];
  const transport = { sendMail: (m: Mail.Options) => (sent.push(m), Promise.resolve({ messageId: '<m@sink>', rejected: [], response: '250 ok' })) };
  const options = withCustomerLinks({ transport, from: 'Fuzz Collections <ar@fuzz.example>' }, deriveCustomerLinkKey(undefined, developmentAuditChainKey()), w.url);
  if (!options) throw new Error('no email options');
  const org = await w.store.organisations.get(c.orgId);
  const invoices = await w.store.invoices.listOpenForCustomer(c.provider, c.companyId, c.externalId);
  const now = new Date();
  const to = { contactId: 'c-ap', name: 'Al Payable', email: 'ap@c2.example', role: 'ap' };
  const action = { key: 'k-email', levelId: 'reminder-1', levelName: 'Reminder 1', actionId: 'email', invoiceIds: invoices.map((i) => i._id), at: now.getTime(), customerFacing: true, amounts: { USD: 1_490_002 }, kind: 'email' as const, template: 'reminder-1', to, cc: [], personalGuarantee: false, urgent: false, readReceipt: false };
  const entry = { _id: 'k-email', orgId: c.orgId, customerId: c._id, channel: 'email' as const, kind: 'email', payload: {}, invoiceIds: action.invoiceIds, state: 'sending' as const, attempts: 1, dueAt: now, nextAttemptAt: now, createdAt: now, updatedAt: now };
  const r = await new EmailChannel(options).send({ entry, action, accountName: c.displayName, customer: c, org, invoices, now, previousContacts: 0 });
  if (!r.ok) throw new Error(r.error);
  return String(sent[0]?.text ?? '');
}

beforeAll(async () => {
  w = await startWorld('customer-page-browser');
  customer = w.customers[2] as CustomerDoc;
  browser = await launchBrowser();
  page = await browser.context.newPage();
});
afterAll(async () => {
  await browser?.close();
  await w?.stop();
});

describe("the customer's page in Chromium", () => {
  it("opens from the email's link, promises a date, sees the confirmation; the collector is told in Slack", async () => {
    const text = await sentEmailText(customer);
    const url = /View your statement and answer online: (\S+)/.exec(text)?.[1];
    if (!url) throw new Error(`no customer page link in the email:\n${text}`);
    expect(url.startsWith(`${w.url}/c/`)).toBe(true);

    await page.goto(url);
    expect(await page.locator('h1').textContent()).toContain('Your account with');
    expect(await page.getByRole('row', { name: /INV-102/ }).count()).toBe(1);
    await expectAccessible(page);

    // More than the balance: the server's parser refuses it, shown at its field (the date is kept).
    const today = localDate(new Date(), 'UTC');
    await page.getByLabel('Date you will pay').fill(addDays(today, 10));
    await page.getByLabel('Amount (USD)').first().fill('999,999.00');
    await page.getByRole('button', { name: 'Send my promise' }).click();
    await page.waitForSelector('#promiseAmount-error');
    expect(await page.locator('#promiseAmount-error').textContent()).toContain('That is more than the balance');
    expect(await page.getByLabel('Amount (USD)').first().getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByLabel('Date you will pay').inputValue()).toBe(addDays(today, 10));
    await expectAccessible(page);

    const before = w.sandbox.callsOf('chat.postMessage').length;
    await page.getByLabel('Amount (USD)').first().fill('500.00');
    await page.getByRole('button', { name: 'Send my promise' }).click();
    await page.waitForURL(/\/done\/promise$/);
    expect(await page.locator('h1').textContent()).toBe('Thank you: your promise is recorded');
    expect(await page.getByRole('status').textContent()).toContain('your contact has been told');
    await expectAccessible(page);

    const state = await accountStates(w.store.db).get(customer._id);
    expect(state?.promises).toEqual([expect.objectContaining({ promisedDate: addDays(today, 10) })]);
    const posted = await until('the collector message in Slack', async () => w.sandbox.callsOf('chat.postMessage').slice(before).find((c) => String(c.args['text'] ?? '').includes(customer.displayName)), 20_000);
    expect(String(posted.args['channel'])).toMatch(/^D/);
    await until('the settled card', async () => w.sandbox.callsOf('chat.update').find((c) => JSON.stringify(c.args['blocks']).includes('promised on their customer page')), 20_000);

    await page.getByRole('link', { name: 'Back to your statement' }).click();
    expect(await page.locator('h1').textContent()).toContain('Your account with');
  });
});

// The account page's edit forms in a real browser (headless Chromium through playwright-core): sign in from
// the link `/overdue console` answers in Slack, open an account, add a CFO contact with the form and see it
// listed with its role; axe-core finds no violation on the page with all its forms (a manager sees every
// one: contacts, overrides, Pause, Place hold, Request referral), nor with a problem shown at its field.
import type { Page } from 'playwright-core';
import { accountStates } from '../src/planning/state.js';
import { axeViolations, launchBrowser, type TestBrowser } from './helpers/browser.js';
import { until } from './helpers/web-world.js';
import { people, SIGNING_SECRET, startWorld, type World } from './fuzz/world.js';
import { sendCommand, slashCommand } from './sandbox/slack/signed.js';

jest.setTimeout(180_000);

let w: World;
let browser: TestBrowser;
let page: Page;

async function expectAccessible(p: Page): Promise<void> {
  const violations = await axeViolations(p);
  if (violations.length > 0) console.log(JSON.stringify(violations, null, 2));
  expect(violations).toEqual([]);
}

beforeAll(async () => {
  w = await startWorld('console-account-browser');
  browser = await launchBrowser();
  page = await browser.context.newPage();
});
afterAll(async () => {
  await browser?.close();
  await w?.stop();
});

describe('the account page in Chromium', () => {
  it('signs in from the link /overdue console answers in Slack', async () => {
    const before = w.sandbox.callsOf('chat.postEphemeral').length;
    expect((await sendCommand(`${w.url}/slack/events`, SIGNING_SECRET, slashCommand({ userId: people.manager.id }, '/overdue', 'console'))).status).toBe(200);
    await until('the link', async () => w.sandbox.callsOf('chat.postEphemeral').length > before, 10_000);
    const text = String(w.sandbox.callsOf('chat.postEphemeral').at(-1)?.args['text']);
    const path = /\/console\/sign-in\/[A-Za-z0-9_-]+/.exec(text)?.[0];
    if (!path) throw new Error(`no link in ${text}`);
    await page.goto(`${w.url}${path}`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${w.url}/console`);
  });

  it('shows the account with every form, accessible', async () => {
    await page.goto(`${w.url}/console/accounts/${encodeURIComponent(w.customers[0]?._id ?? '')}`);
    expect(await page.locator('h1').textContent()).toBe('Acme Industrial');
    for (const name of ['Add contact', 'Save overrides', 'Request referral', 'Pause', 'Place hold']) expect(await page.getByRole('button', { name, exact: true }).count()).toBe(1);
    await expectAccessible(page);
  });

  it('shows a problem at its field, accessible', async () => {
    await page.locator('#contact-new-role').selectOption('cfo');
    await page.locator('#contact-new-name').fill('Carla Fo');
    // The browser's own checks are not the server's: a type=email input would refuse "x@" before sending it,
    // so the phone-or-email rule is the one left to the server here.
    await page.getByRole('button', { name: 'Add contact' }).click();
    await page.waitForLoadState('load');
    expect(await page.locator('#contact-new-email-err').textContent()).toContain('an email or a phone is needed');
    expect(await page.locator('#contact-new-email').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#contact-new-name').inputValue()).toBe('Carla Fo');
    await expectAccessible(page);
  });

  it('adds a CFO contact and lists it with its role', async () => {
    await page.locator('#contact-new-role').selectOption('cfo');
    await page.locator('#contact-new-name').fill('Carla Fo');
    await page.locator('#contact-new-email').fill('carla.fo@c0.example');
    await page.getByRole('button', { name: 'Add contact' }).click();
    await page.waitForURL(/done=contact-added/);
    expect(await page.getByRole('status').textContent()).toContain('Contact added');
    const row = page.getByRole('table', { name: 'Contacts' }).getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Carla Fo' }) });
    expect(await row.count()).toBe(1);
    expect(await row.getByRole('cell').first().textContent()).toBe('cfo');
    expect((await accountStates(w.store.db).get(w.customers[0]?._id ?? ''))?.contacts?.map((c) => [c.name, c.roles])).toEqual([['Carla Fo', ['cfo']]]);
    // Now editable: its edit form opens by keyboard-reachable summary, and the page is still accessible.
    await page.getByText('Edit Carla Fo (CFO)').click();
    expect(await page.locator('#contact-0-role-cfo').isChecked()).toBe(true);
    await expectAccessible(page);
  });
});

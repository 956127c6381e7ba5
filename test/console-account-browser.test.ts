// The account page's edit forms in a real browser (headless Chromium through playwright-core): sign in from
// the link `/overdue console` answers in Slack, open an account, add a CFO contact with the form and see it
// listed with its role; axe-core finds no violation on the page with all its forms (a manager sees every
// one: contacts, overrides, Pause, Place hold, Request referral), nor with a problem shown at its field.
import type { Page } from 'playwright-core';
import { accountStates } from '../src/planning/state.js';
import { expectAccessible, launchBrowser, type TestBrowser } from './helpers/browser.js';
import { signInFromSlack } from './helpers/console-sign-in.js';
import { people, startWorld, type World } from './fuzz/world.js';

jest.setTimeout(180_000);

let w: World;
let browser: TestBrowser;
let page: Page;

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
    await signInFromSlack(page, w, people.manager.id);
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

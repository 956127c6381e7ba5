// The web console in a real browser (headless Chromium through playwright-core): sign in from a Slack link
// (`/overdue console`, signed, through the Slack sandbox), browse overview → accounts → account with the
// keyboard and links, download the CSV, have a form without its CSRF token refused; axe-core finds no
// accessibility violation on any page.
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { parseCsv } from '../src/planning/assignments.js';
import { plannerFor } from '../src/planning/plan.js';
import { axeViolations, expectAccessible, launchBrowser, type TestBrowser } from './helpers/browser.js';
import { signInLinkFromSlack } from './helpers/console-sign-in.js';
import { people, startWorld, type World } from './fuzz/world.js';

jest.setTimeout(180_000);

let w: World;
let browser: TestBrowser;
let page: Page;

beforeAll(async () => {
  w = await startWorld('console-browser');
  // The list reads the accounts' summary rows, which planning writes (a sync plans the accounts it changed).
  for (const c of w.customers) await plannerFor(w.services).plan(c._id, new Date());
  browser = await launchBrowser();
  page = await browser.context.newPage();
});
afterAll(async () => {
  await browser?.close();
  await w?.stop();
});

describe('the console in Chromium', () => {
  it('the accessibility check itself finds a violation on a page that has one', async () => {
    const probe = await browser.context.newPage();
    await probe.setContent('<!doctype html><html><head><title>x</title></head><body><main><input type="text"></main></body></html>');
    expect((await axeViolations(probe)).map((v) => v.id)).toContain('label');
    await probe.close();
  });

  it('signs in from the link /overdue console answers in Slack', async () => {
    await page.goto(`${w.url}${await signInLinkFromSlack(w, people.collector.id)}`);
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${w.url}/console`);
    expect(await page.locator('h1').textContent()).toBe('Overview');
    const cookie = (await browser.context.cookies(`${w.url}/console`)).find((c) => c.name === 'overdue_console');
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/console' });
  });

  it('the overview has its charts and tables, no violations, and a working skip link', async () => {
    expect(await page.locator('svg[role="img"]').count()).toBeGreaterThan(0);
    expect(await page.getByRole('table', { name: 'Accounts by state' }).count()).toBe(1);
    await expectAccessible(page);
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Skip to main content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate('document.activeElement.id')).toBe('main');
    // The stylesheet loaded under the CSP (the skip link is moved off screen by it).
    expect(await page.evaluate("getComputedStyle(document.querySelector('.skip')).position")).toBe('absolute');
  });

  it('goes to the accounts, filters them, and downloads the CSV', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Accounts' }).click();
    await page.waitForURL(`${w.url}/console/accounts`);
    expect(await page.getByRole('link', { name: 'Initech' }).count()).toBe(1);
    await expectAccessible(page);
    await page.getByLabel('Name contains').fill('acme');
    await page.getByLabel('Name contains').press('Enter');
    await page.waitForURL(/q=acme/);
    expect(await page.getByRole('link', { name: 'Initech' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Acme Industrial' }).count()).toBe(1);
    await expectAccessible(page);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /Download all matching accounts as CSV/ }).click()]);
    const file = await download.path();
    const rows = parseCsv(readFileSync(file, 'utf8')).map((r) => r.cells);
    expect(rows[0]?.[1]).toBe('name');
    expect(rows.slice(1).map((r) => r[1])).toEqual(['Acme Industrial']);
  });

  it('opens the account page, accessible, with its forms', async () => {
    await page.getByRole('link', { name: 'Acme Industrial' }).click();
    await page.waitForURL(/\/console\/accounts\/.+/);
    expect(await page.locator('h1').textContent()).toBe('Acme Industrial');
    expect(await page.getByRole('heading', { name: 'Timeline' }).count()).toBe(1);
    expect(await page.getByText(/Chain check: intact/).count()).toBe(1);
    await expectAccessible(page);
  });

  it('refuses a form whose CSRF token was removed, and places nothing', async () => {
    const id = w.customers[0]?._id ?? '';
    await page.evaluate(`document.querySelectorAll('form.action input[name="_csrf"]').forEach((e) => e.remove())`);
    await page.getByLabel('Reason', { exact: true }).last().fill('should not happen');
    await page.getByRole('button', { name: 'Place hold' }).click();
    await page.waitForLoadState();
    expect(await page.locator('h1').textContent()).toBe('Form refused');
    expect(await w.store.creditHolds.activeForCustomer(id)).toBeNull();
    await expectAccessible(page);
  });

  it('signs out', async () => {
    await page.goBack();
    await page.reload();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${w.url}/console/signed-out`);
    await expectAccessible(page);
    const res = await page.goto(`${w.url}/console`);
    expect(res?.status()).toBe(401);
  });
});

// The ladder editor in a real browser (headless Chromium through playwright-core, test/helpers/browser.ts):
// a manager signs in from the link `/overdue console` answers in Slack, edits a level's day in its form,
// sees the preview list the accounts that move and one account's 90 days side by side, saves, compares
// the versions and rolls back. axe-core finds no accessibility violation on the editor (also with a
// problem shown at its field), the raw view, the preview, the history and the diff.
import type { Page } from 'playwright-core';
import { expectAccessible, launchBrowser, type TestBrowser } from './helpers/browser.js';
import { signInFromSlack } from './helpers/console-sign-in.js';
import { ORG, people, startWorld, type World } from './fuzz/world.js';

jest.setTimeout(240_000);

let w: World;
let browser: TestBrowser;
let page: Page;

/** Up the ladder (level 5, day 45): the seeded accounts' next step. */
const UP = 5;

beforeAll(async () => {
  w = await startWorld('console-ladder-browser');
  browser = await launchBrowser();
  page = await browser.context.newPage();
});
afterAll(async () => {
  await browser?.close();
  await w?.stop();
});

describe('the ladder editor in Chromium', () => {
  it('a manager signs in from the Slack link and opens the Ladder from the navigation', async () => {
    await signInFromSlack(page, w, people.manager.id);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Ladder' }).click();
    await page.waitForURL(`${w.url}/console/ladder`);
    expect(await page.locator('h1').textContent()).toBe('Ladder editor');
    expect(await page.locator(`#l${UP}-days`).inputValue()).toBe('45');
    await expectAccessible(page);
  });

  it('shows a problem at its field, accessibly', async () => {
    await page.locator(`#l${UP}-days`).fill('soon');
    await page.getByRole('button', { name: `Update level ${UP + 1}` }).click();
    await page.waitForLoadState();
    const field = page.locator(`#l${UP}-days`);
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator(`#l${UP}-days-err`).textContent()).toMatch(/expected number/);
    await expectAccessible(page);
  });

  it('edits the level\'s day; the preview lists the moved accounts and one account side by side', async () => {
    await page.locator(`#l${UP}-days`).fill('55');
    await page.getByRole('button', { name: `Update level ${UP + 1}` }).click();
    await page.waitForURL(/\/console\/ladder\?done=updated/);
    expect(await page.getByRole('status').textContent()).toContain('The draft is updated');
    await page.getByRole('link', { name: 'Preview the draft' }).click();
    await page.waitForURL(`${w.url}/console/ladder/preview`);
    const moved = page.getByRole('table', { name: /Accounts whose next step moves/ });
    for (const c of w.customers) expect(await moved.getByRole('link', { name: c.displayName }).count()).toBe(1);
    expect(await page.getByRole('table', { name: /Acme Industrial: the next 90 days/ }).count()).toBe(1);
    await expectAccessible(page);
    await page.getByLabel('Account', { exact: true }).selectOption({ label: 'Initech (moves)' });
    await page.getByRole('button', { name: 'Show its timeline' }).click();
    await page.waitForURL(/account=/);
    expect(await page.getByRole('table', { name: /Initech: the next 90 days/ }).count()).toBe(1);
  });

  it('saves: a new active version, listed in the history', async () => {
    await page.getByLabel(/Note/).fill('up the ladder ten days later');
    await page.getByRole('button', { name: 'Save and activate as a new version' }).click();
    await page.waitForURL(/\/console\/ladder\/versions\?done=saved/);
    expect((await w.store.policies.current(ORG))?.policy.levels[UP]?.trigger).toEqual({ kind: 'daysPastDue', days: 55 });
    expect(await page.getByRole('cell', { name: 'up the ladder ten days later' }).count()).toBe(1);
    await expectAccessible(page);
  });

  it('the raw view is accessible', async () => {
    await page.goto(`${w.url}/console/ladder/raw`);
    expect(await page.getByLabel('The whole policy, as JSON or YAML').inputValue()).toContain('"days": 55');
    await expectAccessible(page);
  });

  it('a second version, the diff against the active one, and Roll back', async () => {
    await page.goto(`${w.url}/console/ladder`);
    await page.locator(`#l${UP}-days`).fill('50');
    await page.getByRole('button', { name: `Update level ${UP + 1}` }).click();
    await page.waitForURL(/done=updated/);
    await page.goto(`${w.url}/console/ladder/preview`);
    await page.getByRole('button', { name: 'Save and activate as a new version' }).click();
    await page.waitForURL(/done=saved&version=2/);
    await page.getByRole('link', { name: 'Compare v1 with the active version' }).click();
    await page.waitForURL(/\/console\/ladder\/versions\/1$/);
    const diff = page.getByRole('table', { name: /Version 1 against the active version/ });
    expect(await diff.getByRole('row', { name: new RegExp(`levels\\[${UP}\\]\\.trigger\\.days 55 50`) }).count()).toBe(1);
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Roll back to v1' }).click();
    await page.waitForURL(/done=rolledback&version=3/);
    const current = await w.store.policies.current(ORG);
    expect(current).toMatchObject({ version: 3, rollbackOf: 1 });
    expect(current?.policy.levels[UP]?.trigger).toEqual({ kind: 'daysPastDue', days: 55 });
    expect(await page.getByText('(rollback to v1)').count()).toBe(1);
    await expectAccessible(page);
  });
});

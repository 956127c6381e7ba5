// The console's admin pages in a real browser (headless Chromium through playwright-core): an admin signs in
// from the link `/overdue console` answers, visits Connections (Connect goes on to the ledger's consent page:
// the page's CSP lets the form's redirects end there; the consent page itself is answered by the test, no
// outside host is called), disconnects a connection after its confirmation, changes a role, exports and
// imports assignments (a file upload without JavaScript), changes a setting, sees a problem at its field,
// and downloads the sample letter. axe-core finds no accessibility violation on any of these pages.
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ReconciliationRuns } from '../src/ledger/runs.js';
import { parseCsv } from '../src/planning/assignments.js';
import { orgSettingsOf } from '../src/settings/org-settings.js';
import { People } from '../slack/services/people.js';
import { expectAccessible, launchBrowser, type TestBrowser } from './helpers/browser.js';
import { signInFromSlack } from './helpers/console-sign-in.js';
import { ORG, people, startWorld, type World } from './fuzz/world.js';

jest.setTimeout(180_000);

let w: World;
let browser: TestBrowser;
let page: Page;

const nav = (label: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label });

beforeAll(async () => {
  w = await startWorld('console-admin-browser');
  browser = await launchBrowser();
  // The ledgers' consent pages are not called: the browser's requests to them are answered here.
  await browser.context.route(/^https:\/\/(appcenter\.intuit\.com|login\.xero\.com)\//, (route) =>
    route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><html lang="en"><head><title>Consent</title></head><body><main><h1>Consent page</h1></main></body></html>' }),
  );
  page = await browser.context.newPage();
});
afterAll(async () => {
  await browser?.close();
  await w?.stop();
});

describe('the admin pages in Chromium', () => {
  it('signs in as an admin from the Slack link', async () => {
    await signInFromSlack(page, w, people.admin.id);
  });

  it('Connections: the status and reconciliation, accessible; Connect goes on to the ledger consent page', async () => {
    const qbo = (await w.store.connections.listByOrg(ORG)).find((c) => c.provider === 'quickbooks');
    if (!qbo) throw new Error('no QuickBooks connection');
    await new ReconciliationRuns(w.store.db).save({
      _id: qbo._id, orgId: ORG, provider: 'quickbooks', companyId: qbo.companyId, companyName: qbo.companyName, at: new Date(), asOf: '2026-12-04',
      status: 'exact', compared: 3, exact: 3, resynced: false, mismatches: [], held: [], apiCalls: 1,
    });
    await nav('Connections').click();
    await page.waitForURL(`${w.url}/console/connections`);
    expect(await page.getByText('exact: every balance agreed with the ledger').count()).toBe(1);
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Connect QuickBooks Online' }).click();
    await page.waitForURL(/^https:\/\/appcenter\.intuit\.com\//);
    const consent = new URL(page.url());
    expect(consent.searchParams.get('client_id')).toBe('fuzz-qbo-client');
    expect(await page.locator('h1').textContent()).toBe('Consent page');
  });

  it('Disconnect asks first, then disconnects', async () => {
    await page.goto(`${w.url}/console/connections`);
    await page.getByRole('button', { name: 'Disconnect Fuzz Xero company…' }).click();
    await page.waitForLoadState();
    expect(await page.locator('h1').textContent()).toBe('Disconnect Fuzz Xero company?');
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Yes, disconnect Fuzz Xero company' }).click();
    await page.waitForURL(/done=disconnected/);
    expect(await page.getByRole('status').textContent()).toContain('Disconnected');
    const xero = (await w.store.connections.listByOrg(ORG)).find((c) => c.provider === 'xero');
    expect(xero?.status).toBe('disconnected');
    await expectAccessible(page);
  });

  it('People: changes a role, exports and imports assignments', async () => {
    await nav('People').click();
    await page.waitForURL(`${w.url}/console/people`);
    await expectAccessible(page);
    const row = page.getByRole('row').filter({ hasText: people.rep.email });
    await row.getByRole('checkbox', { name: 'Collector' }).check();
    await row.getByRole('button', { name: `Save roles of ${people.rep.name}` }).click();
    await page.waitForLoadState();
    expect(await page.getByRole('status').textContent()).toContain(`Roles of ${people.rep.name} saved: Collector, Sales rep`);
    expect((await new People(w.store.db).byEmail(ORG, people.rep.email))?.roles).toEqual(['collector', 'sales_rep']);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download the assignments (CSV)' }).click()]);
    const rows = parseCsv(readFileSync(await download.path(), 'utf8')).map((r) => r.cells);
    expect(rows[0]).toEqual(['customer', 'sales_rep_email', 'collector_email', 'display_name']);
    const initech = rows.find((r) => r[3] === 'Initech');
    if (!initech) throw new Error('no Initech row');
    initech[1] = people.rep.email;
    const file = join(tmpdir(), `assignments-${process.pid}.csv`);
    writeFileSync(file, rows.map((r) => r.map((c) => `"${c.replace(/"/g, '""')}"`).join(',')).join('\n'));
    await page.getByLabel('CSV file').setInputFiles(file);
    await page.getByRole('button', { name: 'Import' }).click();
    await page.waitForLoadState();
    expect(await page.getByRole('status').textContent()).toContain('Imported: 1 account changed');
    expect((await w.store.customers.get(w.customers[2]?._id ?? ''))?.salesRepEmail).toBe(people.rep.email);
    await expectAccessible(page);
  });

  it('Settings: changes the letterhead, shows a problem at its field, downloads the sample letter', async () => {
    await nav('Settings').click();
    await page.waitForURL(`${w.url}/console/settings`);
    await expectAccessible(page);
    await page.getByLabel('Company name').fill('Fuzz Supply Co');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.waitForURL(/done=saved/);
    expect(await page.getByRole('status').textContent()).toContain('Settings saved');
    expect(orgSettingsOf((await w.store.organisations.get(ORG))!).letterhead.name).toBe('Fuzz Supply Co');
    expect(await page.getByLabel('Company name').inputValue()).toBe('Fuzz Supply Co');

    await page.getByLabel('Time zone').fill('Mars/Olympus');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.waitForLoadState();
    expect(await page.getByRole('alert').textContent()).toContain('Nothing was saved');
    expect(await page.getByLabel('Time zone').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#set-timeZone-err').textContent()).toContain('unknown IANA time zone');
    await expectAccessible(page);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download the sample letter (PDF)' }).click()]);
    expect(readFileSync(await download.path()).subarray(0, 5).toString()).toBe('%PDF-');
  });
});

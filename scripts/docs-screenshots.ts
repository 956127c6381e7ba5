// `npm run docs:screenshots`: photographs the web console for docs/ (README's and docs/console.md's
// "Screenshots"). It starts the console as the web role serves it — on a seeded organisation (the fuzz
// world of the tests: three customers with past-due invoices, people with each role, the Slack sandbox)
// over a local database server it starts in a temp folder (or MONGODB_URI) — signs in with the link
// `/overdue console` answers in the Slack sandbox, then, in headless Chromium (/usr/bin/chromium or
// CHROMIUM_PATH, playwright-core), visits every link of the layout's navigation (NAV, app/console/layout.ts:
// a page another change appends there is photographed too) and one account's page, and writes
// docs/screenshots/console-<page>.png (1280×800, the top of the page), then the customer's page of that
// account (its signed link, as the admin API mints it: docs/screenshots/customer-page.png), and
// docs/screenshots/README.md.
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, readdir, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { NAV } from '../app/console/layout.js';
import { startLocalServer } from '../src/db/local-server.js';
import { screenshotPages, VIEWPORT, type ShotPage } from './docs-screenshots-pages.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const OUT = path.resolve('docs/screenshots');
async function main(): Promise<void> {
  const started = Date.now();
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  try {
    if (!process.env['OVERDUE_TEST_MONGODB_URI']) {
      const uri = process.env['MONGODB_URI'] ?? (await (async () => {
        const dir = mkdtempSync(path.join(tmpdir(), 'overdue-screenshots-db-'));
        cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
        const local = await startLocalServer({ dataDir: dir, throwaway: true, progress: (m) => console.log(`[db] ${m}`) });
        cleanups.push(() => local.stop());
        return local.uri;
      })());
      process.env['OVERDUE_TEST_MONGODB_URI'] = uri;
    }
    // Loaded after the database's address is known (the world opens its database from it).
    const { people, SIGNING_SECRET, startWorld } = await import('../test/fuzz/world.js');
    const { sendCommand, slashCommand } = await import('../test/sandbox/slack/signed.js');
    const { enterContact } = await import('../src/planning/account-edits.js');
    const w = await startWorld('screenshots');
    cleanups.push(() => w.stop());
    await w.runJobs();
    const first = w.customers[0];
    if (!first) throw new Error('no customer seeded');
    // A person who may see every page: the admin, with the other roles too (pages ask different actions).
    await w.slack.services.people.upsert({ orgId: first.orgId, email: people.admin.email, name: people.admin.name, slackUserId: people.admin.id, roles: ['admin', 'manager', 'collector'] }, new Date());
    await enterContact(w.store, first, { role: 'cfo', name: 'Carla Fo', email: 'carla.fo@c0.example', timeZone: 'America/Chicago' }, { actor: { kind: 'person', id: people.admin.email, name: people.admin.name }, channel: 'console', at: new Date() });

    const before = w.sandbox.callsOf('chat.postEphemeral').length;
    await sendCommand(`${w.url}/slack/events`, SIGNING_SECRET, slashCommand({ userId: people.admin.id }, '/overdue', 'console'));
    let link: string | undefined;
    for (let i = 0; i < 200 && !link; i++) {
      link = w.sandbox.callsOf('chat.postEphemeral').slice(before).map((c) => /\/console\/sign-in\/[A-Za-z0-9_-]+/.exec(String(c.args['text']))?.[0]).find(Boolean);
      if (!link) await new Promise((r) => setTimeout(r, 50));
    }
    if (!link) throw new Error('no sign-in link from /overdue console');

    const profile = mkdtempSync(path.join(tmpdir(), 'overdue-screenshots-chromium-'));
    cleanups.push(() => rmSync(profile, { recursive: true, force: true }));
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: VIEWPORT });
    cleanups.push(() => context.close());
    const page = await context.newPage();
    await page.goto(`${w.url}${link}`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${w.url}/console`);

    await mkdir(OUT, { recursive: true });
    for (const f of await readdir(OUT)) if (/^(console-.*|customer-page)\.png$/.test(f)) await unlink(path.join(OUT, f));
    const shots: { file: string; page: ShotPage; bytes: number; status: number }[] = [];
    for (const p of screenshotPages(NAV, { id: first._id, name: first.displayName })) {
      const res = await page.goto(`${w.url}${p.href}`);
      const file = `console-${p.key}.png`;
      const png = await page.screenshot({ path: path.join(OUT, file), fullPage: false });
      shots.push({ file, page: p, bytes: png.length, status: res?.status() ?? 0 });
      console.log(`${file}: ${p.href} (${res ? `HTTP ${res.status()}` : 'same page, scrolled'}), ${Math.round(png.length / 1024)} KiB`);
    }
    // The customer's page: the account's signed link (GET …/customer-link, as a customer email carries it), on this server.
    const minted = await w.admin('GET', `/orgs/${encodeURIComponent(first.orgId)}/accounts/${encodeURIComponent(first._id)}/customer-link`);
    const customerUrl = minted.status === 200 ? (JSON.parse(minted.text) as { url?: string }).url : undefined;
    if (!customerUrl) throw new Error(`no customer page link (HTTP ${minted.status})`);
    const customerPath = new URL(customerUrl).pathname;
    const customerRes = await page.goto(`${w.url}${customerPath}`);
    const customerPng = await page.screenshot({ path: path.join(OUT, 'customer-page.png'), fullPage: false });
    shots.push({ file: 'customer-page.png', page: { key: 'customer-page', label: `The customer's page (${first.displayName})`, href: '/c/<token>' }, bytes: customerPng.length, status: customerRes?.status() ?? 0 });
    console.log(`customer-page.png: /c/<token> (HTTP ${customerRes?.status() ?? 0}), ${Math.round(customerPng.length / 1024)} KiB`);
    const failed = shots.filter((s) => s.status >= 400);
    if (failed.length > 0) throw new Error(`pages answered an error: ${failed.map((s) => `${s.page.href} ${s.status}`).join(', ')}`);
    await writeFile(path.join(OUT, 'README.md'), [
      '# Console screenshots',
      '',
      'Written by `npm run docs:screenshots` (scripts/docs-screenshots.ts): the web console on a seeded organisation, signed in from a Slack link, each page of the navigation and one account, then that account\'s customer page, 1280×800. Do not edit by hand.',
      '',
      ...shots.map((s) => `- [${s.page.label}](${s.file}) — \`${s.page.href.replace(/\/accounts\/[^#]+/, '/accounts/<id>')}\``),
      '',
    ].join('\n'));
    console.log(`${shots.length} screenshots in ${path.relative(process.cwd(), OUT)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => {});
  }
}

main().then(() => process.exit(0), (e: unknown) => {
  console.error(`docs:screenshots failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
});

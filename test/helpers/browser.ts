// Headless Chromium for the browser tests, driven by playwright-core: Debian's /usr/bin/chromium (installed
// by scripts/bootstrap.js before `npm test`), or CHROMIUM_PATH. A fresh profile each launch, removed on close.
// Plus the accessibility check: axe-core injected into the page (through the DevTools protocol, which the
// page's CSP does not govern) and run on the whole document.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axe from 'axe-core';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

export const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export interface TestBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM_PATH}: run \`npm run bootstrap\` as root (it installs Debian's chromium with apt-get), install it yourself, or set CHROMIUM_PATH to a Chromium binary.`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'overdue-chromium-'));
  // A persistent context: playwright takes the profile folder as userDataDir (it refuses --user-data-dir in args).
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_FLAGS, acceptDownloads: true });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; html: string }[];
}

/** axe-core's violations on the page as it stands (WCAG 2.x A and AA rules and best practices). */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axe.source);
  // Evaluated in the page (a string: the project's TypeScript has no DOM types).
  return page.evaluate<AxeViolation[]>(`axe.run(document, { resultTypes: ['violations'] }).then((r) =>
    r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, html: n.html })) })))`);
}

/** The page has no axe-core violation (each one printed when there are). */
export async function expectAccessible(page: Page): Promise<void> {
  const violations = await axeViolations(page);
  if (violations.length > 0) console.log(JSON.stringify(violations, null, 2));
  expect(violations).toEqual([]);
}

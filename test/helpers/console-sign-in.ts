// The console's sign-in from Slack, as the browser tests do it: `/overdue console` sent signed to the running
// Slack app of a test world, and the link its ephemeral answer carries; then, in a browser page, the link
// opened and *Sign in* pressed.
import type { Page } from 'playwright-core';
import type { World } from '../fuzz/world.js';
import { SIGNING_SECRET } from '../fuzz/world.js';
import { sendCommand, slashCommand } from '../sandbox/slack/signed.js';
import { until } from './web-world.js';

/** The sign-in path (`/console/sign-in/<token>`) Slack answers `/overdue console` with for this Slack user. */
export async function signInLinkFromSlack(w: Pick<World, 'url' | 'sandbox'>, slackUserId: string): Promise<string> {
  const before = w.sandbox.callsOf('chat.postEphemeral').length;
  expect((await sendCommand(`${w.url}/slack/events`, SIGNING_SECRET, slashCommand({ userId: slackUserId }, '/overdue', 'console'))).status).toBe(200);
  await until('the link', async () => w.sandbox.callsOf('chat.postEphemeral').length > before, 10_000);
  const text = String(w.sandbox.callsOf('chat.postEphemeral').at(-1)?.args['text']);
  const path = /\/console\/sign-in\/[A-Za-z0-9_-]+/.exec(text)?.[0];
  if (!path) throw new Error(`no link in ${text}`);
  return path;
}

/** Sign this page in as the Slack user: the link from Slack opened, *Sign in* pressed, the overview reached. */
export async function signInFromSlack(page: Page, w: Pick<World, 'url' | 'sandbox'>, slackUserId: string): Promise<void> {
  await page.goto(`${w.url}${await signInLinkFromSlack(w, slackUserId)}`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${w.url}/console`);
}

// Sign-in links to the web console from Slack: App Home's *Open Overdue*
// (action_id console.open; the link comes by DM) and `/overdue console` (an
// ephemeral answer). The link is minted by the console (app/console/auth.ts:
// random, stored hashed, 10 minutes, once) for the Slack user who asked; only
// people Overdue knows get one.
import type { SlackContext } from './context.js';

/** What Slack needs from the console: a fresh single-use sign-in link (a full URL) for this Slack user of the organisation. */
export interface ConsoleLinks {
  signInUrl(orgId: string, slackUserId: string, now: Date): Promise<{ url: string; expiresAt: Date }>;
}

export type ConsoleLinkAnswer = { ok: true; url: string; text: string } | { ok: false; text: string };

export async function consoleLinkFor(ctx: SlackContext, slackUserId: string): Promise<ConsoleLinkAnswer> {
  if (!ctx.consoleLinks) return { ok: false, text: 'The Overdue web console is not served by this installation.' };
  const person = await ctx.people.findBySlackId(slackUserId);
  if (!person || person.roles.length === 0) return { ok: false, text: 'Overdue does not know you yet: ask an admin to add you.' };
  const now = ctx.now();
  const { url, expiresAt } = await ctx.consoleLinks.signInUrl(person.orgId, slackUserId, now);
  const minutes = Math.round((expiresAt.getTime() - now.getTime()) / 60_000);
  return { ok: true, url, text: `Your sign-in link to Overdue (works once, for ${minutes} minutes): ${url}` };
}

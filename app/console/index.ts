// The web console, composed: its route list (one place to add a page), the router over it, and the
// sign-in links Slack hands out. app/http/web.ts mounts it when Slack is configured (signing in is from Slack).
import type { ConsoleLinks } from '../../slack/services/console-link.js';
import { ConsoleAuth } from './auth.js';
import { accountRoutes } from './pages/account.js';
import { accountEditRoutes } from './pages/account-edit.js';
import { accountsCsvRoute, accountsRoute } from './pages/accounts.js';
import { ladderEditorRoutes } from './pages/ladder.js';
import { ladderHistoryRoutes } from './pages/ladder-history.js';
import { ladderPreviewRoutes } from './pages/ladder-preview.js';
import { overviewRoute } from './pages/overview.js';
import { connectionsRoutes } from './pages/connections.js';
import { peopleRoutes } from './pages/people.js';
import { settingsRoutes } from './pages/settings.js';
import { consoleRouter, type ConsoleDeps, type ConsoleRoute } from './router.js';

/** Every page and form of the console (later pages append here). */
export const consoleRoutes: readonly ConsoleRoute[] = [overviewRoute, accountsRoute, accountsCsvRoute, ...accountRoutes, ...accountEditRoutes, ...connectionsRoutes, ...peopleRoutes, ...settingsRoutes, ...ladderEditorRoutes, ...ladderPreviewRoutes, ...ladderHistoryRoutes];

export { ConsoleAuth };

/** Sign-in links under the public base URL: `${base}/console/sign-in/<token>`. */
export function consoleLinks(auth: ConsoleAuth, publicBaseUrl: string): ConsoleLinks {
  const base = publicBaseUrl.replace(/\/$/, '');
  return {
    async signInUrl(orgId, slackUserId, now) {
      const { token, expiresAt } = await auth.mintSignIn(orgId, slackUserId, now);
      return { url: `${base}/console/sign-in/${token}`, expiresAt };
    },
  };
}

export function buildConsole(deps: ConsoleDeps): ReturnType<typeof consoleRouter> {
  return consoleRouter(deps, consoleRoutes);
}

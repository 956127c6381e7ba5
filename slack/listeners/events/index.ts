import type { App } from '@slack/bolt';
import { appHomeOpened } from './app-home-opened.js';
import { appUninstalled, tokensRevoked } from './uninstalled.js';

export function registerEvents(app: App): void {
  app.event('app_home_opened', appHomeOpened);
  app.event('app_uninstalled', appUninstalled);
  app.event('tokens_revoked', tokensRevoked);
}

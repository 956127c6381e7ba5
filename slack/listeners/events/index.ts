import type { App } from '@slack/bolt';
import { appHomeOpened } from './app-home-opened.js';

export function registerEvents(app: App): void {
  app.event('app_home_opened', appHomeOpened);
}

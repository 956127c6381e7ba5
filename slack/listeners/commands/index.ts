import type { App } from '@slack/bolt';
import { overdueCommand } from './overdue.js';

export function registerCommands(app: App): void {
  app.command('/overdue', overdueCommand);
}

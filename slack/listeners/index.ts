import type { App } from '@slack/bolt';
import { registerActions } from './actions/index.js';
import { registerCommands } from './commands/index.js';
import { registerEvents } from './events/index.js';
import { registerViews } from './views/index.js';

export function registerListeners(app: App): void {
  registerActions(app);
  registerViews(app);
  registerCommands(app);
  registerEvents(app);
}

import type { App } from '@slack/bolt';

/** Slash commands (`/overdue`): not built yet — see docs/slack.md. */
export function registerCommands(_app: App): void {}

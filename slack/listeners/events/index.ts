import type { App } from '@slack/bolt';

/** Events (app_home_opened): not built yet — see docs/slack.md. */
export function registerEvents(_app: App): void {}

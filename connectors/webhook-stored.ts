// What both providers' webhook routes do once a delivery is stored: tell the
// composition root (Services.onWebhookStored, enqueuing `process-webhooks-now`)
// for each known connection of the delivery, so its processing starts now.
import type { Logger } from '../src/logger.js';
import type { ConnectionDoc } from '../src/store/types.js';

/**
 * A failure here is logged, not answered: the delivery is stored, and the worker's periodic
 * `process-webhooks` job processes it anyway.
 */
export async function announceStored(
  deps: { onStored?: (connectionId: string) => Promise<void>; logger: Logger },
  known: readonly (ConnectionDoc | null)[],
): Promise<void> {
  if (!deps.onStored) return;
  for (const conn of known) {
    if (!conn) continue;
    try {
      await deps.onStored(conn._id);
    } catch (err) {
      deps.logger.warn({ connection: conn._id, err: err instanceof Error ? err.message : String(err) }, 'webhook stored, but its processing could not be enqueued; the periodic job will take it');
    }
  }
}

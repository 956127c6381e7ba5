// Work through stored webhook deliveries of one provider: claim one (exactly one
// worker gets it), parse it, let the connector fetch and save what changed, mark it
// done — or failed, retried up to 10 times when the failure may pass.
import type { Logger } from '../src/logger.js';
import type { Store } from '../src/store/store.js';
import type { Provider } from '../src/store/types.js';
import type { ChangeEvent, Connector } from './types.js';

export type ParsedDelivery = { ok: true; events: ChangeEvent[] } | { ok: false; detail: string };

export interface InboxDeps {
  provider: Provider;
  parse: (body: string) => ParsedDelivery;
  connector: Pick<Connector, 'applyChanges'>;
  store: Store;
  logger: Logger;
  worker: string;
  now?: () => Date;
  /** Deliveries handled in one call at most. */
  max?: number;
}

export const INBOX_MAX_ATTEMPTS = 10;

/** Returns how many deliveries were handled. */
export async function processInbox(deps: InboxDeps): Promise<number> {
  const now = deps.now ?? (() => new Date());
  let handled = 0;
  for (; handled < (deps.max ?? 100); handled++) {
    const d = await deps.store.inbox.claimNext(deps.provider, deps.worker, now(), 60_000);
    if (!d) break;
    const parsed = deps.parse(d.body);
    if (!parsed.ok) {
      await deps.store.inbox.markFailed(d._id, parsed.detail, false);
      continue;
    }
    try {
      await deps.connector.applyChanges(parsed.events);
      await deps.store.inbox.markDone(d._id, now());
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      deps.logger.warn({ provider: deps.provider, delivery: d._id, err: message }, 'webhook delivery failed; will retry');
      await deps.store.inbox.markFailed(d._id, message, d.attempts < INBOX_MAX_ATTEMPTS);
    }
  }
  return handled;
}

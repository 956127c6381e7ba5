// Work through stored webhook deliveries of one provider: claim one (exactly one
// worker gets it), parse it, let the connector fetch and save what changed, mark it
// done — or failed, retried up to 10 times when the failure may pass.
import type { Logger } from '../src/logger.js';
import type { Store } from '../src/store/store.js';
import { connectionId } from '../src/store/organisations.js';
import type { ConnectionDoc, Provider } from '../src/store/types.js';
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

/**
 * Webhook change events grouped by the active connection of their company; events
 * of a company with no active connection are counted as skipped (and logged).
 */
export async function eventsByActiveConnection(
  store: Store,
  provider: Provider,
  events: ChangeEvent[],
  logger: Logger,
): Promise<{ groups: { conn: ConnectionDoc; events: ChangeEvent[] }[]; skipped: number }> {
  const byCompany = new Map<string, ChangeEvent[]>();
  for (const e of events) byCompany.set(e.companyId, [...(byCompany.get(e.companyId) ?? []), e]);
  const groups: { conn: ConnectionDoc; events: ChangeEvent[] }[] = [];
  let skipped = 0;
  for (const [companyId, list] of byCompany) {
    const conn = await store.connections.get(connectionId(provider, companyId));
    if (!conn || conn.status !== 'active') {
      skipped += list.length;
      logger.info({ provider, companyId, events: list.length }, 'webhook events for a company without an active connection: skipped');
      continue;
    }
    groups.push({ conn, events: list });
  }
  return { groups, skipped };
}

/**
 * A webhook body as JSON that the inbox can store: parsed, and without a NUL character (U+0000), which the
 * database refuses in a stored document (found by the fuzz suite: a signed QuickBooks delivery with one
 * answered 500). Both providers' parsers start here; a refusal is a 400 ("malformed").
 */
export function webhookJson(body: string): { ok: true; json: unknown } | { ok: false; detail: string } {
  if (body.includes('\u0000') || body.includes('\\u0000')) return { ok: false, detail: 'body contains a NUL character (U+0000)' };
  try {
    return { ok: true, json: JSON.parse(body) };
  } catch {
    return { ok: false, detail: 'body is not JSON' };
  }
}

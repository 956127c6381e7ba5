// Work through stored webhook deliveries of one provider: claim a batch (exactly one
// worker gets each), parse them, coalesce their change events (one per record, the
// latest) and let the connector fetch and save what changed in one go — per company
// and entity one id-batched read (QuickBooks `Id IN (…)`, Xero `IDs=`), not one per
// delivery — then mark them done. When the batch fails, each delivery is tried alone,
// so one bad delivery fails (retried by later runs, up to 10 attempts, when the
// failure may pass) and the rest go through. After each batch, `afterBatch` hears
// which accounts it changed (the job re-plans them at once, before the next batch).
// A call keeps claiming until the inbox is empty or `max` deliveries were handled:
// deliveries stored while it runs are taken by the same call.
import type { Logger } from '../src/logger.js';
import type { Store } from '../src/store/store.js';
import { connectionId } from '../src/store/organisations.js';
import type { ConnectionDoc, Provider } from '../src/store/types.js';
import type { AppliedChanges, ChangeEvent, ChangedAccounts, Connector } from './types.js';

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
  /** Deliveries coalesced into one set of reads. Default 100; 1 handles each delivery on its own. */
  batch?: number;
  /** Called once a batch's deliveries are saved and marked done, before the next batch is claimed. */
  afterBatch?: (batch: InboxBatch) => Promise<void>;
}

/** A batch of deliveries done. */
export interface InboxBatch {
  /** Deliveries marked done in it. */
  deliveries: number;
  /** The accounts its changes touched, per connection; absent when the connector cannot say. */
  changed?: ChangedAccounts[];
  /** When its work started: a caller without `changed` looks up what was saved since. */
  since: Date;
}

/** What a job may pass to a provider's inbox processor (Services.inbox). */
export type InboxRunOptions = Pick<InboxDeps, 'afterBatch' | 'max'>;

export const INBOX_MAX_ATTEMPTS = 10;

/** The events of several deliveries, one per record (the latest wins: a delete after an update stays a delete). */
export function coalesceEvents(events: readonly ChangeEvent[]): ChangeEvent[] {
  const latest = new Map<string, ChangeEvent>();
  for (const e of events) {
    const key = `${e.provider}\u0000${e.companyId}\u0000${e.kind}\u0000${e.externalId}`;
    latest.delete(key); // keep the order of the latest occurrence
    latest.set(key, e);
  }
  return [...latest.values()];
}

/** Returns how many deliveries were handled. */
export async function processInbox(deps: InboxDeps): Promise<number> {
  const now = deps.now ?? (() => new Date());
  const max = deps.max ?? 100;
  let handled = 0;
  const tried = new Set<string>();
  while (handled < max) {
    const claimed = await deps.store.inbox.claimBatch(deps.provider, deps.worker, now(), 60_000, Math.min(deps.batch ?? 100, max - handled), tried);
    if (claimed.length === 0) break;
    handled += claimed.length;
    for (const d of claimed) tried.add(d._id);
    const parsed: { id: string; attempts: number; events: ChangeEvent[] }[] = [];
    for (const d of claimed) {
      const p = deps.parse(d.body);
      if (p.ok) parsed.push({ id: d._id, attempts: d.attempts, events: p.events });
      else await deps.store.inbox.markFailed(d._id, p.detail, false);
    }
    if (parsed.length === 0) continue;
    const since = now();
    const done: AppliedChanges[] = [];
    let deliveries = 0;
    try {
      done.push(await deps.connector.applyChanges(coalesceEvents(parsed.flatMap((d) => d.events))));
      for (const d of parsed) await deps.store.inbox.markDone(d.id, now());
      deliveries = parsed.length;
    } catch (err) {
      done.length = 0;
      if (parsed.length === 1) await failed(deps, parsed[0]!, err);
      else for (const d of parsed) {
        const r = await applyOne(deps, d, now);
        if (r) done.push(r);
      }
      if (parsed.length > 1) deliveries = done.length;
    }
    // Outside the try: a failure after the deliveries are done fails the run, it does not apply them again.
    if (deliveries > 0 && deps.afterBatch) {
      const changed = done.every((r) => r.changed !== undefined) ? done.flatMap((r) => r.changed ?? []) : undefined;
      await deps.afterBatch({ deliveries, since, ...(changed ? { changed } : {}) });
    }
  }
  return handled;
}

/** One delivery on its own (after its batch failed): done (what it changed), or failed with a retry while attempts are left (null). */
async function applyOne(deps: InboxDeps, d: { id: string; attempts: number; events: ChangeEvent[] }, now: () => Date): Promise<AppliedChanges | null> {
  try {
    const r = await deps.connector.applyChanges(d.events);
    await deps.store.inbox.markDone(d.id, now());
    return r;
  } catch (err) {
    await failed(deps, d, err);
    return null;
  }
}

async function failed(deps: InboxDeps, d: { id: string; attempts: number }, err: unknown): Promise<void> {
  const message = err instanceof Error ? err.message : String(err);
  deps.logger.warn({ provider: deps.provider, delivery: d.id, err: message }, 'webhook delivery failed; will retry');
  await deps.store.inbox.markFailed(d.id, message, d.attempts < INBOX_MAX_ATTEMPTS);
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

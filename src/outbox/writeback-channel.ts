// Credit-hold write-back: a hold placed or lifted in Overdue becomes one dated
// line in the customer's notes (QuickBooks) or contact history (Xero), so the
// people who work in the accounting platform see it too. The connector's
// appendCustomerNote is idempotent on the outbox key (QuickBooks: the line is
// looked for before it is appended; Xero: the Idempotency-Key header), so a
// retried entry never writes the note twice.
import { sha256Hex } from '../store/hash.js';
import type { Provider } from '../store/types.js';
import type { Channel, SendContext, SendOutcome } from './channel.js';

/** What the channel needs of a connector (connectors/types.ts Connector). */
export interface CustomerNoteWriter {
  appendCustomerNote(
    connectionId: string,
    customerExternalId: string,
    line: string,
    idempotencyKey: string,
  ): Promise<{ ok: true; attempts: number } | { ok: false; reason: 'not_found' | 'not_open' | 'no_recipient' | 'needs_reconnect' | 'rejected'; detail?: string }>;
}

export interface WritebackChannelOptions {
  /** The connectors this worker has, by provider (built once in app/services.ts). */
  connectors: Partial<Record<Provider, CustomerNoteWriter>>;
  /** Called once the note is written (the hold's writtenBackAt). */
  onWritten?: (holdId: string, now: Date) => Promise<void>;
}

export class WritebackChannel implements Channel {
  constructor(private readonly opts: WritebackChannelOptions) {}

  async send(ctx: SendContext): Promise<SendOutcome> {
    const a = ctx.action;
    if (a.kind !== 'writeback') return { ok: false, permanent: true, error: `a ${a.kind} action is not a write-back`, rejected: [] };
    const { provider, connectionId, externalId } = ctx.customer;
    const connector = this.opts.connectors[provider];
    // Another worker (or this one after a restart with credentials) can carry it: retried with backoff.
    if (!connector) return { ok: false, permanent: false, error: `no ${provider} connector configured in this worker`, rejected: [] };
    // Short and unique per entry: QuickBooks request ids are cut at 50 characters, and two keys of one hold
    // (placed, lifted) share a long prefix.
    const r = await connector.appendCustomerNote(connectionId, externalId, a.line, `wb-${sha256Hex(ctx.entry._id).slice(0, 40)}`);
    if (!r.ok) {
      const detail = `${provider} refused the note (${r.reason}${r.detail ? `: ${r.detail}` : ''})`;
      // A connection to reconnect: retried (the backoff spans hours); a missing customer or a refused note: final.
      return { ok: false, permanent: r.reason !== 'needs_reconnect', error: detail, rejected: [] };
    }
    await this.opts.onWritten?.(a.holdId, ctx.now);
    return { ok: true, result: { provider, customer: externalId, holdId: a.holdId, event: a.event, apiAttempts: r.attempts }, rejected: [] };
  }
}

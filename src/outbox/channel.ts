// The seam between the dispatcher and the ways an entry leaves Overdue.
import type { CustomerDoc, InvoiceDoc, OrganisationDoc, OutboxEntryDoc } from '../store/types.js';
import type { PayloadAction } from '../planning/payload.js';

/** Everything a channel may use to carry out one claimed entry; read just before sending. */
export interface SendContext {
  entry: OutboxEntryDoc;
  action: PayloadAction;
  accountName: string;
  customer: CustomerDoc;
  org: OrganisationDoc | null;
  /** The entry's invoices as they are now (fresh from the store; all still open). */
  invoices: InvoiceDoc[];
  now: Date;
  /** Customer emails and letters already sent about this account. */
  previousContacts: number;
  /**
   * Render and record, send nothing: SEND_ENABLED is off, or the customer's connection is not
   * live (new connections start in dry-run). Always false for internal tasks.
   */
  dryRun?: boolean;
}

export type SendOutcome =
  /** Done. `rejected`: addresses refused while others accepted the message. */
  | { ok: true; result: Record<string, unknown>; rejected: string[] }
  /**
   * Not done. permanent: retrying cannot help (a refused recipient, a bad
   * payload); otherwise the dispatcher retries with backoff. `rejected`: the
   * addresses that bounced, recorded so the next plan picks another contact.
   */
  | { ok: false; permanent: boolean; error: string; rejected: string[] };

export interface Channel {
  /** Carry out the entry. Must not throw for expected failures; a throw counts as transient. */
  send(ctx: SendContext): Promise<SendOutcome>;
}

/** The retry policy: delay before attempt `attempts + 1`, or null to give up. Pure. */
export type RetryPolicy = (attempts: number) => number | null;

/** 1 min, 2, 4, 8 … capped at 6 h; after 8 attempts, give up. */
export const exponentialBackoff =
  (baseMs = 60_000, maxMs = 6 * 3_600_000, maxAttempts = 8): RetryPolicy =>
  (attempts) =>
    attempts >= maxAttempts ? null : Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));

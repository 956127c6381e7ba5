// The seam between the dispatcher and the ways an entry leaves Overdue.
import type { CustomerDoc, InvoiceDoc, OrganisationDoc, OutboxEntryDoc } from '../store/types.js';
import type { PayloadAction } from '../planning/payload.js';
import type { RetryPolicy } from '../domain/retry.js';

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
  /** The customer's time zone as the dispatcher resolved it (planning/overrides.ts accountTimeZone); absent: the customer's, else the organisation's. */
  timeZone?: string;
  /**
   * Render and record, send nothing. Decided by the dispatcher alone (channels only obey it):
   * SEND_ENABLED is off, or, for customer email, the customer's connection is not live (new
   * connections start in dry-run). Always false for internal tasks and write-backs.
   */
  dryRun?: boolean;
  /**
   * For a letter: the response deadline it states, dated by the dispatcher from the day it is sent with the
   * one deadline rule (src/domain/deadline.ts). The email and the letter both state this date.
   */
  responseBy?: string;
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

/** The dispatcher's retries: 1 min, 2, 4, 8 … capped at 6 h, no jitter; after 8 attempts, give up. */
export const outboxRetry: RetryPolicy = { attempts: 8, baseMs: 60_000, maxMs: 6 * 3_600_000, jitter: 'none' };

// The connector interface: what Overdue needs from an accounting platform, one
// implementation per platform (connectors/quickbooks, connectors/xero). Every
// member is required. Expected failures come back as values with a named
// reason; only bugs and unexpected provider faults throw.
import type { TokenDecision } from './token-refresh.js';
import type { ConnectionDoc, Provider } from '../src/store/types.js';
import type { BalanceFigure, ReportScope } from '../src/ledger/reconciliation.js';

/** The kinds of provider record Overdue keeps. */
export type RecordKind = 'customer' | 'invoice' | 'payment' | 'credit_memo';

export type ChangeOperation = 'create' | 'update' | 'delete' | 'void' | 'merge' | 'emailed' | 'unknown';

/** One change a webhook announced: ids only, the record is fetched later. */
export interface ChangeEvent {
  provider: Provider;
  /** QuickBooks realmId / Xero tenantId. */
  companyId: string;
  kind: RecordKind;
  externalId: string;
  operation: ChangeOperation;
  /** When the provider says the change happened, if it says. */
  occurredAt?: Date;
}

export type WebhookVerdict =
  /** Signature good and body understood: store it under `dedupeKey`. */
  | { ok: true; dedupeKey: string; events: ChangeEvent[]; companyIds: string[] }
  /** Signature missing or wrong: answer 401, store nothing. */
  | { ok: false; reason: 'bad_signature' }
  /** Signature good but the body is not a delivery we understand: answer 400. */
  | { ok: false; reason: 'malformed'; detail: string };

/**
 * The accounts a set of applied change events touched, per active connection: the customer record ids read back by
 * `_id` from the saved records (an invoice's or payment's `customerExternalId`), so each can be re-planned at once.
 * `accounts: null` when a customer record changed: a QuickBooks job's new roll-up may move invoices between
 * accounts, so the caller looks up what was saved since instead (`customersChangedSince`).
 */
export interface ChangedAccounts {
  connectionId: string;
  accounts: string[] | null;
}

/** What applying change events did. `changed`: absent from a connector that cannot say (the caller looks up what was saved). */
export interface AppliedChanges {
  saved: number;
  deleted: number;
  skipped: number;
  changed?: ChangedAccounts[];
}

export interface SyncResult {
  kind: 'full' | 'incremental';
  /** How the incremental sync read changes ('cdc', 'query'; Xero: 'modified_since'), or 'full'. */
  method: 'full' | 'cdc' | 'query' | 'modified_since';
  /** Records stored, per kind. */
  saved: Record<RecordKind, number>;
  /** Records the provider sent that failed to parse (counted and logged, never silently dropped). */
  rejected: number;
  /** Records marked deleted. */
  deleted: number;
  /** API calls the sync made (retries included). */
  apiCalls: number;
  /** The checkpoint the next incremental sync starts from. */
  checkpoint: string;
}

/** How far a sync is, after each page it saved: records of `kind` read so far, of `total` (null: the provider did not say). */
export interface SyncProgress {
  kind: RecordKind;
  done: number;
  total: number | null;
}

export interface SyncOptions {
  /** Called after each saved page (the first sync's Slack message follows it; jobs/connections.ts). */
  onProgress?: (p: SyncProgress) => Promise<void>;
}

export type FetchedRecord =
  | { found: true; kind: RecordKind; externalId: string; deleted: false }
  | { found: false; kind: RecordKind; externalId: string };

export type WriteBackResult =
  | { ok: true; attempts: number }
  | { ok: false; reason: 'not_found' | 'not_open' | 'no_recipient' | 'needs_reconnect' | 'rejected'; detail?: string };

/** The ledger's own aged-receivables report, as open and past-due balances per customer and currency. */
export interface LedgerReport {
  /** The report date (the company's local day). */
  asOf: string;
  figures: BalanceFigure[];
  /** Which customers and currencies the report can vouch for (the rest is not compared, on either side). */
  inScope: ReportScope;
  /** What the report leaves out, in words (e.g. QuickBooks customers in a foreign currency), when anything. */
  notCovered?: string;
  /** API calls the report took. */
  apiCalls: number;
}

export interface CallbackInput {
  /** The full callback URL the provider redirected the browser to (code, state, company id). */
  url: string;
  /** The organisation the signed state named. */
  orgId: string;
}

export interface Connector {
  readonly provider: Provider;

  /**
   * The URL that sends a person to the provider's consent screen. `state` is the
   * signed, single-use CSRF value the callback will check (see connectors/oauth-state.ts).
   */
  authorizeUrl(state: string): string;

  /**
   * Finish the OAuth dance: exchange the code, read the company's name, store the
   * connection (tokens encrypted) as active and return it. The caller has already
   * checked the state. Throws AppError('bad_request') for a callback without a code.
   */
  handleCallback(input: CallbackInput): Promise<ConnectionDoc>;

  /**
   * A usable access token for the connection, refreshing it if it is expired or
   * about to expire (see token-refresh.ts: single flight, lease, named reasons).
   */
  refreshTokens(connectionId: string, opts?: { force?: boolean }): Promise<TokenDecision>;

  /** Read every open invoice, every customer and the payments/credits, page by page, saving each page. */
  fullSync(connectionId: string, opts?: SyncOptions): Promise<SyncResult>;

  /**
   * Read what changed since the connection's checkpoint and save it; falls back to
   * a full read when the checkpoint is missing or too old for the provider's change feed.
   */
  incrementalSync(connectionId: string, opts?: SyncOptions): Promise<SyncResult>;

  /**
   * Check a webhook delivery's signature over the raw body (timing-safe) and parse
   * it into change events. Pure: no I/O, so the HTTP handler can answer fast.
   */
  verifyWebhook(rawBody: Buffer, headers: Record<string, string | string[] | undefined>): WebhookVerdict;

  /**
   * Turn stored change events into targeted fetches (one request per kind and
   * company where the provider allows it) and save the records. Events for
   * companies without an active connection are skipped and counted.
   */
  applyChanges(events: ChangeEvent[]): Promise<AppliedChanges>;

  /** Fetch one record by id, save it, and say whether it exists. */
  fetchRecord(connectionId: string, kind: RecordKind, externalId: string): Promise<FetchedRecord>;

  /**
   * Append one dated line to the customer's notes on the platform. `idempotencyKey`
   * identifies the write so a retry never appends twice.
   */
  appendCustomerNote(connectionId: string, customerExternalId: string, line: string, idempotencyKey: string): Promise<WriteBackResult>;

  /**
   * Have the platform email an invoice to its customer (its own template and pay
   * link). Refuses an invoice that is no longer open.
   */
  emailInvoice(connectionId: string, invoiceExternalId: string, opts: { sendTo?: string; idempotencyKey: string }): Promise<WriteBackResult>;

  /**
   * The platform's own aged-receivables report on `asOf` (QuickBooks AgedReceivableDetail, one call; Xero
   * Reports/AgedReceivablesByContact, one call per customer Overdue knows), for the nightly reconciliation.
   */
  ledgerReport(connectionId: string, asOf: string): Promise<LedgerReport>;

  /** Revoke the tokens at the provider and mark the connection disconnected. */
  disconnect(connectionId: string): Promise<void>;
}

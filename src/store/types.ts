// The documents Overdue keeps in MongoDB. Money is always integer minor units
// next to an ISO 4217 currency code; calendar dates are 'YYYY-MM-DD' strings;
// instants are Dates.
import type { OutboxChannelName } from '../engine/action-kinds.js';

export type Provider = 'quickbooks' | 'xero';

/** Fields every record synced from an accounting platform carries: its natural key. */
export interface ProviderKey {
  provider: Provider;
  /** QuickBooks realmId or Xero tenantId. */
  companyId: string;
  /** The record's id at the provider. */
  externalId: string;
}

export interface OrganisationDoc {
  _id: string;
  name: string;
  homeCurrency: string;
  timeZone: string;
  /** Per-organisation policy overrides and settings; validated by their owners. */
  settings: Record<string, unknown>;
  /** The kill switch: while paused, no customer-facing entry leaves (they stay pending); tasks still flow. */
  outbound?: OutboundSwitch;
  /** The Slack workspace (team id) the organisation was created for or linked to; its installation names the org back. */
  slackTeamId?: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface OutboundSwitch {
  paused: boolean;
  /** Who flipped it last, when, and why. */
  pausedBy?: string;
  pausedAt?: Date;
  reason?: string;
  resumedBy?: string;
  resumedAt?: Date;
}

/** dry-run: customer emails are rendered and recorded, nothing is sent (the default for a new connection). */
export type SendMode = 'dry-run' | 'live';

export type ConnectionStatus = 'active' | 'needs_reconnect' | 'disconnected';

export interface EncryptedBlob {
  /** AES-256-GCM: base64 iv, ciphertext and auth tag. */
  iv: string;
  data: string;
  tag: string;
}

export interface ConnectionDoc {
  _id: string;
  orgId: string;
  provider: Provider;
  companyId: string;
  companyName: string;
  status: ConnectionStatus;
  statusReason?: string;
  /** The token set, encrypted at rest. */
  tokens?: EncryptedBlob;
  accessTokenExpiresAt?: Date;
  refreshTokenExpiresAt?: Date;
  /**
   * Set when the tokens are shared with other connections (Xero: every tenant of
   * one login): the id of the document that holds them, its lease and its status.
   * `tokens` is then absent here (see connectors/token-refresh.ts).
   */
  tokenHolderId?: string;
  /** A lease held by whichever process is refreshing the tokens or syncing. */
  lease?: { owner: string; until: Date; purpose: string; generation: number };
  /** Where the last incremental sync stopped, per entity. */
  checkpoint?: Record<string, string>;
  lastSyncAt?: Date;
  /** Missing means dry-run: a connection sends only once someone turns it live. */
  sendMode?: SendMode;
  /** The last sync's failure (cleared by the next sync that succeeds). */
  lastError?: { at: Date; message: string };
  /** The sync running now (jobs/connections.ts): its Agenda job, invoices done of total (null: not known). */
  currentSync?: { jobId: string; mode: 'full' | 'incremental'; done: number; total: number | null; startedAt: Date };
  /** Who connected it (a Slack user of the organisation, from the connect link), when known. */
  connectedBy?: string;
  disconnectedAt?: Date;
  createdAt: Date;
  updatedAt: Date;
}

import type { ContactRole } from '../domain/contact-roles.js';
export type { ContactRole };

export interface ContactDoc {
  id: string;
  name: string;
  email?: string;
  phone?: string;
  roles: ContactRole[];
  /** IANA time zone and language (BCP 47, e.g. 'en-GB') of this contact, when known. */
  timeZone?: string;
  language?: string;
  /** Set when an email to this address bounced permanently; never written to again. */
  bouncedAt?: Date;
}

export interface CustomerDoc extends ProviderKey {
  _id: string;
  orgId: string;
  connectionId: string;
  displayName: string;
  legalName?: string;
  email?: string;
  phone?: string;
  address?: string;
  /** The customer's tax number when the ledger has one (Xero Contact.TaxNumber; QuickBooks Customer.PrimaryTaxIdentifier, which it may mask): read by the look-alike check. */
  taxNumber?: string;
  /** The billing address's country, ISO 3166-1 alpha-2 ('NZ', 'US'): its letters' paper and date style (src/domain/locale.ts). */
  country?: string;
  /** The billing address's region (state, province) as the ledger writes it: with the country, the customer's time zone when nothing closer says. */
  region?: string;
  /** The customer's account number in the ledger (QuickBooks AcctNum, Xero AccountNumber): the reference customers quote. */
  accountNumber?: string;
  currency?: string;
  timeZone?: string;
  contacts: ContactDoc[];
  tags: string[];
  salesRepEmail?: string;
  collectorEmail?: string;
  active: boolean;
  /**
   * Set when the ledger no longer lists the customer as active but it is still an account here
   * (it may owe): 'inactive' (QuickBooks "Make inactive") or 'archived' (a Xero archived contact).
   */
  ledgerStatus?: 'inactive' | 'archived';
  /** QuickBooks sub-customer (job): its parent's id (Customer.ParentRef) and whether it is billed with its parent (BillWithParent). */
  parentExternalId?: string;
  billWithParent?: boolean;
  /** QuickBooks: the customer's default terms (Customer.SalesTermRef), which date an invoice that has neither DueDate nor terms of its own. */
  salesTermId?: string;
  /** Xero: the contact's sales payment terms (PaymentTerms.Sales), which date an invoice without a DueDate. */
  paymentTerms?: { day: number; type: string };
  /** The provider's last-updated time of this record. */
  providerUpdatedAt?: Date;
  syncedAt: Date;
}

export type InvoiceStatus = 'open' | 'paid' | 'voided' | 'deleted';

export interface InvoiceDoc extends ProviderKey {
  _id: string;
  orgId: string;
  connectionId: string;
  customerExternalId: string;
  /**
   * What a person reads (emails, letters, Slack): the ledger's number, or for an invoice without one
   * "invoice of <date> (<ledger> ref <id>)" (`numberSource: 'none'`). Not unique and not a key: the
   * store's uniqueness is `externalId`.
   */
  number: string;
  /**
   * QuickBooks: the job (sub-customer billed with its parent) the invoice was made out to, when it rolls up into
   * the top-level parent's account (`customerExternalId` is then the parent's id), and the job's name.
   */
  jobExternalId?: string;
  jobName?: string;
  /** 'none': the ledger gave the invoice no number, `number` is the label above. */
  numberSource?: 'none';
  issueDate: string;
  dueDate: string;
  currency: string;
  totalMinor: number;
  balanceMinor: number;
  status: InvoiceStatus;
  payUrl?: string;
  /**
   * Where `dueDate` came from: the ledger's own due date, or computed from the invoice's terms, the
   * customer's default terms or the organisation's. 'none': the ledger gave neither a due date nor terms;
   * `dueDate` then holds the issue date only because the field is required, the invoice is kept out of
   * the ladder (`Invoices.listOpenForCustomer`) and an audit entry tells the collector. Absent on records
   * saved before this field existed (treated as 'ledger').
   */
  dueDateSource?: DueDateSource;
  /** The name of the terms the due date was computed from (e.g. "Net 30"), when it was. */
  termsName?: string;
  providerUpdatedAt?: Date;
  syncedAt: Date;
}

export type DueDateSource = 'ledger' | 'invoice_terms' | 'customer_terms' | 'organisation_terms' | 'none';

export interface PaymentDoc extends ProviderKey {
  _id: string;
  orgId: string;
  connectionId: string;
  customerExternalId: string;
  date: string;
  currency: string;
  amountMinor: number;
  appliedTo: { invoiceExternalId: string; amountMinor: number }[];
  deleted: boolean;
  providerUpdatedAt?: Date;
  syncedAt: Date;
}

export type ActorKind = 'system' | 'person' | 'customer';

export interface AuditActor {
  kind: ActorKind;
  id: string;
  name?: string;
}

/** What a caller provides to append one audit entry. */
export interface AuditInput {
  orgId: string;
  accountId: string;
  actor: AuditActor;
  channel: 'email' | 'slack' | 'phone' | 'letter' | 'fax' | 'platform' | 'system' | 'api' | 'web' | 'console';
  action: string;
  invoiceIds: string[];
  outcome?: string;
  details?: Record<string, unknown>;
  /** The entry this one corrects; the old entry stays as it was. */
  correctsId?: string;
  at: Date;
}

export interface AuditEntryDoc extends AuditInput {
  _id: string;
  /** 1, 2, 3… per account; unique with accountId. */
  seq: number;
  prevHash: string;
  hash: string;
}

/** Per account: the seq and hash of its latest audit entry (moves forward only). */
export interface AuditHeadDoc {
  /** The account id. */
  _id: string;
  seq: number;
  hash: string;
  /** The latest entry's `at`. */
  at: Date;
}

export type CreditHoldStatus = 'proposed' | 'pending_approval' | 'active' | 'released' | 'rejected';

export interface CreditHoldDoc {
  _id: string;
  orgId: string;
  customerId: string;
  status: CreditHoldStatus;
  reason: string;
  requestedBy: AuditActor;
  decidedBy?: AuditActor;
  /** When the hold became active (holds made before this field: see updatedAt). */
  activeSince?: Date;
  writtenBackAt?: Date;
  createdAt: Date;
  updatedAt: Date;
}

export type ApprovalKind = 'agency_referral' | 'credit_hold' | 'write_off';
export type ApprovalStatus = 'pending' | 'approved' | 'rejected';

export interface ApprovalDoc {
  /** The idempotency key of the request: one approval per thing asked. */
  _id: string;
  orgId: string;
  customerId: string;
  kind: ApprovalKind;
  status: ApprovalStatus;
  requestedBy: AuditActor;
  reason: string;
  decidedBy?: AuditActor;
  decidedAt?: Date;
  note?: string;
  /** An agency referral approved without the mailed demand confirmed: who decided so, and why (src/planning/mailed-demand.ts). */
  mailOverride?: { by: AuditActor; reason: string; at: Date };
  createdAt: Date;
}

export type OutboxState = 'pending' | 'sending' | 'sent' | 'cancelled' | 'failed';
/** `writeback`: credit holds noted at the accounting platform; `agency`: the referral packet emailed to the collection agency. */
export type OutboxChannel = OutboxChannelName;

export interface OutboxEntryDoc {
  /** The action's idempotency key (account, level, action, invoice set). */
  _id: string;
  orgId: string;
  customerId: string;
  channel: OutboxChannel;
  kind: string;
  payload: Record<string, unknown>;
  invoiceIds: string[];
  state: OutboxState;
  attempts: number;
  dueAt: Date;
  nextAttemptAt: Date;
  lockedBy?: string;
  lockedUntil?: Date;
  lastError?: string;
  result?: Record<string, unknown>;
  sentAt?: Date;
  cancelReason?: string;
  /** Times the dispatcher handed the entry back unsent (paused, rate, sending hours, one email a day): not attempts that failed. */
  deferrals?: number;
  /** Why it was last handed back. */
  deferredFor?: string;
  createdAt: Date;
  updatedAt: Date;
}

export type InboxStatus = 'pending' | 'processing' | 'done' | 'failed';

export interface WebhookDeliveryDoc {
  _id: string;
  provider: Provider | 'slack';
  /** Unique per delivery (the provider's event id, or a hash of the body). */
  dedupeKey: string;
  receivedAt: Date;
  body: string;
  status: InboxStatus;
  attempts: number;
  lockedUntil?: Date;
  /** When a processor last claimed it (claimBatch): received → claimed is the wait for a worker (the latency bench). */
  claimedAt?: Date;
  lastError?: string;
  processedAt?: Date;
}

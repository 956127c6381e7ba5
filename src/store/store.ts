// The store: one object holding every repository over one Db, and the indexes
// they rely on, created at start-up (createIndexes is idempotent).
import { MongoServerError, type Db, type IndexDescription } from 'mongodb';
import { developmentAuditChainKey } from '../crypto/audit-key.js';
import { Approvals, CreditHolds } from './approvals.js';
import { AuditTrail } from './audit.js';
import { Claims, type ClaimDoc } from './claims.js';
import { WebhookInbox } from './inbox.js';
import { Connections, Organisations } from './organisations.js';
import { Outbox } from './outbox.js';
import { Policies, type PolicyVersionDoc } from './policies.js';
import { Customers, Invoices, Payments } from './records.js';
import type {
  ApprovalDoc,
  AuditEntryDoc,
  AuditHeadDoc,
  ConnectionDoc,
  CreditHoldDoc,
  CustomerDoc,
  InvoiceDoc,
  OrganisationDoc,
  OutboxEntryDoc,
  PaymentDoc,
  WebhookDeliveryDoc,
} from './types.js';

export const collections = {
  organisations: 'organisations',
  connections: 'connections',
  customers: 'customers',
  invoices: 'invoices',
  payments: 'payments',
  audit: 'audit_trail',
  auditHeads: 'audit_heads',
  creditHolds: 'credit_holds',
  approvals: 'approvals',
  outbox: 'outbox',
  inbox: 'webhook_inbox',
  claims: 'claims',
  accountStates: 'account_states',
  bounces: 'email_bounces',
  tasks: 'tasks',
  policies: 'policies',
  quarantined: 'quarantined_accounts',
  ledgerReconciliations: 'ledger_reconciliations',
  lookalikeFlags: 'lookalike_flags',
  lookalikeChecks: 'lookalike_checks',
  // Inbound mail (src/inbound/store.ts): raw messages, people's replies, reply-address tokens, attachments kept as evidence.
  inboundMail: 'inbound_mail',
  replies: 'replies',
  replyTokens: 'reply_tokens',
  inboundAttachments: 'inbound_attachments',
  consoleSignIns: 'console_sign_ins',
  consoleSessions: 'console_sessions',
  consolePolicyDrafts: 'console_policy_drafts',
  sentDocuments: 'sent_documents',
  // Pointers to the outbox entries due now: the dispatcher's scan (src/store/outbox-due.ts). Read whole or by _id.
  outboxDue: 'outbox_due',
  accountSummaries: 'account_summaries',
  accountLists: 'account_lists',
  orgSnapshots: 'org_snapshots',
  // The customer's page (src/store/customer-links.ts): per account, the instant before which its links are revoked.
  customerLinks: 'customer_links',
} as const;

const providerKey: IndexDescription = { key: { provider: 1, companyId: 1, externalId: 1 }, name: 'provider_company_external', unique: true };

export const indexes: Record<keyof typeof collections, IndexDescription[]> = {
  organisations: [],
  connections: [
    { key: { provider: 1, companyId: 1 }, name: 'provider_company', unique: true },
    { key: { orgId: 1, status: 1 }, name: 'org_status' },
  ],
  customers: [providerKey, { key: { orgId: 1, displayName: 1 }, name: 'org_name' }, { key: { orgId: 1, active: 1, _id: 1 }, name: 'org_active_id' }],
  invoices: [
    providerKey,
    { key: { provider: 1, companyId: 1, customerExternalId: 1, status: 1 }, name: 'customer_status' },
    { key: { orgId: 1, status: 1, dueDate: 1 }, name: 'org_status_due' },
  ],
  // Planning's pass reads an organisation's payments, outbox entries, active holds and bounces by equality
  // (src/planning/page.ts): the org_* indexes serve it on MongoDB (FerretDB 1.x pushes the equality down either way).
  payments: [providerKey, { key: { provider: 1, companyId: 1, customerExternalId: 1 }, name: 'customer' }, { key: { orgId: 1, deleted: 1 }, name: 'org_deleted' }],
  audit: [
    { key: { accountId: 1, seq: 1 }, name: 'account_seq', unique: true },
    { key: { orgId: 1, at: 1 }, name: 'org_at' },
  ],
  auditHeads: [],
  creditHolds: [{ key: { customerId: 1, status: 1 }, name: 'customer_status' }, { key: { orgId: 1, status: 1 }, name: 'org_status' }],
  approvals: [{ key: { orgId: 1, status: 1 }, name: 'org_status' }],
  outbox: [
    { key: { state: 1, nextAttemptAt: 1 }, name: 'state_next' },
    { key: { customerId: 1, state: 1 }, name: 'customer_state' },
    { key: { orgId: 1 }, name: 'org' },
    // A reply or a bounce report names the message it answers by its Message-ID (src/inbound/process.ts).
    { key: { 'result.messageId': 1 }, name: 'message_id' },
  ],
  inbox: [
    { key: { provider: 1, dedupeKey: 1 }, name: 'provider_dedupe', unique: true },
    { key: { provider: 1, status: 1, receivedAt: 1 }, name: 'provider_status_received' },
  ],
  claims: [{ key: { at: 1 }, name: 'at' }],
  accountStates: [{ key: { orgId: 1, nextEvaluationAt: 1 }, name: 'org_next_evaluation' }],
  bounces: [{ key: { orgId: 1 }, name: 'org' }],
  tasks: [{ key: { orgId: 1, status: 1, createdAt: 1 }, name: 'org_status_created' }],
  policies: [{ key: { orgId: 1, version: -1 }, name: 'org_version' }],
  // Planning's quarantine (src/planning/quarantine.ts): the organisation's list (admin API, plan-due).
  quarantined: [{ key: { orgId: 1 }, name: 'org' }],
  // The nightly reconciliation's last run per connection (src/ledger/runs.ts): App Home lists an organisation's.
  ledgerReconciliations: [{ key: { orgId: 1 }, name: 'org' }],
  // The look-alike check (src/store/lookalike.ts): a customer's flags (credit-status API), an organisation's
  // dismissed pairs, and its customers' last-check fingerprints.
  lookalikeFlags: [{ key: { customerId: 1 }, name: 'customer' }, { key: { orgId: 1, status: 1 }, name: 'org_status' }],
  lookalikeChecks: [{ key: { orgId: 1 }, name: 'org' }],
  // Inbound mail (src/inbound/store.ts): stored once by Message-ID (its _id); listed by status, by organisation.
  inboundMail: [{ key: { status: 1, receivedAt: 1 }, name: 'status_received' }, { key: { orgId: 1, receivedAt: 1 }, name: 'org_received' }],
  // Customers' replies, written by src/inbound/store.ts, read by the reply card (src/store/replies.ts): an account's
  // newest first; an organisation's by status.
  replies: [{ key: { orgId: 1, customerId: 1, receivedAt: -1 }, name: 'org_customer_received' }, { key: { orgId: 1, status: 1 }, name: 'org_status' }],
  replyTokens: [],
  inboundAttachments: [],
  // The web console's sign-in links and sessions (app/console/auth.ts), read by _id (a hash); pruned by expiry.
  consoleSignIns: [{ key: { expiresAt: 1 }, name: 'expires' }],
  consoleSessions: [{ key: { expiresAt: 1 }, name: 'expires' }],
  // The ladder editor's drafts (app/console/ladder-drafts.ts), one per session, read by _id; pruned by expiry.
  consolePolicyDrafts: [{ key: { expiresAt: 1 }, name: 'expires' }],
  // The customer's page links' revocations (src/store/customer-links.ts), read by _id (the account).
  customerLinks: [],
  // The archive of sent documents (src/store/sent-documents.ts): an account's documents, an entry's documents.
  sentDocuments: [
    { key: { customerId: 1, sentAt: 1 }, name: 'customer_sent' },
    { key: { outboxKey: 1 }, name: 'outbox_key' },
  ],
  // The due queue (src/store/outbox-due.ts): scanned whole with a limit (a SQL LIMIT on FerretDB), else by _id. No index.
  outboxDue: [],
  // The console's per-account summary rows (src/planning/summaries.ts, `_id` = orgId:customerId): read by `_id`, and
  // an organisation's all by the daily pass (its equality). The list's pages are account_lists documents, by `_id`.
  accountSummaries: [{ key: { orgId: 1, _id: 1 }, name: 'org_id' }],
  accountLists: [],
  // The organisation's daily snapshots (src/planning/snapshots.ts, `_id` = orgId:yyyy-mm-dd): the overview's range.
  orgSnapshots: [{ key: { orgId: 1, _id: 1 }, name: 'org_id' }],
};

export interface Store {
  db: Db;
  organisations: Organisations;
  connections: Connections;
  customers: Customers;
  invoices: Invoices;
  payments: Payments;
  audit: AuditTrail;
  creditHolds: CreditHolds;
  approvals: Approvals;
  outbox: Outbox;
  inbox: WebhookInbox;
  claims: Claims;
  policies: Policies;
}

export interface StoreOptions {
  /** AUDIT_CHAIN_KEY (config.secrets.auditChainKey), keys the audit chain's HMAC. Default: the development key. */
  auditChainKey?: Buffer;
}

export function createStore(db: Db, options: StoreOptions = {}): Store {
  const claims = new Claims(db.collection<ClaimDoc>(collections.claims));
  return {
    claims,
    db,
    organisations: new Organisations(db.collection<OrganisationDoc>(collections.organisations)),
    connections: new Connections(db.collection<ConnectionDoc>(collections.connections), claims),
    customers: new Customers(db.collection<CustomerDoc>(collections.customers)),
    invoices: new Invoices(db.collection<InvoiceDoc>(collections.invoices)),
    payments: new Payments(db.collection<PaymentDoc>(collections.payments)),
    audit: new AuditTrail(db.collection<AuditEntryDoc>(collections.audit), db.collection<AuditHeadDoc>(collections.auditHeads), options.auditChainKey ?? developmentAuditChainKey()),
    creditHolds: new CreditHolds(db.collection<CreditHoldDoc>(collections.creditHolds), claims),
    approvals: new Approvals(db.collection<ApprovalDoc>(collections.approvals), claims),
    outbox: new Outbox(db.collection<OutboxEntryDoc>(collections.outbox), claims),
    inbox: new WebhookInbox(db.collection<WebhookDeliveryDoc>(collections.inbox), claims),
    policies: new Policies(db.collection<PolicyVersionDoc>(collections.policies)),
  };
}

/**
 * Create the indexes a collection lacks (by name). Safe to run at every start.
 * Only missing ones are sent: FerretDB 1.24 drops the connection when asked to
 * create an index that already exists, which MongoDB treats as a no-op.
 */
export async function ensureIndexes(db: Db): Promise<void> {
  for (const [name, specs] of Object.entries(indexes) as [keyof typeof collections, IndexDescription[]][]) {
    await createMissingIndexes(db, collections[name], specs);
  }
}

/** The indexes of `specs` the collection lacks (by name), created; the rest left alone (see ensureIndexes). */
export async function createMissingIndexes(db: Db, collection: string, specs: IndexDescription[]): Promise<void> {
  if (specs.length === 0) return;
  const col = db.collection(collection);
  const existing = new Set(
    (await col.listIndexes().toArray().catch((err: unknown) => {
      if (err instanceof MongoServerError && err.code === 26) return []; // NamespaceNotFound: no collection yet
      throw err;
    })).map((i) => String(i.name)),
  );
  const missing = specs.filter((s) => s.name === undefined || !existing.has(s.name));
  if (missing.length === 0) return;
  try {
    await col.createIndexes(missing);
  } catch (err) {
    // Another process created them between our look and our create.
    if (!(err instanceof MongoServerError && (err.code === 85 || err.code === 86))) throw err;
  }
}

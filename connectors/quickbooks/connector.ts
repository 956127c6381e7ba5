// The QuickBooks Online connector: a facade over its parts, which all get one kit
// (store, clock, log, tokens, an API client per connection):
// - connect.ts: OAuth with intuit-oauth (consent URL, callback, refresh, disconnect);
// - sync.ts: full and incremental sync as a recipe (read a page, map and save it, checkpoint);
// - webhooks.ts (verify and parse, pure) and changes.ts (the events into targeted reads);
// - write-backs.ts: the live balance, a customer note, emailing an invoice.
// API calls go through node-quickbooks (QboClient).
import type { Logger } from '../../src/logger.js';
import type { Store } from '../../src/store/store.js';
import type { ConnectionDoc } from '../../src/store/types.js';
import { activeConnection } from '../connector-kit.js';
import { Limiters } from '../limiter.js';
import { TokenManager, type Refresher, type TokenDecision } from '../token-refresh.js';
import type { AppliedChanges, CallbackInput, ChangeEvent, Connector, FetchedRecord, LedgerReport, RecordKind, SyncOptions, SyncResult, WriteBackResult } from '../types.js';
import { applyChanges } from './changes.js';
import { QboApiError, QboClient, defaultRetry, type RetryPolicy } from './client.js';
import { authorizeUrl, configureIntuitOAuth, disconnect, handleCallback, qboRefresher } from './connect.js';
import type { QboKit, QuickBooksSettings } from './kit.js';
import { quickbooks } from './provider.js';
import { fullSync, incrementalSync } from './sync.js';
import { ledgerReport } from './report.js';
import { verifyDelivery } from './webhooks.js';
import { appendCustomerNote, emailInvoice, fetchRecord } from './write-backs.js';

export type { QuickBooksSettings } from './kit.js';

export interface QuickBooksConnectorDeps {
  store: Store;
  settings: QuickBooksSettings;
  /** The token encryption key (32 bytes). */
  key: Buffer;
  /** This process's name (lease owner). */
  owner: string;
  logger: Logger;
  now?: () => Date;
  retry?: RetryPolicy;
  sleep?: (ms: number) => Promise<void>;
  /** Share one set of limiters (and one TokenManager) between connectors of a process. */
  limiters?: Limiters;
  tokens?: TokenManager;
}

export class QuickBooksConnector implements Connector {
  readonly provider = 'quickbooks' as const;
  readonly tokens: TokenManager;
  readonly limiters: Limiters;
  /** The intuit-oauth refresh, as the provider-neutral Refresher. */
  readonly refresher: Refresher;
  /** API calls made by clients of this connector (all connections). */
  apiCalls = 0;
  private readonly kit: QboKit;

  constructor(private readonly deps: QuickBooksConnectorDeps) {
    const now = deps.now ?? (() => new Date());
    configureIntuitOAuth(deps.settings);
    this.refresher = qboRefresher(deps.settings, now);
    this.limiters = deps.limiters ?? new Limiters(quickbooks.limits.concurrentRequests, quickbooks.limits.requestsPerMinute - 20);
    this.tokens = deps.tokens ?? new TokenManager({
      connections: deps.store.connections, key: deps.key, owner: deps.owner, now, logger: deps.logger,
      refreshers: { quickbooks: this.refresher },
    });
    this.kit = {
      store: deps.store, logger: deps.logger, now, tokens: this.tokens, settings: deps.settings,
      client: (conn) => this.client(conn),
      active: (connectionId) => activeConnection(deps.store, connectionId, (conn) => new QboApiError(`connection ${connectionId} is ${conn.status}`, undefined, undefined, false, conn.status)),
      countCalls: (api) => { this.apiCalls += api.calls; },
    };
  }

  client(conn: Pick<ConnectionDoc, '_id' | 'companyId'>): QboClient {
    const s = this.deps.settings;
    return new QboClient(
      { clientId: s.clientId, clientSecret: s.clientSecret, apiBaseUrl: s.apiBaseUrl },
      this.tokens, this.limiters, conn._id, conn.companyId, this.deps.retry ?? defaultRetry, this.deps.sleep,
    );
  }

  // connect
  authorizeUrl(state: string): string {
    return authorizeUrl(this.deps.settings, state);
  }

  handleCallback(input: CallbackInput): Promise<ConnectionDoc> {
    return handleCallback(this.kit, input);
  }

  refreshTokens(connectionId: string, opts: { force?: boolean } = {}): Promise<TokenDecision> {
    return this.tokens.getAccessToken(connectionId, opts);
  }

  disconnect(connectionId: string): Promise<void> {
    return disconnect(this.kit, connectionId);
  }

  // sync
  fullSync(connectionId: string, opts: SyncOptions = {}): Promise<SyncResult> {
    return fullSync(this.kit, connectionId, opts);
  }

  incrementalSync(connectionId: string, opts: SyncOptions = {}): Promise<SyncResult> {
    return incrementalSync(this.kit, connectionId, opts);
  }

  // webhooks and the changes they announce
  verifyWebhook(rawBody: Buffer, headers: Record<string, string | string[] | undefined>) {
    return verifyDelivery(rawBody, headers, this.deps.settings.webhookVerifierToken);
  }

  applyChanges(events: ChangeEvent[]): Promise<AppliedChanges> {
    return applyChanges(this.kit, events);
  }

  // write-backs and the live balance
  ledgerReport(connectionId: string, asOf: string): Promise<LedgerReport> {
    return ledgerReport(this.kit, connectionId, asOf);
  }

  fetchRecord(connectionId: string, kind: RecordKind, externalId: string): Promise<FetchedRecord> {
    return fetchRecord(this.kit, connectionId, kind, externalId);
  }

  appendCustomerNote(connectionId: string, customerExternalId: string, line: string, idempotencyKey: string): Promise<WriteBackResult> {
    return appendCustomerNote(this.kit, connectionId, customerExternalId, line, idempotencyKey);
  }

  emailInvoice(connectionId: string, invoiceExternalId: string, opts: { sendTo?: string; idempotencyKey: string }): Promise<WriteBackResult> {
    return emailInvoice(this.kit, connectionId, invoiceExternalId, opts);
  }
}

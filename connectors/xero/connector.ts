// The Xero connector: a facade over its parts, which all get one kit (store,
// clock, log, tokens, an API client per tenant, PKCE, the logins' token sets, the
// rate state):
// - connect.ts (with oauth.ts): one login, one connection per tenant sharing its token set;
// - sync.ts: full and incremental sync as a recipe (read a page, map and save it, checkpoint),
//   within the tenant's daily budget;
// - webhooks.ts (verify and parse, pure) and changes.ts (the events into targeted reads);
// - write-backs.ts: the live balance, the pay link, a History note, the platform's invoice email.
// API calls go through xero-node (XeroApi).
import type { Logger } from '../../src/logger.js';
import { Connections } from '../../src/store/organisations.js';
import type { Store } from '../../src/store/store.js';
import type { ConnectionDoc } from '../../src/store/types.js';
import { activeConnection } from '../connector-kit.js';
import { Limiters } from '../limiter.js';
import { TokenManager, type Refresher, type TokenDecision } from '../token-refresh.js';
import type { AppliedChanges, CallbackInput, ChangeEvent, Connector, FetchedRecord, LedgerReport, RecordKind, SyncOptions, WriteBackResult } from '../types.js';
import { applyChanges } from './changes.js';
import { RateBook, XeroApi, XeroApiError, defaultRetry, type RetryPolicy } from './client.js';
import { connectTenants, disconnect, handleCallback } from './connect.js';
import type { XeroKit } from './kit.js';
import { Pkce, authorizeUrl, refresh, type XeroSettings } from './oauth.js';
import { xero } from './provider.js';
import { fullSync, incrementalSync, type XeroSyncResult } from './sync.js';
import { verifyDelivery } from './webhooks.js';
import { appendCustomerNote, emailInvoice, fetchRecord, historyLine, idempotencyKey, payLink } from './write-backs.js';
import { ledgerReport } from './report.js';

export type { XeroSyncResult } from './sync.js';

export interface XeroConnectorDeps {
  store: Store;
  settings: XeroSettings;
  /** The token encryption key (32 bytes). */
  key: Buffer;
  /** This process's name (lease owner). */
  owner: string;
  logger: Logger;
  now?: () => Date;
  retry?: RetryPolicy;
  sleep?: (ms: number) => Promise<void>;
  /** Share limiters, rate state and one TokenManager between connectors of a process (the TokenManager needs `grants: xeroGrants(store)`). */
  limiters?: Limiters;
  rates?: RateBook;
  tokens?: TokenManager;
  /** Calls per minute per tenant this process allows itself (default 60) and the window they are counted in (default 61 s: a second of margin for Xero's clock). */
  perMinute?: number;
  windowMs?: number;
  /** Defer a full sync when Xero says fewer calls than this are left today (default 500 of 5,000). */
  dailyReserve?: number;
}

/** Where the token sets of Xero logins live (one per consent; every tenant of it points here). */
export function xeroGrants(store: Store): Connections {
  return new Connections(store.db.collection<ConnectionDoc>('xero_logins'), store.claims);
}

export class XeroConnector implements Connector {
  readonly provider = 'xero' as const;
  readonly tokens: TokenManager;
  readonly limiters: Limiters;
  readonly rates: RateBook;
  readonly grants: Connections;
  /** The openid-client refresh (through xero-node), as the provider-neutral Refresher. */
  readonly refresher: Refresher;
  /** API calls made by clients of this connector (all connections). */
  apiCalls = 0;
  private readonly kit: XeroKit;

  constructor(private readonly deps: XeroConnectorDeps) {
    const now = deps.now ?? (() => new Date());
    this.refresher = (refreshToken) => refresh(deps.settings, refreshToken, now());
    this.grants = xeroGrants(deps.store);
    this.limiters = deps.limiters ?? new Limiters(xero.limits.concurrentRequests, deps.perMinute ?? xero.limits.requestsPerMinute, deps.windowMs ?? 61_000);
    this.rates = deps.rates ?? new RateBook();
    this.tokens = deps.tokens ?? new TokenManager({
      connections: deps.store.connections, grants: this.grants, key: deps.key, owner: deps.owner, now, logger: deps.logger,
      refreshers: { xero: this.refresher },
    });
    this.kit = {
      store: deps.store, logger: deps.logger, now, tokens: this.tokens, settings: deps.settings,
      pkce: new Pkce(deps.key), grants: this.grants, rates: this.rates, dailyReserve: deps.dailyReserve ?? 500,
      client: (conn) => this.client(conn),
      active: (connectionId) => activeConnection(deps.store, connectionId, (conn) => new XeroApiError(`connection ${connectionId} is ${conn.status}`, undefined, false, undefined, undefined, conn.status)),
      countCalls: (api) => { this.apiCalls += api.calls; },
    };
  }

  client(conn: Pick<ConnectionDoc, '_id' | 'companyId'>): XeroApi {
    return new XeroApi(this.deps.settings, this.tokens, this.limiters, this.rates, conn._id, conn.companyId, this.deps.retry ?? defaultRetry, this.deps.sleep);
  }

  // connect
  authorizeUrl(state: string): string {
    return authorizeUrl(this.deps.settings, this.kit.pkce, state);
  }

  /** The first tenant's connection (the Connector contract); connectTenants returns them all. */
  handleCallback(input: CallbackInput): Promise<ConnectionDoc> {
    return handleCallback(this.kit, input);
  }

  /** One connection per organisation the login authorised, all sharing its token set (see connect.ts). */
  connectTenants(input: CallbackInput): Promise<ConnectionDoc[]> {
    return connectTenants(this.kit, input);
  }

  refreshTokens(connectionId: string, opts: { force?: boolean } = {}): Promise<TokenDecision> {
    return this.tokens.getAccessToken(connectionId, opts);
  }

  /** Disconnect one tenant; the login's token is revoked with its last tenant. */
  disconnect(connectionId: string): Promise<void> {
    return disconnect(this.kit, connectionId);
  }

  // sync
  fullSync(connectionId: string, opts: SyncOptions = {}): Promise<XeroSyncResult> {
    return fullSync(this.kit, connectionId, opts);
  }

  incrementalSync(connectionId: string, opts: SyncOptions = {}): Promise<XeroSyncResult> {
    return incrementalSync(this.kit, connectionId, opts);
  }

  // webhooks and the changes they announce
  verifyWebhook(rawBody: Buffer, headers: Record<string, string | string[] | undefined>) {
    return verifyDelivery(rawBody, headers, this.deps.settings.webhookKey);
  }

  applyChanges(events: ChangeEvent[]): Promise<AppliedChanges> {
    return applyChanges(this.kit, events);
  }

  // write-backs, the live balance and the pay link
  ledgerReport(connectionId: string, asOf: string): Promise<LedgerReport> {
    return ledgerReport(this.kit, connectionId, asOf);
  }

  fetchRecord(connectionId: string, kind: RecordKind, externalId: string): Promise<FetchedRecord> {
    return fetchRecord(this.kit, connectionId, kind, externalId);
  }

  payLink(connectionId: string, invoiceExternalId: string): Promise<string | null> {
    return payLink(this.kit, connectionId, invoiceExternalId);
  }

  /** The Idempotency-Key sent to Xero: the caller's key, hashed when longer than Xero allows. */
  static idempotencyKey(key: string): string {
    return idempotencyKey(key);
  }

  /** A History note's text: one dated line with a short reference to the action. */
  static historyLine(date: Date, line: string, idempotencyKey: string): string {
    return historyLine(date, line, idempotencyKey);
  }

  appendCustomerNote(connectionId: string, customerExternalId: string, line: string, idempotencyKey: string): Promise<WriteBackResult> {
    return appendCustomerNote(this.kit, connectionId, customerExternalId, line, idempotencyKey);
  }

  emailInvoice(connectionId: string, invoiceExternalId: string, opts: { sendTo?: string; idempotencyKey: string }): Promise<WriteBackResult> {
    return emailInvoice(this.kit, connectionId, invoiceExternalId, opts);
  }
}

// The QuickBooks Online connector: OAuth with intuit-oauth, API calls with
// node-quickbooks (through QboClient), sync as a recipe (fetch a page, parse,
// save it at once, advance the checkpoint; pages one after another), webhook
// changes turned into targeted fetches, and the two write-backs.
import OAuthClient from 'intuit-oauth';
import { z } from 'zod';
import { AppError } from '../../src/errors.js';
import type { TokenSet } from '../../src/crypto/tokens.js';
import type { Logger } from '../../src/logger.js';
import { connectionId as connectionIdOf } from '../../src/store/organisations.js';
import type { Store } from '../../src/store/store.js';
import type { ConnectionDoc } from '../../src/store/types.js';
import { Limiters } from '../limiter.js';
import { TokenManager, type RefreshOutcome, type Refresher, type TokenDecision } from '../token-refresh.js';
import { eventsByActiveConnection } from '../inbox.js';
import type { CallbackInput, ChangeEvent, Connector, FetchedRecord, RecordKind, SyncResult, WriteBackResult } from '../types.js';
import { QboApiError, QboClient, defaultRetry, type RetryPolicy } from './client.js';
import { quickbooks, type QboEntityName } from './provider.js';
import {
  QboCdcResponse, QboCompanyInfo, QboCreditMemo, QboCustomer, QboDeleted, QboInvoice, QboPayment, QboQueryResponse,
  creditMemoExternalId, isVoided, mapCreditMemo, mapCustomer, mapInvoice, mapPayment, toMinor, type MapContext,
} from './records.js';
import { verifyDelivery } from './webhooks.js';

export interface QuickBooksSettings {
  clientId: string;
  clientSecret: string;
  webhookVerifierToken: string;
  environment: 'sandbox' | 'production';
  apiBaseUrl: string;
  tokenUrl: string;
  authorizeUrl: string;
  revokeUrl: string;
  /** Where QuickBooks sends the browser back: <public base>/callback/quickbooks. */
  redirectUri: string;
}

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

const QboTokenResponse = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  expires_in: z.coerce.number().positive(),
  x_refresh_token_expires_in: z.coerce.number().positive().optional(),
  token_type: z.string().optional(),
});
const OAuthFailure = z.object({ error: z.string().optional(), originalMessage: z.string().optional(), message: z.string().optional() });

const entityOfKind: Record<RecordKind, QboEntityName> = quickbooks.entities;

/** One entity of a sync: how to select it, parse it and save it. */
interface Step {
  kind: RecordKind;
  entity: QboEntityName;
  /** WHERE clause of a full sync. */
  fullWhere: string;
}

const steps: Step[] = [
  { kind: 'customer', entity: 'Customer', fullWhere: '' },
  { kind: 'invoice', entity: 'Invoice', fullWhere: "Balance > '0'" },
  { kind: 'payment', entity: 'Payment', fullWhere: '' },
  { kind: 'credit_memo', entity: 'CreditMemo', fullWhere: "Balance > '0'" },
];

const zeroSaved = (): Record<RecordKind, number> => ({ customer: 0, invoice: 0, payment: 0, credit_memo: 0 });

/** Point intuit-oauth (static endpoints) at the configured URLs; our TokenManager does the retrying. */
function configureIntuitOAuth(s: QuickBooksSettings): void {
  OAuthClient.authorizeEndpoint = s.authorizeUrl;
  OAuthClient.tokenEndpoint = s.tokenUrl;
  OAuthClient.revokeEndpoint = s.revokeUrl;
  OAuthClient.retryConfig = { ...OAuthClient.retryConfig, maxRetries: 0 };
}

export class QuickBooksConnector implements Connector {
  readonly provider = 'quickbooks' as const;
  readonly tokens: TokenManager;
  readonly limiters: Limiters;
  /** API calls made by clients of this connector (all connections). */
  apiCalls = 0;
  private readonly now: () => Date;

  constructor(private readonly deps: QuickBooksConnectorDeps) {
    this.now = deps.now ?? (() => new Date());
    configureIntuitOAuth(deps.settings);
    this.limiters = deps.limiters ?? new Limiters(quickbooks.limits.concurrentRequests, quickbooks.limits.requestsPerMinute - 20);
    this.tokens = deps.tokens ?? new TokenManager({
      connections: deps.store.connections, key: deps.key, owner: deps.owner, now: this.now, logger: deps.logger,
      refreshers: { quickbooks: this.refresher },
    });
  }

  private oauth(): OAuthClient {
    const s = this.deps.settings;
    return new OAuthClient({ clientId: s.clientId, clientSecret: s.clientSecret, environment: s.environment, redirectUri: s.redirectUri });
  }

  private tokenSet(json: unknown): TokenSet {
    const t = QboTokenResponse.parse(json);
    const now = this.now().getTime();
    return {
      accessToken: t.access_token,
      refreshToken: t.refresh_token,
      accessTokenExpiresAt: new Date(now + t.expires_in * 1000).toISOString(),
      ...(t.x_refresh_token_expires_in ? { refreshTokenExpiresAt: new Date(now + t.x_refresh_token_expires_in * 1000).toISOString() } : {}),
      ...(t.token_type ? { tokenType: t.token_type } : {}),
    };
  }

  /** The intuit-oauth refresh, as the provider-neutral Refresher. */
  readonly refresher: Refresher = async (refreshToken): Promise<RefreshOutcome> => {
    try {
      const r = await this.oauth().refreshUsingToken(refreshToken);
      return { ok: true, tokens: this.tokenSet(r.json) };
    } catch (err) {
      const f = OAuthFailure.safeParse(err);
      const code = f.success ? (f.data.error ?? '') : '';
      if (code === 'invalid_grant') return { ok: false, kind: 'invalid_grant', detail: 'invalid_grant' };
      const detail = f.success ? (f.data.error || f.data.originalMessage || f.data.message || 'refresh failed') : String(err);
      return { ok: false, kind: 'transient', detail };
    }
  };

  client(conn: Pick<ConnectionDoc, '_id' | 'companyId'>): QboClient {
    const s = this.deps.settings;
    return new QboClient(
      { clientId: s.clientId, clientSecret: s.clientSecret, apiBaseUrl: s.apiBaseUrl },
      this.tokens, this.limiters, conn._id, conn.companyId, this.deps.retry ?? defaultRetry, this.deps.sleep,
    );
  }

  // ---------------------------------------------------------------- OAuth

  authorizeUrl(state: string): string {
    return this.oauth().authorizeUri({ scope: [quickbooks.oauth.scope], state });
  }

  async handleCallback(input: CallbackInput): Promise<ConnectionDoc> {
    const q = new URL(input.url, 'http://callback.invalid').searchParams;
    const code = q.get('code');
    const realmId = q.get('realmId');
    if (!code) throw new AppError('bad_request', 'the callback has no authorization code');
    if (!realmId || !quickbooks.companyIdPattern.test(realmId)) throw new AppError('bad_request', 'the callback has no valid realmId');
    const oauth = this.oauth();
    let tokens: TokenSet;
    try {
      tokens = this.tokenSet((await oauth.createToken(input.url)).json);
    } catch (err) {
      const f = OAuthFailure.safeParse(err);
      throw new AppError('bad_request', `QuickBooks refused the authorization code (${f.success ? (f.data.error ?? 'error') : 'error'})`);
    }
    const id = connectionIdOf('quickbooks', realmId);
    const now = this.now();
    await this.deps.store.connections.upsert(
      { orgId: input.orgId, provider: 'quickbooks', companyId: realmId, companyName: `QuickBooks company ${realmId}`, ...this.tokens.seal(id, tokens) },
      now,
    );
    const info = QboCompanyInfo.safeParse(await this.client({ _id: id, companyId: realmId }).companyInfo());
    if (info.success) await this.deps.store.connections.update(id, { companyName: info.data.CompanyInfo.CompanyName }, this.now());
    else this.deps.logger.warn({ connectionId: id, issues: info.error.issues.slice(0, 3) }, 'CompanyInfo did not parse; keeping the placeholder name');
    const conn = await this.deps.store.connections.get(id);
    if (!conn) throw new Error(`connection ${id} vanished after upsert`);
    this.deps.logger.info({ connectionId: id, orgId: input.orgId }, 'QuickBooks connected');
    return conn;
  }

  refreshTokens(connectionId: string, opts: { force?: boolean } = {}): Promise<TokenDecision> {
    return this.tokens.getAccessToken(connectionId, opts);
  }

  async disconnect(connectionId: string): Promise<void> {
    const conn = await this.deps.store.connections.get(connectionId);
    if (!conn) throw new AppError('not_found', `no connection ${connectionId}`);
    const tokens = this.tokens.open(conn);
    if (tokens) {
      try {
        await this.oauth().revoke({ refresh_token: tokens.refreshToken });
      } catch (err) {
        this.deps.logger.warn({ connectionId, err: OAuthFailure.safeParse(err).data }, 'revoke failed; marking disconnected anyway');
      }
    }
    await this.deps.store.connections.setStatus(connectionId, 'disconnected', 'disconnected by the organisation', this.now());
  }

  // ---------------------------------------------------------------- sync

  private async active(connectionId: string): Promise<ConnectionDoc> {
    const conn = await this.deps.store.connections.get(connectionId);
    if (!conn) throw new AppError('not_found', `no connection ${connectionId}`);
    if (conn.status !== 'active') throw new QboApiError(`connection ${connectionId} is ${conn.status}`, undefined, undefined, false, conn.status);
    return conn;
  }

  private async mapContext(conn: ConnectionDoc): Promise<MapContext> {
    const org = await this.deps.store.organisations.get(conn.orgId);
    return { orgId: conn.orgId, connectionId: conn._id, companyId: conn.companyId, homeCurrency: org?.homeCurrency ?? 'USD', syncedAt: this.now() };
  }

  /** Parse, map and save one page of raw records of a kind. Returns saved and rejected counts. */
  private async savePage(kind: RecordKind, rows: unknown[], ctx: MapContext): Promise<{ saved: number; rejected: number }> {
    const s = this.deps.store;
    let rejected = 0;
    const attempt = <T>(fn: () => T, raw: unknown): T | undefined => {
      try {
        return fn();
      } catch (err) {
        rejected += 1;
        const id = z.object({ Id: z.string() }).safeParse(raw);
        this.deps.logger.warn({ kind, id: id.success ? id.data.Id : undefined, err: err instanceof Error ? err.message : String(err) }, 'QuickBooks record failed to parse; skipped and counted');
        return undefined;
      }
    };
    const keep = <T>(xs: (T | undefined)[]): T[] => xs.filter((x): x is T => x !== undefined);
    let saved: number;
    if (kind === 'customer') {
      const docs = keep(rows.map((r) => attempt(() => mapCustomer(QboCustomer.parse(r), ctx), r)));
      await s.customers.upsertMany(docs); // batched by the store
      saved = docs.length;
    } else if (kind === 'invoice') {
      const docs = keep(rows.map((r) => attempt(() => mapInvoice(QboInvoice.parse(r), ctx), r)));
      await s.invoices.upsertMany(docs); // batched by the store
      saved = docs.length;
    } else {
      const docs = keep(rows.map((r) => attempt(() => (kind === 'payment' ? mapPayment(QboPayment.parse(r), ctx) : mapCreditMemo(QboCreditMemo.parse(r), ctx)), r)));
      await s.payments.upsertMany(docs); // batched by the store
      saved = docs.length;
    }
    return { saved, rejected };
  }

  /** Mark a record deleted, keeping what we knew of it. */
  private async markDeleted(kind: RecordKind, id: string, ctx: MapContext): Promise<boolean> {
    const s = this.deps.store;
    const now = ctx.syncedAt;
    if (kind === 'invoice') {
      const doc = await s.invoices.findByKey('quickbooks', ctx.companyId, id);
      if (!doc) return false;
      const { _id, ...rest } = doc;
      await s.invoices.upsertMany([{ ...rest, status: 'deleted', balanceMinor: 0, syncedAt: now }]);
    } else if (kind === 'customer') {
      const doc = await s.customers.findByKey('quickbooks', ctx.companyId, id);
      if (!doc) return false;
      const { _id, ...rest } = doc;
      await s.customers.upsertMany([{ ...rest, active: false, syncedAt: now }]);
    } else {
      const externalId = kind === 'credit_memo' ? creditMemoExternalId(id) : id;
      const doc = await s.payments.findByKey('quickbooks', ctx.companyId, externalId);
      if (!doc) return false;
      const { _id, ...rest } = doc;
      await s.payments.upsertMany([{ ...rest, deleted: true, syncedAt: now }]);
    }
    return true;
  }

  /** Page through `select * from <entity> where …`, saving each page and calling `progress` after it. */
  private async pages(client: QboClient, step: Step, where: string, start: number, ctx: MapContext, progress: (next: number) => Promise<void>): Promise<{ saved: number; rejected: number }> {
    let pos = start;
    let saved = 0;
    let rejected = 0;
    // The next page is asked for while this one is saved: still one request in flight, pages in
    // order, but the store's time hides behind the API's. A prefetch whose page is never awaited
    // (the save failed) must not become an unhandled rejection, hence the no-op catch.
    const fetchPage = (at: number) => {
      const p = client.query(step.entity, where, at);
      p.catch(() => undefined);
      return p;
    };
    let next = fetchPage(pos);
    for (;;) {
      const body = QboQueryResponse.parse(await next);
      const rows = z.array(z.unknown()).parse(body.QueryResponse[step.entity] ?? []);
      const more = rows.length >= quickbooks.api.pageSize;
      if (more) next = fetchPage(pos + rows.length);
      const r = await this.savePage(step.kind, rows, ctx);
      saved += r.saved;
      rejected += r.rejected;
      pos += rows.length;
      await progress(pos);
      if (!more) return { saved, rejected };
    }
  }

  async fullSync(connectionId: string): Promise<SyncResult> {
    const conn = await this.active(connectionId);
    const client = this.client(conn);
    const ctx = await this.mapContext(conn);
    // Resume a full sync that stopped part-way: positions and its start time are in the checkpoint.
    const cp: Record<string, string> = { ...(conn.checkpoint ?? {}) };
    // Whole seconds: QuickBooks' LastUpdatedTime has no milliseconds, so a change made later in the
    // same second as the start would otherwise fall before the checkpoint and never be read.
    const startedAt = cp.fullStartedAt ?? new Date(Math.floor(this.now().getTime() / 1000) * 1000).toISOString();
    cp.fullStartedAt = startedAt;
    const saved = zeroSaved();
    let rejected = 0;
    for (const step of steps) {
      const key = `full:${step.entity}`;
      if (cp[key] === 'done') continue;
      const r = await this.pages(client, step, step.fullWhere, Number(cp[key] ?? 1), ctx, async (next) => {
        cp[key] = String(next);
        await this.deps.store.connections.update(connectionId, { checkpoint: cp }, this.now());
      });
      cp[key] = 'done';
      saved[step.kind] += r.saved;
      rejected += r.rejected;
    }
    const checkpoint = { since: startedAt };
    await this.deps.store.connections.update(connectionId, { checkpoint, lastSyncAt: this.now() }, this.now());
    this.apiCalls += client.calls;
    this.deps.logger.info({ connectionId, saved, rejected, apiCalls: client.calls }, 'QuickBooks full sync done');
    return { kind: 'full', method: 'full', saved, rejected, deleted: 0, apiCalls: client.calls, checkpoint: startedAt };
  }

  async incrementalSync(connectionId: string): Promise<SyncResult> {
    const conn = await this.active(connectionId);
    const since = conn.checkpoint?.since;
    if (!since || conn.checkpoint?.fullStartedAt) return this.fullSync(connectionId);
    const client = this.client(conn);
    const ctx = await this.mapContext(conn);
    const saved = zeroSaved();
    let rejected = 0;
    let deleted = 0;
    const sinceDate = new Date(since);
    const ageMs = this.now().getTime() - sinceDate.getTime();
    const cdcLimitMs = quickbooks.api.cdcMaxAgeDays * 86_400_000 - 3_600_000; // an hour of margin for clock skew
    let method: 'cdc' | 'query' = 'cdc';
    let next = this.now().toISOString();
    const overflow: Step[] = [];
    if (ageMs < cdcLimitMs) {
      const body = QboCdcResponse.parse(await client.cdc(steps.map((s) => s.entity), sinceDate));
      next = new Date(body.time).toISOString();
      for (const group of body.CDCResponse[0]?.QueryResponse ?? []) {
        const step = steps.find((s) => Array.isArray(group[s.entity]));
        if (!step) continue;
        const rows = z.array(z.unknown()).parse(group[step.entity]);
        if (rows.length >= quickbooks.api.cdcMaxObjects) {
          overflow.push(step); // the response was capped: read this entity by query instead
          continue;
        }
        const live: unknown[] = [];
        for (const row of rows) {
          const del = QboDeleted.safeParse(row);
          if (del.success) {
            if (await this.markDeleted(step.kind, del.data.Id, ctx)) deleted += 1;
          } else live.push(row);
        }
        const r = await this.savePage(step.kind, live, ctx);
        saved[step.kind] += r.saved;
        rejected += r.rejected;
      }
    } else {
      method = 'query';
      overflow.push(...steps);
    }
    for (const step of overflow) {
      // Deleted records cannot be seen this way; the next full sync reconciles them.
      const where = `Metadata.LastUpdatedTime >= '${since}'`;
      const r = await this.pages(client, step, where, 1, ctx, async () => {});
      saved[step.kind] += r.saved;
      rejected += r.rejected;
    }
    await this.deps.store.connections.update(connectionId, { checkpoint: { since: next }, lastSyncAt: this.now() }, this.now());
    this.apiCalls += client.calls;
    return { kind: 'incremental', method, saved, rejected, deleted, apiCalls: client.calls, checkpoint: next };
  }

  // ---------------------------------------------------------------- webhooks

  verifyWebhook(rawBody: Buffer, headers: Record<string, string | string[] | undefined>) {
    return verifyDelivery(rawBody, headers, this.deps.settings.webhookVerifierToken);
  }

  async applyChanges(events: ChangeEvent[]): Promise<{ saved: number; deleted: number; skipped: number }> {
    let saved = 0;
    let deleted = 0;
    const { groups, skipped } = await eventsByActiveConnection(this.deps.store, 'quickbooks', events, this.deps.logger);
    for (const { conn, events: list } of groups) {
      const client = this.client(conn);
      const ctx = await this.mapContext(conn);
      for (const step of steps) {
        const ofKind = list.filter((e) => e.kind === step.kind);
        const gone = [...new Set(ofKind.filter((e) => e.operation === 'delete').map((e) => e.externalId))];
        for (const id of gone) if (await this.markDeleted(step.kind, id, ctx)) deleted += 1;
        const ids = [...new Set(ofKind.filter((e) => e.operation !== 'delete').map((e) => e.externalId))].filter((id) => /^\d+$/.test(id));
        for (let i = 0; i < ids.length; i += quickbooks.api.pageSize) {
          const chunk = ids.slice(i, i + quickbooks.api.pageSize);
          const r = await this.pages(client, step, `Id IN (${chunk.map((id) => `'${id}'`).join(',')})`, 1, ctx, async () => {});
          saved += r.saved;
        }
      }
      this.apiCalls += client.calls;
    }
    return { saved, deleted, skipped };
  }

  async fetchRecord(connectionId: string, kind: RecordKind, externalId: string): Promise<FetchedRecord> {
    const conn = await this.active(connectionId);
    const ctx = await this.mapContext(conn);
    try {
      const raw = await this.client(conn).read(entityOfKind[kind], externalId);
      const r = await this.savePage(kind, [raw], ctx);
      if (r.saved === 0) throw new Error(`${kind} ${externalId} failed to parse`);
      return { found: true, kind, externalId, deleted: false };
    } catch (err) {
      if (err instanceof QboApiError && err.code === quickbooks.faults.notFound) return { found: false, kind, externalId };
      throw err;
    }
  }

  // ---------------------------------------------------------------- write-backs

  async appendCustomerNote(connectionId: string, customerExternalId: string, line: string, idempotencyKey: string): Promise<WriteBackResult> {
    const conn = await this.active(connectionId);
    const client = this.client(conn);
    const dated = `${this.now().toISOString().slice(0, 10)} Overdue: ${line.replace(/\s+/g, ' ').trim()}`;
    for (let attempt = 1; attempt <= 4; attempt++) {
      let customer: QboCustomer;
      try {
        customer = QboCustomer.parse(await client.read('Customer', customerExternalId));
      } catch (err) {
        if (err instanceof QboApiError && err.code === quickbooks.faults.notFound) return { ok: false, reason: 'not_found' };
        throw err;
      }
      const notes = customer.Notes ?? '';
      if (notes.split('\n').includes(dated)) return { ok: true, attempts: attempt }; // already written (a retry after a lost answer)
      const next = notes ? `${notes}\n${dated}` : dated;
      if (next.length > 1024) return { ok: false, reason: 'rejected', detail: 'the customer notes would exceed 1,024 characters' };
      try {
        await client.updateCustomer({ Id: customer.Id, SyncToken: customer.SyncToken, Notes: next }, `${idempotencyKey}:${attempt}`.slice(0, 50));
        return { ok: true, attempts: attempt };
      } catch (err) {
        if (err instanceof QboApiError && err.code === quickbooks.faults.staleObject) continue; // someone edited it: re-read and retry
        throw err;
      }
    }
    return { ok: false, reason: 'rejected', detail: 'the customer kept changing (stale SyncToken four times)' };
  }

  async emailInvoice(connectionId: string, invoiceExternalId: string, opts: { sendTo?: string; idempotencyKey: string }): Promise<WriteBackResult> {
    const conn = await this.active(connectionId);
    const client = this.client(conn);
    let invoice: QboInvoice;
    try {
      invoice = QboInvoice.parse(await client.read('Invoice', invoiceExternalId));
    } catch (err) {
      if (err instanceof QboApiError && err.code === quickbooks.faults.notFound) return { ok: false, reason: 'not_found' };
      throw err;
    }
    if (isVoided(invoice) || (toMinor(invoice.Balance, invoice.CurrencyRef?.value ?? 'USD') ?? 0) <= 0) return { ok: false, reason: 'not_open' };
    const to = opts.sendTo ?? invoice.BillEmail?.Address;
    if (!to) return { ok: false, reason: 'no_recipient' };
    try {
      await client.sendInvoice(invoice.Id, to, opts.idempotencyKey.slice(0, 50));
    } catch (err) {
      // A validation fault (an address QuickBooks will not send to, …) is a refusal, not a transient failure.
      if (err instanceof QboApiError && !err.retryable && err.tokenReason === undefined && (err.status === 400 || err.status === 200)) {
        return err.code === quickbooks.faults.notFound ? { ok: false, reason: 'not_found', detail: err.message } : { ok: false, reason: 'rejected', detail: err.message };
      }
      throw err;
    }
    return { ok: true, attempts: 1 };
  }
}

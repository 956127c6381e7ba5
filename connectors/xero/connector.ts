// The Xero connector: OAuth (openid-client from configured endpoints, PKCE,
// one connection per tenant sharing the login's token set), API calls with
// xero-node through XeroApi, sync as a recipe (fetch a page, parse, save it at
// once, advance the checkpoint; pages one after another), webhook changes
// turned into targeted fetches, and the two write-backs (a History note, the
// platform's invoice email).
import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../../src/errors.js';
import type { Logger } from '../../src/logger.js';
import { Connections, connectionId as connectionIdOf } from '../../src/store/organisations.js';
import type { Store } from '../../src/store/store.js';
import { collections } from '../../src/store/store.js';
import type { ConnectionDoc, ProviderKey } from '../../src/store/types.js';
import { Limiters } from '../limiter.js';
import { TokenManager, type Refresher, type TokenDecision } from '../token-refresh.js';
import { eventsByActiveConnection } from '../inbox.js';
import type { CallbackInput, ChangeEvent, Connector, FetchedRecord, RecordKind, SyncResult, WriteBackResult } from '../types.js';
import { RateBook, XeroApi, XeroApiError, defaultRetry, type RetryPolicy, type XeroCallResult } from './client.js';
import { Pkce, authorizeUrl, deleteConnection, exchangeCode, listTenants, refresh, revoke, type XeroSettings } from './oauth.js';
import { xero } from './provider.js';
import {
  XeroContact, XeroCreditNote, XeroInvoice, XeroOnlineInvoices, XeroPayment, isCollectible,
  mapContact, mapCreditNote, mapInvoice, mapPayment, pageOf, parseXeroInstant, type MapContext,
} from './records.js';
import { verifyDelivery } from './webhooks.js';

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

type XeroList = 'Invoices' | 'Contacts' | 'Payments' | 'CreditNotes';

/** One record type of a sync: how to ask for it in a full and an incremental read. */
interface Step {
  kind: RecordKind;
  list: XeroList;
  fullWhere: string;
  fullStatuses?: string[];
  changedWhere: string;
}

const steps: Step[] = [
  { kind: 'customer', list: 'Contacts', fullWhere: 'IsCustomer==true', changedWhere: 'IsCustomer==true' },
  { kind: 'invoice', list: 'Invoices', fullWhere: 'Type=="ACCREC"', fullStatuses: ['AUTHORISED'], changedWhere: 'Type=="ACCREC"' },
  { kind: 'payment', list: 'Payments', fullWhere: 'PaymentType=="ACCRECPAYMENT" AND Status=="AUTHORISED"', changedWhere: 'PaymentType=="ACCRECPAYMENT"' },
  { kind: 'credit_memo', list: 'CreditNotes', fullWhere: 'Type=="ACCRECCREDIT" AND Status=="AUTHORISED"', changedWhere: 'Type=="ACCRECCREDIT"' },
];

/** A full sync reads payments this far back (older ones cannot change an open balance). */
const FULL_PAYMENTS_LOOKBACK_DAYS = 365;

const zeroSaved = (): Record<RecordKind, number> => ({ customer: 0, invoice: 0, payment: 0, credit_memo: 0 });

export type XeroSyncResult = SyncResult & {
  /** Set when the sync did not run (or stopped) to save the daily budget; the reason is also on the connection's checkpoint. */
  deferred?: { reason: string };
  rateLimited: number;
};

export class XeroConnector implements Connector {
  readonly provider = 'xero' as const;
  readonly tokens: TokenManager;
  readonly limiters: Limiters;
  readonly rates: RateBook;
  readonly grants: Connections;
  /** API calls made by clients of this connector (all connections). */
  apiCalls = 0;
  private readonly now: () => Date;
  private readonly pkce: Pkce;

  constructor(private readonly deps: XeroConnectorDeps) {
    this.now = deps.now ?? (() => new Date());
    this.pkce = new Pkce(deps.key);
    this.grants = xeroGrants(deps.store);
    this.limiters = deps.limiters ?? new Limiters(xero.limits.concurrentRequests, deps.perMinute ?? xero.limits.requestsPerMinute, deps.windowMs ?? 61_000);
    this.rates = deps.rates ?? new RateBook();
    this.tokens = deps.tokens ?? new TokenManager({
      connections: deps.store.connections, grants: this.grants, key: deps.key, owner: deps.owner, now: this.now, logger: deps.logger,
      refreshers: { xero: this.refresher },
    });
  }

  /** The openid-client refresh (through xero-node), as the provider-neutral Refresher. */
  readonly refresher: Refresher = (refreshToken) => refresh(this.deps.settings, refreshToken, this.now());

  client(conn: Pick<ConnectionDoc, '_id' | 'companyId'>): XeroApi {
    return new XeroApi(this.deps.settings, this.tokens, this.limiters, this.rates, conn._id, conn.companyId, this.deps.retry ?? defaultRetry, this.deps.sleep);
  }

  // ---------------------------------------------------------------- OAuth

  authorizeUrl(state: string): string {
    return authorizeUrl(this.deps.settings, this.pkce, state);
  }

  /** The first tenant's connection (the Connector contract); connectTenants returns them all. */
  async handleCallback(input: CallbackInput): Promise<ConnectionDoc> {
    const all = await this.connectTenants(input);
    const first = all[0];
    if (!first) throw new AppError('bad_request', 'no Xero organisation was authorised');
    return first;
  }

  /**
   * Exchange the code, list the login's tenants (GET /connections) and store one
   * connection per organisation, all sharing the login's token set (encrypted
   * on its holder). A tenant already connected for another Overdue organisation is left alone.
   */
  async connectTenants(input: CallbackInput): Promise<ConnectionDoc[]> {
    const q = new URL(input.url, 'http://callback.invalid').searchParams;
    if (!q.get('code')) throw new AppError('bad_request', 'the callback has no authorization code');
    let tokens;
    try {
      tokens = await exchangeCode(this.deps.settings, this.pkce, input.url, this.now());
    } catch (err) {
      throw new AppError('bad_request', `Xero refused the authorization code (${err instanceof Error ? err.message : 'error'})`);
    }
    const tenants = (await listTenants(this.deps.settings, tokens.accessToken)).filter((t) => t.tenantType === 'ORGANISATION');
    if (tenants.length === 0) throw new AppError('bad_request', 'no Xero organisation was authorised');
    const now = this.now();
    const holderId = connectionIdOf('xero', `login:${randomUUID()}`);
    await this.grants.upsert({ orgId: input.orgId, provider: 'xero', companyId: holderId.slice('xero:'.length), companyName: `Xero login (${tenants.length} organisations)`, ...this.tokens.seal(holderId, tokens) }, now);
    const out: ConnectionDoc[] = [];
    for (const t of tenants) {
      const id = connectionIdOf('xero', t.tenantId);
      const existing = await this.deps.store.connections.get(id);
      if (existing && existing.orgId !== input.orgId && existing.status === 'active') {
        this.deps.logger.warn({ connectionId: id, orgId: input.orgId, ownerOrg: existing.orgId }, 'Xero tenant already connected for another organisation: skipped');
        continue;
      }
      out.push(await this.deps.store.connections.upsert(
        { orgId: input.orgId, provider: 'xero', companyId: t.tenantId, companyName: t.tenantName ?? `Xero organisation ${t.tenantId}`, tokenHolderId: holderId },
        now,
      ));
    }
    this.deps.logger.info({ orgId: input.orgId, tenants: out.map((c) => c.companyId) }, 'Xero connected');
    return out;
  }

  refreshTokens(connectionId: string, opts: { force?: boolean } = {}): Promise<TokenDecision> {
    return this.tokens.getAccessToken(connectionId, opts);
  }

  /**
   * Disconnect one tenant: DELETE /connections/{id} for it (its siblings stay
   * connected), mark it disconnected; when no tenant of the login is left, revoke the login's token.
   */
  async disconnect(connectionId: string): Promise<void> {
    const conn = await this.deps.store.connections.get(connectionId);
    if (!conn) throw new AppError('not_found', `no connection ${connectionId}`);
    const t = await this.tokens.getAccessToken(connectionId);
    if (t.ok) {
      try {
        const match = (await listTenants(this.deps.settings, t.accessToken)).find((c) => c.tenantId === conn.companyId);
        if (match) await deleteConnection(this.deps.settings, t.accessToken, match.id);
      } catch (err) {
        this.deps.logger.warn({ connectionId, err: err instanceof Error ? err.message : String(err) }, 'Xero disconnect call failed; marking disconnected anyway');
      }
    }
    await this.deps.store.connections.setStatus(connectionId, 'disconnected', 'disconnected by the organisation', this.now());
    const holderId = conn.tokenHolderId;
    if (!holderId) return;
    const siblings = await this.deps.store.db.collection<ConnectionDoc>(collections.connections).countDocuments({ tokenHolderId: holderId, status: 'active' });
    if (siblings > 0) return;
    const holder = await this.grants.get(holderId);
    const tokens = holder ? this.tokens.open(holder) : undefined;
    if (tokens) await revoke(this.deps.settings, tokens.refreshToken).catch((err: unknown) => this.deps.logger.warn({ holderId, err: err instanceof Error ? err.message : String(err) }, 'revoke failed'));
    await this.grants.setStatus(holderId, 'disconnected', 'every organisation of the login was disconnected', this.now());
  }

  // ---------------------------------------------------------------- sync

  private async active(connectionId: string): Promise<ConnectionDoc> {
    const conn = await this.deps.store.connections.get(connectionId);
    if (!conn) throw new AppError('not_found', `no connection ${connectionId}`);
    if (conn.status !== 'active') throw new XeroApiError(`connection ${connectionId} is ${conn.status}`, undefined, false, undefined, undefined, conn.status);
    return conn;
  }

  private async mapContext(conn: ConnectionDoc): Promise<MapContext> {
    const org = await this.deps.store.organisations.get(conn.orgId);
    return { orgId: conn.orgId, connectionId: conn._id, companyId: conn.companyId, homeCurrency: org?.homeCurrency ?? 'USD', syncedAt: this.now() };
  }

  /** Parse, map and save one page of raw records. Failures are counted and logged, never silently dropped. */
  private async savePage(kind: RecordKind, rows: unknown[], ctx: MapContext): Promise<{ saved: number; rejected: number; deleted: number; ids: string[] }> {
    const s = this.deps.store;
    let rejected = 0;
    const attempt = <T>(fn: () => T, raw: unknown): T | undefined => {
      try {
        return fn();
      } catch (err) {
        rejected += 1;
        const id = z.object({ InvoiceID: z.string().optional(), ContactID: z.string().optional(), PaymentID: z.string().optional(), CreditNoteID: z.string().optional() }).safeParse(raw);
        const rid = id.success ? (id.data.InvoiceID ?? id.data.ContactID ?? id.data.PaymentID ?? id.data.CreditNoteID) : undefined;
        this.deps.logger.warn({ kind, id: rid, err: err instanceof Error ? err.message.slice(0, 300) : String(err) }, 'Xero record failed to parse; skipped and counted');
        return undefined;
      }
    };
    const keep = <T>(xs: (T | null | undefined)[]): T[] => xs.filter((x): x is T => x !== undefined && x !== null);
    if (kind === 'customer') {
      const docs = keep(rows.map((r) => attempt(() => mapContact(XeroContact.parse(r), ctx), r)));
      await this.saveDocs('customers', s.customers, docs, ctx.companyId);
      return { saved: docs.length, rejected, deleted: 0, ids: docs.map((d) => d.externalId) };
    }
    if (kind === 'invoice') {
      const docs = keep(rows.map((r) => attempt(() => {
        const inv = XeroInvoice.parse(r);
        return isCollectible(inv) ? mapInvoice(inv, ctx) : null; // drafts and bills are not kept
      }, r)));
      await this.saveDocs('invoices', s.invoices, docs, ctx.companyId);
      return { saved: docs.length, rejected, deleted: docs.filter((d) => d.status === 'deleted' || d.status === 'voided').length, ids: docs.map((d) => d.externalId) };
    }
    const docs = keep(rows.map((r) => attempt(() => (kind === 'payment' ? mapPayment(XeroPayment.parse(r), ctx) : mapCreditNote(XeroCreditNote.parse(r), ctx)), r)));
    await this.saveDocs('payments', s.payments, docs, ctx.companyId);
    return { saved: docs.length, rejected, deleted: docs.filter((d) => d.deleted).length, ids: docs.map((d) => d.externalId) };
  }

  /**
   * Save one page of mapped records through the store (which inserts what is new and replaces the rest
   * by _id, in batches). Invoices keep the pay link fetched earlier: one query per page, no API call.
   */
  private async saveDocs<D extends ProviderKey & { payUrl?: string }>(
    name: 'customers' | 'invoices' | 'payments', repo: { upsertMany(docs: NoInfer<D>[]): Promise<unknown> }, docs: D[], companyId: string,
  ): Promise<void> {
    if (docs.length === 0) return;
    if (name === 'invoices') {
      const linked = await this.deps.store.db.collection<SyncedRow>(collections.invoices)
        .find({ provider: 'xero', companyId, externalId: { $in: docs.map((d) => d.externalId) }, payUrl: { $exists: true } }, { projection: { externalId: 1, payUrl: 1 } })
        .toArray();
      const links = new Map(linked.map((l) => [l.externalId, l.payUrl]));
      for (const d of docs) if (!d.payUrl && links.get(d.externalId)) d.payUrl = links.get(d.externalId);
    }
    await repo.upsertMany(docs);
  }

  private fetchList(api: XeroApi, list: XeroList, q: { modifiedSince?: Date; where?: string; statuses?: string[]; page: number; includeArchived?: boolean }): Promise<XeroCallResult> {
    if (list === 'Invoices') return api.invoices(q);
    if (list === 'Contacts') return api.contacts(q);
    if (list === 'Payments') return api.payments(q);
    return api.creditNotes(q);
  }

  /** Page through one list with pageSize=1000, saving each page and calling `progress` after it. */
  private async pages(
    api: XeroApi, step: Step, q: { modifiedSince?: Date; where: string; statuses?: string[]; includeArchived?: boolean }, startPage: number, ctx: MapContext,
    progress: (nextPage: number, serverTime: Date | null) => Promise<void>,
  ): Promise<{ saved: number; rejected: number; deleted: number }> {
    let page = startPage;
    const total = { saved: 0, rejected: 0, deleted: 0 };
    for (;;) {
      const r = await this.fetchList(api, step.list, { ...q, page });
      const rows = pageOf(r.data, step.list);
      const saved = await this.savePage(step.kind, rows, ctx);
      total.saved += saved.saved;
      total.rejected += saved.rejected;
      total.deleted += saved.deleted;
      page += 1;
      await progress(page, serverTime(r.data));
      // `pagination.pageCount` saves the empty page a count that is a multiple of 1,000 would need.
      const p = Pagination.safeParse(r.data);
      if (rows.length < xero.api.pageSize || (p.success && p.data.pagination.page >= p.data.pagination.pageCount)) return total;
    }
  }

  /** Whether the day's budget is too low for a full sync (known from the last answer's X-DayLimit-Remaining). */
  private budgetTooLow(tenantId: string): string | null {
    const day = this.rates.for(tenantId).dayRemaining;
    const reserve = this.deps.dailyReserve ?? 500;
    if (day !== undefined && day < reserve) return `daily API budget nearly spent (${day} calls left, reserve ${reserve}): full sync deferred; webhooks and payment polling continue`;
    return null;
  }

  private async defer(conn: ConnectionDoc, cp: Record<string, string>, reason: string, partial?: { saved: Record<RecordKind, number>; rejected: number; apiCalls: number; rateLimited: number }): Promise<XeroSyncResult> {
    const checkpoint = { ...cp, deferredFull: reason, deferredAt: this.now().toISOString() };
    await this.deps.store.connections.update(conn._id, { checkpoint }, this.now());
    this.deps.logger.warn({ connectionId: conn._id, reason }, 'Xero full sync deferred');
    return {
      kind: 'full', method: 'full', saved: partial?.saved ?? zeroSaved(), rejected: partial?.rejected ?? 0, deleted: 0, apiCalls: partial?.apiCalls ?? 0,
      checkpoint: cp.since ?? '', deferred: { reason }, rateLimited: partial?.rateLimited ?? 0,
    };
  }

  async fullSync(connectionId: string): Promise<XeroSyncResult> {
    const conn = await this.active(connectionId);
    const api = this.client(conn);
    const ctx = await this.mapContext(conn);
    const cp: Record<string, string> = { ...(conn.checkpoint ?? {}) };
    delete cp.deferredFull;
    delete cp.deferredAt;
    const low = this.budgetTooLow(conn.companyId);
    if (low) return this.defer(conn, conn.checkpoint ?? {}, low);
    // Resume a full sync that stopped part-way: pages and its start are in the checkpoint.
    const startedAt = cp.fullStartedAt ?? ctx.syncedAt.toISOString();
    cp.fullStartedAt = startedAt;
    const saved = zeroSaved();
    let rejected = 0;
    let deleted = 0;
    let since = cp.fullServerTime;
    try {
      for (const step of steps) {
        const key = `full:${step.list}`;
        if (cp[key] === 'done') continue;
        const modifiedSince = step.kind === 'payment' ? new Date(Date.parse(startedAt) - FULL_PAYMENTS_LOOKBACK_DAYS * 86_400_000) : undefined;
        const r = await this.pages(api, step, { where: step.fullWhere, ...(step.fullStatuses ? { statuses: step.fullStatuses } : {}), ...(modifiedSince ? { modifiedSince } : {}) }, Number(cp[key] ?? 1), ctx, async (next, server) => {
          cp[key] = String(next);
          if (!since && server) since = cp.fullServerTime = server.toISOString();
          await this.deps.store.connections.update(connectionId, { checkpoint: cp }, this.now());
          const stop = this.budgetTooLow(conn.companyId);
          if (stop) throw new DeferSync(stop);
        });
        cp[key] = 'done';
        saved[step.kind] += r.saved;
        rejected += r.rejected;
        deleted += r.deleted;
        if (step.kind === 'invoice') {
          const left = await this.refreshLeftOpen(api, ctx, new Date(startedAt));
          deleted += left.deleted;
        }
      }
    } catch (err) {
      if (err instanceof DeferSync) return this.defer(conn, cp, err.message, { saved, rejected, apiCalls: api.calls, rateLimited: api.rateLimited });
      if (err instanceof XeroApiError && err.problem === 'day') return this.defer(conn, cp, 'daily API limit reached (429, X-Rate-Limit-Problem: day): full sync deferred', { saved, rejected, apiCalls: api.calls, rateLimited: api.rateLimited });
      throw err;
    } finally {
      this.apiCalls += api.calls;
    }
    const next = since ?? startedAt;
    await this.deps.store.connections.update(connectionId, { checkpoint: { since: next }, lastSyncAt: this.now() }, this.now());
    this.deps.logger.info({ connectionId, saved, rejected, apiCalls: api.calls }, 'Xero full sync done');
    return { kind: 'full', method: 'full', saved, rejected, deleted, apiCalls: api.calls, checkpoint: next, rateLimited: api.rateLimited };
  }

  /**
   * Invoices we hold as open that this full sync did not see as AUTHORISED have
   * left that state (paid, voided, deleted): read them by id and store what they are now.
   */
  private async refreshLeftOpen(api: XeroApi, ctx: MapContext, startedAt: Date): Promise<{ saved: number; deleted: number }> {
    const stale = await this.deps.store.db.collection(collections.invoices)
      .find({ provider: 'xero', companyId: ctx.companyId, status: 'open', syncedAt: { $lt: startedAt } }, { projection: { externalId: 1 } })
      .toArray();
    const ids = stale.map((d) => String(d.externalId));
    let saved = 0;
    let deleted = 0;
    for (let i = 0; i < ids.length; i += xero.api.idsPerRequest) {
      const chunk = ids.slice(i, i + xero.api.idsPerRequest);
      const r = await api.invoices({ ids: chunk });
      const rows = pageOf(r.data, 'Invoices');
      const got = await this.savePage('invoice', rows, { ...ctx, syncedAt: this.now() });
      saved += got.saved;
      deleted += got.deleted;
      // Not returned at all: gone from Xero (or no longer a receivable); it leaves the open set.
      for (const id of chunk.filter((x) => !got.ids.includes(x))) if (await this.markInvoiceDeleted(ctx, id)) deleted += 1;
    }
    return { saved, deleted };
  }

  private async markInvoiceDeleted(ctx: MapContext, externalId: string): Promise<boolean> {
    const doc = await this.deps.store.invoices.findByKey('xero', ctx.companyId, externalId);
    if (!doc) return false;
    const { _id, ...rest } = doc;
    await this.deps.store.invoices.upsertMany([{ ...rest, status: 'deleted', balanceMinor: 0, syncedAt: this.now() }]);
    return true;
  }

  /**
   * Everything changed since the checkpoint (If-Modified-Since): invoices of
   * every status (so voided and paid ones leave the open set), contacts,
   * payments (polled: Xero sends no payment webhooks) and credit notes.
   * Runs whatever the daily budget: it is the cheap path that keeps balances right.
   */
  async incrementalSync(connectionId: string): Promise<XeroSyncResult> {
    const conn = await this.active(connectionId);
    const since = conn.checkpoint?.since;
    // Finish a full sync that stopped part-way first, unless it stopped to save the daily budget:
    // then polling goes on from the last checkpoint, and the full sync resumes when there is budget.
    if (!since || (conn.checkpoint?.fullStartedAt && !this.budgetTooLow(conn.companyId))) return this.fullSync(connectionId);
    const api = this.client(conn);
    const ctx = await this.mapContext(conn);
    const saved = zeroSaved();
    let rejected = 0;
    let deleted = 0;
    let next: string | undefined;
    try {
      for (const step of steps) {
        const r = await this.pages(api, step, { where: step.changedWhere, modifiedSince: new Date(since), ...(step.kind === 'customer' ? { includeArchived: true } : {}) }, 1, ctx, async (_n, server) => {
          if (!next && server) next = server.toISOString(); // Xero's clock, not ours: no gap from skew
        });
        saved[step.kind] += r.saved;
        rejected += r.rejected;
        deleted += r.deleted;
      }
    } finally {
      this.apiCalls += api.calls;
    }
    const checkpoint = next ?? this.now().toISOString();
    await this.deps.store.connections.update(connectionId, { checkpoint: { ...(conn.checkpoint ?? {}), since: checkpoint }, lastSyncAt: this.now() }, this.now());
    return { kind: 'incremental', method: 'modified_since', saved, rejected, deleted, apiCalls: api.calls, checkpoint, rateLimited: api.rateLimited };
  }

  // ---------------------------------------------------------------- webhooks

  verifyWebhook(rawBody: Buffer, headers: Record<string, string | string[] | undefined>) {
    return verifyDelivery(rawBody, headers, this.deps.settings.webhookKey);
  }

  async applyChanges(events: ChangeEvent[]): Promise<{ saved: number; deleted: number; skipped: number }> {
    let saved = 0;
    let deleted = 0;
    const { groups, skipped } = await eventsByActiveConnection(this.deps.store, 'xero', events, this.deps.logger);
    for (const { conn, events: list } of groups) {
      const api = this.client(conn);
      const ctx = await this.mapContext(conn);
      try {
        for (const kind of ['customer', 'invoice', 'credit_memo'] as const) {
          const ids = [...new Set(list.filter((e) => e.kind === kind).map((e) => e.externalId))];
          if (kind === 'credit_memo') {
            for (const id of ids) {
              const r = await this.fetchOne(api, 'credit_memo', id, ctx);
              if (r) saved += r.saved;
            }
            continue;
          }
          for (let i = 0; i < ids.length; i += xero.api.idsPerRequest) {
            const chunk = ids.slice(i, i + xero.api.idsPerRequest);
            const r = kind === 'invoice' ? await api.invoices({ ids: chunk }) : await api.contacts({ ids: chunk, includeArchived: true });
            const got = await this.savePage(kind, pageOf(r.data, kind === 'invoice' ? 'Invoices' : 'Contacts'), ctx);
            saved += got.saved;
            deleted += got.deleted;
          }
        }
      } finally {
        this.apiCalls += api.calls;
      }
    }
    return { saved, deleted, skipped };
  }

  private readById(api: XeroApi, kind: RecordKind, id: string): Promise<XeroCallResult> {
    if (kind === 'invoice') return api.invoice(id);
    if (kind === 'customer') return api.contact(id);
    if (kind === 'payment') return api.payment(id);
    return api.creditNote(id);
  }

  /** Read one record and save it; null when Xero does not have it. */
  private async fetchOne(api: XeroApi, kind: RecordKind, externalId: string, ctx: MapContext): Promise<{ saved: number } | null> {
    const list: XeroList = kind === 'invoice' ? 'Invoices' : kind === 'customer' ? 'Contacts' : kind === 'payment' ? 'Payments' : 'CreditNotes';
    try {
      const r = await this.readById(api, kind, externalId.replace(/^CreditNote:/, ''));
      const rows = pageOf(r.data, list);
      if (rows.length === 0) return null;
      return await this.savePage(kind, rows, ctx);
    } catch (err) {
      if (err instanceof XeroApiError && (err.status === 404 || err.status === 400)) return null;
      throw err;
    }
  }

  async fetchRecord(connectionId: string, kind: RecordKind, externalId: string): Promise<FetchedRecord> {
    const conn = await this.active(connectionId);
    const api = this.client(conn);
    try {
      const r = await this.fetchOne(api, kind, externalId, await this.mapContext(conn));
      return r ? { found: true, kind, externalId, deleted: false } : { found: false, kind, externalId };
    } finally {
      this.apiCalls += api.calls;
    }
  }

  /** The invoice's online URL (the pay link), fetched when the policy needs it and kept on the invoice. */
  async payLink(connectionId: string, invoiceExternalId: string): Promise<string | null> {
    const conn = await this.active(connectionId);
    const api = this.client(conn);
    try {
      const r = XeroOnlineInvoices.safeParse((await api.onlineInvoice(invoiceExternalId)).data);
      const url = r.success ? (r.data.OnlineInvoices[0]?.OnlineInvoiceUrl ?? null) : null;
      const doc = await this.deps.store.invoices.findByKey('xero', conn.companyId, invoiceExternalId);
      if (url && doc) {
        const { _id, ...rest } = doc;
        await this.deps.store.invoices.upsertMany([{ ...rest, payUrl: url }]);
      }
      return url;
    } catch (err) {
      if (err instanceof XeroApiError && (err.status === 404 || err.status === 400)) return null;
      throw err;
    } finally {
      this.apiCalls += api.calls;
    }
  }

  // ---------------------------------------------------------------- write-backs

  /** The Idempotency-Key sent to Xero: the caller's key, hashed when longer than Xero allows. */
  static idempotencyKey(key: string): string {
    return key.length <= xero.api.idempotencyKeyMaxChars ? key : `sha256-${createHash('sha256').update(key).digest('hex')}`;
  }

  /**
   * A History note on the contact: one dated line with a short reference to the
   * action (History notes hold 250 characters and cannot be edited).
   */
  static historyLine(date: Date, line: string, idempotencyKey: string): string {
    const ref = ` [ref ${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 10)}]`;
    const head = `${date.toISOString().slice(0, 10)} Overdue: `;
    const room = xero.api.historyMaxChars - head.length - ref.length;
    const text = line.replace(/\s+/g, ' ').trim();
    return `${head}${text.length > room ? `${text.slice(0, room - 1)}…` : text}${ref}`;
  }

  async appendCustomerNote(connectionId: string, customerExternalId: string, line: string, idempotencyKey: string): Promise<WriteBackResult> {
    const conn = await this.active(connectionId);
    const api = this.client(conn);
    try {
      await api.addContactHistory(customerExternalId, XeroConnector.historyLine(this.now(), line, idempotencyKey), XeroConnector.idempotencyKey(idempotencyKey));
      return { ok: true, attempts: api.calls };
    } catch (err) {
      if (err instanceof XeroApiError && err.status === 404) return { ok: false, reason: 'not_found' };
      if (err instanceof XeroApiError && err.status === 400) return { ok: false, reason: 'rejected', detail: err.message };
      if (err instanceof XeroApiError && err.tokenReason === 'needs_reconnect') return { ok: false, reason: 'needs_reconnect' };
      throw err;
    } finally {
      this.apiCalls += api.calls;
    }
  }

  /**
   * Xero emails the invoice to the contact's own address with its own template
   * and online invoice link. It has no recipient override, so `sendTo` is refused
   * rather than silently ignored.
   */
  async emailInvoice(connectionId: string, invoiceExternalId: string, opts: { sendTo?: string; idempotencyKey: string }): Promise<WriteBackResult> {
    if (opts.sendTo) return { ok: false, reason: 'rejected', detail: 'Xero emails the contact\'s own address; a different recipient cannot be chosen' };
    const conn = await this.active(connectionId);
    const api = this.client(conn);
    try {
      let invoice: XeroInvoice;
      try {
        const rows = pageOf((await api.invoice(invoiceExternalId)).data, 'Invoices');
        if (rows.length === 0) return { ok: false, reason: 'not_found' };
        invoice = XeroInvoice.parse(rows[0]);
      } catch (err) {
        if (err instanceof XeroApiError && (err.status === 404 || err.status === 400)) return { ok: false, reason: 'not_found' };
        throw err;
      }
      if (invoice.Type !== 'ACCREC' || invoice.Status !== 'AUTHORISED' || (mapInvoice(invoice, await this.mapContext(conn)).balanceMinor <= 0)) return { ok: false, reason: 'not_open' };
      try {
        await api.emailInvoice(invoice.InvoiceID, XeroConnector.idempotencyKey(opts.idempotencyKey));
      } catch (err) {
        if (err instanceof XeroApiError && err.status === 400) {
          return /email/i.test(JSON.stringify(err.body ?? '')) ? { ok: false, reason: 'no_recipient', detail: err.message } : { ok: false, reason: 'rejected', detail: err.message };
        }
        throw err;
      }
      return { ok: true, attempts: api.calls };
    } finally {
      this.apiCalls += api.calls;
    }
  }
}

/** The fields saveDocs reads on a synced record. */
interface SyncedRow { _id: string; provider: string; companyId: string; externalId: string; payUrl?: string }

class DeferSync extends Error {}

const Pagination = z.object({ pagination: z.object({ page: z.number().int(), pageCount: z.number().int() }) });

/** `DateTimeUTC` of an answer: Xero's clock when it answered. */
function serverTime(data: unknown): Date | null {
  const p = z.object({ DateTimeUTC: z.string() }).safeParse(data);
  return p.success ? parseXeroInstant(p.data.DateTimeUTC) : null;
}

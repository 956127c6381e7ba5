// The Xero Accounting API client: xero-node's accountingApi (basePath set to the
// configured base), with the rules every call follows: a fresh access token
// from the shared TokenManager; per tenant at most 5 in flight and under 60 a
// minute (the limiter, with a margin on the window); the limit headers read on
// every answer (X-MinLimit-Remaining, X-DayLimit-Remaining,
// X-AppMinLimit-Remaining) to pace before the wall; on 401 refresh once and
// retry; on 429 honour Retry-After and X-Rate-Limit-Problem (a spent daily
// budget is not waited out: it fails with problem 'day'); on 5xx/network back
// off with full jitter. Answers are the raw JSON (response.data), so zod sees
// Xero's own dates and decimals. Errors leave as XeroApiError.
import type { AccountingApi } from 'xero-node';
import { z } from 'zod';
import { nextRetryDelay, type RetryPolicy } from '../../src/domain/retry.js';
import type { Limiters } from '../limiter.js';
import type { TokenManager } from '../token-refresh.js';
import { xeroClient, type XeroSettings } from './oauth.js';
import { xero } from './provider.js';

export type { RetryPolicy };

/** 6 tries in all, full jitter under a ceiling of 250 ms doubling up to 8 s. */
export const defaultRetry: RetryPolicy = { attempts: 6, baseMs: 250, maxMs: 8_000 };

export type RateProblem = 'minute' | 'day' | 'appminute' | 'concurrent' | 'unknown';

export class XeroApiError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly retryable: boolean,
    /** X-Rate-Limit-Problem of a 429. */
    readonly problem?: RateProblem,
    readonly retryAfterS?: number,
    /** The token manager's reason when no token could be had ('needs_reconnect'…). */
    readonly tokenReason?: string,
    readonly body?: unknown,
  ) {
    super(message);
    this.name = 'XeroApiError';
  }
}

/** What the limit headers said last, per tenant. */
export interface RateState {
  minuteRemaining?: number;
  dayRemaining?: number;
  appMinuteRemaining?: number;
  /** When the headers were read. */
  at?: Date;
  /** 429s received, by problem. */
  rateLimited: Partial<Record<RateProblem, number>>;
}

/** Rate state per tenant, shared by every client of a process. */
export class RateBook {
  private readonly byTenant = new Map<string, RateState>();
  for(tenantId: string): RateState {
    let s = this.byTenant.get(tenantId);
    if (!s) {
      s = { rateLimited: {} };
      this.byTenant.set(tenantId, s);
    }
    return s;
  }
  total429(): number {
    let n = 0;
    for (const s of this.byTenant.values()) for (const v of Object.values(s.rateLimited)) n += v ?? 0;
    return n;
  }
}

const HeaderBag = z.record(z.string(), z.unknown());
const XeroFailure = z.object({
  response: z.object({ statusCode: z.number(), body: z.unknown().optional(), headers: HeaderBag.optional() }),
});

function header(headers: Record<string, unknown> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const v = headers[name] ?? headers[name.toLowerCase()];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

function intHeader(headers: Record<string, unknown> | undefined, name: string): number | undefined {
  const v = header(headers, name);
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

function plainHeaders(h: unknown): Record<string, unknown> {
  // axios headers are an AxiosHeaders instance; toJSON gives a plain object.
  if (h && typeof h === 'object' && 'toJSON' in h && typeof h.toJSON === 'function') return HeaderBag.parse(h.toJSON());
  const p = HeaderBag.safeParse(h);
  return p.success ? p.data : {};
}

/** A xero-node rejection (a JSON string of { response: { statusCode, body, headers } }, or an Error) as a XeroApiError. */
export function classify(err: unknown): { error: XeroApiError; headers: Record<string, unknown> } {
  let value: unknown = err;
  if (typeof err === 'string') {
    try {
      value = JSON.parse(err);
    } catch {
      value = err;
    }
  }
  const f = XeroFailure.safeParse(value);
  if (!f.success) return { error: new XeroApiError(`request failed: ${err instanceof Error ? err.message : String(err)}`, undefined, true), headers: {} };
  const status = f.data.response.statusCode;
  const headers = f.data.response.headers ?? {};
  if (status === 0) return { error: new XeroApiError(`network: ${String(f.data.response.body ?? 'no answer')}`, undefined, true), headers };
  if (status === 429) {
    const raw = (header(headers, xero.headers.problem) ?? 'unknown').toLowerCase();
    const problem: RateProblem = (['minute', 'day', 'appminute', 'concurrent'] as const).find((p) => p === raw) ?? 'unknown';
    const retryAfterS = intHeader(headers, xero.headers.retryAfter);
    return { error: new XeroApiError(`rate limited (${problem})`, 429, problem !== 'day', problem, retryAfterS, undefined, f.data.response.body), headers };
  }
  const detail = z.object({ Detail: z.string().optional(), Title: z.string().optional() }).safeParse(f.data.response.body);
  const message = detail.success ? (detail.data.Detail ?? detail.data.Title ?? `HTTP ${status}`) : `HTTP ${status}`;
  return { error: new XeroApiError(message, status, status >= 500, undefined, undefined, undefined, f.data.response.body), headers };
}

export interface XeroCallResult {
  status: number;
  /** The raw JSON answer (undefined for 204). */
  data: unknown;
}

export class XeroApi {
  /** Requests sent (retries included). */
  calls = 0;
  /** 429s received by this client. */
  rateLimited = 0;
  constructor(
    private readonly settings: XeroSettings,
    private readonly tokens: TokenManager,
    private readonly limiters: Limiters,
    private readonly rates: RateBook,
    readonly connectionId: string,
    readonly tenantId: string,
    private readonly retry: RetryPolicy = defaultRetry,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  get rate(): RateState {
    return this.rates.for(this.tenantId);
  }

  private observe(headers: Record<string, unknown>): void {
    const s = this.rate;
    const min = intHeader(headers, xero.headers.minuteRemaining);
    const day = intHeader(headers, xero.headers.dayRemaining);
    const app = intHeader(headers, xero.headers.appMinuteRemaining);
    if (min !== undefined) s.minuteRemaining = min;
    if (day !== undefined) s.dayRemaining = day;
    if (app !== undefined) s.appMinuteRemaining = app;
    if (min !== undefined || day !== undefined) s.at = new Date();
    // Pace before the wall: when Xero says the minute (or the app's minute) is
    // spent, other processes share this tenant's budget; wait a slot's length.
    if (min === 0 || app === 0) this.limiters.for(this.tenantId).pauseUntil(Date.now() + Math.ceil(60_000 / xero.limits.requestsPerMinute));
  }

  /** Run one accounting call with the token, limiter, refresh-once, 429 and retry rules. */
  async call(op: string, invoke: (api: AccountingApi) => Promise<{ response: { status?: number; data?: unknown; headers?: unknown } }>): Promise<XeroCallResult> {
    let rejected: string | undefined;
    let refreshedOnce = false;
    for (let attempt = 1; ; attempt++) {
      const t = await this.tokens.getAccessToken(this.connectionId, rejected ? { rejected } : {});
      if (!t.ok) throw new XeroApiError(`${op}: no access token (${t.reason}: ${t.detail})`, 401, false, undefined, undefined, t.reason);
      // Build the client before taking a slot, so the slot's start is as close as possible to the request's.
      const client = xeroClient(this.settings);
      client.setTokenSet({ access_token: t.accessToken, token_type: 'Bearer' });
      const limiter = this.limiters.for(this.tenantId);
      await limiter.acquire();
      this.calls += 1;
      let failure: XeroApiError;
      try {
        const r = await invoke(client.accountingApi);
        this.observe(plainHeaders(r.response.headers));
        return { status: r.response.status ?? 200, data: r.response.data };
      } catch (err) {
        const c = classify(err);
        this.observe(c.headers);
        failure = c.error;
      } finally {
        limiter.release();
      }
      if (failure.status === 401 && !refreshedOnce) {
        refreshedOnce = true;
        rejected = t.accessToken;
        continue;
      }
      if (failure.status === 429) {
        this.rateLimited += 1;
        const s = this.rate;
        const problem = failure.problem ?? 'unknown';
        s.rateLimited[problem] = (s.rateLimited[problem] ?? 0) + 1;
        if (problem === 'day') throw failure; // not worth waiting hours in a call; the sync defers instead
        const waitMs = (failure.retryAfterS ?? 1) * 1000;
        limiter.pauseUntil(Date.now() + waitMs); // every caller for this tenant waits, not just this one
        if (attempt >= this.retry.attempts + 4) throw failure;
        continue;
      }
      const delay = failure.retryable ? nextRetryDelay(attempt, this.retry) : null;
      if (delay === null) throw failure;
      await this.sleep(delay);
    }
  }

  // ---------------------------------------------------------------- operations

  invoices(q: { modifiedSince?: Date; where?: string; statuses?: string[]; ids?: string[]; page?: number }): Promise<XeroCallResult> {
    return this.call('GET Invoices', (api) =>
      api.getInvoices(this.tenantId, q.modifiedSince, q.where, 'UpdatedDateUTC ASC', q.ids, undefined, undefined, q.statuses, q.page, undefined, undefined, undefined, undefined, q.page ? xero.api.pageSize : undefined));
  }

  contacts(q: { modifiedSince?: Date; where?: string; ids?: string[]; page?: number; includeArchived?: boolean }): Promise<XeroCallResult> {
    return this.call('GET Contacts', (api) =>
      api.getContacts(this.tenantId, q.modifiedSince, q.where, 'UpdatedDateUTC ASC', q.ids, q.page, q.includeArchived, undefined, undefined, q.page ? xero.api.pageSize : undefined));
  }

  payments(q: { modifiedSince?: Date; where?: string; page?: number }): Promise<XeroCallResult> {
    return this.call('GET Payments', (api) => api.getPayments(this.tenantId, q.modifiedSince, q.where, 'UpdatedDateUTC ASC', q.page, q.page ? xero.api.pageSize : undefined));
  }

  creditNotes(q: { modifiedSince?: Date; where?: string; page?: number }): Promise<XeroCallResult> {
    return this.call('GET CreditNotes', (api) => api.getCreditNotes(this.tenantId, q.modifiedSince, q.where, 'UpdatedDateUTC ASC', q.page, undefined, q.page ? xero.api.pageSize : undefined));
  }

  /** The organisation (its default payment terms). */
  organisation(): Promise<XeroCallResult> {
    return this.call('GET Organisation', (api) => api.getOrganisations(this.tenantId));
  }

  invoice(id: string): Promise<XeroCallResult> {
    return this.call('GET Invoice', (api) => api.getInvoice(this.tenantId, id));
  }

  contact(id: string): Promise<XeroCallResult> {
    return this.call('GET Contact', (api) => api.getContact(this.tenantId, id));
  }

  payment(id: string): Promise<XeroCallResult> {
    return this.call('GET Payment', (api) => api.getPayment(this.tenantId, id));
  }

  creditNote(id: string): Promise<XeroCallResult> {
    return this.call('GET CreditNote', (api) => api.getCreditNote(this.tenantId, id));
  }

  /** Reports/AgedReceivablesByContact: one contact's open invoices on `date`, with their due dates and amounts due. */
  agedReceivablesByContact(contactId: string, date: string): Promise<XeroCallResult> {
    return this.call('GET Reports/AgedReceivablesByContact', (api) => api.getReportAgedReceivablesByContact(this.tenantId, contactId, date));
  }

  onlineInvoice(id: string): Promise<XeroCallResult> {
    return this.call('GET OnlineInvoice', (api) => api.getOnlineInvoice(this.tenantId, id));
  }

  emailInvoice(id: string, idempotencyKey: string): Promise<XeroCallResult> {
    return this.call('POST Invoice Email', (api) => api.emailInvoice(this.tenantId, id, {}, idempotencyKey));
  }

  addContactHistory(contactId: string, details: string, idempotencyKey: string): Promise<XeroCallResult> {
    return this.call('PUT Contact History', (api) => api.createContactHistory(this.tenantId, contactId, { historyRecords: [{ details }] }, idempotencyKey));
  }
}

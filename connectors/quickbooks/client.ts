// The QuickBooks API client: node-quickbooks, promisified, pointed at the
// configured base URL, with the rules every call follows: a fresh access token
// from the TokenManager; at most 10 requests in flight and under 500 a minute
// per company; on 401 refresh once and retry; on 429/5xx/network errors back
// off exponentially with full jitter and retry; a requestid on every write so a
// retried write is applied once. Errors leave as QboApiError.
import QuickBooks from 'node-quickbooks';
import { randomUUID } from 'node:crypto';
import './qbo-typings.js';
import { Limiters } from '../limiter.js';
import type { TokenManager } from '../token-refresh.js';
import { quickbooks, type QboEntityName } from './provider.js';
import { QboFault } from './records.js';
import { z } from 'zod';
import { nextRetryDelay, type RetryPolicy } from '../../src/domain/retry.js';

export interface QboClientSettings {
  clientId: string;
  clientSecret: string;
  /** e.g. https://quickbooks.api.intuit.com (no /v3). */
  apiBaseUrl: string;
}

export type { RetryPolicy };

/** 6 tries in all, full jitter under a ceiling of 250 ms doubling up to 8 s. */
export const defaultRetry: RetryPolicy = { attempts: 6, baseMs: 250, maxMs: 8_000 };

export class QboApiError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    /** Intuit's fault code ('5010', '610', '003001'…) when there is one. */
    readonly code: string | undefined,
    readonly retryable: boolean,
    /** The token manager's reason when no token could be had ('needs_reconnect'…). */
    readonly tokenReason?: string,
  ) {
    super(message);
    this.name = 'QboApiError';
  }
}

const axiosLikeError = z.object({
  response: z.object({ status: z.number(), data: z.unknown() }).optional(),
  code: z.string().optional(),
  message: z.string().optional(),
});

/** What went wrong in a node-quickbooks callback error, as a QboApiError. */
export function classify(err: unknown): QboApiError {
  const fault = QboFault.safeParse(err);
  if (fault.success) {
    // A Fault in a 200 body (node-quickbooks hands the body over as the error).
    const e = fault.data.Fault.Error[0];
    return new QboApiError(`${e?.Message ?? 'fault'}: ${e?.Detail ?? ''}`, 200, e?.code, false);
  }
  const ax = axiosLikeError.safeParse(err);
  if (!ax.success) return new QboApiError(String(err), undefined, undefined, true);
  const status = ax.data.response?.status;
  const body = QboFault.safeParse(ax.data.response?.data);
  const first = body.success ? body.data.Fault.Error[0] : undefined;
  const message = first ? `${first.Message ?? ''} ${first.Detail ?? ''}`.trim() : (ax.data.message ?? 'request failed');
  if (status === undefined) return new QboApiError(`network: ${ax.data.code ?? message}`, undefined, ax.data.code, true);
  return new QboApiError(message, status, first?.code, status === 429 || status >= 500);
}

/**
 * A GET under the company (`<endpoint><realmId><path>`) with query parameters, as node-quickbooks sends its
 * requests (bearer token, minorversion, format=json, JSON body; a Fault in a 200 body is an error; an HTTP
 * error arrives shaped like axios's, which `classify` reads).
 */
function getJson(qbo: QuickBooks, realmId: string, path: string, params: Record<string, string>, done: (err: unknown, body: unknown) => void): void {
  const url = new URL(`${qbo.endpoint}${realmId}${path}`);
  for (const [k, v] of Object.entries({ ...params, minorversion: quickbooks.api.minorVersion, format: 'json' })) url.searchParams.set(k, v);
  const token = (qbo as unknown as { token?: string }).token ?? '';
  fetch(url, { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json', 'Request-Id': randomUUID() } }).then(
    async (res) => {
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: kept as text for the error message
      }
      if (!res.ok) return done({ response: { status: res.status, data: body }, message: `HTTP ${res.status}` }, body);
      if (QboFault.safeParse(body).success) return done(body, body);
      done(null, body);
    },
    (err: unknown) => {
      const cause = (err as { cause?: { code?: unknown } }).cause;
      done({ code: typeof cause?.code === 'string' ? cause.code : 'ENETWORK', message: String(err) }, null);
    },
  );
}

export class QboClient {
  /** Requests sent (retries included). */
  calls = 0;
  constructor(
    private readonly settings: QboClientSettings,
    private readonly tokens: TokenManager,
    private readonly limiters: Limiters,
    readonly connectionId: string,
    readonly realmId: string,
    private readonly retry: RetryPolicy = defaultRetry,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  /** A node-quickbooks client for one call (concurrent calls never share a token field). */
  private client(accessToken: string): QuickBooks {
    const qbo = new QuickBooks(this.settings.clientId, this.settings.clientSecret, accessToken, false, this.realmId, false, false, quickbooks.api.minorVersion, '2.0', null);
    qbo.endpoint = `${this.settings.apiBaseUrl.replace(/\/$/, '')}/v3/company/`;
    return qbo;
  }

  /** Run one API operation with the token, limiter, refresh-once and retry rules. */
  private async call(op: string, invoke: (qbo: QuickBooks, done: (err: unknown, body: unknown) => void) => void): Promise<unknown> {
    let rejected: string | undefined;
    let refreshedOnce = false;
    for (let attempt = 1; ; attempt++) {
      const t = await this.tokens.getAccessToken(this.connectionId, rejected ? { rejected } : {});
      if (!t.ok) throw new QboApiError(`${op}: no access token (${t.reason}: ${t.detail})`, 401, undefined, false, t.reason);
      const limiter = this.limiters.for(this.realmId);
      await limiter.acquire();
      this.calls += 1;
      let failure: QboApiError;
      try {
        return await new Promise<unknown>((resolve, reject) => {
          invoke(this.client(t.accessToken), (err, body) => (err ? reject(err) : resolve(body)));
        });
      } catch (err) {
        failure = classify(err);
      } finally {
        limiter.release();
      }
      if (failure.status === 401 && !refreshedOnce) {
        refreshedOnce = true;
        rejected = t.accessToken;
        continue;
      }
      const delay = failure.retryable ? nextRetryDelay(attempt, this.retry) : null;
      if (delay === null) throw failure;
      await this.sleep(delay);
    }
  }

  /**
   * One page of `select * from <entity> <where> startposition n maxresults m`. Invoices are asked for with
   * `include=invoiceLink` (their pay link, present when the company takes online payments), which
   * node-quickbooks' query helper cannot add: that one request is made here, the same way it makes it.
   */
  async query(entity: QboEntityName | 'Term', where: string, startPosition: number, maxResults: number = quickbooks.api.pageSize): Promise<unknown> {
    const criteria = `${where ? ` where ${where}` : ''} startposition ${startPosition} maxresults ${maxResults}`;
    return this.call(`query ${entity}`, (qbo, done) => {
      const cb = (err: unknown, data: unknown) => done(err, data);
      if (entity === 'Invoice') getJson(qbo, this.realmId, '/query', { query: `select * from Invoice${criteria}`, include: 'invoiceLink' }, cb);
      else if (entity === 'Customer') qbo.findCustomers(criteria, cb);
      else if (entity === 'Payment') qbo.findPayments(criteria, cb);
      else if (entity === 'Term') qbo.findTerms(criteria, cb);
      else qbo.findCreditMemos(criteria, cb);
    });
  }

  /**
   * `select count(*) from Invoice where Balance > '0'`: how many open invoices a full sync will read (its
   * progress total). node-quickbooks writes count(*) for a `{ count: true }` criterion.
   */
  async countOpenInvoices(): Promise<number | null> {
    const body = await this.call('count Invoice', (qbo, done) => qbo.findInvoices([{ count: true }, { field: 'Balance', value: '0', operator: '>' }] as never, (err: unknown, data: unknown) => done(err, data)));
    const n = (body as { QueryResponse?: { totalCount?: unknown } } | null)?.QueryResponse?.totalCount;
    return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : null;
  }

  /** Change data capture since an instant. */
  cdc(entities: QboEntityName[], since: Date): Promise<unknown> {
    return this.call('cdc', (qbo, done) => qbo.changeDataCapture(entities, since.toISOString(), (err, data) => done(err, data)));
  }

  /** Read one record by id (the unwrapped entity). Invoices come with their InvoiceLink. */
  read(entity: QboEntityName, id: string): Promise<unknown> {
    if (!/^\d+$/.test(id)) throw new QboApiError(`bad ${entity} id ${id}`, 400, quickbooks.faults.notFound, false);
    return this.call(`read ${entity}`, (qbo, done) => {
      const cb = (err: unknown, data: unknown) => done(err, data);
      if (entity === 'Invoice') qbo.getInvoice(`${id}?include=invoiceLink`, cb);
      else if (entity === 'Customer') qbo.getCustomer(id, cb);
      else if (entity === 'Payment') qbo.getPayment(id, cb);
      else qbo.getCreditMemo(id, cb);
    });
  }

  /**
   * The A/R aging detail report on `reportDate` (reports/AgedReceivableDetail): one row per open transaction with
   * its type, number, customer, due date and open balance, the columns asked for by ColType.
   */
  agedReceivableDetail(reportDate: string): Promise<unknown> {
    const criteria = { report_date: reportDate, columns: 'txn_type,doc_num,cust_name,due_date,subt_open_bal' };
    return this.call('report AgedReceivableDetail', (qbo, done) => qbo.reportAgedReceivableDetail(criteria, (err, data) => done(err, data)));
  }

  companyInfo(): Promise<unknown> {
    return this.call('companyinfo', (qbo, done) => qbo.getCompanyInfo(this.realmId, (err, data) => done(err, { CompanyInfo: data })));
  }

  /** Sparse update of a customer; `requestId` makes a retried write idempotent. */
  updateCustomer(fields: { Id: string; SyncToken: string } & Record<string, unknown>, requestId: string = randomUUID()): Promise<unknown> {
    return this.call('update Customer', (qbo, done) => qbo.updateCustomer({ ...fields, sparse: true, requestId }, (err, data) => done(err, data)));
  }

  /** invoice/{id}/send to `sendTo`, with a requestid. */
  sendInvoice(id: string, sendTo: string, requestId: string = randomUUID()): Promise<unknown> {
    const to = `${encodeURIComponent(sendTo)}&requestid=${encodeURIComponent(requestId)}`;
    return this.call('send Invoice', (qbo, done) => qbo.sendInvoicePdf(id, to, (err, data) => done(err, data)));
  }
}

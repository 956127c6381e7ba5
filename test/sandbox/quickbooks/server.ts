// A local QuickBooks Online sandbox: an Express server on 127.0.0.1 that speaks
// the parts of the documented API Overdue uses, so node-quickbooks and
// intuit-oauth are exercised over real HTTP. It keeps companies in memory and
// implements: OAuth authorize (auto-approve), the token endpoint (Basic auth,
// authorization_code and refresh_token grants, rotating refresh tokens,
// invalid_grant), revoke; /v3/company/{realmId}/query (a small SQL subset with
// WHERE, ORDERBY Id, active-only name lists unless the query names Active, STARTPOSITION, MAXRESULTS ≤ 1000), /cdc (30-day limit,
// deleted tombstones, 1,000 objects per entity), reads by id, companyinfo,
// customer sparse update with SyncToken (5010 when stale), invoice send (refusing any address in refusedEmails),
// requestid idempotency for writes; faults (429 code 003001 and 500 at a rate,
// latency, expired tokens, a 10-in-flight cap per realm), request counting; and
// a webhook sender that signs its payloads like Intuit (intuit-signature).
import express, { type NextFunction, type Request, type Response } from 'express';
import { randomBytes } from 'node:crypto';
import { amount, drawFault, hmacBase64, LoopbackSandbox, rng, sleep, TokenGrants } from '../common.js';
import { qboDueDate, type QboTermRule } from '../../../connectors/terms.js';
import { toDayNumber } from '../../../src/domain/calendar.js';

export { amount, rng };

export type Entity = 'Customer' | 'Invoice' | 'Payment' | 'CreditMemo' | 'Term';
export const ENTITIES: Entity[] = ['Customer', 'Invoice', 'Payment', 'CreditMemo', 'Term'];

/** A record as the API returns it (QuickBooks field names). */
export type QboRecord = Record<string, unknown> & { Id: string; SyncToken: string; MetaData: { CreateTime: string; LastUpdatedTime: string } };

interface Company {
  realmId: string;
  name: string;
  homeCurrency: string;
  records: Record<Entity, Map<string, QboRecord>>;
  tombstones: { entity: Entity; id: string; at: Date }[];
  nextId: number;
  /** requestid → the response a write gave (idempotent retries). */
  writes: Map<string, unknown>;
  sent: { invoiceId: string; to: string }[];
}

interface AccessGrant { realmId: string; expiresAt: number; revoked: boolean }
interface RefreshGrant { realmId: string; revoked: boolean; supersededAt?: number; family: string }

export interface SandboxOptions {
  clientId: string;
  clientSecret: string;
  verifierToken: string;
  /** The sandbox's clock (default: the real one). */
  now?: () => Date;
  /** Seed of the fault and data generator (default 1). */
  seed?: number;
}

export interface Faults {
  /** Share of API requests (0–1) that fail with 429 or 500. */
  rate: number;
  /** Which failures to draw from. */
  statuses: (429 | 500)[];
  /** Added to every API and token request. */
  latencyMs: number;
  /** Also fail token requests at `rate`. */
  tokenEndpoint: boolean;
}

export interface Counts {
  total: number;
  query: number;
  cdc: number;
  read: number;
  write: number;
  send: number;
  /** reports/AgedReceivableDetail and reports/AgedReceivables. */
  report: number;
  token: number;
  revoke: number;
  faults: number;
  unauthorized: number;
  /** Time the API requests spent in the sandbox, summed (ms). */
  busyMs: number;
}

/** Intuit writes instants with a Pacific offset; so do we (no milliseconds). */
export function qboTime(d: Date): string {
  return new Date(d.getTime() - 8 * 3_600_000).toISOString().replace(/\.\d{3}Z$/, '-08:00');
}

function fault(code: string, message: string, detail = message, type = 'ValidationFault') {
  return { Fault: { Error: [{ Message: message, Detail: detail, code, element: '' }], type }, time: new Date().toISOString() };
}

export class QuickBooksSandbox extends LoopbackSandbox {
  readonly companies = new Map<string, Company>();
  readonly faults: Faults = { rate: 0, statuses: [429, 500], latencyMs: 0, tokenEndpoint: false };
  counts: Counts = QuickBooksSandbox.zeroCounts();
  /** Every token request in order (grant type, and the refresh token presented). */
  readonly tokenLog: { grant: string; refreshToken?: string; status: number }[] = [];
  /** The realm the authorize endpoint approves. */
  authorizeRealm = '';
  accessTokenTtlS = 3600;
  /** Addresses (lowercased) the invoice send refuses with a validation fault naming them. */
  readonly refusedEmails = new Set<string>();
  private readonly grants = new TokenGrants<AccessGrant, RefreshGrant>();
  private readonly codes = new Map<string, { realmId: string; redirectUri: string; used: boolean }>();
  private readonly inFlight = new Map<string, number>();
  constructor(private readonly opts: SandboxOptions) {
    super(opts);
  }

  static zeroCounts(): Counts {
    return { total: 0, query: 0, cdc: 0, read: 0, write: 0, send: 0, report: 0, token: 0, revoke: 0, faults: 0, unauthorized: 0, busyMs: 0 };
  }

  resetCounts(): void {
    this.counts = QuickBooksSandbox.zeroCounts();
  }

  /** The URLs to configure Overdue with. */
  get endpoints() {
    return {
      apiBaseUrl: this.url,
      tokenUrl: `${this.url}/oauth2/v1/tokens/bearer`,
      authorizeUrl: `${this.url}/connect/oauth2`,
      revokeUrl: `${this.url}/v2/oauth2/tokens/revoke`,
    };
  }

  // ---------------------------------------------------------------- data

  addCompany(realmId: string, name: string, homeCurrency = 'USD'): Company {
    const c: Company = {
      realmId, name, homeCurrency, tombstones: [], nextId: 1, writes: new Map(), sent: [],
      records: { Customer: new Map(), Invoice: new Map(), Payment: new Map(), CreditMemo: new Map(), Term: new Map() },
    };
    this.companies.set(realmId, c);
    if (!this.authorizeRealm) this.authorizeRealm = realmId;
    return c;
  }

  company(realmId: string): Company {
    const c = this.companies.get(realmId);
    if (!c) throw new Error(`no sandbox company ${realmId}`);
    return c;
  }

  private meta(at = this.now()) {
    return { CreateTime: qboTime(at), LastUpdatedTime: qboTime(at) };
  }

  /** Insert a record; Id and MetaData are filled in. */
  put(realmId: string, entity: Entity, fields: Record<string, unknown>): QboRecord {
    const c = this.company(realmId);
    const id = String(fields.Id ?? c.nextId++);
    const rec: QboRecord = { ...fields, Id: id, SyncToken: '0', MetaData: this.meta() };
    c.records[entity].set(id, rec);
    return rec;
  }

  /** Change a record the way a person in QuickBooks would: new SyncToken and LastUpdatedTime. */
  change(realmId: string, entity: Entity, id: string, fields: Record<string, unknown>): QboRecord {
    const rec = this.company(realmId).records[entity].get(id);
    if (!rec) throw new Error(`no ${entity} ${id}`);
    Object.assign(rec, fields);
    rec.SyncToken = String(Number(rec.SyncToken) + 1);
    rec.MetaData = { ...rec.MetaData, LastUpdatedTime: qboTime(this.now()) };
    return rec;
  }

  remove(realmId: string, entity: Entity, id: string): void {
    const c = this.company(realmId);
    c.records[entity].delete(id);
    c.tombstones.push({ entity, id, at: this.now() });
  }

  /** Make a customer inactive, as "Make inactive" in QuickBooks does (its open invoices stay open). */
  deactivateCustomer(realmId: string, id: string): QboRecord {
    return this.change(realmId, 'Customer', id, { Active: false });
  }

  /** Void an invoice as QuickBooks does: amounts zeroed, a "Voided" private note. */
  voidInvoice(realmId: string, id: string): QboRecord {
    return this.change(realmId, 'Invoice', id, { TotalAmt: 0, Balance: 0, PrivateNote: 'Voided' });
  }

  /** Record a payment against an invoice (partial or full). */
  pay(realmId: string, invoiceId: string, minor: number): QboRecord {
    const inv = this.company(realmId).records.Invoice.get(invoiceId);
    if (!inv) throw new Error(`no invoice ${invoiceId}`);
    const currency = (inv.CurrencyRef as { value: string }).value;
    const exp = currency === 'JPY' ? 0 : 2;
    const balanceMinor = Math.round(Number(inv.Balance) * 10 ** exp) - minor;
    const payment = this.put(realmId, 'Payment', {
      TxnDate: this.now().toISOString().slice(0, 10), TotalAmt: amount(minor, exp), UnappliedAmt: 0,
      CustomerRef: inv.CustomerRef, CurrencyRef: inv.CurrencyRef,
      Line: [{ Amount: amount(minor, exp), LinkedTxn: [{ TxnId: invoiceId, TxnType: 'Invoice' }] }],
    });
    this.change(realmId, 'Invoice', invoiceId, {
      Balance: amount(balanceMinor, exp),
      LinkedTxn: [...((inv.LinkedTxn as unknown[]) ?? []), { TxnId: payment.Id, TxnType: 'Payment' }],
    });
    return payment;
  }

  /**
   * A realistic company: customers (every tenth a sub-customer job of the one
   * before), open invoices in several currencies with some partial payments,
   * plus paid and voided invoices and credit memos when asked.
   */
  seed(realmId: string, spec: { customers: number; openInvoices: number; paidInvoices?: number; voidedInvoices?: number; creditMemos?: number; partialShare?: number; currencies?: string[] }): void {
    const r = rng(this.opts.seed ?? 1);
    const currencies = spec.currencies ?? ['USD', 'USD', 'USD', 'EUR', 'GBP', 'JPY'];
    const customers: QboRecord[] = [];
    for (let i = 0; i < spec.customers; i++) {
      const isJob = i % 10 === 9 && customers.length > 0;
      const parent = isJob ? customers[customers.length - 1] : undefined;
      const currency = parent ? (parent.CurrencyRef as { value: string }).value : currencies[Math.floor(r() * currencies.length)] ?? 'USD';
      customers.push(this.put(realmId, 'Customer', {
        DisplayName: parent ? `${String(parent.DisplayName)}:Job ${i}` : `Customer ${i} Ltd`,
        CompanyName: parent ? parent.CompanyName : `Customer ${i} Ltd`,
        PrimaryEmailAddr: { Address: `ap${i}@customer${i}.example` },
        PrimaryPhone: { FreeFormNumber: `(555) 01${String(i).padStart(2, '0').slice(-2)}` },
        Active: true, Job: isJob, ...(parent ? { ParentRef: { value: parent.Id }, BillWithParent: true } : {}),
        CurrencyRef: { value: currency, name: currency }, Balance: 0, Notes: '',
      }));
    }
    const invoice = (n: number, kind: 'open' | 'paid' | 'voided') => {
      const cust = customers[Math.floor(r() * customers.length)];
      if (!cust) throw new Error('seed customers first');
      const currency = (cust.CurrencyRef as { value: string }).value;
      const exp = currency === 'JPY' ? 0 : 2;
      const totalMinor = (10 + Math.floor(r() * 5000)) * (exp === 0 ? 100 : 100) + Math.floor(r() * 100);
      const day = 1 + Math.floor(r() * 150);
      const issued = new Date(this.now().getTime() - day * 86_400_000);
      const due = new Date(issued.getTime() + 30 * 86_400_000);
      const inv = this.put(realmId, 'Invoice', {
        DocNumber: `INV-${String(n).padStart(6, '0')}`, TxnDate: issued.toISOString().slice(0, 10), DueDate: due.toISOString().slice(0, 10),
        TotalAmt: amount(totalMinor, exp), Balance: amount(totalMinor, exp),
        CustomerRef: { value: cust.Id, name: cust.DisplayName }, CurrencyRef: { value: currency, name: currency },
        BillEmail: cust.PrimaryEmailAddr, EmailStatus: 'EmailSent', LinkedTxn: [],
        Line: [{ Amount: amount(totalMinor, exp), DetailType: 'SalesItemLineDetail' }],
        InvoiceLink: `https://sandbox.example/pay/${realmId}/${n}`,
      });
      if (kind === 'voided') this.voidInvoice(realmId, inv.Id);
      else if (kind === 'paid') this.pay(realmId, inv.Id, totalMinor);
      else if (r() < (spec.partialShare ?? 0.1)) this.pay(realmId, inv.Id, Math.floor(totalMinor / 3));
    };
    let n = 1;
    for (let i = 0; i < spec.openInvoices; i++) invoice(n++, 'open');
    for (let i = 0; i < (spec.paidInvoices ?? 0); i++) invoice(n++, 'paid');
    for (let i = 0; i < (spec.voidedInvoices ?? 0); i++) invoice(n++, 'voided');
    for (let i = 0; i < (spec.creditMemos ?? 0); i++) {
      const cust = customers[Math.floor(r() * customers.length)];
      if (!cust) break;
      const currency = (cust.CurrencyRef as { value: string }).value;
      const exp = currency === 'JPY' ? 0 : 2;
      const m = 500 + Math.floor(r() * 20000);
      this.put(realmId, 'CreditMemo', { TxnDate: this.now().toISOString().slice(0, 10), TotalAmt: amount(m, exp), Balance: amount(m, exp), CustomerRef: { value: cust.Id }, CurrencyRef: cust.CurrencyRef });
    }
  }

  /** Make every issued access token expired (the next API call gets 401). */
  expireAccessTokens(): void {
    this.grants.expireAll();
  }

  /** The refresh token the sandbox issued last for a realm. */
  latestRefreshToken(realmId: string): string | undefined {
    return this.grants.latest(realmId);
  }

  // ---------------------------------------------------------------- webhooks

  signature(body: string | Buffer, token = this.opts.verifierToken): string {
    return hmacBase64(token, body);
  }

  /** A legacy `eventNotifications` payload. */
  legacyPayload(realmId: string, entities: { name: Entity; id: string; operation: string }[]): string {
    return JSON.stringify({
      eventNotifications: [{ realmId, dataChangeEvent: { entities: entities.map((e) => ({ ...e, lastUpdated: qboTime(this.now()) })) } }],
    });
  }

  /** A CloudEvents array payload. */
  cloudEventsPayload(realmId: string, entities: { name: Entity; id: string; operation: string }[]): string {
    return JSON.stringify(entities.map((e) => ({
      specversion: '1.0', id: randomBytes(8).toString('hex'), source: 'intuit.qbo', type: `qbo.${e.name.toLowerCase()}.${e.operation.toLowerCase()}d.v1`,
      datacontenttype: 'application/json', time: this.now().toISOString(), intuitentityid: e.id, intuitaccountid: realmId, data: {},
    })));
  }

  /** POST a signed payload to a URL, as Intuit does. */
  async deliver(url: string, body: string, opts: { signature?: string; contentType?: string } = {}): Promise<{ status: number; text: string }> {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': opts.contentType ?? 'application/json', 'intuit-signature': opts.signature ?? this.signature(body) },
      body,
    });
    return { status: res.status, text: await res.text() };
  }

  // ---------------------------------------------------------------- HTTP

  protected app(): express.Express {
    const app = express();
    app.disable('x-powered-by');

    app.get('/connect/oauth2', (req, res) => {
      const q = req.query;
      if (q.client_id !== this.opts.clientId) return void res.status(400).send('unknown client');
      if (typeof q.redirect_uri !== 'string' || typeof q.state !== 'string') return void res.status(400).send('missing redirect_uri or state');
      const code = randomBytes(12).toString('hex');
      this.codes.set(code, { realmId: this.authorizeRealm, redirectUri: q.redirect_uri, used: false });
      const u = new URL(q.redirect_uri);
      u.searchParams.set('code', code);
      u.searchParams.set('state', q.state);
      u.searchParams.set('realmId', this.authorizeRealm);
      res.redirect(302, u.toString());
    });

    const form = [express.urlencoded({ extended: false }), express.json()];
    app.post('/oauth2/v1/tokens/bearer', ...form, async (req, res) => this.token(req, res));
    app.post('/v2/oauth2/tokens/revoke', ...form, async (req, res) => {
      this.counts.revoke++;
      if (!this.basicOk(req)) return void res.status(401).json({ error: 'invalid_client' });
      const token = typeof req.body?.token === 'string' ? req.body.token : '';
      const grant = this.grants.refresh.get(token);
      const realmId = grant?.realmId ?? this.grants.access.get(token)?.realmId;
      if (realmId) this.grants.revokeWhere((g) => g.realmId === realmId);
      res.status(200).json({});
    });

    const api = express.Router({ mergeParams: true });
    api.use(express.json());
    api.use((req, res, next) => void this.gate(req, res, next));
    api.get('/query', (req, res) => this.query(req, res));
    api.get('/cdc', (req, res) => this.cdc(req, res));
    api.get('/companyinfo/:id', (req, res) => {
      this.counts.read++;
      const c = this.companyOf(req);
      res.json({ CompanyInfo: { Id: '1', CompanyName: c.name, LegalName: `${c.name} LLC`, Country: 'US', SyncToken: '0', MetaData: this.meta() }, time: qboTime(this.now()) });
    });
    api.post('/customer', (req, res) => this.updateCustomer(req, res));
    api.post('/invoice/:id/send', (req, res) => this.send(req, res));
    api.get('/reports/:name', (req, res) => this.report(req, res));
    api.get('/:entity/:id', (req, res) => this.read(req, res));
    app.use('/v3/company/:realmId', api);
    return app;
  }

  private basicOk(req: Request): boolean {
    const expected = 'Basic ' + Buffer.from(`${this.opts.clientId}:${this.opts.clientSecret}`).toString('base64');
    return req.get('authorization') === expected;
  }

  private draw(): 429 | 500 | null {
    return drawFault(this.random, this.faults);
  }

  private async token(req: Request, res: Response): Promise<void> {
    this.counts.token++;
    if (this.faults.latencyMs) await sleep(this.faults.latencyMs);
    const body: Record<string, unknown> = req.body ?? {};
    const grant = String(body.grant_type ?? '');
    const log = (status: number) => this.tokenLog.push({ grant, ...(typeof body.refresh_token === 'string' ? { refreshToken: body.refresh_token } : {}), status });
    if (!this.basicOk(req)) {
      log(401);
      return void res.status(401).json({ error: 'invalid_client' });
    }
    if (this.faults.tokenEndpoint) {
      const f = this.draw();
      if (f) {
        log(f);
        return void res.status(f).json({ error: f === 429 ? 'rate_limited' : 'server_error' });
      }
    }
    let realmId: string;
    let family: string;
    if (grant === 'authorization_code') {
      const c = this.codes.get(String(body.code ?? ''));
      if (!c || c.used || c.redirectUri !== body.redirect_uri) {
        log(400);
        return void res.status(400).json({ error: 'invalid_grant' });
      }
      c.used = true;
      realmId = c.realmId;
      family = randomBytes(6).toString('hex');
    } else if (grant === 'refresh_token') {
      const old = this.grants.refresh.get(String(body.refresh_token ?? ''));
      const graceOver = old?.supersededAt !== undefined && this.now().getTime() - old.supersededAt > 24 * 3_600_000;
      if (!old || old.revoked || graceOver) {
        log(400);
        return void res.status(400).json({ error: 'invalid_grant', error_description: 'Incorrect or invalid refresh token' });
      }
      old.supersededAt ??= this.now().getTime();
      realmId = old.realmId;
      family = old.family;
    } else {
      log(400);
      return void res.status(400).json({ error: 'unsupported_grant_type' });
    }
    const { accessToken: at, refreshToken: rt } = this.grants.issue(
      realmId,
      { realmId, expiresAt: this.now().getTime() + this.accessTokenTtlS * 1000, revoked: false },
      { realmId, revoked: false, family },
    );
    log(200);
    res.json({ token_type: 'bearer', access_token: at, refresh_token: rt, expires_in: this.accessTokenTtlS, x_refresh_token_expires_in: 8_726_400 });
  }

  private companyOf(req: Request): Company {
    return this.company(String(req.params.realmId));
  }

  /** Auth, latency, concurrency cap, faults and counting for every /v3 request. */
  private async gate(req: Request, res: Response, next: NextFunction): Promise<void> {
    const started = Date.now();
    this.counts.total++;
    const realmId = String(req.params.realmId);
    const inflight = (this.inFlight.get(realmId) ?? 0) + 1;
    this.inFlight.set(realmId, inflight);
    res.on('finish', () => {
      this.inFlight.set(realmId, (this.inFlight.get(realmId) ?? 1) - 1);
      this.counts.busyMs += Date.now() - started;
    });
    if (this.faults.latencyMs) await sleep(this.faults.latencyMs);
    const grant = this.grants.live(req, this.now().getTime());
    if (!grant || grant.realmId !== realmId) {
      this.counts.unauthorized++;
      return void res.status(401).json(fault('3200', 'message=AuthenticationFailed; errorCode=003200; statusCode=401', 'Token expired or invalid', 'AUTHENTICATION'));
    }
    if (!this.companies.has(realmId)) return void res.status(403).json(fault('6190', 'Invalid Company Status'));
    if (inflight > 10) {
      this.counts.faults++;
      return void res.status(429).json(fault('003001', 'message=ThrottleExceeded; errorCode=003001; statusCode=429', 'Too many concurrent requests'));
    }
    const f = this.draw();
    if (f === 429) {
      this.counts.faults++;
      return void res.status(429).json(fault('003001', 'message=ThrottleExceeded; errorCode=003001; statusCode=429', 'The request limit was reached'));
    }
    if (f === 500) {
      this.counts.faults++;
      return void res.status(500).json(fault('10000', 'An application error has occurred while processing your request', 'System Failure Error', 'SystemFault'));
    }
    next();
  }

  private view(rec: QboRecord, entity: Entity, includeLink: boolean, feed = false): QboRecord {
    // The change feed names an inactive customer as QuickBooks lists it: "<name> (deleted)".
    if (entity === 'Customer' && feed && rec.Active === false) return { ...rec, DisplayName: `${String(rec.DisplayName)} (deleted)` };
    if (entity !== 'Invoice' || includeLink) return rec;
    const { InvoiceLink: _drop, ...rest } = rec;
    return rest as QboRecord; // same record without the link field
  }

  private query(req: Request, res: Response): void {
    this.counts.query++;
    const c = this.companyOf(req);
    const parsed = parseQuery(String(req.query.query ?? ''));
    if ('error' in parsed) return void res.status(400).json(fault('4000', 'Error parsing query', parsed.error, 'ValidationFault'));
    if (parsed.maxResults > 1000) return void res.status(400).json(fault('4001', 'Invalid query', 'QueryValidationError: value 1001 is too large. Max allowed value is 1000', 'ValidationFault'));
    const entity = ENTITIES.find((e) => e.toLowerCase() === parsed.entity.toLowerCase());
    if (!entity) return void res.status(400).json(fault('4000', 'Error parsing query', `unknown entity ${parsed.entity}`));
    // Name lists (Customer, Term) return active records only unless the query has a condition on Active.
    const activeOnly = (entity === 'Customer' || entity === 'Term') && !parsed.where.some((w) => w.field.toLowerCase() === 'active');
    const rows = [...c.records[entity].values()].filter((r) => (!activeOnly || r.Active !== false) && parsed.where.every((w) => matches(r, w))).sort((a, b) => Number(a.Id) - Number(b.Id));
    if (parsed.count) return void res.json({ QueryResponse: { totalCount: rows.length }, time: qboTime(this.now()) });
    const page = rows.slice(parsed.startPosition - 1, parsed.startPosition - 1 + parsed.maxResults);
    const includeLink = String(req.query.include ?? '').toLowerCase().includes('invoicelink');
    const qr: Record<string, unknown> = { startPosition: parsed.startPosition, maxResults: page.length };
    if (page.length > 0) qr[entity] = page.map((r) => this.view(r, entity, includeLink));
    res.json({ QueryResponse: qr, time: qboTime(this.now()) });
  }

  private cdc(req: Request, res: Response): void {
    this.counts.cdc++;
    const c = this.companyOf(req);
    const since = Date.parse(String(req.query.changedSince ?? ''));
    if (Number.isNaN(since)) return void res.status(400).json(fault('4000', 'Invalid changedSince'));
    if (this.now().getTime() - since > 30 * 86_400_000) {
      return void res.status(400).json(fault('4000', 'Invalid request', 'changedSince cannot be more than 30 days in the past'));
    }
    const names = String(req.query.entities ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const out: Record<string, unknown>[] = [];
    for (const name of names) {
      const entity = ENTITIES.find((e) => e.toLowerCase() === name.toLowerCase());
      if (!entity) return void res.status(400).json(fault('4000', 'Invalid entity', `unknown entity ${name}`));
      const changed: Record<string, unknown>[] = [...c.records[entity].values()]
        .filter((r) => Date.parse(r.MetaData.LastUpdatedTime) >= since)
        .sort((a, b) => Number(a.Id) - Number(b.Id))
        .map((r) => this.view(r, entity, false, true));
      for (const t of c.tombstones) {
        if (t.entity === entity && t.at.getTime() >= since) changed.push({ Id: t.id, status: 'Deleted', MetaData: { LastUpdatedTime: qboTime(t.at) } });
      }
      const capped = changed.slice(0, 1000);
      out.push(capped.length ? { [entity]: capped, startPosition: 1, maxResults: capped.length } : { startPosition: 1, maxResults: 0 });
    }
    res.json({ CDCResponse: [{ QueryResponse: out }], time: qboTime(this.now()) });
  }

  private read(req: Request, res: Response): void {
    this.counts.read++;
    const c = this.companyOf(req);
    const entity = ENTITIES.find((e) => e.toLowerCase() === String(req.params.entity).toLowerCase());
    const rec = entity ? c.records[entity].get(String(req.params.id)) : undefined;
    if (!entity || !rec) return void res.status(400).json(fault('610', 'Object Not Found', `Object Not Found : Something you're trying to use has been made inactive. Check the fields with accounts, customers, items, vendors or employees.`));
    const includeLink = String(req.query.include ?? '').toLowerCase().includes('invoicelink');
    res.json({ [entity]: this.view(rec, entity, includeLink), time: qboTime(this.now()) });
  }

  /**
   * The due date QuickBooks holds for an invoice: its DueDate; for one saved without it (the quirk the
   * connector handles), the date its terms give (SalesTermRef, else the customer's), else its TxnDate.
   */
  dueDateOf(c: Company, inv: QboRecord): string {
    if (typeof inv.DueDate === 'string') return inv.DueDate;
    const txn = String(inv.TxnDate);
    const customer = c.records.Customer.get((inv.CustomerRef as { value: string }).value);
    const termId = (inv.SalesTermRef as { value?: string } | undefined)?.value ?? (customer?.SalesTermRef as { value?: string } | undefined)?.value;
    const term = termId !== undefined ? c.records.Term.get(termId) : undefined;
    return (term ? qboDueDate(txn, term as QboTermRule) : null) ?? txn;
  }

  /**
   * The open transactions of a company on a report date, as the A/R aging reports list them: invoices with a
   * balance, and credit memos with credit left (negative). Amounts in each customer's own currency: the
   * sandbox keeps no exchange rates (QuickBooks converts foreign customers to the home currency; Overdue
   * leaves those customers out of the comparison).
   */
  private openTransactions(c: Company, customers: Set<string> | undefined) {
    const rows: { type: 'Invoice' | 'Credit Memo'; id: string; num: string; customerId: string; customerName: string; date: string; due: string; open: number; exp: number }[] = [];
    const add = (type: 'Invoice' | 'Credit Memo', rec: QboRecord, due: string, sign: number) => {
      const customerId = (rec.CustomerRef as { value: string }).value;
      if (customers && !customers.has(customerId)) return;
      const currency = (rec.CurrencyRef as { value?: string } | undefined)?.value ?? c.homeCurrency;
      const exp = currency === 'JPY' ? 0 : 2;
      const open = Math.round(Number(rec.Balance ?? 0) * 10 ** exp);
      if (open <= 0) return;
      rows.push({ type, id: rec.Id, num: typeof rec.DocNumber === 'string' ? rec.DocNumber : '', customerId, customerName: String(c.records.Customer.get(customerId)?.DisplayName ?? customerId), date: String(rec.TxnDate), due, open: sign * open, exp });
    };
    for (const inv of c.records.Invoice.values()) add('Invoice', inv, this.dueDateOf(c, inv), 1);
    for (const m of c.records.CreditMemo.values()) add('Credit Memo', m, String(m.TxnDate), -1);
    return rows.sort((a, b) => a.customerName.localeCompare(b.customerName) || a.date.localeCompare(b.date) || Number(a.id) - Number(b.id));
  }

  /**
   * reports/AgedReceivableDetail (rows per open transaction in sections per aging bucket, columns chosen by
   * `columns` ColType list) and reports/AgedReceivables (one row per customer: Current, 1 - 30, 31 - 60,
   * 61 - 90, 91 and over, Total), `report_date` (default today) and `customer` (comma list of ids). Shapes as
   * Intuit documents the AR aging detail and summary report objects (Header with ReportName, Option and
   * Currency; Rows.Row of Section/Data rows with ColData {value, id}; Columns.Column {ColType, ColTitle}).
   */
  private report(req: Request, res: Response): void {
    this.counts.report++;
    const c = this.companyOf(req);
    const name = String(req.params.name);
    if (name !== 'AgedReceivableDetail' && name !== 'AgedReceivables') return void res.status(400).json(fault('4000', 'Unsupported report', `report ${name} is not available in the sandbox`));
    const reportDate = typeof req.query.report_date === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(req.query.report_date) ? req.query.report_date : this.now().toISOString().slice(0, 10);
    const customers = typeof req.query.customer === 'string' ? new Set(req.query.customer.split(',').map((x) => x.trim())) : undefined;
    const txns = this.openTransactions(c, customers);
    const money = (minor: number, exp: number) => (minor / 10 ** exp).toFixed(exp);
    const buckets = ['Current', '1 - 30 days past due', '31 - 60 days past due', '61 - 90 days past due', '91 and over days past due'];
    const bucketOf = (due: string) => {
      const days = toDayNumber(reportDate) - toDayNumber(due);
      return days <= 0 ? 0 : days <= 30 ? 1 : days <= 60 ? 2 : days <= 90 ? 3 : 4;
    };
    const header = { ReportName: name, Option: [{ Name: 'report_date', Value: reportDate }, { Name: 'NoReportData', Value: String(txns.length === 0) }], DateMacro: '', EndPeriod: reportDate, Currency: c.homeCurrency, Time: qboTime(this.now()) };
    if (name === 'AgedReceivables') {
      const perCustomer = new Map<string, { name: string; exp: number; cols: number[] }>();
      for (const t of txns) {
        const row = perCustomer.get(t.customerId) ?? { name: t.customerName, exp: t.exp, cols: [0, 0, 0, 0, 0] };
        row.cols[bucketOf(t.due)]! += t.open;
        perCustomer.set(t.customerId, row);
      }
      const rows = [...perCustomer.entries()].map(([id, r]) => ({ ColData: [{ id, value: r.name }, ...r.cols.map((v) => ({ value: v === 0 ? '' : money(v, r.exp) })), { value: money(r.cols.reduce((a, b) => a + b, 0), r.exp) }], type: 'Data' }));
      const columns = [{ ColType: 'Customer', ColTitle: '' }, ...['Current', '1 - 30', '31 - 60', '61 - 90', '91 and over', 'Total'].map((t) => ({ ColType: 'Money', ColTitle: t }))];
      return void res.json({ Header: header, Rows: { Row: rows }, Columns: { Column: columns } });
    }
    const all = [
      { ColType: 'tx_date', ColTitle: 'Date' }, { ColType: 'txn_type', ColTitle: 'Transaction Type' }, { ColType: 'doc_num', ColTitle: 'Num' },
      { ColType: 'cust_name', ColTitle: 'Customer' }, { ColType: 'due_date', ColTitle: 'Due Date' }, { ColType: 'subt_open_bal', ColTitle: 'Open Balance' },
    ];
    const asked = typeof req.query.columns === 'string' ? req.query.columns.split(',').map((x) => x.trim()) : all.map((x) => x.ColType);
    const columns = asked.map((t) => all.find((x) => x.ColType === t)).filter((x): x is (typeof all)[number] => x !== undefined);
    const cell = (t: (typeof txns)[number], type: string) =>
      type === 'tx_date' ? { value: t.date }
      : type === 'txn_type' ? { value: t.type, id: t.id }
      : type === 'doc_num' ? { value: t.num }
      : type === 'cust_name' ? { value: t.customerName, id: t.customerId }
      : type === 'due_date' ? { value: t.due }
      : { value: money(t.open, t.exp) };
    const sections = buckets.map((label, i) => {
      const inBucket = txns.filter((t) => bucketOf(t.due) === i);
      const total = inBucket.reduce((a, t) => a + t.open / 10 ** t.exp, 0);
      return {
        Header: { ColData: columns.map((_, k) => ({ value: k === 0 ? label : '' })) },
        Rows: inBucket.length > 0 ? { Row: inBucket.map((t) => ({ ColData: columns.map((col) => cell(t, col.ColType)), type: 'Data' })) } : {},
        Summary: { ColData: columns.map((col, k) => ({ value: k === 0 ? `Total for ${label}` : col.ColType === 'subt_open_bal' ? total.toFixed(2) : '' })) },
        type: 'Section',
      };
    }).filter((s) => 'Row' in s.Rows);
    res.json({ Header: header, Rows: { Row: sections }, Columns: { Column: columns } });
  }

  private idempotent(req: Request, res: Response, c: Company, run: () => { status: number; body: unknown }): void {
    const rid = typeof req.query.requestid === 'string' ? req.query.requestid : undefined;
    if (rid && c.writes.has(rid)) return void res.json(c.writes.get(rid));
    const { status, body } = run();
    if (rid && status === 200) c.writes.set(rid, body);
    res.status(status).json(body);
  }

  private updateCustomer(req: Request, res: Response): void {
    this.counts.write++;
    const c = this.companyOf(req);
    if (req.query.operation !== 'update') return void res.status(400).json(fault('2010', 'Unsupported operation'));
    this.idempotent(req, res, c, () => {
      const body: Record<string, unknown> = req.body ?? {};
      const rec = c.records.Customer.get(String(body.Id ?? ''));
      if (!rec) return { status: 400, body: fault('610', 'Object Not Found') };
      if (String(body.SyncToken) !== rec.SyncToken) {
        return { status: 400, body: fault('5010', 'Stale Object Error', `Stale Object Error : You and ${'another user'} were working on the same thing.`) };
      }
      const { Id: _id, SyncToken: _st, MetaData: _md, sparse: _sp, ...fields } = body;
      const next = this.change(c.realmId, 'Customer', rec.Id, fields);
      return { status: 200, body: { Customer: next, time: qboTime(this.now()) } };
    });
  }

  private send(req: Request, res: Response): void {
    this.counts.send++;
    const c = this.companyOf(req);
    this.idempotent(req, res, c, () => {
      const rec = c.records.Invoice.get(String(req.params.id));
      if (!rec) return { status: 400, body: fault('610', 'Object Not Found') };
      const to = typeof req.query.sendTo === 'string' ? req.query.sendTo : (rec.BillEmail as { Address?: string } | undefined)?.Address;
      if (!to) return { status: 400, body: fault('6000', 'Missing email address', 'The invoice has no BillEmail and no sendTo was given') };
      if (this.refusedEmails.has(to.toLowerCase())) return { status: 400, body: fault('6000', 'A business validation error has occurred while processing your request', `Business Validation Error: Invalid email address: ${to}`) };
      c.sent.push({ invoiceId: rec.Id, to });
      const next = this.change(c.realmId, 'Invoice', rec.Id, { EmailStatus: 'EmailSent', BillEmail: { Address: to }, DeliveryInfo: { DeliveryType: 'Email', DeliveryTime: qboTime(this.now()) } });
      return { status: 200, body: { Invoice: next, time: qboTime(this.now()) } };
    });
  }
}

// ------------------------------------------------------------------ query language

interface Condition { field: string; op: string; value: string | number | boolean | (string | number)[] }
interface ParsedQuery { entity: string; count: boolean; where: Condition[]; startPosition: number; maxResults: number }

const QUERY_RE = /^\s*select\s+(\*|count\(\*\))\s+from\s+(\w+)(?:\s+where\s+(.*?))?(?:\s+orderby\s+[\w.]+(?:\s+(?:asc|desc))?)?(?:\s+startposition\s+(\d+))?(?:\s+maxresults\s+(\d+))?\s*$/i;
const COND_RE = /^([\w.]+)\s*(<=|>=|=|<|>|\bin\b|\blike\b)\s*(.+)$/i;

export function parseQuery(q: string): ParsedQuery | { error: string } {
  const m = QUERY_RE.exec(q);
  if (!m) return { error: `cannot parse: ${q}` };
  const where: Condition[] = [];
  if (m[3]) {
    for (const part of m[3].split(/\s+and\s+/i)) {
      const c = COND_RE.exec(part.trim());
      if (!c?.[1] || !c[2] || !c[3]) return { error: `cannot parse condition: ${part}` };
      where.push({ field: c[1], op: c[2].toLowerCase(), value: literal(c[3].trim()) });
    }
  }
  return { entity: m[2] ?? '', count: (m[1] ?? '').toLowerCase() !== '*', where, startPosition: Number(m[4] ?? 1), maxResults: Number(m[5] ?? 100) };
}

function literal(s: string): Condition['value'] {
  if (s.startsWith('(') && s.endsWith(')')) return s.slice(1, -1).split(',').map((x) => literal(x.trim()) as string | number);
  if (s.startsWith("'") && s.endsWith("'")) return s.slice(1, -1).replace(/\\'/g, "'");
  if (/^(true|false)$/i.test(s)) return s.toLowerCase() === 'true';
  return Number(s);
}

function field(rec: Record<string, unknown>, path: string): unknown {
  let cur: unknown = rec;
  for (const part of path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    const key = Object.keys(cur).find((k) => k.toLowerCase() === part.toLowerCase());
    cur = key === undefined ? undefined : (cur as Record<string, unknown>)[key];
  }
  if (typeof cur === 'object' && cur !== null && 'value' in cur) return (cur as { value: unknown }).value; // CustomerRef = '12'
  return cur;
}

function comparable(v: unknown): number | string {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v)) return Date.parse(v);
  return String(v);
}

function matches(rec: Record<string, unknown>, c: Condition): boolean {
  const raw = field(rec, c.field);
  if (c.op === 'in') return Array.isArray(c.value) && c.value.map(String).includes(String(raw));
  if (c.op === 'like') return new RegExp('^' + String(c.value).replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*') + '$', 'i').test(String(raw));
  const a = comparable(raw);
  const b = comparable(c.value);
  switch (c.op) {
    case '=': return a === b || String(raw) === String(c.value);
    case '<': return a < b;
    case '>': return a > b;
    case '<=': return a <= b;
    case '>=': return a >= b;
    default: return false;
  }
}

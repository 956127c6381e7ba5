// A local Xero sandbox: an Express server on 127.0.0.1 that speaks the parts of
// the documented Xero APIs Overdue uses, so xero-node and openid-client are
// exercised over real HTTP. It keeps tenants in memory and implements:
// - identity: authorize (auto-approve the tenants of one login), the token
//   endpoint (client_secret_basic; authorization_code with a PKCE S256 check;
//   refresh_token with rotation and a 30-minute grace period for the superseded
//   token; invalid_grant), revocation;
// - /connections: GET (the login's tenants), DELETE /connections/{id};
// - /api.xro/2.0: Invoices, Contacts, Payments, CreditNotes with `where`
//   (Field=="x", Field==true, Field>n, AND), Statuses, IDs, page/pageSize
//   (≤ 1000) with `pagination`, If-Modified-Since; reads by id; OnlineInvoice;
//   Invoices/{id}/Email; Contacts/{id}/History (≤ 250 characters) with
//   Idempotency-Key; xero-tenant-id required;
// - limits per tenant: 5 in flight, 60 per rolling minute, 5,000 per day, and
//   per app 10,000 a minute; X-MinLimit-Remaining, X-DayLimit-Remaining,
//   X-AppMinLimit-Remaining on every answer; 429 with Retry-After and
//   X-Rate-Limit-Problem; switchable faults (429/500/503 at a rate), latency;
// - a webhook sender that signs like Xero (x-xero-signature), including
//   Intent-to-Receive checks.
import express, { type NextFunction, type Request, type Response } from 'express';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { amount, drawFault, hmacBase64, LoopbackSandbox, rng, sleep, TokenGrants } from '../common.js';
import { xeroDueDate, type XeroTermRule } from '../../../connectors/terms.js';

export { amount, rng };

export type XeroKind = 'Invoices' | 'Contacts' | 'Payments' | 'CreditNotes';
export const KINDS: XeroKind[] = ['Invoices', 'Contacts', 'Payments', 'CreditNotes'];
const idField: Record<XeroKind, string> = { Invoices: 'InvoiceID', Contacts: 'ContactID', Payments: 'PaymentID', CreditNotes: 'CreditNoteID' };

/** A record as the API returns it (Xero field names); `_updated` is the UpdatedDateUTC in ms, rendered on the way out. */
export type XeroRecord = Record<string, unknown> & { _updated: number };

export interface Tenant {
  tenantId: string;
  name: string;
  currency: string;
  records: Record<XeroKind, Map<string, XeroRecord>>;
  history: Map<string, { Details: string; DateUTC: string; User: string }[]>;
  /** Idempotency-Key → the answer a write gave. */
  writes: Map<string, { status: number; body: unknown }>;
  emailed: string[];
  /** Start times of API calls in the rolling minute, and the day's count. */
  minute: number[];
  day: { date: string; count: number };
  inFlight: number;
  /** The organisation's default payment terms for sales invoices (Organisation.PaymentTerms.Sales), if set. */
  salesTerms?: { Day: number; Type: string };
}

interface AccessGrant { login: string; expiresAt: number; revoked: boolean }
interface RefreshGrant { login: string; revoked: boolean; supersededAt?: number }
interface Login { id: string; authEventId: string; connections: { id: string; tenantId: string; created: string }[] }

export interface XeroSandboxOptions {
  clientId: string;
  clientSecret: string;
  webhookKey: string;
  now?: () => Date;
  seed?: number;
}

export interface XeroLimits {
  concurrent: number;
  perMinute: number;
  /** The rolling window of `perMinute` (ms). */
  windowMs: number;
  perDay: number;
  appPerMinute: number;
}

export interface XeroFaults {
  /** Share of API requests (0–1) that fail with one of `statuses`. */
  rate: number;
  statuses: (429 | 500 | 503)[];
  /** Added to every API, token and /connections request. */
  latencyMs: number;
  /** Also fail token requests at `rate` (with 500/503). */
  tokenEndpoint: boolean;
}

export interface XeroCounts {
  /** Accounting API requests (all, including refused ones). */
  total: number;
  byPath: Record<string, number>;
  token: number;
  /** POST /identity/connect/revocation calls. */
  revoke: number;
  connections: number;
  rateLimited: number;
  faults: number;
  unauthorized: number;
  /** Time Accounting API requests spent in the sandbox (latency included), summed (ms). */
  busyMs: number;
}

/** A seeded GUID. */
export function guid(r: () => number): string {
  const h = Array.from({ length: 32 }, () => Math.floor(r() * 16).toString(16)).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Xero's JSON date: `/Date(ms+0000)/`. */
export function msDate(ms: number): string {
  return `/Date(${ms}+0000)/`;
}

const exponentOf = (currency: string) => (currency === 'JPY' ? 0 : 2);
const dayMs = (isoDay: string) => Date.parse(`${isoDay}T00:00:00Z`);

export class XeroSandbox extends LoopbackSandbox {
  readonly tenants = new Map<string, Tenant>();
  readonly limits: XeroLimits = { concurrent: 5, perMinute: 60, windowMs: 60_000, perDay: 5000, appPerMinute: 10_000 };
  readonly faults: XeroFaults = { rate: 0, statuses: [429, 500], latencyMs: 0, tokenEndpoint: false };
  counts: XeroCounts = XeroSandbox.zeroCounts();
  /** Every token request in order. */
  readonly tokenLog: { grant: string; refreshToken?: string; status: number; error?: string }[] = [];
  /** The tenants the next consent approves (default: every tenant). */
  authorizeTenants: string[] | undefined;
  accessTokenTtlS = 1800;
  graceS = 1800;
  /** Extra delay on the token endpoint (to widen races in tests). */
  tokenDelayMs = 0;
  private readonly grants = new TokenGrants<AccessGrant, RefreshGrant>();
  private readonly logins = new Map<string, Login>();
  private readonly codes = new Map<string, { login: string; redirectUri: string; challenge: string; used: boolean }>();
  private readonly appMinute: number[] = [];
  constructor(private readonly opts: XeroSandboxOptions) {
    super(opts);
  }

  static zeroCounts(): XeroCounts {
    return { total: 0, byPath: {}, token: 0, revoke: 0, connections: 0, rateLimited: 0, faults: 0, unauthorized: 0, busyMs: 0 };
  }

  resetCounts(): void {
    this.counts = XeroSandbox.zeroCounts();
  }

  /** The URLs to configure Overdue with (config.xero.*). */
  get endpoints() {
    return {
      apiBaseUrl: `${this.url}/api.xro/2.0`,
      identityUrl: `${this.url}/identity`,
      connectionsUrl: `${this.url}/connections`,
      authorizeUrl: `${this.url}/identity/connect/authorize`,
    };
  }

  // ---------------------------------------------------------------- data

  addTenant(tenantId: string, name: string, currency = 'NZD'): Tenant {
    const t: Tenant = {
      tenantId, name, currency, history: new Map(), writes: new Map(), emailed: [], minute: [], day: { date: '', count: 0 }, inFlight: 0,
      records: { Invoices: new Map(), Contacts: new Map(), Payments: new Map(), CreditNotes: new Map() },
    };
    this.tenants.set(tenantId, t);
    return t;
  }

  tenant(tenantId: string): Tenant {
    const t = this.tenants.get(tenantId);
    if (!t) throw new Error(`no sandbox tenant ${tenantId}`);
    return t;
  }

  put(tenantId: string, kind: XeroKind, fields: Record<string, unknown>): XeroRecord {
    const id = String(fields[idField[kind]] ?? guid(this.random));
    const rec: XeroRecord = { ...fields, [idField[kind]]: id, _updated: this.now().getTime() };
    this.tenant(tenantId).records[kind].set(id, rec);
    return rec;
  }

  /** Change a record as a person in Xero would: UpdatedDateUTC moves. */
  change(tenantId: string, kind: XeroKind, id: string, fields: Record<string, unknown>): XeroRecord {
    const rec = this.tenant(tenantId).records[kind].get(id);
    if (!rec) throw new Error(`no ${kind} ${id}`);
    Object.assign(rec, fields);
    rec._updated = Math.max(this.now().getTime(), rec._updated + 1);
    return rec;
  }

  voidInvoice(tenantId: string, id: string): XeroRecord {
    return this.change(tenantId, 'Invoices', id, { Status: 'VOIDED' });
  }

  /** Record a payment against an invoice (partial or full); PAID when nothing is left. */
  pay(tenantId: string, invoiceId: string, minor: number): XeroRecord {
    const inv = this.tenant(tenantId).records.Invoices.get(invoiceId);
    if (!inv) throw new Error(`no invoice ${invoiceId}`);
    const currency = String(inv.CurrencyCode);
    const exp = exponentOf(currency);
    const due = Math.round(Number(inv.AmountDue) * 10 ** exp) - minor;
    const paid = Math.round(Number(inv.AmountPaid ?? 0) * 10 ** exp) + minor;
    const today = this.now().toISOString().slice(0, 10);
    const payment = this.put(tenantId, 'Payments', {
      Date: msDate(dayMs(today)), Amount: amount(minor, exp), PaymentType: 'ACCRECPAYMENT', Status: 'AUTHORISED',
      Invoice: { InvoiceID: invoiceId, InvoiceNumber: inv.InvoiceNumber, Contact: inv.Contact, CurrencyCode: currency },
    });
    this.change(tenantId, 'Invoices', invoiceId, { AmountDue: amount(due, exp), AmountPaid: amount(paid, exp), ...(due <= 0 ? { Status: 'PAID' } : {}) });
    return payment;
  }

  /**
   * A realistic organisation: customer contacts (with contact persons), open
   * invoices in several currencies (some partly paid), plus paid, voided and
   * draft invoices, supplier bills and credit notes when asked.
   */
  seed(tenantId: string, spec: { contacts: number; openInvoices: number; paidInvoices?: number; voidedInvoices?: number; draftInvoices?: number; bills?: number; creditNotes?: number; partialShare?: number; currencies?: string[] }): void {
    const r = rng((this.opts.seed ?? 1) + tenantId.charCodeAt(0));
    const t = this.tenant(tenantId);
    const currencies = spec.currencies ?? [t.currency, t.currency, t.currency, 'USD', 'AUD', 'JPY'];
    const contacts: XeroRecord[] = [];
    for (let i = 0; i < spec.contacts; i++) {
      contacts.push(this.put(tenantId, 'Contacts', {
        ContactID: guid(r), ContactNumber: `C${i}`, AccountNumber: `ACC-${i}`, Name: `Customer ${i} Ltd`, FirstName: 'Pat', LastName: `Payable${i}`,
        EmailAddress: `ap${i}@customer${i}.example`, ContactStatus: 'ACTIVE', IsCustomer: true, IsSupplier: false,
        DefaultCurrency: currencies[Math.floor(r() * currencies.length)] ?? t.currency,
        ContactPersons: i % 3 === 0 ? [{ FirstName: 'Chris', LastName: `Controller${i}`, EmailAddress: `controller${i}@customer${i}.example`, IncludeInEmails: true }] : [],
        Phones: [{ PhoneType: 'DEFAULT', PhoneNumber: `555 01${String(i % 100).padStart(2, '0')}`, PhoneAreaCode: '04', PhoneCountryCode: '64' }],
        Addresses: [{ AddressType: 'POBOX', AddressLine1: `PO Box ${i}`, City: 'Wellington', Country: 'New Zealand' }],
      }));
    }
    let n = 1;
    const invoice = (kind: 'open' | 'paid' | 'voided' | 'draft' | 'bill') => {
      const c = contacts[Math.floor(r() * contacts.length)];
      if (!c) throw new Error('seed contacts first');
      const currency = String(c.DefaultCurrency);
      const exp = exponentOf(currency);
      const totalMinor = (10 + Math.floor(r() * 5000)) * 100 + (exp === 0 ? 0 : Math.floor(r() * 100));
      const issued = new Date(this.now().getTime() - (1 + Math.floor(r() * 150)) * 86_400_000).toISOString().slice(0, 10);
      const due = new Date(dayMs(issued) + 30 * 86_400_000).toISOString().slice(0, 10);
      const inv = this.put(tenantId, 'Invoices', {
        InvoiceID: guid(r), InvoiceNumber: `INV-${String(n++).padStart(6, '0')}`, Type: kind === 'bill' ? 'ACCPAY' : 'ACCREC',
        Contact: { ContactID: c.ContactID, Name: c.Name }, Date: msDate(dayMs(issued)), DateString: `${issued}T00:00:00`,
        DueDate: msDate(dayMs(due)), DueDateString: `${due}T00:00:00`, Status: kind === 'draft' ? 'DRAFT' : 'AUTHORISED',
        LineAmountTypes: 'Exclusive', SubTotal: amount(totalMinor, exp), TotalTax: 0, Total: amount(totalMinor, exp),
        AmountDue: amount(totalMinor, exp), AmountPaid: 0, AmountCredited: 0, CurrencyCode: currency, SentToContact: true, HasAttachments: false,
      });
      const id = String(inv.InvoiceID);
      if (kind === 'voided') this.voidInvoice(tenantId, id);
      else if (kind === 'paid') this.pay(tenantId, id, totalMinor);
      else if (kind === 'open' && r() < (spec.partialShare ?? 0.1)) this.pay(tenantId, id, Math.floor(totalMinor / 3));
    };
    for (let i = 0; i < spec.openInvoices; i++) invoice('open');
    for (let i = 0; i < (spec.paidInvoices ?? 0); i++) invoice('paid');
    for (let i = 0; i < (spec.voidedInvoices ?? 0); i++) invoice('voided');
    for (let i = 0; i < (spec.draftInvoices ?? 0); i++) invoice('draft');
    for (let i = 0; i < (spec.bills ?? 0); i++) invoice('bill');
    for (let i = 0; i < (spec.creditNotes ?? 0); i++) {
      const c = contacts[Math.floor(r() * contacts.length)];
      if (!c) break;
      const currency = String(c.DefaultCurrency);
      const m = 500 + Math.floor(r() * 20000);
      const today = this.now().toISOString().slice(0, 10);
      this.put(tenantId, 'CreditNotes', {
        CreditNoteID: guid(r), CreditNoteNumber: `CN-${i + 1}`, Type: 'ACCRECCREDIT', Contact: { ContactID: c.ContactID, Name: c.Name },
        Date: msDate(dayMs(today)), Status: 'AUTHORISED', Total: amount(m, exponentOf(currency)), RemainingCredit: amount(m, exponentOf(currency)), CurrencyCode: currency, Allocations: [],
      });
    }
  }

  openInvoices(tenantId: string): XeroRecord[] {
    return [...this.tenant(tenantId).records.Invoices.values()].filter((i) => i.Type === 'ACCREC' && i.Status === 'AUTHORISED');
  }

  /** Make every issued access token expired (the next API call gets 401). */
  expireAccessTokens(): void {
    this.grants.expireAll();
  }

  latestRefreshToken(login: string): string | undefined {
    return this.grants.latest(login);
  }

  /** The login id behind an access or refresh token. */
  loginOf(token: string): string | undefined {
    return this.grants.access.get(token)?.login ?? this.grants.refresh.get(token)?.login;
  }

  /** Use up a tenant's daily budget down to `remaining` calls. */
  setDayRemaining(tenantId: string, remaining: number): void {
    const t = this.tenant(tenantId);
    t.day = { date: this.now().toISOString().slice(0, 10), count: this.limits.perDay - remaining };
  }

  // ---------------------------------------------------------------- webhooks

  signature(body: string | Buffer, key = this.opts.webhookKey): string {
    return hmacBase64(key, body);
  }

  payload(events: { tenantId: string; category: 'INVOICE' | 'CONTACT' | 'CREDITNOTE' | 'SUBSCRIPTION'; id: string; type?: 'CREATE' | 'UPDATE' }[], opts: { entropy?: string; at?: Date } = {}): string {
    const resource = { INVOICE: 'Invoices', CONTACT: 'Contacts', CREDITNOTE: 'CreditNotes', SUBSCRIPTION: 'Subscriptions' } as const;
    return JSON.stringify({
      events: events.map((e) => ({
        resourceUrl: `https://api.xero.com/api.xro/2.0/${resource[e.category]}/${e.id}`, resourceId: e.id,
        eventDateUtc: (opts.at ?? this.now()).toISOString().replace('Z', ''), eventType: e.type ?? 'UPDATE', eventCategory: e.category,
        tenantId: e.tenantId, tenantType: 'ORGANISATION',
      })),
      firstEventSequence: 1, lastEventSequence: events.length, entropy: opts.entropy ?? randomBytes(10).toString('hex').toUpperCase(),
    });
  }

  /** POST a signed payload as Xero does; returns status, body text and how long the answer took. */
  async deliver(url: string, body: string, opts: { signature?: string } = {}): Promise<{ status: number; text: string; ms: number }> {
    const started = Date.now();
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-xero-signature': opts.signature ?? this.signature(body) }, body });
    const text = await res.text();
    return { status: res.status, text, ms: Date.now() - started };
  }

  /**
   * An Intent-to-Receive check: Xero sends an empty event list, once correctly
   * signed and once with a wrong signature, and expects 200 and 401 within 5 s.
   */
  async intentToReceive(url: string): Promise<{ good: { status: number; text: string; ms: number }; bad: { status: number; text: string; ms: number } }> {
    const body = JSON.stringify({ events: [], firstEventSequence: 0, lastEventSequence: 0, entropy: randomBytes(10).toString('hex').toUpperCase() });
    const good = await this.deliver(url, body);
    const bad = await this.deliver(url, body, { signature: this.signature(body, 'not-the-webhook-key') });
    return { good, bad };
  }

  // ---------------------------------------------------------------- HTTP

  protected app(): express.Express {
    const app = express();
    app.disable('x-powered-by');
    app.disable('etag');

    app.get('/identity/connect/authorize', (req, res) => {
      const q = req.query;
      if (q.client_id !== this.opts.clientId) return void res.status(400).send('unauthorized_client');
      if (q.response_type !== 'code' || typeof q.redirect_uri !== 'string' || typeof q.state !== 'string') return void res.status(400).send('invalid_request');
      if (q.code_challenge_method !== 'S256' || typeof q.code_challenge !== 'string') return void res.status(400).send('PKCE (S256) is required by this sandbox');
      const scopes = String(q.scope ?? '').split(' ');
      if (!scopes.includes('offline_access')) return void res.status(400).send('offline_access missing');
      const tenants = this.authorizeTenants ?? [...this.tenants.keys()];
      const login: Login = { id: `login-${randomBytes(4).toString('hex')}`, authEventId: randomUUID(), connections: [] };
      for (const tenantId of tenants) login.connections.push({ id: randomUUID(), tenantId, created: this.now().toISOString() });
      this.logins.set(login.id, login);
      const code = randomBytes(12).toString('hex');
      this.codes.set(code, { login: login.id, redirectUri: q.redirect_uri, challenge: q.code_challenge, used: false });
      const u = new URL(q.redirect_uri);
      u.searchParams.set('code', code);
      u.searchParams.set('scope', scopes.join(' '));
      u.searchParams.set('state', q.state);
      u.searchParams.set('session_state', randomBytes(8).toString('hex'));
      res.redirect(302, u.toString());
    });

    const form = [express.urlencoded({ extended: false }), express.json()];
    app.post('/identity/connect/token', ...form, (req, res) => void this.token(req, res));
    app.post('/identity/connect/revocation', ...form, (req, res) => {
      this.counts.revoke++;
      if (!this.basicOk(req)) return void res.status(401).json({ error: 'invalid_client' });
      const token = typeof req.body?.token === 'string' ? req.body.token : '';
      const login = this.loginOf(token);
      if (login) this.grants.revokeWhere((g) => g.login === login);
      res.status(200).end();
    });

    app.get('/connections', (req, res) => void this.connectionsList(req, res));
    app.delete('/connections/:id', (req, res) => void this.connectionsDelete(req, res));

    const api = express.Router();
    api.use(express.json());
    api.use((req, res, next) => void this.gate(req, res, next));
    for (const kind of KINDS) {
      api.get(`/${kind}`, (req, res) => this.list(kind, req, res));
      api.get(`/${kind}/:id`, (req, res) => this.read(kind, req, res));
    }
    api.get('/Organisation', (req, res) => {
      const t = this.tenantOf(req);
      res.json({
        Id: randomUUID(), Status: 'OK', ProviderName: 'Overdue sandbox', DateTimeUTC: msDate(this.now().getTime()),
        Organisations: [{ OrganisationID: t.tenantId, Name: t.name, BaseCurrency: t.currency, ...(t.salesTerms ? { PaymentTerms: { Sales: t.salesTerms } } : {}) }],
      });
    });
    api.get('/Reports/AgedReceivablesByContact', (req, res) => this.agedReceivablesByContact(req, res));
    api.get('/Invoices/:id/OnlineInvoice', (req, res) => this.onlineInvoice(req, res));
    api.post('/Invoices/:id/Email', (req, res) => this.email(req, res));
    api.put('/Contacts/:id/History', (req, res) => this.putHistory(req, res));
    api.get('/Contacts/:id/History', (req, res) => {
      const h = this.tenantOf(req).history.get(String(req.params.id)) ?? [];
      res.json({ HistoryRecords: h });
    });
    app.use('/api.xro/2.0', api);
    return app;
  }

  private basicOk(req: Request): boolean {
    const expected = 'Basic ' + Buffer.from(`${encodeURIComponent(this.opts.clientId)}:${encodeURIComponent(this.opts.clientSecret)}`).toString('base64');
    return req.get('authorization') === expected;
  }

  private draw(): 429 | 500 | 503 | null {
    return drawFault(this.random, this.faults);
  }

  private issue(login: string) {
    const { accessToken: at, refreshToken: rt } = this.grants.issue(login, { login, expiresAt: this.now().getTime() + this.accessTokenTtlS * 1000, revoked: false }, { login, revoked: false });
    return { id_token: undefined, access_token: at, expires_in: this.accessTokenTtlS, token_type: 'Bearer', refresh_token: rt, scope: 'offline_access accounting.contacts accounting.invoices accounting.payments.read' };
  }

  private async token(req: Request, res: Response): Promise<void> {
    this.counts.token++;
    if (this.faults.latencyMs) await sleep(this.faults.latencyMs);
    if (this.tokenDelayMs) await sleep(this.tokenDelayMs);
    const body: Record<string, unknown> = req.body ?? {};
    const grant = String(body.grant_type ?? '');
    const log = (status: number, error?: string) => this.tokenLog.push({ grant, ...(typeof body.refresh_token === 'string' ? { refreshToken: body.refresh_token } : {}), status, ...(error ? { error } : {}) });
    if (!this.basicOk(req)) {
      log(401, 'invalid_client');
      return void res.status(401).json({ error: 'invalid_client' });
    }
    if (this.faults.tokenEndpoint) {
      const f = this.draw();
      if (f) {
        log(f === 429 ? 503 : f);
        return void res.status(f === 429 ? 503 : f).json({ error: 'server_error' });
      }
    }
    if (grant === 'authorization_code') {
      const c = this.codes.get(String(body.code ?? ''));
      const verifier = String(body.code_verifier ?? '');
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      if (!c || c.used || c.redirectUri !== body.redirect_uri || challenge !== c.challenge) {
        log(400, 'invalid_grant');
        return void res.status(400).json({ error: 'invalid_grant' });
      }
      c.used = true;
      log(200);
      return void res.json(this.issue(c.login));
    }
    if (grant === 'refresh_token') {
      const old = this.grants.refresh.get(String(body.refresh_token ?? ''));
      const graceOver = old?.supersededAt !== undefined && this.now().getTime() - old.supersededAt > this.graceS * 1000;
      if (!old || old.revoked || graceOver) {
        log(400, 'invalid_grant');
        return void res.status(400).json({ error: 'invalid_grant' });
      }
      old.supersededAt ??= this.now().getTime();
      log(200);
      return void res.json(this.issue(old.login));
    }
    log(400, 'unsupported_grant_type');
    res.status(400).json({ error: 'unsupported_grant_type' });
  }

  private bearer(req: Request): AccessGrant | undefined {
    return this.grants.live(req, this.now().getTime());
  }

  private unauthorized(res: Response): void {
    this.counts.unauthorized++;
    res.setHeader('www-authenticate', 'Bearer error="invalid_token"');
    res.status(401).json({ Type: null, Title: 'Unauthorized', Status: 401, Detail: 'TokenExpired: token expired or invalid' });
  }

  private async connectionsList(req: Request, res: Response): Promise<void> {
    this.counts.connections++;
    if (this.faults.latencyMs) await sleep(this.faults.latencyMs);
    const g = this.bearer(req);
    if (!g) return this.unauthorized(res);
    const login = this.logins.get(g.login);
    res.json((login?.connections ?? []).map((c) => ({
      id: c.id, authEventId: login?.authEventId, tenantId: c.tenantId, tenantType: 'ORGANISATION',
      tenantName: this.tenants.get(c.tenantId)?.name ?? null, createdDateUtc: c.created, updatedDateUtc: c.created,
    })));
  }

  private async connectionsDelete(req: Request, res: Response): Promise<void> {
    this.counts.connections++;
    const g = this.bearer(req);
    if (!g) return this.unauthorized(res);
    const login = this.logins.get(g.login);
    const before = login?.connections.length ?? 0;
    if (login) login.connections = login.connections.filter((c) => c.id !== req.params.id);
    if (!login || login.connections.length === before) return void res.status(404).json({ Title: 'Not Found', Status: 404 });
    res.status(204).end();
  }

  /** Whether the login behind a token may reach a tenant. */
  private reaches(g: AccessGrant, tenantId: string): boolean {
    return this.logins.get(g.login)?.connections.some((c) => c.tenantId === tenantId) ?? false;
  }

  private tenantOf(req: Request): Tenant {
    return this.tenant(String(req.get('xero-tenant-id')));
  }

  /** Auth, tenant, latency, limits, faults and the limit headers for every Accounting API request. */
  private async gate(req: Request, res: Response, next: NextFunction): Promise<void> {
    this.counts.total++;
    const began = Date.now();
    res.on('finish', () => {
      this.counts.busyMs += Date.now() - began;
    });
    const path = req.path.replace(/[0-9a-f-]{36}/gi, '{id}');
    this.counts.byPath[`${req.method} ${path}`] = (this.counts.byPath[`${req.method} ${path}`] ?? 0) + 1;
    if (this.faults.latencyMs) await sleep(this.faults.latencyMs);
    const g = this.bearer(req);
    if (!g) return this.unauthorized(res);
    const tenantId = req.get('xero-tenant-id');
    if (!tenantId) return void res.status(400).json({ Title: 'Bad Request', Status: 400, Detail: 'xero-tenant-id header is required' });
    const t = this.tenants.get(tenantId);
    if (!t || !this.reaches(g, tenantId)) return void res.status(403).json({ Type: null, Title: 'Forbidden', Status: 403, Detail: 'AuthenticationUnsuccessful' });

    const now = Date.now();
    const today = this.now().toISOString().slice(0, 10);
    if (t.day.date !== today) t.day = { date: today, count: 0 };
    while (t.minute.length > 0 && (t.minute[0] ?? 0) <= now - this.limits.windowMs) t.minute.shift();
    while (this.appMinute.length > 0 && (this.appMinute[0] ?? 0) <= now - 60_000) this.appMinute.shift();
    const headers = () => {
      res.setHeader('X-MinLimit-Remaining', String(Math.max(0, this.limits.perMinute - t.minute.length)));
      res.setHeader('X-DayLimit-Remaining', String(Math.max(0, this.limits.perDay - t.day.count)));
      res.setHeader('X-AppMinLimit-Remaining', String(Math.max(0, this.limits.appPerMinute - this.appMinute.length)));
    };
    const limited = (problem: 'minute' | 'day' | 'appminute' | 'concurrent', retryAfterS: number) => {
      this.counts.rateLimited++;
      headers();
      res.setHeader('Retry-After', String(Math.max(1, Math.ceil(retryAfterS))));
      res.setHeader('X-Rate-Limit-Problem', problem);
      res.status(429).json({ Title: 'Too Many Requests', Status: 429, Detail: `rate limit exceeded: ${problem}` });
    };
    if (t.inFlight >= this.limits.concurrent) return limited('concurrent', 1);
    if (t.day.count >= this.limits.perDay) return limited('day', (dayMs(today) + 86_400_000 - this.now().getTime()) / 1000);
    if (t.minute.length >= this.limits.perMinute) return limited('minute', ((t.minute[0] ?? now) + this.limits.windowMs - now) / 1000);
    if (this.appMinute.length >= this.limits.appPerMinute) return limited('appminute', ((this.appMinute[0] ?? now) + 60_000 - now) / 1000);
    t.minute.push(now);
    t.day.count++;
    this.appMinute.push(now);
    t.inFlight++;
    // Out of flight when the answer is handed over (not on 'finish', which can fire after the client already has it).
    let done = false;
    const end = res.end.bind(res);
    res.end = ((...args: Parameters<typeof res.end>) => {
      if (!done) {
        done = true;
        t.inFlight--;
      }
      return end(...args);
    }) as typeof res.end;
    headers();
    const f = this.draw();
    if (f === 429) {
      this.counts.faults++;
      return limited('minute', 1);
    }
    if (f) {
      this.counts.faults++;
      return void res.status(f).json({ Title: f === 500 ? 'An error occurred' : 'Service Unavailable', Status: f });
    }
    next();
  }

  private render(rec: XeroRecord): Record<string, unknown> {
    const { _updated, ...rest } = rec;
    return { ...rest, UpdatedDateUTC: msDate(_updated) };
  }

  private envelope(kind: XeroKind, rows: Record<string, unknown>[], pagination?: Record<string, number>) {
    return { Id: randomUUID(), Status: 'OK', ProviderName: 'Overdue sandbox', DateTimeUTC: msDate(this.now().getTime()), ...(pagination ? { pagination } : {}), [kind]: rows };
  }

  private list(kind: XeroKind, req: Request, res: Response): void {
    const t = this.tenantOf(req);
    const q = req.query;
    const where = typeof q.where === 'string' ? parseWhere(q.where) : [];
    if ('error' in where) return void res.status(400).json({ Type: 'ValidationException', Title: 'Validation', Status: 400, Detail: where.error });
    const listParam = (name: string) => {
      const v = q[name] ?? q[`${name}[]`];
      const values = (Array.isArray(v) ? v : v === undefined ? [] : [v]).flatMap((x) => String(x).split(',')).map((s) => s.trim()).filter(Boolean);
      return values.length ? new Set(values) : undefined;
    };
    const statuses = listParam('Statuses');
    const ids = listParam('IDs');
    const ims = req.get('if-modified-since');
    const since = ims ? Date.parse(ims) : undefined;
    if (since !== undefined && Number.isNaN(since)) return void res.status(400).json({ Title: 'Bad If-Modified-Since', Status: 400 });
    const includeArchived = String(q.includeArchived ?? '') === 'true';
    const rows = [...t.records[kind].values()]
      .filter((r) => where.every((c) => matches(r, c)))
      .filter((r) => !statuses || statuses.has(String(r.Status)))
      .filter((r) => !ids || ids.has(String(r[idField[kind]])))
      .filter((r) => since === undefined || r._updated >= since)
      .filter((r) => kind !== 'Contacts' || includeArchived || ids || r.ContactStatus !== 'ARCHIVED')
      .sort((a, b) => a._updated - b._updated || String(a[idField[kind]]).localeCompare(String(b[idField[kind]])));
    if (q.page === undefined) return void res.json(this.envelope(kind, rows.map((r) => this.render(r))));
    const page = Number(q.page);
    const pageSize = q.pageSize === undefined ? 100 : Number(q.pageSize);
    if (!Number.isInteger(page) || page < 1 || !Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
      return void res.status(400).json({ Type: 'ValidationException', Title: 'Validation', Status: 400, Detail: 'page must be ≥ 1 and pageSize between 1 and 1000' });
    }
    const slice = rows.slice((page - 1) * pageSize, page * pageSize).map((r) => this.render(r));
    res.json(this.envelope(kind, slice, { page, pageSize, pageCount: Math.ceil(rows.length / pageSize), itemCount: rows.length }));
  }

  private read(kind: XeroKind, req: Request, res: Response): void {
    const rec = this.tenantOf(req).records[kind].get(String(req.params.id));
    if (!rec) return void res.status(404).json({ Title: 'Not Found', Status: 404, Detail: `${kind} ${String(req.params.id)} was not found` });
    res.json(this.envelope(kind, [this.render(rec)]));
  }

  /** An invoice's due date as Xero holds it: DueDate, else from the contact's (or the organisation's) sales terms, else its date. */
  dueDateOf(t: Tenant, inv: XeroRecord): string {
    const day = (v: unknown): string | undefined => {
      if (typeof v !== 'string') return undefined;
      const ms = /^\/Date\((-?\d+)/.exec(v)?.[1];
      return ms !== undefined ? new Date(Number(ms)).toISOString().slice(0, 10) : /^\d{4}-\d{2}-\d{2}/.test(v) ? v.slice(0, 10) : undefined;
    };
    const date = day(inv.DateString) ?? day(inv.Date) ?? this.now().toISOString().slice(0, 10);
    const due = day(inv.DueDateString) ?? day(inv.DueDate);
    if (due !== undefined) return due;
    const contact = t.records.Contacts.get(String((inv.Contact as { ContactID?: string } | undefined)?.ContactID ?? ''));
    const terms = ((contact?.PaymentTerms as { Sales?: XeroTermRule } | undefined)?.Sales ?? t.salesTerms) as XeroTermRule | undefined;
    return (terms ? xeroDueDate(date, terms) : null) ?? date;
  }

  /**
   * Reports/AgedReceivablesByContact?contactId=…&date=… (ReportWithRows, as Xero documents its reports): a
   * Header row (Date, Reference, Due Date, Overdue, Total, Paid, Credited, Due), one Section whose Row entries
   * are the contact's authorised sales invoices with something due on the date (the first cell's Attributes
   * carry the invoiceID), and a SummaryRow. Amounts in the invoice's currency.
   */
  private agedReceivablesByContact(req: Request, res: Response): void {
    const t = this.tenantOf(req);
    const contactId = String(req.query.contactId ?? req.query.contactID ?? req.query.ContactID ?? '');
    if (!t.records.Contacts.has(contactId)) return void res.status(400).json({ Type: 'ValidationException', Title: 'Validation', Status: 400, Detail: `contact ${contactId} was not found` });
    const date = typeof req.query.date === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(req.query.date) ? req.query.date : this.now().toISOString().slice(0, 10);
    const invoices = [...t.records.Invoices.values()]
      .filter((i) => i.Type === 'ACCREC' && i.Status === 'AUTHORISED' && (i.Contact as { ContactID?: string } | undefined)?.ContactID === contactId && Number(i.AmountDue ?? 0) > 0)
      .sort((a, b) => String(a.InvoiceNumber ?? '').localeCompare(String(b.InvoiceNumber ?? '')));
    const dec = (v: unknown, cur: string) => Number(v ?? 0).toFixed(exponentOf(cur));
    const rows = invoices.map((i) => {
      const cur = String(i.CurrencyCode ?? t.currency);
      const due = this.dueDateOf(t, i);
      const issued = String(i.DateString ?? '').slice(0, 10);
      const overdueDays = Math.max(0, Math.round((Date.parse(date) - Date.parse(due)) / 86_400_000));
      return {
        RowType: 'Row',
        Cells: [
          { Value: `${issued}T00:00:00`, Attributes: [{ Value: String(i.InvoiceID), Id: 'invoiceID' }] },
          { Value: String(i.InvoiceNumber ?? '') }, { Value: `${due}T00:00:00` }, { Value: overdueDays > 0 ? String(overdueDays) : '' },
          { Value: dec(i.Total, cur) }, { Value: dec(i.AmountPaid, cur) }, { Value: dec(i.AmountCredited, cur) }, { Value: dec(i.AmountDue, cur) },
        ],
      };
    });
    const sum = (k: string) => invoices.reduce((a, i) => a + Number(i[k] ?? 0), 0).toFixed(2);
    const contact = t.records.Contacts.get(contactId);
    res.json({
      Id: randomUUID(), Status: 'OK', ProviderName: 'Overdue sandbox', DateTimeUTC: msDate(this.now().getTime()),
      Reports: [{
        ReportID: 'AgedReceivablesByContact', ReportName: 'Aged Receivables By Contact', ReportType: 'AgedReceivablesByContact',
        ReportTitles: ['Invoices', String(contact?.Name ?? contactId), `To ${date}`, `Showing payments to ${date}`], ReportDate: date, UpdatedDateUTC: msDate(this.now().getTime()), Fields: [],
        Rows: [
          { RowType: 'Header', Cells: ['Date', 'Reference', 'Due Date', 'Overdue', 'Total', 'Paid', 'Credited', 'Due'].map((Value) => ({ Value })) },
          { RowType: 'Section', Title: '', Rows: [...rows, { RowType: 'SummaryRow', Cells: [{ Value: 'Total' }, { Value: '' }, { Value: '' }, { Value: '' }, { Value: sum('Total') }, { Value: sum('AmountPaid') }, { Value: sum('AmountCredited') }, { Value: sum('AmountDue') }] }] },
        ],
      }],
    });
  }

  private onlineInvoice(req: Request, res: Response): void {
    const t = this.tenantOf(req);
    const rec = t.records.Invoices.get(String(req.params.id));
    if (!rec) return void res.status(404).json({ Title: 'Not Found', Status: 404 });
    if (rec.Status === 'DRAFT' || rec.Type !== 'ACCREC') return void res.status(400).json({ Type: 'ValidationException', Status: 400, Detail: 'Online invoices are only available for approved sales invoices' });
    res.json({ OnlineInvoices: [{ OnlineInvoiceUrl: `https://in.xero.example/${t.tenantId.slice(0, 8)}/${String(rec.InvoiceID)}` }] });
  }

  /** An Idempotency-Key replays the first answer of a write. */
  private idempotent(req: Request, res: Response, t: Tenant, run: () => { status: number; body: unknown }): void {
    const key = req.get('idempotency-key');
    if (key && key.length > 128) return void res.status(400).json({ Status: 400, Detail: 'Idempotency-Key longer than 128 characters' });
    const prior = key ? t.writes.get(`${req.method} ${req.path} ${key}`) : undefined;
    const { status, body } = prior ?? run();
    if (key && !prior && status < 300) t.writes.set(`${req.method} ${req.path} ${key}`, { status, body });
    if (status === 204) return void res.status(204).end();
    res.status(status).json(body);
  }

  private email(req: Request, res: Response): void {
    const t = this.tenantOf(req);
    this.idempotent(req, res, t, () => {
      const rec = t.records.Invoices.get(String(req.params.id));
      if (!rec) return { status: 404, body: { Title: 'Not Found', Status: 404 } };
      if (rec.Type !== 'ACCREC' || !['AUTHORISED', 'PAID', 'SUBMITTED'].includes(String(rec.Status))) {
        return { status: 400, body: { Type: 'ValidationException', Status: 400, Elements: [{ ValidationErrors: [{ Message: 'Only sales invoices that are approved can be emailed' }] }] } };
      }
      const contact = t.records.Contacts.get(String((rec.Contact as { ContactID?: string }).ContactID));
      if (!contact?.EmailAddress) return { status: 400, body: { Type: 'ValidationException', Status: 400, Elements: [{ ValidationErrors: [{ Message: 'The contact has no email address' }] }] } };
      t.emailed.push(String(rec.InvoiceID));
      this.change(t.tenantId, 'Invoices', String(rec.InvoiceID), { SentToContact: true });
      return { status: 204, body: null };
    });
  }

  private putHistory(req: Request, res: Response): void {
    const t = this.tenantOf(req);
    this.idempotent(req, res, t, () => {
      const id = String(req.params.id);
      if (!t.records.Contacts.has(id)) return { status: 404, body: { Title: 'Not Found', Status: 404 } };
      const records: unknown = req.body?.HistoryRecords;
      if (!Array.isArray(records) || records.length === 0) return { status: 400, body: { Type: 'ValidationException', Status: 400, Detail: 'HistoryRecords required' } };
      const details = records.map((r: unknown) => String((r as { Details?: unknown })?.Details ?? ''));
      if (details.some((d) => d.length === 0 || d.length > 250)) return { status: 400, body: { Type: 'ValidationException', Status: 400, Elements: [{ ValidationErrors: [{ Message: 'Details must be between 1 and 250 characters' }] }] } };
      const list = t.history.get(id) ?? [];
      const added = details.map((Details) => ({ Details, DateUTC: msDate(this.now().getTime()), User: 'System Generated' }));
      list.push(...added);
      t.history.set(id, list);
      return { status: 200, body: { HistoryRecords: added } };
    });
  }
}

// ------------------------------------------------------------------ where clauses

interface Condition { field: string; op: '==' | '!=' | '>' | '<' | '>=' | '<='; value: string | number | boolean }

/** `Type=="ACCREC" AND Status=="AUTHORISED"`, `IsCustomer==true`, `AmountDue>0`, joined by AND or &&. */
export function parseWhere(where: string): Condition[] | { error: string } {
  const out: Condition[] = [];
  for (const part of where.split(/\s+(?:AND|&&)\s+/i)) {
    const m = /^\s*([\w.]+)\s*(==|!=|>=|<=|>|<)\s*(.+?)\s*$/.exec(part);
    if (!m?.[1] || !m[2] || !m[3]) return { error: `cannot parse where clause: ${part}` };
    const raw = m[3];
    const value = /^".*"$/.test(raw) ? raw.slice(1, -1) : /^(true|false)$/i.test(raw) ? raw.toLowerCase() === 'true' : Number(raw);
    if (typeof value === 'number' && Number.isNaN(value)) return { error: `bad literal ${raw}` };
    out.push({ field: m[1], op: m[2] as Condition['op'], value });
  }
  return out;
}

function field(rec: Record<string, unknown>, path: string): unknown {
  let cur: unknown = rec;
  for (const part of path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function matches(rec: Record<string, unknown>, c: Condition): boolean {
  const v = field(rec, c.field);
  switch (c.op) {
    case '==': return v === c.value || (v === undefined && c.value === false);
    case '!=': return v !== c.value;
    case '>': return Number(v) > Number(c.value);
    case '<': return Number(v) < Number(c.value);
    case '>=': return Number(v) >= Number(c.value);
    case '<=': return Number(v) <= Number(c.value);
  }
}

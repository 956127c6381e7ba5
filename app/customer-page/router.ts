// The customer's page (docs/customer-page.md): public, no login, `GET /c/:token` — the statement, how to pay and
// three forms — and `POST /c/:token/{promise,paid,dispute}`. The token is the signed, expiring link of
// src/crypto/customer-link.ts; revocation is read per open (src/store/customer-links.ts). Each answer is parsed
// by the parsers a person's answer in Slack goes through (src/domain/human-input.ts, the same limits: the
// policy's input horizon, the balance in the account's main currency) and recorded by
// slack/services/customer-answers.ts. Forms carry an HMAC of the token (`_csrf`) and must come from this origin;
// requests are rate-limited per token and per IP (rate-limit.ts, per process).
import express, { type Response, type Router } from 'express';
import { z } from 'zod';
import { addDays, localDate } from '../../src/domain/calendar.js';
import { parseAmount, parseDate, parsePastDate, parseText } from '../../src/domain/human-input.js';
import { canonicalLanguage } from '../../src/domain/language.js';
import { customerFormToken, customerFormTokenOk, verifyCustomerToken } from '../../src/crypto/customer-link.js';
import { resolveDocumentSettings, type DocumentSettings } from '../../src/documents/settings.js';
import { collectorFallbackOf } from '../../src/planning/collector.js';
import { overriddenFields } from '../../src/planning/overrides.js';
import { plannerFor } from '../../src/planning/plan.js';
import { accountStates } from '../../src/planning/state.js';
import { customerLinks, isRevoked } from '../../src/store/customer-links.js';
import type { CustomerDoc, InvoiceDoc, OrganisationDoc } from '../../src/store/types.js';
import type { SlackContext } from '../../slack/services/context.js';
import { recordCustomerAnswer, type CustomerAnswer } from '../../slack/services/customer-answers.js';
import type { Services } from '../services.js';
import { sameOrigin } from '../console/router.js';
import { html } from '../console/html.js';
import { RateLimiter, type RateLimits } from './rate-limit.js';
import { CONFIRMATIONS, DISPUTE_REASONS, page, PAGE_CSS, PAGE_CSS_PATH, refusalPage, statementBody, type Field, type FormState } from './view.js';

/** No script at all; our stylesheet; images: ours and the letterhead's logo (a data: URI); forms post here only. */
export const CUSTOMER_PAGE_CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** Per token: a customer opening and answering; per IP: one office's many accounts. Per process (rate-limit.ts). */
export const DEFAULT_RATE_LIMITS: RateLimits = { windowMs: 15 * 60_000, perToken: 60, perIp: 300 };

export interface CustomerPageDeps {
  services: Services;
  /** The Slack app's services (the collector's card); null: Slack not configured. */
  slack: SlackContext | null;
  /** The customer-link key (config.secrets.customerLinkKey). */
  key: Buffer;
  bodyLimit: string;
  limits?: RateLimits;
}

const FormBody = z.record(z.string(), z.string().max(5_000));

const NEUTRAL: DocumentSettings = resolveDocumentSettings({ name: 'Overdue', settings: {} });

interface Account {
  token: string;
  customer: CustomerDoc;
  org: OrganisationDoc | null;
  settings: DocumentSettings;
  invoices: InvoiceDoc[];
  today: string;
  horizonDays: number;
  currency: string;
  owedMinor: number;
  lang: string;
}

type Opened = { ok: true; account: Account } | { ok: false; status: number; html: string };

/** The page's language: the account's override, else a contact's; only English texts exist, so another language keeps `en` (docs/customer-page.md). */
function languageOf(customer: CustomerDoc, override: string | undefined): string {
  const tag = canonicalLanguage(override ?? customer.contacts.find((c) => c.language)?.language ?? 'en') ?? 'en';
  return tag === 'en' || tag.startsWith('en-') ? tag : 'en';
}

/** The main currency of the open balance and the balance in it (a promise or payment is in one currency). */
function mainBalance(invoices: readonly InvoiceDoc[], fallback: string): { currency: string; owedMinor: number } {
  const totals = new Map<string, number>();
  for (const i of invoices) totals.set(i.currency, (totals.get(i.currency) ?? 0) + i.balanceMinor);
  const [currency, owedMinor] = [...totals.entries()].sort((a, b) => b[1] - a[1])[0] ?? [fallback, 0];
  return { currency, owedMinor };
}

export function customerPageRouter(deps: CustomerPageDeps): Router {
  const { services, key } = deps;
  const { store, now } = services;
  const limiter = new RateLimiter(deps.limits ?? DEFAULT_RATE_LIMITS);
  const links = customerLinks(store.db);
  const states = accountStates(store.db);
  const router = express.Router();
  const forms = express.urlencoded({ extended: false, limit: deps.bodyLimit, parameterLimit: 50 });
  const replan = deps.slack ? (id: string, at: Date) => deps.slack?.replanAfter(id, at) ?? Promise.resolve() : (id: string, at: Date) => plannerFor(services).plan(id, at);

  router.get(PAGE_CSS_PATH, (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=3600');
    res.type('text/css').send(PAGE_CSS);
  });

  router.use('/c', (req, res, next) => {
    res.setHeader('Content-Security-Policy', CUSTOMER_PAGE_CSP);
    res.setHeader('Cache-Control', 'no-store');
    // The token is in the path: other sites (a pay link's) get no referrer. same-origin, not no-referrer: with
    // no-referrer a browser sends `Origin: null` on our own form POSTs, which the origin check refuses.
    res.setHeader('Referrer-Policy', 'same-origin');
    res.setHeader('X-Robots-Tag', 'noindex, nofollow');
    const token = /^\/([^/]+)/.exec(req.path)?.[1] ?? '';
    const limited = limiter.hit(token, req.ip ?? req.socket.remoteAddress ?? 'unknown', now().getTime());
    if (limited !== null) {
      res.setHeader('Retry-After', String(Math.ceil(limited / 1000)));
      res.status(429).type('html').send(refusalPage('en', NEUTRAL, 'Too many requests', `This page was asked for too often in a short time. Please wait ${Math.ceil(limited / 60_000)} minute(s) and try again.`));
      return;
    }
    next();
  });

  async function open(token: string): Promise<Opened> {
    const at = now();
    const check = verifyCustomerToken(key, token, at);
    if (!check.ok && check.why !== 'expired') return { ok: false, status: 404, html: refusalPage('en', NEUTRAL, 'This link does not work', 'This link is not one we sent, or it was changed on the way (a mail program may have cut it).') };
    // Expired or revoked links name their organisation (the signature holds), so the page can say whom to contact.
    // Expired: its signed content all the same (checked as of the epoch), for the organisation's contact.
    const signed = check.ok ? check : verifyCustomerToken(key, token, new Date(0));
    const link = signed.ok ? signed.link : null;
    if (!link) return { ok: false, status: 404, html: refusalPage('en', NEUTRAL, 'This link does not work', 'This link is not one we sent.') };
    const [customer, org] = await Promise.all([store.customers.get(link.customerId), store.organisations.get(link.orgId)]);
    const settings = org ? resolveDocumentSettings(org, { ...collectorFallbackOf(customer ?? { collectorEmail: undefined }, org), country: customer?.country }) : NEUTRAL;
    if (!customer || customer.orgId !== link.orgId) return { ok: false, status: 404, html: refusalPage('en', settings, 'This link does not work', 'This link is for an account we no longer have.') };
    const state = await states.get(customer._id);
    const lang = languageOf(customer, state?.overrides?.language);
    if (!check.ok) return { ok: false, status: 410, html: refusalPage(lang, settings, 'This link has expired', 'For your security, the link in our message works for a limited time, and this one has expired.') };
    if (isRevoked(link.issuedAt, await links.revokedBefore(link.orgId, link.customerId))) {
      return { ok: false, status: 410, html: refusalPage(lang, settings, 'This link no longer works', 'This link has been withdrawn. Newer messages from us carry a new link.') };
    }
    const tz = overriddenFields(customer, state, org?.timeZone ?? 'UTC').timeZone;
    const [invoices, policy] = await Promise.all([store.invoices.listOpenForCustomer(customer.provider, customer.companyId, customer.externalId), services.policies.forOrg(customer.orgId)]);
    const sorted = [...invoices].sort((a, b) => (a.dueDate < b.dueDate ? -1 : a.dueDate > b.dueDate ? 1 : a.number.localeCompare(b.number)));
    const main = mainBalance(sorted, customer.currency ?? org?.homeCurrency ?? 'USD');
    return { ok: true, account: { token, customer, org, settings, invoices: sorted, today: localDate(at, tz), horizonDays: policy.policy.limits.inputHorizonDays, lang, ...main } };
  }

  const title = (a: Account) => `Your account with ${a.settings.letterhead.name}`;

  function statement(res: Response, a: Account, form: FormState, status = 200): void {
    const body = statementBody({
      token: a.token, csrf: customerFormToken(key, a.token), customer: a.customer, invoices: a.invoices, settings: a.settings, today: a.today,
      latestPromise: addDays(a.today, a.horizonDays), currency: a.currency, owedMinor: a.owedMinor, form,
    });
    res.status(status).type('html').send(page({ lang: a.lang, title: title(a), settings: a.settings, body }));
  }

  router.get('/c/:token', async (req, res) => {
    const o = await open(String(req.params['token']));
    if (!o.ok) return void res.status(o.status).type('html').send(o.html);
    statement(res, o.account, { values: { promiseAmount: '', paidAmount: '' }, errors: {} });
  });

  router.get('/c/:token/done/:kind', async (req, res) => {
    const o = await open(String(req.params['token']));
    if (!o.ok) return void res.status(o.status).type('html').send(o.html);
    const kind = String(req.params['kind']);
    if (kind !== 'promise' && kind !== 'paid' && kind !== 'dispute') return void res.status(404).type('html').send(refusalPage(o.account.lang, o.account.settings, 'Not found', 'There is no such page.'));
    const c = CONFIRMATIONS[kind];
    res.type('html').send(page({ lang: o.account.lang, title: c.title, settings: o.account.settings, body: html`<p class="notice" role="status">${c.text}</p><p><a href="/c/${o.account.token}">Back to your statement</a></p>` }));
  });

  router.post('/c/:token/:kind', forms, async (req, res) => {
    const token = String(req.params['token']);
    const kind = String(req.params['kind']);
    const o = await open(token);
    if (!o.ok) return void res.status(o.status).type('html').send(o.html);
    const a = o.account;
    if (kind !== 'promise' && kind !== 'paid' && kind !== 'dispute') return void res.status(404).type('html').send(refusalPage(a.lang, a.settings, 'Not found', 'There is no such form.'));
    const body = FormBody.safeParse(req.body ?? {});
    if (!body.success) return void res.status(400).type('html').send(refusalPage(a.lang, a.settings, 'Form not understood', 'A field of this form was sent twice or is too long.'));
    const f = body.data;
    if (!customerFormTokenOk(key, token, f['_csrf']) || !sameOrigin(req)) {
      return void res.status(403).type('html').send(refusalPage(a.lang, a.settings, 'Form refused', 'This form did not come from your statement page. Open the link in our message again and send the form from there.'));
    }
    if (a.invoices.length === 0) return void res.status(409).type('html').send(refusalPage(a.lang, a.settings, 'Nothing is open', 'Nothing is open on your account now, so there is nothing to answer. Thank you.'));
    const parsed = parseAnswer(kind, f, a);
    if (!parsed.ok) return statement(res, a, { values: parsed.values, errors: parsed.errors }, 422);
    await recordCustomerAnswer({ store, logger: services.logger, replan, slack: deps.slack }, a.customer, parsed.answer, now());
    res.redirect(303, `/c/${token}/done/${kind}`);
  });

  router.use('/c', (_req, res) => void res.status(404).type('html').send(refusalPage('en', NEUTRAL, 'Not found', 'There is no such page.')));
  return router;
}

type ParsedAnswer = { ok: true; answer: CustomerAnswer } | { ok: false; values: FormState['values']; errors: FormState['errors'] };

/** A form's fields through the parsers Slack's forms use (src/domain/human-input.ts), under the same limits. */
export function parseAnswer(kind: 'promise' | 'paid' | 'dispute', f: Record<string, string>, a: Pick<Account, 'today' | 'horizonDays' | 'currency' | 'owedMinor' | 'invoices'>): ParsedAnswer {
  const values: FormState['values'] = {};
  for (const k of ['promiseDate', 'promiseAmount', 'paidDate', 'paidAmount', 'paidReference', 'disputeInvoice', 'disputeReason', 'disputeText'] as Field[]) if (f[k] !== undefined) values[k] = f[k];
  const errors: FormState['errors'] = {};
  const all = a.invoices.map((i) => i._id);
  if (kind === 'promise') {
    const day = parseDate(f['promiseDate'], { today: a.today, from: 'today', horizonDays: a.horizonDays });
    const amount = parseAmount(f['promiseAmount'], { currency: a.currency, maxMinor: a.owedMinor });
    if (!day.ok) errors.promiseDate = day.problem;
    if (!amount.ok) errors.promiseAmount = amount.problem;
    if (!day.ok || !amount.ok) return { ok: false, values, errors };
    return { ok: true, answer: { kind: 'promise', date: day.value, amountMinor: amount.value, currency: a.currency, invoiceIds: all } };
  }
  if (kind === 'paid') {
    const day = parsePastDate(f['paidDate'], { today: a.today, horizonDays: a.horizonDays });
    const amount = parseAmount(f['paidAmount'], { currency: a.currency });
    const ref = parseText(f['paidReference'], 'name', false);
    if (!day.ok) errors.paidDate = day.problem;
    if (!amount.ok) errors.paidAmount = amount.problem;
    if (!ref.ok) errors.paidReference = ref.problem;
    if (!day.ok || !amount.ok || !ref.ok) return { ok: false, values, errors };
    return { ok: true, answer: { kind: 'paid', date: day.value, amountMinor: amount.value, currency: a.currency, reference: ref.value, invoiceIds: all } };
  }
  const invoice = a.invoices.find((i) => i.number === f['disputeInvoice']);
  const reason = DISPUTE_REASONS.find((r) => r.value === f['disputeReason']);
  const text = parseText(f['disputeText'], 'reason', 'Say what is wrong with the invoice');
  if (!invoice) errors.disputeInvoice = 'Pick one of your open invoices';
  if (!reason) errors.disputeReason = 'Pick a reason';
  if (!text.ok) errors.disputeText = text.problem;
  if (!invoice || !reason || !text.ok) return { ok: false, values, errors };
  return { ok: true, answer: { kind: 'dispute', invoiceIds: [invoice._id], invoiceNumbers: [invoice.number], reason: `${reason.label}: ${text.value ?? ''}` } };
}

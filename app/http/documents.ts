// Admin API for documents (mounted under /api behind the admin token):
//   GET /orgs/:orgId/accounts/:customerId/documents         the documents sent (JSON list, no bytes)
//   GET /orgs/:orgId/accounts/:customerId/documents/:docId  one sent document: its stored bytes, as sent
//   GET /accounts/:id/letters/:kind.pdf/preview  kind: final-demand | written-warning — a PREVIEW of a letter
//                                            not yet sent (drawn now; a sent letter is served from the archive)
//   GET /accounts/:id/statement.pdf
//   GET /accounts/:id/audit.csv | audit.pdf
//   GET /accounts/:id/referral-packet.zip
//   GET /orgs/:orgId/audit.csv?from=YYYY-MM-DD&to=YYYY-MM-DD   (the period, per organisation)
// `?date=YYYY-MM-DD` dates a letter preview or statement (default: today in the account's zone).
// The account id is the customer document's _id.
import express, { type Request, type Response, type Router } from 'express';
import { addDays, isValidDate, localDate, zonedInstant, type LocalDate } from '../../src/domain/calendar.js';
import { AppError } from '../../src/errors.js';
import type { Store } from '../../src/store/store.js';
import { auditCsv, auditPdf, chainHeader } from '../../src/documents/audit-export.js';
import { EmptyDemandError } from '../../src/documents/letter.js';
import { loadAccount, partyOf, sentLetterCopies, today } from '../../src/documents/load.js';
import { letterPreview } from '../../src/documents/preview.js';
import type { PolicySource } from '../../src/planning/policy-source.js';
import { sentDocuments, type SentDocumentMeta } from '../../src/store/sent-documents.js';
import type { CustomerDoc } from '../../src/store/types.js';
import { documentInstant } from '../../src/documents/model.js';
import { buildReferralPacket } from '../../src/documents/packet.js';
import { isLetterKind, LETTER_KINDS, resolveDocumentSettings } from '../../src/documents/settings.js';
import { buildStatement } from '../../src/documents/statement.js';
import { z } from 'zod';
import type { ApiRouteDoc } from './openapi.js';

export interface DocumentsRouterDeps {
  store: Store;
  now?: () => Date;
  /** The organisations' ladders: a letter preview is dated by the account's (default ladder when absent). */
  policies?: PolicySource;
}

/** A sent document as the list shows it: what it is, its hash, the deadline it stated, and where its bytes are. */
export const SentDocumentItem = z.object({
  id: z.string(),
  kind: z.enum(['letter', 'statement']),
  letter: z.string().optional(),
  levelId: z.string(),
  levelName: z.string(),
  filename: z.string(),
  contentType: z.string(),
  sha256: z.string(),
  byteLength: z.number().int(),
  sentDate: z.iso.date(),
  deadline: z.iso.date().optional().describe('the response deadline the document stated'),
  sentAt: z.iso.datetime(),
  outboxKey: z.string(),
  url: z.string().describe('GET this path (under /api) for the stored bytes'),
});
const SentDocumentList = z.object({ documents: z.array(SentDocumentItem) });

/** The path (under /api) of a sent document's bytes. */
export function sentDocumentPath(orgId: string, customerId: string, docId: string): string {
  return `/orgs/${encodeURIComponent(orgId)}/accounts/${encodeURIComponent(customerId)}/documents/${encodeURIComponent(docId)}`;
}

export function sentDocumentItem(d: SentDocumentMeta): z.infer<typeof SentDocumentItem> {
  return {
    id: d._id,
    kind: d.kind,
    ...(d.letter !== undefined ? { letter: d.letter } : {}),
    levelId: d.levelId,
    levelName: d.levelName,
    filename: d.filename,
    contentType: d.contentType,
    sha256: d.sha256,
    byteLength: d.byteLength,
    sentDate: d.sentDate,
    ...(d.deadline !== undefined ? { deadline: d.deadline } : {}),
    sentAt: (d.sentAt ?? d.storedAt).toISOString(),
    outboxKey: d.outboxKey,
    url: sentDocumentPath(d.orgId, d.customerId, d._id),
  };
}

function param(req: Request, name: string): string {
  const v: unknown = req.params[name];
  if (typeof v !== 'string' || v === '') throw new AppError('bad_request', `missing ${name}`);
  return v;
}

/** Dates the documents API accepts: wide enough for any real letter or audit period, far from the calendar's edges. */
export const DOCUMENT_DATES = { earliest: '1900-01-01', latest: '2999-12-31' } as const;

function dateQuery(req: Request, name: string): LocalDate | undefined {
  const v: unknown = req.query[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !isValidDate(v)) throw new AppError('bad_request', `${name} must be a calendar date (YYYY-MM-DD)`);
  if (v < DOCUMENT_DATES.earliest || v > DOCUMENT_DATES.latest) {
    throw new AppError('bad_request', `${name} must be between ${DOCUMENT_DATES.earliest} and ${DOCUMENT_DATES.latest}`);
  }
  return v;
}

/** The documents' query, as the OpenAPI document shows it (dateQuery reads it: 400 for a date that is not one). */
const DocumentDate = z.object({ date: z.iso.date().optional().describe('the document date (default: today in the account time zone)') });
const AuditPeriod = z.object({ from: z.iso.date().describe('first day, inclusive'), to: z.iso.date().describe('last day, inclusive (to ≥ from)') });

export const documentsRoutes: ApiRouteDoc[] = [
  { method: 'get', path: '/orgs/:orgId/accounts/:customerId/documents', summary: 'The documents sent to the account (letters, statements), as archived when they went out', response: SentDocumentList, statuses: [404] },
  { method: 'get', path: '/orgs/:orgId/accounts/:customerId/documents/:docId', summary: 'One sent document: the exact bytes that went out, with their content type (X-Content-SHA256, X-Response-Deadline)', responseMediaTypes: ['application/pdf', 'application/octet-stream'], statuses: [404] },
  { method: 'get', path: '/accounts/:id/letters/:file/preview', summary: 'A PREVIEW of a letter not yet sent, drawn now: final-demand.pdf or written-warning.pdf (X-Response-Deadline: by the account ladder deadline rule). Sent letters: the documents list', query: DocumentDate, responseMediaTypes: ['application/pdf'], statuses: [404] },
  { method: 'get', path: '/accounts/:id/statement.pdf', summary: 'The account statement as PDF', query: DocumentDate, responseMediaTypes: ['application/pdf'], statuses: [404] },
  { method: 'get', path: '/accounts/:id/audit.csv', summary: "The account's audit trail as CSV (X-Audit-Chain: the chain check)", responseMediaTypes: ['text/csv'], statuses: [404] },
  { method: 'get', path: '/accounts/:id/audit.pdf', summary: "The account's audit trail as PDF", responseMediaTypes: ['application/pdf'], statuses: [404] },
  { method: 'get', path: '/accounts/:id/referral-packet.zip', summary: 'The collection agency referral packet (letters, statement, audit trail)', query: DocumentDate, responseMediaTypes: ['application/zip'], statuses: [404] },
  { method: 'get', path: '/orgs/:orgId/audit.:format', summary: "The organisation's audit entries of a period: audit.csv or audit.pdf", query: AuditPeriod, responseMediaTypes: ['text/csv', 'application/pdf'], statuses: [404] },
];

/** The account, when it belongs to the organisation (404 otherwise, the same answer for both). */
async function accountOf(store: Store, orgId: string, customerId: string): Promise<CustomerDoc> {
  const c = await store.customers.get(customerId);
  if (!c || c.orgId !== orgId) throw new AppError('not_found', `organisation ${orgId} has no account ${customerId}`);
  return c;
}

function send(res: Response, type: string, filename: string, body: Buffer | string): void {
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Disposition', `attachment; filename="${filename.replace(/[^A-Za-z0-9._-]/g, '_')}"`);
  res.setHeader('Cache-Control', 'no-store');
  res.send(body);
}

export function documentsRouter(deps: DocumentsRouterDeps): Router {
  const now = deps.now ?? (() => new Date());
  const r = express.Router();

  r.get('/orgs/:orgId/accounts/:customerId/documents', async (req, res) => {
    const customer = await accountOf(deps.store, param(req, 'orgId'), param(req, 'customerId'));
    const docs = await sentDocuments(deps.store.db).listSent(customer._id);
    res.setHeader('Cache-Control', 'no-store');
    res.json({ documents: docs.map(sentDocumentItem) });
  });

  r.get('/orgs/:orgId/accounts/:customerId/documents/:docId', async (req, res) => {
    const customer = await accountOf(deps.store, param(req, 'orgId'), param(req, 'customerId'));
    const doc = await sentDocuments(deps.store.db).get(customer._id, param(req, 'docId'));
    if (!doc) throw new AppError('not_found', `account ${customer._id} has no sent document ${param(req, 'docId')}`);
    res.setHeader('X-Content-SHA256', doc.sha256);
    if (doc.deadline !== undefined) res.setHeader('X-Response-Deadline', doc.deadline);
    send(res, doc.contentType, doc.filename, doc.bytes);
  });

  r.get('/accounts/:id/letters/:file/preview', async (req, res) => {
    const file = param(req, 'file');
    const kind = file.endsWith('.pdf') ? file.slice(0, -4) : file;
    if (!file.endsWith('.pdf') || !isLetterKind(kind)) throw new AppError('bad_request', `unknown letter "${file}": one of ${LETTER_KINDS.map((k) => `${k}.pdf`).join(', ')}`);
    const date = dateQuery(req, 'date');
    const data = await loadAccount(deps.store, param(req, 'id'));
    const letter = await letterPreview({ store: deps.store, ...(deps.policies ? { policies: deps.policies } : {}), data, kind, sentDate: date ?? today(data, now()) }).catch((err: unknown) => {
      if (err instanceof EmptyDemandError) throw new AppError('conflict', `${err.message}: nothing to preview`);
      throw err;
    });
    res.setHeader('X-Response-Deadline', letter.deadline);
    res.setHeader('X-Overdue-Document', 'preview: not a letter that was sent');
    send(res, 'application/pdf', `preview-${letter.filename}`, letter.pdf);
  });

  r.get('/accounts/:id/statement.pdf', async (req, res) => {
    const date = dateQuery(req, 'date');
    const data = await loadAccount(deps.store, param(req, 'id'));
    const st = await buildStatement({ settings: data.settings, customer: partyOf(data.customer), invoices: data.invoices, asOf: date ?? today(data, now()) });
    send(res, 'application/pdf', st.filename, st.pdf);
  });

  r.get('/accounts/:id/audit.csv', async (req, res) => {
    const id = param(req, 'id');
    if (!(await deps.store.customers.get(id))) throw new AppError('not_found', `account ${id} does not exist`);
    const checks = new Map([[id, await deps.store.audit.verify(id)]]);
    res.setHeader('X-Audit-Chain', chainHeader(checks, 'account'));
    send(res, 'text/csv; charset=utf-8', `audit-${id}.csv`, auditCsv(await deps.store.audit.list(id), checks));
  });

  r.get('/accounts/:id/audit.pdf', async (req, res) => {
    const data = await loadAccount(deps.store, param(req, 'id'));
    const chain = await deps.store.audit.verify(data.customer._id);
    const pdf = await auditPdf({
      settings: data.settings,
      scope: `Account ${data.customer.legalName ?? data.customer.displayName}`,
      entries: data.audit,
      checks: new Map([[data.customer._id, chain]]),
      timeZone: data.timeZone,
      generatedAt: documentInstant(today(data, now())),
      invoiceNumbers: new Map(data.invoices.map((i) => [i.id, i.number])),
    });
    send(res, 'application/pdf', `audit-${data.customer._id}.pdf`, pdf);
  });

  r.get('/accounts/:id/referral-packet.zip', async (req, res) => {
    const date = dateQuery(req, 'date');
    const data = await loadAccount(deps.store, param(req, 'id'));
    const chain = await deps.store.audit.verify(data.customer._id);
    const packet = await buildReferralPacket(data, { asOf: date ?? today(data, now()), chain, letters: await sentLetterCopies(deps.store, data) });
    send(res, 'application/zip', packet.filename, packet.zip);
  });

  r.get('/orgs/:orgId/audit.:format', async (req, res) => {
    const format = param(req, 'format');
    if (format !== 'csv' && format !== 'pdf') throw new AppError('bad_request', 'the audit export is audit.csv or audit.pdf');
    const org = await deps.store.organisations.get(param(req, 'orgId'));
    if (!org) throw new AppError('not_found', `organisation ${param(req, 'orgId')} does not exist`);
    const from = dateQuery(req, 'from');
    const to = dateQuery(req, 'to');
    if (!from || !to || to < from) throw new AppError('bad_request', 'from and to (YYYY-MM-DD, to ≥ from) are required; the period includes both days');
    // Calendar days in the organisation's zone, to inclusive.
    const start = new Date(zonedInstant(from, '00:00', org.timeZone));
    const end = new Date(zonedInstant(addDays(to, 1), '00:00', org.timeZone));
    const entries = await deps.store.audit.listPeriod(org._id, start, end);
    const checks = new Map<string, Awaited<ReturnType<Store['audit']['verify']>>>();
    for (const acc of [...new Set(entries.map((e) => e.accountId))]) checks.set(acc, await deps.store.audit.verify(acc));
    if (format === 'csv') {
      res.setHeader('X-Audit-Chain', chainHeader(checks, 'period'));
      return send(res, 'text/csv; charset=utf-8', `audit-${org._id}-${from}-${to}.csv`, auditCsv(entries, checks));
    }
    const pdf = await auditPdf({ settings: resolveDocumentSettings(org), scope: `${org.name}, ${from} to ${to}`, entries, checks, timeZone: org.timeZone, generatedAt: documentInstant(localDate(now(), org.timeZone)) });
    send(res, 'application/pdf', `audit-${org._id}-${from}-${to}.pdf`, pdf);
  });

  return r;
}

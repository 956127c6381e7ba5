// The documents admin API over HTTP against FerretDB: letters, statement, audit
// CSV, the referral packet ZIP, and the error shapes.
import JSZip from 'jszip';
import request from 'supertest';
import type express from 'express';
import { createApp } from '../src/http/app.js';
import { createLogger } from '../src/logger.js';
import { documentsRouter } from '../app/http/documents.js';
import { buildLetter } from '../src/documents/letter.js';
import { loadAccount, partyOf } from '../src/documents/load.js';
import { recordId } from '../src/store/records.js';
import { sentDocuments } from '../src/store/sent-documents.js';
import { createHash } from 'node:crypto';
import { createStore, ensureIndexes, type Store } from '../src/store/store.js';
import type { CustomerDoc } from '../src/store/types.js';
import { openTestDatabase } from './helpers/db.js';
import { COMPANY, customerDoc, invoiceDoc, saveCustomer, seedOrg, standardContacts } from './helpers/accounts.js';
import { orgSettings, pdfText, squash } from './documents.helpers.js';

const token = 'documents-admin-token-0123456789';
const now = new Date('2025-03-12T15:00:00Z');
let database: Awaited<ReturnType<typeof openTestDatabase>>;
let store: Store;
let app: express.Express;
let customer: CustomerDoc;
let sentDemand: { id: string; sha256: string; bytes: Buffer };

// jsdom-free binary body parser for supertest
function binary(res: request.Response, cb: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
}

const get = (path: string) => request(app).get(path).set('Authorization', `Bearer ${token}`).buffer(true).parse(binary);

beforeAll(async () => {
  database = await openTestDatabase('dochttp');
  await ensureIndexes(database.db);
  store = createStore(database.db);
  await seedOrg(store, 'org-1', now);
  await store.organisations.setSettings('org-1', orgSettings, now);
  customer = customerDoc('org-1', 'C-77', 'Contoso Builders', standardContacts('contoso.example'), now, { legalName: 'Contoso Builders LLC', address: '42 Harbor Rd\nSpringfield, IL 62701' });
  const invoices = [
    invoiceDoc(customer, 'I-1', 'INV-1001', '2024-12-01', 1234567, now, { balanceMinor: 1000000, issueDate: '2024-11-01' }),
    invoiceDoc(customer, 'I-2', 'INV-1002', '2024-12-31', 500000, now, { issueDate: '2024-12-01' }),
    invoiceDoc(customer, 'I-3', 'INV-0999', '2024-10-31', 10000, now, { balanceMinor: 0, status: 'paid', issueDate: '2024-10-01' }),
  ];
  await saveCustomer(store, customer, invoices);
  await store.payments.upsertMany([
    { provider: 'quickbooks', companyId: COMPANY, externalId: 'P-1', orgId: 'org-1', connectionId: customer.connectionId, customerExternalId: 'C-77', date: '2025-01-20', currency: 'USD', amountMinor: 10000, appliedTo: [{ invoiceExternalId: 'I-3', amountMinor: 10000 }], deleted: false, syncedAt: now },
  ]);
  await database.db.collection<{ _id: string }>('account_states').insertOne({ _id: customer._id, orgId: 'org-1', personalGuarantee: true, personalGuaranteeRef: 'PG-2023-014 signed by J. Contoso' } as { _id: string });
  const sys = { kind: 'system' as const, id: 'overdue', name: 'Overdue' };
  await store.audit.append({ orgId: 'org-1', accountId: customer._id, actor: sys, channel: 'email', action: 'outbox.sent', invoiceIds: [recordId({ provider: 'quickbooks', companyId: COMPANY, externalId: 'I-1' })], outcome: 'reminder sent to bea@contoso.example', at: new Date('2025-01-05T15:00:00Z') });
  await store.audit.append({ orgId: 'org-1', accountId: customer._id, actor: { kind: 'person', id: 'U1', name: 'Cole Lector' }, channel: 'phone', action: 'call.logged', invoiceIds: [], outcome: '@no answer, left voicemail', at: new Date('2025-02-10T16:00:00Z') });
  await store.audit.append({ orgId: 'org-1', accountId: customer._id, actor: sys, channel: 'letter', action: 'outbox.sent', invoiceIds: [], outcome: 'final demand sent to ann@contoso.example', details: { key: `${customer._id}:final-demand:letter:x` }, at: new Date('2025-02-26T15:00:00Z') });
  // The final demand as it was sent: archived (its bytes) and audited with its hash, as the dispatcher does.
  const data = await loadAccount(store, customer._id);
  const drawn = await buildLetter({ kind: 'final-demand', settings: data.settings, customer: partyOf(data.customer, 'final-demand'), invoices: data.invoices, sentDate: '2025-02-26', deadline: '2025-03-12' });
  const kept = await sentDocuments(database.db).keep({ orgId: 'org-1', customerId: customer._id, outboxKey: `${customer._id}:final-demand:letter:x`, kind: 'letter', letter: 'final-demand', levelId: 'final-demand', levelName: 'final demand', filename: drawn.filename, contentType: 'application/pdf', sentDate: '2025-02-26', deadline: '2025-03-12', bytes: drawn.pdf }, new Date('2025-02-26T15:00:00Z'));
  await sentDocuments(database.db).markSent(`${customer._id}:final-demand:letter:x`, new Date('2025-02-26T15:00:00Z'));
  sentDemand = { id: kept.id, sha256: kept.sha256, bytes: kept.bytes };
  await store.audit.append({ orgId: 'org-1', accountId: customer._id, actor: sys, channel: 'letter', action: 'document.sent', invoiceIds: [], outcome: `${drawn.filename} sent (sha256 ${kept.sha256})`, details: { documentId: kept.id, sha256: kept.sha256 }, at: new Date('2025-02-26T15:00:00Z') });
  app = createApp({ db: database.db, logger: createLogger('silent'), adminApiToken: token, bodyLimit: '100kb', adminRouters: [documentsRouter({ store, now: () => now })] });
});
afterAll(() => database.drop());

const base = () => `/api/accounts/${encodeURIComponent(customer._id)}`;

describe('documents API', () => {
  it('needs the admin token', async () => {
    await request(app).get(`${base()}/statement.pdf`).expect(401);
  });

  it('serves the final demand letter, addressed up the ladder, dated today in the account’s zone', async () => {
    const res = await get(`${base()}/letters/final-demand.pdf/preview`).expect(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toBe('attachment; filename="preview-final-demand-2025-03-12.pdf"');
    expect(res.headers['x-overdue-document']).toMatch(/^preview/);
    expect(res.headers['x-response-deadline']).toBe('2025-03-26');
    const text = squash(await pdfText(res.body as Buffer));
    expect(text).toContain('Contoso Builders LLC');
    expect(text).toContain('Attn: Ann Lee, CFO');
    expect(text).toContain('Springfield, IL 62701');
    expect(text).toContain('Full balance due $15,000.00');
    expect(text).toContain('Respond by March 26, 2025');
    expect(text).toContain('Email: cole.lector@northwind.example');
  });

  it('serves the written warning with ?date, and refuses an unknown kind or a bad date with 400', async () => {
    const res = await get(`${base()}/letters/written-warning.pdf/preview?date=2025-03-03`).expect(200);
    expect(squash(await pdfText(res.body as Buffer))).toContain('Respond by March 12, 2025');
    const bad = await request(app).get(`${base()}/letters/threat.pdf/preview`).set('Authorization', `Bearer ${token}`).expect(400);
    expect(bad.body.error.code).toBe('bad_request');
    await request(app).get(`${base()}/letters/final-demand.docx/preview`).set('Authorization', `Bearer ${token}`).expect(400);
    await request(app).get(`${base()}/statement.pdf?date=2025-02-30`).set('Authorization', `Bearer ${token}`).expect(400);
  });

  it('answers 404 in the JSON error shape for an unknown account', async () => {
    for (const p of ['letters/final-demand.pdf/preview', 'statement.pdf', 'audit.csv', 'referral-packet.zip']) {
      const res = await request(app).get(`/api/accounts/nobody/${p}`).set('Authorization', `Bearer ${token}`).expect(404);
      expect(res.body).toEqual({ error: { code: 'not_found', message: 'account nobody does not exist' } });
    }
  });

  it('serves the statement with the recently paid invoice', async () => {
    const res = await get(`${base()}/statement.pdf`).expect(200);
    const text = squash(await pdfText(res.body as Buffer));
    expect(text).toMatch(/INV-0999 .* Paid Jan 20, 2025/);
    expect(text).toContain('Balance due $15,000.00');
  });

  it('serves the audit trail as CSV', async () => {
    const res = await get(`${base()}/audit.csv`).expect(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    const lines = (res.body as Buffer).toString('utf8').split('\r\n');
    expect(lines).toHaveLength(6); // header, 4 entries (the final demand's document.sent among them), trailing line
    expect(lines[2]).toContain("'@no answer, left voicemail");
  });

  it('exports an organisation’s audit trail for a period in its time zone', async () => {
    const res = await get('/api/orgs/org-1/audit.csv?from=2025-02-01&to=2025-02-26').expect(200);
    const lines = (res.body as Buffer).toString('utf8').trim().split('\r\n');
    expect(lines.map((l) => l.split(',')[7])).toEqual(['action', 'call.logged', 'outbox.sent', 'document.sent']);
    await get('/api/orgs/org-1/audit.pdf?from=2025-01-01&to=2025-03-31').expect(200);
    await request(app).get('/api/orgs/org-1/audit.csv?from=2025-03-01').set('Authorization', `Bearer ${token}`).expect(400);
    await request(app).get('/api/orgs/nope/audit.csv?from=2025-03-01&to=2025-03-02').set('Authorization', `Bearer ${token}`).expect(404);
  });

  it('answers boundary dates and ranges with 400 in the error shape, never 500', async () => {
    const paths = [
      ...['letters/final-demand.pdf/preview', 'letters/written-warning.pdf/preview', 'statement.pdf', 'referral-packet.zip'].flatMap((p) => [
        `${base()}/${p}?date=9999-12-31`, `${base()}/${p}?date=0001-01-01`, `${base()}/${p}?date=0000-01-01`,
      ]),
      '/api/orgs/org-1/audit.csv?from=0001-01-01&to=9999-12-31',
      '/api/orgs/org-1/audit.pdf?from=0001-01-01&to=9999-12-31',
      '/api/orgs/org-1/audit.csv?from=2025-01-01&to=9999-12-31',
      '/api/orgs/org-1/audit.csv?from=0001-01-01&to=2025-01-01',
    ];
    for (const path of paths) {
      const res = await request(app).get(path).set('Authorization', `Bearer ${token}`);
      expect({ path, status: res.status, body: res.body as unknown }).toEqual({ path, status: 400, body: { error: { code: 'bad_request', message: expect.any(String) } } });
    }
    // The widest accepted dates work.
    for (const p of ['letters/final-demand.pdf/preview', 'statement.pdf', 'referral-packet.zip']) {
      await get(`${base()}/${p}?date=2999-12-31`).expect(200);
      if (!p.startsWith('letters/')) await get(`${base()}/${p}?date=1900-01-01`).expect(200);
    }
    // In 1900 nothing was past due: no letter demanding nothing, not even as a preview (409, never a "$0.00" PDF).
    const empty = await request(app).get(`${base()}/letters/final-demand.pdf/preview?date=1900-01-01`).set('Authorization', `Bearer ${token}`).expect(409);
    expect(empty.body.error).toEqual({ code: 'conflict', message: expect.stringMatching(/no final demand for nothing: no invoice of the account is past due on 1900-01-01/) });
    await get('/api/orgs/org-1/audit.csv?from=1900-01-01&to=2999-12-31').expect(200);
    await get('/api/orgs/org-1/audit.pdf?from=1900-01-01&to=2999-12-31').expect(200);
  });

  it('lists and serves the documents sent, as stored: the exact bytes, their hash and the deadline they stated', async () => {
    const list = await request(app).get(`/api/orgs/org-1/accounts/${encodeURIComponent(customer._id)}/documents`).set('Authorization', `Bearer ${token}`).expect(200);
    expect(list.body).toEqual({
      documents: [
        expect.objectContaining({ id: sentDemand.id, kind: 'letter', letter: 'final-demand', sentDate: '2025-02-26', deadline: '2025-03-12', sha256: sentDemand.sha256, byteLength: sentDemand.bytes.length, contentType: 'application/pdf', url: `/orgs/org-1/accounts/${encodeURIComponent(customer._id)}/documents/${sentDemand.id}` }),
      ],
    });
    const doc = await get(`/api${String(list.body.documents[0].url)}`).expect(200);
    expect(doc.headers['content-type']).toBe('application/pdf');
    expect(doc.headers['x-content-sha256']).toBe(sentDemand.sha256);
    expect(doc.headers['x-response-deadline']).toBe('2025-03-12');
    expect(Buffer.compare(doc.body as Buffer, sentDemand.bytes)).toBe(0);
    // Another organisation's path, an unknown document: 404 in the error shape.
    const other = await request(app).get(`/api/orgs/org-2/accounts/${encodeURIComponent(customer._id)}/documents`).set('Authorization', `Bearer ${token}`).expect(404);
    expect(other.body.error.code).toBe('not_found');
    await request(app).get(`/api/orgs/org-1/accounts/${encodeURIComponent(customer._id)}/documents/doc-nope`).set('Authorization', `Bearer ${token}`).expect(404);
  });

  it('builds the referral packet ZIP with every piece, a cover sheet and a manifest; the letter is the stored copy', async () => {
    const res = await get(`${base()}/referral-packet.zip`).expect(200);
    const later = await JSZip.loadAsync((await get(`${base()}/referral-packet.zip?date=2025-03-20`).expect(200)).body as Buffer);
    expect(squash(await pdfText(await later.file('01-cover-sheet.pdf')!.async('nodebuffer')))).toMatch(
      /response deadline March 12, 2025 \(as stated in the\s+letter\), passed\s+without\s+payment; referred 8 days after the response\s+deadline/,
    );
    expect(res.headers['content-type']).toBe('application/zip');
    const zip = await JSZip.loadAsync(res.body as Buffer);
    const names = Object.keys(zip.files).filter((n) => !zip.files[n]!.dir).sort();
    expect(names).toEqual([
      '01-cover-sheet.pdf',
      '02-final-demand-2025-02-26.pdf',
      '03-statement-of-account-2025-03-12.pdf',
      '04-invoices/INV-1001.pdf',
      '04-invoices/INV-1002.pdf',
      '05-contacts.csv',
      '06-audit-trail.csv',
      '06-audit-trail.pdf',
      '07-personal-guarantee.txt',
      'MANIFEST.sha256',
    ]);
    const cover = squash(await pdfText(await zip.file('01-cover-sheet.pdf')!.async('nodebuffer')));
    expect(cover).toContain('COLLECTION REFERRAL: CASE SUMMARY');
    expect(cover).toContain('Referred to Southwest Recovery <referrals@swrecovery.example>');
    expect(cover).toContain('Balance due $15,000.00');
    // Dated on the deadline itself (a download ahead of time): never "not yet passed", but when a referral can first be made.
    expect(cover).toMatch(/Final demand sent February 26, 2025; response deadline March 12, 2025 \(as stated in the\s+letter\); the account cannot be\s+referred before March 13, 2025/);
    expect(cover).not.toMatch(/not yet passed/);
    expect(cover).toContain('on file: PG-2023-014 signed by J. Contoso');
    expect(cover).toContain('4 entries; hash chain intact');
    expect(cover).toContain('Ann Lee');
    const invoice = squash(await pdfText(await zip.file('04-invoices/INV-1001.pdf')!.async('nodebuffer')));
    expect(invoice).toContain('Balance due $10,000.00');
    expect(invoice).toContain('Paid $2,345.67');
    // The letter in the packet is the one sent, byte for byte: its hash is the one the audit trail recorded.
    const letter = await zip.file('02-final-demand-2025-02-26.pdf')!.async('nodebuffer');
    expect(Buffer.compare(letter, sentDemand.bytes)).toBe(0);
    const audited = (await store.audit.list(customer._id)).filter((e) => e.action === 'document.sent').map((e) => e.details?.['sha256']);
    expect(audited).toEqual([createHash('sha256').update(letter).digest('hex')]);
    expect(squash(await pdfText(letter))).toContain('Respond by March 12, 2025');
    expect(await zip.file('05-contacts.csv')!.async('string')).toContain('Ann Lee,cfo,ann@contoso.example,');
    const manifest = await zip.file('MANIFEST.sha256')!.async('string');
    expect(manifest.trim().split('\n')).toHaveLength(9);
  });
});

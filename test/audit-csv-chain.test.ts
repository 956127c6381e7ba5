// The CSV audit export says whether the chain is intact: a `chain_check` column
// on every row (the verdict of the row's account chain) and an X-Audit-Chain
// header on the CSV endpoints; the referral packet's audit-trail.csv carries the
// same column. Tampering with one entry in the database → every export says broken.
import JSZip from 'jszip';
import request from 'supertest';
import type express from 'express';
import { AUDIT_CSV_HEADER, chainHeader, chainVerdict } from '../src/documents/audit-export.js';
import type { ChainCheck } from '../src/store/audit.js';
import { documentsRouter } from '../app/http/documents.js';
import { createApp } from '../src/http/app.js';
import { createLogger } from '../src/logger.js';
import { createStore, ensureIndexes, type Store } from '../src/store/store.js';
import { collections } from '../src/store/store.js';
import type { AuditEntryDoc, CustomerDoc } from '../src/store/types.js';
import { customerDoc, invoiceDoc, saveCustomer, seedOrg, standardContacts } from './helpers/accounts.js';
import { openTestDatabase } from './helpers/db.js';
import { orgSettings } from './documents.helpers.js';

const token = 'audit-csv-admin-token-0123456789';
const now = new Date('2025-03-12T15:00:00Z');
let database: Awaited<ReturnType<typeof openTestDatabase>>;
let store: Store;
let app: express.Express;
let customer: CustomerDoc;
let other: CustomerDoc;

function binary(res: request.Response, cb: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
}
const get = (path: string) => request(app).get(path).set('Authorization', `Bearer ${token}`).buffer(true).parse(binary);
const base = (c: CustomerDoc) => `/api/accounts/${encodeURIComponent(c._id)}`;

/** RFC 4180 records (quoted fields with commas, doubled quotes, CRLF inside quotes). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

/** The chain_check column of each entry row (after checking the header and that every row has every column). */
function chainColumn(csv: string): string[] {
  const [header, ...rows] = parseCsv(csv);
  expect(header).toEqual([...AUDIT_CSV_HEADER]);
  expect(header?.at(-1)).toBe('chain_check');
  for (const r of rows) expect(r).toHaveLength(AUDIT_CSV_HEADER.length);
  return rows.map((r) => r.at(-1) ?? '');
}

beforeAll(async () => {
  database = await openTestDatabase('auditcsvchain');
  await ensureIndexes(database.db);
  store = createStore(database.db);
  await seedOrg(store, 'org-1', now);
  await store.organisations.setSettings('org-1', orgSettings, now);
  customer = customerDoc('org-1', 'C-1', 'Contoso Builders', standardContacts('contoso.example'), now, { legalName: 'Contoso Builders LLC' });
  other = customerDoc('org-1', 'C-2', 'Fabrikam', standardContacts('fabrikam.example'), now);
  await saveCustomer(store, customer, [invoiceDoc(customer, 'I-1', 'INV-1001', '2024-12-01', 500_000, now, { issueDate: '2024-11-01' })]);
  await saveCustomer(store, other, [invoiceDoc(other, 'I-2', 'INV-2001', '2024-12-01', 100_000, now, { issueDate: '2024-11-01' })]);
  const sys = { kind: 'system' as const, id: 'overdue', name: 'Overdue' };
  for (const [i, c] of [customer, customer, customer, other].entries()) {
    await store.audit.append({ orgId: 'org-1', accountId: c._id, actor: sys, channel: 'email', action: 'outbox.sent', invoiceIds: [], outcome: `reminder ${i + 1} sent, to "bea", cc al`, at: new Date(`2025-02-0${i + 1}T15:00:00Z`) });
  }
  app = createApp({ db: database.db, logger: createLogger('silent'), adminApiToken: token, bodyLimit: '100kb', adminRouters: [documentsRouter({ store, now: () => now })] });
});
afterAll(() => database.drop());

describe('the CSV audit export carries the chain verification', () => {
  it('verdicts and header values', () => {
    expect(chainVerdict({ ok: true, entries: 3 })).toBe('intact');
    expect(chainVerdict({ ok: false, entries: 3, brokenAtSeq: 2, reason: 'entry content does not match its hash' })).toBe('BROKEN at seq 2: entry content does not match its hash');
    expect(chainVerdict(undefined)).toBe('not checked');
    const broken: ChainCheck = { ok: false, entries: 1, brokenAtSeq: 4, reason: 'entries after seq 1 were deleted (head says 4)' };
    expect(chainHeader(new Map(), 'period')).toBe('intact');
    expect(chainHeader(new Map([['a', { ok: true, entries: 1 }]]), 'account')).toBe('intact');
    expect(chainHeader(new Map([['a', broken]]), 'account')).toBe('broken at seq 4');
    expect(chainHeader(new Map<string, ChainCheck>([['b', broken], ['a', { ok: true, entries: 2 }], ['c', { ok: false, entries: 0, brokenAtSeq: 1, reason: 'entry 1 is missing' }]]), 'period')).toBe('broken: b at seq 4; c at seq 1');
  });

  it('an intact chain: every row and the header say intact, in the API and the referral packet', async () => {
    const res = await get(`${base(customer)}/audit.csv`).expect(200);
    expect(res.headers['x-audit-chain']).toBe('intact');
    expect(chainColumn((res.body as Buffer).toString('utf8'))).toEqual(['intact', 'intact', 'intact']);
    const zip = await JSZip.loadAsync((await get(`${base(customer)}/referral-packet.zip`).expect(200)).body as Buffer);
    expect(chainColumn(await zip.file('06-audit-trail.csv')!.async('string'))).toEqual(['intact', 'intact', 'intact']);
  });

  it('one entry tampered with in the database: the account CSV, the packet and the period CSV say broken at that entry', async () => {
    const victim = (await store.audit.list(customer._id))[1];
    if (!victim) throw new Error('seed');
    await database.db.collection<AuditEntryDoc>(collections.audit).updateOne({ _id: victim._id }, { $set: { outcome: 'customer paid in full' } });
    const verdict = 'BROKEN at seq 2: entry content does not match its hash';

    const res = await get(`${base(customer)}/audit.csv`).expect(200);
    expect(res.headers['x-audit-chain']).toBe('broken at seq 2');
    const csv = (res.body as Buffer).toString('utf8');
    expect(chainColumn(csv)).toEqual([verdict, verdict, verdict]);
    expect(csv).toContain('customer paid in full'); // the export shows the entry as stored: the tampered text, flagged

    const zip = await JSZip.loadAsync((await get(`${base(customer)}/referral-packet.zip`).expect(200)).body as Buffer);
    expect(chainColumn(await zip.file('06-audit-trail.csv')!.async('string'))).toEqual([verdict, verdict, verdict]);

    // The period export: each row carries its own account's verdict.
    const period = await get('/api/orgs/org-1/audit.csv?from=2025-02-01&to=2025-02-28').expect(200);
    expect(period.headers['x-audit-chain']).toBe(`broken: ${customer._id} at seq 2`);
    const rows = parseCsv((period.body as Buffer).toString('utf8')).slice(1);
    expect(rows.map((r) => [r[0], r.at(-1)])).toEqual([
      [customer._id, verdict],
      [customer._id, verdict],
      [customer._id, verdict],
      [other._id, 'intact'],
    ]);
  });

  it('the last entries deleted: the CSV rows left and the header say so', async () => {
    const entries = await store.audit.list(other._id);
    await store.audit.append({ orgId: 'org-1', accountId: other._id, actor: { kind: 'system', id: 'overdue' }, channel: 'system', action: 'note', invoiceIds: [], at: now });
    const last = (await store.audit.list(other._id)).at(-1);
    if (!last || entries.length !== 1) throw new Error('seed');
    await database.db.collection<AuditEntryDoc>(collections.audit).deleteOne({ _id: last._id });
    const res = await get(`${base(other)}/audit.csv`).expect(200);
    expect(res.headers['x-audit-chain']).toBe('broken at seq 2');
    expect(chainColumn((res.body as Buffer).toString('utf8'))).toEqual(['BROKEN at seq 2: entries after seq 1 were deleted (head says 2)']);
  });
});

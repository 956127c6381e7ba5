// What was sent is the record: the dispatcher sends a final demand through the
// worker's real email channel (letter PDF attached) to an SMTP sink; the letter is
// stored as the exact bytes that went out, audited with its SHA-256, and the
// referral packet encloses those bytes. The email and the letter state the same
// deadline, stored with the letter. The referral waits for the day after that
// deadline and the cover sheet says how many days after it the referral was made.
// No letter or email goes out for an account with nothing past due.
import { createHash } from 'node:crypto';
import JSZip from 'jszip';
import { letterAttachment } from '../src/documents/attach.js';
import { loadAccount, sentLetterCopies } from '../src/documents/load.js';
import { buildReferralPacket } from '../src/documents/packet.js';
import { zonedInstant } from '../src/domain/calendar.js';
import { channelOf, type DueAction, type Recipient } from '../src/engine/index.js';
import { createChannels, createSmtpTransport, Dispatcher, type SmtpTransport } from '../src/outbox/index.js';
import { payloadFor } from '../src/planning/payload.js';
import { sentDocuments } from '../src/store/sent-documents.js';
import { createStore, ensureIndexes, type Store } from '../src/store/store.js';
import type { CustomerDoc, InvoiceDoc } from '../src/store/types.js';
import { customerDoc, invoiceDoc, liveConnection, saveCustomer, seedOrg, standardContacts } from './helpers/accounts.js';
import { openTestDatabase } from './helpers/db.js';
import { startSmtpSink, type SmtpSink, type SunkMessage } from './helpers/smtp-sink.js';
import { pdfText, squash } from './documents.helpers.js';

const TZ = 'America/Chicago';
const ORG = 'org-sd';
const T0 = new Date('2025-01-01T00:00:00Z');
const at = (date: string, hhmm: string): Date => new Date(zonedInstant(date, hhmm, TZ));
const FROM = 'Northwind Collections <ar@northwind.example>';

let database: Awaited<ReturnType<typeof openTestDatabase>>;
let store: Store;
let sink: SmtpSink;
let transport: SmtpTransport;
let seq = 0;

beforeAll(async () => {
  database = await openTestDatabase('sentdocs');
  await ensureIndexes(database.db);
  store = createStore(database.db);
  sink = await startSmtpSink();
  transport = createSmtpTransport(sink.url, { maxConnections: 2, timeoutMs: 5_000 });
  await seedOrg(store, ORG, T0, TZ);
  const org = await store.organisations.get(ORG);
  await store.organisations.setSettings(ORG, { ...org?.settings, documents: { agency: { name: 'Southwest Recovery', email: 'referrals@swrecovery.example' } } }, T0);
  await liveConnection(store, ORG, T0);
});
afterAll(async () => {
  transport.close();
  await sink.close();
  await database.drop();
});

async function account(domain: string, dueDate = '2024-12-20'): Promise<{ c: CustomerDoc; inv: InvoiceDoc; cfo: Recipient }> {
  seq++;
  const c = customerDoc(ORG, `sd${seq}`, `Archive ${seq} Ltd`, standardContacts(domain), T0, { address: '1 Main St, Springfield, IL 62701' });
  const inv = invoiceDoc(c, `sdi${seq}`, `INV-${7000 + seq}`, dueDate, 640_000, T0);
  await saveCustomer(store, c, [inv]);
  return { c, inv, cfo: { contactId: 'c-cfo', name: 'Ann Lee', email: `ann@${domain}`, phone: '+1 555 0105', role: 'cfo', fallbackFrom: undefined } };
}

function finalDemand(c: CustomerDoc, inv: InvoiceDoc, cfo: Recipient, now: Date, responseBy: string): DueAction {
  return {
    key: `${c._id}:final-demand:letter:${inv._id}`, levelId: 'final-demand', levelName: 'final demand', actionId: 'letter', invoiceIds: [inv._id], at: now.getTime(), customerFacing: true, amounts: { USD: inv.balanceMinor },
    kind: 'letter', letter: 'finalDemand', template: 'final-demand', to: cfo, cc: [], responseBy, responseDays: 10, deadlineDays: 'business', personalGuarantee: false,
  };
}

async function enqueue(c: CustomerDoc, inv: InvoiceDoc, body: DueAction, now: Date): Promise<string> {
  const created = await store.outbox.enqueue(
    { _id: body.key, orgId: ORG, customerId: c._id, channel: channelOf(body), kind: body.kind, payload: payloadFor(body, { accountName: c.displayName, explanation: 'test', previousContacts: 6 }), invoiceIds: [inv._id], dueAt: now },
    now,
  );
  if (!created) throw new Error(`not enqueued: ${body.key}`);
  return body.key;
}

const dispatcher = (now: Date): Dispatcher =>
  new Dispatcher(store, { worker: 'w-archive', now: () => now, channels: createChannels(database.db, { transport, from: FROM, attachLetter: letterAttachment }, { store }) });

/** The PDF attached to a sunk message, decoded from its base64 MIME part. */
function attachedPdf(m: SunkMessage | undefined): Buffer {
  const raw = m?.raw ?? '';
  const part = /Content-Type: application\/pdf[^\r\n]*\r?\n(?:[^\r\n]+\r?\n)*\r?\n([A-Za-z0-9+/=\r\n]+?)\r?\n--/.exec(raw);
  if (!part?.[1]) throw new Error('no PDF attached');
  return Buffer.from(part[1].replace(/\s+/g, ''), 'base64');
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('sent documents', () => {
  it('stores the final demand as the exact bytes attached, audits its hash, and the referral packet encloses those bytes', async () => {
    const now = at('2025-03-06', '10:00'); // a Thursday
    const { c, inv, cfo } = await account('archive.example');
    // Planned a day earlier with another deadline: the letter states the one dated from the day it is sent.
    const key = await enqueue(c, inv, finalDemand(c, inv, cfo, now, '2025-03-19'), now);
    expect(await dispatcher(now).runOnce()).toMatchObject({ sent: 1 });

    const [m] = sink.messages.filter((x) => x.headers.get('x-overdue-key') === key);
    const attached = attachedPdf(m);
    const docs = await sentDocuments(database.db).listSent(c._id);
    expect(docs).toEqual([expect.objectContaining({ kind: 'letter', letter: 'final-demand', outboxKey: key, sentDate: '2025-03-06', deadline: '2025-03-20', sha256: sha256(attached), byteLength: attached.length, contentType: 'application/pdf' })]);
    const stored = await sentDocuments(database.db).get(c._id, docs[0]?._id ?? '');
    expect(Buffer.compare(stored?.bytes ?? Buffer.alloc(0), attached)).toBe(0);

    // The audit trail names the document and its hash.
    const trail = await store.audit.list(c._id);
    const audited = trail.filter((e) => e.action === 'document.sent');
    expect(audited.map((e) => [e.details?.['documentId'], e.details?.['sha256']])).toEqual([[docs[0]?._id, sha256(attached)]]);
    // The email, the letter, the stored record, the outbox result and the audit sentence state one deadline:
    // 10 business days from Thu 6 March 2025 is Thu 20 March.
    expect((m?.raw ?? '').replace(/=\r?\n/g, '')).toMatch(/by March 20, 2025/);
    expect(squash(await pdfText(attached))).toContain('Respond by March 20, 2025');
    expect((await store.outbox.get(key))?.result).toMatchObject({ responseBy: '2025-03-20' });
    expect(trail.find((e) => e.action === 'outbox.sent')?.outcome).toMatch(/response by 2025-03-20$/);

    // The referral packet's letter is the stored copy, byte for byte (its hash is the audited one).
    const data = await loadAccount(store, c._id);
    const packet = await buildReferralPacket(data, { asOf: '2025-03-21', chain: await store.audit.verify(c._id), letters: await sentLetterCopies(store, data) });
    const zip = await JSZip.loadAsync(packet.zip);
    const copy = await zip.file('02-final-demand-2025-03-06.pdf')?.async('nodebuffer');
    expect(copy && sha256(copy)).toBe(audited[0]?.details?.['sha256']);
    expect(Buffer.compare(copy ?? Buffer.alloc(0), attached)).toBe(0);
  });

  it('a retried entry sends the stored bytes again: one stored document per entry and file', async () => {
    const now = at('2025-03-06', '11:00');
    const { c, inv, cfo } = await account('retry-archive.example');
    const key = await enqueue(c, inv, finalDemand(c, inv, cfo, now, '2025-03-20'), now);
    sink.failNext = 1; // 451 after DATA: the first attempt fails, transiently
    expect(await dispatcher(now).runOnce()).toMatchObject({ retried: 1, sent: 0 });
    expect(await sentDocuments(database.db).listSent(c._id)).toEqual([]); // stored, not yet sent: not listed
    const later = new Date(now.getTime() + 5 * 60_000);
    expect(await dispatcher(later).runOnce()).toMatchObject({ sent: 1 });
    const all = await sentDocuments(database.db).forEntry(key);
    expect(all).toHaveLength(1);
    const [m] = sink.messages.filter((x) => x.headers.get('x-overdue-key') === key);
    expect(sha256(attachedPdf(m))).toBe(all[0]?.sha256);
    expect(all[0]?.storedAt.getTime()).toBe(now.getTime()); // the first attempt's rendering went out
  });

  it('no empty demand: a letter for an account with nothing past due is cancelled at dispatch, audited, nothing sent', async () => {
    const now = at('2025-03-06', '12:00');
    const { c, inv, cfo } = await account('nothing-due.example', '2025-03-31'); // not due yet
    const key = await enqueue(c, inv, finalDemand(c, inv, cfo, now, '2025-03-20'), now);
    expect(await dispatcher(now).runOnce()).toMatchObject({ cancelled: 1, sent: 0 });
    expect(sink.messages.filter((x) => x.headers.get('x-overdue-key') === key)).toEqual([]);
    expect(await store.outbox.get(key)).toMatchObject({ state: 'cancelled', cancelReason: expect.stringMatching(/^nothing past due on 2025-03-06 .*: no demand sent$/) });
    const trail = await store.audit.list(c._id);
    expect(trail.map((e) => e.action)).toEqual(['outbox.cancelled']);
    expect(trail[0]?.details).toMatchObject({ rule: 'no-empty-demand' });
    expect(await sentDocuments(database.db).forEntry(key)).toEqual([]);
  });

  it('the referral waits until the day after the stated deadline; the cover sheet says how many days after it the referral was made', async () => {
    const sentOn = at('2025-03-07', '10:00'); // Friday: 10 business days on is Fri 21 March
    const { c, inv, cfo } = await account('referral.example');
    await enqueue(c, inv, finalDemand(c, inv, cfo, sentOn, '2025-03-21'), sentOn);
    expect(await dispatcher(sentOn).runOnce()).toMatchObject({ sent: 1 });
    expect((await sentDocuments(database.db).listSent(c._id))[0]?.deadline).toBe('2025-03-21');

    // Approved on the deadline itself: the packet waits, pending, until the next day begins in the customer's zone.
    const approvedAt = at('2025-03-21', '09:30');
    const packetKey = `agency-packet:${c._id}`;
    await store.outbox.enqueue(
      { _id: packetKey, orgId: ORG, customerId: c._id, channel: 'agency', kind: 'agencyPacket', payload: { action: { kind: 'agencyPacket', key: packetKey, approvalId: 'ap-1', approvedBy: 'Ada Approver' }, accountName: c.displayName, explanation: 'approved' }, invoiceIds: [], dueAt: approvedAt },
      approvedAt,
    );
    expect(await dispatcher(approvedAt).runOnce()).toMatchObject({ deferred: 1, sent: 0 });
    expect(await store.outbox.get(packetKey)).toMatchObject({ state: 'pending', deferredFor: 'response-deadline', dueAt: at('2025-03-22', '00:00') });
    expect((await store.audit.list(c._id)).filter((e) => e.action === 'outbox.deferred').map((e) => e.outcome)).toEqual([
      "referral held: the final demand's response deadline (2025-03-21, as stated in the letter) has not passed; the packet goes on 2025-03-22",
    ]);
    expect(sink.messages.filter((x) => x.headers.get('x-overdue-key') === packetKey)).toEqual([]);

    // The day after the deadline (a Saturday: the agency is not a customer, no sending hours apply): it goes.
    const next = at('2025-03-22', '08:00');
    expect(await dispatcher(next).runOnce()).toMatchObject({ sent: 1 });
    const [m] = sink.messages.filter((x) => x.headers.get('x-overdue-key') === packetKey);
    const zipB64 = /Content-Type: application\/zip[^\r\n]*\r?\n(?:[^\r\n]+\r?\n)*\r?\n([A-Za-z0-9+/=\r\n]+?)\r?\n--/.exec(m?.raw ?? '')?.[1] ?? '';
    const zip = await JSZip.loadAsync(Buffer.from(zipB64.replace(/\s+/g, ''), 'base64'));
    const cover = squash(await pdfText((await zip.file('01-cover-sheet.pdf')?.async('nodebuffer')) ?? Buffer.alloc(0))).replace(/\s+/g, ' ');
    expect(cover).toContain('Final demand sent March 7, 2025; response deadline March 21, 2025 (as stated in the letter), passed without payment; referred 1 day after the response deadline');
    expect(cover).not.toMatch(/not yet passed/);
    const letter = await zip.file('02-final-demand-2025-03-07.pdf')?.async('nodebuffer');
    const audited = (await store.audit.list(c._id)).filter((e) => e.action === 'document.sent').map((e) => e.details?.['sha256']);
    expect(letter && [sha256(letter)]).toEqual(audited);
  });
});

// The console's account page lists the documents sent as they were stored (`sent_documents`: the exact
// bytes that went out) and serves those bytes, with their SHA-256, to whoever may see the account; a
// document not yet accepted for sending, or another account's, is not served.
import { createHash } from 'node:crypto';
import { sentDocuments } from '../src/store/sent-documents.js';
import { people, SIGNING_SECRET, startWorld, type World } from './fuzz/world.js';
import { sendCommand, slashCommand } from './sandbox/slack/signed.js';
import { until } from './helpers/web-world.js';

jest.setTimeout(180_000);

let w: World;
let cookie: string;

const get = (path: string) => fetch(`${w.url}${path}`, { redirect: 'manual', headers: { cookie } });

beforeAll(async () => {
  w = await startWorld('console-docs');
  const before = w.sandbox.callsOf('chat.postEphemeral').length;
  await sendCommand(`${w.url}/slack/events`, SIGNING_SECRET, slashCommand({ userId: people.collector.id }, '/overdue', 'console'));
  const link = await until('the sign-in link', async () => w.sandbox.callsOf('chat.postEphemeral').slice(before).map((c) => /(\/console\/sign-in\/[A-Za-z0-9_-]+)/.exec(String(c.args['text'] ?? ''))?.[1]).find((l) => l !== undefined), 10_000);
  const res = await fetch(`${w.url}${link}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: w.url }, body: '' });
  expect(res.status).toBe(303);
  cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
});
afterAll(async () => {
  await w?.stop();
});

it('lists the stored letter and serves its exact bytes with their SHA-256 and deadline; an unsent or foreign one answers 404', async () => {
  const [acme, other] = w.customers;
  if (!acme || !other) throw new Error('seed');
  const docs = sentDocuments(w.store.db);
  const bytes = Buffer.from('%PDF-1.4\n% the letter as it went out\n%%EOF\n');
  const base = { orgId: acme.orgId, customerId: acme._id, kind: 'letter' as const, letter: 'written-warning', levelId: 'warning', levelName: 'Written warning', contentType: 'application/pdf', sentDate: '2026-11-30', deadline: '2026-12-14' };
  const kept = await docs.keep({ ...base, outboxKey: 'k-sent', filename: 'written-warning.pdf', bytes }, new Date());
  await docs.markSent('k-sent', new Date());
  // Stored but never accepted (the send failed): not a document that was sent.
  const unsent = await docs.keep({ ...base, outboxKey: 'k-unsent', filename: 'final-demand.pdf', bytes: Buffer.from('%PDF-1.4 unsent') }, new Date());

  const path = `/console/accounts/${encodeURIComponent(acme._id)}`;
  const page = await (await get(path)).text();
  expect(page).toContain(`href="${path}/documents/${kept.id}"`);
  expect(page).toContain('written-warning.pdf');
  expect(page).toContain(kept.sha256.slice(0, 16));
  expect(page).not.toContain(unsent.id);

  const res = await get(`${path}/documents/${kept.id}`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/pdf');
  expect(res.headers.get('x-content-sha256')).toBe(createHash('sha256').update(bytes).digest('hex'));
  expect(res.headers.get('x-response-deadline')).toBe('2026-12-14');
  expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);

  expect((await get(`${path}/documents/${unsent.id}`)).status).toBe(404);
  expect((await get(`/console/accounts/${encodeURIComponent(other._id)}/documents/${kept.id}`)).status).toBe(404);
});

// Shrunk reproductions of what the fuzz suite (test/fuzz-*.test.ts) found, each a
// plain test that failed before its fix.
import request from 'supertest';
import { adminRouter } from '../app/http/admin.js';
import { policiesRouter } from '../app/http/policies.js';
import { viewIds, inputIds } from '../slack/ids.js';
import { parseDelivery as parseQuickbooksDelivery } from '../connectors/quickbooks/webhooks.js';
import { parseDelivery as parseXeroDelivery } from '../connectors/xero/webhooks.js';
import { createApp } from '../src/http/app.js';
import { createLogger } from '../src/logger.js';
import { createStore, ensureIndexes } from '../src/store/store.js';
import { seedOrg } from './helpers/accounts.js';
import { openTestDatabase } from './helpers/db.js';
import { seedAcme, seedPeople, SIGNING_SECRET, startHarness, users, type Harness } from './sandbox/slack/harness.js';
import { sendCommand, sendInteraction, slashCommand, viewSubmission } from './sandbox/slack/signed.js';

const T0 = new Date('2025-03-20T15:00:00Z');

describe('Slack: a listener that throws before it acknowledges', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('fuzzregress', T0);
    await seedPeople(h);
    await seedAcme(h);
  });
  afterAll(async () => {
    await h.stop();
  });

  // Found by the fuzz suite: a modal submission whose private_metadata is not JSON made the listener
  // throw before ack(); Bolt then answered nothing for 3 seconds and finally 404 (Slack shows the person
  // "We had some trouble connecting"). The app acknowledges it at once instead and logs the error.
  it.each([
    ['not JSON', 'x'],
    ['JSON of the wrong shape', '[]'],
  ])('a view submission whose private_metadata is %s is acknowledged with 200 at once', async (_what, meta) => {
    const res = await sendInteraction(
      h.endpoint,
      SIGNING_SECRET,
      viewSubmission({ userId: users.collector.id }, { callbackId: viewIds.placeHold, privateMetadata: meta, values: { [inputIds.reason.block]: { [inputIds.reason.action]: { type: 'plain_text_input', value: 'r' } } } }),
    );
    expect(res.status).toBe(200);
    expect(res.ms).toBeLessThan(2_500);
  });
});

describe('Slack: a NUL character (U+0000) in a payload', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('fuzznulslack', T0);
    await seedPeople(h);
    await seedAcme(h);
  });
  afterAll(async () => {
    await h.stop();
  });

  // Found by the fuzz suite: `/overdue a\u0000b` from a known collector made the account search throw after
  // the ack (the database refuses a NUL in a filter); the person got no answer. Now refused with a reason.
  it('/overdue with a NUL in its text is answered with the reason instead of a failed search', async () => {
    const res = await sendCommand(h.endpoint, SIGNING_SECRET, slashCommand({ userId: users.collector.id }, '/overdue', 'a\u0000b'));
    expect(res.status).toBe(200);
    expect(res.text).toContain('NUL');
  });
});

describe('admin API: a NUL character (U+0000) anywhere in the request', () => {
  const TOKEN = 'regression-admin-token-0123456789';
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let app: ReturnType<typeof createApp>;
  beforeAll(async () => {
    database = await openTestDatabase('fuzznul');
    await ensureIndexes(database.db);
    const store = createStore(database.db);
    await seedOrg(store, 'org-1', new Date()); // with a stored organisation the database's lookup fails, not just misses
    app = createApp({ db: database.db, logger: createLogger('silent'), adminApiToken: TOKEN, bodyLimit: '1mb', adminRouters: [adminRouter({ store }), policiesRouter({ store })] });
  });
  afterAll(async () => {
    await database.drop();
  });

  // Found by the fuzz suite: PUT /api/orgs/%00/assignments (and /policy) answered 500 — the database
  // refuses a NUL in a query — instead of saying the request is wrong.
  it.each([
    ['the path', 'put', '/api/orgs/%00/assignments', { rows: [] }],
    ['the path', 'put', '/api/orgs/%00/policy', {}],
    ['the query', 'get', '/api/slack/people/x?y=%00', undefined],
    ['a JSON body', 'put', '/api/slack/people', { orgId: 'org\u0000', people: [{ email: 'a@b.example', name: 'A', roles: ['collector'] }] }],
  ] as const)('in %s: 400 in the standard error shape, not 500 (%s %s)', async (_where, method, path, body) => {
    const req = request(app)[method](path).set('authorization', `Bearer ${TOKEN}`);
    const res = body === undefined ? await req : await req.send(body);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: { code: 'bad_request', message: expect.stringContaining('NUL') } });
  });
});

describe('webhooks: a NUL character (U+0000) in a signed delivery', () => {
  // Found by the fuzz suite (seed -2056296342): a signed QuickBooks CloudEvents delivery with `"id":"\u0000"`
  // answered 500 — the database refused to store it in the inbox. Both providers' parsers refuse it (400).
  const quickbooksBody = '[{"specversion":"1.0","id":"\\u0000","type":"qbo.invoice.updated.v1","time":"2025-03-20T12:00:00.000Z","intuitentityid":"\\u0000","intuitaccountid":"1234567890"}]';
  const xeroBody = '{"events":[{"resourceUrl":"https://api.xero.com/api.xro/2.0/Invoices/x","resourceId":"\\u0000","eventDateUtc":"2025-03-20T12:00:00.000","eventType":"UPDATE","eventCategory":"INVOICE","tenantId":"t-1","tenantType":"ORGANISATION"}],"firstEventSequence":1,"lastEventSequence":1,"entropy":"x"}';
  it.each([
    ['QuickBooks', () => parseQuickbooksDelivery(quickbooksBody)],
    ['Xero', () => parseXeroDelivery(xeroBody)],
  ])('%s: refused as malformed, not stored', (_provider, parse) => {
    expect(parse()).toEqual({ ok: false, detail: 'body contains a NUL character (U+0000)' });
  });
});

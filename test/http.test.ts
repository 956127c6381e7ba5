import request from 'supertest';
import { MongoClient } from 'mongodb';
import { createApp, redactQuery } from '../src/http/app.js';
import { createLogger } from '../src/logger.js';
import { freePort } from '../src/db/local-server.js';
import { openTestDatabase, testDatabaseUri } from './helpers/db.js';
import express from 'express';
import { Writable } from 'node:stream';

let database: Awaited<ReturnType<typeof openTestDatabase>>;
const token = 'test-admin-token-0123456789abcdef';

beforeAll(async () => {
  database = await openTestDatabase('http');
});
afterAll(() => database.drop());

function app(db = database.db) {
  const echo = express.Router().post('/echo', (req, res) => {
    res.json({ got: req.body as unknown });
  });
  return createApp({ db, logger: createLogger('silent'), adminApiToken: token, bodyLimit: '1kb', adminRouters: [echo] });
}

describe('health and readiness', () => {
  it('answers /healthz and /readyz when the database is up', async () => {
    await request(app()).get('/healthz').expect(200, { status: 'ok' });
    await request(app()).get('/readyz').expect(200, { status: 'ready' });
  });

  it('answers /readyz 503 when the database is down, and /healthz still 200', async () => {
    const port = await freePort();
    const client = new MongoClient(`mongodb://127.0.0.1:${port}/`, { serverSelectionTimeoutMS: 300 });
    const down = app(client.db('nothing'));
    const res = await request(down).get('/readyz').expect(503);
    expect(res.body).toEqual({ error: { code: 'unavailable', message: 'the database does not answer' } });
    await request(down).get('/healthz').expect(200);
    await client.close();
  });
});

describe('database unreachable', () => {
  function appOn(db: ReturnType<MongoClient['db']>) {
    const reads = express.Router().get('/accounts', async (_req, res) => {
      res.json(await db.collection('customers').find().toArray());
    });
    const webhook = express.Router().post('/webhooks/test', async (_req, res) => {
      await db.collection('webhook_inbox').insertOne({ at: new Date() });
      res.json({ status: 'stored' });
    });
    return createApp({ db, logger: createLogger('silent'), adminApiToken: token, bodyLimit: '1kb', routers: [webhook], adminRouters: [reads] });
  }
  const unavailable = { error: { code: 'unavailable', message: 'the database is unreachable; try again later' } };

  it('answers the admin API and webhooks 503 with Retry-After when no server answers (closed port)', async () => {
    const port = await freePort();
    const client = new MongoClient(`mongodb://127.0.0.1:${port}/`, { serverSelectionTimeoutMS: 300 });
    const down = appOn(client.db('nothing'));
    const api = await request(down).get('/api/accounts').set('Authorization', `Bearer ${token}`).expect(503);
    expect(api.body).toEqual(unavailable);
    expect(api.headers['retry-after']).toBe('30');
    const hook = await request(down).post('/webhooks/test').send('{}').expect(503);
    expect(hook.body).toEqual(unavailable);
    expect(hook.headers['retry-after']).toBe('30');
    await client.close();
  });

  it('answers 503 with Retry-After when the client was closed', async () => {
    const client = new MongoClient(testDatabaseUri(), { serverSelectionTimeoutMS: 300 });
    await client.connect();
    const db = client.db(database.db.databaseName);
    await client.close();
    const res = await request(appOn(db)).get('/api/accounts').set('Authorization', `Bearer ${token}`).expect(503);
    expect(res.headers['retry-after']).toBe('30');
  });

  it('still answers a bug with 500, without Retry-After', async () => {
    const broken = express.Router().get('/bug', () => {
      throw new Error('a bug');
    });
    const res = await request(createApp({ db: database.db, logger: createLogger('silent'), adminApiToken: token, bodyLimit: '1kb', adminRouters: [broken] })).get('/api/bug').set('Authorization', `Bearer ${token}`).expect(500);
    expect(res.headers['retry-after']).toBeUndefined();
  });
});

describe('admin API', () => {
  it('refuses a missing or wrong token with 401 in the one error shape', async () => {
    const none = await request(app()).get('/api/status').expect(401);
    expect(none.body.error.code).toBe('unauthorized');
    await request(app()).get('/api/status').set('Authorization', `Bearer ${token}x`).expect(401);
    await request(app()).get('/api/status').set('Authorization', token).expect(401);
  });

  it('lets the right token through and parses JSON bodies', async () => {
    await request(app()).get('/api/status').set('Authorization', `Bearer ${token}`).expect(200);
    const res = await request(app()).post('/api/echo').set('Authorization', `Bearer ${token}`).send({ a: 1 }).expect(200);
    expect(res.body).toEqual({ got: { a: 1 } });
  });

  it('answers bad JSON with 400 and an oversized body with 413, never a stack trace', async () => {
    const bad = await request(app()).post('/api/echo').set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/json').send('{"a":').expect(400);
    expect(bad.body).toEqual({ error: { code: 'bad_request', message: 'request body is not valid JSON' } });
    const big = await request(app()).post('/api/echo').set('Authorization', `Bearer ${token}`).send({ a: 'x'.repeat(5000) }).expect(413);
    expect(big.body.error.code).toBe('payload_too_large');
  });

  it('answers unknown routes with 404 in the error shape', async () => {
    const res = await request(app()).get('/nope').expect(404);
    expect(res.body.error).toEqual({ code: 'not_found', message: 'no route for GET /nope' });
  });

  it('sets security headers', async () => {
    const res = await request(app()).get('/healthz');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});

it('keeps OAuth codes and state out of logged URLs', () => {
  expect(redactQuery('/callback/quickbooks?code=abc&state=xyz&realmId=123')).toBe('/callback/quickbooks?code=[redacted]&state=[redacted]&realmId=123');
});

describe('request log', () => {
  function loggedApp() {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const ok = express.Router().get('/ok', (_req, res) => {
      res.json({ ok: true });
    });
    const logged = createApp({ db: database.db, logger: createLogger('info', sink), adminApiToken: token, bodyLimit: '1kb', routers: [ok] });
    const requests = () => lines.map((l) => JSON.parse(l) as { msg: string; req: { id: string; headers: Record<string, string> } }).filter((l) => l.msg === 'request');
    return { logged, requests, lines };
  }

  it('logs request headers by allow-list: an API key, a cookie or an unknown header never reaches the log', async () => {
    const { logged, requests, lines } = loggedApp();
    await request(logged).get('/ok').set('X-Api-Key', 'sk_live_secret_value').set('X-Custom-Token', 'another-secret').set('Cookie', 'sid=cookie-secret').set('User-Agent', 'probe/1.0').expect(200);
    const [entry] = requests();
    expect(entry?.req.headers['user-agent']).toBe('probe/1.0');
    expect(Object.keys(entry?.req.headers ?? {})).not.toEqual(expect.arrayContaining(['x-api-key']));
    expect(lines.join('')).not.toMatch(/sk_live_secret_value|another-secret|cookie-secret/);
    await request(logged).get('/ok').set('User-Agent', 'u'.repeat(5000)).expect(200);
    expect(requests()[1]?.req.headers['user-agent']).toBe(`${'u'.repeat(256)}…`);
  });

  it('applies the same allow-list to any req object logged elsewhere', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    createLogger('info', sink).info({ req: { url: '/x', headers: { 'x-api-key': 'k-secret', 'content-type': 'text/plain' } } }, 'elsewhere');
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ req: { url: '/x', headers: { 'content-type': 'text/plain' } } });
    expect(lines[0]).not.toContain('k-secret');
  });

  it('keeps a plain X-Request-Id and replaces an oversized or odd one with a fresh UUID', async () => {
    const { logged, requests, lines } = loggedApp();
    const plain = await request(logged).get('/ok').set('X-Request-Id', 'abc-123.4:5_6').expect(200);
    expect(plain.headers['x-request-id']).toBe('abc-123.4:5_6');
    const long = await request(logged).get('/ok').set('X-Request-Id', 'x'.repeat(10_000)).expect(200);
    const odd = await request(logged).get('/ok').set('X-Request-Id', 'a b<script>').expect(200);
    for (const res of [long, odd]) expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(requests().map((r) => r.req.id)).toEqual(['abc-123.4:5_6', long.headers['x-request-id'], odd.headers['x-request-id']]);
    expect(lines.join('')).not.toMatch(/x{200}|<script>/);
  });
});

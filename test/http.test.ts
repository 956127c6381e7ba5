import request from 'supertest';
import { MongoClient } from 'mongodb';
import { createApp, redactQuery } from '../src/http/app.js';
import { createLogger } from '../src/logger.js';
import { freePort } from '../src/db/local-server.js';
import { openTestDatabase } from './helpers/db.js';
import express from 'express';

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

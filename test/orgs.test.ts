// Organisations without Slack: POST /api/orgs (an id given or a slug of the name,
// 409 for a taken id, every problem at once), GET /api/orgs/:orgId, the creation
// audited on the organisation's chain; and `npm run cli -- org create`.
import { defaultPolicy } from '../src/engine/index.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import request from 'supertest';
import type { Express } from 'express';
import { orgsRouter, orgsRoutes } from '../app/http/orgs.js';
import { parseOrgCliArgs } from '../src/cli/org.js';
import { createApp } from '../src/http/app.js';
import { createLogger } from '../src/logger.js';
import { slugOf } from '../src/settings/create-org.js';
import { createStore, ensureIndexes, type Store } from '../src/store/store.js';
import { openTestDatabase, testDatabaseUri } from './helpers/db.js';

const TOKEN = 'orgs-admin-token-0123456789abcdef';
const T0 = new Date('2026-01-05T10:00:00Z');

describe('slugOf', () => {
  it('makes a readable id of a name', () => {
    expect(slugOf('Acme Ltd.')).toBe('acme-ltd');
    expect(slugOf('  Ça & Là — Café  ')).toBe('ca-la-cafe');
    expect(slugOf('株式会社')).toBe('org');
  });
});

describe('POST/GET /api/orgs', () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let store: Store;
  let app: Express;
  const auth = { Authorization: `Bearer ${TOKEN}` };

  beforeAll(async () => {
    database = await openTestDatabase('orgs');
    await ensureIndexes(database.db);
    store = createStore(database.db);
    app = createApp({ db: database.db, logger: createLogger('silent'), adminApiToken: TOKEN, bodyLimit: '1mb', adminRouters: [orgsRouter({ store, now: () => T0 })] });
  });
  afterAll(() => database.drop());

  it('creates an organisation with the given id, audits who did it, and refuses the same id again (409)', async () => {
    const res = await request(app).post('/api/orgs').set(auth).set('X-Overdue-Actor', 'Fay@Acme.example').send({ id: 'acme', name: 'Acme', homeCurrency: 'gbp', timeZone: 'Europe/London' }).expect(201);
    expect(res.body).toEqual({ id: 'acme', name: 'Acme', homeCurrency: 'GBP', timeZone: 'Europe/London', slackTeamId: null, createdAt: T0.toISOString() });
    expect(await store.organisations.get('acme')).toMatchObject({ name: 'Acme', homeCurrency: 'GBP', timeZone: 'Europe/London', settings: {} });
    const trail = await store.audit.list('org:acme');
    expect(trail).toHaveLength(1);
    expect(trail[0]).toMatchObject({ action: 'org.created', actor: { kind: 'person', id: 'fay@acme.example' }, channel: 'api' });
    // Its ladder starts as stored version 1, the default ladder, by the creator: the first change is version 2.
    const ladder = await store.policies.current('acme');
    expect(ladder).toMatchObject({ version: 1, policy: { name: defaultPolicy.name } });
    expect(JSON.stringify(ladder?.policy.levels)).toBe(JSON.stringify(defaultPolicy.levels));
    const again = await request(app).post('/api/orgs').set(auth).send({ id: 'acme', name: 'Another Acme' }).expect(409);
    expect(again.body.error).toMatchObject({ code: 'conflict', message: 'organisation acme exists already' });
    expect((await store.organisations.get('acme'))?.name).toBe('Acme');
    expect(await store.audit.list('org:acme')).toHaveLength(1);
  });

  it('without an id, takes a slug of the name, numbered when taken; currency and time zone default to USD and UTC', async () => {
    const a = await request(app).post('/api/orgs').set(auth).send({ name: 'Globex Corp' }).expect(201);
    const b = await request(app).post('/api/orgs').set(auth).send({ name: 'Globex corp.' }).expect(201);
    expect([a.body.id, b.body.id]).toEqual(['globex-corp', 'globex-corp-2']);
    expect(a.body).toMatchObject({ homeCurrency: 'USD', timeZone: 'UTC' });
  });

  it('answers 422 with every problem at once, and writes nothing', async () => {
    const before = (await store.organisations.list()).length;
    const res = await request(app).post('/api/orgs').set(auth).send({ id: 'bad id!', homeCurrency: 'EURO', timeZone: 'Mars/Olympus', extra: 1 }).expect(422);
    expect(res.body.error.code).toBe('unprocessable');
    const paths = (res.body.error.details as { path: string }[]).map((d) => d.path).sort();
    expect(paths).toEqual(expect.arrayContaining(['id', 'name', 'homeCurrency', 'timeZone']));
    expect(JSON.stringify(res.body.error.details)).toContain('extra');
    for (const body of [[], 'text', null]) {
      const r = await request(app).post('/api/orgs').set(auth).send(body as never);
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
    }
    expect((await store.organisations.list()).length).toBe(before);
  });

  it('refuses a Slack workspace that belongs to another organisation (409)', async () => {
    await request(app).post('/api/orgs').set(auth).send({ id: 'initech', name: 'Initech', slackTeamId: 'T0INITECH' }).expect(201);
    const res = await request(app).post('/api/orgs').set(auth).send({ id: 'initech-2', name: 'Initech 2', slackTeamId: 'T0INITECH' }).expect(409);
    expect(res.body.error.message).toContain('belongs to organisation initech');
    expect(await store.organisations.get('initech-2')).toBeNull();
  });

  it('GET /api/orgs/:orgId answers the organisation, 404 for an unknown one', async () => {
    const res = await request(app).get('/api/orgs/acme').set(auth).expect(200);
    expect(res.body).toMatchObject({ id: 'acme', name: 'Acme' });
    const missing = await request(app).get('/api/orgs/nope').set(auth).expect(404);
    expect(missing.body.error.code).toBe('not_found');
  });

  it('describes its routes for the OpenAPI document with the schemas it parses with', () => {
    expect(orgsRoutes.map((r) => `${r.method} ${r.path}`)).toEqual(['post /orgs', 'get /orgs/:orgId', 'get /orgs/:orgId/settings', 'patch /orgs/:orgId/settings']);
    expect(orgsRoutes[0]?.body?.safeParse({ name: 'X' }).success).toBe(true);
  });
});

describe('npm run cli -- org create', () => {
  it('parses its options, refusing bad ones with one line', () => {
    expect(parseOrgCliArgs(['org', 'create', '--name', 'Acme', '--currency', 'GBP', '--time-zone', 'Europe/London', '--id', 'acme'])).toEqual({
      command: 'org-create', org: { id: 'acme', name: 'Acme', homeCurrency: 'GBP', timeZone: 'Europe/London' },
    });
    expect(parseOrgCliArgs(['org', 'create', '--name=Acme'])).toEqual({ command: 'org-create', org: { name: 'Acme', homeCurrency: 'USD', timeZone: 'UTC' } });
    expect(parseOrgCliArgs(['org', 'create'])).toEqual({ error: 'org create: name: Invalid input: expected string, received undefined' });
    expect(parseOrgCliArgs(['org', 'create', '--name', 'A', '--currency', 'XYZ'])).toMatchObject({ error: expect.stringMatching(/^org create: homeCurrency: /) });
    expect(parseOrgCliArgs(['org', 'create', '--name', 'A', '--colour', 'red'])).toEqual({ error: 'unknown argument: --colour (try --help)' });
    expect(parseOrgCliArgs(['org', 'delete'])).toEqual({ error: 'unknown command: org delete (try --help)' });
    expect(parseOrgCliArgs(['slack', 'manifest'])).toEqual({ command: 'slack-manifest' });
    expect(parseOrgCliArgs(['preview', '--company', '1'])).toBeNull();
  });

  it('creates the organisation, prints its id and exits 0; a taken id exits 2 with one line', async () => {
    const database = await openTestDatabase('orgcli');
    try {
      const env = { ...process.env, MONGODB_URI: testDatabaseUri(), MONGODB_DB: database.name, NODE_ENV: 'test' };
      const run = (args: string[]) =>
        promisify(execFile)('npx', ['tsx', 'scripts/cli.ts', ...args], { env }).then(
          (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
          (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code, stdout: String(e.stdout), stderr: String(e.stderr) }),
        );
      const ok = await run(['org', 'create', '--name', 'Acme', '--currency', 'GBP', '--time-zone', 'Europe/London', '--id', 'acme']);
      expect(ok).toEqual({ code: 0, stdout: 'acme\n', stderr: '' });
      expect(await createStore(database.db).organisations.get('acme')).toMatchObject({ name: 'Acme', homeCurrency: 'GBP', timeZone: 'Europe/London' });
      const taken = await run(['org', 'create', '--name', 'Acme', '--id', 'acme']);
      expect(taken).toEqual({ code: 2, stdout: '', stderr: 'cli: organisation acme exists already\n' });
      const bad = await run(['org', 'create', '--name', 'Acme', '--time-zone', 'Nowhere/Land']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/^cli: org create: timeZone: unknown IANA time zone/);
    } finally {
      await database.drop();
    }
  }, 120_000); // three child processes, each a tsx start-up (seconds on a loaded machine)
});

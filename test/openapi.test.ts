// The OpenAPI document of the admin API (issue 16 §6) cannot drift from the
// code: every route mounted under /api of the web app is in /api/openapi.json
// and every operation there is mounted, and its shape is sound (paths,
// operations, path parameters, request bodies from the routes' zod schemas).
import type { Express } from 'express';
import request from 'supertest';
import { accountsRoutes } from '../app/http/accounts.js';
import { jsonSchemaOf, openApiDocument, openApiPath } from '../app/http/openapi.js';
import { policiesRoutes } from '../app/http/policies.js';
import { buildWebApp } from '../app/http/web.js';
import { loadConfig } from '../src/config.js';
import { createStore } from '../src/store/store.js';
import { openTestDatabase } from './helpers/db.js';
import { testServices } from './helpers/services.js';

const TOKEN = 'admin-token-openapi-0123456789abcdef';
const auth = { authorization: `Bearer ${TOKEN}` };
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

interface Layer {
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every route of a router, as 'METHOD /path' with the mount paths of the routers above it. */
function routesOf(stack: readonly Layer[], prefix: string): string[] {
  const out: string[] = [];
  for (const layer of stack) {
    if (layer.route) {
      for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') out.push(`${method.toUpperCase()} ${prefix}${String(layer.route.path)}`);
    } else if (layer.handle?.stack) {
      const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
      out.push(...routesOf(layer.handle.stack, prefix + mount));
    }
  }
  return out;
}

/** The routes mounted under /api of the built web app (paths under /api, as in the document). */
function apiRoutesOf(app: Express): string[] {
  const root = (app as unknown as { router: { stack: Layer[] } }).router.stack;
  const api = root.find((l) => l.rawPath === '/api' && l.handle?.stack);
  if (!api?.handle?.stack) throw new Error('no router mounted at /api');
  return [...new Set(routesOf(api.handle.stack, ''))].sort();
}

type Doc = {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, { operationId: string; summary: string; parameters?: { name?: string; in?: string; $ref?: string }[]; requestBody?: { content: Record<string, { schema: Record<string, unknown> }> }; responses: Record<string, unknown> }>>;
};

let database: Awaited<ReturnType<typeof openTestDatabase>>;
let app: Express;
let doc: Doc;

beforeAll(async () => {
  database = await openTestDatabase('openapi');
  const web = await buildWebApp(loadConfig({ ADMIN_API_TOKEN: TOKEN }), testServices(createStore(database.db)), {});
  app = web.app;
  const res = await request(app).get('/api/openapi.json').set(auth);
  expect(res.status).toBe(200);
  doc = res.body as Doc;
});
afterAll(async () => {
  await database.drop();
});

it('lists every route mounted under /api, and nothing that is not mounted', () => {
  const mounted = apiRoutesOf(app);
  const documented: string[] = [];
  for (const [path, item] of Object.entries(doc.paths)) for (const m of METHODS) if (item[m]) documented.push(`${m.toUpperCase()} ${path}`);
  const asDocumented = (r: string): string => {
    const [method, path] = r.split(' ');
    return `${method} ${openApiPath(path ?? '')}`;
  };
  const missing = mounted.filter((r) => !documented.includes(asDocumented(r)));
  const stale = documented.filter((d) => !mounted.some((r) => asDocumented(r) === d));
  const problems = [
    ...missing.map((r) => `${r} is mounted under /api but not in /api/openapi.json: add its router module's …Routes list to apiRoutes in app/http/web.ts (or the route to that list)`),
    ...stale.map((d) => `${d} is in /api/openapi.json but no such route is mounted: remove it from its …Routes list (or mount its router in app/http/web.ts)`),
  ];
  if (problems.length > 0) throw new Error(problems.join('\n'));
  expect(mounted.length).toBeGreaterThanOrEqual(20);
  expect(mounted).toEqual(expect.arrayContaining(['GET /orgs/:orgId/accounts', 'GET /accounts/:id', 'GET /openapi.json', 'GET /status']));
});

it('is an OpenAPI 3.1 document whose operations are complete', () => {
  expect(doc.openapi).toBe('3.1.0');
  expect(doc.info).toMatchObject({ title: 'Overdue admin API', version: expect.any(String) });
  const ids = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths)) {
    expect(path.startsWith('/')).toBe(true);
    expect(path).not.toContain(':');
    for (const m of METHODS) {
      const op = item[m];
      if (!op) continue;
      const where = `${m.toUpperCase()} ${path}`;
      expect({ where, id: typeof op.operationId, summary: op.summary.length > 0 }).toEqual({ where, id: 'string', summary: true });
      expect(ids.has(op.operationId)).toBe(false);
      ids.add(op.operationId);
      // Every {param} of the path is a required path parameter.
      const declared = (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
      expect({ where, params: declared.sort() }).toEqual({ where, params: [...path.matchAll(/\{([^}]+)\}/g)].map((x) => x[1]).sort() });
      expect({ where, ok: Object.keys(op.responses).some((c) => c.startsWith('2')), unauthorized: '401' in op.responses }).toEqual({ where, ok: true, unauthorized: true });
      // A change names who made it: the X-Overdue-Actor header on every write.
      if (m !== 'get') expect({ where, actor: (op.parameters ?? []).some((p) => p.$ref === '#/components/parameters/Actor') }).toEqual({ where, actor: true });
    }
  }
});

it('gives every route with a body its request body schema, from the zod schema the route parses with', () => {
  const routes = [...policiesRoutes, ...accountsRoutes];
  const withBody = Object.entries(doc.paths).flatMap(([path, item]) => METHODS.filter((m) => item[m]?.requestBody).map((m) => ({ path, m, body: item[m]?.requestBody })));
  expect(withBody.length).toBeGreaterThanOrEqual(7);
  for (const { path, m, body } of withBody) {
    const json = body?.content['application/json']?.schema;
    expect({ where: `${m} ${path}`, type: json?.['type'] }).toEqual({ where: `${m} ${path}`, type: 'object' });
  }
  // The policy body is the engine's PolicySchema itself.
  const put = routes.find((r) => r.method === 'put' && r.path === '/orgs/:orgId/policy');
  expect(put?.body).toBeDefined();
  expect(doc.paths['/orgs/{orgId}/policy']?.['put']?.requestBody?.content['application/json']?.schema).toEqual(jsonSchemaOf(put?.body as never));
  // Every write route with a JSON body answers 422 with the problem list.
  for (const { path, m } of withBody) expect(Object.keys(doc.paths[path]?.[m]?.responses ?? {})).toContain('422');
  // The CSV import says so.
  expect(Object.keys(doc.paths['/orgs/{orgId}/assignments']?.['put']?.requestBody?.content ?? {}).sort()).toEqual(['application/json', 'text/csv']);
});

it("documents the accounts API's query and answer", () => {
  const op = doc.paths['/orgs/{orgId}/accounts']?.['get'];
  const q = Object.fromEntries((op?.parameters ?? []).filter((p) => p.in === 'query').map((p) => [p.name, p]));
  expect(Object.keys(q).sort()).toEqual(['cursor', 'limit', 'pastDue', 'state']);
  expect(q['limit']).toMatchObject({ required: false, schema: { type: 'integer', minimum: 1, maximum: 500, default: 100 } });
  const answer = (op?.responses['200'] as { content: Record<string, { schema: { properties: Record<string, unknown> } }> }).content['application/json']?.schema;
  expect(Object.keys(answer?.properties ?? {}).sort()).toEqual(['accounts', 'nextCursor', 'orgId']);
});

it('wants the admin token, and refuses a route listed twice', async () => {
  expect((await request(app).get('/api/openapi.json')).status).toBe(401);
  expect(() => openApiDocument([...accountsRoutes, ...accountsRoutes])).toThrow('GET /orgs/:orgId/accounts is listed twice');
});

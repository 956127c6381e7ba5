// The admin API's OpenAPI 3.1 document (GET /api/openapi.json, behind the admin
// token like the rest of /api), generated from the route lists each router
// module exports next to its router (`…Routes: ApiRoute[]`, app/http/parse.ts),
// which hold the same zod schemas the routes parse with: a schema changes, the
// document changes. The lists are passed in explicitly (app/http/web.ts), no
// registry; test/openapi.test.ts holds the document to the mounted routes.
import { Router } from 'express';
import { z } from 'zod';
import { ACTOR_HEADER, type ApiRoute } from './parse.js';

/** A route whose answer is not JSON (a PDF, a CSV, a ZIP) says its media types; JSON otherwise. */
export interface ApiRouteDoc extends ApiRoute {
  responseMediaTypes?: string[];
}

/** Routes src/http/app.ts and this module mount themselves. */
export const coreRoutes: ApiRouteDoc[] = [
  { method: 'get', path: '/status', summary: 'The admin API answers (and the token is right)' },
  { method: 'get', path: '/openapi.json', summary: 'This OpenAPI 3.1 document of the admin API' },
];

type Json = Record<string, unknown>;

/** The admin API's version in the document (info.version): raised when a route changes incompatibly. */
export const API_VERSION = '1.0.0';

/** A zod schema as JSON Schema 2020-12 (what OpenAPI 3.1 embeds), as a caller sends it (input side: defaults optional). */
export function jsonSchemaOf(schema: z.ZodType): Json {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Json;
  return rest;
}

/** '/orgs/:orgId/audit.:format' → '/orgs/{orgId}/audit.{format}' */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function pathParams(expressPath: string): string[] {
  return [...expressPath.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1] ?? '');
}

function operationId(r: ApiRoute): string {
  const words = r.path
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w !== '')
    .map((w) => w[0]?.toUpperCase() + w.slice(1));
  return `${r.method}${words.join('')}`;
}

const errorRef = (description: string): Json => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });

const STANDARD_ERRORS: Record<number, string> = {
  400: 'bad request (e.g. a NUL character, malformed JSON)',
  401: 'missing or wrong bearer token',
  403: 'refused for the person named',
  404: 'not found',
  409: 'conflict',
  413: 'request body larger than the limit',
  422: 'unprocessable: every problem listed in error.details',
  503: 'the database is unreachable (Retry-After)',
};

function queryParameters(query: z.ZodType | undefined): Json[] {
  if (!query) return [];
  const s = jsonSchemaOf(query);
  const props = (s['properties'] ?? {}) as Record<string, Json>;
  const required = new Set((s['required'] ?? []) as string[]);
  return Object.entries(props).map(([name, schema]) => ({
    name,
    in: 'query',
    required: required.has(name),
    ...(typeof schema['description'] === 'string' ? { description: schema['description'] } : {}),
    schema,
  }));
}

function operation(r: ApiRouteDoc): Json {
  const parameters: Json[] = [
    ...pathParams(r.path).map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
    ...queryParameters(r.query),
    ...(r.method === 'get' ? [] : [{ $ref: '#/components/parameters/Actor' }]),
  ];
  const bodyTypes = r.bodyMediaTypes ?? [];
  const requestBody =
    r.body || bodyTypes.length > 0
      ? {
          required: true,
          content: {
            ...(r.body ? { 'application/json': { schema: jsonSchemaOf(r.body) } } : {}),
            ...Object.fromEntries(bodyTypes.map((t) => [t, { schema: { type: 'string' } }])),
          },
        }
      : undefined;
  const success = (r.statuses ?? []).filter((s) => s >= 200 && s < 300);
  const responseTypes = r.responseMediaTypes ?? ['application/json'];
  const content = Object.fromEntries(responseTypes.map((t) => [t, { schema: t === 'application/json' ? (r.response ? jsonSchemaOf(r.response) : { type: 'object' }) : { type: 'string', format: 'binary' } }]));
  const responses: Record<string, Json> = {};
  for (const code of success.length > 0 ? success : [200]) responses[String(code)] = { description: 'success', content };
  const errors = new Set([400, 401, 503, ...(r.body ? [413, 422] : []), ...(r.statuses ?? []).filter((s) => s >= 400)]);
  for (const code of [...errors].sort()) responses[String(code)] = errorRef(STANDARD_ERRORS[code] ?? 'error');
  return {
    operationId: operationId(r),
    summary: r.summary,
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses,
  };
}

/** The OpenAPI 3.1 document of these routes (their paths under /api). Throws when one method and path is listed twice. */
export function openApiDocument(routes: readonly ApiRouteDoc[], info: { version: string } = { version: API_VERSION }): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const r of routes) {
    const p = openApiPath(r.path);
    const item = (paths[p] ??= {});
    if (item[r.method]) throw new Error(`OpenAPI: ${r.method.toUpperCase()} ${r.path} is listed twice`);
    item[r.method] = operation(r);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Overdue admin API',
      version: info.version,
      description: 'The admin API of Overdue (docs/api.md): a bearer token (ADMIN_API_TOKEN), JSON bodies, errors as { error: { code, message, details? } }.',
    },
    servers: [{ url: '/api' }],
    security: [{ adminToken: [] }],
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    components: {
      securitySchemes: { adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_API_TOKEN' } },
      parameters: {
        Actor: {
          name: ACTOR_HEADER,
          in: 'header',
          required: false,
          description: 'Who the change is made for (an email address): named in the audit trail; without it, the admin API itself',
          schema: { type: 'string', format: 'email' },
        },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: { type: 'string', enum: ['bad_request', 'unauthorized', 'forbidden', 'not_found', 'conflict', 'unprocessable', 'payload_too_large', 'unavailable', 'internal'] },
                message: { type: 'string' },
                details: { description: '422: the list of problems, [{ path, message }] (the policy check lists them as sentences)', type: 'array', items: { anyOf: [{ $ref: '#/components/schemas/Problem' }, { type: 'string' }] } },
              },
            },
          },
        },
        Problem: { type: 'object', required: ['path', 'message'], properties: { path: { type: 'string', description: "dotted path of the field ('' for the whole input)" }, message: { type: 'string' } } },
      },
    },
  };
}

/** GET /openapi.json: the document of the routes given (built once, when the router is). */
export function openApiRouter(routes: readonly ApiRouteDoc[], info: { version: string } = { version: API_VERSION }): Router {
  const document = openApiDocument(routes, info);
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  return router;
}

// One parser for the admin API's JSON bodies and queries: a zod schema, and
// every problem answered at once as 422 { error: { code: 'unprocessable',
// message, details: [{ path, message }] } }; nothing is written then.
import { z as zod, type z } from 'zod';
import { AppError } from '../../src/errors.js';
import type { AuditActor } from '../../src/store/types.js';

export interface Problem {
  path: string;
  message: string;
}

export function problemsOf(error: z.ZodError): Problem[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

/** The body (or query) as the schema reads it; a 422 listing every problem otherwise. */
export function parseInput<T>(schema: z.ZodType<T>, input: unknown, what = 'request body'): T {
  const r = schema.safeParse(input ?? {});
  if (!r.success) throw new AppError('unprocessable', `invalid ${what}`, problemsOf(r.error));
  return r.data;
}

/**
 * Who makes an admin API change, for the audit trail: the admin token names nobody, so a caller may say
 * who it acts for in the `X-Overdue-Actor` header (an email address); without it (or with something that
 * is not an address) the change is the admin API's own.
 */
export const ACTOR_HEADER = 'x-overdue-actor';

export function actorOf(req: { get(name: string): string | undefined }): AuditActor {
  const raw = (req.get(ACTOR_HEADER) ?? '').trim();
  const email = zod.email().max(254).safeParse(raw);
  return email.success ? { kind: 'person', id: email.data.toLowerCase(), name: email.data.toLowerCase() } : { kind: 'system', id: 'admin-api', name: 'Overdue admin API' };
}

/**
 * One admin API route as the OpenAPI document describes it (/api/openapi.json). Each router module exports
 * the list of its routes next to the router, built from the same zod schemas the route parses with, so the
 * document cannot drift from the code.
 */
export interface ApiRoute {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express-style path under /api, e.g. '/orgs/:orgId/settings'. */
  path: string;
  summary: string;
  body?: z.ZodType;
  query?: z.ZodType;
  /** Other request bodies accepted (e.g. 'text/csv', 'application/yaml'), by media type. */
  bodyMediaTypes?: string[];
  response?: z.ZodType;
  /** Status codes the route answers besides 200 and the standard errors. */
  statuses?: number[];
}

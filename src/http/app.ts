// The Express app: health and readiness, the admin API behind a bearer token,
// and the routers other parts mount (OAuth callbacks, webhooks, Slack). Errors
// leave in one JSON shape: { error: { code, message, details? } }.
import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Router } from 'express';
import helmet from 'helmet';
import { timingSafeEqual, createHash, randomUUID } from 'node:crypto';
import type { Db } from 'mongodb';
import { AppError, statusOf, type ErrorCode } from '../errors.js';
import { loggableHeaders, type Logger } from '../logger.js';
import { pingDatabase } from '../db/connect.js';
import { isDatabaseUnreachable } from '../store/mongo-errors.js';

/** Seconds a client is asked to wait (Retry-After) when the database cannot be reached. */
export const DATABASE_RETRY_AFTER_SECONDS = 30;

export interface AppDeps {
  db: Db;
  logger: Logger;
  adminApiToken: string | undefined;
  bodyLimit: string;
  /** Routers mounted at the root before the error handler (webhooks, OAuth, Slack). They parse their own bodies. */
  routers?: Router[];
  /** Routers mounted under /api, behind the admin token, with JSON bodies parsed. */
  adminRouters?: Router[];
}

export function sendError(res: express.Response, code: ErrorCode, message: string, details?: unknown): void {
  res.status(statusOf(code)).json({ error: details === undefined ? { code, message } : { code, message, details } });
}

/** Constant-time comparison of two secrets of any length (both are hashed first). */
export function secretsEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

export function requireAdmin(token: string | undefined): RequestHandler {
  return (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer (.+)$/.exec(header);
    if (!token) return sendError(res, 'unauthorized', 'the admin API is disabled: ADMIN_API_TOKEN is not set');
    if (!match?.[1] || !secretsEqual(match[1], token)) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      return sendError(res, 'unauthorized', 'missing or wrong bearer token');
    }
    next();
  };
}

/** A caller's X-Request-Id is kept only when it is short and plain; otherwise the request gets a fresh UUID. */
const requestIdFormat = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdOf(header: string | undefined): string {
  return header !== undefined && requestIdFormat.test(header) ? header : randomUUID();
}

function requestLogger(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const id = requestIdOf(req.get('x-request-id'));
    res.setHeader('x-request-id', id);
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      logger.info({ req: { id, method: req.method, url: redactQuery(req.originalUrl), headers: loggableHeaders({ ...req.headers, 'x-request-id': id }) }, status: res.statusCode, ms: Math.round(ms) }, 'request');
    });
    next();
  };
}

/** OAuth callbacks carry codes and state in the query string: keep them out of the log. */
export function redactQuery(url: string): string {
  return url.replace(/([?&](?:code|state|token|access_token|refresh_token)=)[^&]*/gi, '$1[redacted]');
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 1);
  app.use(helmet());
  app.use(requestLogger(deps.logger));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    if (await pingDatabase(deps.db)) res.json({ status: 'ready' });
    else sendError(res, 'unavailable', 'the database does not answer');
  });

  for (const r of deps.routers ?? []) app.use(r);

  const api = express.Router();
  api.use(requireAdmin(deps.adminApiToken));
  api.use(express.json({ limit: deps.bodyLimit }));
  api.use(refuseNul);
  api.get('/status', (_req, res) => {
    res.json({ status: 'ok' });
  });
  for (const r of deps.adminRouters ?? []) api.use(r);
  app.use('/api', api);

  app.use((req: Request, res) => sendError(res, 'not_found', `no route for ${req.method} ${req.path}`));
  app.use(errorHandler(deps.logger));
  return app;
}

/** Whether a NUL character (U+0000) is anywhere in a parsed value: a string, a key, or within arrays and objects. */
export function containsNul(v: unknown, depth = 0): boolean {
  if (typeof v === 'string') return v.includes('\u0000');
  if (typeof v !== 'object' || v === null || depth > 64) return false;
  return Object.entries(v).some(([k, x]) => k.includes('\u0000') || containsNul(x, depth + 1));
}

function decodedPath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/**
 * The database cannot hold or look up text with a NUL character in it (it answered such a query with
 * an error, hence a 500): a request to the admin API carrying one, in its path, query or JSON body, is
 * refused with 400 before any route reads it. (A CSV body is read by its route, after this.)
 */
const refuseNul: RequestHandler = (req, res, next) => {
  if (decodedPath(req.path).includes('\u0000') || containsNul(req.query) || containsNul(req.body)) {
    return sendError(res, 'bad_request', 'the request contains a NUL character (U+0000), which no field accepts');
  }
  next();
};

function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    if (res.headersSent) return;
    if (err instanceof AppError) return sendError(res, err.code, err.message, err.details);
    // body-parser's errors carry a status and a type.
    if (typeof err === 'object' && err !== null && 'type' in err && 'status' in err) {
      if (err.type === 'entity.too.large') return sendError(res, 'payload_too_large', `request body larger than the limit`);
      if (err.type === 'entity.parse.failed') return sendError(res, 'bad_request', 'request body is not valid JSON');
    }
    if (isDatabaseUnreachable(err)) {
      logger.warn({ err: err instanceof Error ? err.message : String(err), url: redactQuery(req.originalUrl) }, 'database unreachable');
      res.setHeader('Retry-After', String(DATABASE_RETRY_AFTER_SECONDS));
      return sendError(res, 'unavailable', 'the database is unreachable; try again later');
    }
    logger.error({ err, url: redactQuery(req.originalUrl) }, 'unhandled error');
    sendError(res, 'internal', 'internal error');
  };
}

// One pino logger per process. Secrets never reach the log: request headers are
// logged by allow-list only, and tokens, keys and passwords are redacted wherever
// they appear.
import pino, { type Logger } from 'pino';

export type { Logger };

export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-slack-signature"]',
  'req.headers["intuit-signature"]',
  'req.headers["x-xero-signature"]',
  '*.access_token',
  '*.refresh_token',
  '*.accessToken',
  '*.refreshToken',
  '*.client_secret',
  '*.clientSecret',
  '*.password',
  '*.token',
  '*.secret',
];

/** The only request headers that reach the log; any other (X-Api-Key, cookies, signatures, new ones) is left out. */
export const loggedHeaders: readonly string[] = [
  'user-agent', 'content-type', 'content-length', 'accept', 'x-request-id', 'x-forwarded-for', 'host',
];

/** Longest header value logged; longer ones are cut (a user agent of kilobytes adds nothing). */
const MAX_LOGGED_HEADER_CHARS = 256;

/** The allow-listed subset of a request's headers, each value at most MAX_LOGGED_HEADER_CHARS long. */
export function loggableHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const name of loggedHeaders) {
    const value = headers[name];
    if (value !== undefined) kept[name] = typeof value === 'string' && value.length > MAX_LOGGED_HEADER_CHARS ? `${value.slice(0, MAX_LOGGED_HEADER_CHARS)}…` : value;
  }
  return kept;
}

/** Whatever logs a `req` object, its headers go through the allow-list. */
function serializeReq(req: unknown): unknown {
  if (typeof req !== 'object' || req === null || !('headers' in req)) return req;
  const headers = (req as { headers: unknown }).headers;
  return { ...req, headers: typeof headers === 'object' && headers !== null ? loggableHeaders(headers as Record<string, unknown>) : undefined };
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({
    level,
    redact: { paths: redactPaths, censor: '[redacted]' },
    serializers: { req: serializeReq },
    base: { service: 'overdue' },
  }, destination);
}

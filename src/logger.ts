// One pino logger per process. Secrets never reach the log: tokens, keys,
// passwords and authorization headers are redacted wherever they appear.
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

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: redactPaths, censor: '[redacted]' }, base: { service: 'overdue' } }, destination);
}

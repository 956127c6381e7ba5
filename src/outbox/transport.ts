// A pooled SMTP transport from SMTP_URL (smtp://user:pass@host:port or smtps://…),
// with timeouts well under the dispatcher's lease so a hung server cannot make
// two dispatchers send the same entry.
import { createTransport } from 'nodemailer';
import type { MailSender } from './email-channel.js';

export interface SmtpTransport extends MailSender {
  close(): void;
}

export function createSmtpTransport(smtpUrl: string, opts: { maxConnections?: number; timeoutMs?: number } = {}): SmtpTransport {
  const u = new URL(smtpUrl);
  const secure = u.protocol === 'smtps:';
  const timeout = opts.timeoutMs ?? 30_000;
  return createTransport({
    pool: true,
    host: u.hostname,
    port: u.port !== '' ? Number(u.port) : secure ? 465 : 587,
    secure,
    maxConnections: opts.maxConnections ?? 5,
    maxMessages: Number.POSITIVE_INFINITY,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    ...(u.username !== '' ? { auth: { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } } : {}),
  });
}

// An SMTP server on loopback that keeps every message it accepts: the sink the
// dispatch tests and the dispatch benchmark count. It can refuse chosen
// recipients (550, a permanent bounce) and fail the next N messages (451, transient).
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface SunkMessage {
  from: string;
  to: string[];
  headers: Map<string, string>;
  raw: string;
  receivedAt: number;
}

export interface SmtpSink {
  url: string;
  messages: SunkMessage[];
  /** Addresses answered with 550 at RCPT TO. */
  refuse: Set<string>;
  /** Fail this many upcoming messages with 451 after DATA. */
  failNext: number;
  close(): Promise<void>;
}

function parseHeaders(raw: string): Map<string, string> {
  const head = raw.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const out = new Map<string, string>();
  for (const line of unfolded.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) out.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  return out;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const sink: Omit<SmtpSink, 'url' | 'close'> = { messages: [], refuse: new Set(), failNext: 0 };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 10 * 1024 * 1024,
    onRcptTo(address, _session, cb) {
      if (sink.refuse.has(address.address.toLowerCase())) {
        const err: Error & { responseCode?: number } = new Error(`5.1.1 <${address.address}>: Recipient address rejected: User unknown`);
        err.responseCode = 550;
        cb(err);
        return;
      }
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (sink.failNext > 0) {
          sink.failNext--;
          const err: Error & { responseCode?: number } = new Error('4.3.0 Temporary failure, try again later');
          err.responseCode = 451;
          cb(err);
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        sink.messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          headers: parseHeaders(raw),
          raw,
          receivedAt: Date.now(),
        });
        cb();
      });
    },
  });
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    // A client killed mid-session (the crash test's kill -9) resets its connection; smtp-server
    // reports that as an 'error' event, which unhandled would fail the whole test file.
    server.on('error', (err: Error & { code?: string }) => {
      if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') throw err;
    });
    server.listen(0, '127.0.0.1', () => res());
  });
  const addr = server.server.address();
  const port = addr !== null && typeof addr === 'object' ? (addr satisfies AddressInfo).port : 0;
  return Object.assign(sink, {
    url: `smtp://127.0.0.1:${port}`,
    close: () => new Promise<void>((res) => server.close(() => res())),
  });
}

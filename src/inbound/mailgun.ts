// Mailgun's inbound routes: a route's forward() action to a URL ending in
// "mime" POSTs the raw message as `body-mime` with `timestamp`, `token` and
// `signature` = hex HMAC-SHA256(signing key, timestamp + token)
// (documentation.mailgun.com, "Receiving Messages via HTTP through a forward()
// action" and "Securing Webhooks"). Here: POST /webhooks/mailgun/inbound/mime,
// read with busboy under a size limit, the signature checked in constant time,
// the timestamp within five minutes, each token taken once (a claim), then the
// message stored once (src/inbound/store.ts) and queued for processing.
// Answers: 200 stored (or stored before); 401 bad signature, stale or replayed
// (never a stack trace); 406 over the size limit (recorded as refused; Mailgun
// does not retry a 406); 400/415 a body that is not a Mailgun form.
import busboy from 'busboy';
import { createHmac, timingSafeEqual } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import type { Logger } from '../logger.js';
import { sendError } from '../http/app.js';
import type { Claims } from '../store/claims.js';
import { messageIdOfRaw, type InboundMail } from './store.js';

export const MAILGUN_INBOUND_PATH = '/webhooks/mailgun/inbound/mime';
/** How far a request's timestamp may be from our clock. */
export const MAILGUN_FRESHNESS_MS = 5 * 60_000;

export interface MailgunInboundDeps {
  signingKey: string;
  maxBytes: number;
  mail: InboundMail;
  claims: Claims;
  now: () => Date;
  logger: Logger;
  /** A message was stored (new or again): have it processed. */
  onStored: (inboundMailId: string) => Promise<void>;
}

/** The signature Mailgun sends: hex HMAC-SHA256 of timestamp followed by token. */
export function mailgunSignature(signingKey: string, timestamp: string, token: string): string {
  return createHmac('sha256', signingKey).update(timestamp + token).digest('hex');
}

/** Whether the three fields are Mailgun's for this key and fresh; why not otherwise. Constant-time on the signature. */
export function verifyMailgun(signingKey: string, f: { timestamp: string; token: string; signature: string }, now: Date): { ok: true } | { ok: false; reason: string } {
  if (!/^\d{1,12}$/.test(f.timestamp) || f.token.length < 10 || f.token.length > 200 || !/^[0-9a-f]{64}$/i.test(f.signature)) return { ok: false, reason: 'missing or malformed timestamp, token or signature' };
  const expected = Buffer.from(mailgunSignature(signingKey, f.timestamp, f.token), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(f.signature.toLowerCase(), 'hex'))) return { ok: false, reason: 'signature does not match' };
  if (Math.abs(now.getTime() - Number(f.timestamp) * 1000) > MAILGUN_FRESHNESS_MS) return { ok: false, reason: 'timestamp too far from now' };
  return { ok: true };
}

interface Form {
  fields: Map<string, string>;
  mime: Buffer | null;
  tooLarge: boolean;
  /** Bytes seen of body-mime (up to the limit, then counted on). */
  size: number;
}

/** Read the form: small fields kept whole, body-mime up to maxBytes (beyond it only counted), files drained. */
function readForm(req: Request, maxBytes: number): Promise<Form> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      // latin1 both ways keeps the message's bytes exactly as posted, whatever their encoding.
      bb = busboy({ headers: req.headers, defCharset: 'latin1', limits: { fieldSize: maxBytes + 1, fileSize: maxBytes + 1, fields: 100, files: 100, fieldNameSize: 100 } });
    } catch (err) {
      reject(err);
      return;
    }
    const form: Form = { fields: new Map(), mime: null, tooLarge: false, size: 0 };
    bb.on('field', (name, value, info) => {
      if (name === 'body-mime') {
        const bytes = Buffer.from(value, 'latin1');
        form.size = bytes.length;
        if (info.valueTruncated || bytes.length > maxBytes) form.tooLarge = true;
        else form.mime = bytes;
      } else if (value.length <= 10_000) form.fields.set(name, Buffer.from(value, 'latin1').toString('utf8'));
    });
    bb.on('file', (name, stream) => {
      stream.on('limit', () => {
        if (name === 'body-mime') form.tooLarge = true;
      });
      // The raw MIME carries the attachments; a file named body-mime is the message itself.
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (c: Buffer) => {
        size += c.length;
        if (name === 'body-mime' && size <= maxBytes) chunks.push(c);
      });
      stream.on('end', () => {
        if (name !== 'body-mime') return;
        form.size = size;
        if (size > maxBytes) form.tooLarge = true;
        else form.mime = Buffer.concat(chunks);
      });
    });
    bb.on('error', reject);
    bb.on('close', () => resolve(form));
    req.pipe(bb);
  });
}

export function mailgunInboundRouter(deps: MailgunInboundDeps): Router {
  const r = express.Router();
  r.post(MAILGUN_INBOUND_PATH, async (req: Request, res: Response) => {
    const type = (req.get('content-type') ?? '').toLowerCase();
    if (!type.startsWith('multipart/form-data') && !type.startsWith('application/x-www-form-urlencoded')) {
      res.status(415).json({ error: { code: 'bad_request', message: 'expected a Mailgun form (multipart/form-data or application/x-www-form-urlencoded)' } });
      return;
    }
    let form: Form;
    try {
      form = await readForm(req, deps.maxBytes);
    } catch (err) {
      deps.logger.info({ err }, 'Mailgun inbound: unreadable form');
      sendError(res, 'bad_request', 'the body is not a readable form');
      return;
    }
    const now = deps.now();
    const fields = { timestamp: form.fields.get('timestamp') ?? '', token: form.fields.get('token') ?? '', signature: form.fields.get('signature') ?? '' };
    const verdict = verifyMailgun(deps.signingKey, fields, now);
    if (!verdict.ok) {
      deps.logger.warn({ reason: verdict.reason }, 'Mailgun inbound refused');
      sendError(res, 'unauthorized', `not a valid Mailgun request: ${verdict.reason}`);
      return;
    }
    if (!(await deps.claims.take(`mailgun:token:${fields.token}`, 'mailgun', now))) {
      sendError(res, 'unauthorized', 'not a valid Mailgun request: this token was used before');
      return;
    }
    if (form.tooLarge) {
      const subject = form.fields.get('subject');
      const from = form.fields.get('from') ?? form.fields.get('sender');
      await deps.mail.refuse({
        source: 'mailgun', messageId: (form.fields.get('Message-Id') ?? form.fields.get('message-id'))?.replace(/^<|>$/g, '') ?? null, size: form.size,
        ...(from ? { from } : {}), ...(subject ? { subject: subject.slice(0, 500) } : {}),
        reason: `over the ${deps.maxBytes}-byte limit (INBOUND_MAX_BYTES): not taken in`, receivedAt: now, fallbackKey: `mailgun:${fields.token}`,
      });
      res.status(406).json({ error: { code: 'payload_too_large', message: `the message is over the ${deps.maxBytes}-byte limit; recorded as refused` } });
      return;
    }
    if (!form.mime || form.mime.length === 0) {
      sendError(res, 'unprocessable', 'body-mime is missing: forward the route to a URL ending in "mime"');
      return;
    }
    const stored = await deps.mail.store(form.mime, 'mailgun', now);
    await deps.onStored(stored.id);
    deps.logger.info({ id: stored.id, created: stored.created, messageId: messageIdOfRaw(form.mime) }, 'Mailgun inbound stored');
    res.status(200).json({ id: stored.id, stored: stored.created ? 'new' : 'again' });
  });
  return r;
}

// Xero webhook deliveries: signature check and parsing, pure (no I/O).
// `x-xero-signature` is the base64 HMAC-SHA256 of the raw body keyed with the
// app's webhook key, compared in constant time. A delivery is
// `{ events: [...], firstEventSequence, lastEventSequence, entropy }`; an
// Intent-to-Receive check is a delivery with no events, and must be answered
// 200 (good signature) or 401 (bad), with an empty body.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { webhookJson } from '../inbox.js';
import type { ChangeEvent, RecordKind, WebhookVerdict } from '../types.js';
import { xero } from './provider.js';
import { parseXeroInstant } from './records.js';

export const XeroWebhookEvent = z.object({
  resourceUrl: z.string().optional(),
  resourceId: z.string().min(1),
  eventDateUtc: z.string().optional(),
  eventType: z.string(),
  eventCategory: z.string(),
  tenantId: z.string().regex(xero.companyIdPattern),
  tenantType: z.string().optional(),
});

export const XeroWebhookDelivery = z.object({
  events: z.array(XeroWebhookEvent),
  firstEventSequence: z.number().optional(),
  lastEventSequence: z.number().optional(),
  entropy: z.string().optional(),
});

const kinds: Record<string, RecordKind> = { INVOICE: 'invoice', CONTACT: 'customer', CREDITNOTE: 'credit_memo' };

export type ParsedDelivery = { ok: true; dedupeKey: string; events: ChangeEvent[]; companyIds: string[]; intentToReceive: boolean } | { ok: false; detail: string };

/** Parse a delivery body (already verified, or read back from the inbox). */
export function parseDelivery(body: string): ParsedDelivery {
  const parsed = webhookJson(body);
  if (!parsed.ok) return parsed;
  const json = parsed.json;
  const d = XeroWebhookDelivery.safeParse(json);
  if (!d.success) return { ok: false, detail: `not a Xero webhook delivery: ${d.error.issues[0]?.message ?? ''}` };
  const events: ChangeEvent[] = [];
  const companies = new Set<string>();
  for (const e of d.data.events) {
    companies.add(e.tenantId);
    const kind = kinds[e.eventCategory.toUpperCase()];
    if (!kind) continue; // SUBSCRIPTION and other categories Overdue does not keep
    const occurredAt = e.eventDateUtc ? parseXeroInstant(e.eventDateUtc) : null;
    const op = e.eventType.toUpperCase();
    events.push({
      provider: 'xero', companyId: e.tenantId, kind, externalId: e.resourceId,
      operation: op === 'CREATE' ? 'create' : op === 'UPDATE' ? 'update' : 'unknown',
      ...(occurredAt ? { occurredAt } : {}),
    });
  }
  // Xero's events carry no id; its retries resend the same body (same entropy), so the body's hash stands for it.
  const dedupeKey = `xero:${createHash('sha256').update(body).digest('hex')}`;
  return { ok: true, dedupeKey, events, companyIds: [...companies], intentToReceive: d.data.events.length === 0 };
}

/** The signature Xero would send for a body. */
export function sign(raw: Buffer | string, webhookKey: string): string {
  return createHmac('sha256', webhookKey).update(raw).digest('base64');
}

/** True when `x-xero-signature` is the HMAC of the raw body (constant-time compare). */
export function signatureOk(raw: Buffer, headers: Record<string, string | string[] | undefined>, webhookKey: string): boolean {
  const header = headers[xero.webhook.signatureHeader];
  const given = typeof header === 'string' ? Buffer.from(header, 'base64') : Buffer.alloc(0);
  const expected = createHmac('sha256', webhookKey).update(raw).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Verify the signature over the raw body, then parse. */
export function verifyDelivery(raw: Buffer, headers: Record<string, string | string[] | undefined>, webhookKey: string): WebhookVerdict & { intentToReceive?: boolean } {
  if (!webhookKey || !signatureOk(raw, headers, webhookKey)) return { ok: false, reason: 'bad_signature' };
  const parsed = parseDelivery(raw.toString('utf8'));
  return parsed.ok ? parsed : { ok: false, reason: 'malformed', detail: parsed.detail };
}

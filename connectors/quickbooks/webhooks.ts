// QuickBooks webhook deliveries: signature check and parsing, pure (no I/O).
// `intuit-signature` is base64 HMAC-SHA256 of the raw body keyed with the
// app's verifier token; compared in constant time. Two body formats: the
// legacy `{ eventNotifications: [...] }` object and the CloudEvents array.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { webhookJson } from '../inbox.js';
import type { ChangeEvent, ChangeOperation, RecordKind, WebhookVerdict } from '../types.js';
import { quickbooks } from './provider.js';

const QboLegacyDelivery = z.object({
  eventNotifications: z.array(z.object({
    realmId: z.string().regex(quickbooks.companyIdPattern),
    dataChangeEvent: z.object({
      entities: z.array(z.object({ name: z.string(), id: z.string(), operation: z.string(), lastUpdated: z.string().optional() })),
    }),
  })).min(1),
});

const QboCloudEvent = z.object({
  specversion: z.literal('1.0'),
  id: z.string().min(1),
  type: z.string().regex(/^qbo\.[a-z]+\.[a-z]+\.v\d+$/i),
  time: z.string().optional(),
  intuitentityid: z.string().min(1),
  intuitaccountid: z.string().regex(quickbooks.companyIdPattern),
});
const QboCloudEventsDelivery = z.array(QboCloudEvent).min(1);

const kinds: Record<string, RecordKind> = { customer: 'customer', invoice: 'invoice', payment: 'payment', creditmemo: 'credit_memo' };

const operations: Record<string, ChangeOperation> = {
  create: 'create', created: 'create', update: 'update', updated: 'update', delete: 'delete', deleted: 'delete',
  void: 'void', voided: 'void', merge: 'merge', merged: 'merge', emailed: 'emailed', email: 'emailed',
};

function operation(word: string): ChangeOperation {
  return operations[word.toLowerCase()] ?? 'unknown';
}

function date(s: string | undefined): Date | undefined {
  if (!s) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : new Date(t);
}

/** Parse a delivery body (already verified, or read back from the inbox). */
export function parseDelivery(body: string): { ok: true; dedupeKey: string; events: ChangeEvent[]; companyIds: string[] } | { ok: false; detail: string } {
  const parsed = webhookJson(body);
  if (!parsed.ok) return parsed;
  const json = parsed.json;
  const events: ChangeEvent[] = [];
  const push = (companyId: string, entity: string, externalId: string, op: string, at: string | undefined) => {
    const kind = kinds[entity.toLowerCase()];
    if (!kind) return; // an entity Overdue does not keep (Vendor, Bill…)
    const occurredAt = date(at);
    events.push({ provider: 'quickbooks', companyId, kind, externalId, operation: operation(op), ...(occurredAt ? { occurredAt } : {}) });
  };
  let dedupeKey: string;
  const companies = new Set<string>();
  if (Array.isArray(json)) {
    const d = QboCloudEventsDelivery.safeParse(json);
    if (!d.success) return { ok: false, detail: `not a CloudEvents delivery: ${d.error.issues[0]?.message ?? ''}` };
    for (const e of d.data) {
      const [, entity = '', op = ''] = e.type.split('.');
      companies.add(e.intuitaccountid);
      push(e.intuitaccountid, entity, e.intuitentityid, op, e.time);
    }
    const ids = d.data.map((e) => e.id).sort();
    dedupeKey = ids.length === 1 ? `ce:${ids[0]}` : `ce:${createHash('sha256').update(ids.join('\n')).digest('hex')}`;
  } else {
    const d = QboLegacyDelivery.safeParse(json);
    if (!d.success) return { ok: false, detail: `not an eventNotifications delivery: ${d.error.issues[0]?.message ?? ''}` };
    for (const n of d.data.eventNotifications) {
      companies.add(n.realmId);
      for (const e of n.dataChangeEvent.entities) push(n.realmId, e.name, e.id, e.operation, e.lastUpdated);
    }
    // The legacy format has no event id: the body's hash stands for it (Intuit's retries resend the same body).
    dedupeKey = `legacy:${createHash('sha256').update(body).digest('hex')}`;
  }
  return { ok: true, dedupeKey, events, companyIds: [...companies] };
}

/** Verify the signature over the raw body, then parse. */
export function verifyDelivery(raw: Buffer, headers: Record<string, string | string[] | undefined>, verifierToken: string): WebhookVerdict {
  const header = headers[quickbooks.webhook.signatureHeader];
  const given = typeof header === 'string' ? Buffer.from(header, 'base64') : Buffer.alloc(0);
  const expected = createHmac('sha256', verifierToken).update(raw).digest();
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad_signature' };
  const parsed = parseDelivery(raw.toString('utf8'));
  return parsed.ok ? parsed : { ok: false, reason: 'malformed', detail: parsed.detail };
}

// Processing one stored inbound message (the `process-inbound-mail` job, queued
// by the IMAP poll and the Mailgun webhook): parse it (mailparser), find the
// account it is about, and act on what it is (src/inbound/classify.ts):
// - a delivery status notification: each permanent failure marks the address
//   bounced in the same store the dispatcher's SMTP refusals use
//   (src/planning/state.ts Bounces), the collector gets one alert per address
//   (src/outbox/alerts.ts, delivered by slack-deliver), the account is planned
//   again (the ladder moves to the next contact);
// - an auto-reply: recorded in the audit trail with the return date when the
//   text gives one; nothing pauses;
// - a person's reply: stored (replies), its attachments kept as evidence, the
//   account's lastCustomerReplyAt set (the policy's replyPauseDays pause), the
//   audit trail told, the account planned again; the caller tells the collector.
// Mail for no known account stays stored as `unmatched` (GET /api/inbound-mail).
// Running it again on the same message changes nothing and returns the same reply.
import type { AddressObject, ParsedMail } from 'mailparser';
import { localDate } from '../domain/calendar.js';
import type { Logger } from '../logger.js';
import { storeAlert } from '../outbox/alerts.js';
import { accountStates, bounces, normaliseEmail } from '../planning/state.js';
import { collections, type Store } from '../store/store.js';
import type { AuditActor, CustomerDoc, OutboxEntryDoc } from '../store/types.js';
import { autoReplyReason, idsOf, isDeliveryReport, messageIdsIn, parseDeliveryStatus, returnDateOf, type DsnRecipient } from './classify.js';
import { accountOfReplyAddress, tokensAmong, type ReplyMailbox } from './reply-address.js';
import { inboundStore, type InboundKind, type InboundStore, type ReplyAttachment, type ReplyDoc } from './store.js';

/** What the collector is shown of a reply (the Slack reply card reads the same). */
export interface ReplyForCollector {
  orgId: string;
  customerId: string;
  replyId: string;
  from: string;
  receivedAt: Date;
  subject: string;
  text: string;
  attachments: { filename: string; contentType: string; size: number }[];
}

export interface ProcessDeps {
  store: Store;
  now: () => Date;
  logger: Logger;
  /** The inbound mailbox and the tokens' key (INBOUND_REPLY_ADDRESS, INBOUND_REPLY_SECRET); without it only In-Reply-To/References and sender addresses match. */
  replyMailbox?: ReplyMailbox | undefined;
  /** Plan one account again (src/planning/plan.ts Planner.plan). */
  replan: (customerId: string, now: Date) => Promise<unknown>;
}

export type ProcessOutcome =
  | { kind: 'missing' }
  | { kind: 'unmatched'; reason: string }
  | { kind: 'dsn'; orgId: string; customerId: string; bounced: string[]; alerted: string[] }
  | { kind: 'auto-reply'; orgId: string; customerId: string; reason: string; returnDate: string | null }
  | { kind: 'reply'; reply: ReplyForCollector; created: boolean };

const ACTOR: AuditActor = { kind: 'system', id: 'inbound-mail', name: 'Overdue inbound mail' };
/** Text kept of a reply (the rest is in the stored message). */
const MAX_TEXT = 20_000;

function addressesOf(a: AddressObject | AddressObject[] | undefined): string[] {
  const list = a === undefined ? [] : Array.isArray(a) ? a : [a];
  return list.flatMap((o) => o.value.flatMap((v) => [v.address ?? '', ...(v.group ?? []).map((g) => g.address ?? '')])).filter((x) => x !== '');
}

function headerText(p: ParsedMail, name: string): string | undefined {
  const v = p.headers.get(name);
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(String).join(' ');
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object' && 'value' in v && typeof v.value === 'string') return v.value;
  if (typeof v === 'object' && 'text' in v && typeof v.text === 'string') return v.text;
  return undefined;
}

/** The reply's text: the plain part, else the HTML converted to text (never HTML itself). html-to-text is loaded when first needed. */
export async function textOf(p: Pick<ParsedMail, 'text' | 'html'>): Promise<string> {
  const plain = (p.text ?? '').trim();
  if (plain !== '') return plain.slice(0, MAX_TEXT);
  const { convert } = await import('html-to-text');
  if (typeof p.html === 'string' && p.html !== '') return convert(p.html, { wordwrap: false, selectors: [{ selector: 'img', format: 'skip' }, { selector: 'a', options: { ignoreHref: true } }] }).trim().slice(0, MAX_TEXT);
  return '';
}

/** The parts of a multipart/report (RFC 3464): the delivery-status body and the returned message's headers. */
export function reportParts(raw: Buffer, boundary: string): { status: string; original: string } {
  const text = raw.toString('utf8');
  let status = '';
  let original = '';
  for (const part of text.split(`--${boundary}`)) {
    const sep = /\r?\n\r?\n/.exec(part);
    if (!sep) continue;
    const head = part.slice(0, sep.index).toLowerCase();
    const body = part.slice(sep.index + sep[0].length);
    const type = /content-type:\s*([^;\s]+)/.exec(head)?.[1] ?? '';
    if (type === 'message/delivery-status' || type === 'message/global-delivery-status') status = body;
    else if ((type === 'message/rfc822' || type === 'text/rfc822-headers' || type === 'message/global-headers') && original === '') original = body;
  }
  return { status, original };
}

export class InboundProcessor {
  private readonly inbound: InboundStore;

  constructor(private readonly deps: ProcessDeps) {
    this.inbound = inboundStore(deps.store.db);
  }

  /** The account a sent message belongs to, by the Message-IDs a reply or a report names. */
  private async accountOfMessageIds(ids: readonly string[]): Promise<{ orgId: string; customerId: string; entryId: string } | null> {
    if (ids.length === 0) return null;
    const forms = ids.flatMap((id) => [`<${id}>`, id]);
    const entry = await this.deps.store.db.collection<OutboxEntryDoc>(collections.outbox).findOne({ 'result.messageId': { $in: forms } } as never, { projection: { orgId: 1, customerId: 1 } });
    return entry ? { orgId: entry.orgId, customerId: entry.customerId, entryId: entry._id } : null;
  }

  /** The account a reply address's token stands for (checked against the secret when there is one). */
  private async accountOfTokens(tokens: readonly string[]): Promise<{ orgId: string; customerId: string } | null> {
    for (const t of tokens) {
      const a = await this.inbound.tokens.resolve(t);
      if (a) return a;
    }
    return null;
  }

  /** The one account with this contact address (null when none or several). */
  private async accountOfAddress(email: string): Promise<{ orgId: string; customerId: string } | null> {
    const e = normaliseEmail(email);
    const rows = await this.deps.store.db
      .collection<CustomerDoc>(collections.customers)
      .find({ $or: [{ email: e }, { 'contacts.email': e }] } as never, { projection: { orgId: 1 } })
      .limit(2)
      .toArray();
    const found = rows.length === 1 ? rows[0] : undefined;
    return found ? { orgId: found.orgId, customerId: found._id } : null;
  }

  private tokensOf(addresses: readonly string[]): string[] {
    const m = this.deps.replyMailbox;
    if (m) return tokensAmong(addresses, m);
    // Without the mailbox configured, any plus-address token of the right shape may still be one minted before.
    return addresses.flatMap((a) => {
      const r = accountOfReplyAddress(a, { address: a, secret: '' });
      return r ? [r.token] : [];
    });
  }

  async process(inboundMailId: string): Promise<ProcessOutcome> {
    const { store, now: clock } = this.deps;
    const doc = await this.inbound.mail.get(inboundMailId);
    const raw = doc?.raw ? Buffer.from(doc.raw.buffer) : null;
    if (!doc || !raw) return { kind: 'missing' };
    const now = clock();
    // mailparser is loaded on the first message, not at start-up (web and worker start without it).
    const { simpleParser } = await import('mailparser');
    let parsed: ParsedMail;
    try {
      parsed = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true });
    } catch (err) {
      // Kept and listed, never retried: the poll's net re-queues only messages still `stored`.
      return this.unmatched(inboundMailId, 'reply', '', '', now, `unreadable message: ${err instanceof Error ? err.message : String(err)}`.slice(0, 300));
    }
    const subject = (parsed.subject ?? '').slice(0, 500);
    const from = addressesOf(parsed.from)[0] ?? '';
    const receivedAt = parsed.date && !Number.isNaN(parsed.date.getTime()) && parsed.date.getTime() <= now.getTime() ? parsed.date : doc.receivedAt;
    const recipients = [...addressesOf(parsed.to), ...addressesOf(parsed.cc), ...['delivered-to', 'x-original-to', 'envelope-to'].flatMap((h) => idsOrAddress(headerText(parsed, h)))];
    const ct = parsed.headers.get('content-type');
    const ctValue = typeof ct === 'object' && ct !== null && 'value' in ct ? String(ct.value) : undefined;
    const ctParams = typeof ct === 'object' && ct !== null && 'params' in ct ? (ct.params as Record<string, string>) : {};

    if (isDeliveryReport(ctValue, ctParams['report-type'])) {
      const parts = reportParts(raw, ctParams['boundary'] ?? '');
      const report = parseDeliveryStatus(parts.status);
      const originalIds = messageIdsIn(parts.original);
      const originalTokens = this.tokensOf(addressLines(parts.original));
      const permanent = report.filter((r) => r.permanent);
      const account =
        (await this.accountOfMessageIds(originalIds)) ??
        (await this.accountOfTokens([...originalTokens, ...this.tokensOf(recipients)])) ??
        (permanent[0] ? await this.accountOfAddress(permanent[0].recipient) : null);
      if (!account) return this.unmatched(inboundMailId, 'dsn', from, subject, now, 'a delivery report about no message or address Overdue knows');
      const r = await this.bounce(inboundMailId, account, permanent, now);
      await this.inbound.mail.finish(inboundMailId, { status: 'processed', kind: 'dsn', orgId: account.orgId, customerId: account.customerId, from, subject }, now);
      return r;
    }

    const references = [...idsOf(headerText(parsed, 'in-reply-to')), ...idsOf(headerText(parsed, 'references'))];
    const account =
      (await this.accountOfTokens(this.tokensOf(recipients))) ??
      (await this.accountOfMessageIds(references)) ??
      (from !== '' ? await this.accountOfAddress(from) : null);
    const autoReason = autoReplyReason((name) => headerText(parsed, name), subject);
    if (!account) return this.unmatched(inboundMailId, autoReason ? 'auto-reply' : 'reply', from, subject, now, 'no reply address, referenced message or sender address of a known account');
    const text = await textOf(parsed);

    if (autoReason) {
      const org = await store.organisations.get(account.orgId);
      const returnDate = returnDateOf(`${subject}\n${text}`, localDate(receivedAt, org?.timeZone ?? 'UTC'));
      if (doc.status !== 'processed') {
        await store.audit.append({
          orgId: account.orgId, accountId: account.customerId, actor: ACTOR, channel: 'email', action: 'mail.auto_reply', invoiceIds: [],
          outcome: `auto-reply from ${from}${returnDate ? `, back on ${returnDate}` : ''} (${autoReason}); the ladder goes on`,
          details: { inboundMailId, from, subject, reason: autoReason, returnDate }, at: now,
        });
      }
      await this.inbound.mail.finish(inboundMailId, { status: 'processed', kind: 'auto-reply', orgId: account.orgId, customerId: account.customerId, from, subject }, now);
      return { kind: 'auto-reply', orgId: account.orgId, customerId: account.customerId, reason: autoReason, returnDate };
    }

    const attachments: ReplyAttachment[] = [];
    for (const a of parsed.attachments) {
      if (a.related === true && a.contentDisposition === 'inline') continue; // images of a signature
      const sha256 = await this.inbound.attachments.keep(a.content, a.contentType, now);
      attachments.push({ filename: (a.filename ?? 'attachment').slice(0, 200), contentType: a.contentType, size: a.size, sha256 });
    }
    const reply: ReplyDoc = { _id: inboundMailId, orgId: account.orgId, customerId: account.customerId, receivedAt, from, subject, text, attachments, status: 'open', inboundMailId };
    const created = await this.inbound.replies.insert(reply);
    const stored = created ? reply : ((await this.inbound.replies.get(account.orgId, inboundMailId)) ?? reply);
    const moved = await accountStates(store.db).recordReply(account.customerId, account.orgId, stored.receivedAt, now);
    if (created) {
      await store.audit.append({
        orgId: account.orgId, accountId: account.customerId, actor: ACTOR, channel: 'email', action: 'reply.received', invoiceIds: [],
        outcome: `${from} replied: "${subject}"${attachments.length > 0 ? ` with ${attachments.length} attachment${attachments.length === 1 ? '' : 's'}` : ''}; the ladder pauses`,
        details: { replyId: stored._id, inboundMailId, from, subject, receivedAt: stored.receivedAt.toISOString(), text: stored.text.slice(0, 2_000), attachments },
        at: now,
      });
    }
    if (created || moved) await this.replanQuietly(account.customerId, now);
    await this.inbound.mail.finish(inboundMailId, { status: 'processed', kind: 'reply', orgId: account.orgId, customerId: account.customerId, from, subject }, now);
    return {
      kind: 'reply',
      created,
      reply: {
        orgId: stored.orgId, customerId: stored.customerId, replyId: stored._id, from: stored.from, receivedAt: stored.receivedAt, subject: stored.subject, text: stored.text,
        attachments: stored.attachments.map(({ filename, contentType, size }) => ({ filename, contentType, size })),
      },
    };
  }

  private async bounce(inboundMailId: string, account: { orgId: string; customerId: string; entryId?: string }, permanent: DsnRecipient[], now: Date): Promise<ProcessOutcome> {
    const { store } = this.deps;
    const list = bounces(store.db);
    const bounced: string[] = [];
    const alerted: string[] = [];
    const customer = await store.customers.get(account.customerId);
    for (const r of permanent) {
      const reason = `delivery report ${r.status}${r.diagnostic ? `: ${r.diagnostic}` : ''}`.slice(0, 500);
      const recorded = await list.record({ orgId: account.orgId, email: r.recipient, customerId: account.customerId, reason, outboxKey: account.entryId ?? `inbound:${inboundMailId}`, at: now });
      if (recorded) {
        bounced.push(r.recipient);
        await store.audit.append({
          orgId: account.orgId, accountId: account.customerId, actor: ACTOR, channel: 'email', action: 'contact.bounced', invoiceIds: [],
          outcome: `${r.recipient} bounced later: ${reason}`, details: { email: r.recipient, inboundMailId, status: r.status, ...(account.entryId ? { key: account.entryId } : {}) }, at: now,
        });
      }
      // One alert per address however often the report arrives (an insert on `alert:dsn:<org>:<address>`).
      const told = await storeAlert(store.db, {
        orgId: account.orgId, customerId: account.customerId, accountName: customer?.displayName ?? account.customerId, invoiceIds: [], now,
        details: { outboxKey: `dsn:${account.orgId}:${normaliseEmail(r.recipient)}`, channel: 'email', what: 'a reminder email', to: r.recipient, error: reason, bounced: [r.recipient], failed: false, levelName: null },
      });
      if (told) alerted.push(r.recipient);
    }
    if (bounced.length > 0) await this.replanQuietly(account.customerId, now);
    return { kind: 'dsn', orgId: account.orgId, customerId: account.customerId, bounced, alerted };
  }

  private async unmatched(inboundMailId: string, kind: InboundKind, from: string, subject: string, now: Date, reason: string): Promise<ProcessOutcome> {
    await this.inbound.mail.finish(inboundMailId, { status: 'unmatched', kind, from, subject, reason }, now);
    this.deps.logger.info({ inboundMailId, from, kind }, 'inbound mail for no known account: kept as unmatched');
    return { kind: 'unmatched', reason };
  }

  /** The reply or bounce is recorded; a failed re-plan is caught up by the hourly plan-due pass. */
  private async replanQuietly(customerId: string, now: Date): Promise<void> {
    try {
      await this.deps.replan(customerId, now);
    } catch (err) {
      this.deps.logger.warn({ err, customerId }, 're-plan after inbound mail failed; plan-due catches up');
    }
  }
}

function idsOrAddress(v: string | undefined): string[] {
  if (!v) return [];
  return v.split(/[,\s]+/).map((s) => s.replace(/^<|>$/g, '')).filter((s) => s.includes('@'));
}

/** Addresses named in the To, Cc and Reply-To lines of a header block (a returned message's). */
function addressLines(headers: string): string[] {
  const out: string[] = [];
  const unfolded = (headers.split(/\r?\n\r?\n/)[0] ?? '').replace(/\r?\n[ \t]+/g, ' ');
  for (const line of unfolded.split(/\r?\n/)) {
    if (!/^(to|cc|reply-to):/i.test(line)) continue;
    for (const m of line.matchAll(/[^\s<>,;:"]+@[^\s<>,;"]+/g)) out.push(m[0]);
  }
  return out;
}

// Customer email (and letters, which go by email with the letter attached) over
// SMTP through nodemailer. The message is rendered at send time from the
// invoices as they are now; the Message-ID is derived from the outbox key, so a
// message sent twice after a crash carries the same id and mail clients fold it.
import type Mail from 'nodemailer/lib/mailer/index.js';
import { z } from 'zod';
import { localDate, toDayNumber } from '../domain/calendar.js';
import { addTo, type Totals } from '../domain/money.js';
import { renderMessage } from '../email/render.js';
import type { MessageInvoice, Sender } from '../email/templates.js';
import { resolveDocumentSettings } from '../documents/settings.js';
import { collectorEmailOf } from '../planning/collector.js';
import { SenderSchema, orgSettingsOf } from '../settings/org-settings.js';
import { isInboundMailbox, replyAddressFor, type ReplyMailbox } from '../inbound/reply-address.js';
import { accountReference } from '../documents/how-to-pay.js';
import { sha256Hex } from '../store/hash.js';
import type { KeptDocument, SentDocuments } from '../store/sent-documents.js';
import type { OrganisationDoc } from '../store/types.js';
import type { Channel, SendContext, SendOutcome } from './channel.js';
import type { PayloadAction } from '../planning/payload.js';

/** What the channel needs of a nodemailer transport (SMTP or pooled SMTP). */
export interface MailSender {
  sendMail(options: Mail.Options): Promise<{ messageId: string; rejected: (string | { address?: string | undefined })[]; response: string }>;
}

export interface EmailChannelOptions {
  transport: MailSender;
  /** The From header, e.g. "Northwind Collections <ar@northwind.example>" (config.email.from). */
  from: string;
  /** Ignored: the dispatcher decides dry run (DispatcherOptions.sendEnabled, the connection's send mode) and says so in SendContext.dryRun. Kept while src/outbox/wiring.ts still passes it. */
  sendEnabled?: boolean;
  /** The letter PDF for letter actions (the documents module builds it); none attached when absent or null. */
  attachLetter?: (ctx: SendContext & { action: Extract<PayloadAction, { kind: 'letter' }>; replyTo?: string; customerPageUrl?: string }) => Promise<Mail.Attachment | null>;
  /**
   * The account's customer page link (src/crypto/customer-link.ts customerPageUrl), printed in the email and the
   * letter. `issuedAt` is the outbox entry's creation, so a retry renders the same link (the same bytes).
   */
  customerPageUrl?: (orgId: string, customerId: string, issuedAt: Date) => string;
  /**
   * The archive of sent documents (src/store/sent-documents.ts): a letter is stored before it is attached and
   * the stored bytes are attached, so what is stored is what went out. createChannels wires it; none: not kept.
   */
  archive?: Pick<SentDocuments, 'keep'>;
  /** The inbound mailbox (INBOUND_REPLY_ADDRESS + secret): Reply-To becomes the account's reply address (replyToOf). */
  replyMailbox?: ReplyMailbox;
  /** Remember which account a minted reply token stands for (src/inbound/store.ts ReplyTokens), before the message leaves. */
  rememberReplyToken?: (token: string, orgId: string, customerId: string, now: Date) => Promise<void>;
}

/**
 * The Reply-To of a customer email. The organisation's own Reply-To (settings.sender.replyTo) is respected:
 * kept as it is (replies then match by In-Reply-To/References), and plus-addressed only when it is the inbound
 * mailbox itself. Otherwise, with an inbound mailbox configured: the account's reply address (the mailbox's
 * plus-address with its token); without one: the account's collector, else the sender's address (as before).
 */
export function replyToOf(o: { fallback: string; orgAddress: string | undefined; mailbox: ReplyMailbox | undefined; orgId: string; customerId: string }): { replyTo: string; token: string | null } {
  if (!o.mailbox) return { replyTo: o.orgAddress ?? o.fallback, token: null };
  if (o.orgAddress !== undefined && !isInboundMailbox(o.orgAddress, o.mailbox)) return { replyTo: o.orgAddress, token: null };
  const r = replyAddressFor(o.mailbox, o.orgId, o.customerId);
  return { replyTo: r.address, token: r.token };
}

function addressOf(from: string): string {
  const m = /<([^>]+)>/.exec(from);
  return (m?.[1] ?? from).trim();
}

/** The sender's contact details: the organisation's settings.sender, else its name and the From address. */
export function senderOf(org: OrganisationDoc | null, from: string): Sender {
  const parsed = SenderSchema.safeParse(org?.settings['sender'] ?? {});
  const s = parsed.success ? parsed.data : {};
  return { company: s.company ?? org?.name ?? 'Accounts receivable', name: s.name, email: s.email ?? addressOf(from), phone: s.phone, address: s.address };
}

const SmtpError = z.object({
  code: z.string().optional(),
  responseCode: z.number().optional(),
  response: z.string().optional(),
  message: z.string().optional(),
  rejected: z.array(z.union([z.string(), z.object({ address: z.string() })])).optional(),
});

function addresses(list: readonly (string | { address?: string | undefined })[] | undefined): string[] {
  return (list ?? []).map((a) => (typeof a === 'string' ? a : (a.address ?? ''))).filter((a) => a !== '');
}

export class EmailChannel implements Channel {
  constructor(private readonly opts: EmailChannelOptions) {}

  /** Store the letter before it goes (not in a dry run: nothing is sent); the stored copy is what is attached. */
  private async keep(ctx: SendContext, a: Extract<PayloadAction, { kind: 'letter' }>, letter: Mail.Attachment, today: string): Promise<KeptDocument | null> {
    const archive = this.opts.archive;
    if (!archive || ctx.dryRun === true || !Buffer.isBuffer(letter.content)) return null;
    return archive.keep(
      {
        orgId: ctx.entry.orgId,
        customerId: ctx.entry.customerId,
        outboxKey: ctx.entry._id,
        kind: 'letter',
        letter: a.letter === 'finalDemand' ? 'final-demand' : 'written-warning',
        levelId: a.levelId,
        levelName: a.levelName,
        filename: letter.filename || `${a.levelId}.pdf`,
        contentType: letter.contentType ?? 'application/pdf',
        sentDate: today,
        deadline: ctx.responseBy ?? a.responseBy,
        bytes: letter.content,
      },
      ctx.now,
    );
  }

  async send(ctx: SendContext): Promise<SendOutcome> {
    const a = ctx.action;
    if (a.kind !== 'email' && a.kind !== 'letter') return { ok: false, permanent: true, error: `a ${a.kind} action is not an email`, rejected: [] };
    const to = a.to.email;
    if (to === undefined || to === '') return { ok: false, permanent: true, error: `${a.to.name} has no email address`, rejected: [] };
    const tz = ctx.timeZone ?? ctx.customer.timeZone ?? ctx.org?.timeZone ?? 'UTC';
    const today = localDate(ctx.now, tz);
    const remit = ctx.org ? orgSettingsOf(ctx.org).remittance : {};
    const totals: Totals = {};
    const invoices: MessageInvoice[] = ctx.invoices.map((i) => {
      addTo(totals, i.currency, i.balanceMinor);
      return {
        number: i.number,
        issueDate: i.issueDate,
        dueDate: i.dueDate,
        currency: i.currency,
        totalMinor: i.totalMinor,
        balanceMinor: i.balanceMinor,
        daysPastDue: toDayNumber(today) - toDayNumber(i.dueDate),
        // The organisation may turn pay links off (settings.remittance.payLinks).
        payUrl: remit.payLinks === false ? undefined : i.payUrl,
      };
    });
    const sender = senderOf(ctx.org, this.opts.from);
    const customerPageUrl = this.opts.customerPageUrl?.(ctx.entry.orgId, ctx.entry.customerId, ctx.entry.createdAt);
    const rendered = renderMessage({
      template: a.template,
      customerName: ctx.accountName,
      recipientName: a.to.name,
      invoices,
      totals,
      sender,
      today,
      responseBy: a.kind === 'letter' ? (ctx.responseBy ?? a.responseBy) : undefined,
      personalGuarantee: a.personalGuarantee,
      guarantee: a.guarantee,
      previousContacts: ctx.previousContacts,
      wording: a.wording,
      recipientRole: a.to.role,
      // The letters' date style: the customer's country, else the organisation's document locale.
      locale: resolveDocumentSettings(ctx.org ?? { name: '', settings: {} }, { country: ctx.customer.country }).locale,
      recipientFallbackFrom: a.to.fallbackFrom,
      cc: a.cc.map((c) => ({ name: c.name, role: c.role })),
      remittance: { bankDetails: remit.bankDetails ?? [], instructions: remit.instructions, reference: accountReference(ctx.customer) },
      customerPageUrl,
    });
    if (!rendered.ok) return { ok: false, permanent: true, error: rendered.problem, rejected: [] };
    const orgAddress = SenderSchema.safeParse(ctx.org?.settings['sender'] ?? {}).data?.replyTo;
    const { replyTo, token } = replyToOf({ fallback: collectorEmailOf(ctx.customer, ctx.org) ?? sender.email, orgAddress, mailbox: this.opts.replyMailbox, orgId: ctx.entry.orgId, customerId: ctx.entry.customerId });
    const urgent = a.kind === 'email' ? a.urgent : a.letter === 'finalDemand';
    const headers: Record<string, string> = { 'X-Overdue-Key': ctx.entry._id };
    if (a.kind === 'email' && a.readReceipt) headers['Disposition-Notification-To'] = replyTo;
    const letter = a.kind === 'letter' && this.opts.attachLetter ? await this.opts.attachLetter({ ...ctx, action: a, ...(token !== null ? { replyTo } : {}), ...(customerPageUrl !== undefined ? { customerPageUrl } : {}) }) : null;
    const kept = letter && a.kind === 'letter' ? await this.keep(ctx, a, letter, today) : null;
    const attachment = kept ? { filename: kept.filename, content: kept.bytes, contentType: kept.contentType } : letter;
    const stated = a.kind === 'letter' ? { responseBy: ctx.responseBy ?? a.responseBy } : {};
    const documents = kept ? { documents: [{ id: kept.id, filename: kept.filename, sha256: kept.sha256 }] } : {};
    // Who it goes to, as sent (and as stored on the entry): To and the Cc with an address (the engine never copies To's address).
    const cc = a.cc.filter((c) => c.email !== undefined && c.email !== '').map((c) => ({ name: c.name, address: c.email ?? '' }));
    const sentTo = { to, cc: cc.map((c) => c.address) };
    const mail: Mail.Options = {
      from: this.opts.from,
      to: { name: a.to.name, address: to },
      cc,
      replyTo,
      subject: rendered.rendered.subject,
      text: rendered.rendered.text,
      html: rendered.rendered.html,
      messageId: `<${sha256Hex(ctx.entry._id).slice(0, 40)}@overdue.invalid>`,
      headers,
      ...(urgent ? { priority: 'high' as const } : {}),
      ...(attachment ? { attachments: [attachment] } : {}),
    };
    if (ctx.dryRun === true) {
      return { ok: true, result: { dryRun: true, ...sentTo, subject: rendered.rendered.subject, ...stated }, rejected: [] };
    }
    if (token !== null) await this.opts.rememberReplyToken?.(token, ctx.entry.orgId, ctx.entry.customerId, ctx.now);
    try {
      const info = await this.opts.transport.sendMail(mail);
      return { ok: true, result: { messageId: info.messageId, ...sentTo, subject: rendered.rendered.subject, response: info.response, ...stated, ...documents, ...(token !== null ? { replyTo } : {}) }, rejected: addresses(info.rejected) };
    } catch (err) {
      const e = SmtpError.safeParse(err);
      const d = e.success ? e.data : {};
      const error = d.response ?? d.message ?? String(err);
      const permanent = d.responseCode !== undefined && d.responseCode >= 500 && d.responseCode < 600;
      const rejected = addresses(d.rejected);
      return { ok: false, permanent, error, rejected: permanent && rejected.length === 0 && d.code === 'EENVELOPE' ? [to] : rejected };
    }
  }
}

// The referral packet to the collection agency: after an approver approves the
// referral (Slack), the outbox entry `agency-packet:<approvalId>` is carried
// here. The packet ZIP (src/documents/packet.ts: cover sheet, final demand,
// statement, invoice copies, contacts, audit trail, manifest) is built at send
// time from the account as it is now — the letters in it are the stored copies of
// the letters sent, byte for byte — and emailed to the organisation's agency
// address (document settings `agency.email`) over the worker's SMTP transport.
// No agency address is a permanent failure (the dispatcher audits it; the Slack
// app already told the approver). Dry run (the dispatcher's `dryRun`): built, recorded,
// not sent. The Message-ID comes from the outbox key, so a resend after a crash
// is folded by mail clients.
import type Mail from 'nodemailer/lib/mailer/index.js';
import { z } from 'zod';
import { formatTotals, addTo, type Totals } from '../domain/money.js';
import { loadAccount, sentLetterCopies, today } from '../documents/load.js';
import { buildReferralPacket } from '../documents/packet.js';
import { sha256Hex } from '../store/hash.js';
import type { Store } from '../store/store.js';
import type { Channel, SendContext, SendOutcome } from './channel.js';
import type { MailSender } from './email-channel.js';

export interface AgencyChannelOptions {
  store: Store;
  transport: MailSender;
  /** The From header (config.email.from). */
  from: string;
}

const SmtpError = z.object({ responseCode: z.number().optional(), response: z.string().optional(), message: z.string().optional() });

/** The agency's address from the organisation's document settings, or null. */
export function agencyAddress(settings: { agency: { name?: string; email?: string } }): { name: string; email: string } | null {
  const email = settings.agency.email;
  return email ? { name: settings.agency.name ?? 'Collection agency', email } : null;
}

export class AgencyChannel implements Channel {
  constructor(private readonly opts: AgencyChannelOptions) {}

  async send(ctx: SendContext): Promise<SendOutcome> {
    const a = ctx.action;
    if (a.kind !== 'agencyPacket') return { ok: false, permanent: true, error: `a ${a.kind} action is not a referral packet`, rejected: [] };
    const data = await loadAccount(this.opts.store, ctx.customer._id);
    const agency = agencyAddress(data.settings);
    if (!agency) return { ok: false, permanent: true, error: 'no agency address: set documents.agency.email in the organisation settings, then approve again', rejected: [] };
    const asOf = today(data, ctx.now);
    const chain = await this.opts.store.audit.verify(ctx.customer._id);
    const packet = await buildReferralPacket(data, { asOf, chain, letters: await sentLetterCopies(this.opts.store, data) });
    const owed: Totals = {};
    for (const i of ctx.invoices) addTo(owed, i.currency, i.balanceMinor);
    const name = ctx.customer.legalName ?? ctx.customer.displayName;
    const company = data.settings.letterhead.name;
    const subject = `Collection referral: ${name} (${company})`;
    const collector = data.settings.collector;
    const text = [
      `Dear ${agency.name},`,
      '',
      `${company} refers the account of ${name} to you for collection. The balance past due is ${formatTotals(owed)} (${ctx.invoices.length} invoice(s)).`,
      `The referral was approved by ${a.approvedBy}. The attached packet (${packet.filename}) holds the cover sheet, the final demand, the statement of account, copies of the invoices, the customer's contacts and the complete audit trail, with a SHA-256 manifest.`,
      '',
      `Questions: ${collector.name}${collector.email ? ` <${collector.email}>` : ''}${collector.phone ? `, ${collector.phone}` : ''}.`,
      '',
      company,
    ].join('\n');
    const mail: Mail.Options = {
      from: this.opts.from,
      to: { name: agency.name, address: agency.email },
      ...(collector.email ? { replyTo: collector.email } : {}),
      subject,
      text,
      messageId: `<${sha256Hex(ctx.entry._id).slice(0, 40)}@overdue.invalid>`,
      headers: { 'X-Overdue-Key': ctx.entry._id },
      attachments: [{ filename: packet.filename, content: packet.zip, contentType: 'application/zip' }],
    };
    const result = { to: agency.email, agency: agency.name, subject, filename: packet.filename, files: packet.files.length };
    if (ctx.dryRun === true) return { ok: true, result: { ...result, dryRun: true }, rejected: [] };
    try {
      const info = await this.opts.transport.sendMail(mail);
      return { ok: true, result: { ...result, messageId: info.messageId, response: info.response }, rejected: [] };
    } catch (err) {
      const e = SmtpError.safeParse(err);
      const d = e.success ? e.data : {};
      const permanent = d.responseCode !== undefined && d.responseCode >= 500 && d.responseCode < 600;
      return { ok: false, permanent, error: d.response ?? d.message ?? String(err), rejected: [] };
    }
  }
}

// The platform's own invoice email (policy: an email action with `via:
// 'platform'`): QuickBooks or Xero sends each still-open invoice of the entry
// to the customer with its own template and pay link. The connector's
// emailInvoice is idempotent per (entry, invoice) — QuickBooks: the requestid;
// Xero: the Idempotency-Key header — so a retried entry never emails an
// invoice twice, even one that went out before a crash.
//
// A refusal because of the recipient (no address at the platform, or a refusal
// that names the address) is a bounce: the channel reports the address as
// `rejected`, the dispatcher records it in the bounce list and audits
// `contact.bounced`, and the next plan writes to the next contact.
import { sha256Hex } from '../store/hash.js';
import type { InvoiceDoc, Provider } from '../store/types.js';
import type { Channel, SendContext, SendOutcome } from './channel.js';

type WriteBack = { ok: true; attempts: number } | { ok: false; reason: 'not_found' | 'not_open' | 'no_recipient' | 'needs_reconnect' | 'rejected'; detail?: string };

/** What the channel needs of a connector (connectors/types.ts Connector.emailInvoice). */
export interface InvoiceEmailer {
  emailInvoice(connectionId: string, invoiceExternalId: string, opts: { sendTo?: string; idempotencyKey: string }): Promise<WriteBack>;
}

export interface PlatformEmailChannelOptions {
  /** The connectors this worker has, by provider (built once in app/services.ts). */
  connectors: Partial<Record<Provider, InvoiceEmailer>>;
  /** Ignored: the dispatcher decides dry run (DispatcherOptions.sendEnabled, the connection's send mode) and says so in SendContext.dryRun. Kept while src/outbox/wiring.ts still passes it. */
  sendEnabled?: boolean;
}

/**
 * The write's idempotency key for one invoice of one entry. Hashed: QuickBooks keeps the first 50
 * characters of a requestid, and outbox keys are longer, so a plain prefix would collide across invoices.
 */
export function platformEmailKey(entryId: string, invoiceId: string): string {
  return `pe-${sha256Hex(`${entryId}:${invoiceId}`).slice(0, 44)}`;
}

export class PlatformEmailChannel implements Channel {
  constructor(private readonly opts: PlatformEmailChannelOptions) {}

  async send(ctx: SendContext): Promise<SendOutcome> {
    const a = ctx.action;
    if (a.kind !== 'email') return { ok: false, permanent: true, error: `a ${a.kind} action cannot go by the platform's invoice email`, rejected: [] };
    const to = a.to.email;
    if (to === undefined || to === '') return { ok: false, permanent: true, error: `${a.to.name} has no email address`, rejected: [] };
    const provider = ctx.customer.provider;
    const connector = this.opts.connectors[provider];
    // Not a failure of the entry: a worker with this provider's connector will carry it.
    if (!connector) return { ok: false, permanent: false, error: `no ${provider} connector in this worker`, rejected: [] };
    const numbers = ctx.invoices.map((i) => i.number);
    if (ctx.dryRun === true) return { ok: true, result: { dryRun: true, to, provider, invoices: numbers }, rejected: [] };

    const emailed: string[] = [];
    const notOpen: string[] = [];
    for (const inv of ctx.invoices) {
      const r = await connector.emailInvoice(ctx.customer.connectionId, inv.externalId, {
        // Xero emails the contact's own address and refuses another one; QuickBooks sends to the address given.
        ...(provider === 'xero' ? {} : { sendTo: to }),
        idempotencyKey: platformEmailKey(ctx.entry._id, inv._id),
      });
      if (r.ok) {
        emailed.push(inv.number);
        continue;
      }
      const failure = outcomeOf(r, inv, provider, platformRecipient(ctx, provider, to));
      if (failure === 'not-open') notOpen.push(inv.number);
      else return failure;
    }
    if (emailed.length === 0) {
      // Every invoice was settled at the platform since the last sync: nothing to send, ever.
      return { ok: false, permanent: true, error: `not sent: ${notOpen.join(', ')} no longer open at ${provider}`, rejected: [] };
    }
    return { ok: true, result: { to, provider, invoices: emailed, ...(notOpen.length > 0 ? { notOpen } : {}) }, rejected: [] };
  }
}

/**
 * The address the platform sends to: QuickBooks the one we give (`sendTo`); Xero always the contact's own
 * address, which the store has as the customer's email (the Xero contact's EmailAddress at the last sync).
 */
export function platformRecipient(ctx: Pick<SendContext, 'customer'>, provider: Provider, to: string): string | undefined {
  if (provider !== 'xero') return to;
  const own = ctx.customer.email;
  return own !== undefined && own !== '' ? own : undefined;
}

/**
 * The addresses a refusal is about: all of `address` when the platform has no usable recipient ('no_recipient';
 * Xero also reports an invalid contact address so), or when a 'rejected' names the address. Other refusals
 * (a QuickBooks validation fault about something else) bounce nobody.
 */
export function refusedRecipients(r: Extract<WriteBack, { ok: false }>, address: string | undefined): string[] {
  if (address === undefined) return [];
  if (r.reason === 'no_recipient') return [address];
  if (r.reason === 'rejected' && r.detail !== undefined && r.detail.toLowerCase().includes(address.toLowerCase())) return [address];
  return [];
}

/** A refused write, as the outcome of the entry; 'not-open' when only this invoice is to be skipped. */
function outcomeOf(r: Extract<WriteBack, { ok: false }>, inv: InvoiceDoc, provider: Provider, address: string | undefined): SendOutcome | 'not-open' {
  const detail = r.detail !== undefined ? `: ${r.detail}` : '';
  const rejected = refusedRecipients(r, address);
  switch (r.reason) {
    case 'not_open':
      return 'not-open';
    case 'needs_reconnect':
      return { ok: false, permanent: false, error: `${provider} connection needs reconnecting${detail}`, rejected: [] };
    case 'not_found':
      return { ok: false, permanent: true, error: `${inv.number} not found at ${provider}${detail}`, rejected: [] };
    case 'no_recipient':
      return { ok: false, permanent: true, error: `${provider} has no usable email address for ${inv.number}'s customer${address !== undefined ? ` (${address})` : ''}${detail}`, rejected };
    case 'rejected':
      return { ok: false, permanent: true, error: `${provider} refused to email ${inv.number}${detail}`, rejected };
  }
}

// What a worker gives the outbox channels besides the database: the SMTP
// transport (from config.email), the connectors for write-backs and the
// platform's own invoice email, the live-balance hook, the send switch and the
// rates. The composition root (app/services.ts) builds these settings once and
// hands them to the jobs in the services object; a process without SMTP
// dispatches tasks only and leaves customer email to workers that can send it.
import type { Config } from '../config.js';
import type { Provider } from '../store/types.js';
import type { FreshnessOptions, SendRates } from './dispatcher.js';
import type { EmailChannelOptions } from './email-channel.js';
import { letterAttachment } from '../documents/attach.js';
import { customerPageUrl } from '../crypto/customer-link.js';
import { createSmtpTransport } from './transport.js';
import type { ReplyMailbox } from '../inbound/reply-address.js';
import { inboundStore } from '../inbound/store.js';
import type { Store } from '../store/store.js';
import type { PlatformEmailChannelOptions } from './platform-email-channel.js';
import type { CustomerNoteWriter } from './writeback-channel.js';

export interface OutboxSettings {
  email: EmailChannelOptions | null;
  /** The worker's connectors by provider, for credit-hold write-backs (app/services.ts buildConnectors). */
  connectors?: Partial<Record<Provider, CustomerNoteWriter>>;
  /** The platform's own invoice email (policy `via: 'platform'`), through the same connectors. */
  platformEmail?: PlatformEmailChannelOptions;
  /** SEND_ENABLED: false is a dry run everywhere (per connection otherwise: `sendMode`). Default true. */
  sendEnabled?: boolean;
  /** SEND_RATE_PER_MINUTE, SEND_RATE_PER_COMPANY_PER_MINUTE. */
  rates?: SendRates;
  freshness?: FreshnessOptions;
}

/** The email channel's options from config.email (letters carry their PDF); null when SMTP_URL is unset. */
export function emailOptionsFromConfig(email: Config['email']): EmailChannelOptions | null {
  if (email.smtpUrl === undefined) return null;
  return { transport: createSmtpTransport(email.smtpUrl), from: email.from, sendEnabled: email.sendEnabled, attachLetter: letterAttachment };
}

/**
 * Customer email names the account's reply address (src/inbound/reply-address.ts) when the inbound mailbox is
 * configured (INBOUND_REPLY_ADDRESS, INBOUND_REPLY_SECRET); each token minted is remembered (reply_tokens) so a
 * reply to it finds its account.
 */
export function withReplyAddresses(email: EmailChannelOptions | null, mailbox: ReplyMailbox | undefined, store: Pick<Store, 'db'>): EmailChannelOptions | null {
  if (!email || !mailbox) return email;
  const tokens = inboundStore(store.db).tokens;
  return { ...email, replyMailbox: mailbox, rememberReplyToken: (token, orgId, customerId, now) => tokens.remember(token, orgId, customerId, now) };
}

/**
 * Customer email and letters carry the account's customer page link (docs/customer-page.md), signed with the
 * installation's customer-link key and pointing at PUBLIC_BASE_URL.
 */
export function withCustomerLinks(email: EmailChannelOptions | null, key: Buffer, publicBaseUrl: string): EmailChannelOptions | null {
  if (!email) return email;
  return { ...email, customerPageUrl: (orgId, customerId, issuedAt) => customerPageUrl(publicBaseUrl, key, { orgId, customerId, issuedAt }) };
}

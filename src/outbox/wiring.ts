// How a worker process gives the outbox jobs what they cannot build from the
// job context alone: the SMTP transport (from config.email), the live-balance
// hook (from the connectors) and the organisation's policy. Set once at start-up
// per store; a worker that was not configured dispatches tasks only and leaves
// customer email to workers that can send it.
import type { Config } from '../config.js';
import type { OrganisationDoc, Provider } from '../store/types.js';
import type { Policy } from '../engine/index.js';
import type { Store } from '../store/store.js';
import type { FreshnessOptions, SendRates } from './dispatcher.js';
import type { EmailChannelOptions } from './email-channel.js';
import { letterAttachment } from '../documents/attach.js';
import { createSmtpTransport } from './transport.js';
import type { PlatformEmailChannelOptions } from './platform-email-channel.js';
import type { CustomerNoteWriter } from './writeback-channel.js';

export interface OutboxWiring {
  email: EmailChannelOptions | null;
  /** The worker's connectors by provider, for credit-hold write-backs (src/service.ts buildConnectors). */
  connectors?: Partial<Record<Provider, CustomerNoteWriter>>;
  /** The platform's own invoice email (policy `via: 'platform'`), through the same connectors. */
  platformEmail?: PlatformEmailChannelOptions;
  /** SEND_ENABLED: false is a dry run everywhere (per connection otherwise: `sendMode`). Default true. */
  sendEnabled?: boolean;
  /** SEND_RATE_PER_MINUTE, SEND_RATE_PER_COMPANY_PER_MINUTE. */
  rates?: SendRates;
  freshness?: FreshnessOptions;
  policyFor?: (org: OrganisationDoc | null) => Policy;
}

const wired = new WeakMap<Store, OutboxWiring>();

export function configureOutbox(store: Store, wiring: OutboxWiring): void {
  wired.set(store, wiring);
}

export function outboxWiring(store: Store): OutboxWiring {
  return wired.get(store) ?? { email: null };
}

/** The email channel's options from config.email (letters carry their PDF); null when SMTP_URL is unset. */
export function emailOptionsFromConfig(email: Config['email']): EmailChannelOptions | null {
  if (email.smtpUrl === undefined) return null;
  return { transport: createSmtpTransport(email.smtpUrl), from: email.from, sendEnabled: email.sendEnabled, attachLetter: letterAttachment };
}

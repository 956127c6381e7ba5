// The outbox's public surface: the dispatcher and the channels a worker wires.
import type { Db } from 'mongodb';
import type { Store } from '../store/store.js';
import type { OutboxChannel, Provider } from '../store/types.js';
import { AgencyChannel } from './agency-channel.js';
import type { Channel } from './channel.js';
import { EmailChannel, type EmailChannelOptions } from './email-channel.js';
import { PlatformEmailChannel, type PlatformEmailChannelOptions } from './platform-email-channel.js';
import { sentDocuments } from '../store/sent-documents.js';
import { TaskChannel } from './task-channel.js';
import { WritebackChannel, type CustomerNoteWriter } from './writeback-channel.js';

export * from './channel.js';
export * from './dispatcher.js';
export { EmailChannel, senderOf, type EmailChannelOptions, type MailSender } from './email-channel.js';
export { TaskChannel, type TaskDoc } from './task-channel.js';
export { createSmtpTransport, type SmtpTransport } from './transport.js';
export { WritebackChannel, type CustomerNoteWriter, type WritebackChannelOptions } from './writeback-channel.js';
export { PlatformEmailChannel, platformEmailKey, type InvoiceEmailer, type PlatformEmailChannelOptions } from './platform-email-channel.js';
export { AgencyChannel, agencyAddress, type AgencyChannelOptions } from './agency-channel.js';

/**
 * The channels of a worker: customer email (letters included) over SMTP, and
 * internal tasks (Slack nudges among them) stored for the Slack app. Without an
 * email transport, customer email entries wait (retried) for a worker that has one.
 */
export function createChannels(db: Db, email: EmailChannelOptions | null, more: MoreChannels = {}): Partial<Record<OutboxChannel, Channel>> {
  const tasks = new TaskChannel(db);
  const { store, connectors, platform } = more;
  return {
    // Letters are stored as sent (src/store/sent-documents.ts) before they are attached.
    ...(email ? { email: new EmailChannel({ archive: sentDocuments(db), ...email }) } : {}),
    task: tasks,
    slack: tasks,
    // The platform's own invoice email (policy `via: 'platform'`): only a worker with connectors carries it.
    ...(platform && Object.keys(platform.connectors).length > 0 ? { platform_email: new PlatformEmailChannel(platform) } : {}),
    // Credit holds noted at the platform: only a worker with connectors carries them (others leave them pending).
    ...(connectors && Object.keys(connectors).length > 0
      ? { writeback: new WritebackChannel({ connectors, ...(store ? { onWritten: (holdId: string, now: Date) => store.creditHolds.markWrittenBack(holdId, now) } : {}) }) }
      : {}),
    // The referral packet goes over the same SMTP transport as customer email (the dispatcher decides dry run for both).
    ...(email && store ? { agency: new AgencyChannel({ store, transport: email.transport, from: email.from }) } : {}),
  };
}

/** What the write-back and agency channels need besides the database: the store and the worker's connectors. */
export interface MoreChannels {
  store?: Store;
  connectors?: Partial<Record<Provider, CustomerNoteWriter>>;
  /** The platform invoice email channel's connectors and dry-run switch. */
  platform?: PlatformEmailChannelOptions;
}
export { emailOptionsFromConfig, type OutboxSettings } from './wiring.js';

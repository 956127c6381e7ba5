// The outbox's public surface: the dispatcher and the channels a worker wires.
import type { Db } from 'mongodb';
import type { OutboxChannel } from '../store/types.js';
import type { Channel } from './channel.js';
import { EmailChannel, type EmailChannelOptions } from './email-channel.js';
import { TaskChannel } from './task-channel.js';

export * from './channel.js';
export * from './dispatcher.js';
export { EmailChannel, senderOf, type EmailChannelOptions, type MailSender } from './email-channel.js';
export { TaskChannel, type TaskDoc } from './task-channel.js';
export { createSmtpTransport, type SmtpTransport } from './transport.js';

/**
 * The channels of a worker: customer email (letters included) over SMTP, and
 * internal tasks (Slack nudges among them) stored for the Slack app. Without an
 * email transport, customer email entries wait (retried) for a worker that has one.
 */
export function createChannels(db: Db, email: EmailChannelOptions | null): Partial<Record<OutboxChannel, Channel>> {
  const tasks = new TaskChannel(db);
  return { ...(email ? { email: new EmailChannel(email) } : {}), task: tasks, slack: tasks };
}
export { configureOutbox, emailOptionsFromConfig, outboxWiring, type OutboxWiring } from './wiring.js';

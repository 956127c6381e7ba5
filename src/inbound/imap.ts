// Reading the inbound mailbox over IMAP (imapflow): each unseen message is
// stored once (src/inbound/store.ts, by Message-ID else its bytes' sha256) and
// then marked \Seen, so a crash between the two only stores it again (a no-op).
// A message over the size limit is recorded as refused from its envelope and
// size alone: its bytes are never fetched.
import type { InboundConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { InboundMail } from './store.js';

export type ImapSettings = NonNullable<InboundConfig['imap']>;

export interface PollStats {
  unseen: number;
  stored: number;
  duplicates: number;
  refused: number;
  /** Ids of the messages stored (new or seen before): each is processed (processing is idempotent). */
  ids: string[];
}

export interface PollDeps {
  mail: InboundMail;
  maxBytes: number;
  now: () => Date;
  logger: Logger;
  /** Milliseconds before a silent server is given up on (default 30 s). */
  timeoutMs?: number;
}

/** One pass over the mailbox's unseen messages. Throws when the server cannot be reached or refuses the login. */
export async function pollMailbox(imap: ImapSettings, deps: PollDeps): Promise<PollStats> {
  const timeout = deps.timeoutMs ?? 30_000;
  // Loaded on the first poll, not at start-up (a process without a mailbox never loads it).
  const { ImapFlow } = await import('imapflow');
  const client = new ImapFlow({
    host: imap.host,
    port: imap.port,
    secure: imap.secure,
    // Plain IMAP only where asked (a loopback server in tests); never upgrade half-way.
    ...(imap.secure ? {} : { doSTARTTLS: false }),
    auth: { user: imap.user, pass: imap.password },
    logger: false,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  });
  client.on('error', (err: unknown) => deps.logger.warn({ err }, 'IMAP connection error'));
  const stats: PollStats = { unseen: 0, stored: 0, duplicates: 0, refused: 0, ids: [] };
  await client.connect();
  try {
    const lock = await client.getMailboxLock(imap.mailbox);
    try {
      const uids = (await client.search({ seen: false }, { uid: true })) || [];
      stats.unseen = uids.length;
      for (const uid of uids) {
        const range = String(uid);
        const meta = await client.fetchOne(range, { uid: true, size: true, envelope: true }, { uid: true });
        if (!meta) continue;
        const size = meta.size ?? 0;
        if (size > deps.maxBytes) {
          const env = meta.envelope;
          const r = await deps.mail.refuse({
            source: 'imap', messageId: env?.messageId?.replace(/^<|>$/g, '') ?? null, size,
            ...(env?.from?.[0]?.address ? { from: env.from[0].address } : {}), ...(env?.subject ? { subject: env.subject.slice(0, 500) } : {}),
            reason: `${size} bytes, over the ${deps.maxBytes}-byte limit (INBOUND_MAX_BYTES): not taken in`, receivedAt: deps.now(),
            fallbackKey: `imap:${imap.user}:${imap.mailbox}:${uid}:${size}`,
          });
          if (r.created) stats.refused++;
          deps.logger.warn({ uid, size, limit: deps.maxBytes }, 'inbound message over the size limit: recorded as refused');
        } else {
          const full = await client.fetchOne(range, { source: true }, { uid: true });
          if (!full || !full.source) continue;
          const r = await deps.mail.store(full.source, 'imap', deps.now());
          if (r.created) stats.stored++;
          else stats.duplicates++;
          stats.ids.push(r.id);
        }
        await client.messageFlagsAdd(range, ['\\Seen'], { uid: true });
      }
    } finally {
      lock.release();
    }
  } finally {
    await client.logout().catch(() => client.close());
  }
  return stats;
}

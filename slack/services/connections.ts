// Connections from Slack: App Home's *Connections* section (admins only), the
// Disconnect button (admins only, re-checked on the click), and the first
// sync's progress message. Minting connect links and disconnecting are the
// composition root's (app/http/web.ts hands them in as ConnectionControls), so
// Slack and the admin API do both the one way.
import { may } from '../../src/domain/authorization.js';
import { connectionsBlocks, type ConnectionRow, type ConnectionsSection } from '../blocks/connections.js';
import { authorize } from './authorize.js';
import { openDm, type ConnectionControls, type DisconnectOutcome, type SlackContext } from './context.js';

export type { ConnectionControls, DisconnectOutcome };
import type { PersonDoc } from './people.js';

/** Is this person an admin (may change the organisation's settings)? The one table decides (src/domain/authorization.ts). */
export function isAdmin(person: PersonDoc): boolean {
  return may({ id: person.email, email: person.email, roles: person.roles }, 'changeSettings').ok;
}

function stamp(at: Date | undefined): string | null {
  return at ? `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC` : null;
}

/** The section's data: fresh links minted now (each publish), and every connection of the organisation. */
export async function connectionsSection(ctx: SlackContext, controls: ConnectionControls, orgId: string, slackUserId: string): Promise<ConnectionsSection> {
  const urls = { quickbooks: controls.connectUrl('quickbooks', orgId, slackUserId), xero: controls.connectUrl('xero', orgId, slackUserId) };
  const rows: ConnectionRow[] = (await ctx.store.connections.listByOrg(orgId)).map((c) => ({
    id: c._id,
    provider: c.provider,
    companyName: c.companyName,
    status: c.status,
    ...(c.statusReason ? { statusReason: c.statusReason } : {}),
    lastSync: stamp(c.lastSyncAt),
    ...(c.lastError ? { lastError: c.lastError.message } : {}),
    reconnectUrl: urls[c.provider],
  }));
  return { connectUrls: urls, connections: rows };
}

/** The admin's *Connections* blocks, or none for everyone else. */
export async function connectionsHomeBlocks(ctx: SlackContext, person: PersonDoc, slackUserId: string): Promise<ReturnType<typeof connectionsBlocks>> {
  if (!ctx.connections || !isAdmin(person)) return [];
  return connectionsBlocks(await connectionsSection(ctx, ctx.connections, person.orgId, slackUserId));
}

/** The Disconnect button: the clicker must be an admin of the connection's organisation, checked again here whatever the view showed. */
export async function disconnectFromSlack(ctx: SlackContext, userId: string, connectionId: string): Promise<{ ok: boolean; message: string }> {
  const conn = await ctx.store.connections.get(connectionId);
  if (!conn || !ctx.connections) return { ok: false, message: 'That connection no longer exists.' };
  const a = await authorize(ctx, conn.orgId, userId, 'changeSettings', {});
  if (!a.ok) return { ok: false, message: a.message };
  const r = await ctx.connections.disconnect(connectionId, ctx.actorFor(a.person, userId));
  if (!r.ok) return { ok: false, message: r.reason === 'not_found' ? 'That connection no longer exists.' : `${conn.companyName} is already disconnected.` };
  return { ok: true, message: `${conn.companyName} is disconnected: its access was revoked, ${r.cancelledJobs} scheduled job${r.cancelledJobs === 1 ? '' : 's'} and ${r.cancelledEntries} queued reminder${r.cancelledEntries === 1 ? '' : 's'} cancelled.` };
}

/** Tell a Slack user something by DM (App Home has no channel for an ephemeral message). */
export async function tellByDm(ctx: SlackContext, userId: string, text: string): Promise<void> {
  try {
    await ctx.post({ channel: await openDm(ctx.client, userId), text });
  } catch (err) {
    // A user Slack does not know (a forged or stale click) cannot be told anything; the action itself was refused or done.
    if ((err as { data?: { error?: unknown } }).data?.error !== 'user_not_found') throw err;
    ctx.logger.warn({ userId }, 'could not DM the user: Slack does not know them');
  }
}

/**
 * The first sync's progress message: one DM per recipient (the admin who connected, else every admin of the
 * organisation), posted at the start and updated in place (chat.update) as pages arrive and at the end.
 */
export class SyncProgressMessages {
  private readonly posted: { channel: string; ts: string }[] = [];

  private constructor(private readonly ctx: SlackContext) {}

  /** Post the first text to the recipients; none known (or Slack not installed for the organisation): a silent reporter. */
  static async start(base: SlackContext, orgId: string, by: string | undefined, text: string): Promise<SyncProgressMessages> {
    const ctx = (await base.forOrg(orgId)) ?? null;
    const reporter = new SyncProgressMessages(ctx ?? base);
    if (!ctx) return reporter;
    const connector = by ? await ctx.people.bySlackId(orgId, by) : null;
    const people = connector ? [connector] : (await ctx.people.withRole(orgId, 'admin')).filter((p) => p.slackUserId);
    for (const p of people) {
      const user = p.slackUserId ?? by;
      if (!user) continue;
      try {
        const channel = await openDm(ctx.client, user);
        const r = await ctx.post({ channel, text });
        if (r.ts) reporter.posted.push({ channel, ts: r.ts });
      } catch (err) {
        ctx.logger.warn({ err, user }, 'first sync progress: could not reach a recipient');
      }
    }
    return reporter;
  }

  get recipients(): number {
    return this.posted.length;
  }

  /** Update the messages in place (once a page: a page is a thousand records, well under chat.update's rate). */
  async update(text: string): Promise<void> {
    for (const m of this.posted) {
      try {
        await this.ctx.client.chat.update({ channel: m.channel, ts: m.ts, text });
      } catch (err) {
        this.ctx.logger.warn({ err, channel: m.channel }, 'first sync progress: update failed');
      }
    }
  }
}

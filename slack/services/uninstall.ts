// Uninstall events: `app_uninstalled`, and `tokens_revoked` naming a bot token, mark the workspace's
// installation revoked in the installation store. The delivery worker then finds no token for the
// organisation (botTokenForOrg), so its tasks wait (nothing is posted) until a re-install clears the
// mark. One log line, and one audit entry on the organisation (`slack.uninstalled`, account
// `org:<orgId>`) when the workspace was linked to one; a repeated event changes nothing.
import type { SlackContext } from './context.js';

const SLACK_SYSTEM = { kind: 'system' as const, id: 'slack', name: 'Overdue Slack app' };

export async function workspaceRevoked(ctx: SlackContext, q: { teamId?: string | undefined; enterpriseId?: string | undefined }, by: 'app_uninstalled' | 'tokens_revoked'): Promise<void> {
  if (!ctx.installations || (!q.teamId && !q.enterpriseId)) return; // one bot token from config: nothing installed to revoke
  const now = ctx.now();
  const before = await ctx.retry(() => (ctx.installations ? ctx.installations.markRevoked(q, by, now) : Promise.resolve(null)));
  if (!before || before.revokedAt) return;
  ctx.logger.warn({ teamId: before.teamId, enterpriseId: before.enterpriseId, orgId: before.orgId, event: by }, 'Slack workspace uninstalled: delivery to it stops until the app is installed again');
  if (!before.orgId) return;
  await ctx.audit({
    orgId: before.orgId, accountId: `org:${before.orgId}`, actor: SLACK_SYSTEM, channel: 'slack', action: 'slack.uninstalled', invoiceIds: [],
    outcome: `Slack workspace ${before.teamId ?? before.enterpriseId ?? ''} ${by === 'app_uninstalled' ? 'uninstalled the app' : 'revoked the bot token'}: Slack delivery stops until it is installed again`,
    details: { teamId: before.teamId, enterpriseId: before.enterpriseId, event: by }, at: now,
  });
}

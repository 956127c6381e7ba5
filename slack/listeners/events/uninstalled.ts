// app_uninstalled / tokens_revoked (Bolt skips authorisation for both): the workspace's installation is marked revoked.
import { z } from 'zod';
import { workspaceRevoked } from '../../services/uninstall.js';
import { servicesOf, type EventArgs } from '../payloads.js';

const Workspace = z.object({ teamId: z.string().min(1).optional(), enterpriseId: z.string().min(1).optional() });
const TokensRevoked = z.object({ tokens: z.object({ bot: z.array(z.string()).nullish() }) });

export async function appUninstalled({ context }: EventArgs): Promise<void> {
  await workspaceRevoked(servicesOf(context), Workspace.parse(context), 'app_uninstalled');
}

/** Only a revoked bot token stops delivery (Overdue keeps no user tokens). */
export async function tokensRevoked({ event, context }: EventArgs): Promise<void> {
  const e = TokensRevoked.parse(event);
  if ((e.tokens.bot ?? []).length === 0) return;
  await workspaceRevoked(servicesOf(context), Workspace.parse(context), 'tokens_revoked');
}

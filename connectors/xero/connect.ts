// Connecting Xero: one consent (a login) may authorise several organisations
// (tenants). The callback stores the login's token set once, on a holder in
// `grants`, and one connection per tenant pointing at it; disconnecting a tenant
// removes only it, and the login's token is revoked with the last one. The OAuth
// calls themselves (openid-client, PKCE, /connections) are in oauth.ts.
import { randomUUID } from 'node:crypto';
import { AppError } from '../../src/errors.js';
import { connectionId as connectionIdOf } from '../../src/store/organisations.js';
import { collections } from '../../src/store/store.js';
import type { ConnectionDoc } from '../../src/store/types.js';
import type { CallbackInput } from '../types.js';
import type { XeroKit } from './kit.js';
import { deleteConnection, exchangeCode, listTenants, revoke } from './oauth.js';

/**
 * Exchange the code, list the login's tenants (GET /connections) and store one
 * connection per organisation, all sharing the login's token set (encrypted
 * on its holder). A tenant already connected for another Overdue organisation is left alone.
 */
export async function connectTenants(kit: XeroKit, input: CallbackInput): Promise<ConnectionDoc[]> {
  const q = new URL(input.url, 'http://callback.invalid').searchParams;
  if (!q.get('code')) throw new AppError('bad_request', 'the callback has no authorization code');
  let tokens;
  try {
    tokens = await exchangeCode(kit.settings, kit.pkce, input.url, kit.now());
  } catch (err) {
    throw new AppError('bad_request', `Xero refused the authorization code (${err instanceof Error ? err.message : 'error'})`);
  }
  const tenants = (await listTenants(kit.settings, tokens.accessToken)).filter((t) => t.tenantType === 'ORGANISATION');
  if (tenants.length === 0) throw new AppError('bad_request', 'no Xero organisation was authorised');
  const now = kit.now();
  const holderId = connectionIdOf('xero', `login:${randomUUID()}`);
  await kit.grants.upsert({ orgId: input.orgId, provider: 'xero', companyId: holderId.slice('xero:'.length), companyName: `Xero login (${tenants.length} organisations)`, ...kit.tokens.seal(holderId, tokens) }, now);
  const out: ConnectionDoc[] = [];
  for (const t of tenants) {
    const id = connectionIdOf('xero', t.tenantId);
    const existing = await kit.store.connections.get(id);
    if (existing && existing.orgId !== input.orgId && existing.status === 'active') {
      kit.logger.warn({ connectionId: id, orgId: input.orgId, ownerOrg: existing.orgId }, 'Xero tenant already connected for another organisation: skipped');
      continue;
    }
    out.push(await kit.store.connections.upsert(
      { orgId: input.orgId, provider: 'xero', companyId: t.tenantId, companyName: t.tenantName ?? `Xero organisation ${t.tenantId}`, tokenHolderId: holderId },
      now,
    ));
  }
  kit.logger.info({ orgId: input.orgId, tenants: out.map((c) => c.companyId) }, 'Xero connected');
  return out;
}

/** The first tenant's connection (the Connector contract); connectTenants returns them all. */
export async function handleCallback(kit: XeroKit, input: CallbackInput): Promise<ConnectionDoc> {
  const all = await connectTenants(kit, input);
  const first = all[0];
  if (!first) throw new AppError('bad_request', 'no Xero organisation was authorised');
  return first;
}

/**
 * Disconnect one tenant: DELETE /connections/{id} for it (its siblings stay
 * connected), mark it disconnected; when no tenant of the login is left, revoke the login's token.
 */
export async function disconnect(kit: XeroKit, connectionId: string): Promise<void> {
  const conn = await kit.store.connections.get(connectionId);
  if (!conn) throw new AppError('not_found', `no connection ${connectionId}`);
  const t = await kit.tokens.getAccessToken(connectionId);
  if (t.ok) {
    try {
      const match = (await listTenants(kit.settings, t.accessToken)).find((c) => c.tenantId === conn.companyId);
      if (match) await deleteConnection(kit.settings, t.accessToken, match.id);
    } catch (err) {
      kit.logger.warn({ connectionId, err: err instanceof Error ? err.message : String(err) }, 'Xero disconnect call failed; marking disconnected anyway');
    }
  }
  await kit.store.connections.setStatus(connectionId, 'disconnected', 'disconnected by the organisation', kit.now());
  const holderId = conn.tokenHolderId;
  if (!holderId) return;
  const siblings = await kit.store.db.collection<ConnectionDoc>(collections.connections).countDocuments({ tokenHolderId: holderId, status: 'active' });
  if (siblings > 0) return;
  const holder = await kit.grants.get(holderId);
  const tokens = holder ? kit.tokens.open(holder) : undefined;
  if (tokens) await revoke(kit.settings, tokens.refreshToken).catch((err: unknown) => kit.logger.warn({ holderId, err: err instanceof Error ? err.message : String(err) }, 'revoke failed'));
  await kit.grants.setStatus(holderId, 'disconnected', 'every organisation of the login was disconnected', kit.now());
}

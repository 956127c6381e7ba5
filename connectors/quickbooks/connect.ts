// Connecting a QuickBooks company: the consent URL, the callback's code exchange
// (intuit-oauth), the refresh the TokenManager calls, and disconnecting (revoke,
// then mark the connection). The TokenManager owns when to refresh; this file
// only says how QuickBooks does it.
import OAuthClient from 'intuit-oauth';
import { z } from 'zod';
import { AppError } from '../../src/errors.js';
import type { TokenSet } from '../../src/crypto/tokens.js';
import { connectionId as connectionIdOf } from '../../src/store/organisations.js';
import type { ConnectionDoc } from '../../src/store/types.js';
import type { RefreshOutcome, Refresher } from '../token-refresh.js';
import type { CallbackInput } from '../types.js';
import type { QboKit, QuickBooksSettings } from './kit.js';
import { quickbooks } from './provider.js';
import { QboCompanyInfo } from './records.js';

const QboTokenResponse = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  expires_in: z.coerce.number().positive(),
  x_refresh_token_expires_in: z.coerce.number().positive().optional(),
  token_type: z.string().optional(),
});
const OAuthFailure = z.object({ error: z.string().optional(), originalMessage: z.string().optional(), message: z.string().optional() });

/** Point intuit-oauth (static endpoints) at the configured URLs; our TokenManager does the retrying. */
export function configureIntuitOAuth(s: QuickBooksSettings): void {
  OAuthClient.authorizeEndpoint = s.authorizeUrl;
  OAuthClient.tokenEndpoint = s.tokenUrl;
  OAuthClient.revokeEndpoint = s.revokeUrl;
  OAuthClient.retryConfig = { ...OAuthClient.retryConfig, maxRetries: 0 };
}

function oauthClient(s: QuickBooksSettings): OAuthClient {
  return new OAuthClient({ clientId: s.clientId, clientSecret: s.clientSecret, environment: s.environment, redirectUri: s.redirectUri });
}

/** A token endpoint answer as our token set, expiries counted from `now`. */
function tokenSet(json: unknown, now: Date): TokenSet {
  const t = QboTokenResponse.parse(json);
  const at = now.getTime();
  return {
    accessToken: t.access_token,
    refreshToken: t.refresh_token,
    accessTokenExpiresAt: new Date(at + t.expires_in * 1000).toISOString(),
    ...(t.x_refresh_token_expires_in ? { refreshTokenExpiresAt: new Date(at + t.x_refresh_token_expires_in * 1000).toISOString() } : {}),
    ...(t.token_type ? { tokenType: t.token_type } : {}),
  };
}

/** The intuit-oauth refresh, as the provider-neutral Refresher. */
export function qboRefresher(settings: QuickBooksSettings, now: () => Date): Refresher {
  return async (refreshToken): Promise<RefreshOutcome> => {
    try {
      const r = await oauthClient(settings).refreshUsingToken(refreshToken);
      return { ok: true, tokens: tokenSet(r.json, now()) };
    } catch (err) {
      const f = OAuthFailure.safeParse(err);
      const code = f.success ? (f.data.error ?? '') : '';
      if (code === 'invalid_grant') return { ok: false, kind: 'invalid_grant', detail: 'invalid_grant' };
      const detail = f.success ? (f.data.error || f.data.originalMessage || f.data.message || 'refresh failed') : String(err);
      return { ok: false, kind: 'transient', detail };
    }
  };
}

export function authorizeUrl(settings: QuickBooksSettings, state: string): string {
  return oauthClient(settings).authorizeUri({ scope: [quickbooks.oauth.scope], state });
}

/** Exchange the code, store the connection (tokens sealed), then name it after the company. */
export async function handleCallback(kit: QboKit, input: CallbackInput): Promise<ConnectionDoc> {
  const q = new URL(input.url, 'http://callback.invalid').searchParams;
  const code = q.get('code');
  const realmId = q.get('realmId');
  if (!code) throw new AppError('bad_request', 'the callback has no authorization code');
  if (!realmId || !quickbooks.companyIdPattern.test(realmId)) throw new AppError('bad_request', 'the callback has no valid realmId');
  const oauth = oauthClient(kit.settings);
  let tokens: TokenSet;
  try {
    tokens = tokenSet((await oauth.createToken(input.url)).json, kit.now());
  } catch (err) {
    const f = OAuthFailure.safeParse(err);
    throw new AppError('bad_request', `QuickBooks refused the authorization code (${f.success ? (f.data.error ?? 'error') : 'error'})`);
  }
  const id = connectionIdOf('quickbooks', realmId);
  const now = kit.now();
  await kit.store.connections.upsert(
    { orgId: input.orgId, provider: 'quickbooks', companyId: realmId, companyName: `QuickBooks company ${realmId}`, ...kit.tokens.seal(id, tokens) },
    now,
  );
  const info = QboCompanyInfo.safeParse(await kit.client({ _id: id, companyId: realmId }).companyInfo());
  if (info.success) await kit.store.connections.update(id, { companyName: info.data.CompanyInfo.CompanyName }, kit.now());
  else kit.logger.warn({ connectionId: id, issues: info.error.issues.slice(0, 3) }, 'CompanyInfo did not parse; keeping the placeholder name');
  const conn = await kit.store.connections.get(id);
  if (!conn) throw new Error(`connection ${id} vanished after upsert`);
  kit.logger.info({ connectionId: id, orgId: input.orgId }, 'QuickBooks connected');
  return conn;
}

/** Revoke the refresh token at Intuit (a failure is logged, not fatal) and mark the connection disconnected. */
export async function disconnect(kit: QboKit, connectionId: string): Promise<void> {
  const conn = await kit.store.connections.get(connectionId);
  if (!conn) throw new AppError('not_found', `no connection ${connectionId}`);
  const tokens = kit.tokens.open(conn);
  if (tokens) {
    try {
      await oauthClient(kit.settings).revoke({ refresh_token: tokens.refreshToken });
    } catch (err) {
      kit.logger.warn({ connectionId, err: OAuthFailure.safeParse(err).data }, 'revoke failed; marking disconnected anyway');
    }
  }
  await kit.store.connections.setStatus(connectionId, 'disconnected', 'disconnected by the organisation', kit.now());
}

// Xero OAuth 2.0 through openid-client 5 (the library xero-node builds on),
// with every endpoint taken from configuration: xero-node's initialize()
// discovers a hard-coded host, and its refreshWithRefreshToken, updateTenants
// and disconnect call hard-coded URLs, so the Issuer is built here and
// /connections is called with the configured base.
// PKCE without server-side storage: the code verifier is an HMAC of the signed,
// single-use state under a key derived from the token key, so only this service
// can compute it, and only once (the state cannot be consumed twice).
import { createHmac, hkdfSync } from 'node:crypto';
import { custom, errors, generators, Issuer, type Client, type TokenSet as OidcTokenSet } from 'openid-client';
import { XeroClient } from 'xero-node';
import { z } from 'zod';
import type { TokenSet } from '../../src/crypto/tokens.js';
import type { RefreshOutcome } from '../token-refresh.js';
import { xero } from './provider.js';
import { XeroTenantConnection } from './records.js';

export interface XeroSettings {
  clientId: string;
  clientSecret: string;
  webhookKey: string;
  /** https://api.xero.com/api.xro/2.0 */
  apiBaseUrl: string;
  /** https://identity.xero.com (token endpoint at /connect/token) */
  identityUrl: string;
  /** https://api.xero.com/connections */
  connectionsUrl: string;
  /** https://login.xero.com/identity/connect/authorize */
  authorizeUrl: string;
  /** Where Xero sends the browser back: <public base>/callback/xero. */
  redirectUri: string;
  /** Timeout of identity and /connections calls (default 10 s). */
  httpTimeoutMs?: number;
}

/** An openid-client Client for Xero's identity server, from configured endpoints (no discovery). */
export function identityClient(s: XeroSettings): Client {
  const base = s.identityUrl.replace(/\/$/, '');
  const issuer = new Issuer({
    issuer: base,
    authorization_endpoint: s.authorizeUrl,
    token_endpoint: `${base}${xero.oauth.tokenPath}`,
    revocation_endpoint: `${base}${xero.oauth.revocationPath}`,
  });
  const client = new issuer.Client({
    client_id: s.clientId,
    client_secret: s.clientSecret,
    redirect_uris: [s.redirectUri],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  });
  client[custom.http_options] = (_url, options) => ({ ...options, timeout: s.httpTimeoutMs ?? 10_000 });
  return client;
}

/** A xero-node client whose identity calls go to the configured endpoints. */
export function xeroClient(s: XeroSettings, oidc: Client = identityClient(s)): XeroClient {
  const x = new XeroClient({ clientId: s.clientId, clientSecret: s.clientSecret, redirectUris: [s.redirectUri], scopes: [...xero.oauth.scopes], httpTimeout: s.httpTimeoutMs ?? 10_000 });
  x.openIdClient = oidc;
  x.accountingApi.basePath = s.apiBaseUrl.replace(/\/$/, '');
  return x;
}

export class Pkce {
  private readonly key: Buffer;
  constructor(secret: Buffer) {
    this.key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'overdue xero pkce v1', 32));
  }
  verifier(state: string): string {
    return createHmac('sha256', this.key).update(state).digest('base64url');
  }
  challenge(state: string): string {
    return generators.codeChallenge(this.verifier(state));
  }
}

export function authorizeUrl(s: XeroSettings, pkce: Pkce, state: string): string {
  return identityClient(s).authorizationUrl({
    redirect_uri: s.redirectUri,
    scope: xero.oauth.scopes.join(' '),
    state,
    code_challenge: pkce.challenge(state),
    code_challenge_method: 'S256',
  });
}

/** openid-client's token set as ours; expiry from expires_at/expires_in, refresh expiry from Xero's 60-day rule. */
export function toTokenSet(t: OidcTokenSet, now: Date): TokenSet {
  if (!t.access_token || !t.refresh_token) throw new Error('the token response has no access or refresh token');
  // expires_in (openid-client derives it from expires_at on the real clock); `now` may be a test clock.
  const ttlS = typeof t.expires_in === 'number' && t.expires_in > 0 ? t.expires_in : xero.oauth.accessTokenTtlS;
  return {
    accessToken: t.access_token,
    refreshToken: t.refresh_token,
    accessTokenExpiresAt: new Date(now.getTime() + ttlS * 1000).toISOString(),
    refreshTokenExpiresAt: new Date(now.getTime() + xero.oauth.refreshTokenTtlS * 1000).toISOString(),
    ...(t.token_type ? { tokenType: t.token_type } : {}),
    ...(t.scope ? { scope: t.scope } : {}),
  };
}

/** Exchange the callback's code (state and PKCE checked by openid-client). */
export async function exchangeCode(s: XeroSettings, pkce: Pkce, callbackUrl: string, now: Date): Promise<TokenSet> {
  const client = identityClient(s);
  const params = client.callbackParams(callbackUrl);
  const state = params.state ?? '';
  const t = await client.oauthCallback(s.redirectUri, params, { state, code_verifier: pkce.verifier(state) });
  return toTokenSet(t, now);
}

/** A refresh through xero-node's refreshToken() (openid-client underneath), as a RefreshOutcome. */
export async function refresh(s: XeroSettings, refreshToken: string, now: Date): Promise<RefreshOutcome> {
  const x = xeroClient(s);
  x.setTokenSet({ access_token: 'unused-for-refresh', refresh_token: refreshToken }); // xero-node insists on an access token being set
  try {
    return { ok: true, tokens: toTokenSet(await x.refreshToken(), now) };
  } catch (err) {
    if (err instanceof errors.OPError && err.error === 'invalid_grant') return { ok: false, kind: 'invalid_grant', detail: 'invalid_grant' };
    // invalid_client and the like are configuration faults, not a dead grant: retry after the cooldown.
    const detail = err instanceof errors.OPError ? (err.error ?? err.message) : err instanceof Error ? err.message : String(err);
    return { ok: false, kind: 'transient', detail };
  }
}

/** Revoke a refresh token (ends every tenant connection of the login). Errors are the caller's to log. */
export async function revoke(s: XeroSettings, refreshToken: string): Promise<void> {
  const x = xeroClient(s);
  x.setTokenSet({ access_token: 'unused-for-refresh', refresh_token: refreshToken }); // xero-node insists on an access token being set
  await x.revokeToken();
}

export class ConnectionsApiError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
    this.name = 'ConnectionsApiError';
  }
}

async function connectionsCall(s: XeroSettings, accessToken: string, method: 'GET' | 'DELETE', path = ''): Promise<Response> {
  const res = await fetch(`${s.connectionsUrl.replace(/\/$/, '')}${path}`, {
    method,
    headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
    signal: AbortSignal.timeout(s.httpTimeoutMs ?? 10_000),
  });
  return res;
}

/** GET /connections: the tenants this login has authorised. */
export async function listTenants(s: XeroSettings, accessToken: string): Promise<XeroTenantConnection[]> {
  const res = await connectionsCall(s, accessToken, 'GET');
  if (!res.ok) throw new ConnectionsApiError(`GET /connections answered ${res.status}`, res.status);
  return z.array(XeroTenantConnection).parse(await res.json());
}

/** DELETE /connections/{id}: disconnect one tenant. A 404 means it was already gone. */
export async function deleteConnection(s: XeroSettings, accessToken: string, xeroConnectionId: string): Promise<'deleted' | 'already_gone'> {
  const res = await connectionsCall(s, accessToken, 'DELETE', `/${encodeURIComponent(xeroConnectionId)}`);
  if (res.status === 404) return 'already_gone';
  if (!res.ok) throw new ConnectionsApiError(`DELETE /connections answered ${res.status}`, res.status);
  return 'deleted';
}

// The OAuth connect flow is bound to the browser that followed the connect link:
// it gets a nonce cookie, the state carries the nonce's hash, and a callback
// arriving without that cookie (another browser, a link someone was sent) is refused
// with the same friendly page as any other bad state.
import express from 'express';
import request from 'supertest';
import { randomBytes } from 'node:crypto';
import { addOAuthRoutes, cookieValue, oauthCookieName } from '../../connectors/oauth-routes.js';
import { OAuthStates } from '../../connectors/oauth-state.js';
import { createApp } from '../../src/http/app.js';
import { createLogger } from '../../src/logger.js';
import { createStore } from '../../src/store/store.js';
import type { ConnectionDoc } from '../../src/store/types.js';
import { openTestDatabase } from '../helpers/db.js';

let database: Awaited<ReturnType<typeof openTestDatabase>>;
let states: OAuthStates;
let app: express.Express;
const completed: string[] = [];
const connectedBy: (string | undefined)[] = [];

beforeAll(async () => {
  database = await openTestDatabase('oauthbrowser');
  states = new OAuthStates(randomBytes(32), createStore(database.db).claims);
  const r = express.Router();
  addOAuthRoutes(r, {
    provider: 'quickbooks',
    label: 'QuickBooks',
    states,
    logger: createLogger('silent'),
    now: () => new Date(),
    authorizeUrl: (state) => `https://consent.example/authorize?state=${encodeURIComponent(state)}`,
    async complete(_url, orgId) {
      completed.push(orgId);
      return [{ _id: 'quickbooks:1', orgId, companyName: 'Acme Supplies' } as ConnectionDoc];
    },
    async onConnected(_conns, by) {
      connectedBy.push(by);
    },
  });
  app = createApp({ db: database.db, logger: createLogger('silent'), adminApiToken: undefined, bodyLimit: '1kb', routers: [r] });
});
afterAll(() => database.drop());

/** Follow the connect link as a browser: the state the provider would send back, and the cookie the browser keeps. */
async function start(proto = 'http'): Promise<{ state: string; cookie: string; setCookie: string }> {
  const res = await request(app).get(`/connect/quickbooks?${states.connectLink('quickbooks', 'org-1', new Date())}`).set('X-Forwarded-Proto', proto).expect(302);
  const state = new URL(String(res.headers['location'])).searchParams.get('state') ?? '';
  const setCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith(`${oauthCookieName('quickbooks')}=`)) ?? '';
  return { state, cookie: setCookie.split(';')[0] ?? '', setCookie };
}
const callback = (state: string, cookie?: string) => {
  const req = request(app).get(`/callback/quickbooks?code=c&realmId=1&state=${encodeURIComponent(state)}`);
  return cookie === undefined ? req : req.set('Cookie', cookie);
};

it('sets an httpOnly, SameSite=Lax nonce cookie when the connect link is followed, Secure over https', async () => {
  const plain = await start();
  expect(plain.setCookie).toMatch(/HttpOnly/i);
  expect(plain.setCookie).toMatch(/SameSite=Lax/i);
  expect(plain.setCookie).not.toMatch(/Secure/i);
  expect(plain.cookie.split('=')[1]).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect((await start('https')).setCookie).toMatch(/;\s*Secure/i);
});

it('connects when the callback comes back to the same browser, once', async () => {
  const { state, cookie } = await start();
  const ok = await callback(state, cookie).expect(200);
  expect(ok.text).toContain('QuickBooks connected');
  expect(completed).toEqual(['org-1']);
  const again = await callback(state, cookie).expect(400);
  expect(again.text).toContain('already used');
});

it('refuses a state whose cookie is missing or different, with the friendly page, and connects nothing', async () => {
  const before = completed.length;
  const { state } = await start();
  const other = await start();
  for (const res of [await callback(state), await callback(state, other.cookie), await callback(state, `${oauthCookieName('quickbooks')}=forged`)]) {
    expect(res.status).toBe(400);
    expect(res.type).toBe('text/html');
    expect(res.text).toContain('<h1>QuickBooks was not connected</h1>');
    expect(res.text).toContain('started in another browser');
  }
  expect(completed).toHaveLength(before);
});

it('reads one cookie out of a Cookie header', () => {
  expect(cookieValue('a=1; overdue_oauth_xero=abc; b=2', 'overdue_oauth_xero')).toBe('abc');
  expect(cookieValue('overdue_oauth_xero=', 'overdue_oauth_xero')).toBeUndefined();
  expect(cookieValue(undefined, 'x')).toBeUndefined();
  expect(cookieValue('xx=1', 'x')).toBeUndefined();
});

describe('connect links', () => {
  const follow = (query: string) => request(app).get(`/connect/quickbooks?${query}`);

  it('live an hour, then answer the friendly "ask for a new one" page', async () => {
    const minted = new Date(Date.now() - states.connectLinkTtl - 1_000);
    const { query, expiresAt } = states.connectLinkFor('quickbooks', 'org-1', minted);
    expect(expiresAt.getTime() - minted.getTime()).toBe(60 * 60_000);
    const res = await follow(query).expect(403);
    expect(res.text).toContain('invalid or expired');
    await follow(states.connectLinkFor('quickbooks', 'org-1', new Date()).query).expect(302);
  });

  it('refuse a link whose organisation, expiry, provider or Slack user was changed', async () => {
    const { query } = states.connectLinkFor('quickbooks', 'org-1', new Date(), 'U0ADMIN01');
    await follow(query).expect(302);
    await follow(query.replace('org=org-1', 'org=org-2')).expect(403);
    await follow(query.replace(/exp=(\d+)/, (_m, e: string) => `exp=${Number(e) + 1}`)).expect(403);
    await follow(query.replace('by=U0ADMIN01', 'by=U0OTHER01')).expect(403);
    await follow(query.replace('&by=U0ADMIN01', '')).expect(403);
    await request(app).get(`/connect/quickbooks?${states.connectLinkFor('xero', 'org-1', new Date()).query}`).expect(403);
  });

  it('carry the Slack user they were minted for through the consent to onConnected', async () => {
    const res = await follow(states.connectLinkFor('quickbooks', 'org-1', new Date(), 'U0ADMIN01').query).expect(302);
    const state = new URL(String(res.headers['location'])).searchParams.get('state') ?? '';
    const cookie = (([] as string[]).concat(res.headers['set-cookie'] ?? [])[0] ?? '').split(';')[0] ?? '';
    await callback(state, cookie).expect(200);
    expect(connectedBy.at(-1)).toBe('U0ADMIN01');
  });
});

// The shared token refresh (connectors/token-refresh.ts) for connections that
// share one token set: every tenant of one Xero login names the same holder.
import { randomBytes } from 'node:crypto';
import { TokenManager, type Refresher } from '../../../connectors/token-refresh.js';
import type { TokenSet } from '../../../src/crypto/tokens.js';
import { Connections } from '../../../src/store/organisations.js';
import { createStore, ensureIndexes, type Store } from '../../../src/store/store.js';
import type { ConnectionDoc } from '../../../src/store/types.js';
import { openTestDatabase } from '../../helpers/db.js';

let database: Awaited<ReturnType<typeof openTestDatabase>>;
let store: Store;
let grants: Connections;
const key = randomBytes(32);
const clock = new Date('2026-03-02T10:00:00Z');
const now = () => clock;

beforeAll(async () => {
  database = await openTestDatabase('sharedtokens');
  await ensureIndexes(database.db);
  store = createStore(database.db);
  grants = new Connections(database.db.collection<ConnectionDoc>('token_grants_test'), store.claims);
});
afterAll(() => database.drop());

const tokens = (n: number, ms: number): TokenSet => ({ accessToken: `at-${n}`, refreshToken: `rt-${n}`, accessTokenExpiresAt: new Date(clock.getTime() + ms).toISOString() });

function endpoint(answer?: () => 'invalid_grant' | undefined) {
  let n = 100;
  const calls: string[] = [];
  const refresher: Refresher = async (rt) => {
    calls.push(rt);
    await new Promise((r) => setTimeout(r, 40));
    if (answer?.() === 'invalid_grant') return { ok: false, kind: 'invalid_grant', detail: 'invalid_grant' };
    n += 1;
    return { ok: true, tokens: tokens(n, 1_800_000) };
  };
  return { refresher, calls };
}

const manager = (owner: string, refresher: Refresher) => new TokenManager({ connections: store.connections, grants, key, refreshers: { xero: refresher }, owner, now, pollMs: 20 });

/** A login with `n` tenants: one holder in `grants`, n connections pointing at it. */
async function login(label: string, n: number, t: TokenSet): Promise<{ holderId: string; tenants: string[] }> {
  const m = manager('setup', endpoint().refresher);
  const holder = await grants.upsert({ orgId: 'org1', provider: 'xero', companyId: `login:${label}`, companyName: 'login' }, clock);
  await grants.update(holder._id, m.seal(holder._id, t), clock);
  const tenants: string[] = [];
  for (let i = 0; i < n; i++) {
    const c = await store.connections.upsert({ orgId: 'org1', provider: 'xero', companyId: `${label}-tenant-${i}`, companyName: `T${i}`, tokenHolderId: holder._id }, clock);
    tenants.push(c._id);
  }
  return { holderId: holder._id, tenants };
}

describe('token refresh shared by the tenants of one login', () => {
  it('refreshes once for all tenants, across processes, and every tenant gets the new token', async () => {
    const { holderId, tenants } = await login('a', 3, tokens(1, -1000));
    const ep = endpoint();
    const managers = ['p1', 'p2', 'p3'].map((o) => manager(o, ep.refresher));
    const results = await Promise.all(Array.from({ length: 18 }, (_, i) => managers[i % 3]!.getAccessToken(tenants[i % tenants.length]!)));
    expect(ep.calls).toEqual(['rt-1']);
    expect(new Set(results.map((r) => (r.ok ? r.accessToken : r.reason)))).toEqual(new Set(['at-101']));
    // Each answer names the tenant it was asked for, not the holder.
    results.forEach((r, i) => expect(r.ok && r.connection._id).toBe(tenants[i % tenants.length]));
    expect(managers[0]!.open((await grants.get(holderId))!)?.refreshToken).toBe('rt-101');
    expect((await store.connections.get(tenants[0]!))?.tokens).toBeUndefined();
  });

  it('a dead grant marks the asking tenant needs_reconnect, and the others when they ask', async () => {
    const { holderId, tenants } = await login('b', 2, tokens(1, -1000));
    const ep = endpoint(() => 'invalid_grant');
    const m = manager('p1', ep.refresher);
    expect(await m.getAccessToken(tenants[0]!)).toMatchObject({ ok: false, reason: 'needs_reconnect' });
    expect((await grants.get(holderId))?.status).toBe('needs_reconnect');
    expect((await store.connections.get(tenants[0]!))?.status).toBe('needs_reconnect');
    expect(await m.getAccessToken(tenants[1]!)).toMatchObject({ ok: false, reason: 'needs_reconnect' });
    expect((await store.connections.get(tenants[1]!))?.status).toBe('needs_reconnect');
    expect(ep.calls).toHaveLength(1);
  });

  it('a disconnected tenant is not_connected while its siblings keep working', async () => {
    const { tenants } = await login('c', 2, tokens(1, 1_800_000));
    const m = manager('p1', endpoint().refresher);
    await store.connections.setStatus(tenants[0]!, 'disconnected', 'by the organisation', clock);
    expect(await m.getAccessToken(tenants[0]!)).toMatchObject({ ok: false, reason: 'not_connected' });
    expect(await m.getAccessToken(tenants[1]!)).toMatchObject({ ok: true, reason: 'fresh', accessToken: 'at-1' });
  });
});

import { randomBytes } from 'node:crypto';
import { TokenManager, type RefreshOutcome, type Refresher } from '../../connectors/token-refresh.js';
import { encryptTokens, type TokenSet } from '../../src/crypto/tokens.js';
import { createStore, ensureIndexes, type Store } from '../../src/store/store.js';
import { openTestDatabase } from '../helpers/db.js';

let database: Awaited<ReturnType<typeof openTestDatabase>>;
let store: Store;
const key = randomBytes(32);
let clock = new Date('2026-03-02T10:00:00Z');
const now = () => clock;

beforeAll(async () => {
  database = await openTestDatabase('tokenrefresh');
  await ensureIndexes(database.db);
  store = createStore(database.db);
});
afterAll(() => database.drop());

function tokens(n: number, expiresInMs: number): TokenSet {
  return { accessToken: `at-${n}`, refreshToken: `rt-${n}`, accessTokenExpiresAt: new Date(clock.getTime() + expiresInMs).toISOString() };
}

async function connection(companyId: string, t: TokenSet): Promise<string> {
  const id = `quickbooks:${companyId}`;
  await store.connections.upsert({ orgId: 'org1', provider: 'quickbooks', companyId, companyName: 'Acme', tokens: encryptTokens(t, key, id), accessTokenExpiresAt: new Date(t.accessTokenExpiresAt) }, clock);
  return id;
}

/** A fake token endpoint: rotates, counts, and can be told what to answer. */
function fakeEndpoint(answer?: () => RefreshOutcome | undefined, delayMs = 50) {
  let n = 100;
  const calls: string[] = [];
  const refresher: Refresher = async (rt) => {
    calls.push(rt);
    await new Promise((r) => setTimeout(r, delayMs));
    const forced = answer?.();
    if (forced) return forced;
    n += 1;
    return { ok: true, tokens: tokens(n, 3_600_000) };
  };
  return { refresher, calls };
}

function manager(owner: string, refresher: Refresher, extra: Partial<ConstructorParameters<typeof TokenManager>[0]> = {}) {
  return new TokenManager({ connections: store.connections, key, refreshers: { quickbooks: refresher }, owner, now, pollMs: 20, ...extra });
}

describe('token refresh', () => {
  it('uses a fresh token as it is', async () => {
    const id = await connection('1001', tokens(1, 3_600_000));
    const ep = fakeEndpoint();
    const d = await manager('p1', ep.refresher).getAccessToken(id);
    expect(d).toMatchObject({ ok: true, reason: 'fresh', accessToken: 'at-1' });
    expect(ep.calls).toHaveLength(0);
  });

  it('refreshes ahead of expiry', async () => {
    const id = await connection('1002', tokens(1, 60_000));
    const ep = fakeEndpoint();
    const d = await manager('p1', ep.refresher).getAccessToken(id);
    expect(d).toMatchObject({ ok: true, reason: 'refreshed', accessToken: 'at-101' });
  });

  it('20 concurrent callers in 4 processes on an expired token: one refresh, everyone gets the new token, newest refresh token stored', async () => {
    const id = await connection('1003', tokens(1, -1000));
    const ep = fakeEndpoint();
    const managers = ['p1', 'p2', 'p3', 'p4'].map((o) => manager(o, ep.refresher));
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => managers[i % 4]!.getAccessToken(id)));
    expect(ep.calls).toEqual(['rt-1']);
    expect(new Set(results.map((r) => (r.ok ? r.accessToken : r.reason)))).toEqual(new Set(['at-101']));
    const reasons = new Set(results.map((r) => r.reason));
    expect(reasons.has('refreshed')).toBe(true);
    const stored = managers[0]!.open((await store.connections.get(id))!);
    expect(stored?.refreshToken).toBe('rt-101');
  });

  it('invalid_grant marks the connection needs_reconnect and stops trying', async () => {
    const id = await connection('1004', tokens(1, -1000));
    const ep = fakeEndpoint(() => ({ ok: false, kind: 'invalid_grant', detail: 'invalid_grant' }));
    const m = manager('p1', ep.refresher);
    expect(await m.getAccessToken(id)).toMatchObject({ ok: false, reason: 'needs_reconnect' });
    expect((await store.connections.get(id))?.status).toBe('needs_reconnect');
    expect(await m.getAccessToken(id)).toMatchObject({ ok: false, reason: 'needs_reconnect' });
    expect(ep.calls).toHaveLength(1);
  });

  it('cools down after a transient failure, then tries again', async () => {
    const id = await connection('1005', tokens(1, -1000));
    let fail = true;
    const ep = fakeEndpoint(() => (fail ? { ok: false, kind: 'transient', detail: 'HTTP 503' } : undefined));
    const m = manager('p1', ep.refresher, { cooldownMs: 30_000 });
    expect(await m.getAccessToken(id)).toMatchObject({ ok: false, reason: 'transient_failure' });
    expect(await m.getAccessToken(id)).toMatchObject({ ok: false, reason: 'cooldown' });
    expect(ep.calls).toHaveLength(1);
    fail = false;
    clock = new Date(clock.getTime() + 31_000);
    expect(await m.getAccessToken(id)).toMatchObject({ ok: true, reason: 'refreshed' });
    expect((await store.connections.get(id))?.status).toBe('active');
  });

  it('refreshes a token the provider rejected, but not one already replaced', async () => {
    const id = await connection('1006', tokens(1, 3_600_000));
    const ep = fakeEndpoint();
    const m = manager('p1', ep.refresher);
    expect(await m.getAccessToken(id, { rejected: 'at-1' })).toMatchObject({ ok: true, reason: 'refreshed', accessToken: 'at-101' });
    expect(await m.getAccessToken(id, { rejected: 'at-1' })).toMatchObject({ ok: true, reason: 'fresh', accessToken: 'at-101' });
    expect(ep.calls).toHaveLength(1);
  });

  it('re-reads after taking the lease: another process refreshed in between', async () => {
    const id = await connection('1007', tokens(1, -1000));
    const ep = fakeEndpoint();
    const stale = (await store.connections.get(id))!;
    // Process 2 refreshes first; process 1 still holds the stale view and then takes the lease.
    await manager('p2', ep.refresher).getAccessToken(id);
    const m1 = manager('p1', ep.refresher);
    const seen = m1.open(stale)!;
    const leased = await store.connections.acquireLease(id, 'p1', 'token-refresh', clock, 60_000);
    await store.connections.releaseLease(id, 'p1');
    expect(m1.open(leased!)?.accessToken).not.toBe(seen.accessToken);
    const d = await m1.getAccessToken(id, { rejected: seen.accessToken });
    expect(d).toMatchObject({ ok: true, reason: 'fresh' });
    expect(ep.calls).toHaveLength(1);
  });

  it('says not_connected for a disconnected or unknown connection', async () => {
    const id = await connection('1008', tokens(1, 3_600_000));
    await store.connections.setStatus(id, 'disconnected', 'revoked', clock);
    const m = manager('p1', fakeEndpoint().refresher);
    expect(await m.getAccessToken(id)).toMatchObject({ ok: false, reason: 'not_connected' });
    expect(await m.getAccessToken('quickbooks:nope')).toMatchObject({ ok: false, reason: 'not_connected' });
  });
});

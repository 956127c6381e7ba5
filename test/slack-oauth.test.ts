// OAuth v2 install end to end: /slack/install → Slack's authorize page (the
// sandbox's) → /slack/oauth_redirect with the code and the state cookie →
// oauth.v2.access → the installation stored encrypted in MongoDB → requests
// from that workspace use its installed token.
import { INSTALLATIONS_COLLECTION } from '../slack/services/installations.js';
import { seedPeople, SIGNING_SECRET, startHarness, users, waitFor, type Harness } from './sandbox/slack/harness.js';
import { sendEvent } from './sandbox/slack/signed.js';

describe('Slack: OAuth v2 install', () => {
  let h: Harness;
  let base: string;
  beforeAll(async () => {
    h = await startHarness('slackoauth', new Date('2025-03-20T15:00:00Z'), { oauth: true });
    await seedPeople(h);
    base = h.endpoint.replace(/\/slack\/events$/, '');
  });
  afterAll(async () => {
    await h.stop();
  });

  async function beginInstall(): Promise<{ state: string; cookie: string; location: URL }> {
    const res = await fetch(`${base}/slack/install`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location') ?? '');
    const state = location.searchParams.get('state') ?? '';
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    return { state, cookie, location };
  }

  it('refuses a callback whose state does not match the browser that started the install', async () => {
    const { state } = await beginInstall();
    h.sandbox.codes.set('code-forged', 'U0ADMIN01');
    const res = await fetch(`${base}/slack/oauth_redirect?code=code-forged&state=${encodeURIComponent(state)}`, { redirect: 'manual' });
    expect(res.status).not.toBe(200);
    expect(h.sandbox.callsOf('oauth.v2.access')).toHaveLength(0);
    expect(await h.store.db.collection(INSTALLATIONS_COLLECTION).countDocuments()).toBe(0);
  });

  it('installs: the code is exchanged once and the installation stored encrypted', async () => {
    const { state, cookie, location } = await beginInstall();
    expect(`${location.origin}${location.pathname}`).toBe(`${h.sandbox.url}/oauth/v2/authorize`);
    expect(location.searchParams.get('client_id')).toBe('cid');
    expect(location.searchParams.get('scope')?.split(',')).toEqual(['chat:write', 'im:write', 'users:read', 'users:read.email', 'commands']);
    expect(cookie).toMatch(/^slack-app-oauth-state=/);
    h.sandbox.codes.set('code-1', 'U0ADMIN01');
    const res = await fetch(`${base}/slack/oauth_redirect?code=code-1&state=${encodeURIComponent(state)}`, { headers: { cookie }, redirect: 'manual' });
    expect(res.status).toBe(200);
    expect(h.sandbox.callsOf('oauth.v2.access')).toHaveLength(1);
    const doc = await h.store.db.collection(INSTALLATIONS_COLLECTION).findOne({ _id: 'team:T0SANDBOX' as never });
    expect(doc).toMatchObject({ teamId: 'T0SANDBOX', botUserId: 'UBOT0001', orgId: 'slack-T0SANDBOX' }); // the workspace's organisation, created at install (test/slack-install-org.test.ts)
    expect(JSON.stringify(doc)).not.toContain('xoxb-'); // the token is encrypted at rest
  });

  it("requests from the workspace use its installed token, with no auth.test per request", async () => {
    const authTests = h.sandbox.callsOf('auth.test').length;
    const envelope = {
      token: 'legacy', team_id: 'T0SANDBOX', api_app_id: 'A0SANDBOX', type: 'event_callback', event_id: 'Ev100', event_time: Math.floor(Date.now() / 1000),
      event: { type: 'app_home_opened', user: users.collector.id, channel: 'D0COL0001', tab: 'home', event_ts: `${Date.now() / 1000}` },
    };
    expect((await sendEvent(h.endpoint, SIGNING_SECRET, envelope)).status).toBe(200);
    expect((await sendEvent(h.endpoint, SIGNING_SECRET, { ...envelope, event_id: 'Ev101' })).status).toBe(200);
    await waitFor('views.publish', () => h.sandbox.callsOf('views.publish').length === 2);
    expect(h.sandbox.callsOf('views.publish').map((c) => c.token)).toEqual(['xoxb-sandbox-installed-T0SANDBOX', 'xoxb-sandbox-installed-T0SANDBOX']);
    expect(h.sandbox.callsOf('auth.test').length).toBe(authTests);
  });
});

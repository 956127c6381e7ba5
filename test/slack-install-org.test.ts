// Installing the Slack app sets the workspace up, through the sandbox's OAuth v2:
// the organisation slack-<teamId> is created (the team's name, the installer's
// time zone from users.info, USD), linked both ways, the installer made its admin
// and collector, all audited; a re-install keeps the link; an organisation made
// first for the workspace (POST /api/orgs { slackTeamId }) is linked, not doubled.
import request from 'supertest';
import { adminRouter } from '../app/http/admin.js';
import { orgsRouter } from '../app/http/orgs.js';
import { createApp } from '../src/http/app.js';
import { createLogger } from '../src/logger.js';
import { INSTALLATIONS_COLLECTION } from '../slack/services/installations.js';
import { People } from '../slack/services/people.js';
import { SIGNING_SECRET, startHarness, type Harness } from './sandbox/slack/harness.js';
import { sendEvent } from './sandbox/slack/signed.js';

const INSTALLER = { id: 'U0ADMIN01', email: 'Fay.Founder@northwind.example', name: 'Fay Founder', tz: 'Europe/Dublin' };

async function install(h: Harness, code: string, userId = INSTALLER.id): Promise<number> {
  const base = h.endpoint.replace(/\/slack\/events$/, '');
  const start = await fetch(`${base}/slack/install`, { redirect: 'manual' });
  const state = new URL(start.headers.get('location') ?? '').searchParams.get('state') ?? '';
  const cookie = (start.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  h.sandbox.codes.set(code, userId);
  const res = await fetch(`${base}/slack/oauth_redirect?code=${code}&state=${encodeURIComponent(state)}`, { headers: { cookie }, redirect: 'manual' });
  return res.status;
}

const installation = (h: Harness) => h.store.db.collection(INSTALLATIONS_COLLECTION).findOne({ _id: 'team:T0SANDBOX' as never });

describe('Slack install creates the workspace organisation', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('slackinstorg', new Date('2025-03-20T15:00:00Z'), { oauth: true });
    h.sandbox.addUser(INSTALLER);
  });
  afterAll(() => h.stop());

  it('creates slack-<teamId> with the team name, the installer\'s time zone and USD, links it both ways, and makes the installer its admin', async () => {
    expect(await install(h, 'code-1')).toBe(200);
    const org = await h.store.organisations.get('slack-T0SANDBOX');
    expect(org).toMatchObject({ name: 'Sandbox', timeZone: 'Europe/Dublin', homeCurrency: 'USD', slackTeamId: 'T0SANDBOX' });
    expect(await installation(h)).toMatchObject({ orgId: 'slack-T0SANDBOX' });
    expect(h.sandbox.callsOf('users.info').map((c) => [c.args['user'], c.token])).toEqual([[INSTALLER.id, 'xoxb-sandbox-installed-T0SANDBOX']]);
    const person = await new People(h.store.db).byEmail('slack-T0SANDBOX', INSTALLER.email);
    expect(person).toMatchObject({ email: 'fay.founder@northwind.example', name: 'Fay Founder', slackUserId: INSTALLER.id, roles: ['admin', 'collector'] });
    const trail = await h.store.audit.list('org:slack-T0SANDBOX');
    expect(trail.map((e) => e.action)).toEqual(['org.created', 'person.added']);
    expect(trail[0]).toMatchObject({ channel: 'slack', actor: { kind: 'person', id: 'fay.founder@northwind.example' } });
    expect(trail[0]?.outcome).toContain('created by installing the Slack app');
  });

  it('the installer is known in App Home at once', async () => {
    const envelope = {
      token: 'legacy', team_id: 'T0SANDBOX', api_app_id: 'A0SANDBOX', type: 'event_callback', event_id: 'EvInst1', event_time: Math.floor(Date.now() / 1000),
      event: { type: 'app_home_opened', user: INSTALLER.id, channel: 'D0ADMIN01', tab: 'home', event_ts: `${Date.now() / 1000}` },
    };
    expect((await sendEvent(h.endpoint, SIGNING_SECRET, envelope)).status).toBe(200);
    for (let i = 0; i < 200 && !h.sandbox.homes.has(INSTALLER.id); i++) await new Promise((r) => setTimeout(r, 25));
    expect(JSON.stringify(h.sandbox.homes.get(INSTALLER.id))).not.toContain('does not know you yet');
  });

  it('a re-install keeps the organisation and its link: nothing is created twice', async () => {
    expect(await install(h, 'code-2')).toBe(200);
    expect((await h.store.organisations.list()).map((o) => o._id)).toEqual(['slack-T0SANDBOX']);
    expect(await h.store.db.collection(People.COLLECTION).countDocuments({ orgId: 'slack-T0SANDBOX' })).toBe(1);
    expect((await h.store.audit.list('org:slack-T0SANDBOX')).map((e) => e.action)).toEqual(['org.created', 'person.added']);
    // Linked by an admin to another organisation (POST /api/slack/installations/:teamId/link): a re-install keeps that link.
    await h.store.organisations.upsert({ _id: 'acme', name: 'Acme', homeCurrency: 'GBP', timeZone: 'Europe/London' }, h.clock.now);
    const token = 'install-org-admin-token-0123456789';
    const api = createApp({ db: h.store.db, logger: createLogger('silent'), adminApiToken: token, bodyLimit: '1mb', adminRouters: [adminRouter({ store: h.store })] });
    await request(api).post('/api/slack/installations/T0SANDBOX/link').set('Authorization', `Bearer ${token}`).send({ orgId: 'acme' }).expect(200);
    expect((await h.store.organisations.get('slack-T0SANDBOX'))?.slackTeamId).toBeUndefined(); // one each way
    expect(await install(h, 'code-3')).toBe(200);
    expect(await installation(h)).toMatchObject({ orgId: 'acme' });
    expect((await h.store.organisations.get('acme'))?.slackTeamId).toBe('T0SANDBOX');
    expect(await new People(h.store.db).byEmail('acme', INSTALLER.email)).toMatchObject({ roles: ['admin', 'collector'] });
  });
});

describe('Slack install into a workspace whose organisation exists', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('slackinstlink', new Date('2025-03-20T15:00:00Z'), { oauth: true });
  });
  afterAll(() => h.stop());

  it('links the organisation made for it with POST /api/orgs { slackTeamId } instead of creating one', async () => {
    const token = 'install-link-admin-token-0123456789';
    const api = createApp({ db: h.store.db, logger: createLogger('silent'), adminApiToken: token, bodyLimit: '1mb', adminRouters: [orgsRouter({ store: h.store })] });
    await request(api).post('/api/orgs').set('Authorization', `Bearer ${token}`).send({ id: 'northwind', name: 'Northwind', homeCurrency: 'CAD', timeZone: 'America/Toronto', slackTeamId: 'T0SANDBOX' }).expect(201);
    // The installer is unknown to users.info: the organisation keeps its own settings and nobody is added.
    expect(await install(h, 'code-9', 'U0NOBODY1')).toBe(200);
    expect((await h.store.organisations.list()).map((o) => o._id)).toEqual(['northwind']);
    expect(await h.store.organisations.get('northwind')).toMatchObject({ timeZone: 'America/Toronto', homeCurrency: 'CAD', slackTeamId: 'T0SANDBOX' });
    expect(await installation(h)).toMatchObject({ orgId: 'northwind' });
    const trail = await h.store.audit.list('org:northwind');
    expect(trail.map((e) => e.action)).toEqual(['org.created', 'slack.linked']);
    expect(trail[1]).toMatchObject({ actor: { id: 'slack:U0NOBODY1' } });
    expect(await h.store.db.collection(People.COLLECTION).countDocuments({})).toBe(0);
  });
});

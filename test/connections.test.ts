// Connecting a company, through HTTP and signed Slack requests only, on the
// QuickBooks, Xero and Slack sandboxes, with the service's own web app and a
// running Agenda worker: an admin opens App Home (Connections, fresh connect
// links), goes through the consent, the first sync starts at once and its Slack
// message moves page by page to a summary and preview; the admin API mints links,
// shows a connection and queues a sync; Disconnect (from App Home or the API)
// revokes at the platform, cancels the connection's jobs and queued reminders,
// and the platform refuses the old tokens.
import type { Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { Agenda } from 'agenda';
import { buildWebApp } from '../app/http/web.js';
import { buildConnectors, buildServices, type Services } from '../app/services.js';
import { plannerFor } from '../src/planning/plan.js';
import { agendaJobQueue, createAgenda, defineJobs, JOBS_COLLECTION } from '../jobs/agenda.js';
import { runConnectionSync } from '../jobs/connections.js';
import { allJobs } from '../jobs/index.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { collections, createStore, ensureIndexes, type Store } from '../src/store/store.js';
import type { ConnectionDoc } from '../src/store/types.js';
import type { Connector, SyncOptions } from '../connectors/types.js';
import { openTestDatabase } from './helpers/db.js';
import { buttonsOf, consent, homeOpener, ledgerSandboxEnv, listenFirst, until } from './helpers/web-world.js';
import { closeServer } from './sandbox/common.js';
import { QuickBooksSandbox } from './sandbox/quickbooks/server.js';
import { blockAction, sendInteraction } from './sandbox/slack/signed.js';
import { SlackSandbox } from './sandbox/slack/server.js';
import { XeroSandbox } from './sandbox/xero/server.js';

jest.setTimeout(180_000);

const REALM = '9341453000000777';
const TENANT = '4a1b2c3d-0000-4000-8000-000000000777';
const ORG = 'org-acme';
const ADMIN_TOKEN = 'connections-test-admin-token-0123456789';
const SIGNING = 'connections-test-signing-secret';
const BOT = 'xoxb-connections-test';
const admin = { id: 'U0ADM0001', email: 'ada.admin@acme.example', name: 'Ada Admin' };
const collector = { id: 'U0COL0009', email: 'cole@acme.example', name: 'Cole Collector' };

let database: Awaited<ReturnType<typeof openTestDatabase>>;
let store: Store;
let qbo: QuickBooksSandbox;
let xero: XeroSandbox;
let slack: SlackSandbox;
let server: Server;
let base: string;
let agenda: Agenda;
let services: Services;
let openHome: ReturnType<typeof homeOpener>;

const api = (path: string, init: { method?: string; body?: unknown } = {}) =>
  fetch(`${base}/api${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', 'x-overdue-actor': 'ada.admin@acme.example' },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });

const dm = (user: string) => `D${user.slice(1)}`;
const messagesTo = (user: string) => [...slack.messages.values()].filter((m) => m.channel === dm(user));
const updatesTo = (user: string) => slack.callsOf('chat.update').filter((c) => c.args['channel'] === dm(user)).map((c) => String(c.args['text']));

beforeAll(async () => {
  database = await openTestDatabase('connections');
  await ensureIndexes(database.db);
  store = createStore(database.db);
  qbo = await new QuickBooksSandbox({ clientId: 'qbo-client', clientSecret: 'qbo-secret', verifierToken: 'qbo-verifier' }).start();
  qbo.addCompany(REALM, 'Acme Ltd');
  qbo.seed(REALM, { customers: 30, openInvoices: 1_150, paidInvoices: 5 });
  xero = await new XeroSandbox({ clientId: 'xero-client', clientSecret: 'xero-secret', webhookKey: 'xero-webhook-key' }).start();
  xero.addTenant(TENANT, 'Acme NZ', 'NZD');
  xero.seed(TENANT, { contacts: 10, openInvoices: 40 });
  slack = new SlackSandbox({ botToken: BOT, clientId: 'cid', clientSecret: 'csecret', users: [admin, collector] });
  await slack.start();

  // The web app's address is its PUBLIC_BASE_URL: listen first, build the app after.
  const web = await listenFirst();
  server = web.server;
  base = web.base;
  const config = loadConfig({
    NODE_ENV: 'test', LOG_LEVEL: 'silent', PUBLIC_BASE_URL: base, TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'), ADMIN_API_TOKEN: ADMIN_TOKEN,
    ...ledgerSandboxEnv(qbo, xero),
    SLACK_SIGNING_SECRET: SIGNING, SLACK_BOT_TOKEN: BOT, SLACK_API_URL: slack.apiUrl,
  });
  const logger = createLogger('silent');
  const connectors = buildConnectors(config, store, logger);
  agenda = createAgenda(database.db, { name: 'connections-test', processEveryMs: 200, maxConcurrency: 4 });
  services = buildServices(config, store, logger, connectors, { agenda, jobs: agendaJobQueue(agenda, database.db), worker: 'connections-test' });
  defineJobs(agenda, allJobs, services);
  await agenda.start();
  web.serve((await buildWebApp(config, services, connectors)).app);
  openHome = homeOpener(`${base}/slack/events`, SIGNING);

  await store.organisations.upsert({ _id: ORG, name: 'Acme', homeCurrency: 'USD', timeZone: 'America/New_York' }, new Date());
  const people = await api('/slack/people', {
    method: 'PUT',
    body: { orgId: ORG, people: [{ email: admin.email, name: admin.name, slackUserId: admin.id, roles: ['admin'] }, { email: collector.email, name: collector.name, slackUserId: collector.id, roles: ['collector'] }] },
  });
  expect(people.status).toBeLessThan(300);
});

afterAll(async () => {
  await agenda?.stop().catch(() => {});
  await closeServer(server);
  await slack?.stop();
  await qbo?.stop();
  await xero?.stop();
  await database?.drop();
});

describe('App Home, for admins', () => {
  it('shows an admin the Connections section with fresh connect links; a collector sees none', async () => {
    expect((await openHome(admin.id)).status).toBe(200);
    const view = await until('the admin home', async () => slack.homes.get(admin.id));
    const buttons = buttonsOf(view);
    const qb = buttons.find((b) => b.action_id === 'connect_quickbooks');
    const xe = buttons.find((b) => b.action_id === 'connect_xero');
    expect(qb?.url).toMatch(new RegExp(`^${base}/connect/quickbooks\\?org=${ORG}&exp=\\d+&by=${admin.id}&sig=`));
    expect(xe?.url).toContain('/connect/xero?');
    expect(JSON.stringify(view)).toContain('No company is connected yet');

    expect((await openHome(collector.id)).status).toBe(200);
    const other = await until('the collector home', async () => slack.homes.get(collector.id));
    expect(buttonsOf(other).filter((b) => b.action_id.startsWith('connect_'))).toEqual([]);
    expect(((other?.['blocks'] ?? []) as { type: string; text?: { text: string } }[]).filter((b) => b.type === 'header').map((b) => b.text?.text)).not.toContain('Connections');
  });

  it('Connect QuickBooks: consent, the first sync starts at once and reports page by page to a summary and preview', async () => {
    const url = buttonsOf(slack.homes.get(admin.id)).find((b) => b.action_id === 'connect_quickbooks')?.url ?? '';
    // Slack sends the click of a URL button too: acknowledged.
    const click = await sendInteraction(`${base}/slack/events`, SIGNING, { ...blockAction({ userId: admin.id }, { actionId: 'connect_quickbooks', value: 'quickbooks', channel: dm(admin.id), ts: '1.0' }), container: { type: 'view', view_id: 'VHOME' } });
    expect(click.status).toBe(200);

    const back = await consent(url);
    expect(back.status).toBe(200);
    expect(back.text).toContain('Acme Ltd');
    const id = `quickbooks:${REALM}`;

    const summary = await until('the first sync summary', async () => updatesTo(admin.id).find((t) => t.startsWith('Synced Acme Ltd')));
    const updates = updatesTo(admin.id);
    // Progress with QuickBooks' own count as the total, then the summary.
    expect(updates).toContain('Syncing Acme Ltd from QuickBooks: 1,000 of 1,150 invoices');
    expect(updates).toContain('Syncing Acme Ltd from QuickBooks: 1,150 of 1,150 invoices');
    expect(summary).toMatch(/^Synced Acme Ltd from QuickBooks: 1,150 open invoices, 30 customers\.\n\d+ accounts? past due; \d+ would get a reminder today; the first sends wait until you switch send mode to live\.$/);
    // One message to the admin who connected (not to every admin, not to the collector), updated in place.
    expect(messagesTo(admin.id)).toHaveLength(1);
    expect(messagesTo(collector.id)).toHaveLength(0);
    expect(messagesTo(admin.id)[0]?.text).toBe(summary);

    const audit = await store.db.collection(collections.audit).find({ accountId: `org:${ORG}` }).toArray();
    expect(audit.map((a) => a['action'])).toEqual(expect.arrayContaining(['connection.connected', 'connection.first-sync']));
    const first = audit.find((a) => a['action'] === 'connection.first-sync');
    const preview = (first?.['details'] as { preview: { pastDue: number; remindersToday: number } }).preview;
    expect(summary).toContain(`${preview.pastDue} account`);
    expect(summary).toContain(`; ${preview.remindersToday} would get a reminder today`);
    expect(preview.pastDue).toBeGreaterThan(0);

    const shown = (await (await api(`/connections/${encodeURIComponent(id)}`)).json()) as Record<string, unknown>;
    expect(shown).toMatchObject({ id, orgId: ORG, provider: 'quickbooks', companyName: 'Acme Ltd', status: 'active', statusReason: null, sendMode: 'dry-run', counts: { customers: 30, openInvoices: 1_150 }, lastError: null });
    expect(typeof shown['lastSyncAt']).toBe('string');
    expect(shown['currentSync']).toBeUndefined();
  });

  it('lists the connection with its status and a Disconnect button behind a confirm dialog', async () => {
    slack.homes.delete(admin.id);
    await openHome(admin.id);
    const view = await until('the admin home', async () => slack.homes.get(admin.id));
    const text = JSON.stringify(view);
    expect(text).toContain('*Acme Ltd* · QuickBooks · connected');
    expect(text).toMatch(/Last sync: \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    const off = buttonsOf(view).find((b) => b.action_id === 'disconnect_connection');
    expect(off?.value).toBe(`quickbooks:${REALM}`);
    expect(off?.confirm).toBeDefined();
  });
});

describe('admin API', () => {
  it('mints a connect link: 201 with its expiry an hour away; 404 for an unknown organisation; 422 for a bad provider', async () => {
    const before = Date.now();
    const res = await api(`/orgs/${ORG}/connect-links`, { method: 'POST', body: { provider: 'xero' } });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { url: string; expiresAt: string };
    expect(body.url).toMatch(new RegExp(`^${base}/connect/xero\\?org=${ORG}&exp=\\d+&sig=`));
    const ttl = Date.parse(body.expiresAt) - before;
    expect(ttl).toBeGreaterThan(59 * 60_000);
    expect(ttl).toBeLessThanOrEqual(60 * 60_000 + 1_000);
    expect((await api('/orgs/nobody/connect-links', { method: 'POST', body: { provider: 'xero' } })).status).toBe(404);
    const bad = await api(`/orgs/${ORG}/connect-links`, { method: 'POST', body: { provider: 'sage' } });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { error: { details: { path: string }[] } }).error.details.map((d) => d.path)).toEqual(['provider']);
  });

  it("a link from the API connects Xero (minted for nobody: the organisation's admins are told), with Xero's pagination.itemCount as the total", async () => {
    const link = (await (await api(`/orgs/${ORG}/connect-links`, { method: 'POST', body: { provider: 'xero' } })).json()) as { url: string };
    const before = messagesTo(admin.id).length;
    const back = await consent(link.url);
    expect(back.status).toBe(200);
    const summary = await until('the Xero summary', async () => updatesTo(admin.id).find((t) => t.startsWith('Synced Acme NZ from Xero')));
    expect(summary).toContain('40 open invoices, 10 customers.');
    expect(updatesTo(admin.id)).toContain('Syncing Acme NZ from Xero: 40 of 40 invoices');
    expect(messagesTo(admin.id)).toHaveLength(before + 1);
  });

  it('queues a sync (202 with the Agenda job id) that runs, and refuses bad modes (422) and unknown connections (404)', async () => {
    const id = `quickbooks:${REALM}`;
    const res = await api(`/connections/${encodeURIComponent(id)}/sync`, { method: 'POST', body: { mode: 'incremental' } });
    expect(res.status).toBe(202);
    const { jobId } = (await res.json()) as { jobId: string };
    expect(jobId).toMatch(/^[0-9a-f]{24}$/);
    await until('the sync job to finish', async () => {
      const job = await store.db.collection(JOBS_COLLECTION).findOne({ name: 'sync-connection', 'data.connectionId': id, 'data.mode': 'incremental' });
      return job?.['lastFinishedAt'] ? job : null;
    });
    const audit = await store.db.collection(collections.audit).find({ action: { $in: ['connection.sync-requested', 'connection.synced'] } }).toArray();
    expect(audit.map((a) => a['action']).sort()).toEqual(['connection.sync-requested', 'connection.synced']);
    expect(audit.find((a) => a['action'] === 'connection.sync-requested')?.['actor']).toMatchObject({ kind: 'person', id: 'ada.admin@acme.example' });
    expect((await api(`/connections/${encodeURIComponent(id)}/sync`, { method: 'POST', body: { mode: 'sideways' } })).status).toBe(422);
    expect((await api('/connections/quickbooks%3Anope/sync', { method: 'POST', body: { mode: 'full' } })).status).toBe(404);
    expect((await api('/connections/quickbooks%3Anope')).status).toBe(404);
  });
});

describe('Disconnect', () => {
  it('from App Home: a non-admin is refused; the admin revokes at QuickBooks, its jobs and queued reminders are cancelled, and the old tokens stop working', async () => {
    const id = `quickbooks:${REALM}`;
    // Jobs of the connection: a sync queued for later and a deadline re-plan of one of its accounts.
    await agenda.schedule('in 1 hour', 'sync-connection', { connectionId: id, mode: 'full' });
    const customer = await store.customers.raw().findOne({ provider: 'quickbooks', companyId: REALM });
    await agenda.schedule('in 1 hour', 'plan-accounts', { customerIds: [customer?._id ?? ''], deadlineFor: customer?._id ?? '', at: new Date(Date.now() + 3_600_000).toISOString() });
    const ids = (await store.customers.raw().find({ provider: 'quickbooks', companyId: REALM }, { projection: { _id: 1 } }).toArray()).map((c) => c._id);
    const pending = () => store.db.collection(collections.outbox).countDocuments({ customerId: { $in: ids }, state: 'pending' });
    // A reminder the planner queued for tomorrow's sending hours (set up directly: the clock is wherever the run is).
    await store.outbox.enqueue({ _id: 'test:reminder-1', orgId: ORG, customerId: ids[0] ?? '', channel: 'email', kind: 'email', payload: {}, invoiceIds: [], dueAt: new Date(Date.now() + 86_400_000) }, new Date());
    expect(await pending()).toBeGreaterThan(0);

    const press = (user: string) =>
      sendInteraction(`${base}/slack/events`, SIGNING, { ...blockAction({ userId: user }, { actionId: 'disconnect_connection', value: id, channel: dm(user), ts: '1.0' }), container: { type: 'view', view_id: 'VHOME' } });

    expect((await press(collector.id)).status).toBe(200);
    const refused = await until('the refusal', async () => messagesTo(collector.id).find((m) => String(m.text).startsWith('Only')));
    expect(String(refused.text)).toContain('admins');
    expect((await store.connections.get(id))?.status).toBe('active');

    const revokesBefore = qbo.counts.revoke;
    const refreshBefore = qbo.latestRefreshToken(REALM);
    expect(refreshBefore).toBeDefined();
    expect((await press(admin.id)).status).toBe(200);
    const told = await until('the disconnect message', async () => messagesTo(admin.id).find((m) => String(m.text).startsWith('Acme Ltd is disconnected')));
    expect(String(told.text)).toMatch(/revoked, [1-9]\d* scheduled jobs? and [1-9]\d* queued reminders? cancelled/);
    const conn = (await store.connections.get(id)) as ConnectionDoc;
    expect(conn.status).toBe('disconnected');
    expect(qbo.counts.revoke).toBe(revokesBefore + 1);
    expect(await store.db.collection(JOBS_COLLECTION).countDocuments({ 'data.connectionId': id })).toBe(0);
    expect(await store.db.collection(JOBS_COLLECTION).countDocuments({ 'data.deadlineFor': customer?._id })).toBe(0);
    expect(await pending()).toBe(0);
    const audit = await store.db.collection(collections.audit).findOne({ action: 'connection.disconnected', 'details.connectionId': id });
    expect(audit).toMatchObject({ channel: 'slack', actor: { kind: 'person', id: admin.email } });

    // QuickBooks refuses the revoked refresh token from now on.
    const refresh = await fetch(qbo.endpoints.tokenUrl, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('qbo-client:qbo-secret').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshBefore ?? '' }).toString(),
    });
    expect(refresh.status).toBe(400);
    expect(await refresh.text()).toContain('invalid_grant');

    // A sync asked for now is refused; the planner skips the company.
    const planned = await plannerFor(services).plan(ids[0] ?? '', new Date());
    expect(planned.found).toBe(false);
    expect((await api(`/connections/${encodeURIComponent(id)}/sync`, { method: 'POST', body: { mode: 'full' } })).status).toBe(409);
    const home = await until('the republished home', async () => {
      const v = slack.homes.get(admin.id);
      return v && JSON.stringify(v).includes('QuickBooks · disconnected') ? v : null;
    });
    expect(buttonsOf(home).find((b) => b.action_id === 'disconnect_connection' && b.value === id)).toBeUndefined();
    expect(buttonsOf(home).find((b) => b.action_id === 'reconnect_connection' && b.value === id)?.url).toContain('/connect/quickbooks?');
  });

  it('through the API: revokes at Xero (DELETE /connections and the token), answers the connection, and 409 the second time', async () => {
    const id = `xero:${TENANT}`;
    const res = await api(`/connections/${encodeURIComponent(id)}/disconnect`, { method: 'POST', body: {} });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { connection: { status: string }; cancelledJobs: number; cancelledEntries: number };
    expect(body.connection.status).toBe('disconnected');
    // Xero: the tenant's connection deleted and the login's token revoked (its last tenant went).
    expect(xero.counts.revoke).toBe(1);
    const conn = (await store.connections.get(id)) as ConnectionDoc;
    expect(conn.disconnectedAt).toBeInstanceOf(Date);
    expect((await api(`/connections/${encodeURIComponent(id)}/disconnect`, { method: 'POST', body: {} })).status).toBe(409);
    // A sync job of the disconnected connection that was already running its queue does nothing.
    const calls = xero.counts.total;
    await runConnectionSync(services, { connectionId: id, mode: 'full' }, 'late-job');
    expect(xero.counts.total).toBe(calls);
    expect((await store.connections.get(id))?.currentSync).toBeUndefined();
    const audit = await store.db.collection(collections.audit).findOne({ action: 'connection.disconnected', 'details.connectionId': id });
    expect(audit).toMatchObject({ channel: 'api', actor: { kind: 'person', id: 'ada.admin@acme.example' } });
  });
});

describe('a sync that fails', () => {
  it('shows its progress while it runs, then keeps the error on the connection, audits it and says so in Slack', async () => {
    const id = 'quickbooks:555';
    await store.connections.upsert({ orgId: ORG, provider: 'quickbooks', companyId: '555', companyName: 'Broken Co' }, new Date());
    let seen: unknown = null;
    const failing = {
      async fullSync(_id: string, opts: SyncOptions = {}) {
        await opts.onProgress?.({ kind: 'invoice', done: 1_000, total: 2_480 });
        seen = await (await api(`/connections/${encodeURIComponent(id)}`)).json();
        throw new Error('QuickBooks answered 500 three times');
      },
    } as unknown as Connector;
    await runConnectionSync({ ...services, connectors: { quickbooks: failing } }, { connectionId: id, mode: 'full', first: true, by: admin.id }, 'job-1');
    expect(seen).toMatchObject({ currentSync: { jobId: 'job-1', mode: 'full', done: 1_000, total: 2_480 } });
    expect(updatesTo(admin.id)).toContain('Syncing Broken Co from QuickBooks: 1,000 of 2,480 invoices');
    expect(updatesTo(admin.id).at(-1)).toMatch(/^The first sync of Broken Co from QuickBooks failed: QuickBooks answered 500 three times\./);
    const shown = (await (await api(`/connections/${encodeURIComponent(id)}`)).json()) as Record<string, unknown>;
    expect(shown['lastError']).toMatchObject({ message: 'QuickBooks answered 500 three times' });
    expect(shown['currentSync']).toBeUndefined();
    expect(await store.db.collection(collections.audit).findOne({ action: 'connection.sync-failed', 'details.connectionId': id })).toMatchObject({ details: { jobId: 'job-1', first: true } });
  });
});

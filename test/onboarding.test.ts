// From "Add to Slack" to the first reminder without touching code, as a new
// finance team does it: an empty database, then only HTTP requests and signed
// Slack requests, on the QuickBooks, Xero and Slack sandboxes. The service's own
// web app (buildWebApp on buildServices) answers them; a real Agenda runs the
// one-off jobs the web side queues (the first sync), and the worker's periodic
// jobs (plan-requested, plan-due, dispatch-outbox) are run by their handlers on
// a clock this test moves, as the demo does. No step reads or writes the store.
//
// The README's "Going live" checklist, step by step:
//   1. Create the apps. / 2. Set the environment. / 3. Start web and worker.
//      — the sandboxes, the configuration and the web app and Agenda below (beforeAll).
//   4. Install to Slack — "4. installs Overdue to Slack".
//   5. Connect — "5. connects QuickBooks" and "5. connects Xero".
//   6. Tell Overdue who is who — "6. adds Initech's CFO through the Contacts modal".
//   7. Set your ladder and settings / 8. Review the preview — "7-8. moves reminder 1 …".
//   9. Switch to live — the last test: the final demand, addressed to the CFO, leaves.
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { Agenda } from 'agenda';
import { buildWebApp } from '../app/http/web.js';
import { buildConnectors, buildServices, type Services } from '../app/services.js';
import { createAgenda, defineJobs, type JobDefinition } from '../jobs/agenda.js';
import { dispatchOutbox } from '../jobs/dispatch.js';
import { allJobs } from '../jobs/index.js';
import { planDaily, planRequested } from '../jobs/plan.js';
import { actionIds, inputIds, viewIds } from '../slack/ids.js';
import { loadConfig } from '../src/config.js';
import { parseCsv } from '../src/planning/assignments.js';
import { createLogger } from '../src/logger.js';
import { createStore, ensureIndexes } from '../src/store/store.js';
import { openTestDatabase } from './helpers/db.js';
import { buttonsOf, consent, homeOpener, ledgerSandboxEnv, listenFirst, until } from './helpers/web-world.js';
import { startSmtpSink, type SmtpSink } from './helpers/smtp-sink.js';
import { amount, closeServer } from './sandbox/common.js';
import { QuickBooksSandbox } from './sandbox/quickbooks/server.js';
import { blockAction, sendCommand, sendInteraction, slashCommand, viewSubmission } from './sandbox/slack/signed.js';
import { SlackSandbox } from './sandbox/slack/server.js';
import { XeroSandbox } from './sandbox/xero/server.js';

jest.setTimeout(240_000);

const DAY = 86_400_000;
/**
 * The next Tuesday, 15:00 UTC (10:00 or 11:00 in New York, the installer's zone, so the organisation's): a
 * weekday inside sending hours, and not before the wall clock, which the OAuth links' expiry is checked against.
 */
const T0 = ((): Date => {
  const d = new Date();
  d.setUTCHours(15, 0, 0, 0);
  do d.setUTCDate(d.getUTCDate() + 1);
  while (d.getUTCDay() !== 2);
  return d;
})();
const REALM = '9341453000000555';
const TENANT = '5b2c3d4e-0000-4000-8000-000000000555';
const TEAM = 'T0SANDBOX';
const ORG = `slack-${TEAM}`;
const ADMIN_TOKEN = 'onboarding-test-admin-token-0123456789';
const SIGNING = 'onboarding-test-signing-secret-0123';
const admin = { id: 'U0FIN0001', email: 'fran.finance@northwind.example', name: 'Fran Finance', tz: 'America/New_York' };
const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

const clock = { now: T0 };
let database: Awaited<ReturnType<typeof openTestDatabase>>;
let qbo: QuickBooksSandbox;
let xero: XeroSandbox;
let slack: SlackSandbox;
let sink: SmtpSink;
let server: Server;
let base: string;
let agenda: Agenda;
let services: Services;
let openHome: ReturnType<typeof homeOpener>;

const api = async (path: string, init: { method?: string; body?: unknown } = {}) => {
  const res = await fetch(`${base}/api${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', 'x-overdue-actor': admin.email },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) as Record<string, unknown> };
};

/** The worker's periodic jobs, run by their handlers at the test's clock (Agenda runs the same handlers on their schedule). */
async function work<T>(def: JobDefinition<T>, data: Record<string, unknown> = {}): Promise<void> {
  await def.run(def.data.parse(data), services, { attrs: { _id: `manual-${def.name}` } } as never);
}

const dm = (user: string) => `D${user.slice(1)}`;
const updatesTo = (user: string) => [...slack.callsOf('chat.postMessage'), ...slack.callsOf('chat.update')].filter((c) => c.args['channel'] === dm(user)).map((c) => String(c.args['text']));

/** The organisation's accounts through the accounts API, by name. */
async function accountNamed(name: string): Promise<Record<string, unknown>> {
  const list = (await api(`/orgs/${ORG}/accounts?limit=500`)).json()['accounts'] as { id: string; name: string }[];
  const found = list.find((a) => a.name === name);
  if (!found) throw new Error(`no account ${name} in ${list.map((a) => a.name).join(', ')}`);
  return (await api(`/accounts/${encodeURIComponent(found.id)}`)).json();
}

/** An account's audit trail through the documents API, as rows of [action, outcome, details]. */
async function trailOf(id: string): Promise<{ action: string; outcome: string; details: string }[]> {
  const res = await fetch(`${base}/api/accounts/${encodeURIComponent(id)}/audit.csv`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  expect(res.status).toBe(200);
  const rows = parseCsv(await res.text()).map((r) => r.cells);
  const head = rows[0] ?? [];
  const col = (n: string) => head.indexOf(n);
  return rows.slice(1).map((r) => ({ action: r[col('action')] ?? '', outcome: r[col('outcome')] ?? '', details: r[col('details')] ?? '' }));
}

beforeAll(async () => {
  database = await openTestDatabase('onboarding');
  await ensureIndexes(database.db);
  const store = createStore(database.db);
  const now = () => clock.now;
  qbo = await new QuickBooksSandbox({ clientId: 'qbo-client', clientSecret: 'qbo-secret', verifierToken: 'qbo-verifier', now }).start();
  qbo.addCompany(REALM, 'Northwind Traders');
  // Three customers, as the books have them: billing addresses only.
  const customer = (name: string, email: string) =>
    qbo.put(REALM, 'Customer', { DisplayName: name, CompanyName: name, PrimaryEmailAddr: { Address: email }, Active: true, Job: false, CurrencyRef: { value: 'USD', name: 'USD' }, Balance: 0, Notes: '' });
  const invoice = (c: { Id: string; DisplayName: unknown; PrimaryEmailAddr?: unknown }, doc: string, dueDaysAgo: number, minor: number) =>
    qbo.put(REALM, 'Invoice', {
      DocNumber: doc, TxnDate: dateOf(T0.getTime() - (dueDaysAgo + 30) * DAY), DueDate: dateOf(T0.getTime() - dueDaysAgo * DAY),
      TotalAmt: amount(minor), Balance: amount(minor), CustomerRef: { value: c.Id, name: c.DisplayName }, CurrencyRef: { value: 'USD', name: 'USD' },
      BillEmail: c.PrimaryEmailAddr, EmailStatus: 'EmailSent', LinkedTxn: [], Line: [{ Amount: amount(minor), DetailType: 'SalesItemLineDetail' }],
    });
  invoice(customer('Initech', 'ap@initech.example') as never, 'INV-1001', 66, 480_000);
  invoice(customer('Hooli', 'billing@hooli.example') as never, 'INV-1002', 1, 125_000);
  invoice(customer('Umbrella', 'ap@umbrella.example') as never, 'INV-1003', -20, 90_000);
  invoice(customer('Stark Industries', 'ap@stark.example') as never, 'INV-1004', 0, 210_000);
  xero = await new XeroSandbox({ clientId: 'xero-client', clientSecret: 'xero-secret', webhookKey: 'xero-webhook-key', now }).start();
  xero.addTenant(TENANT, 'Northwind NZ', 'NZD');
  xero.seed(TENANT, { contacts: 4, openInvoices: 12 });
  slack = new SlackSandbox({ botToken: 'xoxb-onboarding', clientId: 'cid', clientSecret: 'csecret', users: [admin], teamName: 'Northwind' });
  await slack.start();
  sink = await startSmtpSink();

  // Steps 1-3 of the checklist: the apps' keys, the environment, the web and worker processes.
  const web = await listenFirst();
  server = web.server;
  base = web.base;
  const config = loadConfig({
    NODE_ENV: 'test', LOG_LEVEL: 'silent', PUBLIC_BASE_URL: base, TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'), ADMIN_API_TOKEN: ADMIN_TOKEN,
    ...ledgerSandboxEnv(qbo, xero),
    SLACK_SIGNING_SECRET: SIGNING, SLACK_CLIENT_ID: 'cid', SLACK_CLIENT_SECRET: 'csecret', SLACK_STATE_SECRET: 'onboarding-state-secret', SLACK_API_URL: slack.apiUrl,
    SMTP_URL: sink.url, EMAIL_FROM: 'Northwind Collections <ar@northwind.example>', SEND_ENABLED: 'true',
  });
  const logger = createLogger('silent');
  const connectors = buildConnectors(config, store, logger, now);
  agenda = createAgenda(database.db, { name: 'onboarding-worker', processEveryMs: 200, maxConcurrency: 4 });
  services = buildServices(config, store, logger, connectors, { agenda, worker: 'onboarding-worker', now });
  defineJobs(agenda, allJobs, services);
  await agenda.start();
  web.serve((await buildWebApp(config, services, connectors)).app);
  openHome = homeOpener(`${base}/slack/events`, SIGNING, TEAM);
});

afterAll(async () => {
  await agenda?.stop().catch(() => {});
  await closeServer(server);
  await slack?.stop();
  await qbo?.stop();
  await xero?.stop();
  await sink?.close();
  await database?.drop();
});

describe('a new finance team, from an empty database', () => {
  it('4. installs Overdue to Slack: the workspace gets its organisation (its ladder v1, the default), the installer is its admin', async () => {
    expect((await api(`/orgs/${ORG}`)).status).toBe(404);
    const start = await fetch(`${base}/slack/install`, { redirect: 'manual' });
    expect(start.status).toBe(302);
    const state = new URL(start.headers.get('location') ?? '').searchParams.get('state') ?? '';
    const cookie = start.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    slack.codes.set('code-onboarding', admin.id); // the installer approves on Slack's page
    const back = await fetch(`${base}/slack/oauth_redirect?code=code-onboarding&state=${encodeURIComponent(state)}`, { headers: { cookie }, redirect: 'manual' });
    expect(back.status).toBe(200);

    const org = (await api(`/orgs/${ORG}`)).json();
    expect(org).toMatchObject({ id: ORG, name: 'Northwind', timeZone: 'America/New_York', homeCurrency: 'USD', slackTeamId: TEAM });
    expect((await api(`/orgs/${ORG}/policy`)).json()).toMatchObject({ version: 1 });
  });

  it('5. connects QuickBooks from App Home: the consent, then the first sync in Slack with its progress, summary and preview', async () => {
    expect((await openHome(admin.id)).status).toBe(200);
    const home = await until('the admin home', async () => slack.homes.get(admin.id));
    const connect = buttonsOf(home).find((b) => b.action_id === 'connect_quickbooks');
    expect(connect?.url).toContain(`${base}/connect/quickbooks?org=${ORG}&`);
    const back = await consent(connect?.url ?? '');
    expect(back.status).toBe(200);
    expect(back.text).toContain('Northwind Traders');

    const summary = await until('the first sync summary', async () => updatesTo(admin.id).find((t) => t.startsWith('Synced Northwind Traders')), 90_000);
    expect(updatesTo(admin.id).some((t) => /^Syncing Northwind Traders from QuickBooks: \d+ of 4 invoices$/.test(t))).toBe(true);
    expect(summary).toMatch(/^Synced Northwind Traders from QuickBooks: 4 open invoices, 4 customers\.\n2 accounts past due; 2 would get a reminder today; the first sends wait until you switch send mode to live\.$/);

    const conn = (await api(`/connections/${encodeURIComponent(`quickbooks:${REALM}`)}`)).json();
    expect(conn).toMatchObject({ orgId: ORG, status: 'active', sendMode: 'dry-run', counts: { customers: 4, openInvoices: 4 } });
    expect((await accountNamed('Initech'))['pastDue']).toEqual([{ currency: 'USD', minor: 480_000 }]);
    // The worker plans the accounts the first sync brought and dispatches what is due (its minute jobs).
    await work(planRequested);
    await work(dispatchOutbox);
    const hooli = await trailOf(String((await accountNamed('Hooli'))['id']));
    expect(hooli.find((r) => r.action === 'outbox.enqueued')?.outcome).toMatch(/first reminder email/);
  });

  it('5. connects Xero the same way', async () => {
    slack.homes.delete(admin.id);
    await openHome(admin.id);
    const home = await until('the admin home', async () => slack.homes.get(admin.id));
    const connect = buttonsOf(home).find((b) => b.action_id === 'connect_xero');
    expect(connect?.url).toContain(`${base}/connect/xero?org=${ORG}&`);
    expect((await consent(connect?.url ?? '')).status).toBe(200);
    const summary = await until('the Xero summary', async () => updatesTo(admin.id).find((t) => t.startsWith('Synced Northwind NZ')));
    expect(summary).toMatch(/^Synced Northwind NZ from Xero: \d+ open invoices?, \d+ customers?\.\n\d+ accounts? past due; \d+ would get a reminder today; the first sends wait until you switch send mode to live\.$/);
    expect((await api(`/connections/${encodeURIComponent(`xero:${TENANT}`)}`)).json()).toMatchObject({ orgId: ORG, status: 'active', sendMode: 'dry-run' });
    // One organisation, both ledgers: the accounts API lists the Xero company's accounts beside QuickBooks' ones.
    const list = (await api(`/orgs/${ORG}/accounts?limit=500`)).json()['accounts'] as { provider: string; open: { currency: string }[] }[];
    expect(new Set(list.map((a) => a.provider))).toEqual(new Set(['quickbooks', 'xero']));
    expect(list.filter((a) => a.provider === 'xero').some((a) => a.open.length > 0)).toBe(true);
  });

  it("6. adds Initech's CFO through the Contacts modal of /overdue", async () => {
    const before = slack.callsOf('chat.postEphemeral').length;
    expect((await sendCommand(`${base}/slack/events`, SIGNING, slashCommand({ userId: admin.id, teamId: TEAM }, '/overdue', 'Initech'))).status).toBe(200);
    const answer = await until('the account view', async () => slack.callsOf('chat.postEphemeral')[before]);
    const open = buttonsOf(answer.args['blocks']).find((b) => b.action_id === actionIds.contactsOpen);
    expect(open?.value).toBeDefined();
    const opened = slack.callsOf('views.open').length;
    await sendInteraction(`${base}/slack/events`, SIGNING, blockAction({ userId: admin.id, teamId: TEAM }, { actionId: actionIds.contactsOpen, value: open?.value ?? '', channel: 'C0COMMAND', ts: '1.0' }));
    const view = (await until('the Contacts modal', async () => slack.callsOf('views.open')[opened])).args['view'] as Record<string, unknown>;
    expect(view['callback_id']).toBe(viewIds.contacts);
    const values = {
      [inputIds.contactRole.block]: { [inputIds.contactRole.action]: { type: 'static_select', selected_option: { value: 'cfo' } } },
      [inputIds.contactName.block]: { [inputIds.contactName.action]: { type: 'plain_text_input', value: 'Carla Chen' } },
      [inputIds.contactEmail.block]: { [inputIds.contactEmail.action]: { type: 'email_text_input', value: 'carla.chen@initech.example' } },
      [inputIds.contactPhone.block]: { [inputIds.contactPhone.action]: { type: 'plain_text_input', value: null } },
      [inputIds.contactTimeZone.block]: { [inputIds.contactTimeZone.action]: { type: 'plain_text_input', value: null } },
      [inputIds.contactLanguage.block]: { [inputIds.contactLanguage.action]: { type: 'plain_text_input', value: null } },
    };
    const saved = await sendInteraction(`${base}/slack/events`, SIGNING, viewSubmission({ userId: admin.id, teamId: TEAM }, { callbackId: viewIds.contacts, privateMetadata: String(view['private_metadata']), values }));
    expect(saved.status).toBe(200);
    expect(saved.text).toBe('');

    const initech = await until('the CFO on the account', async () => {
      const a = await accountNamed('Initech');
      return (a['contacts'] as { roles: string[]; name: string }[]).some((c) => c.roles.includes('cfo') && c.name === 'Carla Chen') ? a : null;
    });
    expect(initech['contacts']).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'Carla Chen', email: 'carla.chen@initech.example', source: 'entered', roles: ['cfo'] })]));
  });

  let v2: Record<string, unknown>;
  it('7-8. moves reminder 1 from day 1 to day 3: the preview names the account it moves, from → to; saved as version 2', async () => {
    const current = (await api(`/orgs/${ORG}/policy`)).json();
    const policy = current['policy'] as { levels: { id: string; trigger: { kind: string; days?: number } }[] };
    v2 = { ...policy, levels: policy.levels.map((l) => (l.id === 'reminder-1' ? { ...l, trigger: { ...l.trigger, days: 3 } } : l)) };

    const preview = (await api(`/orgs/${ORG}/policy/preview`, { method: 'POST', body: v2 })).json();
    const moved = preview['accounts'] as { name: string; from: { levelId: string; date: string }; to: { levelId: string; date: string } }[];
    // Stark's invoice fell due today: its first reminder moves from tomorrow to the day after next. Hooli's went out today.
    expect(moved.map((m) => m.name)).toEqual(['Stark Industries']);
    expect(moved[0]).toMatchObject({ from: { levelId: 'reminder-1', date: dateOf(T0.getTime() + DAY) }, to: { levelId: 'reminder-1', date: dateOf(T0.getTime() + 3 * DAY) } });

    const saved = await api(`/orgs/${ORG}/policy`, { method: 'PUT', body: v2 });
    expect(saved.status).toBe(201);
    expect(saved.json()).toMatchObject({ version: 2, createdBy: admin.email, changes: ['levels[1].trigger.days: 1 → 3'] });
  });

  it("the next plan runs version 2: Stark's first reminder is due on day 3", async () => {
    await work(planRequested);
    await work(dispatchOutbox);
    const stark = await accountNamed('Stark Industries');
    expect(stark['next']).toMatchObject({ date: dateOf(T0.getTime() + 3 * DAY), level: { id: 'reminder-1' } });
  });

  it('the final demand goes to the CFO: the written warning waits for a controller, then goes up to her; after its deadline the final demand, planned by version 2', async () => {
    // A week on: no controller was found in the five business days, so the written warning goes up the ladder.
    clock.now = new Date(T0.getTime() + 8 * DAY);
    await work(planDaily, { all: true });
    await work(dispatchOutbox);
    const initech = await accountNamed('Initech');
    let trail = await trailOf(String(initech['id']));
    const warning = trail.find((r) => r.action === 'outbox.enqueued' && r.outcome.includes('the written warning goes to'));
    expect(warning?.outcome).toContain('goes to Carla Chen (CFO) [no controller contact after 5 business days: sent to the CFO]');
    expect(warning?.details).toContain('"policyVersion":2');

    // Past the warning's response deadline: the final demand, to the CFO, by version 2. The warning went on a Wednesday
    // (T0 + 8) stating 7 business days (letters.deadlineDays, business by default): Friday T0 + 17; the final demand
    // the next business day, Monday T0 + 20 (with calendar days it was Thursday T0 + 16).
    clock.now = new Date(T0.getTime() + 20 * DAY);
    await work(planDaily, { all: true });
    trail = await trailOf(String(initech['id']));
    const demand = trail.find((r) => r.action === 'outbox.enqueued' && r.outcome.includes('the final demand goes to'));
    expect(demand?.outcome).toContain('the final demand goes to Carla Chen (CFO)');
    expect(demand?.details).toContain('"policyVersion":2');

    // 9. Switch to live: the final demand reaches the CFO.
    expect(sink.messages).toHaveLength(0);
    const live = await api(`/orgs/${ORG}/settings`, { method: 'PATCH', body: { sendMode: 'live' } });
    expect(live.status).toBe(200);
    await work(dispatchOutbox);
    const sent = sink.messages.filter((m) => m.to.includes('carla.chen@initech.example'));
    expect(sent).toHaveLength(1);
    expect(sent[0]?.raw).toMatch(/^Subject: .*final demand/im);
    expect(sent[0]?.raw).toMatch(/Content-Type: application\/pdf/i); // the letter, attached
  });
});

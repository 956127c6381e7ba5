// The console's admin pages over HTTP (app/console/pages/connections.ts, people.ts, settings.ts) on the web
// role's whole app (the fuzz world: QuickBooks and Xero configured, the Slack sandbox, a person in each role):
// each page renders for an admin and is refused (403) to a collector; Connect / Reconnect redirect to a signed
// connect link that goes on to the provider's consent; Disconnect asks first and then disconnects, audited by
// the person; roles change (audited, never the last admin); assignments export and import (all or nothing,
// problems by line); settings save through the admin API's patch (audited, problems at their fields), the kill
// switch and send mode through their writers; the sample letter is a PDF; CSRF refuses forms, uploads included.
import { parseCsv } from '../src/planning/assignments.js';
import { ReconciliationRuns } from '../src/ledger/runs.js';
import { collections } from '../src/store/store.js';
import type { AuditEntryDoc } from '../src/store/types.js';
import { People } from '../slack/services/people.js';
import { changePersonRoles, normaliseRoles } from '../slack/services/people-roles.js';
import { problemsByField, sendingPatchOf, settingsPatchOf } from '../app/console/pages/settings.js';
import { orgSettingsOf } from '../src/settings/org-settings.js';
import { ORG, people, SIGNING_SECRET, startWorld, type World } from './fuzz/world.js';
import { sendCommand, slashCommand } from './sandbox/slack/signed.js';
import { until } from './helpers/web-world.js';

jest.setTimeout(180_000);

let w: World;
let admin: string;
let collector: string;

const get = (path: string, cookie?: string) => fetch(`${w.url}${path}`, { redirect: 'manual', headers: cookie ? { cookie } : {} });
const post = (path: string, form: Record<string, string>, cookie?: string, headers: Record<string, string> = {}) =>
  fetch(`${w.url}${path}`, {
    method: 'POST', redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: w.url, ...(cookie ? { cookie } : {}), ...headers },
    body: new URLSearchParams(form).toString(),
  });
const upload = (path: string, fields: Record<string, string>, file: { name: string; text: string } | null, cookie: string) => {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.append(k, v);
  if (file) fd.append('file', new Blob([file.text], { type: 'text/csv' }), file.name);
  return fetch(`${w.url}${path}`, { method: 'POST', redirect: 'manual', headers: { origin: w.url, cookie }, body: fd });
};
const csrfOf = (page: string): string => /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';

async function signIn(user: string): Promise<string> {
  const before = w.sandbox.callsOf('chat.postEphemeral').length;
  expect((await sendCommand(`${w.url}/slack/events`, SIGNING_SECRET, slashCommand({ userId: user }, '/overdue', 'console'))).status).toBe(200);
  await until('the link', async () => w.sandbox.callsOf('chat.postEphemeral').length > before, 10_000);
  const text = String(w.sandbox.callsOf('chat.postEphemeral').at(-1)?.args['text']);
  const link = /\/console\/sign-in\/[A-Za-z0-9_-]+/.exec(text)?.[0];
  if (!link) throw new Error(`no link in ${text}`);
  const res = await post(link, {});
  expect(res.status).toBe(303);
  return (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

async function csrf(cookie: string, path = '/console/settings'): Promise<string> {
  return csrfOf(await (await get(path, cookie)).text());
}

const orgAudit = (action: string) => w.store.db.collection<AuditEntryDoc>(collections.audit).find({ accountId: `org:${ORG}`, action }).toArray();

beforeAll(async () => {
  w = await startWorld('console-admin');
  admin = await signIn(people.admin.id);
  collector = await signIn(people.collector.id);
});
afterAll(async () => {
  await w?.stop();
});

describe('who sees the admin pages', () => {
  it('an admin has them in the navigation; a collector has not, and is refused each page and form with a 403', async () => {
    const adminPage = await (await get('/console/accounts', admin)).text();
    for (const label of ['Connections', 'People', 'Settings']) expect(adminPage).toMatch(new RegExp(`<a href="/console/${label.toLowerCase()}"[^>]*>${label}</a>`));
    const collectorPage = await (await get('/console/accounts', collector)).text();
    expect(collectorPage).not.toContain('href="/console/settings"');
    for (const path of ['/console/connections', '/console/people', '/console/settings', '/console/settings/sample-letter.pdf', '/console/people/assignments.csv']) {
      const res = await get(path, collector);
      expect(res.status).toBe(403);
      expect(await res.text()).toContain('Only admins can do this.');
    }
    const token = csrfOf(collectorPage);
    const res = await post('/console/settings/sending', { _csrf: token, sendMode: 'dry-run', 'killSwitch.paused': 'on' }, collector);
    expect(res.status).toBe(403);
    expect((await w.store.organisations.get(ORG))?.outbound?.paused).not.toBe(true);
  });

  it('without a session: 401', async () => {
    expect((await get('/console/people')).status).toBe(401);
  });
});

describe('Connections', () => {
  it('shows each connection: status, last sync, records, and the last nightly reconciliation with its differences', async () => {
    const conns = await w.store.connections.listByOrg(ORG);
    const qbo = conns.find((c) => c.provider === 'quickbooks');
    if (!qbo) throw new Error('no QuickBooks connection');
    const acme = w.customers[0];
    if (!acme) throw new Error('no customer');
    await new ReconciliationRuns(w.store.db).save({
      _id: qbo._id, orgId: ORG, provider: 'quickbooks', companyId: qbo.companyId, companyName: qbo.companyName, at: new Date('2026-12-05T03:00:00Z'), asOf: '2026-12-04',
      status: 'mismatch', compared: 3, exact: 2, resynced: true, firstPass: { compared: 3, exact: 2, mismatches: 1 },
      mismatches: [{ customerId: acme._id, accountName: 'Acme Industrial', customerExternalId: acme.externalId, currency: 'USD', overdue: { openMinor: 1_490_000, pastDueMinor: 1_490_000 }, ledger: { openMinor: 1_240_000, pastDueMinor: 1_240_000 } }],
      held: [acme._id], apiCalls: 2,
    });
    const res = await get('/console/connections', admin);
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('<h1>Connections</h1>');
    // The connect forms' redirects end at the ledgers' consent pages: this page's CSP allows them as form targets.
    expect(res.headers.get('content-security-policy')).toContain("form-action 'self' https://appcenter.intuit.com https://login.xero.com;");
    expect((await get('/console/people', admin)).headers.get('content-security-policy')).toContain("form-action 'self';");
    expect(page).toContain('Fuzz Xero company (Xero)');
    expect(page).toContain(`${qbo.companyName} (QuickBooks Online)`);
    expect(page).toMatch(/3 customers, 6 open invoices/);
    expect(page).toContain('mismatch: differences persisted after a re-sync');
    expect(page).toContain('2026-12-05 03:00 UTC, report date 2026-12-04');
    expect(page).toContain('<td class="num">14,900.00 USD</td><td class="num">12,400.00 USD</td>');
    expect(page).toContain('No nightly reconciliation has run yet.');
    expect(page).toContain('Connect QuickBooks Online');
    expect(page).toContain('Connect Xero');
  });

  it('Connect and Reconnect redirect to a fresh signed connect link for this Slack user, which goes on to the consent', async () => {
    const token = await csrf(admin, '/console/connections');
    const res = await post('/console/connections/connect', { _csrf: token, provider: 'quickbooks' }, admin);
    expect(res.status).toBe(303);
    // On this server (the console and the connect routes are one web app), whatever PUBLIC_BASE_URL says.
    expect(res.headers.get('location')).toMatch(/^\/connect\/quickbooks\?/);
    const link = new URL(res.headers.get('location') ?? '', w.url);
    expect(link.pathname).toBe('/connect/quickbooks');
    expect(link.searchParams.get('org')).toBe(ORG);
    expect(link.searchParams.get('by')).toBe(people.admin.id);
    // The link is the existing flow's: it binds the browser with a cookie and sends it to the provider's consent.
    const start = await fetch(`${w.url}${link.pathname}${link.search}`, { redirect: 'manual' });
    expect(start.status).toBe(302);
    const consent = new URL(start.headers.get('location') ?? '');
    expect(consent.searchParams.get('client_id')).toBe('fuzz-qbo-client');
    expect(consent.searchParams.get('state')).toBeTruthy();
    expect(start.headers.getSetCookie().length).toBeGreaterThan(0);

    const xero = (await w.store.connections.listByOrg(ORG)).find((c) => c.provider === 'xero');
    const again = await post(`/console/connections/${encodeURIComponent(xero?._id ?? '')}/reconnect`, { _csrf: token }, admin);
    expect(again.status).toBe(303);
    expect(new URL(again.headers.get('location') ?? '', w.url).pathname).toBe('/connect/xero');

    expect((await post('/console/connections/connect', { _csrf: token, provider: 'sage' }, admin)).status).toBe(422);
    expect((await post('/console/connections/nope/reconnect', { _csrf: token }, admin)).status).toBe(404);
  });

  it('Disconnect asks for confirmation first, refuses a form without its CSRF token, then disconnects, audited by the person', async () => {
    const xero = (await w.store.connections.listByOrg(ORG)).find((c) => c.provider === 'xero');
    if (!xero) throw new Error('no Xero connection');
    const path = `/console/connections/${encodeURIComponent(xero._id)}/disconnect`;
    const token = await csrf(admin, '/console/connections');
    const ask = await post(path, { _csrf: token }, admin);
    expect(ask.status).toBe(200);
    const askPage = await ask.text();
    expect(askPage).toContain('<h1>Disconnect Fuzz Xero company?</h1>');
    expect(askPage).toContain('name="confirm" value="yes"');
    expect((await w.store.connections.get(xero._id))?.status).toBe('active');

    expect((await post(path, { confirm: 'yes' }, admin)).status).toBe(403);
    expect((await post(path, { _csrf: token, confirm: 'yes' }, admin, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await w.store.connections.get(xero._id))?.status).toBe('active');

    const done = await post(path, { _csrf: token, confirm: 'yes' }, admin);
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/console/connections?done=disconnected');
    expect((await w.store.connections.get(xero._id))?.status).toBe('disconnected');
    const audit = await orgAudit('connection.disconnected');
    expect(audit).toHaveLength(1);
    expect(audit[0]?.actor).toMatchObject({ kind: 'person', id: people.admin.email });
    const after = await (await get('/console/connections?done=disconnected', admin)).text();
    expect(after).toContain('Disconnected: access revoked');
    expect(after).not.toContain('Disconnect Fuzz Xero company');
    // A second time: already disconnected, a 409 page, nothing appended.
    expect((await post(path, { _csrf: token, confirm: 'yes' }, admin)).status).toBe(409);
    expect(await orgAudit('connection.disconnected')).toHaveLength(1);
  });
});

describe('People', () => {
  it('lists the people with their roles, and changes a role through changePersonRoles (audited)', async () => {
    const page = await (await get('/console/people', admin)).text();
    for (const p of Object.values(people)) expect(page).toContain(p.email);
    const token = csrfOf(page);
    const res = await post('/console/people/roles', { _csrf: token, email: people.collector.email, role_collector: 'on', role_manager: 'on' }, admin);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Roles of Cole Lector saved: Collector, Manager (audited).');
    expect((await new People(w.store.db).byEmail(ORG, people.collector.email))?.roles).toEqual(['collector', 'manager']);
    const audit = await orgAudit('person.roles-changed');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: { id: people.admin.email }, details: { email: people.collector.email, from: ['collector'], to: ['collector', 'manager'], via: 'console' } });
    // The collector's next request already has the new role (read per request): still no admin page.
    expect((await get('/console/people', collector)).status).toBe(403);
  });

  it('never removes the last admin (422 at the form, nothing written)', async () => {
    const token = await csrf(admin, '/console/people');
    const res = await post('/console/people/roles', { _csrf: token, email: people.admin.email, role_collector: 'on' }, admin);
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('is the organisation&#39;s only admin');
    expect((await new People(w.store.db).byEmail(ORG, people.admin.email))?.roles).toEqual(['admin']);
    expect((await post('/console/people/roles', { _csrf: token, email: 'nobody@fuzz.example' }, admin)).status).toBe(404);
  });

  it('changePersonRoles refuses a non-admin, and keeps the table order of roles', async () => {
    const deps = { people: new People(w.store.db), audit: w.store.audit };
    const by = await deps.people.byEmail(ORG, people.manager.email);
    if (!by) throw new Error('no manager');
    const r = await changePersonRoles(deps, { orgId: ORG, email: people.rep.email, roles: ['admin'], by, actor: { kind: 'person', id: by.email }, channel: 'slack', at: new Date() });
    expect(r).toMatchObject({ ok: false, reason: 'not_allowed' });
    expect(normaliseRoles(['admin', 'collector', 'admin'])).toEqual(['collector', 'admin']);
  });

  it('exports the assignments as CSV and imports them back through the admin API import: changes audited', async () => {
    const csv = await get('/console/people/assignments.csv', admin);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.headers.get('content-disposition')).toContain('attachment; filename="assignments-org-fuzz.csv"');
    const rows = parseCsv(await csv.text()).map((r) => r.cells);
    expect(rows[0]).toEqual(['customer', 'sales_rep_email', 'collector_email', 'display_name']);
    expect(rows.slice(1).map((r) => r[3])).toEqual(expect.arrayContaining(['Acme Industrial', 'Initech']));

    const token = await csrf(admin, '/console/people');
    const text = 'customer,sales_rep_email,collector_email\nAcme Industrial,sam.rep@fuzz.example,cole.lector@fuzz.example\n*,,max.manager@fuzz.example\nNo Such Co,sam.rep@fuzz.example,\n';
    const res = await upload('/console/people/assignments', { _csrf: token }, { name: 'assign.csv', text }, admin);
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('Imported: 1 account changed (each audited); not matched to any customer, so skipped: No Such Co. Default collector: max.manager@fuzz.example.');
    const acme = await w.store.customers.get(w.customers[0]?._id ?? '');
    expect(acme).toMatchObject({ salesRepEmail: 'sam.rep@fuzz.example', collectorEmail: 'cole.lector@fuzz.example' });
    const entries = await w.store.db.collection<AuditEntryDoc>(collections.audit).find({ accountId: acme?._id, action: 'account.assigned' }).toArray();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actor: { id: people.admin.email }, details: { via: 'console' } });
  });

  it('an import with an invalid row writes nothing and shows each problem by its line', async () => {
    const before = await w.store.customers.get(w.customers[2]?._id ?? '');
    const token = await csrf(admin, '/console/people');
    const text = 'customer,sales_rep_email,collector_email\nInitech,sam.rep@fuzz.example,\nGlobex Ünïcødé Ltd,not-an-email,\n,x@fuzz.example,\n';
    const res = await upload('/console/people/assignments', { _csrf: token }, { name: 'bad.csv', text }, admin);
    expect(res.status).toBe(422);
    const page = await res.text();
    expect(page).toContain('Nothing was imported: 2 rows have problems.');
    expect(page).toMatch(/<td class="num">3<\/td><td>sales_rep_email: not an email address: not-an-email<\/td>/);
    expect(page).toMatch(/<td class="num">4<\/td><td>customer is empty<\/td>/);
    expect((await w.store.customers.get(w.customers[2]?._id ?? ''))?.salesRepEmail).toBe(before?.salesRepEmail);
  });

  it('an upload without a file is a problem at the file field; without its CSRF token it is refused', async () => {
    const token = await csrf(admin, '/console/people');
    const none = await upload('/console/people/assignments', { _csrf: token }, null, admin);
    expect(none.status).toBe(422);
    expect(await none.text()).toContain('id="assign-file-err">Choose a CSV file to import.');
    const forged = await upload('/console/people/assignments', {}, { name: 'a.csv', text: 'customer,sales_rep_email\nInitech,sam.rep@fuzz.example\n' }, admin);
    expect(forged.status).toBe(403);
    expect((await w.store.customers.get(w.customers[2]?._id ?? ''))?.salesRepEmail).not.toBe('sam.rep@fuzz.example');
  });
});

describe('Settings', () => {
  it('the form reads into the admin API patch, and problems land at their fields (pure)', () => {
    const patch = settingsPatchOf({ timeZone: ' Europe/London ', homeCurrency: 'GBP', 'sendingHours.start': '', 'sendingHours.end': '', holidays: '2026-12-25\n\n2026-12-26 ', 'letterhead.name': 'Fuzz Ltd', 'letterhead.phone': '', 'remittance.payLinks': 'no' });
    expect(patch).toEqual({ timeZone: 'Europe/London', homeCurrency: 'GBP', sendingHours: null, holidays: ['2026-12-25', '2026-12-26'], letterhead: { name: 'Fuzz Ltd', phone: null }, remittance: { payLinks: false } });
    // A field the form did not send is left as it is; one sent empty is removed.
    expect(settingsPatchOf({ 'remittance.bankDetails': ' ' })).toEqual({ remittance: { bankDetails: null } });
    const current = orgSettingsOf({ timeZone: 'UTC', homeCurrency: 'USD', settings: {} });
    expect(sendingPatchOf({ sendMode: 'dry-run' }, current)).toEqual({ killSwitch: { paused: false } });
    expect(sendingPatchOf({ sendMode: 'live', 'killSwitch.paused': 'on', 'killSwitch.reason': ' audit ' }, current)).toEqual({ sendMode: 'live', killSwitch: { paused: true, reason: 'audit' } });
    expect(problemsByField([{ path: 'holidays.1', message: 'bad date' }, { path: 'sendingHours', message: 'x' }, { path: 'letterhead.email', message: 'bad' }, { path: 'nope', message: 'y' }])).toEqual({
      byField: { 'set-holidays': 'line 2: bad date', 'set-sendingHours-start': 'x', 'set-letterhead-email': 'bad' },
      other: ['nope: y'],
    });
  });

  it('shows the settings; a save goes through the admin API patch, audited field by field', async () => {
    const page = await (await get('/console/settings', admin)).text();
    expect(page).toContain('<h1>Settings</h1>');
    expect(page).toContain('href="/console/settings/sample-letter.pdf"');
    const token = csrfOf(page);
    const res = await post('/console/settings', {
      _csrf: token, timeZone: 'America/Chicago', homeCurrency: 'USD', 'letterhead.name': 'Fuzz Supply Co', 'letterhead.address': '1 Main St\nSpringfield',
      'remittance.bankDetails': 'First Bank\nAccount 123', holidays: '2026-12-25', 'sendingHours.start': '08:00', 'sendingHours.end': '17:30',
    }, admin);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/console/settings?done=saved');
    const s = orgSettingsOf((await w.store.organisations.get(ORG))!);
    expect(s).toMatchObject({ letterhead: { name: 'Fuzz Supply Co', address: '1 Main St\nSpringfield' }, remittance: { bankDetails: ['First Bank', 'Account 123'] }, holidays: ['2026-12-25'], sendingHours: { start: '08:00', end: '17:30' } });
    const audit = await orgAudit('org.settings.changed');
    expect(audit).toHaveLength(1);
    expect(audit[0]?.actor).toMatchObject({ kind: 'person', id: people.admin.email });
    expect((audit[0]?.details?.['changes'] as { field: string }[]).map((c) => c.field).sort()).toEqual(['holidays', 'letterhead', 'remittance', 'sendingHours']);
    const shown = await (await get('/console/settings?done=saved', admin)).text();
    expect(shown).toContain('Settings saved');
    expect(shown).toContain('value="Fuzz Supply Co"');
  });

  it('shows every problem at its field with a 422, keeps what was typed, and writes nothing', async () => {
    const token = await csrf(admin);
    const res = await post('/console/settings', {
      _csrf: token, timeZone: 'Mars/Olympus', homeCurrency: 'USD', 'letterhead.name': 'Changed Name', 'letterhead.email': 'not-an-email', holidays: '2026-12-25\n2026-02-30', 'sendingHours.start': '18:00', 'sendingHours.end': '09:00',
    }, admin);
    expect(res.status).toBe(422);
    const page = await res.text();
    expect(page).toContain('Nothing was saved');
    expect(page).toMatch(/id="set-timeZone"[^>]*aria-invalid="true"/);
    expect(page).toContain('id="set-timeZone-err">unknown IANA time zone');
    expect(page).toContain('id="set-letterhead-email-err"');
    expect(page).toContain('id="set-holidays-err">line 2: expected a calendar date YYYY-MM-DD');
    expect(page).toContain('id="set-sendingHours-end-err">start must be before end');
    expect(page).toContain('value="Changed Name"');
    expect(orgSettingsOf((await w.store.organisations.get(ORG))!).letterhead.name).toBe('Fuzz Supply Co');
    expect(await orgAudit('org.settings.changed')).toHaveLength(1);
  });

  it('the kill switch and send mode go through their writers, audited; unchanged is nothing', async () => {
    const token = await csrf(admin);
    const paused = await post('/console/settings/sending', { _csrf: token, sendMode: 'dry-run', 'killSwitch.paused': 'on', 'killSwitch.reason': 'year-end audit' }, admin);
    expect(paused.headers.get('location')).toBe('/console/settings?done=sending');
    expect((await w.store.organisations.get(ORG))?.outbound).toMatchObject({ paused: true, reason: 'year-end audit', pausedBy: people.admin.email });
    expect(await orgAudit('outbound.paused')).toHaveLength(1);
    expect(await (await get('/console/settings', admin)).text()).toContain('paused by the kill switch');

    const live = await post('/console/settings/sending', { _csrf: token, sendMode: 'live' }, admin);
    expect(live.status).toBe(303);
    expect((await w.store.organisations.get(ORG))?.outbound?.paused).toBe(false);
    expect(await orgAudit('outbound.resumed')).toHaveLength(1);
    const active = (await w.store.connections.listByOrg(ORG)).filter((c) => c.status === 'active');
    for (const c of active) expect(c.sendMode).toBe('live');
    expect(orgSettingsOf((await w.store.organisations.get(ORG))!).sendMode).toBe('live');
    expect((await orgAudit('connection.send-mode')).length).toBeGreaterThanOrEqual(1);

    const again = await post('/console/settings/sending', { _csrf: token, sendMode: 'live' }, admin);
    expect(again.headers.get('location')).toBe('/console/settings?done=unchanged');
    const long = await post('/console/settings/sending', { _csrf: token, sendMode: 'live', 'killSwitch.paused': 'on', 'killSwitch.reason': 'x'.repeat(501) }, admin);
    expect(long.status).toBe(422);
    expect(await long.text()).toContain('id="set-killSwitch-reason-err"');
    expect((await w.store.organisations.get(ORG))?.outbound?.paused).toBe(false);
  });

  it('serves a sample letter PDF with the letterhead as saved', async () => {
    const res = await get('/console/settings/sample-letter.pdf', admin);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const pdf = Buffer.from(await res.arrayBuffer());
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(1_000);
  });

  it('refuses a settings form from another origin or without its token', async () => {
    const token = await csrf(admin);
    expect((await post('/console/settings', { _csrf: token, timeZone: 'UTC', homeCurrency: 'USD' }, admin, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await post('/console/settings', { timeZone: 'UTC', homeCurrency: 'USD' }, admin)).status).toBe(403);
    expect((await w.store.organisations.get(ORG))?.timeZone).toBe('America/Chicago');
  });
});

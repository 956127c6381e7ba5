// GET/PATCH /api/orgs/:orgId/settings: one schema, a partial merge validated
// whole (422 listing every problem, nothing written), each change audited with
// who and from → to; the readers use what was saved (letters, the email sender,
// the default collector, the kill switch, connections' send mode), and the
// organisation's sending hours and holidays move what the planner schedules.
import request from 'supertest';
import type { Express } from 'express';
import { orgsRouter } from '../app/http/orgs.js';
import { zonedInstant } from '../src/domain/calendar.js';
import { resolveDocumentSettings } from '../src/documents/settings.js';
import { createLogger } from '../src/logger.js';
import { createApp } from '../src/http/app.js';
import { senderOf } from '../src/outbox/email-channel.js';
import { collectorEmailOf } from '../src/planning/collector.js';
import { Planner } from '../src/planning/plan.js';
import { storedPolicySource } from '../src/planning/policy-source.js';
import { mergeSettings, orgSettingsOf, OrgSettingsSchema, withOrgCalendar } from '../src/settings/org-settings.js';
import { defaultPolicy } from '../src/engine/index.js';
import { collections, createStore, ensureIndexes, type Store } from '../src/store/store.js';
import type { OutboxEntryDoc } from '../src/store/types.js';
import { customerDoc, invoiceDoc, saveCustomer, standardContacts } from './helpers/accounts.js';
import { openTestDatabase } from './helpers/db.js';

const TOKEN = 'settings-admin-token-0123456789abcdef';
const ORG = 'org-settings';
const T0 = new Date('2025-03-01T12:00:00Z');
const auth = { Authorization: `Bearer ${TOKEN}` };

describe('the settings schema (pure)', () => {
  const org = { timeZone: 'UTC', homeCurrency: 'USD', settings: {} };
  it('shows the defaults of a new organisation', () => {
    expect(orgSettingsOf(org)).toEqual({
      timeZone: 'UTC', homeCurrency: 'USD', sendingHours: null, holidays: [], letterhead: {}, sender: {}, remittance: {}, agency: {},
      defaultCollectorEmail: null, sendMode: 'dry-run', killSwitch: { paused: false },
    });
  });

  it('merges objects one level deep (null removes a member) and replaces the rest', () => {
    const current = { ...orgSettingsOf(org), letterhead: { name: 'Acme', phone: '+44 20 7946 0000' } };
    expect(mergeSettings(current, { letterhead: { phone: null, email: 'ar@acme.example' }, holidays: ['2025-12-25'] })).toMatchObject({
      letterhead: { name: 'Acme', email: 'ar@acme.example' }, holidays: ['2025-12-25'],
    });
  });

  it('puts the sending hours over the policy and adds the holidays to its own', () => {
    const p = withOrgCalendar({ ...defaultPolicy, calendar: { ...defaultPolicy.calendar, holidays: ['2025-01-01'] } }, { sendingHours: { start: '10:00', end: '15:30' }, documents: { holidays: ['2025-12-25', '2025-01-01'] } });
    expect(p.calendar.sendingHours).toEqual({ start: '10:00', end: '15:30' });
    expect(p.calendar.holidays).toEqual(['2025-01-01', '2025-12-25']);
    expect(withOrgCalendar(defaultPolicy, {})).toBe(defaultPolicy);
    expect(withOrgCalendar(defaultPolicy, { sendingHours: { start: '18:00', end: '09:00' } })).toBe(defaultPolicy); // malformed: ignored
  });

  it('refuses sending hours that end before they start', () => {
    const r = OrgSettingsSchema.safeParse({ ...orgSettingsOf(org), sendingHours: { start: '17:00', end: '09:00' } });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join('.'))).toEqual(['sendingHours.end']);
  });
});

describe('GET/PATCH /api/orgs/:orgId/settings', () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let store: Store;
  let app: Express;
  let clock = T0;

  beforeAll(async () => {
    database = await openTestDatabase('orgsettings');
    await ensureIndexes(database.db);
    store = createStore(database.db);
    app = createApp({ db: database.db, logger: createLogger('silent'), adminApiToken: TOKEN, bodyLimit: '1mb', adminRouters: [orgsRouter({ store, now: () => clock })] });
    await request(app).post('/api/orgs').set(auth).send({ id: ORG, name: 'Northwind Supply Co.', timeZone: 'America/Chicago' }).expect(201);
    await store.connections.upsert({ orgId: ORG, provider: 'quickbooks', companyId: '1', companyName: 'Northwind QB' }, T0);
    await store.connections.upsert({ orgId: ORG, provider: 'xero', companyId: 't-1', companyName: 'Northwind Xero' }, T0);
  });
  afterAll(() => database.drop());

  const patch = (body: unknown, actor?: string) => {
    const r = request(app).patch(`/api/orgs/${ORG}/settings`).set(auth);
    return (actor ? r.set('X-Overdue-Actor', actor) : r).send(body as object);
  };

  it('answers the defaults and the connections, 404 for an unknown organisation', async () => {
    const res = await request(app).get(`/api/orgs/${ORG}/settings`).set(auth).expect(200);
    expect(res.body.settings).toMatchObject({ timeZone: 'America/Chicago', homeCurrency: 'USD', sendingHours: null, sendMode: 'dry-run', killSwitch: { paused: false } });
    expect(res.body.connections.map((c: { id: string; sendMode: string }) => `${c.id}=${c.sendMode}`)).toEqual(['quickbooks:1=dry-run', 'xero:t-1=dry-run']);
    await request(app).get('/api/orgs/nope/settings').set(auth).expect(404);
    await request(app).patch('/api/orgs/nope/settings').set(auth).send({ timeZone: 'UTC' }).expect(404);
  });

  it('lists every problem at once (422) and writes nothing', async () => {
    const before = await store.organisations.get(ORG);
    const res = await patch({
      timeZone: 'Mars/Olympus', homeCurrency: 'EURO', sendingHours: { start: '17:00', end: '09:00' }, holidays: ['2025-02-30'],
      letterhead: { email: 'not-an-email', colour: 'red' }, sendMode: 'loud', defaultCollectorEmail: 'nobody', bogus: true,
    }).expect(422);
    expect(res.body.error.code).toBe('unprocessable');
    const paths = (res.body.error.details as { path: string }[]).map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['timeZone', 'homeCurrency', 'holidays.0', 'letterhead.email', 'sendMode', 'defaultCollectorEmail']));
    expect(JSON.stringify(res.body.error.details)).toContain('bogus');
    expect(JSON.stringify(res.body.error.details)).toContain('colour');
    // Problems only the merged whole shows (start after end) are listed too, and nothing is written.
    const hours = await patch({ sendingHours: { start: '17:00', end: '09:00' } }).expect(422);
    expect(hours.body.error.details).toEqual([{ path: 'sendingHours.end', message: 'start must be before end' }]);
    for (const body of [[1, 2], { letterhead: 'Acme' }, { killSwitch: { reason: 'no paused' } }]) {
      const r = await patch(body);
      expect([400, 422]).toContain(r.status);
    }
    expect(await store.organisations.get(ORG)).toEqual(before);
    expect((await store.audit.list(`org:${ORG}`)).map((e) => e.action)).toEqual(['org.created']);
  });

  it('merges a partial change, audits each changed field from → to with who, and the readers use it', async () => {
    clock = new Date('2025-03-01T13:00:00Z');
    const first = await patch({ homeCurrency: 'CAD', letterhead: { name: 'Northwind Supply', address: '1 Lake St; Chicago' }, remittance: { bankDetails: ['First Lake Bank', 'Account 1234'] }, agency: { name: 'Summit Recovery', email: 'referrals@summit.example' } }, 'Fay@Northwind.example').expect(200);
    expect(first.body.changes.map((c: { field: string }) => c.field)).toEqual(['homeCurrency', 'letterhead', 'remittance', 'agency']);
    const second = await patch({ letterhead: { phone: '+1 312 555 0100' }, sender: { name: 'Cole Lector', email: 'ar@northwind.example' }, defaultCollectorEmail: 'Cole.Lector@northwind.example', holidays: ['2025-03-04'] }).expect(200);
    expect(second.body.settings.letterhead).toEqual({ name: 'Northwind Supply', address: '1 Lake St; Chicago', phone: '+1 312 555 0100' });
    expect(second.body.changes.find((c: { field: string }) => c.field === 'homeCurrency')).toBeUndefined();

    const trail = (await store.audit.list(`org:${ORG}`)).filter((e) => e.action === 'org.settings.changed');
    expect(trail).toHaveLength(2);
    expect(trail[0]).toMatchObject({ actor: { kind: 'person', id: 'fay@northwind.example' }, channel: 'api' });
    expect(trail[0]?.details?.['changes']).toContainEqual({ field: 'homeCurrency', from: 'USD', to: 'CAD' });
    expect(trail[0]?.outcome).toContain('homeCurrency "USD" → "CAD"');
    expect(trail[1]).toMatchObject({ actor: { kind: 'system', id: 'admin-api' } });
    expect(trail[1]?.details?.['changes']).toContainEqual({ field: 'letterhead', from: { name: 'Northwind Supply', address: '1 Lake St; Chicago' }, to: { name: 'Northwind Supply', address: '1 Lake St; Chicago', phone: '+1 312 555 0100' } });

    // A PATCH that changes nothing is not audited.
    await patch({ homeCurrency: 'CAD' }).expect(200);
    expect((await store.audit.list(`org:${ORG}`)).filter((e) => e.action === 'org.settings.changed')).toHaveLength(2);

    const org = await store.organisations.get(ORG);
    if (!org) throw new Error('no org');
    expect(org.homeCurrency).toBe('CAD');
    const docs = resolveDocumentSettings(org);
    expect(docs).toMatchObject({ letterhead: { name: 'Northwind Supply', addressLines: ['1 Lake St', 'Chicago'], phone: '+1 312 555 0100' }, agency: { name: 'Summit Recovery', email: 'referrals@summit.example' }, holidays: ['2025-03-04'], problems: [] });
    expect(docs.payment.bankDetails).toEqual(['First Lake Bank', 'Account 1234']);
    expect(senderOf(org, 'ar@fallback.example')).toMatchObject({ name: 'Cole Lector', email: 'ar@northwind.example' });
    expect(collectorEmailOf({}, org)).toBe('cole.lector@northwind.example');
    await patch({ defaultCollectorEmail: null, letterhead: { phone: null } }).expect(200);
    const after = await store.organisations.get(ORG);
    expect(after && collectorEmailOf({}, after)).toBeUndefined();
    expect(after && orgSettingsOf(after).letterhead).toEqual({ name: 'Northwind Supply', address: '1 Lake St; Chicago' });
  });

  it('sendMode applies to every connection of the organisation, each change audited', async () => {
    const res = await patch({ sendMode: 'live' }, 'ops@northwind.example').expect(200);
    expect(res.body.connections.map((c: { sendMode: string }) => c.sendMode)).toEqual(['live', 'live']);
    expect((await store.connections.get('xero:t-1'))?.sendMode).toBe('live');
    const modes = (await store.audit.list(`org:${ORG}`)).filter((e) => e.action === 'connection.send-mode');
    expect(modes.map((e) => [e.details?.['connectionId'], e.details?.['from'], e.details?.['to'], e.actor.id])).toEqual([
      ['quickbooks:1', 'dry-run', 'live', 'ops@northwind.example'],
      ['xero:t-1', 'dry-run', 'live', 'ops@northwind.example'],
    ]);
    // One connection turned back by hand: giving the organisation's mode again applies it again.
    await store.connections.setSendMode('quickbooks:1', 'dry-run', clock);
    await patch({ sendMode: 'live' }).expect(200);
    expect((await store.connections.get('quickbooks:1'))?.sendMode).toBe('live');
  });

  it('the kill switch pauses and resumes the organisation\'s customer sends, audited', async () => {
    const res = await patch({ killSwitch: { paused: true, reason: 'checking the ladder' } }, 'fay@northwind.example').expect(200);
    expect(res.body.settings.killSwitch).toEqual({ paused: true, reason: 'checking the ladder' });
    expect((await store.organisations.get(ORG))?.outbound).toMatchObject({ paused: true, pausedBy: 'fay@northwind.example', reason: 'checking the ladder' });
    await patch({ killSwitch: { paused: false } }).expect(200);
    expect((await store.organisations.get(ORG))?.outbound?.paused).toBe(false);
    const actions = (await store.audit.list(`org:${ORG}`)).map((e) => e.action);
    expect(actions.slice(-2)).toEqual(['outbound.paused', 'outbound.resumed']);
  });

  it("the planner schedules by the organisation's sending hours and holidays", async () => {
    await patch({ sendingHours: null, holidays: [] }).expect(200);
    const c = customerDoc(ORG, '77', 'Contoso Builders', standardContacts('contoso.example'), T0);
    await saveCustomer(store, c, [invoiceDoc(c, '701', 'INV-701', '2025-03-03', 120_000, T0)]); // 1 day late on Tuesday 2025-03-04
    const planner = new Planner(store, { worker: 'test', policies: storedPolicySource(store.policies, { cacheMs: 0, organisations: store.organisations }) });
    const now = new Date(zonedInstant('2025-03-04', '06:00', 'America/Chicago'));
    // Each stage plans afresh (a kept pending entry keeps its time; the dispatcher checks the same window before sending).
    const firstDue = async (at = now): Promise<Date | undefined> => {
      await store.db.collection<OutboxEntryDoc>(collections.outbox).deleteMany({ customerId: c._id });
      await planner.plan(c._id, at);
      const entries = await store.db.collection<OutboxEntryDoc>(collections.outbox).find({ customerId: c._id, state: 'pending' }).sort({ dueAt: 1 }).toArray();
      return entries[0]?.dueAt;
    };
    expect(await firstDue()).toEqual(new Date(zonedInstant('2025-03-04', '09:00', 'America/Chicago'))); // the policy's 09:00
    await patch({ sendingHours: { start: '10:30', end: '16:00' }, holidays: [] }).expect(200);
    expect(await firstDue()).toEqual(new Date(zonedInstant('2025-03-04', '10:30', 'America/Chicago')));
    // The dispatcher checks its window with the same source's compiled policy: the organisation's hours.
    const compiled = (await storedPolicySource(store.policies, { cacheMs: 0, organisations: store.organisations }).forOrg(ORG)).compiled;
    expect([compiled.sendStart, compiled.sendEnd]).toEqual([10 * 60 + 30, 16 * 60]);
    // 2025-03-04 made an organisation holiday: nothing that day; the reminder goes on Wednesday, at the organisation's 10:30.
    await patch({ holidays: ['2025-03-04'] }).expect(200);
    expect(await firstDue()).toBeUndefined();
    expect(await firstDue(new Date(zonedInstant('2025-03-05', '06:00', 'America/Chicago')))).toEqual(new Date(zonedInstant('2025-03-05', '10:30', 'America/Chicago')));
  });
});

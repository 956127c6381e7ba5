// A customer's custom ladder (overrides.policyVersion, set through
// PUT /api/accounts/:id/policy-version) reaches the dispatcher's sending window
// and /overdue's explanation, not only planning: the organisation runs version 2
// (sending 09:00–17:00, reminder 1 named "reminder 1"), one customer runs
// version 1 (sending 06:00–20:00, reminder 1 named "late reminder").
import request from 'supertest';
import { policiesRouter } from '../app/http/policies.js';
import { answerCommand } from '../slack/services/command.js';
import { zonedInstant } from '../src/domain/calendar.js';
import { DEFAULT_POLICY_INPUT } from '../src/engine/index.js';
import { createApp } from '../src/http/app.js';
import { createLogger } from '../src/logger.js';
import { createChannels, createSmtpTransport, Dispatcher, type SmtpTransport } from '../src/outbox/index.js';
import { Planner } from '../src/planning/plan.js';
import { storedPolicySource } from '../src/planning/policy-source.js';
import { createStore, ensureIndexes, type Store } from '../src/store/store.js';
import type { CustomerDoc } from '../src/store/types.js';
import { customerDoc, invoiceDoc, liveConnection, saveCustomer, seedOrg, standardContacts } from './helpers/accounts.js';
import { openTestDatabase } from './helpers/db.js';
import { accountsRouter } from '../app/http/accounts.js';
import { startSmtpSink, type SmtpSink } from './helpers/smtp-sink.js';
import { startHarness, users, type Harness } from './sandbox/slack/harness.js';

const TZ = 'America/Chicago';
const ORG = 'org-custom';
const T0 = new Date('2025-03-01T00:00:00Z');
const at = (date: string, hhmm: string): Date => new Date(zonedInstant(date, hhmm, TZ));
const TOKEN = 'custom-ladder-token-0123456789abcdef';
const auth = { authorization: `Bearer ${TOKEN}` };

const late = {
  ...DEFAULT_POLICY_INPUT,
  name: 'Late ladder',
  calendar: { ...DEFAULT_POLICY_INPUT.calendar, sendingHours: { start: '06:00', end: '20:00' } },
  levels: DEFAULT_POLICY_INPUT.levels.map((l) => (l.id === 'reminder-1' ? { ...l, name: 'late reminder' } : l)),
};
const office = { ...DEFAULT_POLICY_INPUT, name: 'Office ladder' };

let database: Awaited<ReturnType<typeof openTestDatabase>>;
let store: Store;
let sink: SmtpSink;
let transport: SmtpTransport;
let pinned: CustomerDoc;
let plain: CustomerDoc;
const policies = () => storedPolicySource(store.policies, { cacheMs: 0 });

beforeAll(async () => {
  database = await openTestDatabase('customladder');
  await ensureIndexes(database.db);
  store = createStore(database.db);
  sink = await startSmtpSink();
  transport = createSmtpTransport(sink.url, { maxConnections: 1, timeoutMs: 5_000 });
  await seedOrg(store, ORG, T0, TZ);
  await liveConnection(store, ORG, T0);
  pinned = customerDoc(ORG, 'p1', 'Pinned Parts', standardContacts('pinned.example'), T0);
  plain = customerDoc(ORG, 'q1', 'Plain Parts', standardContacts('plain.example'), T0);
  await saveCustomer(store, pinned, [invoiceDoc(pinned, 'p1-1', 'INV-501', '2025-03-03', 100_000, T0)]);
  await saveCustomer(store, plain, [invoiceDoc(plain, 'q1-1', 'INV-601', '2025-03-03', 100_000, T0)]);
  const api = createApp({ db: store.db, logger: createLogger('silent'), adminApiToken: TOKEN, bodyLimit: '1mb', adminRouters: [policiesRouter({ store, now: () => T0, policies: policies() })] });
  expect((await request(api).put(`/api/orgs/${ORG}/policy`).set(auth).send(late)).body.version).toBe(1);
  expect((await request(api).put(`/api/orgs/${ORG}/policy`).set(auth).send(office)).body.version).toBe(2);
  expect((await request(api).put(`/api/accounts/${pinned._id}/policy-version`).set(auth).send({ version: 1 })).status).toBe(200);
});
afterAll(async () => {
  transport.close();
  await sink.close();
  await database.drop();
});

it("sends by the customer's own sending hours: at 19:00 the pinned customer's reminder leaves, the other one waits for 09:00", async () => {
  // Both reminders planned at 10:00 on Tuesday (inside both windows), picked up late, at 19:00.
  const planner = new Planner(store, { worker: 'planner', policies: policies() });
  const keys = await Promise.all([pinned, plain].map(async (c) => (await planner.plan(c._id, at('2025-03-04', '10:00'))).enqueued.find((k) => k.includes('reminder-1')) ?? ''));
  expect(keys.every((k) => k !== '')).toBe(true);
  const evening = at('2025-03-04', '19:00');
  const dispatcher = new Dispatcher(store, { worker: 'w-custom', now: () => evening, policies: policies(), channels: createChannels(database.db, { transport, from: 'Northwind <ar@northwind.example>', sendEnabled: true }) });
  await dispatcher.runOnce();
  expect((await store.outbox.get(keys[0] ?? ''))?.state).toBe('sent');
  expect(await store.outbox.get(keys[1] ?? '')).toMatchObject({ state: 'pending', deferredFor: 'sending-hours', dueAt: at('2025-03-05', '09:00') });
  expect(sink.messages.flatMap((m) => m.to)).toEqual(['bea@pinned.example']);
});

describe('/overdue', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('customladder-slack', at('2025-03-04', '10:00'), { store });
    const c = users.collector;
    await h.slack.services.people.upsert({ orgId: ORG, email: c.email, name: c.name, slackUserId: c.id, roles: ['collector'] }, T0);
  });
  afterAll(() => h.stop());

  it("explains the pinned customer by its own ladder and the other by the organisation's", async () => {
    const ask = async (text: string) => JSON.stringify(await answerCommand(h.slack.services, { userId: users.collector.id, channelId: 'C0CUSTOM1', text }));
    expect(await ask('Pinned Parts')).toContain('late reminder');
    const other = await ask('Plain Parts');
    expect(other).toContain('reminder 1');
    expect(other).not.toContain('late reminder');
  });
});

describe('the accounts API', () => {
  it("dates the pinned customer's next step by its own sending hours (06:00), not the organisation's", async () => {
    const api = createApp({ db: store.db, logger: createLogger('silent'), adminApiToken: TOKEN, bodyLimit: '1mb', adminRouters: [accountsRouter({ store, policies: policies(), now: () => at('2025-03-06', '10:00') })] });
    const next = async (id: string) => ((await request(api).get(`/api/accounts/${encodeURIComponent(id)}`).set(auth).expect(200)).body as { next: { date: string; at: string; level: { id: string } } | null }).next;
    const [own, other] = [await next(pinned._id), await next(plain._id)];
    expect(own).toMatchObject({ date: '2025-03-10', level: { id: 'reminder-2' } });
    expect(own?.at).toBe(at('2025-03-10', '06:00').toISOString());
    // The other customer's reminder 1 still waits in the outbox; its steps keep the office hours.
    expect(other?.at.endsWith(':00.000Z')).toBe(true);
    expect(other?.at).not.toBe(at(other?.date ?? '', '06:00').toISOString());
  });
});

// The customer's time zone (src/domain/customer-time-zone.ts): its contact's, else
// the account's override, else the ledger's, else its billing address (country,
// then region), else the organisation's — and sending hours applied in it by both
// the planner and the dispatcher: an NZ customer of a Chicago organisation gets
// its email inside 09:00–17:00 Pacific/Auckland, not at 09:00 America/Chicago.
import { localMinuteOfDay, zonedInstant } from '../src/domain/calendar.js';
import { countryCode, customerTimeZone, zoneOfAddress } from '../src/domain/customer-time-zone.js';
import { createChannels, createSmtpTransport, Dispatcher, type SmtpTransport } from '../src/outbox/index.js';
import { accountTimeZone } from '../src/planning/overrides.js';
import { Planner } from '../src/planning/plan.js';
import { storedPolicySource } from '../src/planning/policy-source.js';
import { createStore, ensureIndexes, type Store } from '../src/store/store.js';
import type { CustomerDoc } from '../src/store/types.js';
import { customerDoc, invoiceDoc, liveConnection, saveCustomer, seedOrg, standardContacts } from './helpers/accounts.js';
import { openTestDatabase } from './helpers/db.js';
import { startSmtpSink, type SmtpSink } from './helpers/smtp-sink.js';

describe('the customer time zone (pure)', () => {
  it('a country as ledgers write it: code, English name, alias; unknown → null', () => {
    expect(countryCode('NZ')).toBe('NZ');
    expect(countryCode(' new zealand ')).toBe('NZ');
    expect(countryCode('USA')).toBe('US');
    expect(countryCode('United States')).toBe('US');
    expect(countryCode('United Kingdom')).toBe('GB');
    expect(countryCode('Australia')).toBe('AU');
    expect(countryCode('Atlantis')).toBeNull();
    expect(countryCode('')).toBeNull();
    expect(countryCode(undefined)).toBeNull();
  });

  it('the billing address: the country; for a multi-zone country its region (code or name), else its main zone', () => {
    expect(zoneOfAddress('NZ', undefined)).toBe('Pacific/Auckland');
    expect(zoneOfAddress('New Zealand', 'Wellington')).toBe('Pacific/Auckland');
    expect(zoneOfAddress('AU', 'NSW')).toBe('Australia/Sydney');
    expect(zoneOfAddress('Australia', 'Western Australia')).toBe('Australia/Perth');
    expect(zoneOfAddress('AU', 'WA')).toBe('Australia/Perth');
    expect(zoneOfAddress('AU', undefined)).toBe('Australia/Sydney');
    expect(zoneOfAddress('US', 'CA')).toBe('America/Los_Angeles');
    expect(zoneOfAddress('USA', 'Illinois')).toBe('America/Chicago');
    expect(zoneOfAddress('CA', 'BC')).toBe('America/Vancouver');
    expect(zoneOfAddress('Canada', 'Quebec')).toBe('America/Toronto');
    expect(zoneOfAddress('MX', 'BC')).toBe('America/Tijuana');
    expect(zoneOfAddress('BR', undefined)).toBe('America/Sao_Paulo');
    expect(zoneOfAddress('Germany', undefined)).toBe('Europe/Berlin');
    expect(zoneOfAddress('Atlantis', 'X')).toBeNull();
    // Every zone in the table is a real IANA zone.
    for (const [c, r] of [['NZ', ''], ['US', 'HI'], ['US', 'AK'], ['US', 'AZ'], ['CA', 'NL'], ['CA', 'NU'], ['RU', 'KGD'], ['ID', 'PA'], ['BR', 'AM']] as const) {
      const z = zoneOfAddress(c, r || undefined);
      expect(() => new Intl.DateTimeFormat('en', { timeZone: z ?? 'bad/zone' })).not.toThrow();
    }
  });

  it('the order: contact, override, ledger, address, organisation — and where it came from', () => {
    const base = { contactZones: [], orgTimeZone: 'America/Chicago' };
    expect(customerTimeZone(base)).toEqual({ timeZone: 'America/Chicago', source: 'organisation' });
    expect(customerTimeZone({ ...base, country: 'NZ' })).toEqual({ timeZone: 'Pacific/Auckland', source: 'address' });
    expect(customerTimeZone({ ...base, country: 'NZ', ledger: 'Europe/London' })).toEqual({ timeZone: 'Europe/London', source: 'ledger' });
    expect(customerTimeZone({ ...base, country: 'NZ', ledger: 'Europe/London', override: 'Asia/Tokyo' })).toEqual({ timeZone: 'Asia/Tokyo', source: 'override' });
    expect(customerTimeZone({ ...base, contactZones: [undefined, 'Australia/Perth'], country: 'NZ', override: 'Asia/Tokyo' })).toEqual({ timeZone: 'Australia/Perth', source: 'contact' });
  });

  it("the account's zone reads the entered contacts first, then the ledger's, then the override and the address", () => {
    const c = { contacts: [{ id: 'l', name: 'L', roles: ['billing' as const], timeZone: 'Europe/Paris' }], country: 'NZ' };
    expect(accountTimeZone(c, null, 'UTC')).toEqual({ timeZone: 'Europe/Paris', source: 'contact' });
    const entered = { id: 'entered:email:e@x.example', name: 'E', email: 'e@x.example', roles: ['ap' as const], timeZone: 'Asia/Tokyo', enteredBy: 'p', enteredAt: new Date(0) };
    expect(accountTimeZone(c, { contacts: [entered] }, 'UTC')).toEqual({ timeZone: 'Asia/Tokyo', source: 'contact' });
    expect(accountTimeZone({ contacts: [], country: 'NZ' }, { overrides: { timeZone: 'Europe/Rome' } }, 'UTC')).toEqual({ timeZone: 'Europe/Rome', source: 'override' });
    expect(accountTimeZone({ contacts: [], country: 'Australia', region: 'WA' }, null, 'UTC')).toEqual({ timeZone: 'Australia/Perth', source: 'address' });
  });
});

describe('sending hours in the customer zone, planned and dispatched', () => {
  const ORG = 'org-tz';
  const T0 = new Date('2025-01-01T00:00:00Z');
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let store: Store;
  let sink: SmtpSink;
  let transport: SmtpTransport;

  beforeAll(async () => {
    database = await openTestDatabase('custtz');
    await ensureIndexes(database.db);
    store = createStore(database.db);
    sink = await startSmtpSink();
    transport = createSmtpTransport(sink.url, { maxConnections: 1, timeoutMs: 5_000 });
    await seedOrg(store, ORG, T0, 'America/Chicago');
    await liveConnection(store, ORG, T0);
  });
  afterAll(async () => {
    transport.close();
    await sink.close();
    await database.drop();
  });

  it("an NZ customer's reminder is sent inside 09:00–17:00 Pacific/Auckland, never at 09:00 America/Chicago", async () => {
    const { timeZone: _ledgerZone, ...doc } = customerDoc(ORG, 'nz1', 'Harbour Health Ltd', standardContacts('harbour.example'), T0, { country: 'New Zealand', address: '1 Quay St, Auckland, New Zealand' });
    const c: CustomerDoc = doc;
    await saveCustomer(store, c, [invoiceDoc(c, 'nzi1', 'INV-2001', '2025-03-03', 198_000, T0, { currency: 'NZD' })]);
    const planner = new Planner(store, { worker: 'planner', policies: storedPolicySource(store.policies) });
    // 08:00 Chicago on Tuesday 4 March = 03:00 Wednesday in Auckland.
    const planned = await planner.plan(c._id, new Date(zonedInstant('2025-03-04', '08:00', 'America/Chicago')));
    const key = planned.enqueued.find((k) => k.includes(':email:')) ?? '';
    expect(key).not.toBe('');
    const entry = await store.outbox.get(key);
    const due = entry?.dueAt.getTime() ?? 0;
    const nzMinute = localMinuteOfDay(due, 'Pacific/Auckland');
    expect(nzMinute).toBeGreaterThanOrEqual(9 * 60);
    expect(nzMinute).toBeLessThan(17 * 60);

    // Picked up at 09:00 Chicago (04:00 the next day in Auckland, a retry or a late run): deferred to 09:00 Auckland.
    const chicagoNine = new Date(zonedInstant('2025-03-05', '09:00', 'America/Chicago'));
    const dispatcher = (now: Date) => new Dispatcher(store, { worker: 'w-tz', now: () => now, channels: createChannels(database.db, { transport, from: 'Northwind <ar@northwind.example>', sendEnabled: true }) });
    await database.db.collection('outbox').updateOne({ _id: key as never }, { $set: { dueAt: chicagoNine, nextAttemptAt: chicagoNine } });
    await dispatcher(chicagoNine).runOnce();
    const deferred = await store.outbox.get(key);
    expect(deferred).toMatchObject({ state: 'pending', deferredFor: 'sending-hours' });
    expect(deferred?.dueAt.toISOString()).toBe(new Date(zonedInstant('2025-03-06', '09:00', 'Pacific/Auckland')).toISOString());
    expect((await store.audit.list(c._id)).find((e) => e.action === 'outbox.deferred')?.outcome).toMatch(/^outside sending hours in Pacific\/Auckland/);

    const nzNine = new Date(zonedInstant('2025-03-06', '09:00', 'Pacific/Auckland'));
    await dispatcher(nzNine).runOnce();
    expect(await store.outbox.get(key)).toMatchObject({ state: 'sent' });
    expect(sink.messages.filter((m) => m.headers.get('x-overdue-key') === key)).toHaveLength(1);
  });
});

// Fuzz (docs/architecture.md, "Fuzz suite"): webhook deliveries from QuickBooks
// (intuit-signature: base64 HMAC-SHA256 with the verifier token; the legacy
// eventNotifications body and the CloudEvents array) and Xero (x-xero-signature),
// correctly signed, with random and edge values in every field. None may get a
// 5xx; afterwards process-webhooks (and the planning after it) runs without
// throwing. FUZZ_SEED reruns a seed.
import fc from 'fast-check';
import { COMPANY } from './helpers/accounts.js';
import { field as anyField, fuzzSeed, nastyDate, nastyString, params, runs, startWorld, Tally, wrongType, XERO_TENANT, type World } from './fuzz/world.js';

jest.setTimeout(240_000);

const seed = fuzzSeed();
let world: World;

beforeAll(async () => {
  world = await startWorld('fuzzhooks');
});
afterAll(async () => {
  await world?.stop();
});

async function after(tally: Tally, numRuns: number): Promise<void> {
  await world.runJobs();
  process.stdout.write(`${tally.line(numRuns)}\n`);
  const errors = [...world.takeErrors()];
  for (const [what, n] of errors) process.stdout.write(`  FINDING logged ${n}× ${what}\n`);
  expect(errors).toEqual([]);
  expect(tally.requests).toBeGreaterThanOrEqual(numRuns);
}

/** Deliveries are mostly well-formed (one field in ~40 broken), so most reach the inbox and the jobs. */
const field = <T>(good: fc.Arbitrary<T>): fc.Arbitrary<T | unknown> => anyField(good, 80);
const externalId = (): fc.Arbitrary<string> => fc.oneof({ weight: 3, arbitrary: fc.constantFrom('fz0', 'fz1', 'fz0-1', 'fz1-2', '1', '0', '-1') }, { weight: 1, arbitrary: nastyString });
const instant = (): fc.Arbitrary<string> => fc.oneof(nastyDate, nastyDate.map((d) => `${d}T12:00:00.000Z`), fc.constantFrom('/Date(1700000000000+0000)/', '/Date(-1)/', '2025-03-04T25:61:00Z'), nastyString);
const asJson = (v: unknown): fc.Arbitrary<string> => fc.oneof({ weight: 12, arbitrary: fc.constant(JSON.stringify(v) ?? '') }, { weight: 1, arbitrary: nastyString });

it('QuickBooks deliveries (legacy and CloudEvents): never a 5xx; process-webhooks runs after', async () => {
  const tally = new Tally('webhooks quickbooks', seed);
  const numRuns = runs(400);
  const realm = () => fc.oneof({ weight: 4, arbitrary: fc.constant(COMPANY) }, { weight: 1, arbitrary: fc.oneof({ weight: 4, arbitrary: fc.stringMatching(/^\d{1,19}$/) }, { weight: 1, arbitrary: nastyString }) });
  const entity = fc.record({
    name: field(fc.oneof(fc.constantFrom('Customer', 'Invoice', 'Payment', 'CreditMemo', 'Vendor', 'customer'), nastyString)),
    id: field(externalId()),
    operation: field(fc.oneof(fc.constantFrom('Create', 'Update', 'Delete', 'Void', 'Merge', 'Emailed'), nastyString)),
    lastUpdated: field(instant()),
  });
  const legacy = fc.record({ eventNotifications: field(fc.array(fc.record({ realmId: field(realm()), dataChangeEvent: field(fc.record({ entities: field(fc.array(entity, { maxLength: 5 })) })) }), { maxLength: 3 })) });
  const cloudEvent = fc.record({
    specversion: field(fc.oneof({ weight: 9, arbitrary: fc.constant('1.0') }, { weight: 1, arbitrary: nastyString })),
    id: field(fc.oneof(fc.uuid(), nastyString)),
    type: field(fc.oneof(fc.constantFrom('qbo.customer.updated.v1', 'qbo.invoice.created.v1', 'qbo.payment.deleted.v1', 'qbo.creditmemo.voided.v1', 'qbo.vendor.created.v1'), fc.constantFrom('qbo.x.y.v1', 'qbo..created.v1'), nastyString)),
    time: field(instant()),
    intuitentityid: field(externalId()),
    intuitaccountid: field(realm()),
  });
  const arb = fc.oneof({ weight: 5, arbitrary: legacy }, { weight: 5, arbitrary: fc.array(cloudEvent, { maxLength: 5 }) }, { weight: 1, arbitrary: wrongType }).chain(asJson);
  await fc.assert(
    fc.asyncProperty(arb, async (body) => {
      const res = await world.webhook('quickbooks', body);
      tally.see(res.status, res.text);
      if (res.status >= 500) throw new Error(`HTTP ${res.status} ${res.text.slice(0, 300)} for ${body.slice(0, 2_000)}`);
    }),
    params(seed, numRuns),
  );
  await after(tally, numRuns);
});

it('Xero deliveries (including intent to receive): never a 5xx; process-webhooks runs after', async () => {
  const tally = new Tally('webhooks xero', seed);
  const numRuns = runs(400);
  const event = fc.record({
    resourceUrl: field(nastyString),
    resourceId: field(fc.oneof(fc.uuid(), externalId())),
    eventDateUtc: field(instant()),
    eventType: field(fc.oneof(fc.constantFrom('CREATE', 'UPDATE', 'DELETE'), nastyString)),
    eventCategory: field(fc.oneof(fc.constantFrom('INVOICE', 'CONTACT', 'CREDITNOTE', 'SUBSCRIPTION'), nastyString)),
    tenantId: field(fc.oneof({ weight: 4, arbitrary: fc.constant(XERO_TENANT) }, { weight: 1, arbitrary: fc.oneof({ weight: 4, arbitrary: fc.uuid() }, { weight: 1, arbitrary: nastyString }) })),
    tenantType: field(fc.constantFrom('ORGANISATION', 'PRACTICE')),
  });
  const delivery = fc.record({
    events: field(fc.array(event, { maxLength: 5 })),
    firstEventSequence: field(fc.oneof(fc.integer(), fc.double())),
    lastEventSequence: field(fc.oneof(fc.integer(), fc.double())),
    entropy: field(nastyString),
  });
  const arb = fc.oneof({ weight: 10, arbitrary: delivery }, { weight: 1, arbitrary: wrongType }).chain(asJson);
  await fc.assert(
    fc.asyncProperty(arb, async (body) => {
      const res = await world.webhook('xero', body);
      tally.see(res.status, res.text);
      if (res.status >= 500) throw new Error(`HTTP ${res.status} ${res.text.slice(0, 300)} for ${body.slice(0, 2_000)}`);
    }),
    params(seed, numRuns),
  );
  await after(tally, numRuns);
});

// Fuzz (docs/architecture.md, "Fuzz suite"): admin API bodies with the admin
// token — people, assignments (JSON and CSV), policy, the outbound switch, a
// connection's send mode, the documents routes' query strings, the accounts API's
// queries and ids — with random and edge values. None may get a 5xx (a 4xx carries the standard error shape);
// afterwards the jobs and the planner run without throwing. FUZZ_SEED reruns a seed.
import fc from 'fast-check';
import { personRoles } from '../slack/services/people.js';
import { DEFAULT_POLICY_INPUT } from '../src/engine/index.js';
import { COMPANY } from './helpers/accounts.js';
import { field, fuzzSeed, nastyDate, nastyString, ORG, params, people, runs, startWorld, Tally, wrongType, XERO_TENANT, type HttpResult, type World } from './fuzz/world.js';

jest.setTimeout(240_000);

const seed = fuzzSeed();
let world: World;

beforeAll(async () => {
  world = await startWorld('fuzzadmin');
});
afterAll(async () => {
  await world?.stop();
});

/** No 5xx; a 4xx in the standard error shape ({ error: { code, message } }; assignments' 422 lists the rows). */
function check(res: HttpResult, what: unknown): void {
  const show = () => `HTTP ${res.status} ${res.text.slice(0, 300)} for ${JSON.stringify(what).slice(0, 2_000)}`;
  if (res.status >= 500) throw new Error(show());
  // 431: Node's HTTP parser refuses an oversized request line (a 100k-character path) before the app sees it.
  if (res.status >= 400 && res.status !== 431) {
    let body: unknown;
    try {
      body = JSON.parse(res.text);
    } catch {
      throw new Error(`not JSON: ${show()}`);
    }
    const b = body as { error?: { code?: unknown; message?: unknown }; invalid?: unknown };
    const standard = typeof b.error?.code === 'string' && typeof b.error.message === 'string';
    if (!standard && !(res.status === 422 && Array.isArray(b.invalid))) throw new Error(`not the standard error shape: ${show()}`);
  }
}

async function after(tally: Tally, numRuns: number): Promise<void> {
  await world.runJobs();
  process.stdout.write(`${tally.line(numRuns)}\n`);
  const errors = [...world.takeErrors()];
  for (const [what, n] of errors) process.stdout.write(`  FINDING logged ${n}× ${what}\n`);
  expect(errors).toEqual([]);
  expect(tally.requests).toBeGreaterThanOrEqual(numRuns);
}

const orgId = (): fc.Arbitrary<string> => fc.oneof({ weight: 5, arbitrary: fc.constant(ORG) }, { weight: 1, arbitrary: nastyString });
const email = (): fc.Arbitrary<string> => fc.oneof(fc.constantFrom(...Object.values(people).map((p) => p.email)), fc.emailAddress(), nastyString);
/** A body: usually JSON of the generated value, sometimes not JSON at all. */
const asBody = (v: unknown): fc.Arbitrary<string> => fc.oneof({ weight: 8, arbitrary: fc.constant(JSON.stringify(v) ?? '') }, { weight: 1, arbitrary: nastyString });
const seg = (s: string): string => encodeURIComponent(s);

it('PUT /api/slack/people: never a 5xx', async () => {
  const tally = new Tally('admin people', seed);
  const numRuns = runs(250);
  const person = fc.record({
    email: field(email()),
    name: field(nastyString),
    slackUserId: field(fc.oneof(fc.constantFrom(...Object.values(people).map((p) => p.id)), fc.stringMatching(/^[UW][A-Z0-9]{1,12}$/), nastyString)),
    roles: field(fc.array(fc.oneof(fc.constantFrom(...personRoles), nastyString), { maxLength: 6 })),
  }, { requiredKeys: [] });
  const valid = fc.record({
    email: fc.stringMatching(/^[a-z][a-z0-9.]{0,20}@[a-z]{1,10}\.example$/),
    name: fc.string({ minLength: 1, maxLength: 60 }),
    slackUserId: fc.option(fc.stringMatching(/^U[A-Z0-9]{8}$/), { nil: undefined }),
    roles: fc.subarray([...personRoles], { minLength: 1 }),
  });
  const arb = fc
    .record({ orgId: field(orgId()), people: field(fc.array(fc.oneof(valid, person), { maxLength: 5 })) })
    .chain((b) => fc.oneof({ weight: 2, arbitrary: fc.constant(JSON.stringify({ orgId: ORG, people: (Array.isArray(b.people) ? b.people : []).slice(0, 1) })) }, { weight: 3, arbitrary: asBody(b) }));
  await fc.assert(
    fc.asyncProperty(arb, async (body) => {
      const res = await world.admin('PUT', '/slack/people', body);
      tally.see(res.status, res.text);
      check(res, body);
    }),
    params(seed, numRuns),
  );
  await after(tally, numRuns);
});

it('PUT /api/orgs/:orgId/assignments as JSON and as CSV: never a 5xx', async () => {
  const tally = new Tally('admin assignments', seed);
  const numRuns = runs(300);
  const customer = () => fc.oneof(fc.constantFrom(...world.customers.map((c) => c.externalId ?? c._id), ...world.customers.map((c) => c._id), '*'), nastyString);
  const cell = () => fc.oneof(email(), fc.constant(''), fc.constant(null));
  const jsonRow = fc.record({ customer: field(customer()), salesRepEmail: field(cell()), collectorEmail: field(cell()) }, { requiredKeys: [] });
  const json = fc.record({ rows: field(fc.array(jsonRow, { maxLength: 5 })) }).chain((b) => asBody(b)).map((body) => ({ body, type: 'application/json' }));
  const csvCell = () => fc.oneof(email(), customer(), fc.constantFrom('', '"', '""', '"a,b"', 'a\nb', '=cmd()', ' =1'));
  const csv = fc
    .record({
      header: fc.oneof({ weight: 4, arbitrary: fc.constant('customer,sales_rep_email,collector_email,display_name') }, { weight: 1, arbitrary: fc.array(csvCell(), { maxLength: 4 }).map((c) => c.join(',')) }),
      rows: fc.array(fc.array(csvCell(), { maxLength: 5 }), { maxLength: 6 }),
      eol: fc.constantFrom('\n', '\r\n', '\r'),
      bom: fc.boolean(),
    })
    .map((c) => ({ body: `${c.bom ? '\uFEFF' : ''}${[c.header, ...c.rows.map((r) => r.join(','))].join(c.eol)}`, type: 'text/csv' }));
  const arb = fc.record({ org: orgId(), payload: fc.oneof(json, csv) });
  await fc.assert(
    fc.asyncProperty(arb, async ({ org, payload }) => {
      const res = await world.admin('PUT', `/orgs/${seg(org)}/assignments`, payload.body, payload.type);
      tally.see(res.status, res.text);
      check(res, { org, payload });
    }),
    params(seed, numRuns),
  );
  await after(tally, numRuns);
});

it('PUT /api/orgs/:orgId/contacts as JSON and as CSV: never a 5xx', async () => {
  const tally = new Tally('admin contacts', seed);
  const numRuns = runs(200);
  const customer = () => fc.oneof(fc.constantFrom(...world.customers.map((c) => c.externalId ?? c._id), ...world.customers.map((c) => c._id)), nastyString);
  const role = () => fc.oneof(fc.constantFrom('billing', 'ap', 'ap_manager', 'controller', 'cfo', 'owner', 'guarantor', 'buyer', 'other', 'CFO'), nastyString);
  const text = () => fc.oneof(fc.string({ maxLength: 30 }), nastyString);
  const zone = () => fc.oneof(fc.constantFrom('Europe/London', 'America/New_York', 'Mars/Olympus', ''), nastyString);
  const lang = () => fc.oneof(fc.constantFrom('en', 'en-GB', 'fr-CA', 'xx-not-a-tag-at-all', ''), nastyString);
  const jsonRow = fc.record({ customer: field(customer()), role: field(role()), name: field(text()), email: field(email()), phone: field(text()), timeZone: field(zone()), language: field(lang()) }, { requiredKeys: [] });
  const json = fc.record({ rows: field(fc.array(jsonRow, { maxLength: 5 })) }).chain((b) => asBody(b)).map((body) => ({ body, type: 'application/json' }));
  const csvCell = () => fc.oneof(email(), customer(), role(), zone(), lang(), fc.constantFrom('', '"', '""', '"a,b"', 'a\nb', '=cmd()', "'+1 555"));
  const csv = fc
    .record({
      header: fc.oneof({ weight: 4, arbitrary: fc.constant('customer,role,name,email,phone,time_zone,language') }, { weight: 1, arbitrary: fc.array(csvCell(), { maxLength: 7 }).map((c) => c.join(',')) }),
      rows: fc.array(fc.array(csvCell(), { maxLength: 7 }), { maxLength: 6 }),
      eol: fc.constantFrom('\n', '\r\n'),
    })
    .map((c) => ({ body: [c.header, ...c.rows.map((r) => r.join(','))].join(c.eol), type: 'text/csv' }));
  const arb = fc.record({ org: orgId(), payload: fc.oneof(json, csv) });
  await fc.assert(
    fc.asyncProperty(arb, async ({ org, payload }) => {
      const res = await world.admin('PUT', `/orgs/${seg(org)}/contacts`, payload.body, payload.type);
      tally.see(res.status, res.text);
      check(res, { org, payload });
    }),
    params(seed, numRuns),
  );
  const exported = await world.admin('GET', `/orgs/${ORG}/contacts`);
  expect(exported.status).toBe(200);
  await after(tally, numRuns);
});

/** The default policy with some of its fields replaced by random or edge values. */
function mutatedPolicy(): fc.Arbitrary<unknown> {
  const paths: string[][] = [];
  const walk = (v: unknown, path: string[]) => {
    paths.push(path);
    if (typeof v === 'object' && v !== null && path.length < 5) for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  walk(DEFAULT_POLICY_INPUT, []);
  const leaf = fc.oneof(wrongType, nastyString, nastyDate, fc.integer(), fc.double(), fc.constantFrom('25:00', '00:00', '23:59', 'UTC', 'Mars/Olympus', 'ZZZ', -1, 0, 1e9));
  return fc.array(fc.tuple(fc.constantFrom(...paths.filter((p) => p.length > 0)), fc.option(leaf, { nil: undefined })), { minLength: 0, maxLength: 3 }).map((edits) => {
    const policy = structuredClone(DEFAULT_POLICY_INPUT) as unknown as Record<string, unknown>;
    for (const [path, value] of edits) {
      let at: Record<string, unknown> = policy;
      for (const k of path.slice(0, -1)) {
        const next = at[k];
        if (typeof next !== 'object' || next === null) break;
        at = next as Record<string, unknown>;
      }
      const last = path[path.length - 1];
      if (last === undefined) continue;
      if (value === undefined) delete at[last];
      else at[last] = value;
    }
    return policy;
  });
}

it('PUT /api/orgs/:orgId/policy: never a 5xx; the planner runs on whatever was accepted', async () => {
  const tally = new Tally('admin policy', seed);
  const numRuns = runs(200);
  const arb = fc.record({ org: orgId(), body: fc.oneof({ weight: 6, arbitrary: mutatedPolicy() }, { weight: 1, arbitrary: wrongType }).chain((p) => asBody(p)) });
  await fc.assert(
    fc.asyncProperty(arb, async ({ org, body }) => {
      const res = await world.admin('PUT', `/orgs/${seg(org)}/policy`, body);
      tally.see(res.status, res.text);
      check(res, { org, body });
      if (res.status === 201) await world.runJobs();
    }),
    params(seed, numRuns),
  );
  await after(tally, numRuns);
});

it('the outbound switch and a connection send mode: never a 5xx', async () => {
  const tally = new Tally('admin outbound', seed);
  const numRuns = runs(250);
  const connection = fc.oneof(fc.constantFrom(`quickbooks:${COMPANY}`, `xero:${XERO_TENANT}`, 'quickbooks:', 'xero:x'), nastyString);
  const body = fc.record({ by: field(nastyString), reason: field(nastyString), mode: field(fc.oneof(fc.constantFrom('dry-run', 'live'), nastyString)) }, { requiredKeys: [] }).chain((b) => asBody(b));
  const arb = fc.oneof(
    fc.record({ path: orgId().chain((o) => fc.constantFrom(`/orgs/${seg(o)}/outbound/pause`, `/orgs/${seg(o)}/outbound/resume`)), body }),
    fc.record({ path: connection.map((c) => `/connections/${seg(c)}/send-mode`), body }),
  );
  await fc.assert(
    fc.asyncProperty(arb, async ({ path, body: b }) => {
      const res = await world.admin('POST', path, b);
      tally.see(res.status, res.text);
      check(res, { path, body: b });
    }),
    params(seed, numRuns),
  );
  await after(tally, numRuns);
});

it("the documents routes' query strings: never a 5xx", async () => {
  const tally = new Tally('admin documents', seed);
  const numRuns = runs(120);
  const account = () => fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...world.customers.map((c) => c._id)) }, { weight: 1, arbitrary: nastyString });
  const q = (names: string[]) =>
    fc.array(fc.tuple(fc.constantFrom(...names), fc.oneof(nastyDate, nastyString)), { maxLength: 3 }).map((pairs) => pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&'));
  const arb = fc.oneof(
    fc.tuple(account(), fc.constantFrom('statement.pdf', 'letters/final-demand.pdf/preview', 'letters/written-warning.pdf/preview', 'referral-packet.zip', 'audit.csv'), q(['date'])).map(([a, f, s]) => `/accounts/${seg(a)}/${f}?${s}`),
    fc.tuple(orgId(), fc.constantFrom('csv', 'pdf'), q(['from', 'to'])).map(([o, f, s]) => `/orgs/${seg(o)}/audit.${f}?${s}`),
  );
  await fc.assert(
    fc.asyncProperty(arb, async (path) => {
      const res = await world.admin('GET', path);
      tally.see(res.status, res.text);
      check(res, path);
    }),
    params(seed, numRuns),
  );
  await after(tally, numRuns);
});

it("the accounts API's query strings and ids: never a 5xx", async () => {
  const tally = new Tally('admin accounts', seed);
  const numRuns = runs(120);
  const account = () => fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...world.customers.map((c) => c._id)) }, { weight: 1, arbitrary: nastyString });
  const value = fc.oneof(fc.constantFrom('0', '1', '500', '501', '-1', '1e3', 'true', 'false', 'past_due', 'on_hold', 'eyJhZnRlciI6MX0', 'eyJhZnRlciI6IiJ9'), nastyString);
  const q = fc.array(fc.tuple(fc.constantFrom('cursor', 'limit', 'state', 'pastDue'), value), { maxLength: 4 }).map((pairs) => pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&'));
  const arb = fc.oneof(fc.tuple(orgId(), q).map(([o, s]) => `/orgs/${seg(o)}/accounts?${s}`), account().map((a) => `/accounts/${seg(a)}`));
  await fc.assert(
    fc.asyncProperty(arb, async (path) => {
      const res = await world.admin('GET', path);
      tally.see(res.status, res.text);
      check(res, path);
    }),
    params(seed, numRuns),
  );
  await after(tally, numRuns);
});

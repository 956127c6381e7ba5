// Fuzz (docs/architecture.md, "Fuzz suite"): signed Slack interactions — a
// block_actions for every action id the app registers, a view_submission for
// every modal callback id — and /overdue commands, with random and edge values in
// every field. None may get a 5xx; afterwards the jobs that consume what they
// stored, and the planner, run without throwing. FUZZ_SEED reruns a seed.
import fc from 'fast-check';
import { actionIds, callOutcomes, inputIds, viewIds } from '../slack/ids.js';
import { field as anyField, fuzzSeed, nastyAmount, nastyDate, nastyString, params, people, runs, startWorld, STRANGER, Tally, wrongType, type World } from './fuzz/world.js';

jest.setTimeout(240_000);

const seed = fuzzSeed();
let world: World;
let seq = 0;

beforeAll(async () => {
  world = await startWorld('fuzzslack');
});
afterAll(async () => {
  await world?.stop();
});

/** Mostly well-formed payloads (a field in ~30 missing or of the wrong type), so most reach the services. */
const field = <T>(good: fc.Arbitrary<T>): fc.Arbitrary<T | unknown> => anyField(good, 60);

/** Unique per request, so the replay guard never takes a generated request for a replay. */
const trigger = (): string => `fz.${seed}.${Date.now()}.${++seq}`;

const userId = (): fc.Arbitrary<unknown> => field(fc.oneof(fc.constantFrom(...Object.values(people).map((p) => p.id), STRANGER), nastyString));
const idValue = (): fc.Arbitrary<string> => fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...world.taskIds, ...world.customers.map((c) => c._id)) }, { weight: 1, arbitrary: nastyString });

async function settle(): Promise<void> {
  // Listeners work on after the ack: wait until none is running (bounded), then run the jobs.
  const until = Date.now() + 60_000;
  while (world.slack.services.inFlight > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  await world.runJobs();
}

/**
 * The errors logged meanwhile (a listener that threw after its ack answered 200 but logged). A payload
 * its parser refuses (zod, JSON.parse) and an unknown action or callback id (Bolt: no listener, 404 after
 * 3 s) are expected; anything else is a finding and fails the property.
 */
function checkErrors(): void {
  const expected = new Map<string, number>();
  const findings: string[] = [];
  for (const [what, n] of world.takeErrors()) {
    const kind = /UnknownError (\[ \{ "|.*JSON)/.test(what)
      ? 'a malformed payload refused by its parser'
      : /not acknowledged within 3 seconds/.test(what)
        ? 'no listener for the id (404 after 3 s)'
        : null;
    if (kind) expected.set(kind, (expected.get(kind) ?? 0) + n);
    else findings.push(`${n}× ${what}`);
  }
  for (const [kind, n] of expected) process.stdout.write(`  logged ${n}× ${kind}\n`);
  for (const f of findings) process.stdout.write(`  FINDING logged ${f}\n`);
  expect(findings).toEqual([]);
}


function expectNo5xx(status: number, text: string, what: unknown): void {
  if (status >= 500) throw new Error(`HTTP ${status} ${text.slice(0, 300)} for ${JSON.stringify(what).slice(0, 2_000)}`);
}

it('block_actions for every registered action id: never a 5xx; the jobs and the planner run after', async () => {
  const tally = new Tally('slack block_actions', seed);
  const numRuns = runs(350);
  const arb = fc.record({
    actionId: fc.oneof({ weight: 200, arbitrary: fc.constantFrom(...Object.values(actionIds)) }, { weight: 1, arbitrary: nastyString }),
    value: field(idValue()),
    user: userId(),
    channel: field(fc.oneof(fc.constant('D0FUZZ001'), nastyString)),
    ts: field(fc.oneof(fc.constant('1700000000.000100'), nastyString)),
    actionTs: field(fc.oneof(fc.constant(String(Date.now() / 1000)), nastyString)),
    container: fc.oneof({ weight: 20, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    extraActions: fc.nat({ max: 2 }),
  });
  await fc.assert(
    fc.asyncProperty(arb, async (g) => {
      const action = { type: 'button', action_id: g.actionId, block_id: 'actions', value: g.value, action_ts: g.actionTs };
      const payload = {
        type: 'block_actions',
        team: { id: 'T0SANDBOX', domain: 'sandbox' },
        user: { id: g.user, username: 'fuzz', team_id: 'T0SANDBOX' },
        api_app_id: 'A0SANDBOX',
        token: 'legacy-verification-token',
        ...(g.container ? { container: { type: 'message', message_ts: g.ts, channel_id: g.channel, is_ephemeral: false } } : {}),
        trigger_id: trigger(),
        channel: { id: g.channel, name: 'directmessage' },
        message: { type: 'message', ts: g.ts, text: '' },
        response_url: 'http://127.0.0.1:9/response-url-unused',
        actions: Array.from({ length: 1 + g.extraActions }, () => action),
      };
      const res = await world.slackPost(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
      tally.see(res.status, res.text);
      expectNo5xx(res.status, res.text, payload);
    }),
    params(seed, numRuns),
  );
  await settle();
  process.stdout.write(`${tally.line(numRuns)}\n`);
  checkErrors();
  expect(tally.requests).toBeGreaterThanOrEqual(numRuns);
});

/** The element state of each kind of input, with random and edge values. */
const element = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.record({ type: fc.constant('plain_text_input'), value: field(fc.oneof(nastyString, nastyDate, nastyAmount)) }),
    fc.record({ type: fc.constant('datepicker'), selected_date: field(nastyDate) }),
    fc.record({ type: fc.constant('static_select'), selected_option: field(fc.record({ value: field(fc.oneof(fc.constantFrom(...callOutcomes), nastyString)) })) }),
    fc.record({ type: fc.constant('checkboxes'), selected_options: field(fc.array(fc.record({ value: field(fc.oneof(fc.constantFrom('1042', '1050', 'fz0-1', 'fz1-1'), nastyString)) }), { maxLength: 4 })) }),
    wrongType,
  );

/** Payment plan instalments as typed: "date amount" lines. */
const instalments = (): fc.Arbitrary<string> =>
  fc.array(fc.tuple(nastyDate, nastyAmount, fc.constantFrom(' ', '\t', '  ', ',')), { maxLength: 6 }).map((lines) => lines.map(([d, a, sep]) => `${d}${sep}${a}`).join('\n'));

it('view_submission for every modal callback id: never a 5xx; the jobs and the planner run after', async () => {
  const tally = new Tally('slack view_submission', seed);
  const numRuns = runs(450);
  const blocks = Object.values(inputIds);
  const arb = fc.record({
    callbackId: fc.oneof({ weight: 200, arbitrary: fc.constantFrom(...Object.values(viewIds)) }, { weight: 1, arbitrary: nastyString }),
    user: userId(),
    meta: fc.oneof(
      { weight: 6, arbitrary: fc.record({ id: field(idValue()), channel: field(fc.oneof(fc.constant('D0FUZZ001'), nastyString)), ts: field(fc.oneof(fc.constant('1700000000.000100'), nastyString)) }).map((m) => JSON.stringify(m)) },
      { weight: 1, arbitrary: nastyString },
      { weight: 1, arbitrary: wrongType.map((v) => JSON.stringify(v) ?? 'undefined') },
    ),
    values: fc.tuple(...blocks.map(() => fc.option(element(), { nil: undefined }))),
    instalments: fc.option(instalments(), { nil: undefined }),
    viewId: field(fc.constant('V0FUZZ001')),
  });
  await fc.assert(
    fc.asyncProperty(arb, async (g) => {
      const values: Record<string, Record<string, unknown>> = {};
      blocks.forEach((b, i) => {
        const v = g.values[i];
        if (v !== undefined) values[b.block] = { [b.action]: v };
      });
      if (g.instalments !== undefined) values[inputIds.instalments.block] = { [inputIds.instalments.action]: { type: 'plain_text_input', value: g.instalments } };
      const payload = {
        type: 'view_submission',
        team: { id: 'T0SANDBOX', domain: 'sandbox' },
        user: { id: g.user, username: 'fuzz', team_id: 'T0SANDBOX' },
        api_app_id: 'A0SANDBOX',
        token: 'legacy-verification-token',
        trigger_id: trigger(),
        view: { id: g.viewId, type: 'modal', callback_id: g.callbackId, private_metadata: g.meta, state: { values }, hash: `h${seq}` },
      };
      const res = await world.slackPost(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
      tally.see(res.status, res.text);
      expectNo5xx(res.status, res.text, payload);
    }),
    params(seed, numRuns),
  );
  await settle();
  process.stdout.write(`${tally.line(numRuns)}\n`);
  checkErrors();
  expect(tally.requests).toBeGreaterThanOrEqual(numRuns);
});

it('/overdue slash commands: never a 5xx; the jobs and the planner run after', async () => {
  const tally = new Tally('slack /overdue', seed);
  const numRuns = runs(200);
  const arb = fc.record({
    text: fc
      .oneof(fc.constantFrom('', 'help', 'Acme', 'acme industrial', 'Globex', world.customers[0]?._id ?? '', '*', '%', '.*', '(', '[a-', 'a\u0000b'), nastyString),
    user: userId(),
    command: fc.oneof({ weight: 100, arbitrary: fc.constant('/overdue') }, { weight: 1, arbitrary: nastyString }),
    channel: field(fc.oneof(fc.constant('C0COMMAND'), nastyString)),
  });
  await fc.assert(
    fc.asyncProperty(arb, async (g) => {
      const fields: Record<string, string> = {
        token: 'legacy-verification-token', team_id: 'T0SANDBOX', team_domain: 'sandbox', channel_name: 'collections', user_name: 'fuzz',
        command: g.command, text: g.text, api_app_id: 'A0SANDBOX', response_url: 'http://127.0.0.1:9/response-url-unused', trigger_id: trigger(),
      };
      if (typeof g.user === 'string') fields['user_id'] = g.user;
      if (typeof g.channel === 'string') fields['channel_id'] = g.channel;
      const res = await world.slackPost(new URLSearchParams(fields).toString());
      tally.see(res.status, res.text);
      expectNo5xx(res.status, res.text, fields);
    }),
    params(seed, numRuns),
  );
  await settle();
  process.stdout.write(`${tally.line(numRuns)}\n`);
  checkErrors();
  expect(tally.requests).toBeGreaterThanOrEqual(numRuns);
});

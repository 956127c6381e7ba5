// `npm run bench -- slack`: 50 concurrent Slack users for 30 s against the real
// app (Bolt on our Express server, FerretDB or MONGODB_URI, the Slack sandbox).
// Each user works their own nudge in a loop: press "Log call" (block_actions →
// views.open) and submit the modal (view_submission → audit, re-plan,
// chat.update). Reports p50/p99 time to ack (the HTTP answer Slack waits for;
// target p99 < 300 ms) and to the finished effect (views.open / chat.update seen
// by the sandbox). SLACK_BENCH_SECONDS and SLACK_BENCH_USERS override the load;
// SLACK_BENCH_NO_REPLAN=1 leaves out the re-plan after each submission (to see
// what the database costs without it); SLACK_BENCH_INLINE_REPLAN=1 re-plans in
// the listener as before (by default the listener records a re-plan request and
// a worker loop plans it, as the web and worker processes do).
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Router } from 'express';
import { join } from 'node:path';
import { addDays, localDate } from '../src/domain/calendar.js';
import { connectDatabase } from '../src/db/connect.js';
import { startLocalServer, type LocalServer } from '../src/db/local-server.js';
import { createApp } from '../src/http/app.js';
import { createLogger } from '../src/logger.js';
import type { TaskDoc } from '../src/outbox/task-channel.js';
import { Planner } from '../src/planning/plan.js';
import { storedPolicySource } from '../src/planning/policy-source.js';
import { ReplanRequests } from '../src/planning/requests.js';
import { collections, createStore, ensureIndexes } from '../src/store/store.js';
import { createSlackApp } from '../slack/app.js';
import { actionIds, inputIds, viewIds } from '../slack/ids.js';
import { deliverOpenTasks } from '../slack/services/deliver.js';
import { customerDoc, invoiceDoc, saveCustomer, seedOrg, standardContacts } from '../test/helpers/accounts.js';
import { SlackSandbox } from '../test/sandbox/slack/server.js';
import { blockAction, sendInteraction, viewSubmission } from '../test/sandbox/slack/signed.js';

const USERS = Number(process.env['SLACK_BENCH_USERS'] ?? 50);
const SECONDS = Number(process.env['SLACK_BENCH_SECONDS'] ?? 30);
const TARGET_P99_ACK_MS = 300;
const SECRET = 'bench-signing-secret';
const TOKEN = 'xoxb-bench';
const ORG = 'org-bench';

function pct(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
}
const fmt = (xs: number[]): string => `p50 ${pct(xs, 50).toFixed(1)} ms, p99 ${pct(xs, 99).toFixed(1)} ms (n=${xs.length})`;

export async function run(): Promise<void> {
  let local: LocalServer | undefined;
  let dataDir: string | undefined;
  let uri = process.env['MONGODB_URI'];
  if (!uri) {
    dataDir = mkdtempSync(join(tmpdir(), 'overdue-bench-slack-'));
    local = await startLocalServer({ dataDir });
    uri = local.uri;
  }
  const database = await connectDatabase(uri, `bench_slack_${Date.now()}`, 10_000);
  const users = Array.from({ length: USERS }, (_, i) => ({ id: `U${String(i).padStart(8, '0')}`, email: `rep${i}@bench.example`, name: `Rep ${i}` }));
  const sandbox = new SlackSandbox({ botToken: TOKEN, users });
  let server: Server | undefined;
  try {
    await ensureIndexes(database.db);
    const store = createStore(database.db);
    await sandbox.start();
    const now = new Date();
    await seedOrg(store, ORG, now);
    const today = localDate(now, 'America/Chicago');
    // One account per user, 16 days past due, with a nudge task for its rep.
    for (const [i, u] of users.entries()) {
      const c = customerDoc(ORG, `c${i}`, `Customer ${i}`, standardContacts(`c${i}.example`), now, { salesRepEmail: u.email });
      await saveCustomer(store, c, [invoiceDoc(c, `i${i}`, `INV-${i}`, addDays(today, -16), 100_000 + i, now)]);
      const task: TaskDoc = {
        _id: `bench:${i}`, orgId: ORG, customerId: c._id, accountName: c.displayName, kind: 'slack-nudge', assignee: { role: 'salesRep', id: u.email, name: u.name },
        title: 'nudge', invoiceIds: [], dueAt: now, status: 'open', createdAt: now,
        action: { kind: 'slackNudge', template: 'rep-call', to: 'salesRep', person: null, key: `bench:${i}`, levelId: 'rep-call', levelName: 'rep call', actionId: 'nudge', invoiceIds: [], at: now.getTime(), customerFacing: false, amounts: {} },
      };
      await store.db.collection<TaskDoc>(collections.tasks).insertOne(task);
    }
    const planner = new Planner(store, { worker: 'bench', policies: storedPolicySource(store.policies) });
    const logger = createLogger('error');
    // As in production, the web side only records a re-plan request; a worker loop (here in the same process,
    // every second) plans the requested accounts. SLACK_BENCH_INLINE_REPLAN=1: the old inline re-plan.
    const requests = new ReplanRequests(store.db);
    const inline = process.env['SLACK_BENCH_INLINE_REPLAN'] === '1';
    const replan = process.env['SLACK_BENCH_NO_REPLAN'] === '1' ? async () => undefined : inline ? (id: string, at: Date) => planner.plan(id, at) : (id: string, at: Date) => requests.request(id, 'bench', at);
    let planned = 0;
    let planFailed = 0;
    let workerStop = false;
    const workerLoop = (async () => {
      while (!workerStop) {
        for (const id of await requests.take(500)) {
          try {
            await planner.plan(id, new Date());
            planned += 1;
          } catch {
            planFailed += 1;
          }
        }
        await new Promise((r) => setTimeout(r, 1_000));
      }
    })();
    const slack = await createSlackApp({ signingSecret: SECRET, botToken: TOKEN, apiUrl: sandbox.apiUrl, store, logger, policies: storedPolicySource(store.policies), replan });
    for (const u of users) await slack.services.people.upsert({ orgId: ORG, email: u.email, name: u.name, slackUserId: u.id, roles: ['sales_rep'] }, now);
    const delivered = await deliverOpenTasks(slack.services, { limit: USERS });
    // Server-side time to ack: from the request reaching Express to the response finished (the client's figure
    // adds the load generator's own waiting, in this same process).
    const serverAck: number[] = [];
    const timing = Router();
    timing.use((_req, res, next) => {
      const t = performance.now();
      res.on('finish', () => serverAck.push(performance.now() - t));
      next();
    });
    const app = createApp({ db: database.db, logger, adminApiToken: undefined, bodyLimit: '1mb', routers: [timing, slack.router] });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const addr = server.address();
    const endpoint = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/slack/events`;
    const messages = [...sandbox.messages.values()];
    console.log(`database: ${local ? `local ${local.kind}` : 'MONGODB_URI'}; ${delivered.delivered} nudges delivered; ${USERS} users for ${SECONDS} s`);

    const ackAction: number[] = [];
    /** Acks after each user's first round (connections open, code paths warm). */
    const warmAcks: number[] = [];
    const ackView: number[] = [];
    const doneModal: number[] = [];
    const doneUpdate: number[] = [];
    let errors = 0;
    const why = new Map<string, number>();
    // The load generator's own fetch is initialised lazily on its first use (undici): one GET /healthz first, so
    // the first round does not time the generator's start-up. SLACK_BENCH_COLD_CLIENT=1 leaves it out.
    if (process.env['SLACK_BENCH_COLD_CLIENT'] !== '1') await (await fetch(endpoint.replace(/\/slack\/events$/, '/healthz'))).text();
    // SLACK_BENCH_WARMUP=N: N unmeasured presses (an unknown action, acked and ignored) before the load.
    for (let i = 0; i < Number(process.env['SLACK_BENCH_WARMUP'] ?? 0); i++) {
      const u = users[i % users.length];
      const m0 = messages[i % messages.length];
      if (u && m0) await sendInteraction(endpoint, SECRET, blockAction({ userId: u.id }, { actionId: 'bench_warmup', value: 'x', channel: m0.channel, ts: m0.ts }));
    }
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const until = Date.now() + SECONDS * 1000;
    await Promise.all(
      users.map(async (u, i) => {
        const m = messages.find((x) => x.channel === `D${u.id.slice(1)}`) ?? messages[i];
        if (!m) return;
        for (let round = 0; Date.now() < until; round++) {
          try {
            const press = blockAction({ userId: u.id }, { actionId: actionIds.logCall, value: `bench:${i}`, channel: m.channel, ts: m.ts });
            const started = performance.now();
            const opened = sandbox.nextCall((c) => c.method === 'views.open' && c.args['trigger_id'] === press['trigger_id']);
            const r1 = await sendInteraction(endpoint, SECRET, press);
            ackAction.push(r1.ms);
            const view = (await opened).args['view'] as { private_metadata: string };
            doneModal.push(performance.now() - started);
            const started2 = performance.now();
            const updated = sandbox.nextCall((c) => c.method === 'chat.update' && c.args['ts'] === m.ts);
            const r2 = await sendInteraction(endpoint, SECRET, viewSubmission({ userId: u.id }, {
              callbackId: viewIds.logCall,
              privateMetadata: view.private_metadata,
              values: { [inputIds.outcome.block]: { [inputIds.outcome.action]: { type: 'static_select', selected_option: { value: 'voicemail' } } } },
            }));
            ackView.push(r2.ms);
            if (round > 0) warmAcks.push(r1.ms, r2.ms);
            await updated;
            doneUpdate.push(performance.now() - started2);
            if (r1.status !== 200 || r2.status !== 200) errors += 1;
          } catch (err) {
            errors += 1;
            const k = err instanceof Error ? err.message : String(err);
            why.set(k, (why.get(k) ?? 0) + 1);
          }
        }
      }),
    );
    const drained = await slack.services.drain(30_000);
    workerStop = true;
    await workerLoop;
    console.log(`re-plan: ${inline ? 'inline in the listener' : `requested, planned by the worker loop (${planned} plans, ${planFailed} failed, ${await requests.count()} left)`}`);
    const acks = [...ackAction, ...ackView];
    console.log(`ack, button (block_actions):   ${fmt(ackAction)}`);
    console.log(`ack, modal (view_submission):  ${fmt(ackView)}`);
    console.log(`button → modal open:           ${fmt(doneModal)}`);
    console.log(`submit → message updated:      ${fmt(doneUpdate)}`);
    console.log(`interactions: ${acks.length} in ${SECONDS} s (${(acks.length / SECONDS).toFixed(1)}/s), errors ${errors}, auth.test calls ${sandbox.callsOf('auth.test').length}${drained ? '' : ', listeners still busy at the end'}`);
    console.log(`ack after the first round:     ${fmt(warmAcks)}`);
    loop.disable();
    console.log(`ack measured in the server:    ${fmt(serverAck)}; the first ${USERS}: ${fmt(serverAck.slice(0, USERS))}`);
    console.log(`event-loop delay (whole process): p50 ${(loop.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms, max ${(loop.max / 1e6).toFixed(1)} ms; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
    for (const [k, n] of why) console.log(`  error ×${n}: ${k}`);
    const p99 = pct(acks, 99);
    console.log(`${p99 < TARGET_P99_ACK_MS ? 'PASS' : 'FAIL'}: p99 time to ack ${p99.toFixed(1)} ms (target < ${TARGET_P99_ACK_MS} ms)`);
  } finally {
    if (server) {
      const s = server;
      await new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections();
      });
    }
    await sandbox.stop();
    await database.db.dropDatabase().catch(() => undefined);
    await database.close();
    await local?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

// Finding 5: submitNudge read the account state and wrote the whole pause arrays back, so a dispute, a
// promise and a payment plan sent 10–30 ms apart lost the promise while the audit trail said it was
// recorded. Each submission now adds its one entry ($push): fired at once, every entry lands, and the
// state and the audit trail agree entry for entry (the audit entry names the pause it added).
import type { TaskDoc } from '../src/outbox/task-channel.js';
import { accountStates } from '../src/planning/state.js';
import type { CustomerDoc } from '../src/store/types.js';
import { deliverOpenTasks } from '../slack/services/deliver.js';
import { submitNudge, type Submission } from '../slack/services/nudge-actions.js';
import { seedAcme, seedPeople, startHarness, taskFromPlan, users, type Harness } from './sandbox/slack/harness.js';

const T0 = new Date('2025-03-20T15:00:00Z');

describe('Slack: concurrent submissions on one account', () => {
  let h: Harness;
  let acme: CustomerDoc;
  let task: TaskDoc;

  beforeEach(async () => {
    h = await startHarness('slackconcurrent', T0);
    await seedPeople(h);
    acme = await seedAcme(h);
    task = await taskFromPlan(h, acme, 'slackNudge');
    h.clock.now = new Date(Math.max(T0.getTime(), task.dueAt.getTime()));
    await deliverOpenTasks(h.slack.services);
  });
  afterEach(async () => {
    await h.stop();
  });

  it('ten mixed submissions at once: every pause is in the state and in the audit trail, one for one', async () => {
    const m = [...h.sandbox.messages.values()][0];
    if (!m) throw new Error('no DM');
    const meta = { id: task._id, channel: m.channel, ts: m.ts };
    const inv = `${acme._id.replace(/:42$/, '')}:1042`;
    const kinds: Submission[] = [
      { kind: 'dispute', invoiceIds: [inv], reason: 'Damaged' },
      { kind: 'promise', date: '2025-04-01', amountMinor: 1000 },
      { kind: 'paymentPlan', instalments: [{ dueDate: '2025-04-15', amountMinor: 2000 }] },
      { kind: 'snooze', until: '2025-04-02', reason: 'Travelling' },
    ];
    const batch = Array.from({ length: 10 }, (_, i) => kinds[i % kinds.length]!);
    await Promise.all(batch.map((s) => submitNudge(h.slack.services, s, meta, users.rep.id)));

    const state = await accountStates(h.store.db).get(acme._id);
    const inState = {
      'dispute.recorded': (state?.disputes ?? []).map((d) => d.id),
      'promise.recorded': (state?.promises ?? []).map((p) => p.id),
      'payment_plan.recorded': (state?.paymentPlans ?? []).map((p) => p.id),
      'snooze.recorded': (state?.snoozes ?? []).map((s) => s.id),
    };
    const audit = await h.store.audit.list(acme._id);
    const inAudit = Object.fromEntries(Object.keys(inState).map((action) => [action, audit.filter((e) => e.action === action).map((e) => String(e.details?.['pauseId']))]));
    expect(Object.values(inState).map((ids) => ids.length)).toEqual([3, 3, 2, 2]);
    for (const [action, ids] of Object.entries(inState)) expect([...ids].sort()).toEqual([...(inAudit[action] ?? [])].sort());
  });
});

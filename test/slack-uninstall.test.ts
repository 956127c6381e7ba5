// Uninstall events end to end: a signed `app_uninstalled` (then `tokens_revoked`) envelope marks the
// workspace's installation revoked; delivery for its organisation stops (the task waits, nothing is
// posted, one audit entry on the organisation); a re-install restores delivery with the new token.
import { slackClient } from '../slack/app.js';
import { SlackContext } from '../slack/services/context.js';
import { deliverOpenTasks } from '../slack/services/deliver.js';
import { MongoInstallationStore } from '../slack/services/installations.js';
import { createLogger } from '../src/logger.js';
import { storedPolicySource } from '../src/planning/policy-source.js';
import type { TaskDoc } from '../src/outbox/task-channel.js';
import { collections } from '../src/store/store.js';
import type { AuditEntryDoc } from '../src/store/types.js';
import { INSTALL_KEY, installWorkspace, ORG, seedAcme, seedPeople, SIGNING_SECRET, startHarness, taskFromPlan, waitFor, type Harness } from './sandbox/slack/harness.js';
import { sendEvent } from './sandbox/slack/signed.js';

describe('Slack: uninstall events', () => {
  let h: Harness;
  let installations: MongoInstallationStore;
  let worker: SlackContext;
  let task: TaskDoc;
  beforeAll(async () => {
    h = await startHarness('slackuninstall', new Date('2025-03-20T15:00:00Z'), { oauth: true });
    await seedPeople(h);
    installations = new MongoInstallationStore(h.store.db, INSTALL_KEY);
    expect((await installWorkspace(h)).status).toBe(200);
    await installations.linkOrg('T0SANDBOX', ORG);
    task = await taskFromPlan(h, await seedAcme(h), 'slackNudge');
    // The delivery worker's services, as slack/wiring.ts builds them under OAuth: a client per installed token.
    const logger = createLogger('silent');
    worker = new SlackContext({
      store: h.store,
      client: slackClient({ apiUrl: h.sandbox.apiUrl, logger }),
      logger,
      now: () => h.clock.now,
      policies: storedPolicySource(h.store.policies),
      replan: async () => undefined,
      clientForOrg: async (orgId) => {
        const token = await installations.botTokenForOrg(orgId);
        return token ? slackClient({ botToken: token, apiUrl: h.sandbox.apiUrl, logger }) : null;
      },
    });
  });
  afterAll(async () => {
    await h.stop();
  });

  const envelope = (id: string, event: Record<string, unknown>): Record<string, unknown> => ({
    token: 'legacy', team_id: 'T0SANDBOX', api_app_id: 'A0SANDBOX', type: 'event_callback', event_id: id, event_time: Math.floor(Date.now() / 1000), event: { ...event, event_ts: `${Date.now() / 1000}` },
  });
  const uninstalls = (): Promise<AuditEntryDoc[]> => h.store.db.collection<AuditEntryDoc>(collections.audit).find({ action: 'slack.uninstalled' }).toArray();
  /** Wait until the app took the event (its dedup claim) and finished its listeners. */
  const handled = async (eventId: string): Promise<void> => {
    await waitFor(`event ${eventId}`, () => h.store.db.collection(collections.claims).findOne({ _id: `slack:event:${eventId}` as never }));
    await h.slack.services.drain();
  };
  const taskStatus = async (): Promise<string | undefined> => (await h.store.db.collection<TaskDoc>(collections.tasks).findOne({ _id: task._id }))?.status;

  it('app_uninstalled marks the installation revoked and audits it once on the organisation', async () => {
    expect((await sendEvent(h.endpoint, SIGNING_SECRET, envelope('EvUn1', { type: 'app_uninstalled' }))).status).toBe(200);
    const doc = await waitFor('revoked', async () => ((await installations.raw('T0SANDBOX'))?.revokedAt ? installations.raw('T0SANDBOX') : null));
    expect(doc).toMatchObject({ orgId: ORG, revokedBy: 'app_uninstalled' });
    expect(await installations.botTokenForOrg(ORG)).toBeNull();
    const [entry] = await waitFor('the audit entry', async () => ((await uninstalls()).length > 0 ? uninstalls() : null));
    expect(entry).toMatchObject({ orgId: ORG, accountId: `org:${ORG}`, actor: { kind: 'system', id: 'slack' }, details: { teamId: 'T0SANDBOX', event: 'app_uninstalled' } });
    // Slack follows with tokens_revoked: nothing changes, no second entry.
    expect((await sendEvent(h.endpoint, SIGNING_SECRET, envelope('EvUn2', { type: 'tokens_revoked', tokens: { bot: ['UBOT0001'] } }))).status).toBe(200);
    await handled('EvUn2');
    expect(await uninstalls()).toHaveLength(1);
    expect((await installations.raw('T0SANDBOX'))?.revokedBy).toBe('app_uninstalled');
  });

  it('while revoked, delivery for the organisation stops: the task waits and nothing is posted', async () => {
    const stats = await deliverOpenTasks(worker);
    expect(stats).toMatchObject({ delivered: 0, failed: [] });
    expect(stats.skipped).toBeGreaterThanOrEqual(1);
    expect(h.sandbox.callsOf('chat.postMessage')).toHaveLength(0);
    expect(await taskStatus()).toBe('open');
  });

  it('a re-install restores delivery with the new token', async () => {
    expect((await installWorkspace(h)).status).toBe(200);
    const doc = await installations.raw('T0SANDBOX');
    expect(doc?.revokedAt).toBeUndefined();
    expect(doc?.orgId).toBe(ORG);
    const stats = await deliverOpenTasks(worker);
    expect(stats.delivered).toBe(1);
    expect(h.sandbox.callsOf('chat.postMessage').map((c) => c.token)).toEqual(['xoxb-sandbox-installed-T0SANDBOX']);
    expect(await taskStatus()).toBe('delivered');
  });

  it('tokens_revoked for the bot token alone also revokes; one for user tokens only does not', async () => {
    expect((await sendEvent(h.endpoint, SIGNING_SECRET, envelope('EvUn3', { type: 'tokens_revoked', tokens: { oauth: ['U0ADMIN01'] } }))).status).toBe(200);
    await handled('EvUn3');
    expect((await installations.raw('T0SANDBOX'))?.revokedAt).toBeUndefined();
    expect((await sendEvent(h.endpoint, SIGNING_SECRET, envelope('EvUn4', { type: 'tokens_revoked', tokens: { bot: ['UBOT0001'] } }))).status).toBe(200);
    const doc = await waitFor('revoked', async () => ((await installations.raw('T0SANDBOX'))?.revokedAt ? installations.raw('T0SANDBOX') : null));
    expect(doc?.revokedBy).toBe('tokens_revoked');
    expect(await uninstalls()).toHaveLength(2);
  });
});

// Every job the worker runs, and the repeating schedule it keeps. Repeating jobs
// use cron expressions so that their run keys agree across workers (see agenda.ts).
import type { Agenda } from 'agenda';
import type { JobDefinition } from './agenda.js';
import { syncConnection } from './connections.js';
import { dispatchOutbox } from './dispatch.js';
import { followUpTasks } from './follow-up.js';
import { checkLookalike } from './lookalike.js';
import { housekeeping } from './housekeeping.js';
import { planAccounts, planDaily, planDue, planRequested } from './plan.js';
import { slackDeliver } from './slack-deliver.js';
import { slackDigest } from './slack-digest.js';
import { processWebhooks, processWebhooksNow, syncFull, syncIncremental } from './sync.js';
import { reconcileLedgers } from './reconcile.js';
import { pollInboundMail, processInboundMail } from './inbound.js';

export const allJobs: JobDefinition<unknown>[] = [
  housekeeping as JobDefinition<unknown>,
  planAccounts as JobDefinition<unknown>,
  planDue as JobDefinition<unknown>,
  planRequested as JobDefinition<unknown>,
  planDaily as JobDefinition<unknown>,
  dispatchOutbox as JobDefinition<unknown>,
  followUpTasks as JobDefinition<unknown>,
  slackDeliver as JobDefinition<unknown>,
  slackDigest as JobDefinition<unknown>,
  syncIncremental as JobDefinition<unknown>,
  syncFull as JobDefinition<unknown>,
  processWebhooks as JobDefinition<unknown>,
  syncConnection as JobDefinition<unknown>,
  reconcileLedgers as JobDefinition<unknown>,
  processWebhooksNow as JobDefinition<unknown>,
  checkLookalike as JobDefinition<unknown>,
  pollInboundMail as JobDefinition<unknown>,
  processInboundMail as JobDefinition<unknown>,
];

/**
 * The jobs a worker's second, fast-scanning Agenda runs (app/service.ts): a stored webhook delivery's run is picked
 * up within WEBHOOK_PROCESS_EVERY_MS instead of at the main Agenda's 5-second scan. The main Agenda leaves them out.
 */
export const promptJobs: JobDefinition<unknown>[] = [processWebhooksNow as JobDefinition<unknown>];

export interface ScheduleOptions {
  /** Minutes between incremental syncs of each company (1–59). */
  syncIntervalMinutes: number;
}

export async function scheduleRepeatingJobs(agenda: Agenda, opts: ScheduleOptions): Promise<void> {
  await agenda.every('17 3 * * *', housekeeping.name, { keepDays: 30 }, { timezone: 'UTC' });
  // Sync: incremental every few minutes, a full reconciliation nightly, webhook deliveries every minute.
  await agenda.every(`*/${opts.syncIntervalMinutes} * * * *`, syncIncremental.name, {}, { timezone: 'UTC' });
  await agenda.every('30 2 * * *', syncFull.name, {}, { timezone: 'UTC' });
  await agenda.every('* * * * *', processWebhooks.name, {}, { timezone: 'UTC' });
  // The ledger's own report against Overdue's balances, nightly at 03:00–03:59 in each organisation's zone.
  await agenda.every('45 * * * *', reconcileLedgers.name, { hour: 3 }, { timezone: 'UTC' });
  // Planning: every account once a day at 07:00 in its organisation's zone (the job runs hourly and picks
  // those organisations), and hourly the accounts whose next evaluation has come (customers in other zones).
  await agenda.every('0 * * * *', planDaily.name, { pageSize: 200, hour: 7 }, { timezone: 'UTC' });
  await agenda.every('5 * * * *', planDue.name, { pageSize: 200 }, { timezone: 'UTC' });
  // Accounts people acted on in Slack (the web process only records the request): planned within a minute.
  await agenda.every('* * * * *', planRequested.name, { limit: 500 }, { timezone: 'UTC' });
  await agenda.every('* * * * *', dispatchOutbox.name, { maxEntries: 5_000, concurrency: 4 }, { timezone: 'UTC' });
  // Letters by post, courier or fax not confirmed 48 hours on: a follow-up task for the collector.
  await agenda.every('25 * * * *', followUpTasks.name, { limit: 500 }, { timezone: 'UTC' });
  // Slack-bound tasks the dispatcher stored (nudges, approval requests): delivered within a minute.
  await agenda.every('* * * * *', slackDeliver.name, { limit: 200 }, { timezone: 'UTC' });
  // The collectors' morning digest, at 08:00 in each organisation's zone.
  await agenda.every('0 * * * *', slackDigest.name, { hour: 8 }, { timezone: 'UTC' });
  // Inbound mail: the IMAP mailbox's unseen messages (when configured), and stored messages left unprocessed.
  await agenda.every('* * * * *', pollInboundMail.name, {}, { timezone: 'UTC' });
}

// Planning jobs: thin handlers over src/planning. `plan-accounts` re-plans the
// accounts a sync changed (the sync layer enqueues it with their ids);
// `plan-due` (hourly) re-plans the accounts whose next evaluation time has come;
// `plan-daily` (hourly) walks every account of the organisations for which it
// is 07:00–07:59 in their own zone: once a day each, because levels move with
// time, not only with data; it also writes the organisation's daily snapshot
// for the console's overview (src/planning/snapshots.ts). `plan-requested` (every minute) plans the accounts
// people acted on in Slack. Deadlines (a promise's grace end, a letter's
// response deadline, an instalment, a snooze's end) are one-off `plan-accounts`
// jobs at the account's next evaluation time, one per account (see scheduleDeadline),
// scheduled through the services' `scheduleDeadline` (app/services.ts).
import type { Agenda } from 'agenda';
import { z } from 'zod';
import { addSummaries, emptySummary, plannerFor, type PlanSummary } from '../src/planning/plan.js';
import { orgOfRequest, ReplanRequests } from '../src/planning/requests.js';
import { isDailyPlanningHour } from '../src/planning/schedule.js';
import { job, type JobContext } from './agenda.js';

/**
 * A one-off `plan-accounts` job at an account's next evaluation time, unique per (account, time):
 * planning the account again before then adds nothing. Each time is its own job (Agenda clears a
 * one-off job's nextRunAt as it starts it, and the run's claim key names the job), removed once it
 * ran. A job left from an earlier, since-moved time still fires: one extra plan, which changes
 * nothing (planning is idempotent). On FerretDB the upsert behind `unique` is not atomic, so two
 * workers may save the same time twice; the run claim lets one of them plan.
 */
export async function scheduleDeadline(agenda: Agenda, customerId: string, at: Date): Promise<void> {
  const iso = at.toISOString();
  await agenda
    .create(planAccounts.name, { customerIds: [customerId], deadlineFor: customerId, at: iso })
    .unique({ 'data.deadlineFor': customerId, 'data.at': iso })
    .schedule(at)
    .save();
}

/** The services' deadline scheduler on a worker's Agenda (app/services.ts puts it in the services object). */
export function deadlineScheduler(agenda: Agenda): (customerId: string, at: Date) => Promise<void> {
  return (customerId, at) => scheduleDeadline(agenda, customerId, at);
}

function total(list: PlanSummary[]): PlanSummary {
  return list.reduce(addSummaries, emptySummary());
}

/**
 * Each organisation on its own: a failure outside any one account (its policy cannot be read, the
 * page query fails) is logged and the pass goes on with the next organisation. Accounts are isolated
 * inside the planner (a failing account is quarantined, src/planning/quarantine.ts).
 */
async function eachOrganisation(
  ctx: JobContext,
  pass: string,
  orgs: readonly { _id: string }[],
  planOne: (orgId: string) => Promise<PlanSummary>,
): Promise<{ summaries: PlanSummary[]; failedOrganisations: string[] }> {
  const summaries: PlanSummary[] = [];
  const failedOrganisations: string[] = [];
  for (const org of orgs) {
    try {
      summaries.push(await planOne(org._id));
    } catch (err) {
      failedOrganisations.push(org._id);
      ctx.logger.error({ err, orgId: org._id }, `${pass}: planning the organisation failed; the next organisation goes on, the next pass retries it`);
    }
  }
  return { summaries, failedOrganisations };
}

export const planAccounts = job({
  name: 'plan-accounts',
  // deadlineFor, at: set on the one-off job of an account's next evaluation (its unique key).
  data: z.object({ customerIds: z.array(z.string().min(1)).min(1).max(5_000), deadlineFor: z.string().min(1).optional(), at: z.string().optional() }),
  async run({ customerIds }, ctx) {
    const results = await plannerFor(ctx).planMany(customerIds, ctx.now());
    const s = results.reduce((n, r) => n + r.enqueued.length, 0);
    const failed = results.filter((r) => r.failed).length;
    ctx.logger.info({ accounts: results.filter((r) => r.found).length, missing: results.filter((r) => !r.found && !r.failed).length, enqueued: s, failed }, 'plan-accounts done');
  },
  // One-off deadline jobs, one per account: many fall due together, each plans a few accounts.
  concurrency: 4,
  lockLifetimeMs: 10 * 60_000,
  removeOnComplete: true,
});

// `plan-requested` (every minute): the accounts people acted on in Slack (the web process records a
// request instead of planning on the request path; src/planning/requests.ts), and whole organisations
// whose policy changed (a new version saved or rolled back through the admin API).
export const planRequested = job({
  name: 'plan-requested',
  data: z.object({ limit: z.number().int().positive().max(5_000).default(500) }),
  async run({ limit }, ctx) {
    const taken = await new ReplanRequests(ctx.store.db).take(limit);
    if (taken.length === 0) return;
    const planner = plannerFor(ctx);
    const ids = taken.filter((id) => orgOfRequest(id) === null);
    const orgs = taken.flatMap((id) => {
      const orgId = orgOfRequest(id);
      return orgId === null ? [] : [{ _id: orgId }];
    });
    // A whole organisation (its policy changed): read its newest version, not this process's cached one.
    const { summaries, failedOrganisations } = await eachOrganisation(ctx, 'plan-requested', orgs, (orgId) => {
      ctx.policies.forget?.(orgId);
      return planner.planOrganisation(orgId, ctx.now());
    });
    // A failed organisation asks again: the next run retries it.
    for (const orgId of failedOrganisations) await new ReplanRequests(ctx.store.db).requestOrganisation(orgId, 'plan-requested retry', ctx.now());
    const results = ids.length > 0 ? await planner.planMany(ids, ctx.now()) : [];
    ctx.logger.info(
      { accounts: ids.length, enqueued: results.reduce((n, r) => n + r.enqueued.length, 0), failed: results.filter((r) => r.failed).length, organisations: total(summaries), failedOrganisations },
      'plan-requested done',
    );
  },
  lockLifetimeMs: 15 * 60_000,
});

export const planDue = job({
  name: 'plan-due',
  data: z.object({ pageSize: z.number().int().positive().max(1_000).default(200) }),
  async run({ pageSize }, ctx) {
    const planner = plannerFor(ctx);
    const { summaries, failedOrganisations } = await eachOrganisation(ctx, 'plan-due', await ctx.store.organisations.list(), (orgId) => planner.planDue(orgId, ctx.now(), pageSize));
    ctx.logger.info({ ...total(summaries), failedOrganisations }, 'plan-due done');
  },
  lockLifetimeMs: 30 * 60_000,
});

export const planDaily = job({
  name: 'plan-daily',
  data: z.object({
    pageSize: z.number().int().positive().max(1_000).default(200),
    /** Local hour (organisation's zone) of the daily pass; the job runs hourly and picks the organisations in that hour. */
    hour: z.number().int().min(0).max(23).default(7),
    /** Plan every organisation now, whatever its local time. */
    all: z.boolean().default(false),
  }),
  async run({ pageSize, hour, all }, ctx) {
    const planner = plannerFor(ctx);
    const now = ctx.now();
    const orgs = (await ctx.store.organisations.list()).filter((org) => all || isDailyPlanningHour(now, org.timeZone, hour));
    const { summaries, failedOrganisations } = await eachOrganisation(ctx, 'plan-daily', orgs, (orgId) => planner.planOrganisation(orgId, now, pageSize, { snapshot: true }));
    ctx.logger.info({ organisations: summaries.length, failedOrganisations, ...total(summaries) }, 'plan-daily done');
  },
  lockLifetimeMs: 60 * 60_000,
});

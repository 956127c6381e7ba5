// Agenda on the application's own database. Job handlers are thin: they parse
// their data with zod and call a service. Each run is also guarded by a claim,
// because on FerretDB Agenda's findOneAndUpdate lock is not atomic (see
// src/store/claims.ts): when two workers lock the same run, one does the work.
import { Agenda, type Job } from 'agenda';
import { MongoBackend } from '@agendajs/mongo-backend';
import { ObjectId, type Db } from 'mongodb';
import type { z } from 'zod';
import type { InboxRunOptions } from '../connectors/inbox.js';
import type { Connector } from '../connectors/types.js';
import type { SlackContext } from '../slack/services/context.js';
import type { InboundConfig } from '../src/config.js';
import type { Logger } from '../src/logger.js';
import type { OutboxSettings } from '../src/outbox/wiring.js';
import type { PolicySource } from '../src/planning/policy-source.js';
import type { Provider } from '../src/store/types.js';
import type { Store } from '../src/store/store.js';

export const JOBS_COLLECTION = 'agenda_jobs';

/**
 * The services object: everything a job, the HTTP app and the Slack app depend on, built once by the
 * composition root (app/services.ts) and handed to each of them. Tests build plain objects
 * (test/helpers/services.ts). Nothing here is looked up in a module-level registry.
 */
export interface Services {
  store: Store;
  logger: Logger;
  /** This process's name, used as the owner of claims and leases. */
  worker: string;
  now: () => Date;
  /** Each organisation's escalation policy (its stored version, else the default ladder). */
  policies: PolicySource;
  /** The connectors configured in this process, by provider (a provider without one is skipped by sync). */
  connectors: Partial<Record<Provider, Connector>>;
  /**
   * Work through a provider's stored webhook deliveries; returns how many were handled. `opts.afterBatch` hears each
   * batch's changed accounts once it is saved (the job re-plans them at once); `opts.max` caps the deliveries.
   */
  inbox: Partial<Record<Provider, (opts?: InboxRunOptions) => Promise<number>>>;
  /** The outbox channels' settings (email transport, write-backs, platform email, send switch, rates, freshness). */
  outbox: OutboxSettings;
  /** The worker's Slack services for a run (delivery, digest); absent: Slack is not configured and tasks wait. */
  slack?: (services: Services) => SlackContext;
  /** Schedule a re-plan of an account at its next evaluation time (the worker's Agenda); absent on the web role. */
  scheduleDeadline?: (customerId: string, at: Date) => Promise<void>;
  /** Queue and cancel one-off Agenda jobs (a connection's sync, its disconnect): every role has one (app/service.ts). */
  jobs?: JobQueue;
  /**
   * A webhook delivery for this connection was stored: have it processed now (enqueues
   * `process-webhooks-now`, jobs/sync.ts). Absent: the per-minute `process-webhooks` picks it up.
   */
  onWebhookStored?: (connectionId: string) => Promise<void>;
  /** Inbound mail (config.inbound, docs/inbound-mail.md): the reply mailbox, the size limit, the IMAP mailbox polled, the Mailgun key. Absent: none. */
  inbound?: InboundConfig;
}

/** One-off jobs on the Agenda collection, from any role (the web role's Agenda is never started: it only writes jobs). */
export interface JobQueue {
  /** Queue a job to run at once; its Agenda id. */
  now(name: string, data: Record<string, unknown>): Promise<string>;
  /** Cancel (remove) the jobs whose documents match `filter` (a MongoDB filter on the job collection); how many. */
  cancelWhere(filter: Record<string, unknown>): Promise<number>;
  /** A job's state, for a caller following it (null: no such job, or it was removed). */
  get(id: string): Promise<{ name: string; data: unknown; lastFinishedAt?: Date; failReason?: string } | null>;
}

/** The JobQueue of an Agenda on the application's database. */
export function agendaJobQueue(agenda: Agenda, db: Db): JobQueue {
  const jobs = db.collection<{ _id: ObjectId; name: string; data?: unknown; lastFinishedAt?: Date; failReason?: string }>(JOBS_COLLECTION);
  return {
    async now(name, data) {
      const j = await agenda.now(name, data);
      return String(j.attrs._id);
    },
    async cancelWhere(filter) {
      const ids = (await jobs.find(filter, { projection: { _id: 1 } }).toArray()).map((d) => String(d._id));
      return ids.length === 0 ? 0 : agenda.cancel({ ids });
    },
    async get(id) {
      if (!ObjectId.isValid(id)) return null;
      const d = await jobs.findOne({ _id: new ObjectId(id) });
      return d ? { name: d.name, data: d.data, ...(d.lastFinishedAt ? { lastFinishedAt: d.lastFinishedAt } : {}), ...(d.failReason ? { failReason: d.failReason } : {}) } : null;
    },
  };
}

/** What every job handler receives: the services object. */
export type JobContext = Services;

export interface JobDefinition<T> {
  name: string;
  data: z.ZodType<T>;
  run(data: T, ctx: JobContext, job: Job<unknown>): Promise<void>;
  concurrency?: number;
  lockLifetimeMs?: number;
  /** Remove a one-off run once it succeeded (the deadline jobs: one per account and time). */
  removeOnComplete?: boolean;
}

/** Build a definition with its data type inferred from the schema. */
export function job<T>(def: JobDefinition<T>): JobDefinition<T> {
  return def;
}

export interface AgendaOptions {
  name: string;
  processEveryMs: number;
  maxConcurrency: number;
  /**
   * Jobs this worker holds locked at once, across all definitions (default:
   * LOCKS_PER_LANE × maxConcurrency). Never 0 (unlimited): Agenda 6 then keeps locking jobs it
   * cannot run yet, and on FerretDB two workers re-locked the same jobs forever
   * (0 of 200 run in 30 s; docs/jobs.md).
   */
  lockLimit?: number;
  /** Lock lifetime of a definition that sets none (default 10 minutes). */
  defaultLockLifetimeMs?: number;
}

export const DEFAULT_LOCK_LIFETIME_MS = 10 * 60_000;
/** Runs a worker may hold locked per run it can execute at once (its lanes). */
export const LOCKS_PER_LANE = 1;

export function createAgenda(db: Db, opts: AgendaOptions): Agenda {
  const lockLimit = opts.lockLimit ?? LOCKS_PER_LANE * opts.maxConcurrency;
  if (!Number.isInteger(lockLimit) || lockLimit < 1) throw new Error(`lockLimit must be a positive integer, got ${lockLimit}`);
  return new Agenda({
    backend: new MongoBackend({ mongo: db, collection: JOBS_COLLECTION }),
    name: opts.name,
    processEvery: opts.processEveryMs,
    maxConcurrency: opts.maxConcurrency,
    lockLimit,
    defaultLockLifetime: opts.defaultLockLifetimeMs ?? DEFAULT_LOCK_LIFETIME_MS,
  });
}

/**
 * The claim key of one run of a job. Repeating jobs are scheduled with cron
 * expressions, so every worker that runs the same slot computes the same next
 * run time; one-off jobs have none. failCount separates retries of one run.
 */
export function runKey(j: Job<unknown>): string {
  const next = j.attrs.nextRunAt ? j.attrs.nextRunAt.toISOString() : 'once';
  return `job:${j.attrs.name}:${String(j.attrs._id)}:${j.attrs.failCount ?? 0}:${next}`;
}

export function defineJobs(agenda: Agenda, defs: JobDefinition<unknown>[], ctx: JobContext): void {
  for (const def of defs) {
    agenda.define(
      def.name,
      async (j: Job<unknown>) => {
        const parsed = def.data.safeParse(j.attrs.data ?? {});
        if (!parsed.success) {
          // Bad data never becomes good by retrying: fail the job with a readable reason.
          throw new Error(`job ${def.name} has invalid data: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
        }
        if (!(await ctx.store.claims.take(runKey(j), ctx.worker, ctx.now()))) {
          ctx.logger.debug({ job: def.name, id: String(j.attrs._id) }, 'run already taken by another worker');
          return;
        }
        await def.run(parsed.data, ctx, j);
      },
      {
        concurrency: def.concurrency ?? 1,
        // Agenda refills a worker's queue once per processEvery: a few runs queued per lane keep the lanes
        // busy between scans, and leave the rest of a backlog to the other workers.
        lockLimit: LOCKS_PER_LANE * (def.concurrency ?? 1),
        lockLifetime: def.lockLifetimeMs ?? DEFAULT_LOCK_LIFETIME_MS,
        ...(def.removeOnComplete === true ? { removeOnComplete: true } : {}),
      },
    );
  }
}

// Planning: load an account from the store, ask the engine, and make the outbox
// agree with the decision — enqueue every due action (keyed by its idempotency
// key), cancel pending entries the decision no longer wants, and write down why
// in the audit trail. Safe to run any number of times, by several workers.
import type { Db } from 'mongodb';
import { auditChannelOf, channelOf, decide, describeAction, isCustomerFacing, keysToCancel, type Decision, type Policy } from '../engine/index.js';
import { OutboxEntries } from '../store/outbox-entries.js';
import { isEngineEntry, parsePayload, payloadFor } from './payload.js';
import { canonicalJson } from '../store/hash.js';
import type { ClaimDoc } from '../store/claims.js';
import { collections, type Store } from '../store/store.js';
import type { AuditEntryDoc, AuditInput, CustomerDoc, OrganisationDoc, OutboxEntryDoc } from '../store/types.js';
import { assembleAccount, defaultCollectorOf, type Assembled, type DoneAction } from './assemble.js';
import type { PolicySource } from './policy-source.js';
import { accountStates, bounces, type AccountStates, type Bounces } from './state.js';
import { errorText, Quarantine, type PlanStage, type QuarantineDoc } from './quarantine.js';

export interface PlannerOptions {
  /** Owner name for claims (the worker). */
  worker: string;
  /** The organisations' ladders (src/planning/policy-source.ts). */
  policies: PolicySource;
  /**
   * Called when an account's next evaluation time moved (a promise's grace end, a letter's response
   * deadline, an instalment, a snooze's end, tomorrow's sending hours): the worker schedules a one-off
   * job that re-plans the account then. A throw is ignored: the hourly plan-due pass covers it.
   */
  onNextEvaluation?: (e: { customerId: string; orgId: string; at: Date }) => Promise<void>;
}

export interface PlanResult {
  customerId: string;
  found: boolean;
  decision?: Decision;
  enqueued: string[];
  revived: string[];
  cancelled: string[];
  /** Pending entries a dispatcher was already sending when we wanted them cancelled. */
  cancelLost: string[];
  unreadableHistory: number;
  /** The next evaluation's one-off job could not be scheduled (plan-due covers it within the hour). */
  deadlineNotScheduled?: boolean;
  /** Planning this account failed: it is quarantined (src/planning/quarantine.ts) and the others went on. */
  failed?: { stage: PlanStage; error: string };
  /** This plan lifted the account's quarantine. */
  released?: boolean;
}

export interface LoadedAccount extends Assembled {
  customer: CustomerDoc;
  org: OrganisationDoc | null;
  entries: OutboxEntryDoc[];
}

const SYSTEM = { kind: 'system' as const, id: 'planner', name: 'Overdue planner' };

/** What makes a revived entry different from the failed one: everything but the timing. */
function sameAction(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const pa = parsePayload(a);
  const pb = parsePayload(b);
  if (!pa.ok || !pb.ok) return false;
  const strip = (p: typeof pa.payload.action): string => canonicalJson({ ...p, at: 0 });
  return strip(pa.payload.action) === strip(pb.payload.action);
}

/** What a planner needs from the services object (app/services.ts builds it; jobs and Slack hand it on). */
export interface PlanningDeps {
  store: Store;
  worker: string;
  policies: PolicySource;
  /** Schedule a re-plan of the account at its next evaluation time (the worker's Agenda); absent: plan-due covers it. */
  scheduleDeadline?: (customerId: string, at: Date) => Promise<void>;
}

/** The planner of a process: its policies and, on a worker, its deadline scheduler. */
export function plannerFor(deps: PlanningDeps): Planner {
  const schedule = deps.scheduleDeadline;
  return new Planner(deps.store, {
    worker: deps.worker,
    policies: deps.policies,
    ...(schedule ? { onNextEvaluation: ({ customerId, at }: { customerId: string; at: Date }) => schedule(customerId, at) } : {}),
  });
}

export class Planner {
  private readonly states: AccountStates;
  private readonly bounceList: Bounces;
  private readonly entries: OutboxEntries;
  private readonly db: Db;
  readonly quarantine: Quarantine;

  constructor(
    private readonly store: Store,
    private readonly opts: PlannerOptions,
  ) {
    this.db = store.db;
    this.states = accountStates(store.db);
    this.bounceList = bounces(store.db);
    this.quarantine = new Quarantine(store);
    this.entries = new OutboxEntries(store.db.collection<OutboxEntryDoc>(collections.outbox), store.claims, store.db.collection<ClaimDoc>(collections.claims));
  }

  /** The organisation's policy (its stored version, else the default ladder). */
  async policy(org: OrganisationDoc | null): Promise<Policy> {
    return (await this.opts.policies.forOrg(org?._id)).policy;
  }

  /** Everything the engine needs about one account, read from the store. */
  async load(customerId: string): Promise<LoadedAccount | null> {
    const customer = await this.store.customers.get(customerId);
    if (!customer) return null;
    const [org, invoices, payments, state, allEntries, sentAudit, hold] = await Promise.all([
      this.store.organisations.get(customer.orgId),
      this.store.invoices.listOpenForCustomer(customer.provider, customer.companyId, customer.externalId),
      this.store.payments.listForCustomer(customer.provider, customer.companyId, customer.externalId),
      this.states.get(customerId),
      this.store.outbox.listByCustomer(customerId),
      this.db
        .collection<AuditEntryDoc>(collections.audit)
        .find({ accountId: customerId, action: 'outbox.sent' }, { projection: { details: 1, at: 1 } })
        .toArray(),
      this.store.creditHolds.activeForCustomer(customerId),
    ]);
    // Write-backs and referral packets share the outbox but are not the ladder's: planning leaves them alone.
    const entries = allEntries.filter(isEngineEntry);
    const emails = [customer.email, ...customer.contacts.map((c) => c.email)].filter((e): e is string => e !== undefined && e !== '');
    const bounced = await this.bounceList.bouncedAmong(customer.orgId, emails);
    // Done = sent entries, plus sends the audit trail recorded for entries whose final write was lost.
    const byKey = new Map(entries.map((e) => [e._id, e]));
    const done: DoneAction[] = [];
    for (const e of entries) if (e.state === 'sent') done.push({ key: e._id, payload: e.payload, at: e.sentAt ?? e.updatedAt });
    for (const a of sentAudit) {
      const key = a.details?.['key'];
      const e = typeof key === 'string' ? byKey.get(key) : undefined;
      if (e && e.state !== 'sent') done.push({ key: e._id, payload: e.payload, at: a.at });
    }
    const defaultCollectorEmail = org ? defaultCollectorOf(org.settings) : undefined;
    const assembled = assembleAccount({ customer, orgTimeZone: org?.timeZone ?? 'UTC', ...(defaultCollectorEmail ? { defaultCollectorEmail } : {}), invoices, payments, state, bounced, done, onHoldSince: hold ? (hold.activeSince ?? hold.updatedAt) : undefined });
    return { ...assembled, customer, org, entries };
  }

  /**
   * Decide for one account and bring its outbox in line with the decision. Never throws because of the
   * account's data: a failure (load, decide or write) quarantines the account and is returned in `failed`;
   * a success lifts an earlier quarantine.
   */
  async plan(customerId: string, now: Date, known?: { quarantined: QuarantineDoc | null }): Promise<PlanResult> {
    const result: PlanResult = { customerId, found: false, enqueued: [], revived: [], cancelled: [], cancelLost: [], unreadableHistory: 0 };
    const stage: { at: PlanStage; customer: CustomerDoc | null } = { at: 'load', customer: null };
    try {
      await this.planUnguarded(customerId, now, result, stage);
      const q = known ? known.quarantined : await this.quarantine.get(customerId);
      if (q && result.found) result.released = await this.quarantine.release(q, now);
    } catch (err) {
      result.failed = { stage: stage.at, error: errorText(err) };
      await this.quarantineAfter(customerId, stage, err, now);
    }
    return result;
  }

  /** Set the account aside; a failure to record it (the database itself is down) is left for the next pass. */
  private async quarantineAfter(customerId: string, stage: { at: PlanStage; customer: CustomerDoc | null }, err: unknown, now: Date): Promise<void> {
    try {
      const customer = stage.customer ?? (await this.store.customers.get(customerId));
      if (!customer) return;
      await this.quarantine.record({ customerId, orgId: customer.orgId, accountName: customer.displayName, stage: stage.at, error: err, now });
    } catch {
      // Nothing more to do here: the account is planned again on the next pass, which records it then.
    }
  }

  private async planUnguarded(customerId: string, now: Date, result: PlanResult, stage: { at: PlanStage; customer: CustomerDoc | null }): Promise<void> {
    const loaded = await this.load(customerId);
    if (!loaded) return;
    const { customer, account, entries } = loaded;
    stage.customer = customer;
    result.found = true;
    result.unreadableHistory = loaded.unreadable.length;
    const policy = await this.policy(loaded.org);
    stage.at = 'decide';
    const decision = decide(account, policy, now);
    result.decision = decision;
    stage.at = 'write';
    const audit = (input: Omit<AuditInput, 'orgId' | 'accountId' | 'actor' | 'at'>): Promise<AuditEntryDoc> =>
      this.store.audit.append({ ...input, orgId: customer.orgId, accountId: customerId, actor: SYSTEM, at: now });

    const byKey = new Map(entries.map((e) => [e._id, e]));
    const previousContacts = account.history.filter((h) => isCustomerFacing(h.kind)).length;
    for (const action of decision.actions) {
      const payload = payloadFor(action, { accountName: account.name, explanation: decision.explanation, previousContacts });
      const dueAt = new Date(action.at);
      const existing = byKey.get(action.key);
      if (!existing) {
        const created = await this.store.outbox.enqueue(
          { _id: action.key, orgId: customer.orgId, customerId, channel: channelOf(action), kind: action.kind, payload, invoiceIds: [...action.invoiceIds], dueAt },
          now,
        );
        if (created) {
          result.enqueued.push(action.key);
          await audit({
            channel: auditChannelOf(action),
            action: 'outbox.enqueued',
            invoiceIds: [...action.invoiceIds],
            outcome: `planned for ${dueAt.toISOString()}: ${describeAction(action)}`,
            details: { key: action.key, level: action.levelId, explanation: decision.explanation },
          });
        }
        continue;
      }
      // Wanted again after a cancel (a pause ended, sending hours), or after a permanent failure with a new recipient.
      const reviveIt = existing.state === 'cancelled' || (existing.state === 'failed' && !sameAction(existing.payload, payload));
      if (reviveIt && (await this.entries.revive(existing, payload, dueAt, this.opts.worker, now)) === 'done') {
        result.revived.push(action.key);
        await audit({
          channel: auditChannelOf(action),
          action: 'outbox.revived',
          invoiceIds: [...action.invoiceIds],
          outcome: `planned again for ${dueAt.toISOString()}: ${describeAction(action)}`,
          details: { key: action.key, level: action.levelId, previousState: existing.state, previousReason: existing.cancelReason ?? existing.lastError ?? null },
        });
      } else if (existing.state === 'pending' && existing.nextAttemptAt.getTime() < now.getTime() - 5 * 60_000) {
        await this.entries.unstick(existing, now);
      }
    }

    const pending = entries.filter((e) => e.state === 'pending');
    const cancel = new Set(keysToCancel(decision, pending.map((e) => e._id)));
    for (const e of pending) {
      if (!cancel.has(e._id)) continue;
      const reason = `no longer wanted: ${decision.explanation}`;
      const outcome = await this.entries.cancelPending(e, reason, this.opts.worker, now);
      if (outcome === 'lost') result.cancelLost.push(e._id);
      if (outcome !== 'done') continue;
      result.cancelled.push(e._id);
      await audit({ channel: 'system', action: 'outbox.cancelled', invoiceIds: e.invoiceIds, outcome: reason, details: { key: e._id, by: 'planning', state: decision.state } });
    }

    const state = await this.states.get(customerId);
    if ((state?.levelId ?? 'current') !== decision.level.id) {
      await audit({
        channel: 'system',
        action: 'account.level',
        invoiceIds: [...decision.pastDue.invoiceIds],
        outcome: `level '${decision.level.name}' (${decision.state})`,
        details: { from: state?.levelId ?? 'current', to: decision.level.id, explanation: decision.explanation },
      });
    }
    const next = decision.nextEvaluationAt === null ? null : new Date(decision.nextEvaluationAt);
    await this.states.recordPlan(customerId, customer.orgId, { nextEvaluationAt: next, levelId: decision.level.id }, now);
    if (next !== null && next > now && this.opts.onNextEvaluation && state?.nextEvaluationAt?.getTime() !== next.getTime()) {
      await this.opts.onNextEvaluation({ customerId, orgId: customer.orgId, at: next }).catch(() => {
        result.deadlineNotScheduled = true;
      });
    }
  }

  /** Plan a list of accounts (e.g. those a sync changed), one after another; one account's failure quarantines it, the rest go on. */
  async planMany(customerIds: readonly string[], now: Date): Promise<PlanResult[]> {
    const out: PlanResult[] = [];
    for (const id of new Set(customerIds)) out.push(await this.plan(id, now));
    return out;
  }

  /** The organisation's quarantine, by customer id (read once per pass). */
  private async quarantinedOf(orgId: string): Promise<Map<string, QuarantineDoc>> {
    return new Map((await this.quarantine.listByOrg(orgId)).map((q) => [q._id, q]));
  }

  /** The daily pass: every active customer of the organisation, a page at a time (quarantined ones included: each pass retries them). */
  async planOrganisation(orgId: string, now: Date, pageSize = 200): Promise<PlanSummary> {
    const customers = this.db.collection<CustomerDoc>(collections.customers);
    const summary = emptySummary();
    const quarantined = await this.quarantinedOf(orgId);
    let after: string | null = null;
    for (;;) {
      const page: { _id: string }[] = await customers
        .find({ orgId, active: true, ...(after !== null ? { _id: { $gt: after } } : {}) }, { projection: { _id: 1 } })
        .sort({ _id: 1 })
        .limit(pageSize)
        .toArray();
      if (page.length === 0) break;
      for (const { _id } of page) addTo(summary, await this.plan(_id, now, { quarantined: quarantined.get(_id) ?? null }));
      after = page[page.length - 1]?._id ?? null;
      if (page.length < pageSize) break;
    }
    return summary;
  }

  /** Accounts whose next evaluation time has come (levels move with time, not only with data), and the quarantined ones (retried). */
  async planDue(orgId: string, now: Date, pageSize = 200): Promise<PlanSummary> {
    const summary = emptySummary();
    const quarantined = await this.quarantinedOf(orgId);
    const done = new Set<string>();
    let after: string | null = null;
    for (;;) {
      const ids = await this.states.dueForEvaluation(orgId, now, after, pageSize);
      if (ids.length === 0) break;
      for (const id of ids) {
        done.add(id);
        addTo(summary, await this.plan(id, now, { quarantined: quarantined.get(id) ?? null }));
      }
      after = ids[ids.length - 1] ?? null;
      if (ids.length < pageSize) break;
    }
    for (const q of quarantined.values()) if (!done.has(q._id)) addTo(summary, await this.plan(q._id, now, { quarantined: q }));
    return summary;
  }
}

export interface PlanSummary {
  accounts: number;
  enqueued: number;
  revived: number;
  cancelled: number;
  cancelLost: number;
  /** Accounts whose planning failed this pass (quarantined, or still quarantined); not counted in `accounts`. */
  failed: number;
  /** Quarantined accounts that planned again this pass. */
  released: number;
}

export function emptySummary(): PlanSummary {
  return { accounts: 0, enqueued: 0, revived: 0, cancelled: 0, cancelLost: 0, failed: 0, released: 0 };
}

/** Two summaries added up (several organisations, several passes). */
export function addSummaries(a: PlanSummary, b: PlanSummary): PlanSummary {
  return {
    accounts: a.accounts + b.accounts, enqueued: a.enqueued + b.enqueued, revived: a.revived + b.revived, cancelled: a.cancelled + b.cancelled,
    cancelLost: a.cancelLost + b.cancelLost, failed: a.failed + b.failed, released: a.released + b.released,
  };
}

function addTo(s: PlanSummary, r: PlanResult): void {
  if (r.failed) {
    s.failed++;
    return;
  }
  if (r.released) s.released++;
  if (!r.found) return;
  s.accounts++;
  s.enqueued += r.enqueued.length;
  s.revived += r.revived.length;
  s.cancelled += r.cancelled.length;
  s.cancelLost += r.cancelLost.length;
}

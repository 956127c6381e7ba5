// Planning: load an account from the store, ask the engine, and make the outbox
// agree with the decision — enqueue every due action (keyed by its idempotency
// key), cancel pending entries the decision no longer wants, and write down why
// in the audit trail. Safe to run any number of times, by several workers.
import type { Db } from 'mongodb';
import { auditChannelOf, channelOf, decide, describeAction, isCustomerFacing, keysToCancel, type CompiledPolicy, type Decision } from '../engine/index.js';
import { OutboxEntries } from '../store/outbox-entries.js';
import { isEngineEntry, parsePayload, payloadFor } from './payload.js';
import { canonicalJson } from '../store/hash.js';
import type { ClaimDoc } from '../store/claims.js';
import { collections, type Store } from '../store/store.js';
import { connectionId } from '../store/organisations.js';
import type { AuditEntryDoc, AuditInput, CustomerDoc, OrganisationDoc, OutboxEntryDoc } from '../store/types.js';
import { assembleAccount, defaultCollectorOf, type Assembled, type DoneAction } from './assemble.js';
import { policyForAccount, type PolicyChoice, type PolicySource } from './policy-source.js';
import { accountStates, bounces, type AccountStateDoc, type AccountStates, type Bounces } from './state.js';
import { OrgReader, type AccountInput } from './page.js';
import { errorText, Quarantine, type PlanStage, type QuarantineDoc } from './quarantine.js';
import { localDate } from '../domain/calendar.js';
import { AccountList } from './account-list.js';
import { AccountSummaries, rowChanged, summaryRowOf, type AccountSummaryRowDoc } from './summaries.js';
import { addCollected, collectedOf, OrgSnapshots, snapshotOf, windowStart } from './snapshots.js';

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
  /** The account state's planning fields were written (a pass skips an unchanged account). */
  stateWritten?: boolean;
  /** The account's console summary row as this plan computed it (src/planning/summaries.ts), and whether it was written (it changed). */
  summaryRow?: AccountSummaryRowDoc;
  summaryWritten?: boolean;
  /** The changed row could not be put into the console's list (src/planning/account-list.ts); the next daily pass rebuilds it. */
  listNotUpdated?: boolean;
}

export interface LoadedAccount extends Assembled {
  customer: CustomerDoc;
  org: OrganisationDoc | null;
  entries: OutboxEntryDoc[];
  state: AccountStateDoc | null;
}

/** What planning an organisation's accounts reads once: the organisation, its policy, its quarantine. */
interface OrgPlanning {
  org: OrganisationDoc | null;
  /** The organisation's current policy (an account with a custom ladder runs its own version instead). */
  policy: PolicyChoice;
  quarantined: ReadonlyMap<string, QuarantineDoc>;
  /** Its disconnected connections' ids: their accounts are not planned (read once per organisation, not per account). */
  disconnected: ReadonlySet<string>;
}

function emptyResult(customerId: string): PlanResult {
  return { customerId, found: false, enqueued: [], revived: [], cancelled: [], cancelLost: [], unreadableHistory: 0 };
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
  private readonly summaries: AccountSummaries;
  private readonly list: AccountList;
  readonly quarantine: Quarantine;

  constructor(
    private readonly store: Store,
    private readonly opts: PlannerOptions,
  ) {
    this.db = store.db;
    this.states = accountStates(store.db);
    this.bounceList = bounces(store.db);
    this.quarantine = new Quarantine(store);
    this.summaries = new AccountSummaries(store.db);
    this.list = new AccountList(store.db);
    this.entries = new OutboxEntries(store.db.collection<OutboxEntryDoc>(collections.outbox), store.claims, store.db.collection<ClaimDoc>(collections.claims));
  }

  /**
   * The policy an account runs: its custom ladder (its state's overrides.policyVersion, a stored version of its
   * organisation's policy) when set and valid, else its organisation's current one.
   */
  async accountPolicy(loaded: Pick<LoadedAccount, 'customer' | 'state'>): Promise<PolicyChoice & { custom: boolean }> {
    return policyForAccount(this.opts.policies, loaded.customer.orgId, loaded.state?.overrides?.policyVersion);
  }

  /** The policy to decide an account by, given its organisation's (already read): its custom ladder when it has one. */
  private async choiceFor(loaded: Pick<LoadedAccount, 'customer' | 'state'>, orgChoice: PolicyChoice): Promise<PolicyChoice> {
    return loaded.state?.overrides?.policyVersion === undefined ? orgChoice : this.accountPolicy(loaded);
  }

  /** One account's documents, read by equalities on its keys (the single-account path). */
  private async readOne(customerId: string): Promise<{ input: AccountInput; org: OrganisationDoc | null } | null> {
    const customer = await this.store.customers.get(customerId);
    if (!customer) return null;
    const [org, invoices, payments, state, entries, sentAudit, hold, undated, summary] = await Promise.all([
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
      this.store.invoices.listUndatedOpenForCustomer(customer.provider, customer.companyId, customer.externalId),
      this.summaries.get(customer.orgId, customerId),
    ]);
    const emails = [customer.email, ...customer.contacts.map((c) => c.email), ...(state?.contacts ?? []).map((c) => c.email)].filter((e): e is string => e !== undefined && e !== '');
    const bounced = await this.bounceList.bouncedAmong(customer.orgId, emails);
    return { input: { customer, invoices, payments, state, entries, sentAudit, hold, bounced, undated, summary }, org };
  }

  /** One account's documents, read by equalities on its keys and its `_id`s (the account page and the accounts API's one account). */
  readAccount(customerId: string): Promise<{ input: AccountInput; org: OrganisationDoc | null } | null> {
    return this.readOne(customerId);
  }

  /** From an account's documents to the engine's account (pure). */
  toLoaded(input: AccountInput, org: OrganisationDoc | null): LoadedAccount {
    const { customer, invoices, payments, state, sentAudit, hold, bounced } = input;
    // Write-backs and referral packets share the outbox but are not the ladder's: planning leaves them alone.
    const entries = input.entries.filter(isEngineEntry);
    // Done = sent entries, plus sends the audit trail recorded for entries whose final write was lost.
    const byKey = new Map(entries.map((e) => [e._id, e]));
    const done: DoneAction[] = [];
    for (const e of entries) if (e.state === 'sent') done.push({ key: e._id, payload: withStatedDeadline(e.payload, e.result), at: e.sentAt ?? e.updatedAt });
    for (const a of sentAudit) {
      const key = a.details?.['key'];
      const e = typeof key === 'string' ? byKey.get(key) : undefined;
      if (e && e.state !== 'sent') done.push({ key: e._id, payload: e.payload, at: a.at });
    }
    const defaultCollectorEmail = org ? defaultCollectorOf(org.settings) : undefined;
    const assembled = assembleAccount({ customer, orgTimeZone: org?.timeZone ?? 'UTC', ...(defaultCollectorEmail ? { defaultCollectorEmail } : {}), invoices, payments, state, bounced, done, onHoldSince: hold ? (hold.activeSince ?? hold.updatedAt) : undefined });
    return { ...assembled, customer, org, entries, state };
  }

  /** Everything the engine needs about one account, read from the store. */
  async load(customerId: string): Promise<LoadedAccount | null> {
    const read = await this.readOne(customerId);
    return read ? this.toLoaded(read.input, read.org) : null;
  }

  /**
   * What planning would decide for these accounts at `now`, written nowhere: the same read documents,
   * the same assembly and policy (a customer's custom ladder included), the same decide() (the accounts API; src/planning/account-view.ts).
   */
  async decisionsOf(inputs: readonly AccountInput[], org: OrganisationDoc | null, now: Date): Promise<{ loaded: LoadedAccount; policy: CompiledPolicy; decision: Decision }[]> {
    const orgChoice = await this.opts.policies.forOrg(org?._id);
    const out: { loaded: LoadedAccount; policy: CompiledPolicy; decision: Decision }[] = [];
    for (const input of inputs) {
      const loaded = this.toLoaded(input, org);
      // A customer on its own ladder is decided by it, as decideAndWrite does.
      const { compiled } = await this.choiceFor(loaded, orgChoice);
      out.push({ loaded, policy: compiled, decision: decide(loaded.account, compiled, now) });
    }
    return out;
  }

  /**
   * Decide for one account and bring its outbox in line with the decision. Never throws because of the
   * account's data: a failure (load, decide or write) quarantines the account and is returned in `failed`;
   * a success lifts an earlier quarantine. Records the planning bookkeeping even when nothing changed
   * (`lastPlannedAt`: an event-driven plan says "looked at after its change"); the passes do not.
   */
  async plan(customerId: string, now: Date): Promise<PlanResult> {
    return this.planById(customerId, null, now, { alwaysRecord: true });
  }

  /** One account read by its keys and planned, isolated (`org`: the organisation's planning, when the caller read it). */
  private async planById(customerId: string, known: OrgPlanning | null, now: Date, opts: { alwaysRecord: boolean }): Promise<PlanResult> {
    let read: { input: AccountInput; org: OrganisationDoc | null } | null;
    let org: OrgPlanning;
    try {
      read = await this.readOne(customerId);
      if (!read) return emptyResult(customerId);
      if (known) {
        org = known;
      } else {
        const q = await this.quarantine.get(customerId);
        const conn = await this.store.connections.get(connectionId(read.input.customer.provider, read.input.customer.companyId));
        org = { org: read.org, policy: await this.opts.policies.forOrg(read.org?._id), quarantined: new Map(q ? [[customerId, q]] : []), disconnected: new Set(conn?.status === 'disconnected' ? [conn._id] : []) };
      }
    } catch (err) {
      await this.quarantineAfter(customerId, null, 'load', err, now);
      return { ...emptyResult(customerId), failed: { stage: 'load', error: errorText(err) } };
    }
    const result = await this.planInput(read.input, org, now, opts);
    await this.putListRows([result], now);
    return result;
  }

  /** The changed rows of these results into the console's list (account-list.ts); a failure is left for the next daily pass. */
  private async putListRows(results: readonly PlanResult[], now: Date): Promise<void> {
    const changed = results.filter((r) => r.summaryWritten && r.summaryRow);
    if (changed.length === 0) return;
    try {
      await this.list.putRows(changed.flatMap((r) => (r.summaryRow ? [r.summaryRow] : [])), now);
    } catch {
      for (const r of changed) r.listNotUpdated = true;
    }
  }

  /** Set the account aside; a failure to record it (the database itself is down) is left for the next pass. */
  private async quarantineAfter(customerId: string, known: CustomerDoc | null, stage: PlanStage, err: unknown, now: Date): Promise<void> {
    try {
      const customer = known ?? (await this.store.customers.get(customerId));
      if (!customer) return;
      await this.quarantine.record({ customerId, orgId: customer.orgId, accountName: customer.displayName, stage, error: err, now });
    } catch {
      // Nothing more to do here: the account is planned again on the next pass, which records it then.
    }
  }

  /** Plan one account from its documents, isolated: a throw quarantines it, a success releases it. */
  private async planInput(input: AccountInput, org: OrgPlanning, now: Date, opts: { alwaysRecord: boolean }): Promise<PlanResult> {
    const customerId = input.customer._id;
    const result = emptyResult(customerId);
    // A disconnected company is not planned (its data is no longer kept fresh); a reconnect's first sync re-plans it.
    if (org.disconnected.has(connectionId(input.customer.provider, input.customer.companyId))) return result;
    const stage: { at: PlanStage } = { at: 'decide' };
    try {
      await this.decideAndWrite(input, org, now, result, stage, opts);
      const q = org.quarantined.get(customerId);
      if (q) result.released = await this.quarantine.release(q, now);
    } catch (err) {
      result.failed = { stage: stage.at, error: errorText(err) };
      await this.quarantineAfter(customerId, input.customer, stage.at, err, now);
    }
    return result;
  }

  private async decideAndWrite(input: AccountInput, org: OrgPlanning, now: Date, result: PlanResult, stage: { at: PlanStage }, opts: { alwaysRecord: boolean }): Promise<void> {
    const loaded = this.toLoaded(input, org.org);
    const { customer, account, state } = loaded;
    const customerId = customer._id;
    result.found = true;
    result.unreadableHistory = loaded.unreadable.length;
    const choice = await this.choiceFor(loaded, org.policy);
    const decision = decide(account, choice.compiled, now);
    result.decision = decision;
    stage.at = 'write';
    // The account's audit entries are appended together after its outbox writes (one insert: AuditTrail.appendMany),
    // in the order of the writes; entries of writes made before a later write throws are still appended.
    const auditInputs: AuditInput[] = [];
    const audit = (input: Omit<AuditInput, 'orgId' | 'accountId' | 'actor' | 'at'>): void => {
      auditInputs.push({ ...input, orgId: customer.orgId, accountId: customerId, actor: SYSTEM, at: now });
    };
    try {
      await this.writeOutbox(loaded, decision, choice, now, result, audit);
      if ((state?.levelId ?? 'current') !== decision.level.id) {
        audit({
          channel: 'system',
          action: 'account.level',
          invoiceIds: [...decision.pastDue.invoiceIds],
          outcome: `level '${decision.level.name}' (${decision.state})`,
          details: { from: state?.levelId ?? 'current', to: decision.level.id, explanation: decision.explanation, policy: choice.name, policyVersion: choice.version },
        });
      }
    } finally {
      await this.store.audit.appendMany(auditInputs);
    }
    const next = decision.nextEvaluationAt === null ? null : new Date(decision.nextEvaluationAt);
    // An unchanged account (same level, same next evaluation; its outbox already agreed) costs no write.
    const unchanged = state !== null && state.levelId === decision.level.id && (state.nextEvaluationAt?.getTime() ?? null) === (next?.getTime() ?? null);
    if (opts.alwaysRecord || !unchanged) {
      await this.states.recordPlan(customerId, customer.orgId, { nextEvaluationAt: next, levelId: decision.level.id }, now, { absent: state === null });
      result.stateWritten = true;
    }
    // The console's summary row, next to the decision it shows: written only when it changed.
    const row = summaryRowOf(
      { customer, account, state, invoices: input.invoices, undated: input.undated ?? [], decision, policy: choice.compiled },
      { orgToday: localDate(now, org.org?.timeZone ?? 'UTC'), onHold: input.hold !== null, now },
    );
    result.summaryRow = row;
    if (rowChanged(input.summary, row)) {
      await this.summaries.write(row);
      result.summaryWritten = true;
    }
    if (next !== null && next > now && this.opts.onNextEvaluation && state?.nextEvaluationAt?.getTime() !== next.getTime()) {
      await this.opts.onNextEvaluation({ customerId, orgId: customer.orgId, at: next }).catch(() => {
        result.deadlineNotScheduled = true;
      });
    }
  }

  /**
   * Bring the account's outbox in line with the decision: the new entries in one insert (each keyed by its
   * idempotency key: an existing key is left alone), then revivals and cancels one entry at a time (each
   * takes its claim). `audit` collects what to record, in order.
   */
  private async writeOutbox(
    loaded: LoadedAccount, decision: Decision, choice: PolicyChoice, now: Date, result: PlanResult,
    audit: (input: Omit<AuditInput, 'orgId' | 'accountId' | 'actor' | 'at'>) => void,
  ): Promise<void> {
    const { customer, account, entries } = loaded;
    const customerId = customer._id;
    const byKey = new Map(entries.map((e) => [e._id, e]));
    const previousContacts = account.history.filter((h) => isCustomerFacing(h.kind)).length;
    const planned = decision.actions.map((action) => ({
      action,
      payload: payloadFor(action, { accountName: account.name, explanation: decision.explanation, previousContacts }),
      dueAt: new Date(action.at),
    }));
    const fresh = planned.filter((p) => !byKey.has(p.action.key));
    const created = new Set(
      await this.store.outbox.enqueueMany(
        fresh.map(({ action, payload, dueAt }) => ({ _id: action.key, orgId: customer.orgId, customerId, channel: channelOf(action), kind: action.kind, payload, invoiceIds: [...action.invoiceIds], dueAt })),
        now,
      ),
    );
    for (const { action, payload, dueAt } of planned) {
      const existing = byKey.get(action.key);
      if (!existing) {
        if (!created.has(action.key)) continue;
        result.enqueued.push(action.key);
        audit({
          channel: auditChannelOf(action),
          action: 'outbox.enqueued',
          invoiceIds: [...action.invoiceIds],
          outcome: `planned for ${dueAt.toISOString()}: ${describeAction(action)}`,
          details: { key: action.key, level: action.levelId, explanation: decision.explanation, policy: choice.name, policyVersion: choice.version },
        });
        continue;
      }
      // Wanted again after a cancel (a pause ended, sending hours), or after a permanent failure with a new recipient.
      const reviveIt = existing.state === 'cancelled' || (existing.state === 'failed' && !sameAction(existing.payload, payload));
      if (reviveIt && (await this.entries.revive(existing, payload, dueAt, this.opts.worker, now)) === 'done') {
        result.revived.push(action.key);
        audit({
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
      // A stored policy is named by its version: "no longer wanted … (policy v3)" after a new version was saved.
      const reason = `no longer wanted: ${decision.explanation}${choice.version !== null ? ` (policy v${choice.version})` : ''}`;
      const outcome = await this.entries.cancelPending(e, reason, this.opts.worker, now);
      if (outcome === 'lost') result.cancelLost.push(e._id);
      if (outcome !== 'done') continue;
      result.cancelled.push(e._id);
      audit({
        channel: 'system', action: 'outbox.cancelled', invoiceIds: e.invoiceIds, outcome: reason,
        details: { key: e._id, by: 'planning', state: decision.state, policy: choice.name, policyVersion: choice.version },
      });
    }
  }

  /** The organisation, its policy and its quarantine: read once per pass (a failure here is the organisation's, not an account's). */
  private async orgPlanning(orgId: string): Promise<OrgPlanning> {
    const org = await this.store.organisations.get(orgId);
    const [policy, quarantined, connections] = await Promise.all([this.opts.policies.forOrg(org?._id), this.quarantine.listByOrg(orgId), this.store.connections.listByOrg(orgId)]);
    return { org, policy, quarantined: new Map(quarantined.map((q) => [q._id, q])), disconnected: new Set(connections.filter((c) => c.status === 'disconnected').map((c) => c._id)) };
  }

  /**
   * Plan accounts of one organisation from memory (src/planning/page.ts), a page at a time: the page's
   * `outbox.sent` audit entries (of the rare accounts that may have lost a send), then each account,
   * isolated. `onResult` sees every result.
   */
  private async planInputs(inputs: AccountInput[], org: OrgPlanning, now: Date, pageSize: number, opts: { alwaysRecord: boolean; rebuildsList?: boolean }, onResult: (r: PlanResult) => void): Promise<void> {
    const reader = new OrgReader(this.store);
    const changed: PlanResult[] = [];
    for (let i = 0; i < inputs.length; i += pageSize) {
      const page = inputs.slice(i, i + pageSize);
      const unreadable = await reader.addSentAudit(page);
      const results: PlanResult[] = [];
      // Accounts are independent (their own outbox keys, claims and audit chain): a few lanes overlap their writes.
      let next = 0;
      const lane = async (): Promise<void> => {
        for (let input = page[next++]; input !== undefined; input = page[next++]) {
          const err = unreadable.get(input.customer._id);
          if (err !== undefined) {
            onResult({ ...emptyResult(input.customer._id), failed: { stage: 'load', error: errorText(err) } });
            await this.quarantineAfter(input.customer._id, input.customer, 'load', err, now);
            continue;
          }
          const r = await this.planInput(input, org, now, opts);
          results.push(r);
          onResult(r);
        }
      };
      await Promise.all(Array.from({ length: Math.min(WRITE_LANES, page.length) }, lane));
      changed.push(...results.filter((r) => r.summaryWritten));
    }
    // The changed rows into the console's list, chunk by chunk, once at the end (a whole-organisation pass rebuilds it instead).
    if (!opts.rebuildsList) await this.putListRows(changed, now);
  }

  /**
   * Plan a list of accounts (e.g. those a sync changed); one account's failure quarantines it, the rest
   * go on. A few accounts are planned one by one; a long list is read by organisation (page.ts).
   */
  async planMany(customerIds: readonly string[], now: Date, pageSize = 200): Promise<PlanResult[]> {
    const ids = [...new Set(customerIds)];
    const byId = new Map<string, PlanResult>();
    const oneByOne = async (list: readonly string[]): Promise<void> => {
      for (const id of list) byId.set(id, await this.plan(id, now));
    };
    if (ids.length < MANY) {
      await oneByOne(ids);
    } else {
      const orgOf = new Map<string, string[]>();
      for (let i = 0; i < ids.length; i += MANY_CHUNK) {
        const chunk = ids.slice(i, i + MANY_CHUNK);
        const found = await this.db.collection<CustomerDoc>(collections.customers).find({ _id: { $in: chunk } }, { projection: { orgId: 1 } }).toArray();
        for (const c of found) orgOf.set(c.orgId, [...(orgOf.get(c.orgId) ?? []), c._id]);
      }
      for (const [orgId, list] of orgOf) {
        if (list.length < MANY) {
          await oneByOne(list);
          continue;
        }
        let org: OrgPlanning;
        let inputs: AccountInput[];
        try {
          org = await this.orgPlanning(orgId);
          inputs = await new OrgReader(this.store).accounts(orgId, new Set(list));
        } catch {
          await oneByOne(list); // the organisation's reads failed: each account on its own (and quarantined if it fails again)
          continue;
        }
        await this.planInputs(inputs, org, now, pageSize, { alwaysRecord: true }, (r) => byId.set(r.customerId, r));
      }
    }
    return ids.map((id) => byId.get(id) ?? emptyResult(id));
  }

  /**
   * The daily pass: every active customer of the organisation (quarantined ones included: each pass
   * retries them). The organisation's documents are read once (page.ts), the accounts planned a page
   * at a time; an unchanged account costs no write.
   */
  async planOrganisation(orgId: string, now: Date, pageSize = 200, opts: { snapshot?: boolean } = {}): Promise<PlanSummary> {
    const summary = emptySummary();
    const org = await this.orgPlanning(orgId);
    const inputs = await new OrgReader(this.store).accounts(orgId);
    const rows = new Map<string, AccountSummaryRowDoc>();
    await this.planInputs(inputs, org, now, pageSize, { alwaysRecord: false, rebuildsList: true }, (r) => {
      addTo(summary, r);
      if (r.summaryRow) rows.set(r.customerId, r.summaryRow);
    });
    // Every row (an account this pass could not plan keeps its stored one): the list, then the snapshot.
    const all = inputs.flatMap((i) => {
      const row = rows.get(i.customer._id) ?? i.summary;
      return row ? [row] : [];
    });
    await this.list.rebuild(orgId, all, now);
    if (opts.snapshot) await this.writeSnapshot(orgId, org, inputs, all, now);
    return summary;
  }

  /**
   * The organisation's daily snapshot (src/planning/snapshots.ts) from what the pass holds: the rows it just
   * computed (an account it could not plan keeps its stored row), the payments and sends it read; plus two
   * reads (approved referrals and write-offs, the invoices issued in the DSO window).
   */
  private async writeSnapshot(orgId: string, org: OrgPlanning, inputs: readonly AccountInput[], all: readonly AccountSummaryRowDoc[], now: Date): Promise<void> {
    const timeZone = org.org?.timeZone ?? 'UTC';
    const date = localDate(now, timeZone);
    const since = windowStart(date);
    const snapshots = new OrgSnapshots(this.db);
    const [outcomes, creditSales] = await Promise.all([snapshots.approvedOutcomes(orgId), snapshots.creditSalesSince(orgId, since)]);
    const collected = addCollected(inputs.map((i) => collectedOf(i.payments, i.entries, timeZone, since)));
    await snapshots.write(snapshotOf({ orgId, date, at: now, source: 'daily', rows: all, ...outcomes, creditSales, collected }));
  }

  /** Accounts whose next evaluation time has come (levels move with time, not only with data), and the quarantined ones (retried). */
  async planDue(orgId: string, now: Date, pageSize = 200): Promise<PlanSummary> {
    const summary = emptySummary();
    const org = await this.orgPlanning(orgId);
    const ids = new Set([...(await this.states.dueIds(orgId, now)), ...org.quarantined.keys()]);
    if (ids.size === 0) return summary;
    if (ids.size < MANY) {
      for (const id of [...ids].sort()) addTo(summary, await this.planById(id, org, now, { alwaysRecord: false }));
      return summary;
    }
    const inputs = await new OrgReader(this.store).accounts(orgId, ids);
    await this.planInputs(inputs, org, now, pageSize, { alwaysRecord: false }, (r) => addTo(summary, r));
    return summary;
  }
}

/** Below this many accounts (of one organisation), reading each account by its keys beats reading the organisation. */
const MANY = 25;
/** Accounts of a page planned at once (their writes overlap; each account's own steps stay in order). */
const WRITE_LANES = 8;
/** Customer ids per `_id: { $in }` read when planMany sorts a long list by organisation. */
const MANY_CHUNK = 500;

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

/**
 * A sent letter's payload with the deadline it stated (the dispatcher dates it at sending and records it in
 * the entry's result: src/outbox/email-channel.ts): the ladder waits for what the customer was told, not for a
 * date planned earlier or computed again.
 */
export function withStatedDeadline(payload: Record<string, unknown>, result: Record<string, unknown> | undefined): Record<string, unknown> {
  const stated = result?.['responseBy'];
  const action = payload['action'];
  if (typeof stated !== 'string' || typeof action !== 'object' || action === null || (action as { kind?: unknown }).kind !== 'letter') return payload;
  return { ...payload, action: { ...action, responseBy: stated } };
}

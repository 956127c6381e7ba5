// The dispatcher: claims due outbox entries, checks just before sending that
// they still make sense (invoices still open in the store — and, for customer
// email, at the platform when the last sync is stale; recipient not bounced),
// hands them to their channel, and records the outcome in the outbox and the
// audit trail. Any number of dispatchers may run at once: the claim of an
// entry's attempt (OutboxEntries.claim) gives it to exactly one of them. Due
// entries are found through the due queue (src/store/outbox-due.ts), whose scan
// costs the same however large the outbox grows.
import { actionWhat, alertsOnFailure, auditChannelOf, emailRouteOf, isCustomerFacing, OUTBOX_CHANNELS, nextSendingDay, nextSendingStart, sendingWindow, sentSentence, type CompiledPolicy, type SendingWindow } from '../engine/index.js';
import { nextRetryDelay, type RetryPolicy } from '../domain/retry.js';
import type { Logger } from '../logger.js';
import { DEFAULT_CHOICE, policyForAccount, type PolicySource } from '../planning/policy-source.js';
import { accountStates, bounces, type AccountStates, type Bounces } from '../planning/state.js';
import { accountTimeZone } from '../planning/overrides.js';
import type { ClaimDoc } from '../store/claims.js';
import { collections, type Store } from '../store/store.js';
import type { AuditInput, ConnectionDoc, CustomerDoc, InvoiceDoc, InvoiceStatus, OrganisationDoc, OutboxChannel, OutboxEntryDoc } from '../store/types.js';
import { outboxRetry, type Channel, type SendContext, type SendOutcome } from './channel.js';
import { storeAlert } from './alerts.js';
import { OutboxEntries, type FinishSet } from '../store/outbox-entries.js';
import { DueQueue } from '../store/outbox-due.js';
import { parsePayload, type Payload, type PayloadAction } from '../planning/payload.js';
import { localDay, minuteKey, nextMinute, rateSlotKey, slotsToTry } from './safety.js';
import { isHeld, ReconciliationRuns, type ReconciliationRunDoc } from '../ledger/runs.js';
import { nothingPastDueReason, referralWaitsUntil, statedDeadline } from './demand.js';
import { addDays, zonedInstant } from '../domain/calendar.js';
import { sentDocuments, type SentDocuments } from '../store/sent-documents.js';
import type { AccountStateDoc } from '../planning/state.js';

/** No PolicySource given: every organisation runs the default ladder. */
const DEFAULT_SOURCE: PolicySource = { forOrg: () => Promise.resolve(DEFAULT_CHOICE) };

export interface LiveBalance {
  balanceMinor: number;
  status: InvoiceStatus;
}

export interface FreshnessOptions {
  /**
   * The invoice as the accounting platform has it now (connectors provide this).
   * Optional: without it the store's copy is trusted. Null: the platform does not know it.
   * A throw counts as a transient failure (the entry is retried).
   */
  fetchLiveBalance?: (invoice: InvoiceDoc) => Promise<LiveBalance | null>;
  /** Ask the platform only when the connection's last sync is older than this. Default 15 minutes. */
  staleAfterMs?: number;
}

export interface DispatcherOptions {
  /** Owner of claims and leases. */
  worker: string;
  /** The channels this worker can carry out; entries of other channels are left for workers that have them. */
  channels: Partial<Record<OutboxChannel, Channel>>;
  now?: () => Date;
  /** How long a claimed entry is ours; past it another dispatcher may take it over. Default 2 minutes (well above the SMTP timeouts). */
  leaseMs?: number;
  /**
   * An entry is sent only while at least this much of its lease is left (default 45 s, above the 30 s SMTP
   * timeouts; at most half the lease); otherwise it is handed back to pending, so a send never outlives its lease.
   */
  sendMarginMs?: number;
  retry?: RetryPolicy;
  freshness?: FreshnessOptions;
  /** The organisations' ladders (their calendars give the sending hours checked at dispatch); the default ladder when absent. */
  policies?: PolicySource;
  /**
   * false: dry run everywhere (SEND_ENABLED=false). Otherwise a customer-facing entry is sent only
   * when its connection is live (`sendMode: 'live'`; missing means dry-run). Default true.
   */
  sendEnabled?: boolean;
  /** Caps on customer sends per minute (global and per company); none when absent. Dry runs are not counted. */
  rates?: SendRates;
  /** While an organisation is paused, its held entries are looked at again this often. Default 10 minutes. */
  pauseRecheckMs?: number;
  /** Entries handled in parallel by this dispatcher. Default 4. */
  concurrency?: number;
  /** Entries claimed per scan of the outbox. Default 2 × concurrency. */
  batchSize?: number;
  logger?: Logger;
}

export interface SendRates {
  perMinute: number;
  perCompanyPerMinute: number;
}

export interface DispatchStats {
  claimed: number;
  sent: number;
  cancelled: number;
  retried: number;
  failed: number;
  /** Addresses newly recorded as bouncing. */
  bounced: number;
  /** Sends whose final write found the lease gone (recorded in the audit trail all the same). */
  lostLease: number;
  /** Entries handed back unsent because too little of their lease was left. */
  handedBack: number;
  /** Customer-facing entries handed back for later: kill switch, send rate, sending hours, one email a day. */
  deferred: number;
  /** Accounts to plan again (an entry was cancelled or failed for good). */
  replan: string[];
}

const CACHE_MS = 5_000;

/** A reader that reuses what it read for an id during CACHE_MS (organisations and connections change rarely). */
function shortCache<T>(load: (id: string) => Promise<T>): (id: string) => Promise<T> {
  const seen = new Map<string, { at: number; value: T }>();
  return async (id) => {
    const hit = seen.get(id);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.value;
    const value = await load(id);
    seen.set(id, { at: Date.now(), value });
    return value;
  };
}

const ACTOR = { kind: 'system' as const, id: 'dispatcher', name: 'Overdue dispatcher' };

/** The audit channel of an entry: by its action's kind (an unreadable payload: the entry's kind and channel). */
function auditChannel(entry: OutboxEntryDoc, action: PayloadAction | null): AuditInput['channel'] {
  return auditChannelOf(action ?? { kind: entry.kind, via: emailRouteOf(entry.channel) });
}

function closedReason(inv: InvoiceDoc | null, id: string): string | null {
  if (!inv) return `invoice ${id} no longer exists`;
  if (inv.status === 'paid' || (inv.status === 'open' && inv.balanceMinor <= 0)) return `${inv.number} was paid`;
  if (inv.status !== 'open') return `${inv.number} was ${inv.status}`;
  return null;
}

/** Why a customer-facing entry waits: its organisation is paused, a rate cap, sending hours, another email today. */
type DeferReason = 'paused' | 'ledger-mismatch' | 'rate' | 'sending-hours' | 'one-email-a-day' | 'response-deadline';
interface Defer {
  kind: 'defer';
  why: DeferReason;
  until: Date;
  /** The entry is due at `until` from now on (a new minute or day), not just looked at again then. */
  moveDue: boolean;
  /** Audit text (null: no audit), and the claim that makes the audit happen once (absent: every time). */
  note: string | null;
  noteOnce?: string;
}

/** What the guards of `prepare` share about the entry being prepared (a guard may refresh `invoices`). */
interface Preparing {
  entry: OutboxEntryDoc;
  payload: Payload;
  now: Date;
  customer: CustomerDoc;
  org: OrganisationDoc | null;
  connection: ConnectionDoc | null;
  /** The customer's time zone. */
  tz: string;
  invoices: InvoiceDoc[];
  dryRun: boolean;
  /** The account's sending window, once the sending-hours guard read it. */
  window?: SendingWindow;
  /** The account's state (pauses, holidays, overrides), once read. */
  state?: AccountStateDoc | null;
}

/** One check before sending: null to go on, or the step that ends the preparation. */
type Guard = (p: Preparing) => Promise<Step | null>;

type Step = Defer | { kind: 'go'; ctx: SendContext } | { kind: 'already-sent'; by: string } | { kind: 'cancel'; reason: string; details: Record<string, unknown> } | { kind: 'retry'; error: string } | { kind: 'fail'; error: string };

export class Dispatcher {
  private readonly now: () => Date;
  private readonly leaseMs: number;
  private readonly retry: RetryPolicy;
  private readonly bounceList: Bounces;
  private readonly states: AccountStates;
  private readonly entries: OutboxEntries;
  private readonly due: DueQueue;
  private readonly documents: SentDocuments;
  private readonly sendMarginMs: number;
  private readonly channelNames: OutboxChannel[];
  /** Organisations and connections read in the last few seconds (the kill switch and send mode act within that). */
  private readonly orgs = shortCache<OrganisationDoc | null>((id) => this.store.organisations.get(id));
  private readonly connections = shortCache<ConnectionDoc | null>((id) => this.store.connections.get(id));
  /** The connections' last ledger reconciliation (its held accounts), by connection id. */
  private readonly reconciliations = shortCache<ReconciliationRunDoc | null>((id) => new ReconciliationRuns(this.store.db).get(id));
  /** Per rate scope: the minute and the first slot not yet seen taken in it. */
  private readonly rateHints = new Map<string, { minute: string; next: number }>();
  /** Entries this dispatcher's lanes hold: they stay pending in the database while worked on, so a scan finds them. */
  private readonly inFlight = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly opts: DispatcherOptions,
  ) {
    this.now = opts.now ?? (() => new Date());
    this.leaseMs = opts.leaseMs ?? 120_000;
    this.sendMarginMs = opts.sendMarginMs ?? Math.min(45_000, Math.floor(this.leaseMs / 2));
    this.retry = opts.retry ?? outboxRetry;
    this.bounceList = bounces(store.db);
    this.states = accountStates(store.db);
    this.documents = sentDocuments(store.db);
    this.channelNames = Object.entries(opts.channels).flatMap(([name, ch]) => (ch !== undefined && isChannelName(name) ? [name] : []));
    const outbox = store.db.collection<OutboxEntryDoc>(collections.outbox);
    this.entries = new OutboxEntries(outbox, store.claims, store.db.collection<ClaimDoc>(collections.claims));
    this.due = new DueQueue(store.db, outbox);
  }

  /** Work through due entries until none is left (or `maxEntries` were claimed, or the clock passed `stopAt`, epoch ms). */
  async runOnce(opts: { maxEntries?: number; stopAt?: number } = {}): Promise<DispatchStats> {
    const stats: DispatchStats = { claimed: 0, sent: 0, cancelled: 0, retried: 0, failed: 0, bounced: 0, lostLease: 0, handedBack: 0, deferred: 0, replan: [] };
    const replan = new Set<string>();
    const max = opts.maxEntries ?? Number.POSITIVE_INFINITY;
    const lanes = Math.max(1, this.opts.concurrency ?? 4);
    // Entries that came due since the last run (retries, deferrals, new ones) get their pointer: once per run.
    await this.due.promote(this.now());
    while (stats.claimed < max && (opts.stopAt === undefined || Date.now() < opts.stopAt)) {
      // One scan finds a batch; each entry is claimed (and its lease starts) only when a lane takes it up,
      // so an entry never waits out its lease behind the others of its batch.
      const found = await this.due.next(this.opts.worker, this.now(), Math.min(this.opts.batchSize ?? lanes * 2, max - stats.claimed), this.channelNames);
      const batch = found.entries;
      if (batch.length === 0) {
        if (found.dropped > 0) continue; // only stale pointers this time: look again
        break;
      }
      // Spread each account's entries over the lanes' turns: appends to one account's audit chain contend.
      interleaveByCustomer(batch);
      let next = 0;
      let claimedNow = 0;
      const lane = async (): Promise<void> => {
        for (let c = batch[next++]; c !== undefined && stats.claimed < max; c = batch[next++]) {
          if (this.inFlight.has(c._id)) continue;
          this.inFlight.add(c._id);
          try {
            const e = await this.entries.claim(c, this.opts.worker, this.now(), this.leaseMs);
            if (!e) continue; // another worker has it
            stats.claimed++;
            claimedNow++;
            await this.handle(e, stats, replan);
          } finally {
            this.inFlight.delete(c._id);
          }
        }
      };
      await Promise.all(Array.from({ length: lanes }, lane));
      // Everything found was someone else's (or held by a claim still within its lease): look again next run.
      if (claimedNow === 0) break;
    }
    stats.replan = [...replan];
    return stats;
  }

  /**
   * Record the outcome of a claimed attempt (OutboxEntries.finish); an entry that is no longer due now
   * (sent, cancelled, failed, or moved to a later time) leaves the due queue.
   */
  private async finish(entry: OutboxEntryDoc, set: FinishSet, now: Date): Promise<boolean> {
    const done = await this.entries.finish(entry, set, now);
    const dueAgain = (set.state ?? 'pending') === 'pending' && (set.nextAttemptAt ?? entry.nextAttemptAt).getTime() <= now.getTime();
    if (done && !dueAgain) await this.due.drop(entry._id);
    return done;
  }

  /** Whether enough of the entry's lease is left to send it: more than the channel's worst case (the SMTP timeouts). */
  private leaseLeft(entry: OutboxEntryDoc): boolean {
    const until = entry.lockedUntil?.getTime();
    return until !== undefined && until - this.now().getTime() >= this.sendMarginMs;
  }

  /** Take a free send slot of `scope` in the current minute (a claim per slot), or false when all `cap` are taken. */
  private async takeRateSlot(scope: string, cap: number, now: Date): Promise<boolean> {
    const minute = minuteKey(now.getTime());
    const hint = this.rateHints.get(scope);
    for (const n of slotsToTry(hint?.minute === minute ? hint.next : 0, cap)) {
      if (await this.store.claims.take(rateSlotKey(scope, now.getTime(), n), this.opts.worker, now)) {
        this.rateHints.set(scope, { minute, next: n + 1 });
        return true;
      }
    }
    this.rateHints.set(scope, { minute, next: cap });
    return false;
  }

  /**
   * The checks an entry passes, in order, just before its channel gets it. Each guard answers
   * `null` (go on) or the step that ends the preparation (cancel, defer, retry). Customer-facing
   * entries (src/engine/action-kinds.ts) pass the outbound-safety guards too.
   */
  private guardsFor(kind: PayloadAction['kind']): Guard[] {
    const always = [this.invoicesStillOpen, this.referralStillOwed, this.referralAfterDeadline];
    if (!isCustomerFacing(kind)) return always;
    return [...always, this.notPaused, this.ledgerAgrees, this.inSendingHours, this.stillOpenAtPlatform, this.somethingPastDue, this.recipientNotBounced, this.underSendRate, this.oneEmailADay];
  }

  private async prepare(entry: OutboxEntryDoc, payload: Payload, now: Date): Promise<Step> {
    const customer = await this.store.customers.get(entry.customerId);
    if (!customer) return { kind: 'cancel', reason: 'the customer no longer exists', details: {} };
    const org = await this.orgs(entry.orgId);
    // The connection's send mode and last sync matter to customer email only.
    const connection = isCustomerFacing(payload.action.kind) ? await this.connections(customer.connectionId) : null;
    // The customer's zone, the engine's rule (contact, override, ledger, billing address, organisation): sending hours apply in it.
    const state = isCustomerFacing(payload.action.kind) ? await this.states.get(customer._id) : undefined;
    const tz = accountTimeZone(customer, state ?? null, org?.timeZone ?? 'UTC').timeZone;
    // The state read here is the one the guards use (stateOf): one read per preparation.
    const p: Preparing = { entry, payload, now, customer, org, connection, tz, invoices: [], dryRun: this.dryRunOf(payload.action, connection), ...(state !== undefined ? { state } : {}) };
    for (const guard of this.guardsFor(payload.action.kind)) {
      const stop = await guard(p);
      if (stop) return stop;
    }
    const { action, accountName, previousContacts } = payload;
    // A letter states the deadline dated here, by the one rule (src/domain/deadline.ts), from the day it is sent.
    const responseBy = action.kind === 'letter' ? statedDeadline(action, localDay(now.getTime(), tz), (p.window ?? (await this.windowOf(p))).calendar) : undefined;
    return { kind: 'go', ctx: { entry, action, accountName, customer, org, invoices: p.invoices, now, previousContacts, dryRun: p.dryRun, timeZone: tz, ...(responseBy !== undefined ? { responseBy } : {}) } };
  }

  /**
   * Dry run, decided here and nowhere else (channels obey SendContext.dryRun): with SEND_ENABLED off
   * nothing leaves by email; customer email also waits for its connection to be live.
   */
  private dryRunOf(action: PayloadAction, connection: ConnectionDoc | null): boolean {
    if (isCustomerFacing(action.kind)) return this.opts.sendEnabled === false || connection?.sendMode !== 'live';
    return action.kind === 'agencyPacket' && this.opts.sendEnabled === false;
  }

  /** The entry's invoices are all still open in the store (they become the context's invoices). */
  private readonly invoicesStillOpen: Guard = async (p) => {
    const ids = p.entry.invoiceIds;
    const invoices = await Promise.all(ids.map((id) => this.store.invoices.get(id)));
    const closed = ids.map((id, i) => closedReason(invoices[i] ?? null, id)).filter((r): r is string => r !== null);
    if (closed.length > 0) return { kind: 'cancel', reason: `${closed.join('; ')} before sending`, details: { source: 'store' } };
    p.invoices = invoices.filter((i): i is InvoiceDoc => i !== null);
    return null;
  };

  /**
   * A credit-hold write-back goes out whatever the invoices did (it records a person's decision). A referral
   * packet is pointless once the account is paid in full: cancelled (and audited) then.
   */
  private readonly referralStillOwed: Guard = async (p) => {
    if (p.payload.action.kind !== 'agencyPacket') return null;
    const c = p.customer;
    const owing = (await this.store.invoices.listOpenForCustomer(c.provider, c.companyId, c.externalId)).filter((i) => i.status === 'open' && i.balanceMinor > 0);
    if (owing.length === 0) return { kind: 'cancel', reason: 'the account was paid in full before the referral packet went to the agency', details: { source: 'store' } };
    p.invoices.push(...owing);
    return null;
  };

  /**
   * The referral never precedes the deadline: while the response deadline the last final demand stated (as
   * stored with the sent letter) has not passed in the customer's zone, the packet waits, pending, until the
   * day after it (noted once).
   */
  private readonly referralAfterDeadline: Guard = async (p) => {
    if (p.payload.action.kind !== 'agencyPacket') return null;
    const until = referralWaitsUntil(await this.documents.listSent(p.customer._id), localDay(p.now.getTime(), p.tz));
    if (until === null) return null;
    return {
      kind: 'defer',
      why: 'response-deadline',
      until: new Date(zonedInstant(until, '00:00', p.tz)),
      moveDue: true,
      note: `referral held: the final demand's response deadline (${addDays(until, -1)}, as stated in the letter) has not passed; the packet goes on ${until}`,
      noteOnce: `referral-deadline-noted:${p.entry._id}:${until}`,
    };
  };

  /** The kill switch: nothing customer-facing leaves a paused organisation; the entry waits, pending. */
  private readonly notPaused: Guard = async (p) => {
    const outbound = p.org?.outbound;
    if (outbound?.paused !== true) return null;
    const by = outbound.pausedBy !== undefined ? ` by ${outbound.pausedBy}` : '';
    return {
      kind: 'defer',
      why: 'paused',
      until: new Date(p.now.getTime() + (this.opts.pauseRecheckMs ?? 10 * 60_000)),
      moveDue: false,
      note: `held: outbound paused for ${p.org?.name ?? p.entry.orgId}${by}${outbound.reason !== undefined ? ` (${outbound.reason})` : ''}`,
      noteOnce: `paused-noted:${p.entry.orgId}:${outbound.pausedAt?.getTime() ?? 0}:${p.entry.customerId}`,
    };
  };

  /**
   * The ledger's own report agrees with Overdue's balance of this account: while the connection's last
   * reconciliation holds the account (a difference that persisted after a re-sync, src/ledger/runs.ts), its
   * customer-facing entries wait, pending (a wrong balance must not be demanded); noted once per run.
   */
  private readonly ledgerAgrees: Guard = async (p) => {
    const run = await this.reconciliations(p.customer.connectionId);
    if (run === null || !isHeld(run, p.customer._id)) return null;
    return {
      kind: 'defer',
      why: 'ledger-mismatch',
      until: new Date(p.now.getTime() + (this.opts.pauseRecheckMs ?? 10 * 60_000)),
      moveDue: false,
      note: `held: ${run.companyName}'s own report (${run.asOf}) disagrees with Overdue's balance of this account; sends wait until a reconciliation finds it exact`,
      noteOnce: `ledger-held-noted:${run._id}:${run.at.getTime()}:${p.customer._id}`,
    };
  };

  /** The account's ladder (its custom ladder, else its organisation's), whose calendar gives the sending hours checked here. */
  private async policyOf(orgId: string, policyVersion: number | undefined): Promise<CompiledPolicy> {
    return (await policyForAccount(this.opts.policies ?? DEFAULT_SOURCE, orgId, policyVersion)).compiled;
  }

  /** The engine's sending window for this account: the policy's calendar and hours, the account's own holidays added. */
  private async windowOf(p: Preparing): Promise<SendingWindow> {
    const state = await this.stateOf(p);
    return sendingWindow(await this.policyOf(p.entry.orgId, state?.overrides?.policyVersion), state?.holidays ?? []);
  }

  /** The account's state, read once per preparation. */
  private async stateOf(p: Preparing): Promise<AccountStateDoc | null> {
    if (p.state === undefined) p.state = await this.states.get(p.customer._id);
    return p.state;
  }

  /**
   * No empty demand: a customer email or letter of a past-due level goes out only while something of its
   * invoices is past due today, with the balances just read (live when the sync was stale); otherwise the
   * entry is cancelled, audited. A level before the due date (the courtesy reminder) is about invoices not
   * yet due, and is left alone.
   */
  private readonly somethingPastDue: Guard = async (p) => {
    const a = p.payload.action;
    if (a.kind !== 'email' && a.kind !== 'letter') return null;
    const state = await this.stateOf(p);
    const level = (await this.policyOf(p.entry.orgId, state?.overrides?.policyVersion)).levelById.get(a.levelId);
    if (level?.preDue === true) return null;
    const reason = nothingPastDueReason(p.invoices, state, localDay(p.now.getTime(), p.tz), p.now);
    return reason === null ? null : { kind: 'cancel', reason, details: { source: 'dispatch', rule: 'no-empty-demand' } };
  };

  /** Sending hours on a business day in the customer's zone (a retry or a late pick-up can drift past them). */
  private readonly inSendingHours: Guard = async (p) => {
    p.window = await this.windowOf(p);
    const start = nextSendingStart(p.now.getTime(), p.tz, p.window);
    if (start === null) return null;
    return { kind: 'defer', why: 'sending-hours', until: new Date(start), moveDue: true, note: `outside sending hours in ${p.tz}: moved to ${new Date(start).toISOString()}` };
  };

  /** When the last sync is stale, each invoice is still open at the platform (its live balance is used). */
  private readonly stillOpenAtPlatform: Guard = async (p) => {
    const live = this.opts.freshness?.fetchLiveBalance;
    if (!live) return null;
    const staleAfter = this.opts.freshness?.staleAfterMs ?? 15 * 60_000;
    const lastSync = p.connection?.lastSyncAt?.getTime();
    if (lastSync !== undefined && p.now.getTime() - lastSync <= staleAfter) return null;
    for (const [i, inv] of p.invoices.entries()) {
      let got: LiveBalance | null;
      try {
        got = await live(inv);
      } catch (err) {
        return { kind: 'retry', error: `live balance of ${inv.number}: ${err instanceof Error ? err.message : String(err)}` };
      }
      if (!got) continue;
      if (got.status !== 'open' || got.balanceMinor <= 0) {
        return {
          kind: 'cancel',
          reason: `${inv.number} was ${got.status === 'open' ? 'paid' : got.status} at ${p.customer.provider} before sending (checked live: last sync ${lastSync === undefined ? 'never' : new Date(lastSync).toISOString()})`,
          details: { source: 'live', provider: p.customer.provider },
        };
      }
      p.invoices[i] = { ...inv, balanceMinor: got.balanceMinor };
    }
    return null;
  };

  /** The recipient's address has not bounced since planning. */
  private readonly recipientNotBounced: Guard = async (p) => {
    const action = p.payload.action;
    if (action.kind !== 'email' && action.kind !== 'letter') return null;
    const to = action.to.email;
    if (to === undefined || (await this.bounceList.bouncedAmong(p.entry.orgId, [to])).size === 0) return null;
    return { kind: 'cancel', reason: `${action.to.name}'s address ${to} bounced since planning`, details: { bounced: to } };
  };

  /** Send rates: the company's cap, then the global one (dry runs send nothing and count for nothing). */
  private readonly underSendRate: Guard = async (p) => {
    const rates = this.opts.rates;
    if (p.dryRun || !rates) return null;
    const now = p.now;
    if ((await this.takeRateSlot(`co:${p.customer.connectionId}`, rates.perCompanyPerMinute, now)) && (await this.takeRateSlot('global', rates.perMinute, now))) return null;
    return { kind: 'defer', why: 'rate', until: new Date(nextMinute(now.getTime())), moveDue: true, note: null };
  };

  /** At most one customer email per account per local day, whatever two plans decided. */
  private readonly oneEmailADay: Guard = async (p) => {
    const day = localDay(p.now.getTime(), p.tz);
    const dayKey = `email-day:${p.customer._id}:${day}`;
    if (await this.store.claims.take(dayKey, p.entry._id, p.now)) return null;
    const holder = await this.store.claims.holder(dayKey);
    if (holder === p.entry._id) return null;
    const until = nextSendingDay(p.now.getTime(), p.tz, p.window ?? (await this.windowOf(p)));
    return { kind: 'defer', why: 'one-email-a-day', until: new Date(until), moveDue: true, note: `another customer email went to this account on ${day} (${holder ?? 'unknown'}): moved to ${new Date(until).toISOString()}` };
  };

  /** A bounce or a failure for good of a customer-facing entry: one alert task for the account's collector (src/outbox/alerts.ts). */
  private async alertPeople(entry: OutboxEntryDoc, payload: Payload | null, error: string, bounced: string[], failed: boolean, now: Date): Promise<void> {
    const action = payload?.action;
    if (!action || !alertsOnFailure(action.kind)) return;
    const w = alertWhat(action);
    await storeAlert(this.store.db, {
      orgId: entry.orgId, customerId: entry.customerId, accountName: payload.accountName, invoiceIds: entry.invoiceIds, now,
      details: { outboxKey: entry._id, channel: entry.channel, what: w.what, to: w.to, error, bounced, failed, levelName: w.levelName },
    });
  }

  private async handle(entry: OutboxEntryDoc, stats: DispatchStats, replan: Set<string>): Promise<void> {
    const now = this.now();
    const parsed = parsePayload(entry.payload);
    const action = parsed.ok ? parsed.payload.action : null;
    const audit = (input: Omit<AuditInput, 'orgId' | 'accountId' | 'actor' | 'at' | 'channel' | 'invoiceIds'>): Promise<unknown> =>
      this.store.audit.append({ ...input, channel: auditChannel(entry, action), invoiceIds: entry.invoiceIds, orgId: entry.orgId, accountId: entry.customerId, actor: ACTOR, at: now });

    let step: Step;
    // A retry or a takeover: a worker may have sent it and died before recording it (see the marker below).
    const sentBy = entry.attempts > 1 ? await this.store.claims.holder(sentMarker(entry._id)) : null;
    if (sentBy !== null) step = { kind: 'already-sent', by: sentBy };
    else if (!parsed.ok) step = { kind: 'fail', error: `unreadable payload: ${parsed.problem}` };
    else {
      try {
        step = await this.prepare(entry, parsed.payload, now);
      } catch (err) {
        step = { kind: 'retry', error: err instanceof Error ? err.message : String(err) };
      }
    }

    let outcome: SendOutcome;
    if (step.kind === 'defer') {
      const deferred = { state: 'pending' as const, nextAttemptAt: step.until, ...(step.moveDue ? { dueAt: step.until } : {}), deferrals: (entry.deferrals ?? 0) + 1, deferredFor: step.why };
      if (await this.finish(entry, deferred, now)) {
        stats.deferred++;
        const once = step.noteOnce === undefined || (await this.store.claims.take(step.noteOnce, this.opts.worker, now));
        if (step.note !== null && once) {
          await audit({ action: 'outbox.deferred', outcome: step.note, details: { key: entry._id, why: step.why, until: step.until.toISOString() } });
          this.opts.logger?.info({ key: entry._id, why: step.why, until: step.until }, step.note);
        }
      }
      return;
    } else if (step.kind === 'cancel') {
      if (await this.finish(entry, { state: 'cancelled', cancelReason: step.reason }, now)) {
        stats.cancelled++;
        replan.add(entry.customerId);
        await audit({ action: 'outbox.cancelled', outcome: step.reason, details: { key: entry._id, by: 'dispatcher', ...step.details } });
      }
      return;
    } else if (step.kind === 'already-sent') {
      outcome = { ok: true, result: { recovered: true, sentBy: step.by }, rejected: [] };
    } else if (step.kind === 'fail') {
      outcome = { ok: false, permanent: true, error: step.error, rejected: [] };
    } else if (step.kind === 'retry') {
      outcome = { ok: false, permanent: false, error: step.error, rejected: [] };
    } else if (!this.leaseLeft(entry)) {
      // Claimed in a batch that took long: the lease could run out mid-send and another dispatcher would
      // take the entry over and send it again. Hand it back instead; it is claimed afresh right away.
      if (await this.finish(entry, { state: 'pending', nextAttemptAt: now, lastError: 'lease too short to send safely: handed back' }, now)) stats.handedBack++;
      return;
    } else {
      const channel = this.opts.channels[entry.channel];
      if (!channel) outcome = { ok: false, permanent: false, error: `no '${entry.channel}' channel in this worker`, rejected: [] }; // not claimed in the first place
      else {
        try {
          outcome = await channel.send(step.ctx);
        } catch (err) {
          outcome = { ok: false, permanent: false, error: err instanceof Error ? err.message : String(err), rejected: [] };
        }
        // The first thing after the SMTP server's accept: one fast insert, so that a worker dying from here
        // on cannot cause a second send (the slower outbox update and audit append come after).
        if (outcome.ok) await this.store.claims.take(sentMarker(entry._id), this.opts.worker, now);
      }
    }

    const bouncedNow: string[] = [];
    for (const address of outcome.rejected) {
      const recorded = await this.bounceList.record({ orgId: entry.orgId, email: address, customerId: entry.customerId, reason: outcome.ok ? 'recipient refused' : outcome.error, outboxKey: entry._id, at: now });
      if (!recorded) continue;
      bouncedNow.push(address);
      stats.bounced++;
      replan.add(entry.customerId);
      await audit({ action: 'contact.bounced', outcome: `${address} refused: ${outcome.ok ? 'recipient refused' : outcome.error}`, details: { key: entry._id, email: address } });
    }

    if (outcome.ok) {
      const done = await this.finish(entry, { state: 'sent', sentAt: now, result: outcome.result, unset: ['lastError'] }, now);
      if (done) stats.sent++;
      else stats.lostLease++;
      const dry = outcome.result['dryRun'] === true && action !== null && isCustomerFacing(action.kind);
      // A letter's sentence names the deadline it stated (dated at sending), not the one planned.
      const stated = outcome.result['responseBy'];
      const said = action?.kind === 'letter' && typeof stated === 'string' ? { ...action, responseBy: stated } : action;
      const text = said ? sentSentence(said, { result: outcome.result }) : 'sent';
      await audit({ action: 'outbox.sent', outcome: dry ? `dry run: not sent: ${text.replace(/ sent /, ' ')}` : text, details: { key: entry._id, channel: entry.channel, attempt: entry.attempts, ...outcome.result, leaseLost: !done } });
      // The documents the channel stored before sending are the record of what went out: marked sent, each audited with its hash.
      for (const d of await this.documents.markSent(entry._id, now)) {
        await audit({
          action: 'document.sent',
          outcome: `${d.filename} sent (${d.byteLength} bytes, sha256 ${d.sha256})${d.deadline !== undefined ? `, stating the response deadline ${d.deadline}` : ''}`,
          details: { key: entry._id, documentId: d._id, sha256: d.sha256, filename: d.filename, kind: d.kind, byteLength: d.byteLength, ...(d.deadline !== undefined ? { deadline: d.deadline } : {}) },
        });
      }
      if (bouncedNow.length > 0) await this.alertPeople(entry, parsed.ok ? parsed.payload : null, 'recipient refused', bouncedNow, false, now);
      return;
    }
    // Deferrals used claim numbers too, but were not failed attempts.
    const delay = outcome.permanent ? null : nextRetryDelay(entry.attempts - (entry.deferrals ?? 0), this.retry);
    const retryAt = delay === null ? null : new Date(now.getTime() + delay);
    await this.finish(entry, retryAt ? { state: 'pending', nextAttemptAt: retryAt, lastError: outcome.error } : { state: 'failed', lastError: outcome.error }, now);
    if (retryAt) {
      stats.retried++;
      await audit({ action: 'outbox.retry', outcome: `attempt ${entry.attempts} failed: ${outcome.error}; next attempt ${retryAt.toISOString()}`, details: { key: entry._id, attempt: entry.attempts } });
      if (bouncedNow.length > 0) await this.alertPeople(entry, parsed.ok ? parsed.payload : null, outcome.error, bouncedNow, false, now);
    } else {
      stats.failed++;
      replan.add(entry.customerId);
      await audit({ action: 'outbox.failed', outcome: `${outcome.permanent ? 'permanent failure' : `gave up after ${entry.attempts} attempts`}: ${outcome.error}`, details: { key: entry._id, attempt: entry.attempts } });
      await this.alertPeople(entry, parsed.ok ? parsed.payload : null, outcome.error, bouncedNow, true, now);
    }
    this.opts.logger?.warn({ key: entry._id, error: outcome.error, retryAt }, 'outbox entry not sent');
  }
}

/** What an entry was, in words, and to whom (for the alert people see in Slack). */
function alertWhat(a: PayloadAction): { what: string; to: string | null; levelName: string | null } {
  const what = actionWhat(a);
  return a.kind === 'email' || a.kind === 'letter' ? { what, to: `${a.to.name} <${a.to.email ?? 'no address'}>`, levelName: a.levelName } : { what, to: null, levelName: null };
}

/** The claim written the moment an entry's message was accepted. */
export function sentMarker(key: string): string {
  return `sent:${key}`;
}

function interleaveByCustomer(batch: OutboxEntryDoc[]): void {
  const groups = new Map<string, OutboxEntryDoc[]>();
  for (const e of batch) {
    const g = groups.get(e.customerId);
    if (g) g.push(e);
    else groups.set(e.customerId, [e]);
  }
  if (groups.size === batch.length) return;
  const lists = [...groups.values()];
  const total = batch.length;
  batch.length = 0;
  for (let round = 0; batch.length < total; round++) {
    for (const l of lists) {
      const e = l[round];
      if (e) batch.push(e);
    }
  }
}

function isChannelName(s: string): s is OutboxChannel {
  return OUTBOX_CHANNELS.some((c) => c === s);
}

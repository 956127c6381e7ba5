// What every Slack service needs: the store, a Web API client pointed at the
// configured Slack API URL, the clock, the organisations' policies, the planner
// (to re-plan an account after a person acts on it) and the Slack-side repositories.
import { webApi } from '@slack/bolt';
import type { Collection } from 'mongodb';
import type { Logger } from '../../src/logger.js';
import type { LiveBalance } from '../../src/outbox/dispatcher.js';
import type { TaskDoc } from '../../src/outbox/task-channel.js';
import type { PolicySource } from '../../src/planning/policy-source.js';
import { accountStates, type AccountStates } from '../../src/planning/state.js';
import { isDuplicateKey } from '../../src/store/mongo-errors.js';
import { collections, type Store } from '../../src/store/store.js';
import { replies as storedReplies, type RepliesReader } from '../../src/store/replies.js';
import { appendAuditOnce, retryTransient } from '../../src/store/transient.js';
import type { AuditActor, AuditEntryDoc, AuditInput, ConnectionDoc, InvoiceDoc, Provider } from '../../src/store/types.js';
import type { ConsoleLinks } from './console-link.js';
import type { MongoInstallationStore } from './installations.js';
import { SlackMessages } from './messages.js';
import { People, type PersonDoc } from './people.js';
import { PostQueue, type PostArgs } from './post-queue.js';


/** How disconnecting went (jobs/connections.ts disconnectConnection). */
export type DisconnectOutcome = { ok: true; connection: ConnectionDoc; cancelledJobs: number; cancelledEntries: number } | { ok: false; reason: 'not_found' | 'already_disconnected' };

/** What Slack needs from the connection machinery. */
export interface ConnectionControls {
  /** A fresh signed connect link (a full URL) for the organisation, minted for this Slack user; null when the provider is not configured. */
  connectUrl(provider: Provider, orgId: string, slackUserId: string): string | null;
  /** Revoke, mark disconnected, stop its jobs, audit (jobs/connections.ts disconnectConnection). */
  disconnect(connectionId: string, actor: AuditActor): Promise<DisconnectOutcome>;
}

export interface SlackServiceOptions {
  store: Store;
  client: webApi.WebClient;
  logger: Logger;
  now: () => Date;
  /** The organisations' escalation policies (the same source the worker plans with). */
  policies: PolicySource;
  /** Re-plan one account (src/planning/plan.ts Planner.plan). */
  replan: (customerId: string, now: Date) => Promise<unknown>;
  /** Where approval requests go; when unset, each approver gets a DM. */
  approvalsChannel?: string;
  /** OAuth installs: the client of an organisation's workspace (null: not installed). Without it `client` serves all. */
  clientForOrg?: (orgId: string) => Promise<webApi.WebClient | null>;
  /** The OAuth installation store (uninstall events mark a workspace revoked); absent with one bot token. */
  installations?: MongoInstallationStore;
  /** chat.postMessage per channel (default: one message a second per channel, Retry-After per channel). */
  postQueue?: PostQueue;
  /** Connect links and disconnecting, for App Home's *Connections* (absent: the section is not shown). */
  connections?: ConnectionControls;
  /** Customers' replies, read by the reply card's buttons (default: the `replies` collection, src/store/replies.ts). */
  replies?: RepliesReader;
  /** Read an invoice again from its ledger (the dispatcher's live balance, src/outbox/live-balance.ts); absent: *They say they paid* reads the last sync's copy. */
  liveBalance?: (invoice: InvoiceDoc) => Promise<LiveBalance | null>;
  /** Sign-in links to the web console (absent: no *Open Overdue*, `/overdue console` says it is off). */
  consoleLinks?: ConsoleLinks;
}

export class SlackContext {
  readonly store: Store;
  readonly client: webApi.WebClient;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly policies: PolicySource;
  readonly replan: (customerId: string, now: Date) => Promise<unknown>;
  readonly approvalsChannel: string | undefined;
  readonly clientForOrg: ((orgId: string) => Promise<webApi.WebClient | null>) | undefined;
  readonly installations: MongoInstallationStore | undefined;
  readonly people: People;
  readonly messages: SlackMessages;
  readonly states: AccountStates;
  readonly tasks: Collection<TaskDoc>;
  readonly postQueue: PostQueue;
  readonly connections: ConnectionControls | undefined;
  readonly replies: RepliesReader;
  readonly liveBalance: ((invoice: InvoiceDoc) => Promise<LiveBalance | null>) | undefined;
  readonly consoleLinks: ConsoleLinks | undefined;

  constructor(o: SlackServiceOptions) {
    this.replies = o.replies ?? storedReplies(o.store.db);
    this.liveBalance = o.liveBalance;
    this.connections = o.connections;
    this.consoleLinks = o.consoleLinks;
    this.postQueue = o.postQueue ?? new PostQueue();
    this.store = o.store;
    this.client = o.client;
    this.logger = o.logger;
    this.now = o.now;
    this.policies = o.policies;
    this.replan = o.replan;
    this.approvalsChannel = o.approvalsChannel;
    this.clientForOrg = o.clientForOrg;
    this.installations = o.installations;
    this.people = new People(o.store.db);
    this.messages = new SlackMessages(o.store.db);
    this.states = accountStates(o.store.db);
    this.tasks = o.store.db.collection<TaskDoc>(collections.tasks);
  }

  /**
   * Re-plan after a person acted. The person's action is already recorded, so a
   * failure here is logged, not raised: the hourly plan-due job catches up.
   * Re-plans of one account are coalesced: while one runs, further requests
   * make it run once more afterwards (with the latest time), never in parallel —
   * parallel plans of one account collide on FerretDB's non-atomic upsert.
   */
  replanAfter(customerId: string, now: Date): Promise<void> {
    const running = this.replans.get(customerId);
    if (running) {
      running.again = now;
      return running.done;
    }
    const entry: { again: Date | null; done: Promise<void> } = { again: null, done: Promise.resolve() };
    entry.done = (async () => {
      let at: Date | null = now;
      try {
        while (at) {
          entry.again = null;
          await this.planOnce(customerId, at);
          at = entry.again;
        }
      } finally {
        this.replans.delete(customerId);
      }
    })();
    this.replans.set(customerId, entry);
    return entry.done;
  }

  private readonly replans = new Map<string, { again: Date | null; done: Promise<void> }>();

  private async planOnce(customerId: string, now: Date): Promise<void> {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await retryTransient(() => this.replan(customerId, now));
        return;
      } catch (err) {
        if (attempt === 0 && isDuplicateKey(err)) continue;
        this.logger.warn({ err, customerId }, 're-plan after a Slack action failed; the plan-due job will catch up');
        return;
      }
    }
  }

  /**
   * The same services speaking with another client (an OAuth-installed
   * workspace's token). The view shares everything else — repositories,
   * in-flight re-plans — through its prototype.
   */
  forClient(client: webApi.WebClient): SlackContext {
    const view = Object.create(this) as SlackContext;
    Object.defineProperty(view, 'client', { value: client });
    return view;
  }

  /** These services for an organisation: its workspace's client under OAuth installs (null: not installed). */
  async forOrg(orgId: string): Promise<SlackContext | null> {
    if (!this.clientForOrg) return this;
    const client = await this.clientForOrg(orgId);
    return client ? this.forClient(client) : null;
  }

  /** Listener work still running after its ack (Bolt answers Slack first). */
  inFlight = 0;

  /** Wait until no listener is working (shutdown, benchmarks), at most `timeoutMs`. */
  async drain(timeoutMs = 10_000): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (this.inFlight > 0) {
      if (Date.now() > until) return false;
      await new Promise((r) => setTimeout(r, 20));
    }
    return true;
  }

  /** The audit actor for a Slack user: the known person (by email) or the bare Slack id. */
  actorFor(person: PersonDoc | null, slackUserId: string): AuditActor {
    return person ? { kind: 'person', id: person.email, name: person.name } : { kind: 'person', id: `slack:${slackUserId}` };
  }

  /**
   * Append to the audit trail from a listener's after-ack work: a transient database error (SQLITE_BUSY under
   * load) is retried with jitter, without appending twice (src/store/transient.ts).
   */
  audit(input: AuditInput): Promise<AuditEntryDoc> {
    return appendAuditOnce(this.store, input, { onRetry: (err, attempt) => this.logger.debug({ err, attempt }, 'audit append retried') });
  }

  /** Run a single-write store operation, again after a jittered back-off while the database answers "busy". */
  retry<T>(op: () => Promise<T>): Promise<T> {
    return retryTransient(op, { onRetry: (err, attempt) => this.logger.debug({ err, attempt }, 'store write retried') });
  }

  /** Post a message through the per-channel queue (slack/services/post-queue.ts), with this view's client. */
  post(args: PostArgs): Promise<webApi.ChatPostMessageResponse> {
    return this.postQueue.post(this.client, args);
  }

  /** Tell one user something only they see, in the conversation they acted in. */
  async tell(channel: string, user: string, text: string): Promise<void> {
    await this.client.chat.postEphemeral({ channel, user, text });
  }
}

/** Slack user id for an email, or null when the user is unknown, deleted or deactivated. */
export async function slackUserByEmail(client: webApi.WebClient, email: string): Promise<{ id: string; name: string } | null> {
  try {
    const r = await client.users.lookupByEmail({ email });
    const u = r.user;
    if (!u?.id || u.deleted) return null;
    return { id: u.id, name: u.real_name ?? u.profile?.real_name ?? u.name ?? email };
  } catch (err) {
    if (typeof err === 'object' && err !== null && 'data' in err && (err as { data?: { error?: string } }).data?.error === 'users_not_found') return null;
    throw err;
  }
}

export async function openDm(client: webApi.WebClient, userId: string): Promise<string> {
  const r = await client.conversations.open({ users: userId });
  const id = r.channel?.id;
  if (!id) throw new Error(`conversations.open gave no channel for ${userId}`);
  return id;
}

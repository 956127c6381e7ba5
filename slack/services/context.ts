// What every Slack service needs: the store, a Web API client pointed at the
// configured Slack API URL, the clock, the planner (to re-plan an account after
// a person acts on it) and the Slack-side repositories.
import { webApi } from '@slack/bolt';
import type { Collection } from 'mongodb';
import type { Logger } from '../../src/logger.js';
import type { TaskDoc } from '../../src/outbox/task-channel.js';
import { accountStates, type AccountStates } from '../../src/planning/state.js';
import { collections, type Store } from '../../src/store/store.js';
import type { AuditActor } from '../../src/store/types.js';
import { SlackMessages } from './messages.js';
import { People, type PersonDoc } from './people.js';

export interface SlackServiceOptions {
  store: Store;
  client: webApi.WebClient;
  logger: Logger;
  now: () => Date;
  /** Re-plan one account (src/planning/plan.ts Planner.plan). */
  replan: (customerId: string, now: Date) => Promise<unknown>;
  /** Where approval requests go; when unset, each approver gets a DM. */
  approvalsChannel?: string;
}

export class SlackContext {
  readonly store: Store;
  readonly client: webApi.WebClient;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly replan: (customerId: string, now: Date) => Promise<unknown>;
  readonly approvalsChannel: string | undefined;
  readonly people: People;
  readonly messages: SlackMessages;
  readonly states: AccountStates;
  readonly tasks: Collection<TaskDoc>;

  constructor(o: SlackServiceOptions) {
    this.store = o.store;
    this.client = o.client;
    this.logger = o.logger;
    this.now = o.now;
    this.replan = o.replan;
    this.approvalsChannel = o.approvalsChannel;
    this.people = new People(o.store.db);
    this.messages = new SlackMessages(o.store.db);
    this.states = accountStates(o.store.db);
    this.tasks = o.store.db.collection<TaskDoc>(collections.tasks);
  }

  /** The audit actor for a Slack user: the known person (by email) or the bare Slack id. */
  actorFor(person: PersonDoc | null, slackUserId: string): AuditActor {
    return person ? { kind: 'person', id: person.email, name: person.name } : { kind: 'person', id: `slack:${slackUserId}` };
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

// Internal work for people: Slack nudges, call/voicemail/mail/fax tasks,
// credit-hold proposals, agency-referral and write-off approval requests. The
// channel stores each as a task (keyed by the outbox key, so a retry stores it
// once); the Slack app delivers open tasks and closes them.
import type { Collection, Db } from 'mongodb';
import { isDuplicateKey } from '../store/mongo-errors.js';
import { collections } from '../store/store.js';
import type { Channel, SendContext, SendOutcome } from './channel.js';
import { isEngineAction, type EngineAction, type PayloadAction } from '../planning/payload.js';
import type { TaskCompletion } from '../planning/mailed-demand.js';
import { taskTitle, templateTitle } from '../engine/index.js';

export type TaskKind = 'slack-nudge' | 'call' | 'voicemail' | 'mail' | 'courier' | 'fax' | 'find-contact' | 'credit-hold' | 'approval' | 'follow-up' | 'credit-check';

export interface TaskDoc {
  /** The outbox key. */
  _id: string;
  orgId: string;
  customerId: string;
  accountName: string;
  kind: TaskKind;
  /** Who should act: a sales rep, the collector, an approver or a manager (by email when known). */
  assignee: { role: string; id: string | null; name: string | null };
  title: string;
  invoiceIds: string[];
  /** Not before (call slots rotate through the day). */
  dueAt: Date;
  /** When people are to be chased if nothing happened (mail/courier/fax: 48 h). */
  followUpAt?: Date;
  /** When the follow-up job stored this task's follow-up (src/outbox/follow-up.ts). */
  followedUpAt?: Date;
  /** On a follow-up task: the task it chases. */
  followUpOf?: string;
  status: 'open' | 'delivered' | 'done' | 'dismissed';
  /** How a person completed it (a post or courier task: the tracking number; src/planning/mailed-demand.ts). */
  completion?: TaskCompletion;
  action: EngineAction;
  createdAt: Date;
}

/** A credit check a manager asked for from a look-alike alert (docs/lookalike.md): in the tasks collection, without an engine action. */
export type CreditCheckTaskDoc = Omit<TaskDoc, 'kind' | 'action'> & { kind: 'credit-check'; creditCheck: Extract<PayloadAction, { kind: 'creditCheck' }> };

function describe(a: EngineAction): string {
  switch (a.kind) {
    case 'slackNudge':
      return `Slack message (${templateTitle(a.template)}) to ${a.person?.name ?? a.to}`;
    case 'task':
      // A missing role's task reads as what to do: "Find a CFO contact for Acme: the final demand waits for one until …".
      if (a.task === 'find-contact' && a.note !== undefined && a.actionId.startsWith('find-contact.')) return a.note;
      // A letter by post, courier or fax: what to send to whom, and the 48-hour ask to the customer (src/engine/actions.ts).
      if ((a.task === 'mail' || a.task === 'courier' || a.task === 'fax') && a.note !== undefined) {
        const note = a.note.charAt(0).toUpperCase() + a.note.slice(1);
        return `${note}${a.target ? `: ${a.target.name} (${a.target.role})` : ''}`;
      }
      return `${taskTitle(a.task)} task for ${a.person?.name ?? a.assignee}${a.target ? ` → ${a.target.name} (${a.target.role})` : ''}${a.note !== undefined ? ` (${a.note})` : ''}`;
    case 'creditHold':
      return `credit hold ${a.mode === 'place' ? 'placed' : 'proposed'}${a.approval ? ` (needs ${a.approval} approval)` : ''}`;
    case 'agencyReferral':
      return 'agency referral: approval requested';
    case 'writeOffSuggestion':
      return 'write-off suggested: approval requested';
    default:
      return `${a.kind} (${a.levelName})`;
  }
}

function taskShape(a: EngineAction): { kind: TaskKind; assignee: TaskDoc['assignee'] } | null {
  switch (a.kind) {
    case 'slackNudge':
      return { kind: 'slack-nudge', assignee: { role: a.to, id: a.person?.id ?? null, name: a.person?.name ?? null } };
    case 'task':
      return { kind: a.task, assignee: { role: a.assignee, id: a.person?.id ?? null, name: a.person?.name ?? null } };
    case 'creditHold':
      return { kind: 'credit-hold', assignee: { role: a.approval ?? 'collector', id: null, name: null } };
    case 'agencyReferral':
    case 'writeOffSuggestion':
      return { kind: 'approval', assignee: { role: 'approver', id: null, name: null } };
    default:
      return null;
  }
}

const FOLLOW_UP_MS = 48 * 3_600_000;

export class TaskChannel implements Channel {
  private readonly col: Collection<TaskDoc>;

  constructor(db: Db) {
    this.col = db.collection<TaskDoc>(collections.tasks);
  }

  async send(ctx: SendContext): Promise<SendOutcome> {
    const a = ctx.action;
    if (a.kind === 'creditCheck') return this.store(this.creditCheckTask(ctx, a));
    if (!isEngineAction(a)) return { ok: false, permanent: true, error: `a ${a.kind} entry is not a task`, rejected: [] };
    const shape = taskShape(a);
    if (!shape) return { ok: false, permanent: true, error: `a ${a.kind} action is not a task`, rejected: [] };
    const followUp = a.kind === 'task' && (a.task === 'mail' || a.task === 'courier' || a.task === 'fax');
    const doc: TaskDoc = {
      _id: ctx.entry._id,
      orgId: ctx.entry.orgId,
      customerId: ctx.entry.customerId,
      accountName: ctx.accountName,
      kind: shape.kind,
      assignee: shape.assignee,
      title: describe(a),
      invoiceIds: ctx.entry.invoiceIds,
      dueAt: ctx.entry.dueAt,
      ...(followUp ? { followUpAt: new Date(ctx.now.getTime() + FOLLOW_UP_MS) } : {}),
      status: 'open',
      action: a,
      createdAt: ctx.now,
    };
    return this.store(doc);
  }

  /** The collector's credit-check task of a look-alike alert. */
  private creditCheckTask(ctx: SendContext, a: CreditCheckTaskDoc['creditCheck']): CreditCheckTaskDoc {
    return {
      _id: ctx.entry._id,
      orgId: ctx.entry.orgId,
      customerId: ctx.entry.customerId,
      accountName: ctx.accountName,
      kind: 'credit-check',
      assignee: { role: 'collector', id: null, name: null },
      title: `Credit check for ${ctx.accountName}: it looks like ${a.knownName} (score ${a.score.toFixed(2)}), asked by ${a.by}`,
      invoiceIds: [],
      dueAt: ctx.entry.dueAt,
      status: 'open',
      creditCheck: a,
      createdAt: ctx.now,
    };
  }

  /** Store a task once (keyed by the outbox key). */
  private async store(doc: TaskDoc | CreditCheckTaskDoc): Promise<SendOutcome> {
    try {
      await this.col.insertOne(doc as TaskDoc);
      return { ok: true, result: { taskId: doc._id, stored: true }, rejected: [] };
    } catch (err) {
      // A retry after a lost lease: the task is already there.
      if (isDuplicateKey(err)) return { ok: true, result: { taskId: doc._id, stored: false }, rejected: [] };
      throw err;
    }
  }

  list(orgId: string): Promise<TaskDoc[]> {
    return this.col.find({ orgId }).sort({ dueAt: 1 }).toArray();
  }
}

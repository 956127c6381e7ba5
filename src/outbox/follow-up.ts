// The 48-hour follow-up of letters sent by post, courier or fax: the task
// channel gives those tasks a `followUpAt`; once it has passed and nobody marked
// the task done (or dismissed it), the collector gets a follow-up task ("courier
// letter to Ann Lee not confirmed after 48 h"), once per task (claim
// `followup:<taskId>`), and the account's audit trail says so.
import type { Collection } from 'mongodb';
import type { ClaimDoc } from '../store/claims.js';
import { isDuplicateKey } from '../store/mongo-errors.js';
import { collections, type Store } from '../store/store.js';
import type { TaskDoc } from './task-channel.js';

const ACTOR = { kind: 'system' as const, id: 'follow-up', name: 'Overdue follow-up' };

/** A claim this old whose follow-up task does not exist belongs to a worker that died mid-way: redo it. */
const DEAD_CLAIM_MS = 10 * 60_000;

export interface FollowUpStats {
  /** Tasks past their follow-up time and still not done. */
  due: number;
  /** Follow-up tasks stored by this run. */
  created: number;
}

/** The id of the follow-up task of `taskId` (also its claim key). */
export function followUpId(taskId: string): string {
  return `followup:${taskId}`;
}

function what(t: TaskDoc): string {
  const target = t.action.kind === 'task' && t.action.target ? ` to ${t.action.target.name}` : '';
  const hours = t.followUpAt ? Math.round((t.followUpAt.getTime() - t.createdAt.getTime()) / 3_600_000) : 48;
  const label = t.kind === 'courier' ? 'courier letter' : t.kind === 'mail' ? 'letter by certified post' : 'fax';
  return `${label}${target} for ${t.accountName} not confirmed after ${hours} h`;
}

/** Store a follow-up for every task whose follow-up time has passed while it is still open or delivered. */
export async function followUpOverdueTasks(store: Store, worker: string, now: Date, limit = 500): Promise<FollowUpStats> {
  const tasks: Collection<TaskDoc> = store.db.collection<TaskDoc>(collections.tasks);
  const due = await tasks
    .find({ followUpAt: { $lte: now }, status: { $in: ['open', 'delivered'] }, followedUpAt: { $exists: false } })
    .limit(limit)
    .toArray();
  const claims = store.db.collection<ClaimDoc>(collections.claims);
  let created = 0;
  for (const t of due) {
    const id = followUpId(t._id);
    let mine = await store.claims.take(id, worker, now);
    if (!mine && !(await tasks.findOne({ _id: id }, { projection: { _id: 1 } }))) {
      // Claimed, but no follow-up stored: another worker is at it — or died between its claim and its writes.
      const claim = await claims.findOne({ _id: id });
      if (claim && claim.at.getTime() > now.getTime() - DEAD_CLAIM_MS) continue; // give it time; look again next run
      mine = true;
    }
    if (mine) {
      const title = what(t);
      const doc: TaskDoc = {
        _id: id,
        orgId: t.orgId,
        customerId: t.customerId,
        accountName: t.accountName,
        kind: 'follow-up',
        assignee: { role: 'collector', id: null, name: null },
        title,
        invoiceIds: t.invoiceIds,
        dueAt: now,
        status: 'open',
        action: t.action,
        createdAt: now,
        followUpOf: t._id,
      };
      try {
        await tasks.insertOne(doc);
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
      await store.audit.append({
        orgId: t.orgId,
        accountId: t.customerId,
        actor: ACTOR,
        channel: 'system',
        action: 'task.follow-up',
        invoiceIds: t.invoiceIds,
        outcome: title,
        details: { taskId: t._id, followUpTaskId: id, kind: t.kind },
        at: now,
      });
      created++;
    }
    // Won or lost, this task is followed up: later runs skip it.
    await tasks.updateOne({ _id: t._id }, { $set: { followedUpAt: now } });
  }
  return { due: due.length, created };
}

// People: who is who in Slack for an organisation — email, Slack user id and
// roles (collector, sales rep, approver, manager, admin). Rep and collector of a
// customer come from CustomerDoc.salesRepEmail / collectorEmail and are matched
// to Slack users by email; roles decide who may act on approvals.
import type { Collection, Db } from 'mongodb';
import { normaliseEmail } from '../../src/planning/state.js';

export const PEOPLE_COLLECTION = 'people';

export const personRoles = ['collector', 'sales_rep', 'approver', 'manager', 'admin'] as const;
export type PersonRole = (typeof personRoles)[number];

export interface PersonDoc {
  /** `${orgId}:${lowercased email}` */
  _id: string;
  orgId: string;
  email: string;
  name: string;
  slackUserId?: string;
  roles: PersonRole[];
  updatedAt: Date;
}

export class People {
  static readonly COLLECTION = PEOPLE_COLLECTION;
  private readonly col: Collection<PersonDoc>;

  constructor(db: Db) {
    this.col = db.collection<PersonDoc>(PEOPLE_COLLECTION);
  }

  async upsert(p: Omit<PersonDoc, '_id' | 'updatedAt'>, now: Date): Promise<PersonDoc> {
    const email = normaliseEmail(p.email);
    const doc: PersonDoc = { ...p, email, _id: `${p.orgId}:${email}`, updatedAt: now };
    await this.col.replaceOne({ _id: doc._id }, doc, { upsert: true });
    return doc;
  }

  /** The person behind a Slack user in the organisation (null: unknown to Overdue). */
  bySlackId(orgId: string, slackUserId: string): Promise<PersonDoc | null> {
    return this.col.findOne({ orgId, slackUserId });
  }

  /** Any organisation's person for a Slack user (one organisation per workspace). */
  findBySlackId(slackUserId: string): Promise<PersonDoc | null> {
    return this.col.findOne({ slackUserId });
  }

  byEmail(orgId: string, email: string): Promise<PersonDoc | null> {
    return this.col.findOne({ _id: `${orgId}:${normaliseEmail(email)}` });
  }

  withRole(orgId: string, role: PersonRole): Promise<PersonDoc[]> {
    return this.col.find({ orgId, roles: role }).sort({ _id: 1 }).toArray();
  }

  async linkSlackUser(orgId: string, email: string, slackUserId: string, now: Date): Promise<void> {
    await this.col.updateOne({ _id: `${orgId}:${normaliseEmail(email)}` }, { $set: { slackUserId, updatedAt: now } });
  }
}

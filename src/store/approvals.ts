// Approvals (agency referral, strategic credit hold, write-off) and credit holds.
// A decision is taken once: two simultaneous clicks cannot both decide.
import type { Collection } from 'mongodb';
import { AppError } from '../errors.js';
import type { Claims } from './claims.js';
import { isDuplicateKey } from './mongo-errors.js';
import type { ApprovalDoc, AuditActor, CreditHoldDoc, CreditHoldStatus } from './types.js';

export class Approvals {
  constructor(
    private readonly col: Collection<ApprovalDoc>,
    private readonly claims: Claims,
  ) {}

  /** Ask once per key; asking again returns the existing request. */
  async request(req: Omit<ApprovalDoc, 'status' | 'createdAt'>, now: Date): Promise<{ approval: ApprovalDoc; created: boolean }> {
    const doc: ApprovalDoc = { ...req, status: 'pending', createdAt: now };
    try {
      await this.col.insertOne(doc);
      return { approval: doc, created: true };
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const existing = await this.col.findOne({ _id: req._id });
      if (!existing) throw err;
      return { approval: existing, created: false };
    }
  }

  /**
   * Decide a pending approval. Exactly one of several concurrent callers wins; the
   * others get a conflict. The requester cannot approve their own request.
   */
  async decide(id: string, decision: 'approved' | 'rejected', by: AuditActor, now: Date, note?: string): Promise<ApprovalDoc> {
    const current = await this.col.findOne({ _id: id });
    if (!current) throw new AppError('not_found', `approval ${id} does not exist`);
    if (decision === 'approved' && current.requestedBy.kind === 'person' && current.requestedBy.id === by.id) {
      throw new AppError('forbidden', 'the person who asked for an approval cannot grant it');
    }
    const set: Partial<ApprovalDoc> = { status: decision, decidedBy: by, decidedAt: now };
    if (note !== undefined) set.note = note;
    if (current.status !== 'pending' || !(await this.claims.take(`approval:${id}`, by.id, now))) {
      const latest = await this.col.findOne({ _id: id });
      throw new AppError('conflict', `approval ${id} was already decided${latest && latest.status !== 'pending' ? ` (${latest.status})` : ''}`);
    }
    await this.col.updateOne({ _id: id }, { $set: set });
    return { ...current, ...set };
  }

  get(id: string): Promise<ApprovalDoc | null> {
    return this.col.findOne({ _id: id });
  }

  listPending(orgId: string): Promise<ApprovalDoc[]> {
    return this.col.find({ orgId, status: 'pending' }).sort({ createdAt: 1 }).toArray();
  }
}

const holdTransitions: Record<CreditHoldStatus, CreditHoldStatus[]> = {
  proposed: ['pending_approval', 'active', 'rejected'],
  pending_approval: ['active', 'rejected'],
  active: ['released'],
  released: [],
  rejected: [],
};

export class CreditHolds {
  constructor(
    private readonly col: Collection<CreditHoldDoc>,
    private readonly claims: Claims,
  ) {}

  async create(hold: Omit<CreditHoldDoc, 'createdAt' | 'updatedAt'>, now: Date): Promise<{ hold: CreditHoldDoc; created: boolean }> {
    const doc: CreditHoldDoc = { ...hold, createdAt: now, updatedAt: now };
    try {
      await this.col.insertOne(doc);
      return { hold: doc, created: true };
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const existing = await this.col.findOne({ _id: hold._id });
      if (!existing) throw err;
      return { hold: existing, created: false };
    }
  }

  /** Move a hold along its life cycle; refuses transitions that make no sense (e.g. released → active). */
  async transition(id: string, to: CreditHoldStatus, by: AuditActor, now: Date): Promise<CreditHoldDoc> {
    const current = await this.col.findOne({ _id: id });
    if (!current) throw new AppError('not_found', `credit hold ${id} does not exist`);
    // Each state is entered at most once per hold, so the claim on (hold, state) decides races.
    if (!holdTransitions[current.status].includes(to) || !(await this.claims.take(`hold:${id}:${to}`, by.id, now))) {
      throw new AppError('conflict', `credit hold ${id} is ${current.status}; it cannot become ${to}`);
    }
    const set = { status: to, decidedBy: by, updatedAt: now };
    await this.col.updateOne({ _id: id }, { $set: set });
    return { ...current, ...set };
  }

  async markWrittenBack(id: string, now: Date): Promise<void> {
    await this.col.updateOne({ _id: id }, { $set: { writtenBackAt: now, updatedAt: now } });
  }

  activeForCustomer(customerId: string): Promise<CreditHoldDoc | null> {
    return this.col.findOne({ customerId, status: 'active' });
  }

  listByOrg(orgId: string, status?: CreditHoldStatus): Promise<CreditHoldDoc[]> {
    return this.col.find(status ? { orgId, status } : { orgId }).sort({ createdAt: 1 }).toArray();
  }
}

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
   * others get a conflict. The requester cannot decide their own request in any way (approve, reject —
   * which is also how Give more time closes it): segregation of duties (src/domain/authorization.ts).
   */
  async decide(id: string, decision: 'approved' | 'rejected', by: AuditActor, now: Date, note?: string, extra: Pick<ApprovalDoc, 'mailOverride'> = {}): Promise<ApprovalDoc> {
    const current = await this.col.findOne({ _id: id });
    if (!current) throw new AppError('not_found', `approval ${id} does not exist`);
    if (current.requestedBy.kind === 'person' && current.requestedBy.id === by.id) {
      throw new AppError('forbidden', 'the person who asked for an approval cannot decide it');
    }
    const set: Partial<ApprovalDoc> = { status: decision, decidedBy: by, decidedAt: now };
    if (note !== undefined) set.note = note;
    if (extra.mailOverride !== undefined) set.mailOverride = extra.mailOverride;
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

  /** Per customer, the kinds of its approved requests (an approved referral or write-off takes the account off the call list). */
  async approvedKinds(orgId: string): Promise<Map<string, Set<string>>> {
    const out = new Map<string, Set<string>>();
    for (const a of await this.col.find({ orgId, status: 'approved' }, { projection: { customerId: 1, kind: 1 } }).toArray()) {
      const kinds = out.get(a.customerId) ?? new Set<string>();
      kinds.add(a.kind);
      out.set(a.customerId, kinds);
    }
    return out;
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

/** The claim that makes a hold the customer's one active hold: taken on activation (owner: the hold's id), deleted on release. */
export const activeHoldClaim = (customerId: string): string => `hold-active:${customerId}`;

/** The customer is already on (another) active hold: a conflict that says which hold, since when, placed by whom. */
export class AlreadyOnHoldError extends AppError {
  constructor(
    readonly holdId: string,
    readonly since: Date,
    readonly placedBy: AuditActor | undefined,
  ) {
    super('conflict', `the customer is already on credit hold since ${since.toISOString().slice(0, 10)} (hold ${holdId})`);
    this.name = 'AlreadyOnHoldError';
  }
}

const FINAL: readonly CreditHoldStatus[] = ['released', 'rejected'];

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

  /**
   * Move a hold along its life cycle; refuses transitions that make no sense (e.g. released → active), and
   * refuses to activate a second hold for a customer already on hold: a conflict whose details are an
   * AlreadyOnHoldError. One active hold per customer is decided by a claim (FerretDB has no
   * atomic conditional update): activeHoldClaim(customerId), owned by the active hold, deleted on release.
   */
  async transition(id: string, to: CreditHoldStatus, by: AuditActor, now: Date): Promise<CreditHoldDoc> {
    const current = await this.col.findOne({ _id: id });
    if (!current) throw new AppError('not_found', `credit hold ${id} does not exist`);
    const refuse = (): AppError => new AppError('conflict', `credit hold ${id} is ${current.status}; it cannot become ${to}`);
    if (!holdTransitions[current.status].includes(to)) throw refuse();
    if (to === 'active') await this.takeActive(id, current.customerId, now);
    // Each state is entered at most once per hold, so the claim on (hold, state) decides races.
    if (!(await this.claims.take(`hold:${id}:${to}`, by.id, now))) throw refuse();
    const set: Partial<CreditHoldDoc> = { status: to, decidedBy: by, updatedAt: now };
    if (to === 'active') set.activeSince = now;
    await this.col.updateOne({ _id: id }, { $set: set });
    if (to === 'released') await this.claims.release(activeHoldClaim(current.customerId), id);
    return { ...current, ...set };
  }

  /** Take the customer's active-hold claim for hold `id` (or find it already ours); else a conflict naming the hold in place. */
  private async takeActive(id: string, customerId: string, now: Date): Promise<void> {
    const key = activeHoldClaim(customerId);
    for (let attempt = 0; attempt < 2; attempt++) {
      if (await this.claims.take(key, id, now)) {
        // A hold made active before this claim existed holds no claim: it still counts.
        const legacy = await this.col.findOne({ customerId, status: 'active', _id: { $ne: id } });
        if (!legacy) return;
        await this.claims.release(key, id);
        throw new AlreadyOnHoldError(legacy._id, legacy.activeSince ?? legacy.updatedAt, legacy.decidedBy);
      }
      const holder = await this.claims.holder(key);
      if (holder === id) return; // a concurrent activation of this same hold: the (hold, state) claim decides
      if (holder === null) continue; // released meanwhile: try again
      const other = await this.col.findOne({ _id: holder });
      if (!other || FINAL.includes(other.status)) {
        // Left behind by a process that died between the release and the claim's deletion: a final hold never comes back.
        await this.claims.release(key, holder);
        continue;
      }
      throw new AlreadyOnHoldError(other._id, other.activeSince ?? other.updatedAt, other.status === 'active' ? other.decidedBy : other.requestedBy);
    }
    throw new AppError('conflict', `credit hold ${id}: the customer's active hold kept changing; try again`);
  }

  async markWrittenBack(id: string, now: Date): Promise<void> {
    await this.col.updateOne({ _id: id }, { $set: { writtenBackAt: now, updatedAt: now } });
  }

  get(id: string): Promise<CreditHoldDoc | null> {
    return this.col.findOne({ _id: id });
  }

  activeForCustomer(customerId: string): Promise<CreditHoldDoc | null> {
    return this.col.findOne({ customerId, status: 'active' });
  }

  listByOrg(orgId: string, status?: CreditHoldStatus): Promise<CreditHoldDoc[]> {
    return this.col.find(status ? { orgId, status } : { orgId }).sort({ createdAt: 1 }).toArray();
  }
}

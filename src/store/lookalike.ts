// The look-alike check's records (docs/lookalike.md):
// - `lookalike_flags`: one document per pair (new customer, known bad account), _id `<customer>|<known>`. Stored
//   once, by an insert on the _id (a second check of the same pair updates an open flag's score and evidence but
//   never alerts again); its status is decided once by the first button pressed (a claim per flag): prepay-only,
//   not the same business (remembered: the pair never alerts again), or a credit check asked for.
// - `lookalike_checks`: per customer, the fingerprint of what it was last checked with (its features, the known
//   accounts, the threshold), so a nightly full sync re-scores only customers whose details or the known set changed.
import type { Collection, Db } from 'mongodb';
import type { MatchedField } from '../lookalike/score.js';
import type { Claims } from './claims.js';
import { isDuplicateKey } from './mongo-errors.js';
import { collections } from './store.js';
import type { AuditActor } from './types.js';

export const LOOKALIKE_FLAGS = collections.lookalikeFlags;
export const LOOKALIKE_CHECKS = collections.lookalikeChecks;

/** Why a known account counts as a bad payer. */
export type KnownReason = 'agency_referral' | 'write_off' | 'prepay_only';

export type LookalikeStatus = 'open' | 'prepay' | 'dismissed' | 'credit_check';

export interface LookalikeFlagDoc {
  /** `<customerId>|<knownId>`. */
  _id: string;
  orgId: string;
  /** The new (or edited) customer. */
  customerId: string;
  accountName: string;
  /** The account it resembles. */
  knownId: string;
  knownName: string;
  knownReasons: KnownReason[];
  score: number;
  threshold: number;
  matched: MatchedField[];
  status: LookalikeStatus;
  decidedBy?: AuditActor;
  decidedAt?: Date;
  createdAt: Date;
  updatedAt: Date;
}

export interface LookalikeCheckDoc {
  /** The customer id. */
  _id: string;
  orgId: string;
  fingerprint: string;
  checkedAt: Date;
}

export const lookalikeFlagId = (customerId: string, knownId: string): string => `${customerId}|${knownId}`;

export class LookalikeFlags {
  private readonly flags: Collection<LookalikeFlagDoc>;
  private readonly checks: Collection<LookalikeCheckDoc>;

  constructor(db: Db) {
    this.flags = db.collection<LookalikeFlagDoc>(LOOKALIKE_FLAGS);
    this.checks = db.collection<LookalikeCheckDoc>(LOOKALIKE_CHECKS);
  }

  /**
   * Store a flag; true when this call created it (the pair is new: alert). A pair already flagged keeps its status;
   * while open, its score and evidence follow the latest check.
   */
  async record(doc: Omit<LookalikeFlagDoc, '_id' | 'status' | 'createdAt' | 'updatedAt'>, now: Date): Promise<boolean> {
    const _id = lookalikeFlagId(doc.customerId, doc.knownId);
    try {
      await this.flags.insertOne({ ...doc, _id, status: 'open', createdAt: now, updatedAt: now });
      return true;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      await this.flags.updateOne({ _id, status: 'open' }, { $set: { score: doc.score, matched: doc.matched, threshold: doc.threshold, accountName: doc.accountName, updatedAt: now } });
      return false;
    }
  }

  get(id: string): Promise<LookalikeFlagDoc | null> {
    return this.flags.findOne({ _id: id });
  }

  /** A customer's flags, best score first (every status: the credit-status API shows what was decided too). */
  forCustomer(customerId: string): Promise<LookalikeFlagDoc[]> {
    return this.flags.find({ customerId }).sort({ score: -1 }).toArray();
  }

  /** The pairs of an organisation people said are not the same business. */
  async dismissedPairs(orgId: string): Promise<Set<string>> {
    const docs = await this.flags.find({ orgId, status: 'dismissed' }, { projection: { _id: 1 } }).toArray();
    return new Set(docs.map((d) => d._id));
  }

  /** Decide an open flag, once (the claim `lookalike:<flag>` picks one of two simultaneous presses); false when it was decided already. */
  async decide(id: string, status: Exclude<LookalikeStatus, 'open'>, by: AuditActor, claims: Claims, now: Date): Promise<boolean> {
    const doc = await this.get(id);
    if (!doc || doc.status !== 'open') return false;
    if (!(await claims.take(`lookalike:${id}`, by.id, now))) return false;
    await this.flags.updateOne({ _id: id }, { $set: { status, decidedBy: by, decidedAt: now, updatedAt: now } });
    return true;
  }

  /** The fingerprints of an organisation's last checks, by customer. */
  async fingerprints(orgId: string): Promise<Map<string, string>> {
    const docs = await this.checks.find({ orgId }, { projection: { _id: 1, fingerprint: 1 } }).toArray();
    return new Map(docs.map((d) => [d._id, d.fingerprint]));
  }

  async checked(customerId: string, orgId: string, fingerprint: string, now: Date): Promise<void> {
    await this.checks.replaceOne({ _id: customerId }, { orgId, fingerprint, checkedAt: now }, { upsert: true });
  }
}

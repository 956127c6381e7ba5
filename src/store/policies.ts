// Each organisation's escalation policy, as append-only versions: `${orgId}:v${n}`.
// A new version is inserted, never updated: the insert on a unique _id is the
// safe primitive on FerretDB (no atomic findAndModify), so two admins saving at
// once get v(n+1) and v(n+2), never one overwriting the other. Every version is
// validated (src/engine/policy.ts) before it is saved; the newest one is current.
import type { Collection } from 'mongodb';
import { AppError } from '../errors.js';
import { validatePolicy, type Policy } from '../engine/index.js';
import { isDuplicateKey } from './mongo-errors.js';
import type { AuditActor } from './types.js';

export interface PolicyVersionDoc {
  /** `${orgId}:v${version}`. */
  _id: string;
  orgId: string;
  version: number;
  /** The policy as given (it is validated again when read). */
  policy: unknown;
  createdAt: Date;
  createdBy?: AuditActor;
}

export interface PolicyVersion {
  orgId: string;
  version: number;
  policy: Policy;
  createdAt: Date;
}

export function policyVersionId(orgId: string, version: number): string {
  return `${orgId}:v${version}`;
}

export class Policies {
  constructor(private readonly col: Collection<PolicyVersionDoc>) {}

  /**
   * Save a new version of the organisation's policy. Throws an unprocessable (422) AppError listing the problems
   * when it does not validate; nothing is written then.
   */
  async save(orgId: string, input: unknown, now: Date, createdBy?: AuditActor): Promise<PolicyVersion> {
    const v = validatePolicy(input);
    if (!v.ok) throw new AppError('unprocessable', 'invalid escalation policy', v.problems);
    for (let attempt = 0; attempt < 20; attempt++) {
      const latest = await this.latestDoc(orgId);
      const version = (latest?.version ?? 0) + 1;
      try {
        await this.col.insertOne({ _id: policyVersionId(orgId, version), orgId, version, policy: input, createdAt: now, ...(createdBy ? { createdBy } : {}) });
        return { orgId, version, policy: v.policy, createdAt: now };
      } catch (err) {
        // Another writer took this version number: read the newest again and take the next.
        if (!isDuplicateKey(err)) throw err;
      }
    }
    throw new AppError('conflict', `could not save a new policy version of ${orgId}: too many concurrent writers`);
  }

  /**
   * The organisation's current policy: its newest version that validates (every version was validated when
   * saved; one the engine's rules no longer accept is passed over). Null when it has none.
   */
  async current(orgId: string): Promise<PolicyVersion | null> {
    for await (const doc of this.col.find({ orgId }).sort({ version: -1 })) {
      const v = validatePolicy(doc.policy);
      if (v.ok) return { orgId, version: doc.version, policy: v.policy, createdAt: doc.createdAt };
    }
    return null;
  }

  /** Every version of the organisation, oldest first. */
  list(orgId: string): Promise<PolicyVersionDoc[]> {
    return this.col.find({ orgId }).sort({ version: 1 }).toArray();
  }

  private latestDoc(orgId: string): Promise<PolicyVersionDoc | null> {
    return this.col.find({ orgId }).sort({ version: -1 }).limit(1).next();
  }
}

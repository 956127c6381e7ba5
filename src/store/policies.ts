// Each organisation's escalation policy, as append-only versions: `${orgId}:v${n}`.
// A new version is inserted, never updated: the insert on a unique _id is the
// safe primitive on FerretDB (no atomic findAndModify), so two admins saving at
// once get v(n+1) and v(n+2), never one overwriting the other. Every version is
// validated (src/engine/policy.ts) before it is saved; the newest one is current.
// Each version records who saved it, when, and what changed against the version
// before it (the default ladder for the first), computed once when it is saved.
import type { Collection } from 'mongodb';
import { AppError } from '../errors.js';
import { defaultPolicy, diffPolicies, validatePolicy, type Policy, type PolicyChange } from '../engine/index.js';
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
  /** What changed against the version before (the default ladder for v1); absent on versions saved before diffs were kept. */
  diff?: PolicyChange[];
  /** A rollback: this version's content is that earlier version's. */
  rollbackOf?: number;
  /** Why it was saved, as the person wrote it (the console's ladder editor). */
  note?: string;
}

export interface PolicyVersion {
  orgId: string;
  version: number;
  policy: Policy;
  createdAt: Date;
  createdBy?: AuditActor;
  diff?: PolicyChange[];
  rollbackOf?: number;
  note?: string;
}

export interface SaveOptions {
  /** The version this one restores (rollback). */
  rollbackOf?: number;
  /** Why it is saved (kept with the version, shown in the history). */
  note?: string;
}

export function policyVersionId(orgId: string, version: number): string {
  return `${orgId}:v${version}`;
}

function versionOf(doc: PolicyVersionDoc): Omit<PolicyVersion, 'policy'> {
  return {
    orgId: doc.orgId,
    version: doc.version,
    createdAt: doc.createdAt,
    ...(doc.createdBy ? { createdBy: doc.createdBy } : {}),
    ...(doc.diff ? { diff: doc.diff } : {}),
    ...(doc.rollbackOf !== undefined ? { rollbackOf: doc.rollbackOf } : {}),
    ...(doc.note !== undefined ? { note: doc.note } : {}),
  };
}

export class Policies {
  constructor(private readonly col: Collection<PolicyVersionDoc>) {}

  /**
   * Save a new version of the organisation's policy. Throws an unprocessable (422) AppError listing the problems
   * when it does not validate; nothing is written then.
   */
  async save(orgId: string, input: unknown, now: Date, createdBy?: AuditActor, opts: SaveOptions = {}): Promise<PolicyVersion> {
    const v = validatePolicy(input);
    if (!v.ok) throw new AppError('unprocessable', 'invalid escalation policy', v.problems);
    for (let attempt = 0; attempt < 20; attempt++) {
      const latest = await this.latestDoc(orgId);
      const version = (latest?.version ?? 0) + 1;
      const before = latest ? validatePolicy(latest.policy) : null;
      const diff = diffPolicies(before?.ok ? before.policy : defaultPolicy, v.policy);
      const extra = { ...(createdBy ? { createdBy } : {}), ...(opts.rollbackOf !== undefined ? { rollbackOf: opts.rollbackOf } : {}), ...(opts.note !== undefined && opts.note !== '' ? { note: opts.note } : {}) };
      try {
        await this.col.insertOne({ _id: policyVersionId(orgId, version), orgId, version, policy: input, createdAt: now, diff, ...extra });
        return { orgId, version, policy: v.policy, createdAt: now, diff, ...extra };
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
      if (v.ok) return { ...versionOf(doc), policy: v.policy };
    }
    return null;
  }

  /** One stored version as it validates now; null when there is no such version or it no longer validates. */
  async version(orgId: string, version: number): Promise<PolicyVersion | null> {
    if (!Number.isSafeInteger(version) || version < 1) return null;
    const doc = await this.col.findOne({ _id: policyVersionId(orgId, version) });
    if (!doc) return null;
    const v = validatePolicy(doc.policy);
    return v.ok ? { ...versionOf(doc), policy: v.policy } : null;
  }

  /** One stored version's document as saved (valid or not); null when there is none. */
  versionDoc(orgId: string, version: number): Promise<PolicyVersionDoc | null> {
    if (!Number.isSafeInteger(version) || version < 1) return Promise.resolve(null);
    return this.col.findOne({ _id: policyVersionId(orgId, version) });
  }

  /** Every version of the organisation, oldest first. */
  list(orgId: string): Promise<PolicyVersionDoc[]> {
    return this.col.find({ orgId }).sort({ version: 1 }).toArray();
  }

  private latestDoc(orgId: string): Promise<PolicyVersionDoc | null> {
    return this.col.find({ orgId }).sort({ version: -1 }).limit(1).next();
  }
}

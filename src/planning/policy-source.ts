// Which escalation policy an organisation runs: its current stored version
// (src/store/policies.ts), else the default ladder, under the organisation's own
// sending hours and holidays when its settings name them. Planning owns this seam;
// the planner, the dispatcher's sending window, the preview CLI and /overdue all
// read the policy through the one PolicySource the composition root builds, so a
// web process and a worker explain and run the same ladder. A customer with a
// custom ladder (its account state's overrides.policyVersion) runs that stored
// version of its organisation's policy instead (policyForAccount).
import { compilePolicy, defaultPolicy, type CompiledPolicy, type Policy } from '../engine/index.js';
import { withOrgCalendar } from '../settings/org-settings.js';
import type { Organisations } from '../store/organisations.js';
import type { Policies, PolicyVersion } from '../store/policies.js';

export interface PolicyChoice {
  policy: Policy;
  /** Its compiled form, compiled once per read: what decide() and the sending window take in a loop. */
  compiled: CompiledPolicy;
  /** The stored version; null for the default ladder. */
  version: number | null;
  /** A name for headers and logs: "default ladder", or the policy's own name and version. */
  name: string;
}

export interface PolicySource {
  /** The policy of an organisation (null: no organisation known, the default ladder). */
  forOrg(orgId: string | null | undefined): Promise<PolicyChoice>;
  /**
   * One stored version of the organisation's policy (a customer's custom ladder); null when there is no such
   * version or it no longer validates. Absent on a source without stored versions (a fixed policy).
   */
  version?(orgId: string, version: number): Promise<PolicyChoice | null>;
  /** Forget what is cached for the organisation: the next read sees its newest version (a save, a re-plan it asked for). */
  forget?(orgId: string): void;
}

/**
 * A customer's policy: the stored version its overrides name when that version exists and validates, else
 * its organisation's current one. `custom` says which.
 */
export async function policyForAccount(source: PolicySource, orgId: string | null | undefined, policyVersion: number | null | undefined): Promise<PolicyChoice & { custom: boolean }> {
  if (orgId && policyVersion !== undefined && policyVersion !== null && source.version) {
    const own = await source.version(orgId, policyVersion);
    if (own) return { ...own, custom: true };
  }
  return { ...(await source.forOrg(orgId)), custom: false };
}

export const DEFAULT_CHOICE: PolicyChoice = Object.freeze({ policy: defaultPolicy, compiled: compilePolicy(defaultPolicy), version: null, name: 'default ladder' });

export interface StoredPolicyOptions {
  /** How long an organisation's answer is kept in this object (default 5 s; 0: read every time). */
  cacheMs?: number;
  /** The clock of the cache (wall clock by default). */
  nowMs?: () => number;
  /** The organisations: their sending hours and holidays (settings) apply over every policy's (src/settings/org-settings.ts). */
  organisations?: Pick<Organisations, 'get'>;
}

/**
 * The organisations' stored policies, else the default ladder. Answers are kept for a few seconds in the
 * object itself (a new version is picked up within `cacheMs`), so a dispatch pass over many entries
 * reads each organisation's policy once.
 */
export function storedPolicySource(policies: Pick<Policies, 'current' | 'version'>, opts: StoredPolicyOptions = {}): PolicySource {
  const cacheMs = opts.cacheMs ?? 5_000;
  const nowMs = opts.nowMs ?? Date.now;
  const cache = new Map<string, { at: number; choice: Promise<PolicyChoice> }>();
  // Stored versions never change: one compiled per (organisation, version), for as long as this object lives.
  const versions = new Map<string, Promise<PolicyChoice | null>>();
  const choiceOf = (v: PolicyVersion): PolicyChoice => ({ policy: v.policy, compiled: compilePolicy(v.policy), version: v.version, name: `${v.policy.name} (v${v.version})` });
  // The organisation's sending hours and holidays apply over every policy it runs, its current one and a customer's custom version.
  const withOrg = async (orgId: string, choice: PolicyChoice): Promise<PolicyChoice> => {
    const org = await opts.organisations?.get(orgId);
    const policy = org ? withOrgCalendar(choice.policy, org.settings) : choice.policy;
    return policy === choice.policy ? choice : { ...choice, policy, compiled: compilePolicy(policy) };
  };
  const read = async (orgId: string): Promise<PolicyChoice> => {
    const v = await policies.current(orgId);
    return withOrg(orgId, v ? choiceOf(v) : DEFAULT_CHOICE);
  };
  return {
    async version(orgId, version) {
      const key = `${orgId}:v${version}`;
      let stored = versions.get(key);
      if (!stored) {
        stored = policies.version(orgId, version).then((v) => (v ? choiceOf(v) : null));
        versions.set(key, stored);
        // Not found may be found later (a version saved since): only a found version is kept.
        stored.then((c) => c ?? versions.delete(key), () => versions.delete(key));
      }
      const choice = await stored;
      return choice ? withOrg(orgId, choice) : null;
    },
    forget(orgId) {
      cache.delete(orgId);
    },
    forOrg(orgId) {
      if (!orgId) return Promise.resolve(DEFAULT_CHOICE);
      const t = nowMs();
      const hit = cache.get(orgId);
      if (hit && t - hit.at < cacheMs) return hit.choice;
      const choice = read(orgId);
      if (cacheMs > 0) {
        cache.set(orgId, { at: t, choice });
        choice.catch(() => cache.delete(orgId));
      }
      return choice;
    },
  };
}

/** One policy for every organisation (tests, benchmarks, the wall-clock crash test). */
export function fixedPolicySource(policy: Policy, name = policy.name): PolicySource {
  const choice: PolicyChoice = { policy, compiled: compilePolicy(policy), version: null, name };
  return { forOrg: () => Promise.resolve(choice) };
}

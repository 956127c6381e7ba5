// What saving a candidate policy would do to an organisation's accounts today,
// before it is saved: each account's next step and its date under the current
// policy and under the candidate (src/engine/policy-impact.ts), the accounts whose
// step or date changes listed from → to. Reads only. The organisation's documents
// are read as planning's passes read them (OrgReader: one equality read per
// collection) and the accounts are built and compared a page at a time, so the
// engine's accounts of a large organisation are never all held at once.
// Accounts with a custom ladder (overrides.policyVersion) keep it whatever the
// organisation's current version is: they are counted, not compared.
import { compilePolicy, stepChange, type Policy, type StepChange } from '../engine/index.js';
import type { Store } from '../store/store.js';
import { OrgReader } from './page.js';
import { Planner } from './plan.js';
import type { PolicySource } from './policy-source.js';

export interface PolicyImpact {
  orgId: string;
  /** The current policy's name ("default ladder", or "<name> (v<n>)") and version (null: the default ladder). */
  current: { name: string; version: number | null };
  candidate: { name: string };
  at: string;
  /** Active accounts compared. */
  compared: number;
  /** Accounts whose next step or its date changes. */
  changed: number;
  /** Accounts on a custom ladder: the organisation's policy does not apply to them. */
  customLadder: number;
  /** The changed accounts (at most `limit`, by account id). */
  accounts: StepChange[];
  /** More accounts changed than are listed. */
  truncated: boolean;
}

export interface PolicyImpactOptions {
  pageSize?: number;
  /** Changed accounts listed at most (the counts cover all). */
  limit?: number;
}

export async function policyImpact(deps: { store: Store; policies: PolicySource }, orgId: string, candidate: Policy, now: Date, opts: PolicyImpactOptions = {}): Promise<PolicyImpact> {
  const pageSize = opts.pageSize ?? 200;
  const limit = opts.limit ?? 5_000;
  const planner = new Planner(deps.store, { worker: 'policy-preview', policies: deps.policies });
  const reader = new OrgReader(deps.store);
  const [org, current] = await Promise.all([reader.org(orgId), deps.policies.forOrg(orgId)]);
  const next = compilePolicy(candidate);
  const inputs = await reader.accounts(orgId);
  const out: PolicyImpact = { orgId, current: { name: current.name, version: current.version }, candidate: { name: candidate.name }, at: now.toISOString(), compared: 0, changed: 0, customLadder: 0, accounts: [], truncated: false };
  for (let i = 0; i < inputs.length; i += pageSize) {
    const page = inputs.slice(i, i + pageSize);
    await reader.addSentAudit(page);
    for (const input of page) {
      if (input.state?.overrides?.policyVersion !== undefined) {
        const own = await planner.accountPolicy({ customer: input.customer, state: input.state });
        if (own.custom) {
          out.customLadder++;
          continue;
        }
      }
      const { account } = planner.toLoaded(input, org);
      out.compared++;
      const change = stepChange(account, current.compiled, next, now);
      if (!change) continue;
      out.changed++;
      if (out.accounts.length < limit) out.accounts.push(change);
      else out.truncated = true;
    }
    // The comparison is CPU (about 0.15 ms an account): let the web process answer other requests between pages.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return out;
}

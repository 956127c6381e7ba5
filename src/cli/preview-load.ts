// The preview's reads: find the connection a company id names, load each of its
// accounts the way the planner does (Planner.load → assemble.ts), pick the
// organisation's policy through the same PolicySource the worker plans with.
// Reads only: nothing here writes to the store.
import { localDate } from '../domain/calendar.js';
import { pastDueOf, type Account, type CompiledPolicy } from '../engine/index.js';
import { AppError } from '../errors.js';
import { Planner } from '../planning/plan.js';
import type { PolicySource } from '../planning/policy-source.js';
import { collections, type Store } from '../store/store.js';
import type { ConnectionDoc, OrganisationDoc } from '../store/types.js';
import { companyPreview, type CompanyPreview } from './preview.js';

/** The connection a company id names: its connection id (quickbooks:<realmId>), else the realmId / tenantId. */
export async function findConnection(store: Store, company: string): Promise<ConnectionDoc> {
  const byId = await store.connections.get(company);
  if (byId) return byId;
  const matches = await store.db.collection<ConnectionDoc>(collections.connections).find({ companyId: company }).toArray();
  if (matches.length === 1 && matches[0]) return matches[0];
  if (matches.length > 1) throw new AppError('bad_request', `company ${company} is connected through more than one provider: use the connection id (${matches.map((m) => m._id).join(' or ')})`);
  throw new AppError('not_found', `no connected company ${company} (give a QuickBooks realmId, a Xero tenantId or a connection id such as quickbooks:<realmId>)`);
}

export interface LoadedCompany {
  connection: ConnectionDoc;
  org: OrganisationDoc | null;
  accounts: Account[];
  /** Accounts whose history had unreadable entries (the preview may repeat a step for them). */
  unreadable: number;
  /** Accounts with a custom ladder (overrides.policyVersion): their policy, by account id. */
  accountPolicies: Map<string, CompiledPolicy>;
}

export async function loadCompany(store: Store, policies: PolicySource, company: string): Promise<LoadedCompany> {
  const connection = await findConnection(store, company);
  const org = await store.organisations.get(connection.orgId);
  const customers = await store.customers
    .raw()
    .find({ provider: connection.provider, companyId: connection.companyId }, { projection: { _id: 1, displayName: 1, active: 1 } })
    .toArray();
  const planner = new Planner(store, { worker: 'cli-preview', policies });
  const accounts: Account[] = [];
  const accountPolicies = new Map<string, CompiledPolicy>();
  let unreadable = 0;
  for (const c of customers.filter((x) => x.active !== false).sort((a, b) => a.displayName.localeCompare(b.displayName))) {
    const loaded = await planner.load(c._id);
    if (!loaded) continue;
    accounts.push(loaded.account);
    if (loaded.unreadable.length > 0) unreadable++;
    if (loaded.state?.overrides?.policyVersion !== undefined) {
      const own = await planner.accountPolicy(loaded);
      if (own.custom) accountPolicies.set(loaded.account.id, own.compiled);
    }
  }
  return { connection, org, accounts, unreadable, accountPolicies };
}

/** Load the company and build its preview from `now` over `days` days, by its organisation's policy. */
export async function previewCompany(store: Store, policies: PolicySource, company: string, now: Date, days: number): Promise<CompanyPreview> {
  return previewLoaded(await loadCompany(store, policies, company), policies, now, days);
}

export interface FirstLook {
  /** Active accounts of the company. */
  accounts: number;
  /** Accounts with a past-due invoice today (the engine's rule, disputed invoices left out). */
  pastDue: number;
  /** Accounts the plan would send a customer-facing step on their local today. */
  remindersToday: number;
}

/** The first sync's summary (jobs/connections.ts): today's past-due accounts and the preview's reminders for today, from one load. */
export async function firstLook(store: Store, policies: PolicySource, company: string, now: Date): Promise<FirstLook> {
  const loaded = await loadCompany(store, policies, company);
  const today = new Map(loaded.accounts.map((a) => [a.id, localDate(now, a.timeZone)]));
  const pastDue = loaded.accounts.filter((a) => pastDueOf(a.invoices, a.disputes, localDate(now, a.timeZone), now.getTime()).invoices.length > 0).length;
  const p = await previewLoaded(loaded, policies, now, 1);
  const reminded = new Set(p.rows.filter((r) => r.customerFacing && r.date === today.get(r.accountId)).map((r) => r.accountId));
  return { accounts: loaded.accounts.length, pastDue, remindersToday: reminded.size };
}

async function previewLoaded(loaded: LoadedCompany, policies: PolicySource, now: Date, days: number): Promise<CompanyPreview> {
  const { connection: c, org } = loaded;
  const { compiled, name } = await policies.forOrg(c.orgId);
  return companyPreview({
    company: {
      connectionId: c._id,
      provider: c.provider,
      companyId: c.companyId,
      companyName: c.companyName,
      status: c.status,
      sendMode: c.sendMode ?? 'dry-run',
      orgId: c.orgId,
      orgName: org?.name,
    },
    accounts: loaded.accounts,
    policy: compiled,
    policyName: name,
    accountPolicies: loaded.accountPolicies,
    now,
    days,
  });
}

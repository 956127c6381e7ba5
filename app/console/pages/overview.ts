// The overview (GET /console): open invoices by age per currency (the same aging as `/overdue aging`),
// accounts by state, and promises kept and broken. Collectors, managers, approvers and admins see it
// (viewAccounts on every account); a sales rep is sent to their accounts.
import type { Request } from 'express';
import { localDate } from '../../../src/domain/calendar.js';
import { formatMoney } from '../../../src/domain/money.js';
import type { AccountStateDoc } from '../../../src/planning/state.js';
import { collections } from '../../../src/store/store.js';
import type { ApprovalDoc, CreditHoldDoc, CustomerDoc } from '../../../src/store/types.js';
import { AGING_BUCKETS, type AgingSummary } from '../../../slack/blocks/command.js';
import { aging } from '../../../slack/services/command.js';
import { barChart } from '../charts.js';
import { html, type Html } from '../html.js';
import type { ConsoleDeps, ConsoleRoute, Outcome, Viewer } from '../router.js';

/** An account's state as the overview counts it, most serious first. */
export const CONSOLE_STATES = ['written_off', 'referred', 'hold', 'dispute', 'promise', 'paused', 'active'] as const;
export type ConsoleState = (typeof CONSOLE_STATES)[number];
export const STATE_LABELS: Record<ConsoleState, string> = {
  written_off: 'Written off', referred: 'Referred to agency', hold: 'On credit hold', dispute: 'In dispute', promise: 'Promise or payment plan', paused: 'Paused (snoozed or excluded)', active: 'Active',
};

export interface StateFacts {
  state: AccountStateDoc | null;
  onHold: boolean;
  referred: boolean;
  writtenOff: boolean;
}

/** One state per account, the most serious that applies (written off > referred > hold > dispute > promise > paused > active). Pure. */
export function consoleStateOf(f: StateFacts, today: string): ConsoleState {
  if (f.writtenOff) return 'written_off';
  if (f.referred) return 'referred';
  if (f.onHold) return 'hold';
  const s = f.state;
  if ((s?.disputes ?? []).some((d) => d.resolvedAt === undefined)) return 'dispute';
  if ((s?.promises ?? []).some((p) => p.status === 'open') || (s?.paymentPlans ?? []).some((p) => p.status === 'active')) return 'promise';
  const excluded = s?.overrides?.exclusion !== undefined && (s.overrides.exclusion.until === undefined || s.overrides.exclusion.until >= today);
  if (excluded || (s?.snoozes ?? []).some((z) => z.until >= today)) return 'paused';
  return 'active';
}

export interface Overview {
  aging: AgingSummary;
  currencies: string[];
  byState: Record<ConsoleState, number>;
  promises: { kept: number; broken: number; open: number };
}

/** The overview's figures: the aging, then four reads by the organisation (accounts, their states, active holds, approved requests). */
export async function overviewOf(deps: ConsoleDeps, orgId: string, timeZone: string): Promise<Overview> {
  const { store, now } = deps.services;
  const at = now();
  const today = localDate(at, timeZone);
  const db = store.db;
  const [agingSummary, customers, states, holds, approved] = await Promise.all([
    aging({ store, now }, orgId),
    db.collection<CustomerDoc>(collections.customers).find({ orgId, active: true }, { projection: { _id: 1 } }).toArray(),
    db.collection<AccountStateDoc>(collections.accountStates).find({ orgId }).toArray(),
    db.collection<CreditHoldDoc>(collections.creditHolds).find({ orgId, status: 'active' }, { projection: { customerId: 1 } }).toArray(),
    db.collection<ApprovalDoc>(collections.approvals).find({ orgId, status: 'approved' }, { projection: { customerId: 1, kind: 1 } }).toArray(),
  ]);
  const stateOf = new Map(states.map((s) => [s._id, s]));
  const onHold = new Set(holds.map((h) => h.customerId));
  const referred = new Set(approved.filter((a) => a.kind === 'agency_referral').map((a) => a.customerId));
  const writtenOff = new Set(approved.filter((a) => a.kind === 'write_off').map((a) => a.customerId));
  const byState = Object.fromEntries(CONSOLE_STATES.map((s) => [s, 0])) as Record<ConsoleState, number>;
  for (const c of customers) byState[consoleStateOf({ state: stateOf.get(c._id) ?? null, onHold: onHold.has(c._id), referred: referred.has(c._id), writtenOff: writtenOff.has(c._id) }, today)] += 1;
  const promises = { kept: 0, broken: 0, open: 0 };
  for (const s of states) for (const p of s.promises ?? []) promises[p.status] += 1;
  const currencies = [...new Set(AGING_BUCKETS.flatMap((b) => Object.keys(agingSummary.buckets[b].totals)))].sort();
  return { aging: agingSummary, currencies, byState, promises };
}

const bucketLabel = (b: (typeof AGING_BUCKETS)[number]): string => (b === 'current' ? 'Not yet due' : `${b} days`);

export function overviewBody(o: Overview): Html {
  const agingTables = o.currencies.map((cur) => {
    const bars = AGING_BUCKETS.map((b) => {
      const minor = o.aging.buckets[b].totals[cur] ?? 0;
      return { label: bucketLabel(b), value: minor, text: formatMoney({ amountMinor: minor, currency: cur }) };
    });
    return html`<h3>${cur}</h3>
${barChart(`aging-${cur}`, `Open invoices in ${cur} by days past due`, bars)}
<table><caption>Open balance in ${cur} by age</caption><thead><tr><th scope="col">Age</th><th scope="col" class="num">Open balance</th></tr></thead>
<tbody>${bars.map((b) => html`<tr><th scope="row">${b.label}</th><td class="num">${b.text}</td></tr>`)}</tbody></table>`;
  });
  const states = CONSOLE_STATES.map((s) => ({ label: STATE_LABELS[s], value: o.byState[s], text: String(o.byState[s]) }));
  const closed = o.promises.kept + o.promises.broken;
  return html`<section aria-labelledby="aging-h"><h2 id="aging-h">Aging</h2>
<p>${o.aging.accounts} account${o.aging.accounts === 1 ? '' : 's'} with open invoices on ${o.aging.today}.${o.aging.undated ? html` ${o.aging.undated.invoices} open invoice${o.aging.undated.invoices === 1 ? ' has' : 's have'} no due date and ${o.aging.undated.invoices === 1 ? 'is' : 'are'} not chased.` : ''}</p>
${o.currencies.length === 0 ? html`<p>No open invoices.</p>` : agingTables}
</section>
<section aria-labelledby="states-h"><h2 id="states-h">Accounts by state</h2>
${barChart('states', 'Accounts by state', states)}
<table><caption>Accounts by state</caption><thead><tr><th scope="col">State</th><th scope="col" class="num">Accounts</th></tr></thead>
<tbody>${states.map((s) => html`<tr><th scope="row">${s.label}</th><td class="num">${s.text}</td></tr>`)}</tbody></table>
</section>
<section aria-labelledby="promises-h"><h2 id="promises-h">Promises to pay</h2>
<table><caption>Promises to pay, all time</caption><thead><tr><th scope="col">Outcome</th><th scope="col" class="num">Promises</th></tr></thead>
<tbody><tr><th scope="row">Kept</th><td class="num">${o.promises.kept}</td></tr><tr><th scope="row">Broken</th><td class="num">${o.promises.broken}</td></tr><tr><th scope="row">Still open</th><td class="num">${o.promises.open}</td></tr></tbody></table>
<p>${closed === 0 ? 'No promise has been settled yet.' : `${Math.round((o.promises.kept / closed) * 100)}% of settled promises were kept.`}</p>
</section>`;
}

export const overviewRoute: ConsoleRoute = {
  method: 'get',
  path: '/',
  needs: 'viewAccounts',
  async handle(_req: Request, v: Viewer, deps: ConsoleDeps): Promise<Outcome> {
    if (v.scopeOf('viewAccounts') !== 'any') return { kind: 'redirect', to: '/console/accounts' };
    const o = await overviewOf(deps, v.session.orgId, v.org?.timeZone ?? 'UTC');
    return { kind: 'page', title: 'Overview', nav: 'overview', body: overviewBody(o) };
  },
};

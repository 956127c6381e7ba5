// The overview (GET /console): the organisation's daily snapshot (src/planning/snapshots.ts, written by the
// daily planning pass): open invoices by age per currency (the same buckets as `/overdue aging`), the DSO
// and past-due trend over the last 90 days, money collected per ladder level, accounts by state, and
// promises kept and broken. Collectors, managers, approvers and admins see it
// (viewAccounts on every account); a sales rep is sent to their accounts.
import type { Request } from 'express';
import { AGING_BUCKETS } from '../../../src/domain/aging.js';
import { addDays, localDate } from '../../../src/domain/calendar.js';
import { formatMoney } from '../../../src/domain/money.js';
import { orgSnapshots, snapshotOnDemand, TREND_DAYS, type OrgSnapshotDoc } from '../../../src/planning/snapshots.js';
import { CONSOLE_STATES, consoleStateOf, type ConsoleState, type StateFacts } from '../../../src/planning/summaries.js';
import { barChart, lineChart } from '../charts.js';
import { html, type Html } from '../html.js';
import type { ConsoleDeps, ConsoleRoute, Outcome, Viewer } from '../router.js';

// The state rule lives with the summary rows (src/planning/summaries.ts); re-exported for the pages and tests.
export { CONSOLE_STATES, consoleStateOf, type ConsoleState, type StateFacts };
export const STATE_LABELS: Record<ConsoleState, string> = {
  written_off: 'Written off', referred: 'Referred to agency', hold: 'On credit hold', dispute: 'In dispute', promise: 'Promise or payment plan', paused: 'Paused (snoozed or excluded)', active: 'Active',
};

export interface Overview {
  /** The latest snapshot, and the trend's (the last TREND_DAYS days', oldest first, the latest included). */
  latest: OrgSnapshotDoc;
  trend: OrgSnapshotDoc[];
  /** The latest was computed by this request (the organisation had none yet). */
  computedNow: boolean;
  today: string;
}

/**
 * The overview's figures: the organisation's snapshots of the last TREND_DAYS days in one read (orgId
 * equality, `_id` range; src/planning/snapshots.ts), the newest being the latest. Without any (a fresh
 * organisation, before its first daily pass) one is computed from the summary rows, once.
 */
export async function overviewOf(deps: ConsoleDeps, orgId: string, timeZone: string): Promise<Overview> {
  const { store, now } = deps.services;
  const at = now();
  const today = localDate(at, timeZone);
  const trend = await orgSnapshots(store.db).range(orgId, addDays(today, -(TREND_DAYS - 1)), today);
  const latest = trend[trend.length - 1];
  if (latest) return { latest, trend, computedNow: false, today };
  const made = await snapshotOnDemand(store.db, orgId, today, timeZone, at);
  return { latest: made, trend: [made], computedNow: true, today };
}

const bucketLabel = (b: (typeof AGING_BUCKETS)[number]): string => (b === 'current' ? 'Not yet due' : `${b} days`);
const money = (minor: number, currency: string): string => formatMoney({ amountMinor: minor, currency });
const amountIn = (xs: { currency: string; minor: number }[], currency: string): number => xs.find((x) => x.currency === currency)?.minor ?? 0;

function trendSection(o: Overview): Html {
  const currencies = [...new Set(o.trend.flatMap((s) => [...s.pastDue.map((x) => x.currency), ...s.dso.map((x) => x.currency)]))].sort();
  if (currencies.length === 0) return html`<p>No receivables yet.</p>`;
  return html`${currencies.map((cur) => {
    const dso = o.trend.map((s) => {
      const d = s.dso.find((x) => x.currency === cur)?.days ?? null;
      return { label: s.date, value: d, text: d === null ? 'no sales' : `${d} days` };
    });
    const pastDue = o.trend.map((s) => ({ label: s.date, value: amountIn(s.pastDue, cur), text: money(amountIn(s.pastDue, cur), cur) }));
    return html`<h3>${cur}</h3>
${lineChart(`dso-${cur}`, `DSO in ${cur}, last ${o.trend.length} day${o.trend.length === 1 ? '' : 's'}`, dso)}
${lineChart(`pastdue-${cur}`, `Past-due balance in ${cur}, last ${o.trend.length} day${o.trend.length === 1 ? '' : 's'}`, pastDue)}
<table><caption>DSO and past due in ${cur} by day</caption><thead><tr><th scope="col">Date</th><th scope="col" class="num">DSO (days)</th><th scope="col" class="num">Past due</th><th scope="col" class="num">Receivables</th><th scope="col" class="num">Credit sales, 90 days</th></tr></thead>
<tbody>${[...o.trend].reverse().map((s) => {
      const d = s.dso.find((x) => x.currency === cur)?.days ?? null;
      return html`<tr><th scope="row">${s.date}</th><td class="num">${d === null ? '—' : d.toFixed(1)}</td><td class="num">${money(amountIn(s.pastDue, cur), cur)}</td><td class="num">${money(amountIn(s.open, cur), cur)}</td><td class="num">${money(amountIn(s.creditSales, cur), cur)}</td></tr>`;
    })}</tbody></table>`;
  })}`;
}

function collectedSection(s: OrgSnapshotDoc): Html {
  const currencies = [...new Set(s.collected.map((c) => c.currency))].sort();
  if (currencies.length === 0) return html`<p>No payment dated after ${s.collectedSince}.</p>`;
  return html`${currencies.map((cur) => {
    const lines = s.collected.filter((c) => c.currency === cur);
    const bars = lines.map((l) => ({ label: l.levelName, value: l.minor, text: money(l.minor, cur) }));
    return html`<h3>${cur}</h3>
${barChart(`collected-${cur}`, `Money collected in ${cur} per ladder level`, bars)}
<table><caption>Money collected in ${cur} per ladder level, payments dated after ${s.collectedSince}</caption><thead><tr><th scope="col">Level (last action before the payment)</th><th scope="col" class="num">Payments</th><th scope="col" class="num">Collected</th></tr></thead>
<tbody>${lines.map((l) => html`<tr><th scope="row">${l.levelName}</th><td class="num">${l.payments}</td><td class="num">${money(l.minor, cur)}</td></tr>`)}</tbody></table>`;
  })}`;
}

export function overviewBody(o: Overview): Html {
  const s = o.latest;
  const agingTables = s.aging.map(({ currency: cur, buckets }) => {
    const bars = AGING_BUCKETS.map((b, k) => {
      const minor = buckets[k] ?? 0;
      return { label: bucketLabel(b), value: minor, text: money(minor, cur) };
    });
    return html`<h3>${cur}</h3>
${barChart(`aging-${cur}`, `Open invoices in ${cur} by days past due`, bars)}
<table><caption>Open balance in ${cur} by age</caption><thead><tr><th scope="col">Age</th><th scope="col" class="num">Open balance</th></tr></thead>
<tbody>${bars.map((b) => html`<tr><th scope="row">${b.label}</th><td class="num">${b.text}</td></tr>`)}</tbody></table>`;
  });
  const states = CONSOLE_STATES.map((st) => ({ label: STATE_LABELS[st], value: s.byState[st], text: String(s.byState[st]) }));
  const closed = s.promises.kept + s.promises.broken;
  const undatedTotal = s.undatedInvoices;
  const asOf = o.computedNow
    ? html`<p class="notice" role="status">Figures as of ${s.date}, computed now from the accounts' summaries: this organisation has no daily snapshot yet (the daily planning pass writes one each morning).</p>`
    : html`<p class="muted">Figures as of ${s.date} (the daily snapshot${s.source === 'on_demand' ? ', computed on demand' : ''}, ${s.computedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC).</p>`;
  return html`${asOf}
<section aria-labelledby="aging-h"><h2 id="aging-h">Aging</h2>
<p>${s.accountsWithOpen} account${s.accountsWithOpen === 1 ? '' : 's'} with open invoices on ${s.date}.${undatedTotal ? html` ${undatedTotal} open invoice${undatedTotal === 1 ? ' has' : 's have'} no due date and ${undatedTotal === 1 ? 'is' : 'are'} not chased.` : ''}</p>
${s.aging.length === 0 ? html`<p>No open invoices.</p>` : agingTables}
</section>
<section aria-labelledby="trend-h"><h2 id="trend-h">DSO and past due over time</h2>
<p class="muted">DSO = receivables at the day's end ÷ credit sales over the 90 days up to it × 90, per currency, from the synced invoices.</p>
${trendSection(o)}
</section>
<section aria-labelledby="collected-h"><h2 id="collected-h">Money collected per ladder level</h2>
<p class="muted">Each payment counts for the level of the last reminder, letter or other customer-facing step sent before its date.</p>
${collectedSection(s)}
</section>
<section aria-labelledby="states-h"><h2 id="states-h">Accounts by state</h2>
${barChart('states', 'Accounts by state', states)}
<table><caption>Accounts by state</caption><thead><tr><th scope="col">State</th><th scope="col" class="num">Accounts</th></tr></thead>
<tbody>${states.map((x) => html`<tr><th scope="row">${x.label}</th><td class="num">${x.text}</td></tr>`)}</tbody></table>
</section>
<section aria-labelledby="promises-h"><h2 id="promises-h">Promises to pay</h2>
<table><caption>Promises to pay, all time</caption><thead><tr><th scope="col">Outcome</th><th scope="col" class="num">Promises</th></tr></thead>
<tbody><tr><th scope="row">Kept</th><td class="num">${s.promises.kept}</td></tr><tr><th scope="row">Broken</th><td class="num">${s.promises.broken}</td></tr><tr><th scope="row">Still open</th><td class="num">${s.promises.open}</td></tr></tbody></table>
<p>${closed === 0 ? 'No promise has been settled yet.' : `${Math.round((s.promises.kept / closed) * 100)}% of settled promises were kept.`}</p>
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

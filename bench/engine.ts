// `npm run bench -- engine`: decide() over 100,000 seeded accounts (1–20 invoices
// each; mostly current, some deep past due, some paused, several currencies and
// time zones). Target: ≥ 100,000 accounts/s on one core, peak RSS < 500 MB.

import { fromDayNumber, toDayNumber, zonedInstantOfDayNumber } from '../src/domain/calendar.js';
import type { Account, Contact, HistoryEntry, Invoice } from '../src/engine/account.js';
import { actionKey, decide } from '../src/engine/decide.js';
import { defaultPolicy } from '../src/engine/default-policy.js';
import { compilePolicy } from '../src/engine/policy.js';

/** Compiled once, as the planner's callers do (src/engine/policy.ts PolicyLike). */
const policy = compilePolicy(defaultPolicy);
import { rng } from '../test/sandbox/common.js';

const ACCOUNTS = 100_000;
const TARGET_PER_SECOND = 100_000;
const TARGET_RSS_MB = 500;
const PASSES = 3;
const BATCH = 5_000;
const SEED = 20250301;

const ZONES: [string, ...string[]] = ['America/New_York', 'America/Chicago', 'America/Los_Angeles', 'Europe/London', 'Europe/Berlin', 'Pacific/Auckland', 'Australia/Sydney', 'Asia/Tokyo'];
const CURRENCIES: [string, ...string[]] = ['USD', 'USD', 'USD', 'USD', 'EUR', 'EUR', 'GBP', 'CAD', 'AUD', 'JPY'];
const ROLES = ['billing', 'ap', 'ap_manager', 'controller', 'cfo', 'owner'];

function build(r: () => number, first: number, n: number, today: number): Account[] {
  const pick = <T>(xs: readonly [T, ...T[]]): T => xs[Math.floor(r() * xs.length)] ?? xs[0];
  const int = (lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
  const accounts: Account[] = [];
  for (let i = first; i < first + n; i++) {
    const id = `acc-${i}`;
    const tz = pick(ZONES);
    const currency = pick(CURRENCIES);
    const kind = r();
    // 60% current, 22% early past due, 10% deep past due, 8% paused
    const maxAge = kind < 0.6 ? -1 : kind < 0.82 ? 40 : kind < 0.92 ? 140 : 70;
    const invoices: Invoice[] = [];
    const count = int(1, 20);
    let oldestAge = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < count; j++) {
      const age = maxAge < 0 ? int(-60, 0) : j === 0 ? int(1, maxAge) : int(-60, maxAge);
      oldestAge = Math.max(oldestAge, age);
      const total = int(5_000, currency === 'JPY' ? 2_000_000 : 3_000_000);
      const status = r() < 0.05 ? 'paid' : 'open';
      invoices.push({
        id: `${id}-i${j}`,
        number: `INV-${i * 20 + j}`,
        issueDate: date(today - age - 30),
        dueDate: date(today - age),
        currency: j > 0 && r() < 0.05 ? 'EUR' : currency,
        totalMinor: total,
        balanceMinor: status === 'paid' ? 0 : r() < 0.2 ? Math.floor(total / 2) : total,
        status,
        disputed: r() < 0.02,
      });
    }
    const contacts: Contact[] = [];
    for (const role of ROLES) {
      if (r() < 0.7) contacts.push({ id: `${id}-${role}`, name: `${role} person`, email: `${role}@c${i}.test`, roles: [role], bounced: r() < 0.05 });
    }
    // history: the levels the account has already been through
    const history: HistoryEntry[] = [];
    const ids = invoices.filter((x) => x.status === 'open' && today - toDayNumber(x.dueDate) >= 1).map((x) => x.id).sort();
    if (ids.length > 0) {
      for (const level of defaultPolicy.levels) {
        const t = level.trigger;
        if (t.kind !== 'daysPastDue' || t.days < 1 || t.days >= oldestAge || r() < 0.1) continue;
        const at = zonedInstantOfDayNumber(today - oldestAge + t.days, 10 * 60, tz);
        for (const act of level.actions) {
          history.push({
            key: actionKey(id, level.id, act.id, ids),
            levelId: level.id,
            actionId: act.id,
            kind: act.kind,
            invoiceIds: ids,
            at,
            responseBy: act.kind === 'letter' ? date(today - oldestAge + t.days + (act.responseDays ?? 0)) : undefined,
            task: act.kind === 'task' ? act.task : undefined,
          });
        }
      }
    }
    const paused = kind >= 0.92;
    const t0 = zonedInstantOfDayNumber(today - int(1, 20), 12 * 60, tz);
    accounts.push({
      id,
      name: `Customer ${i}`,
      timeZone: tz,
      tags: r() < 0.05 ? ['strategic'] : [],
      invoices,
      payments: [],
      credits: r() < 0.05 ? [{ id: `${id}-cn`, issuedAt: t0, currency, amountMinor: 10_000, remainingMinor: 10_000 }] : [],
      contacts,
      salesRep: { id: 'rep', name: 'Sam Rep' },
      collector: { id: 'col', name: 'Cole Lector' },
      personalGuarantee: r() < 0.1,
      holidays: [],
      history,
      disputes: paused && r() < 0.3 ? [{ id: `${id}-d`, openedAt: t0 }] : [],
      promises: paused && r() < 0.5 ? [{ id: `${id}-p`, madeAt: t0, promisedDate: date(today + int(-5, 10)), status: 'open' }] : [],
      paymentPlans: [],
      snoozes: paused ? [{ id: `${id}-s`, by: 'collector', createdAt: t0, until: date(today + int(-3, 5)) }] : [],
      lastCustomerReplyAt: paused && r() < 0.3 ? t0 : undefined,
    });
  }
  return accounts;
}

/** Calendar dates are shared strings, as a store driver would hand out for repeated values. */
const dates = new Map<number, string>();
function date(n: number): string {
  let d = dates.get(n);
  if (d === undefined) {
    d = fromDayNumber(n);
    dates.set(n, d);
  }
  return d;
}

export async function run(): Promise<void> {
  const now = Date.parse('2025-03-12T15:00:00Z');
  const today = toDayNumber('2025-03-12');
  let peakRss = process.memoryUsage().rss;
  const sample = (): void => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  };

  // The accounts are built in batches, the way the planning job pages through
  // the store; only decide() is timed. Every pass sees the same seeded accounts.
  const batches = Math.ceil(ACCOUNTS / BATCH);
  let invoices = 0;
  let buildMs = 0;
  const states: Record<string, number> = {};
  let actions = 0;
  const passMs: number[] = new Array<number>(PASSES + 1).fill(0);
  const r = rng(SEED);
  for (let b = 0; b < batches; b++) {
    const t0 = performance.now();
    const accounts = build(r, b * BATCH, Math.min(BATCH, ACCOUNTS - b * BATCH), today);
    buildMs += performance.now() - t0;
    for (const a of accounts) invoices += a.invoices.length;
    sample();
    // pass 0 warms up (JIT, time-zone offset cache) and counts; passes 1.. are timed
    for (const a of accounts) {
      const d = decide(a, policy, now);
      states[d.state] = (states[d.state] ?? 0) + 1;
      actions += d.actions.length;
    }
    for (let pass = 1; pass <= PASSES; pass++) {
      let sink = 0;
      const start = performance.now();
      for (let i = 0; i < accounts.length; i++) {
        const a = accounts[i];
        if (a) sink += decide(a, policy, now).actions.length;
      }
      passMs[pass] = (passMs[pass] ?? 0) + performance.now() - start;
      sample();
      if (sink < 0) throw new Error('unreachable');
    }
  }

  const best = Math.min(...passMs.slice(1));
  const perSecond = Math.round((ACCOUNTS / best) * 1000);
  const rssMb = peakRss / (1024 * 1024);
  console.log(`accounts: ${ACCOUNTS.toLocaleString('en')} (${invoices.toLocaleString('en')} invoices) in batches of ${BATCH.toLocaleString('en')}, built in ${buildMs.toFixed(0)} ms`);
  console.log(`states: ${Object.entries(states).map(([k, v]) => `${k} ${v}`).join(', ')}; actions due now: ${actions}`);
  console.log(`decide(): best of ${PASSES} passes ${best.toFixed(0)} ms → ${perSecond.toLocaleString('en')} accounts/s (${(perSecond / TARGET_PER_SECOND).toFixed(2)}× target ${TARGET_PER_SECOND.toLocaleString('en')}/s) ${perSecond >= TARGET_PER_SECOND ? 'ok' : 'BELOW'}`);
  console.log(`peak RSS: ${rssMb.toFixed(0)} MB (target < ${TARGET_RSS_MB} MB) ${rssMb < TARGET_RSS_MB ? 'ok' : 'OVER'}`);
}

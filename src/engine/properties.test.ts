// Property-based tests of the ladder over simulated runs: decide() is called day
// by day (sometimes twice a day) and every action it returns is recorded as done.
import fc from 'fast-check';
import { addDays, localDayNumber, localMinuteOfDay, toDayNumber, zonedInstantOfDayNumber, isBusinessDayNumber, compileCalendar } from '../domain/calendar.js';
import type { Account, HistoryEntry, Invoice } from './account.js';
import { decide } from './decide.js';
import { DEFAULT_POLICY_INPUT, defaultPolicy } from './default-policy.js';
import { historyEntryFor } from './explain.js';
import { parsePolicy, type Policy } from './policy.js';
import { account, FULL_CONTACTS, invoice } from './testkit.js';

const START = '2025-01-06';
const everyDay = parsePolicy({ ...structuredClone(DEFAULT_POLICY_INPUT), calendar: { ...DEFAULT_POLICY_INPUT.calendar, weekend: [] } });
const ZONES = ['America/New_York', 'Europe/London', 'Pacific/Auckland', 'Asia/Tokyo', 'UTC'];

const invoiceArb = (i: number) =>
  fc
    .record({
      dueOffset: fc.integer({ min: -150, max: 40 }),
      amount: fc.integer({ min: 1, max: 8_000_000 }),
      currency: fc.constantFrom('USD', 'USD', 'EUR', 'JPY'),
      disputed: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
    })
    .map(({ dueOffset, amount, currency, disputed }): Invoice => invoice(`i${i}`, addDays(START, dueOffset), amount, { currency, disputed }));

const accountArb: fc.Arbitrary<Account> = fc
  .record({
    n: fc.integer({ min: 1, max: 6 }),
    invoices: fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 6, maxLength: 6 }),
    tz: fc.constantFrom(...ZONES),
    contacts: fc.subarray([...FULL_CONTACTS]),
    bounced: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
    strategic: fc.boolean(),
    pause: fc.constantFrom('none', 'none', 'promise', 'plan', 'snooze', 'dispute', 'reply'),
    pauseAt: fc.integer({ min: 0, max: 60 }),
    pauseLen: fc.integer({ min: 1, max: 40 }),
  })
  .chain((r) =>
    fc.tuple(...Array.from({ length: r.n }, (_, i) => invoiceArb(i))).map((invoices): Account => {
      const base = account({
        timeZone: r.tz,
        invoices,
        contacts: r.contacts.map((c, i) => ({ ...c, bounced: r.bounced[i] === true && i % 2 === 0 })),
        tags: r.strategic ? ['strategic'] : [],
      });
      const t = zonedInstantOfDayNumber(toDayNumber(START) + r.pauseAt, 12 * 60, r.tz);
      const until = addDays(START, r.pauseAt + r.pauseLen);
      switch (r.pause) {
        case 'promise':
          return { ...base, promises: [{ id: 'p', madeAt: t, promisedDate: until, status: 'open' }] };
        case 'plan':
          return {
            ...base,
            paymentPlans: [
              { id: 'pl', createdAt: t, status: 'active', instalments: [{ dueDate: until, currency: 'USD', amountMinor: 100, paidMinor: 0 }] },
            ],
          };
        case 'snooze':
          return { ...base, snoozes: [{ id: 's', by: 'x', createdAt: t, until }] };
        case 'dispute':
          return { ...base, disputes: [{ id: 'd', openedAt: t, resolvedAt: t + r.pauseLen * 86_400_000 }] };
        case 'reply':
          return { ...base, lastCustomerReplyAt: t };
        default:
          return base;
      }
    }),
  );

interface Run {
  readonly emitted: { key: string; levelId: string; invoiceIds: readonly string[]; kind: string; at: number; historyBefore: readonly HistoryEntry[] }[];
  readonly history: HistoryEntry[];
}

function run(a: Account, policy: Policy, days: number, minute: number, twice: boolean): Run {
  const history: HistoryEntry[] = [];
  const emitted: Run['emitted'] = [];
  const first = toDayNumber(START);
  for (let d = 0; d < days; d++) {
    for (const m of twice ? [minute, Math.min(minute + 300, 23 * 60)] : [minute]) {
      const now = zonedInstantOfDayNumber(first + d, m, a.timeZone);
      const decision = decide({ ...a, history }, policy, now);
      const before = [...history];
      for (const x of decision.actions) {
        emitted.push({ key: x.key, levelId: x.levelId, invoiceIds: x.invoiceIds, kind: x.kind, at: x.at, historyBefore: before });
        history.push(historyEntryFor(x, Math.max(now, x.at)));
      }
    }
  }
  return { emitted, history };
}

const params = fc.record({
  account: accountArb,
  policy: fc.constantFrom(defaultPolicy, everyDay),
  minute: fc.integer({ min: 0, max: 23 * 60 + 59 }),
  twice: fc.boolean(),
});

describe('ladder properties over simulated runs', () => {
  it('never emits the same action key twice', () => {
    fc.assert(
      fc.property(params, ({ account: a, policy, minute, twice }) => {
        const { emitted } = run(a, policy, 200, minute, twice);
        const keys = emitted.map((e) => e.key);
        expect(new Set(keys).size).toBe(keys.length);
      }),
      { numRuns: 60 },
    );
  });

  it('never moves past a mandatory level whose actions did not all happen', () => {
    fc.assert(
      fc.property(params, ({ account: a, policy, minute, twice }) => {
        const { emitted } = run(a, policy, 200, minute, twice);
        const index = new Map(policy.levels.map((l, i) => [l.id, i]));
        for (const e of emitted) {
          const i = index.get(e.levelId) ?? -1;
          const covers = (h: HistoryEntry) => h.invoiceIds.some((id) => e.invoiceIds.includes(id));
          policy.levels.forEach((l, j) => {
            if (j >= i || !l.mandatory) return;
            for (const act of l.actions) {
              const ok = e.historyBefore.some((h) => h.levelId === l.id && h.actionId === act.id && covers(h));
              if (!ok) throw new Error(`${e.levelId} emitted before ${l.id}/${act.id} happened`);
            }
          });
          if (e.kind === 'agencyReferral') {
            for (const lvl of ['written-warning', 'final-demand']) {
              expect(e.historyBefore.some((h) => h.levelId === lvl && h.kind === 'letter' && covers(h))).toBe(true);
            }
          }
          // A write-off suggestion ends the small-balance track: only emails (and tasks to find a missing contact for them) came before it.
          if (e.kind === 'writeOffSuggestion') {
            expect(e.historyBefore.filter((h) => covers(h) && h.kind !== 'email' && h.task !== 'find-contact').map((h) => `${h.levelId}:${h.kind}`)).toEqual([]);
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it('sends at most one customer email per account per day, on business days, inside sending hours', () => {
    fc.assert(
      fc.property(params, ({ account: a, policy, minute, twice }) => {
        const { emitted } = run(a, policy, 200, minute, twice);
        const cal = compileCalendar({ weekend: policy.calendar.weekend, holidays: policy.calendar.holidays });
        const perDay = new Map<number, number>();
        for (const e of emitted) {
          if (e.kind !== 'email' && e.kind !== 'letter') continue;
          const day = localDayNumber(e.at, a.timeZone);
          perDay.set(day, (perDay.get(day) ?? 0) + 1);
          expect(isBusinessDayNumber(day, cal)).toBe(true);
          const m = localMinuteOfDay(e.at, a.timeZone);
          expect(m >= 9 * 60 && m < 17 * 60).toBe(true);
        }
        for (const n of perDay.values()) expect(n).toBe(1);
      }),
      { numRuns: 60 },
    );
  });

  it('paying everything always leads to current with every pending action cancelled', () => {
    fc.assert(
      fc.property(
        params,
        fc.integer({ min: 0, max: 150 }),
        fc.constantFrom('paid', 'voided', 'zero', 'credit'),
        ({ account: a, policy, minute }, days, how) => {
          const { history } = run(a, policy, days, minute, false);
          const settled: Account = {
            ...a,
            history,
            invoices: a.invoices.map((i) =>
              how === 'paid' ? { ...i, status: 'paid' } : how === 'voided' ? { ...i, status: 'voided' } : how === 'zero' ? { ...i, balanceMinor: 0 } : i,
            ),
            credits:
              how === 'credit'
                ? ['USD', 'EUR', 'JPY'].map((c) => ({ id: c, issuedAt: 0, currency: c, amountMinor: 1e12, remainingMinor: 1e12 }))
                : [],
            disputes: [],
          };
          const now = zonedInstantOfDayNumber(toDayNumber(START) + days, minute, a.timeZone);
          const d = decide(settled, policy, now);
          expect(d.level.id).toBe('current');
          expect(d.state).toBe('current');
          expect(d.actions).toEqual([]);
          expect(d.pendingToKeep).toEqual([]);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('always explains itself and schedules the next look in the future', () => {
    fc.assert(
      fc.property(params, fc.integer({ min: 0, max: 200 }), ({ account: a, policy, minute }, day) => {
        const now = zonedInstantOfDayNumber(toDayNumber(START) + day, minute, a.timeZone);
        const d = decide(a, policy, now);
        expect(d.explanation.length).toBeGreaterThan(0);
        expect(d.explanation).toContain(d.state === 'current' ? 'no invoice past due' : `level '`);
        if (d.nextEvaluationAt !== null) expect(d.nextEvaluationAt).toBeGreaterThan(now);
      }),
      { numRuns: 200 },
    );
  });

  it('never goes silently down the contact ladder: any other role than asked is stated, and lower only when no higher one is reachable', () => {
    fc.assert(
      fc.property(params, ({ account: a, policy, minute }) => {
        const rank = new Map(policy.contactLadder.map((r, i) => [r, i]));
        const history: HistoryEntry[] = [];
        const first = toDayNumber(START);
        for (let d = 0; d < 200; d++) {
          const now = zonedInstantOfDayNumber(first + d, minute, a.timeZone);
          const decision = decide({ ...a, history }, policy, now);
          for (const x of decision.actions) {
            history.push(historyEntryFor(x, Math.max(now, x.at)));
            if (x.kind !== 'email' && x.kind !== 'letter') continue;
            if (x.to.fallbackFrom === undefined) continue;
            expect(x.to.fallbackNote).toBeDefined();
            expect(decision.explanation).toContain(x.to.fallbackNote);
            const asked = rank.get(x.to.fallbackFrom) ?? 0;
            if ((rank.get(x.to.role) ?? 0) < asked) {
              const higher = a.contacts.some((c) => !c.bounced && c.email && c.roles.some((r) => (rank.get(r) ?? -1) > asked));
              expect(higher).toBe(false);
            }
          }
        }
      }),
      { numRuns: 60 },
    );
  });
});

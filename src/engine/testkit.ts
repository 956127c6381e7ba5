// Builders for tests, the bench and demos: plain accounts, invoices and contacts,
// and a day-by-day simulation that records every decided action as done.

import { addDays, localDayNumber, zonedInstantOfDayNumber, toDayNumber, fromDayNumber, type LocalDate } from '../domain/calendar.js';
import type { Account, Contact, HistoryEntry, Instant, Invoice } from './account.js';
import { decide, type Decision, type DecideOptions } from './decide.js';
import { historyEntryFor } from './explain.js';
import { compiledOf, type PolicyLike } from './policy.js';

export function invoice(id: string, dueDate: LocalDate, amountMinor: number, over: Partial<Invoice> = {}): Invoice {
  return {
    id,
    number: `INV-${id}`,
    issueDate: addDays(dueDate, -30),
    dueDate,
    currency: 'USD',
    totalMinor: amountMinor,
    balanceMinor: amountMinor,
    status: 'open',
    disputed: false,
    ...over,
  };
}

export function contact(id: string, roles: string[], over: Partial<Contact> = {}): Contact {
  return { id, name: `Contact ${id}`, email: `${id}@customer.test`, phone: '+1 555 0100', roles, bounced: false, ...over };
}

/** Someone in every role of the default ladder. */
export const FULL_CONTACTS: readonly Contact[] = [
  contact('bill', ['billing']),
  contact('ap', ['ap']),
  contact('apm', ['ap_manager']),
  contact('ctrl', ['controller']),
  contact('cfo', ['cfo']),
  contact('own', ['owner']),
];

export function account(over: Partial<Account> = {}): Account {
  return {
    id: 'acc-1',
    name: 'Acme Industrial',
    timeZone: 'America/New_York',
    tags: [],
    invoices: [],
    payments: [],
    credits: [],
    contacts: FULL_CONTACTS,
    salesRep: { id: 'rep', name: 'Sam Rep', slackUserId: 'U1' },
    collector: { id: 'col', name: 'Cole Lector', slackUserId: 'U2' },
    personalGuarantee: false,
    holidays: [],
    history: [],
    disputes: [],
    promises: [],
    paymentPlans: [],
    snoozes: [],
    ...over,
  };
}

/** The instant of a local date at hh:mm (minutes after midnight) in the account's zone. */
export function at(a: Pick<Account, 'timeZone'>, date: LocalDate, minuteOfDay = 10 * 60): Instant {
  return zonedInstantOfDayNumber(toDayNumber(date), minuteOfDay, a.timeZone);
}

export interface SimulationStep {
  readonly date: LocalDate;
  readonly decision: Decision;
}

/**
 * Calls decide() once per day (at `minuteOfDay` local time) from `from` for
 * `days` days, recording every action as done; `change` may alter the account
 * before a day's decision (a payment, a dispute...).
 */
export function simulate(
  start: Account,
  policyLike: PolicyLike,
  from: LocalDate,
  days: number,
  opts: { minuteOfDay?: number; options?: DecideOptions; change?: (a: Account, date: LocalDate) => Account } = {},
): { account: Account; steps: SimulationStep[] } {
  const policy = compiledOf(policyLike);
  let acc = start;
  const history: HistoryEntry[] = [...start.history];
  const steps: SimulationStep[] = [];
  const first = toDayNumber(from);
  for (let d = 0; d < days; d++) {
    const date = fromDayNumber(first + d);
    if (opts.change) acc = opts.change(acc, date);
    const now = zonedInstantOfDayNumber(first + d, opts.minuteOfDay ?? 10 * 60, acc.timeZone);
    const decision = decide({ ...acc, history }, policy, now, opts.options);
    for (const a of decision.actions) history.push(historyEntryFor(a, Math.max(now, a.at)));
    steps.push({ date, decision });
    if (localDayNumber(now, acc.timeZone) !== first + d) throw new Error('simulation clock drifted');
  }
  return { account: { ...acc, history }, steps };
}

// An account as the accounts API answers it (GET /api/orgs/:orgId/accounts,
// GET /api/accounts/:id): balances per currency in minor units, the level, the
// state and the next step, all read off the planner's own decision
// (Planner.decisionsOf: the same documents, assembly, policy and decide()) and
// the engine's past-due rule — nothing here decides anything again. Pure: the
// documents and the decision in, the answer out. The zod schemas are the
// response's shape and the OpenAPI document's (app/http/accounts.ts).
import { accountTimeZone } from './overrides.js';
import { z } from 'zod';
import { localDate } from '../domain/calendar.js';
import { addTo, type Totals } from '../domain/money.js';
import { describeAction, nextStepAfter, pastDueOf, type Account, type AccountState, type CompiledPolicy, type Decision, type DueAction } from '../engine/index.js';
import type { CustomerDoc, InvoiceDoc } from '../store/types.js';
import { disputesOf } from './assemble.js';
import { normaliseEmail, type AccountStateDoc } from './state.js';

/** The states the API answers: the engine's, plus `on_hold` for a past-due account under an active credit hold. */
export const API_ACCOUNT_STATES = ['current', 'pre_due', 'past_due', 'paused', 'on_hold'] as const;
export type ApiAccountState = (typeof API_ACCOUNT_STATES)[number];

/** The engine's state by its API name (a state the engine gains fails the typecheck here until it is named). */
const STATE_NAMES: Record<AccountState, ApiAccountState> = { current: 'current', 'pre-due': 'pre_due', 'past-due': 'past_due', paused: 'paused' };

/** An account's ledger status: active, made inactive or archived in the ledger, or deleted there. */
export const LEDGER_STATUSES = ['active', 'inactive', 'archived', 'deleted'] as const;

const Amounts = z.array(z.object({ currency: z.string().describe('ISO 4217 code'), minor: z.number().int().describe('integer minor units (cents)') }));
const LevelRef = z.object({ id: z.string(), name: z.string() });

export const NextStepSchema = z
  .object({
    date: z.string().describe('local date (YYYY-MM-DD, the account time zone)'),
    at: z.string().describe('instant (ISO 8601) the step is due'),
    kind: z.string().describe("the action's kind: email, letter, slackNudge, task, creditHold, agencyReferral, writeOffSuggestion"),
    step: z.string().describe("what happens, e.g. \"first reminder email goes to Bea Billing (billing)\""),
    level: LevelRef,
  })
  .describe('the next step of the ladder if nothing changes: due now, or the preview’s next one');

export const AccountSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  provider: z.enum(['quickbooks', 'xero']),
  ledgerStatus: z.enum(LEDGER_STATUSES),
  open: Amounts.describe('open balance per currency (every open invoice, dated or not)'),
  pastDue: Amounts.describe('past-due balance per currency (the engine rule: open, owing, due before today, not disputed)'),
  level: LevelRef.nullable().describe('the escalation level reached; null at none'),
  state: z.enum(API_ACCOUNT_STATES),
  next: NextStepSchema.nullable(),
});
export type AccountSummary = z.output<typeof AccountSummarySchema>;

export const AccountInvoiceSchema = z.object({
  id: z.string(),
  number: z.string(),
  issueDate: z.string(),
  dueDate: z.string().nullable().describe('null when the ledger gave neither a due date nor terms (dueDateSource none)'),
  dueDateSource: z.enum(['ledger', 'invoice_terms', 'customer_terms', 'organisation_terms', 'none']),
  currency: z.string(),
  totalMinor: z.number().int(),
  balanceMinor: z.number().int(),
  status: z.enum(['open', 'paid', 'voided', 'deleted']),
  pastDue: z.boolean(),
  daysPastDue: z.number().int().nullable(),
});

export const AccountContactSchema = z.object({
  id: z.string(),
  source: z.enum(['ledger', 'entered']).describe('ledger: from the sync (or the customer main address); entered: by people (API import, Slack)'),
  roles: z.array(z.string()),
  name: z.string(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  timeZone: z.string().nullable(),
  language: z.string().nullable(),
  bounced: z.boolean(),
});

export const AccountDetailSchema = AccountSummarySchema.extend({
  orgId: z.string(),
  timeZone: z.string().describe("the customer's time zone, in which sending hours apply"),
  timeZoneSource: z.enum(['contact', 'override', 'ledger', 'address', 'organisation']).describe("where the zone comes from: a contact's, the account's override, the ledger's, the billing address's country (and region), else the organisation's"),
  explanation: z.string().describe("the planner's one-line reason for the state and level"),
  invoices: z.array(AccountInvoiceSchema).describe('open invoices, oldest due first'),
  contacts: z.array(AccountContactSchema),
});
export type AccountDetail = z.output<typeof AccountDetailSchema>;

/** One account's documents and the planner's decision on them. */
export interface AccountViewInput {
  customer: CustomerDoc;
  /** The engine's account, as the planner assembled it. */
  account: Account;
  state: AccountStateDoc | null;
  /** Open invoices with a due date (the planner's) and those without one. */
  invoices: readonly InvoiceDoc[];
  undated: readonly InvoiceDoc[];
  decision: Decision;
  policy: CompiledPolicy;
}

function amounts(t: Totals): { currency: string; minor: number }[] {
  return Object.keys(t)
    .sort()
    .map((currency) => ({ currency, minor: t[currency] ?? 0 }));
}

function ledgerStatusOf(c: CustomerDoc): (typeof LEDGER_STATUSES)[number] {
  return c.active ? (c.ledgerStatus ?? 'active') : 'deleted';
}

function stepOf(a: DueAction, timeZone: string): z.output<typeof NextStepSchema> {
  return { date: localDate(a.at, timeZone), at: new Date(a.at).toISOString(), kind: a.kind, step: describeAction(a), level: { id: a.levelId, name: a.levelName } };
}

/** The next step: the decision's own actions (due now), else the first step the preview finds after today. */
export function nextStepOf(v: Pick<AccountViewInput, 'account' | 'decision' | 'policy'>): z.output<typeof NextStepSchema> | null {
  const now = [...v.decision.actions].sort((a, b) => a.at - b.at)[0];
  if (now) return stepOf(now, v.decision.timeZone);
  const later = nextStepAfter(v.account, v.policy, v.decision);
  return later ? stepOf(later.action, v.decision.timeZone) : null;
}

function pastDueLines(v: AccountViewInput): ReturnType<typeof pastDueOf> {
  const invoices = v.invoices.map((i) => ({ id: i._id, number: i.number, dueDate: i.dueDate, currency: i.currency, balanceMinor: i.balanceMinor, status: i.status }));
  return pastDueOf(invoices, disputesOf(v.state), v.decision.today, v.decision.now);
}

export function accountSummary(v: AccountViewInput): AccountSummary {
  const open: Totals = {};
  for (const i of [...v.invoices, ...v.undated]) if (i.status === 'open' && i.balanceMinor !== 0) addTo(open, i.currency, i.balanceMinor);
  const level = v.decision.level.index < 0 ? null : { id: v.decision.level.id, name: v.decision.level.name };
  const engineState = STATE_NAMES[v.decision.state];
  return {
    id: v.customer._id,
    name: v.customer.displayName,
    provider: v.customer.provider,
    ledgerStatus: ledgerStatusOf(v.customer),
    open: amounts(open),
    pastDue: amounts(pastDueLines(v).totals),
    level,
    state: engineState === 'past_due' && v.account.onHold !== undefined ? 'on_hold' : engineState,
    next: nextStepOf(v),
  };
}

/** The summary plus the account's open invoices and its contacts (the ledger's and the people-entered). */
export function accountDetail(v: AccountViewInput, bounced: ReadonlySet<string>): AccountDetail {
  const due = new Map(pastDueLines(v).invoices.map((l) => [l.id, l.daysPastDue]));
  const invoices = [...v.invoices, ...v.undated]
    .map((i) => ({
      id: i._id,
      number: i.number,
      issueDate: i.issueDate,
      dueDate: i.dueDateSource === 'none' ? null : i.dueDate,
      dueDateSource: i.dueDateSource ?? 'ledger',
      currency: i.currency,
      totalMinor: i.totalMinor,
      balanceMinor: i.balanceMinor,
      status: i.status,
      pastDue: due.has(i._id),
      daysPastDue: due.get(i._id) ?? null,
    }))
    .sort((a, b) => ((a.dueDate ?? a.issueDate) < (b.dueDate ?? b.issueDate) ? -1 : (a.dueDate ?? a.issueDate) > (b.dueDate ?? b.issueDate) ? 1 : a.number < b.number ? -1 : a.number > b.number ? 1 : 0));

  // The contacts the engine reaches (the ledger's, its main address, and entered ones once assembled), then any entered one it does not.
  const entered = new Map((v.state?.contacts ?? []).map((c) => [c.id, c]));
  const ledger = new Map(v.customer.contacts.map((c) => [c.id, c]));
  const contacts: z.output<typeof AccountContactSchema>[] = v.account.contacts.map((c) => {
    const doc = entered.get(c.id) ?? ledger.get(c.id);
    return {
      id: c.id,
      source: entered.has(c.id) ? 'entered' : 'ledger',
      roles: [...c.roles],
      name: c.name,
      email: c.email ?? null,
      phone: c.phone ?? null,
      timeZone: doc?.timeZone ?? null,
      language: doc?.language ?? null,
      bounced: c.bounced,
    };
  });
  const reached = new Set(contacts.map((c) => c.id));
  for (const c of entered.values()) {
    if (reached.has(c.id)) continue;
    contacts.push({
      id: c.id,
      source: 'entered',
      roles: [...c.roles],
      name: c.name,
      email: c.email ?? null,
      phone: c.phone ?? null,
      timeZone: c.timeZone ?? null,
      language: c.language ?? null,
      bounced: c.bouncedAt !== undefined || (c.email !== undefined && bounced.has(normaliseEmail(c.email))),
    });
  }
  const zone = accountTimeZone(v.customer, v.state, v.decision.timeZone);
  return { ...accountSummary(v), orgId: v.customer.orgId, timeZone: v.decision.timeZone, timeZoneSource: zone.source, explanation: v.decision.explanation, invoices, contacts };
}

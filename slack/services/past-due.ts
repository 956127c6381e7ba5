// An account's past-due invoices and totals as Slack shows them (nudges, holds,
// App Home, /overdue): the engine's rule (src/engine/past-due.ts) on the store's
// open invoices and the account's disputes, so Slack and the engine count alike. An
// invoice of a QuickBooks job billed with its parent reads "<number> (<job>)".
import { localDate } from '../../src/domain/calendar.js';
import { pastDueOf as pastDueByRule, type PastDue } from '../../src/engine/index.js';
import { disputesOf } from '../../src/planning/assemble.js';
import type { CustomerDoc } from '../../src/store/types.js';
import type { SlackContext } from './context.js';

export type { PastDue };

/** `tz`: the organisation's zone, used when the customer has none. */
export async function pastDueOf(ctx: SlackContext, customer: CustomerDoc, now: Date, tz: string): Promise<PastDue> {
  const today = localDate(now, customer.timeZone ?? tz);
  const open = await ctx.store.invoices.listOpenForCustomer(customer.provider, customer.companyId, customer.externalId);
  const state = await ctx.states.get(customer._id);
  // A QuickBooks job's invoice, rolled up into its parent's account, is listed with the job's name.
  const invoices = open.map((i) => ({ id: i._id, number: i.jobName !== undefined ? `${i.number} (${i.jobName})` : i.number, dueDate: i.dueDate, currency: i.currency, balanceMinor: i.balanceMinor, status: i.status }));
  return pastDueByRule(invoices, disputesOf(state), today, now.getTime());
}

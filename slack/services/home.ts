// App Home for a person: the accounts due a call (open or delivered call and
// nudge tasks of their organisation), ordered by amount × age — the largest
// currency's balance in minor units times the oldest invoice's days past due
// (no exchange rates here, so mixed-currency accounts rank by their main one).
// The collector's day (issue #17): an account's newest call task names whom to
// call (the contact its current level names, so the list climbs the ladder with
// it), at its slot in the contact's own zone, shown with the viewer's own time;
// referred, written-off and disputed accounts leave the list
// (src/planning/collector-day.ts); disputes open longer than the policy's
// disputes.escalateAfterDays are listed with the reason.
import { z } from 'zod';
import { isValidTimeZone, localDate } from '../../src/domain/calendar.js';
import type { TaskDoc } from '../../src/outbox/task-channel.js';
import { Quarantine } from '../../src/planning/quarantine.js';
import { ReconciliationRuns } from '../../src/ledger/runs.js';
import { homeView, type CallRow, type HomeSnapshot } from '../blocks/home.js';
import type { HomeView } from '../blocks/kit.js';
import { connectionsHomeBlocks } from './connections.js';
import type { SlackContext } from './context.js';
import { pastDueOf } from './past-due.js';
import { agedDisputes, offCallList } from '../../src/planning/collector-day.js';

function localTime(at: Date, tz: string): string {
  const hhmm = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: tz }).format(at);
  return `${hhmm} (${tz})`;
}

/**
 * `onlyRepOf`: a sales rep sees only their own customers; collectors, managers and admins see all. `admin`: the
 * ledger differences that persisted in the last nightly reconciliation are shown too.
 */
export async function homeSnapshot(ctx: SlackContext, orgId: string, name: string, onlyRepOf?: string, admin = false, viewerTimeZone?: string): Promise<HomeSnapshot> {
  const now = ctx.now();
  const org = await ctx.store.organisations.get(orgId);
  const tz = org?.timeZone ?? 'UTC';
  const tasks = await ctx.tasks
    .find({ orgId, kind: { $in: ['slack-nudge', 'call'] as TaskDoc['kind'][] }, status: { $in: ['open', 'delivered'] as TaskDoc['status'][] }, dueAt: { $lte: new Date(now.getTime() + 86_400_000) } })
    .sort({ createdAt: -1, dueAt: -1 })
    .toArray();
  // The newest task of each account: its current level's, whose target climbs the contact ladder as the level does.
  const byCustomer = new Map<string, TaskDoc>();
  for (const t of tasks) if (!byCustomer.has(t.customerId)) byCustomer.set(t.customerId, t);
  const [approved, disputes, policy] = await Promise.all([ctx.store.approvals.approvedKinds(orgId), ctx.states.disputesByOrg(orgId), ctx.policies.forOrg(orgId)]);
  const rows: (CallRow & { score: number })[] = [];
  for (const [customerId, task] of byCustomer) {
    // Referred, written off or disputed as a whole: nothing to call about.
    if (offCallList(approved.get(customerId) ?? new Set(), disputes.get(customerId) ?? []) !== null) continue;
    const customer = await ctx.store.customers.get(customerId);
    if (!customer) continue;
    if (onlyRepOf !== undefined && customer.salesRepEmail?.toLowerCase() !== onlyRepOf) continue;
    const due = await pastDueOf(ctx, customer, now, tz);
    if (due.invoices.length === 0) continue;
    const undated = (await ctx.store.invoices.listUndatedOpenForCustomer(customer.provider, customer.companyId, customer.externalId)).filter((i) => i.balanceMinor > 0).length;
    const main = Math.max(...Object.values(due.totals));
    const target = task.action.kind === 'task' ? task.action.target : null;
    const contact = customer.contacts.find((c) => c.roles.includes('buyer')) ?? customer.contacts[0];
    const who = target?.name ?? contact?.name ?? customer.displayName;
    const phone = target?.phone ?? contact?.phone ?? customer.phone;
    // The slot is a local time of the contact's zone (src/engine/call-slots.ts): shown in it, and in the viewer's.
    const contactTz = target?.timeZone ?? customer.timeZone ?? tz;
    rows.push({
      accountName: customer.displayName, totals: due.totals, oldestDays: due.oldestDays, who, ...(phone ? { phone } : {}),
      suggestedTime: localTime(task.dueAt, contactTz), yourTime: localTime(task.dueAt, viewerTimeZone ?? tz), levelName: task.action.levelName, score: main * due.oldestDays,
      ...(customer.ledgerStatus ? { ledgerStatus: customer.ledgerStatus } : {}),
      ...(undated > 0 ? { undated } : {}),
    });
  }
  rows.sort((a, b) => b.score - a.score || a.accountName.localeCompare(b.accountName));
  // Disputes open too long: on the collector's list, with the reason (not for sales reps).
  const longDisputes: HomeSnapshot['disputes'] = [];
  if (onlyRepOf === undefined) {
    for (const [customerId, list] of disputes) {
      const aged = agedDisputes(list, now, policy.policy.disputes.escalateAfterDays)[0];
      if (!aged) continue;
      const customer = await ctx.store.customers.get(customerId);
      if (customer) longDisputes.push({ accountName: customer.displayName, days: aged.days, reason: aged.reason });
    }
    longDisputes.sort((a, b) => b.days - a.days || a.accountName.localeCompare(b.accountName));
  }
  const ledgerRuns = admin ? (await new ReconciliationRuns(ctx.store.db).listByOrg(orgId)).filter((r) => r.held.length > 0) : [];
  const [approvals, holds, connections, quarantined] = await Promise.all([
    ctx.store.approvals.listPending(orgId),
    ctx.store.creditHolds.listByOrg(orgId, 'active'),
    ctx.store.db.collection<{ _id: string; orgId: string; companyName: string; status: string; lastSyncAt?: Date }>('connections').find({ orgId }).toArray(),
    onlyRepOf === undefined ? new Quarantine(ctx.store).listByOrg(orgId) : Promise.resolve([]),
  ]);
  return {
    name,
    today: localDate(now, tz),
    calls: rows.map(({ score: _score, ...r }) => r),
    ...(longDisputes.length > 0 ? { disputes: longDisputes } : {}),
    pendingApprovals: approvals.length,
    activeHolds: holds.length,
    needsReconnect: connections.filter((c) => c.status === 'needs_reconnect').map((c) => c.companyName),
    lastSyncs: connections.map((c) => ({ company: c.companyName, at: c.lastSyncAt ? c.lastSyncAt.toISOString().slice(0, 16).replace('T', ' ') + ' UTC' : null })),
    quarantined: quarantined.map((q) => ({ accountName: q.accountName, error: q.error, since: localDate(q.since, tz) })),
    ...(admin ? { ledgerMismatches: ledgerRuns.map((r) => ({ company: r.companyName, asOf: r.asOf, accounts: [...new Set(r.mismatches.map((m) => m.accountName))] })) } : {}),
  };
}

/** The Slack user's own time zone (users.info `tz`), when Slack says and it is a valid zone; else undefined (the organisation's is used). */
export async function slackUserTimeZone(ctx: SlackContext, slackUserId: string): Promise<string | undefined> {
  try {
    const r = UserTz.safeParse(await ctx.client.users.info({ user: slackUserId }));
    const tz = r.success ? r.data.user.tz : undefined;
    return tz !== undefined && tz !== null && isValidTimeZone(tz) ? tz : undefined;
  } catch {
    return undefined;
  }
}

const UserTz = z.object({ user: z.object({ tz: z.string().nullish() }) });

/** Publish the Home tab of a Slack user; unknown users get a short note. */
export async function publishHome(ctx: SlackContext, slackUserId: string): Promise<HomeView> {
  const person = await ctx.people.findBySlackId(slackUserId);
  const view: HomeView = person
    ? homeView({ ...(await homeSnapshot(ctx, person.orgId, person.name, person.roles.some((r) => r !== 'sales_rep') ? undefined : person.email, person.roles.includes('admin'), await slackUserTimeZone(ctx, slackUserId))), console: ctx.consoleLinks !== undefined })
    : { type: 'home', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Overdue does not know you yet: ask an admin to add you (people, by email).' } }] };
  // Admins only: the *Connections* section, with connect links minted for this publish.
  if (person) view.blocks.push(...(await connectionsHomeBlocks(ctx, person, slackUserId)));
  await ctx.client.views.publish({ user_id: slackUserId, view });
  return view;
}

// An account's timeline, as people read it: one row per audit entry (what happened, when, by which
// channel, who, and why), the plan's own queueing left out. The demo's report (scripts/demo/report.ts)
// and the web console's account page (app/console) both show it from here. Pure.
import { localDate } from '../domain/calendar.js';
import type { AuditEntryDoc } from '../store/types.js';

export interface TimelineRow {
  date: string;
  time: string;
  action: string;
  channel: string;
  who: string;
  detail: string;
  /** A document sent: its archived copy (the demo report: documents/…, as fetched from the documents API). */
  document?: string;
}

export const TIMELINE_LABELS: Readonly<Record<string, string>> = {
  'account.level': 'level changed',
  'outbox.sent': 'sent',
  'outbox.cancelled': 'cancelled',
  'outbox.failed': 'failed',
  'outbox.revived': 'revived',
  'call.logged': 'call logged',
  'promise.recorded': 'promise to pay recorded',
  'payment_plan.recorded': 'payment plan recorded',
  'dispute.recorded': 'dispute recorded',
  'snooze.recorded': 'snoozed',
  'slack.nudge_delivered': 'Slack nudge delivered',
  'approval.approved': 'approved',
  'approval.rejected': 'rejected',
  'slack.approval_requested': 'approval requested in Slack',
  'slack.escalated_to_collector': 'nudge handed to the collector',
  'credit_hold.placed': 'credit hold placed',
  'credit_hold.lifted': 'credit hold lifted',
  'account.prepay_only': 'set to prepay-only',
  'document.sent': 'document sent (archived)',
};

/** Audit actions left out of the timeline: the plan's own bookkeeping (what was queued), not something that happened. */
const OMITTED = new Set(['outbox.enqueued']);

function detailOf(e: AuditEntryDoc): string {
  const explanation = e.details?.['explanation'];
  const parts = [e.outcome ?? ''];
  if (typeof explanation === 'string' && explanation !== '' && e.action === 'account.level') parts.push(`— ${explanation}`);
  return parts.filter(Boolean).join(' ');
}

function whoOf(e: AuditEntryDoc): string {
  return e.actor.kind === 'system' ? 'Overdue' : (e.actor.name ?? e.actor.id);
}

/** Local hh:mm in the zone. */
export function timeOf(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit' }).format(at);
}

/** The timeline row of one audit entry; null for the entries the timeline leaves out. */
export function timelineRowOf(e: AuditEntryDoc, timeZone: string): TimelineRow | null {
  if (OMITTED.has(e.action)) return null;
  return {
    date: localDate(e.at, timeZone),
    time: timeOf(e.at, timeZone),
    action: TIMELINE_LABELS[e.action] ?? e.action.replace(/[._]/g, ' '),
    channel: e.channel,
    who: whoOf(e),
    detail: detailOf(e),
  };
}

// Side effects people's decisions in Slack cause outside Overdue, as outbox
// entries (carried by the worker's dispatcher, idempotent by key): a credit
// hold written back to the accounting platform, and the referral packet
// emailed to the collection agency. Each enqueue is audited once.
import type { PayloadAction } from '../../src/planning/payload.js';
import type { AuditActor, OutboxChannel } from '../../src/store/types.js';
import type { SlackContext } from './context.js';

export const writebackKey = (holdId: string, event: 'placed' | 'lifted'): string => `writeback:${holdId}:${event}`;
export const agencyPacketKey = (approvalId: string): string => `agency-packet:${approvalId}`;

async function enqueue(
  ctx: SlackContext,
  e: { key: string; orgId: string; customerId: string; accountName: string; channel: OutboxChannel; action: PayloadAction; explanation: string; actor: AuditActor; outcome: string },
  now: Date,
): Promise<boolean> {
  const created = await ctx.store.outbox.enqueue(
    {
      _id: e.key, orgId: e.orgId, customerId: e.customerId, channel: e.channel, kind: e.action.kind, invoiceIds: [], dueAt: now,
      payload: { action: e.action, accountName: e.accountName, explanation: e.explanation, previousContacts: 0 },
    },
    now,
  );
  if (created) {
    await ctx.audit({
      orgId: e.orgId, accountId: e.customerId, actor: e.actor, channel: 'system', action: 'outbox.enqueued', invoiceIds: [],
      outcome: e.outcome, details: { key: e.key, kind: e.action.kind }, at: now,
    });
  }
  return created;
}

/** "Credit hold placed by Cole Lector: 70 days past due" as a note on the customer at QuickBooks / Xero (the connector dates it). */
export function enqueueWriteback(
  ctx: SlackContext,
  h: { holdId: string; orgId: string; customerId: string; accountName: string },
  event: 'placed' | 'lifted',
  by: string,
  reason: string,
  actor: AuditActor,
  now: Date,
): Promise<boolean> {
  const line = `Credit hold ${event} by ${by}: ${reason}`.replace(/\s+/g, ' ').slice(0, 480);
  const key = writebackKey(h.holdId, event);
  return enqueue(ctx, {
    key, orgId: h.orgId, customerId: h.customerId, accountName: h.accountName, channel: 'writeback',
    action: { kind: 'writeback', key, holdId: h.holdId, event, line, by },
    explanation: line, actor, outcome: `planned now: write the credit hold (${event}) back to the accounting platform`,
  }, now);
}

/** The referral packet to the agency, after the referral was approved. */
export function enqueueAgencyPacket(
  ctx: SlackContext,
  a: { approvalId: string; orgId: string; customerId: string; accountName: string },
  approver: { name: string; slackUserId: string },
  actor: AuditActor,
  now: Date,
): Promise<boolean> {
  const key = agencyPacketKey(a.approvalId);
  return enqueue(ctx, {
    key, orgId: a.orgId, customerId: a.customerId, accountName: a.accountName, channel: 'agency',
    action: { kind: 'agencyPacket', key, approvalId: a.approvalId, approvedBy: approver.name, approverSlackId: approver.slackUserId },
    explanation: `agency referral approved by ${approver.name}`, actor, outcome: 'planned now: email the referral packet to the collection agency',
  }, now);
}

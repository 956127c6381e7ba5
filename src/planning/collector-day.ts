// The collector's day, as rules (pure): which accounts leave the call list, and
// which disputes have been open too long and go on the collector's list instead.
import type { DisputeDoc } from './state.js';

const DAY_MS = 86_400_000;

/** Why an account is off the call list: referred to the agency or written off (an approved request), or disputed as a whole. */
export type OffCallList = 'referred' | 'written-off' | 'disputed';

/** The reason an account leaves the call list, or null when it stays. `approved`: the kinds of its approved requests. */
export function offCallList(approved: ReadonlySet<string>, disputes: readonly DisputeDoc[]): OffCallList | null {
  if (approved.has('agency_referral')) return 'referred';
  if (approved.has('write_off')) return 'written-off';
  if (disputes.some((d) => d.resolvedAt === undefined && (d.invoiceIds === undefined || d.invoiceIds.length === 0))) return 'disputed';
  return null;
}

export interface AgedDispute {
  readonly disputeId: string;
  /** Whole days the dispute has been open. */
  readonly days: number;
  readonly invoiceIds: readonly string[];
  /** "dispute open 21 days (the policy's limit is 14): settle it or escalate". */
  readonly reason: string;
}

/** The open disputes older than `afterDays` whole days at `now` (the policy's disputes.escalateAfterDays), oldest first. */
export function agedDisputes(disputes: readonly DisputeDoc[], now: Date, afterDays: number): AgedDispute[] {
  const out: AgedDispute[] = [];
  for (const d of disputes) {
    if (d.resolvedAt !== undefined) continue;
    const days = Math.floor((now.getTime() - d.openedAt.getTime()) / DAY_MS);
    if (days <= afterDays) continue;
    out.push({
      disputeId: d.id,
      days,
      invoiceIds: d.invoiceIds ?? [],
      reason: `dispute open ${days} days (the policy's limit is ${afterDays}): resolve it or escalate`,
    });
  }
  return out.sort((a, b) => b.days - a.days || a.disputeId.localeCompare(b.disputeId));
}

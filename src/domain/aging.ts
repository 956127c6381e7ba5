// Aging buckets of open invoices by days past due: `/overdue aging`, the web console's overview and its
// daily snapshot (src/planning/snapshots.ts) share this one rule. Pure.
export const AGING_BUCKETS = ['current', '1–30', '31–60', '61–90', '90+'] as const;
export type AgingBucket = (typeof AGING_BUCKETS)[number];

/** The bucket of an invoice `days` past due (0 or less: not yet due). */
export function bucketOf(days: number): AgingBucket {
  if (days <= 0) return 'current';
  if (days <= 30) return '1–30';
  if (days <= 60) return '31–60';
  if (days <= 90) return '61–90';
  return '90+';
}

// The mailed demand (the seeds: a demand by mail, fax and email): an agency
// referral needs the demand sent by post confirmed — the collector marks the
// mail task done with its tracking number — or an approver's explicit override
// ("refer without mailed-demand confirmation", recorded with who and why). Pure:
// the parser of the completion form and the rule over the account's mail tasks.
import { z } from 'zod';

/** A postal tracking number: 4–64 letters, digits, spaces or dashes (e.g. "9400 1000 0000 0000 0000 00", "RR123456785US"). */
export const TrackingNumberSchema = z
  .string()
  .trim()
  .min(4, 'a tracking number has at least 4 characters')
  .max(64, 'a tracking number has at most 64 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9 -]*$/, 'a tracking number is letters, digits, spaces and dashes');

/** The completion of a post, courier or fax task: a tracking number (required for post and courier; a fax may give its report id). */
export function letterTaskCompletionSchema(task: 'mail' | 'courier' | 'fax') {
  return z.object({
    trackingNumber: task === 'fax' ? TrackingNumberSchema.optional() : TrackingNumberSchema,
  });
}

/** How a task was completed (stored on the task). */
export interface TaskCompletion {
  by: { id: string; name: string };
  at: Date;
  trackingNumber?: string;
}

/** An approver's decision to refer without the mailed demand confirmed (stored on the approval). */
export interface MailedDemandOverride {
  by: { id: string; name?: string };
  reason: string;
  at: Date;
}

export type MailedDemand =
  /** The ladder asked for no demand by post. */
  | { state: 'not-asked' }
  | { state: 'confirmed'; trackingNumber: string; by: string; at: Date }
  | { state: 'override'; by: string; reason: string; at: Date }
  | { state: 'missing' };

/** The parts of a mail task the rule reads. */
export interface MailTaskView {
  status: string;
  createdAt: Date;
  completion?: TaskCompletion;
}

/**
 * The mailed demand of an account: its newest mail task confirmed with a tracking number; else the approver's
 * override; else missing — or not asked when the ladder made no mail task.
 */
export function mailedDemandStatus(mailTasks: readonly MailTaskView[], override: MailedDemandOverride | undefined): MailedDemand {
  const newest = [...mailTasks].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())[0];
  const tracking = newest?.status === 'done' ? newest.completion?.trackingNumber : undefined;
  if (newest?.completion && tracking !== undefined) return { state: 'confirmed', trackingNumber: tracking, by: newest.completion.by.name, at: newest.completion.at };
  if (override) return { state: 'override', by: override.by.name ?? override.by.id, reason: override.reason, at: override.at };
  return newest ? { state: 'missing' } : { state: 'not-asked' };
}

/** Whether a referral may be approved without an override. */
export function referralNeedsOverride(m: MailedDemand): boolean {
  return m.state === 'missing';
}

/** The approval card's line. */
export function mailedDemandLine(m: MailedDemand): string {
  const day = (d: Date): string => d.toISOString().slice(0, 10);
  switch (m.state) {
    case 'confirmed':
      return `Confirmed: tracking ${m.trackingNumber} (${m.by}, ${day(m.at)})`;
    case 'override':
      return `Not confirmed: referred without mailed-demand confirmation by ${m.by} (${day(m.at)}): ${m.reason}`;
    case 'missing':
      return 'Not confirmed: the mail task has no tracking number yet. Mark it done with the tracking number, or refer without mailed-demand confirmation (give the reason).';
    case 'not-asked':
      return 'None asked for by this ladder';
  }
}

// When a call is suggested: calls rotate through the policy's time slots
// (calendar.callSlots), one slot per attempt, so a contact who never answers at
// 09:30 is tried at 13:30, then 16:00... (the seeds: "call at a different time of
// day"), each slot a local time of the contact's own zone. Pure.

import { localDayNumber, zonedInstantOfDayNumber } from '../domain/calendar.js';
import type { Instant } from './account.js';

/** The slot (minutes after local midnight) of the `attempt`th call (0-based): the slots in turn. */
export function callSlotFor(slots: readonly number[], attempt: number, fallback: number): number {
  if (slots.length === 0) return fallback;
  const i = ((attempt % slots.length) + slots.length) % slots.length;
  return slots[i] ?? fallback;
}

/**
 * The instant of the `attempt`th call: its slot on the contact's current local day in `contactTz` (the contact's
 * own zone, else the customer's, else the organisation's). A task is "not before" this time.
 */
export function callInstant(slots: readonly number[], attempt: number, now: Instant, contactTz: string, fallback: number): Instant {
  return zonedInstantOfDayNumber(localDayNumber(now, contactTz), callSlotFor(slots, attempt, fallback), contactTz);
}

// What decide() returns: the account's state and level, the actions due now
import type { DeadlineDays } from '../domain/deadline.js';
// (each with a stable idempotency key), when to look again, and why.

import type { LocalDate } from '../domain/calendar.js';
import type { ExchangeRates, Totals } from '../domain/money.js';
import type { Instant, Person } from './account.js';

export interface DecideOptions {
  /** Rates into the organisation's home currency; thresholds then compare converted totals. */
  readonly rates?: ExchangeRates | undefined;
}

export interface LevelRef {
  readonly id: string;
  readonly name: string;
  /** Position in the policy's ladder; -1 for 'current'. */
  readonly index: number;
}

export const CURRENT_LEVEL: LevelRef = { id: 'current', name: 'current', index: -1 };

export interface Recipient {
  readonly contactId: string;
  readonly name: string;
  readonly email: string | undefined;
  readonly phone: string | undefined;
  /** The role the contact was reached as. */
  readonly role: string;
  /** The role the policy asked for, when a fallback up (or down) the ladder was needed. */
  readonly fallbackFrom: string | undefined;
  /** Said whenever an email or letter goes to another role than asked, e.g. "no CFO contact after 5 business days: sent to the controller". */
  readonly fallbackNote?: string;
  /** The contact's own time zone, when known (calls: src/engine/call-slots.ts). */
  readonly timeZone?: string;
}

/** A personal guarantee on file: the guarantor and the signed document's reference (for letters and templates). */
export interface GuaranteeRef {
  readonly contactId: string;
  readonly name: string;
  readonly documentRef: string;
}

/**
 * What a customer email or letter may truthfully say about what comes next, as the account's ladder (its
 * track) stands when the action is decided: `agency`, a later level refers the account to an agency;
 * `hold`, 'on-hold' when a credit hold is in place, 'possible' when a level from this one on places or
 * proposes one, else 'none'.
 */
export interface Wording {
  readonly agency: boolean;
  readonly hold: 'none' | 'possible' | 'on-hold';
}

export type ActionBody =
  | {
      readonly kind: 'email';
      readonly template: string;
      readonly to: Recipient;
      readonly cc: readonly Recipient[];
      readonly urgent: boolean;
      readonly readReceipt: boolean;
      readonly personalGuarantee: boolean;
      readonly guarantee?: GuaranteeRef;
      /** Present (and 'platform') when the accounting platform emails the invoices instead of our SMTP. */
      readonly via?: 'platform';
      /** Always set by the engine; absent only on actions built by hand (tests) or planned before it existed. */
      readonly wording?: Wording;
    }
  | {
      readonly kind: 'letter';
      readonly letter: 'writtenWarning' | 'finalDemand';
      readonly template: string;
      readonly to: Recipient;
      readonly cc: readonly Recipient[];
      readonly responseBy: LocalDate;
      /** The policy's response days and how they are counted: the dispatcher dates the letter it sends by them (src/domain/deadline.ts). */
      readonly responseDays?: number;
      readonly deadlineDays?: DeadlineDays;
      readonly personalGuarantee: boolean;
      readonly guarantee?: GuaranteeRef;
      /** Always set by the engine; absent only on actions built by hand (tests) or planned before it existed. */
      readonly wording?: Wording;
    }
  | {
      readonly kind: 'slackNudge';
      readonly template: string;
      readonly to: 'salesRep' | 'collector' | 'approver' | 'manager';
      readonly person: Person | null;
    }
  | {
      readonly kind: 'task';
      readonly task: 'call' | 'voicemail' | 'mail' | 'courier' | 'fax' | 'find-contact';
      readonly assignee: 'salesRep' | 'collector';
      readonly person: Person | null;
      readonly target: Recipient | null;
      /** Why the task exists when it replaces an action that could not be done. */
      readonly note: string | undefined;
    }
  | { readonly kind: 'creditHold'; readonly mode: 'propose' | 'place'; readonly approval: 'manager' | 'collector' | null }
  | { readonly kind: 'agencyReferral'; readonly approval: 'approver' }
  | { readonly kind: 'writeOffSuggestion'; readonly approval: 'approver' };

export type DueAction = ActionBody & {
  /** Stable idempotency key: account, level, action and the sorted invoice ids covered. */
  readonly key: string;
  readonly levelId: string;
  readonly levelName: string;
  readonly actionId: string;
  readonly invoiceIds: readonly string[];
  /** Not before this instant (inside sending hours; the suggested slot for calls). */
  readonly at: Instant;
  readonly customerFacing: boolean;
  /** Amounts the action is about (past-due balance net of unapplied credits, per currency). */
  readonly amounts: Totals;
};

export type ReasonCode =
  | 'nothing-past-due'
  | 'covered-by-credits'
  | 'courtesy-due'
  | 'courtesy-sent'
  | 'oldest-past-due'
  | 'balance'
  | 'fast-track'
  | 'small-balance'
  | 'invoice-excluded'
  | 'paused'
  | 'resumed'
  | 'level'
  | 'catch-up'
  /** A level brought forward to meet the agency-decision limit (decision-limit.ts). */
  | 'decision-limit'
  | 'partial-level'
  | 'waiting'
  | 'write-off'
  | 'strategic-approval'
  | 'on-hold'
  | 'contact-fallback'
  | 'contact-missing'
  | 'contact-wait'
  | 'excluded'
  | 'no-sales-rep';

export interface Reason {
  readonly code: ReasonCode;
  readonly text: string;
}

export interface PastDueSummary {
  readonly invoiceIds: readonly string[];
  readonly oldest: { readonly invoiceId: string; readonly number: string; readonly dueDate: LocalDate; readonly daysPastDue: number } | null;
  /** Days past due minus the days the ladder was paused: what the schedule counts. */
  readonly ladderDays: number;
  readonly pausedDays: number;
  readonly totals: Totals;
  /** Totals net of unapplied payments and credits in the same currency. */
  readonly netTotals: Totals;
  readonly fastTrack: string | null;
  readonly excluded: readonly { readonly invoiceId: string; readonly number: string; readonly reason: string }[];
}

export type AccountState = 'current' | 'pre-due' | 'past-due' | 'paused';

export interface Decision {
  readonly accountId: string;
  readonly now: Instant;
  readonly today: LocalDate;
  readonly timeZone: string;
  readonly state: AccountState;
  /** The level the account is at (being entered when `actions` belong to it). */
  readonly level: LevelRef;
  readonly actions: readonly DueAction[];
  /**
   * The only pending (not yet done) outbox keys of this account that are still
   * wanted. Every other pending action of the account is to be cancelled — e.g.
   * all of them when the account is paused or back to 'current'.
   */
  readonly pendingToKeep: readonly string[];
  /** When to call decide() again if nothing changes (null: only on a new event). */
  readonly nextEvaluationAt: Instant | null;
  readonly pastDue: PastDueSummary;
  readonly reasons: readonly Reason[];
  /** e.g. "oldest invoice INV-1042 is 47 days past due; balance 12,400.00 USD ≥ fast-track threshold; level 'up the ladder'" */
  readonly explanation: string;
}

/** Pending keys the outbox should cancel after this decision. */
export function keysToCancel(decision: Decision, pendingKeys: Iterable<string>): string[] {
  const keep = new Set(decision.pendingToKeep);
  return [...pendingKeys].filter((k) => !keep.has(k));
}

// The engine's input: one customer account with everything decide() needs.
// Instants are epoch milliseconds, calendar dates 'YYYY-MM-DD', money integer
// minor units. `parseAccount` turns external data (store documents, JSON) into
// an Account, accepting Date objects and ISO strings for instants.

import { z } from 'zod';
import { isValidDate, isValidTimeZone, type LocalDate } from '../domain/calendar.js';

/** Epoch milliseconds. */
export type Instant = number;

export type InvoiceStatus = 'open' | 'paid' | 'voided' | 'deleted';

export interface Invoice {
  readonly id: string;
  /** The number the customer sees, e.g. "INV-1042". */
  readonly number: string;
  readonly issueDate: LocalDate;
  readonly dueDate: LocalDate;
  readonly currency: string;
  readonly totalMinor: number;
  /** Amount still owed after payments and credits applied in the books. */
  readonly balanceMinor: number;
  readonly status: InvoiceStatus;
  /** The customer disputes this invoice: it drops out of the ladder while disputed. */
  readonly disputed: boolean;
}

export interface Payment {
  readonly id: string;
  readonly receivedAt: Instant;
  readonly currency: string;
  readonly amountMinor: number;
  /** Part of the payment not yet applied to an invoice (reduces what is chased). */
  readonly unappliedMinor: number;
}

export interface Credit {
  readonly id: string;
  readonly issuedAt: Instant;
  readonly currency: string;
  readonly amountMinor: number;
  /** Part of the credit note not yet applied to an invoice. */
  readonly remainingMinor: number;
}

export interface Contact {
  readonly id: string;
  readonly name: string;
  readonly email?: string | undefined;
  readonly phone?: string | undefined;
  /** Roles from the policy's contact ladder: billing, ap, ap_manager, controller, cfo, owner. */
  readonly roles: readonly string[];
  /** An email to this address bounced: never send to it again. */
  readonly bounced: boolean;
  /** The contact's own IANA time zone (entered on the contact), when known: calls are suggested in it. */
  readonly timeZone?: string | undefined;
}

export interface Person {
  readonly id: string;
  readonly name: string;
  readonly slackUserId?: string | undefined;
}

export type HistoryKind = 'email' | 'letter' | 'slackNudge' | 'task' | 'creditHold' | 'agencyReferral' | 'writeOffSuggestion';

/** An action already taken (sent, created, requested), as recorded by the outbox. */
export interface HistoryEntry {
  readonly key: string;
  readonly levelId: string;
  readonly actionId: string;
  readonly kind: HistoryKind;
  readonly invoiceIds: readonly string[];
  readonly at: Instant;
  /** For letters: the response deadline that was stated. */
  readonly responseBy?: LocalDate | undefined;
  /** For tasks: which task (call, voicemail, mail, courier, fax, find-contact). */
  readonly task?: string | undefined;
}

/** A dispute on the whole account (no invoiceIds) or on some invoices. */
export interface Dispute {
  readonly id: string;
  readonly invoiceIds?: readonly string[] | undefined;
  readonly openedAt: Instant;
  readonly resolvedAt?: Instant | undefined;
}

export interface PromiseToPay {
  readonly id: string;
  readonly madeAt: Instant;
  readonly promisedDate: LocalDate;
  readonly status: 'open' | 'kept' | 'broken';
  readonly closedAt?: Instant | undefined;
  /** When set, only these invoices are covered by the promise. */
  readonly invoiceIds?: readonly string[] | undefined;
}

export interface Instalment {
  readonly dueDate: LocalDate;
  readonly currency: string;
  readonly amountMinor: number;
  readonly paidMinor: number;
}

export interface PaymentPlan {
  readonly id: string;
  readonly createdAt: Instant;
  readonly status: 'active' | 'completed' | 'cancelled';
  readonly closedAt?: Instant | undefined;
  readonly invoiceIds?: readonly string[] | undefined;
  readonly instalments: readonly Instalment[];
}

export interface Snooze {
  readonly id: string;
  readonly by: string;
  readonly createdAt: Instant;
  readonly until: LocalDate;
}

export interface Account {
  readonly id: string;
  readonly name: string;
  /** IANA zone of the customer; dates and sending hours are reckoned in it. */
  readonly timeZone: string;
  /** e.g. 'strategic'. */
  readonly tags: readonly string[];
  readonly invoices: readonly Invoice[];
  readonly payments: readonly Payment[];
  readonly credits: readonly Credit[];
  readonly contacts: readonly Contact[];
  readonly salesRep?: Person | undefined;
  readonly collector?: Person | undefined;
  readonly personalGuarantee: boolean;
  /** Extra non-business days for this customer (on top of the policy's). */
  readonly holidays: readonly LocalDate[];
  readonly history: readonly HistoryEntry[];
  readonly disputes: readonly Dispute[];
  readonly promises: readonly PromiseToPay[];
  readonly paymentPlans: readonly PaymentPlan[];
  readonly snoozes: readonly Snooze[];
  readonly lastCustomerReplyAt?: Instant | undefined;
  /** An active credit hold on the account, placed at `since`: the ladder proposes / places no other. */
  readonly onHold?: { readonly since: Instant } | undefined;
  /** "Do not chase" (a per-customer override): no ladder step from `since` until `until` (a local date, inclusive; none: until lifted). */
  readonly exclusion?: { readonly reason: string; readonly since: Instant; readonly until?: LocalDate | undefined } | undefined;
  /** The personal guarantee on file (guarantor and document), for letters; implies personalGuarantee. */
  readonly guarantee?: { readonly contactId: string; readonly name: string; readonly documentRef: string } | undefined;
  /** The customer's language (BCP 47), for templates. */
  readonly language?: string | undefined;
}

// ---- schema for external input ------------------------------------------------

const InstantSchema = z.union([
  z.number().int(),
  z.date().transform((d) => d.getTime()),
  z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
]);
const DateSchema = z.string().refine(isValidDate, 'expected a calendar date YYYY-MM-DD');
const Currency = z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 currency code');
const Minor = z.number().int();
const Ids = z.array(z.string());

const PersonSchema = z.object({ id: z.string(), name: z.string(), slackUserId: z.string().optional() });

export const AccountSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  timeZone: z.string().refine(isValidTimeZone, 'unknown IANA time zone'),
  tags: z.array(z.string()).default([]),
  invoices: z
    .array(
      z.object({
        id: z.string().min(1),
        number: z.string(),
        issueDate: DateSchema,
        dueDate: DateSchema,
        currency: Currency,
        totalMinor: Minor,
        balanceMinor: Minor,
        status: z.enum(['open', 'paid', 'voided', 'deleted']),
        disputed: z.boolean().default(false),
      }),
    )
    .default([]),
  payments: z
    .array(z.object({ id: z.string(), receivedAt: InstantSchema, currency: Currency, amountMinor: Minor, unappliedMinor: Minor.default(0) }))
    .default([]),
  credits: z
    .array(z.object({ id: z.string(), issuedAt: InstantSchema, currency: Currency, amountMinor: Minor, remainingMinor: Minor.default(0) }))
    .default([]),
  contacts: z
    .array(
      z.object({
        id: z.string(),
        name: z.string(),
        email: z.string().optional(),
        phone: z.string().optional(),
        roles: z.array(z.string()).default([]),
        bounced: z.boolean().default(false),
      }),
    )
    .default([]),
  salesRep: PersonSchema.optional(),
  collector: PersonSchema.optional(),
  personalGuarantee: z.boolean().default(false),
  holidays: z.array(DateSchema).default([]),
  history: z
    .array(
      z.object({
        key: z.string(),
        levelId: z.string(),
        actionId: z.string(),
        kind: z.enum(['email', 'letter', 'slackNudge', 'task', 'creditHold', 'agencyReferral', 'writeOffSuggestion']),
        invoiceIds: Ids,
        at: InstantSchema,
        responseBy: DateSchema.optional(),
        task: z.string().optional(),
      }),
    )
    .default([]),
  disputes: z
    .array(z.object({ id: z.string(), invoiceIds: Ids.optional(), openedAt: InstantSchema, resolvedAt: InstantSchema.optional() }))
    .default([]),
  promises: z
    .array(
      z.object({
        id: z.string(),
        madeAt: InstantSchema,
        promisedDate: DateSchema,
        status: z.enum(['open', 'kept', 'broken']).default('open'),
        closedAt: InstantSchema.optional(),
        invoiceIds: Ids.optional(),
      }),
    )
    .default([]),
  paymentPlans: z
    .array(
      z.object({
        id: z.string(),
        createdAt: InstantSchema,
        status: z.enum(['active', 'completed', 'cancelled']).default('active'),
        closedAt: InstantSchema.optional(),
        invoiceIds: Ids.optional(),
        instalments: z.array(z.object({ dueDate: DateSchema, currency: Currency, amountMinor: Minor, paidMinor: Minor.default(0) })),
      }),
    )
    .default([]),
  snoozes: z.array(z.object({ id: z.string(), by: z.string(), createdAt: InstantSchema, until: DateSchema })).default([]),
  lastCustomerReplyAt: InstantSchema.optional(),
  onHold: z.object({ since: InstantSchema }).optional(),
  exclusion: z.object({ reason: z.string().min(1), since: InstantSchema, until: DateSchema.optional() }).optional(),
  guarantee: z.object({ contactId: z.string().min(1), name: z.string(), documentRef: z.string().min(1) }).optional(),
  language: z.string().min(2).optional(),
});

/** Parses external data into an Account; throws a ZodError listing every problem. */
export function parseAccount(input: unknown): Account {
  return AccountSchema.parse(input);
}

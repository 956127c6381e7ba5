// The outbox entry an engine action becomes, and the way back: planning writes
// the action (as plain JSON) into the entry's payload; the dispatcher and the
// history reader parse it back with zod — the payload is data from the database.
import { z } from 'zod';
import { DEADLINE_DAY_KINDS } from '../domain/deadline.js';
import { DECISION_ACTION_KINDS, EMAIL_ROUTE_NAMES, type DueAction, type HistoryEntry } from '../engine/index.js';

/** Plain JSON (undefined fields dropped, so the driver does not store them as null). */
function plain(value: unknown): Record<string, unknown> {
  const parsed: unknown = JSON.parse(JSON.stringify(value));
  return z.record(z.string(), z.unknown()).parse(parsed);
}

export interface PayloadExtra {
  accountName: string;
  explanation: string;
  /** Customer emails and letters already sent about the account when it was planned. */
  previousContacts: number;
}

export function payloadFor(action: DueAction, extra: PayloadExtra): Record<string, unknown> {
  return plain({ action, ...extra });
}

const RecipientSchema = z.object({
  contactId: z.string(),
  name: z.string(),
  email: z.string().optional(),
  phone: z.string().optional(),
  role: z.string(),
  fallbackFrom: z.string().optional(),
  fallbackNote: z.string().optional(),
  timeZone: z.string().optional(),
});
const GuaranteeSchema = z.object({ contactId: z.string(), name: z.string(), documentRef: z.string() });
/** The engine's Wording; absent on entries planned before it existed (the templates then assume the default ladder). */
const WordingSchema = z.object({ agency: z.boolean(), hold: z.enum(['none', 'possible', 'on-hold']) });
export type PayloadRecipient = z.infer<typeof RecipientSchema>;

const Common = {
  key: z.string(),
  levelId: z.string(),
  levelName: z.string(),
  actionId: z.string(),
  invoiceIds: z.array(z.string()),
  at: z.number(),
  customerFacing: z.boolean(),
  amounts: z.record(z.string(), z.number().int()),
};
const PersonSchema = z.object({ id: z.string(), name: z.string(), slackUserId: z.string().optional() });

export const ActionSchema = z.discriminatedUnion('kind', [
  z.object({
    ...Common,
    kind: z.literal('email'),
    template: z.string(),
    to: RecipientSchema,
    cc: z.array(RecipientSchema),
    urgent: z.boolean(),
    readReceipt: z.boolean(),
    personalGuarantee: z.boolean(),
    guarantee: GuaranteeSchema.optional(),
    via: z.enum(EMAIL_ROUTE_NAMES).optional(),
    wording: WordingSchema.optional(),
  }),
  z.object({
    ...Common,
    kind: z.literal('letter'),
    letter: z.enum(['writtenWarning', 'finalDemand']),
    template: z.string(),
    to: RecipientSchema,
    cc: z.array(RecipientSchema),
    responseBy: z.string(),
    // The policy's response days and how they count (src/domain/deadline.ts): the dispatcher dates the letter by them.
    responseDays: z.number().int().min(0).optional(),
    deadlineDays: z.enum(DEADLINE_DAY_KINDS).optional(),
    personalGuarantee: z.boolean(),
    guarantee: GuaranteeSchema.optional(),
    wording: WordingSchema.optional(),
  }),
  z.object({
    ...Common,
    kind: z.literal('slackNudge'),
    template: z.string(),
    to: z.enum(['salesRep', 'collector', 'approver', 'manager']),
    person: PersonSchema.nullable(),
  }),
  z.object({
    ...Common,
    kind: z.literal('task'),
    task: z.enum(['call', 'voicemail', 'mail', 'courier', 'fax', 'find-contact']),
    assignee: z.enum(['salesRep', 'collector']),
    person: PersonSchema.nullable(),
    target: RecipientSchema.nullable(),
    note: z.string().optional(),
  }),
  z.object({ ...Common, kind: z.literal('creditHold'), mode: z.enum(['propose', 'place']), approval: z.enum(['manager', 'collector']).nullable() }),
  z.object({ ...Common, kind: z.literal('agencyReferral'), approval: z.literal('approver') }),
  z.object({ ...Common, kind: z.literal('writeOffSuggestion'), approval: z.literal('approver') }),
  // Not engine actions: outbox entries people's decisions make (the Slack app), carried by their own channels.
  // A credit hold placed or lifted, written back to the accounting platform as a customer note / contact history.
  z.object({ kind: z.literal('writeback'), key: z.string(), holdId: z.string(), event: z.enum(['placed', 'lifted']), line: z.string().min(1).max(500), by: z.string() }),
  // The referral packet (ZIP) emailed to the organisation's collection agency after an approval.
  z.object({ kind: z.literal('agencyPacket'), key: z.string(), approvalId: z.string(), approvedBy: z.string(), approverSlackId: z.string().optional() }),
  // A credit check asked for from a look-alike alert: a task for the collector (the new customer resembles a known bad account).
  z.object({ kind: z.literal('creditCheck'), key: z.string(), flagId: z.string(), knownId: z.string(), knownName: z.string(), score: z.number(), by: z.string() }),
]);
export type PayloadAction = z.infer<typeof ActionSchema>;

/** The outbox kinds that are not engine actions: planning neither plans, cancels nor counts them as history. */
export const NON_ENGINE_KINDS = DECISION_ACTION_KINDS;
export type NonEngineAction = Extract<PayloadAction, { kind: (typeof NON_ENGINE_KINDS)[number] }>;
export type EngineAction = Exclude<PayloadAction, NonEngineAction>;

export function isEngineAction(a: PayloadAction): a is EngineAction {
  return !NON_ENGINE_KINDS.some((k) => k === a.kind);
}

/** Whether an outbox entry holds an engine action (its `kind` is the action's). */
export function isEngineEntry(e: { kind: string }): boolean {
  return !NON_ENGINE_KINDS.some((k) => k === e.kind);
}

export const PayloadSchema = z.object({ action: ActionSchema, accountName: z.string(), explanation: z.string(), previousContacts: z.number().int().min(0).default(0) });
export type Payload = z.infer<typeof PayloadSchema>;

export type ParsedPayload = { ok: true; payload: Payload } | { ok: false; problem: string };

export function parsePayload(payload: Record<string, unknown>): ParsedPayload {
  const r = PayloadSchema.safeParse(payload);
  return r.success ? { ok: true, payload: r.data } : { ok: false, problem: r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
}

/** The history entry of an action that was carried out at `at`. */
export function historyOf(action: EngineAction, at: number): HistoryEntry {
  return {
    key: action.key,
    levelId: action.levelId,
    actionId: action.actionId,
    kind: action.kind,
    invoiceIds: action.invoiceIds,
    at,
    responseBy: action.kind === 'letter' ? action.responseBy : undefined,
    task: action.kind === 'task' ? action.task : undefined,
  };
}

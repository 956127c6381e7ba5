// zod shapes of the Slack payloads the listeners read, and the small argument
// types the callbacks accept (structurally what Bolt passes).
import { z } from 'zod';
import { parseAmount, parseDate, parseText, type TextKind } from '../../src/domain/human-input.js';
import { inputIds } from '../ids.js';
import { SlackContext } from '../services/context.js';

export interface ActionArgs {
  ack: () => Promise<void>;
  body: unknown;
  context: Record<string, unknown>;
}

export interface ViewArgs {
  ack: (response?: { response_action: 'errors'; errors: Record<string, string> }) => Promise<void>;
  body: unknown;
  context: Record<string, unknown>;
}

export interface CommandArgs {
  ack: (response?: string) => Promise<void>;
  command: unknown;
  context: Record<string, unknown>;
}

export interface EventArgs {
  event: unknown;
  context: Record<string, unknown>;
}

export const SERVICES = 'overdue';

/** The Slack services the app's global middleware put on the context. */
export function servicesOf(context: Record<string, unknown>): SlackContext {
  const s = context[SERVICES];
  if (!(s instanceof SlackContext)) throw new Error('Slack services missing from the listener context');
  return s;
}

export const ButtonBody = z.object({
  user: z.object({ id: z.string().min(1) }),
  trigger_id: z.string().min(1),
  container: z.object({ channel_id: z.string().min(1), message_ts: z.string().min(1) }),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().min(1) })).min(1),
});

/** A button press: who, where, and the value (task or approval id). */
export function click(body: unknown): { id: string; userId: string; triggerId: string; channel: string; ts: string } {
  const b = ButtonBody.parse(body);
  const a = b.actions[0];
  if (!a) throw new Error('no action');
  return { id: a.value, userId: b.user.id, triggerId: b.trigger_id, channel: b.container.channel_id, ts: b.container.message_ts };
}

export const ModalMetaSchema = z.object({ id: z.string().min(1), channel: z.string().min(1), ts: z.string().min(1) });

const ViewBody = z.object({
  user: z.object({ id: z.string().min(1) }),
  view: z.object({ private_metadata: z.string(), state: z.object({ values: z.record(z.string(), z.record(z.string(), z.unknown())) }) }),
});

export interface Submitted {
  userId: string;
  meta: z.infer<typeof ModalMetaSchema>;
  /** The element state of an input block (its one element). */
  value(block: string, action: string): Record<string, unknown> | undefined;
}

export function submitted(body: unknown): Submitted {
  const b = ViewBody.parse(body);
  const meta = ModalMetaSchema.parse(JSON.parse(b.view.private_metadata));
  return {
    userId: b.user.id,
    meta,
    value(block, action) {
      const v = b.view.state.values[block]?.[action];
      return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
    },
  };
}

export const TextValue = z.object({ value: z.string().nullish() });
export const SelectValue = z.object({ selected_option: z.object({ value: z.string() }).nullish() });
export const DateValue = z.object({ selected_date: z.string().nullish() });
export const CheckboxValue = z.object({ selected_options: z.array(z.object({ value: z.string() })).nullish() });

export const text = (v: Record<string, unknown> | undefined): string | undefined => {
  const t = TextValue.safeParse(v ?? {});
  const s = t.success ? t.data.value?.trim() : undefined;
  return s ? s : undefined;
};

/**
 * A typed text field through the one text parser (capped by kind): the text, or the error for its block.
 * `required`: the message when it is empty (false: optional).
 */
export function field(
  s: Submitted,
  input: { block: string; action: string },
  kind: TextKind,
  required: string | false,
): { ok: true; value: string | undefined } | { ok: false; errors: Record<string, string> } {
  const t = parseText(text(s.value(input.block, input.action)), kind, required);
  return t.ok ? { ok: true, value: t.value } : { ok: false, errors: { [input.block]: t.problem } };
}

/** A required reason (500 characters at most): the reason, or the error for the reason block. */
export function reasonOf(s: Submitted, missing: string): { ok: true; value: string } | { ok: false; errors: Record<string, string> } {
  const r = field(s, inputIds.reason, 'reason', missing);
  return r.ok ? { ok: true, value: r.value ?? '' } : r;
}

/**
 * A "until a later date, and why" form (Snooze, Give more time): the date (after today, within the
 * horizon, a real calendar date) and reason, or the errors to show on the modal's blocks. `today`: YYYY-MM-DD.
 */
export function laterDateWithReason(
  s: Submitted,
  dateInput: { block: string; action: string },
  today: string,
  horizonDays: number,
): { ok: true; until: string; reason: string } | { ok: false; errors: Record<string, string> } {
  const picked = DateValue.safeParse(s.value(dateInput.block, dateInput.action) ?? {});
  const until = parseDate(picked.success ? picked.data.selected_date : undefined, { today, from: 'tomorrow', horizonDays });
  const reason = reasonOf(s, 'Say why');
  const errors: Record<string, string> = { ...(until.ok ? {} : { [dateInput.block]: until.problem }), ...(reason.ok ? {} : reason.errors) };
  if (!until.ok || !reason.ok) return { ok: false, errors };
  return { ok: true, until: until.value, reason: reason.value };
}

/** How far ahead the person's organisation lets people date things (its policy's limits.inputHorizonDays). */
export async function inputHorizonOf(svc: SlackContext, slackUserId: string): Promise<number> {
  const person = await svc.people.findBySlackId(slackUserId);
  return (await svc.policies.forOrg(person?.orgId)).policy.limits.inputHorizonDays;
}

/**
 * The promise-to-pay form (a nudge's or a reply card's): the date (today up to the horizon) and the amount (within
 * the balance), each through its one parser (src/domain/human-input.ts), or the errors for their blocks.
 */
export function promiseForm(
  s: Submitted,
  limits: { today: string; horizonDays: number; currency: string; owedMinor: number },
): { ok: true; date: string; amountMinor: number } | { ok: false; errors: Record<string, string> } {
  const picked = DateValue.safeParse(s.value(inputIds.promiseDate.block, inputIds.promiseDate.action) ?? {});
  const day = parseDate(picked.success ? picked.data.selected_date : undefined, { today: limits.today, from: 'today', horizonDays: limits.horizonDays });
  const amount = parseAmount(text(s.value(inputIds.promiseAmount.block, inputIds.promiseAmount.action)), { currency: limits.currency, maxMinor: limits.owedMinor });
  const errors: Record<string, string> = {};
  if (!day.ok) errors[inputIds.promiseDate.block] = day.problem;
  if (!amount.ok) errors[inputIds.promiseAmount.block] = amount.problem;
  if (!day.ok || !amount.ok) return { ok: false, errors };
  return { ok: true, date: day.value, amountMinor: amount.value };
}

/** The dispute form (a nudge's or a reply card's): at least one invoice, and why; or the errors for their blocks. */
export function disputeForm(s: Submitted): { ok: true; invoiceIds: string[]; reason: string } | { ok: false; errors: Record<string, string> } {
  const picked = CheckboxValue.safeParse(s.value(inputIds.disputeInvoices.block, inputIds.disputeInvoices.action) ?? {});
  const invoiceIds = picked.success ? (picked.data.selected_options ?? []).map((o) => o.value) : [];
  const r = reasonOf(s, 'Say what the customer disputes');
  const errors: Record<string, string> = r.ok ? {} : { ...r.errors };
  if (invoiceIds.length === 0) errors[inputIds.disputeInvoices.block] = 'Pick at least one invoice';
  if (!r.ok || invoiceIds.length === 0) return { ok: false, errors };
  return { ok: true, invoiceIds, reason: r.value };
}

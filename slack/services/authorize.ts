// The one place Slack asks who may do what (src/domain/authorization.ts): the
// person behind the Slack user in the organisation, the account's sales rep and,
// for a decision, the approval request. Every button, modal and /overdue's
// account view goes through `authorize`; the refused are told why (an unknown
// user: how to get access) and nothing is recorded.
import { may, refusal, type Action, type Target } from '../../src/domain/authorization.js';
import type { ApprovalDoc } from '../../src/store/types.js';
import type { SlackContext } from './context.js';
import type { PersonDoc } from './people.js';

export type Authorized = { ok: true; person: PersonDoc } | { ok: false; message: string; why: 'unknown' | 'role' | 'not_their_account' | 'own_request' };

/** The target of an action as the table reads it. */
export async function targetOf(ctx: SlackContext, ref: { customerId?: string; approval?: ApprovalDoc }): Promise<Target> {
  const customer = ref.customerId ? await ctx.store.customers.get(ref.customerId) : null;
  return {
    salesRepEmail: customer?.salesRepEmail,
    ...(ref.approval ? { approval: { kind: ref.approval.kind, requestedBy: ref.approval.requestedBy.kind === 'person' ? ref.approval.requestedBy.id : undefined } } : {}),
  };
}

/** May the Slack user `userId` of organisation `orgId` do `action` on this account / request? */
export async function authorize(ctx: SlackContext, orgId: string, userId: string, action: Action, ref: { customerId?: string; approval?: ApprovalDoc }): Promise<Authorized> {
  const person = await ctx.people.bySlackId(orgId, userId);
  const target = person ? await targetOf(ctx, ref) : {};
  const v = may(person ? { id: person.email, email: person.email, roles: person.roles } : null, action, target);
  if (v.ok && person) return { ok: true, person };
  const refused = v.ok ? ({ ok: false, why: 'unknown' } as const) : v;
  return { ok: false, why: refused.why, message: refusal(refused, action, target) };
}

/** `authorize`, telling the refused person why (ephemeral); the person when allowed. */
export async function authorizeOrTell(ctx: SlackContext, orgId: string, where: { channel: string; userId: string }, action: Action, ref: { customerId?: string; approval?: ApprovalDoc }): Promise<PersonDoc | null> {
  const a = await authorize(ctx, orgId, where.userId, action, ref);
  if (a.ok) return a.person;
  await ctx.tell(where.channel, where.userId, a.message);
  return null;
}

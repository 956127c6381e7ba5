// *Lift prepay-only* on an approved agency referral's message: managers and
// admins only (others are told); a modal asks for the reason; the lift happens
// once per setting (CreditFlags' claim: two managers at once lift it once, the
// other is told nothing changed), is audited `account.prepay_only_lifted`, and
// every copy of the message shows it, without the button.
import type { ModalMeta } from '../blocks/modals.js';
import { approvalMessage, liftPrepayModal } from '../blocks/approval.js';
import { esc } from '../blocks/kit.js';
import { authorizeOrTell } from './authorize.js';
import type { SlackContext } from './context.js';
import { liftPrepayOnly } from './credit-flags.js';


export async function openLiftPrepay(ctx: SlackContext, c: { approvalId: string; userId: string; triggerId: string; channel: string; ts: string }): Promise<void> {
  const doc = await ctx.messages.byApproval(c.approvalId);
  if (!doc || doc.kind !== 'approval') return ctx.tell(c.channel, c.userId, 'This request is no longer known to Overdue.');
  if (!(await authorizeOrTell(ctx, doc.orgId, { channel: c.channel, userId: c.userId }, 'liftPrepay', { customerId: doc.customerId }))) return;
  await ctx.client.views.open({ trigger_id: c.triggerId, view: liftPrepayModal(doc.snapshot.accountName, { id: c.approvalId, channel: c.channel, ts: c.ts }) });
}

export async function submitLiftPrepay(ctx: SlackContext, meta: ModalMeta, userId: string, reason: string): Promise<void> {
  const doc = await ctx.messages.byApproval(meta.id);
  if (!doc || doc.kind !== 'approval') return;
  const person = await authorizeOrTell(ctx, doc.orgId, { channel: meta.channel, userId }, 'liftPrepay', { customerId: doc.customerId });
  if (!person) return;
  const now = ctx.now();
  const r = await liftPrepayOnly(ctx.store, { customerId: doc.customerId, orgId: doc.orgId, reason, actor: ctx.actorFor(person, userId), channel: 'slack', now }, (i) => ctx.audit(i));
  if (!r.lifted) return ctx.tell(meta.channel, userId, r.why === 'already_lifted' ? 'Nothing changed: prepay-only is already lifted.' : 'Nothing changed: the account is not prepay-only.');
  const line = `${doc.resolution ?? ''}\n:unlock: *Prepay-only lifted* by ${esc(person.name)}: ${esc(reason)}`.trim();
  await ctx.messages.resolve(doc._id, line, now);
  const body = approvalMessage(doc.snapshot, line);
  for (const p of doc.posts) await ctx.client.chat.update({ channel: p.channel, ts: p.ts, text: body.text, blocks: body.blocks });
}

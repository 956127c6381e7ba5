// The Contacts modal: who Overdue talks to at a customer, and adding someone
// (the CFO, the owner, a guarantor…) from Slack. Opened by *Contacts* on the
// /overdue answer and *Who else should we talk to?* on the rep nudge (value: the
// customer id). The account's sales rep, collectors, managers and admins may
// (the one table, action editContacts). A contact added is kept in the account
// state (never touched by a sync), audited, and the account is planned again.
import { applyEntered, enteredContactAudit, mergeContacts, type EnteredChange, type EnteredContactInput } from '../../src/planning/contacts.js';
import { roleLabel } from '../../src/domain/contact-roles.js';
import { bounces } from '../../src/planning/state.js';
import type { CustomerDoc } from '../../src/store/types.js';
import { esc } from '../blocks/kit.js';
import { contactsModal, type ContactLine, type ModalMeta } from '../blocks/modals.js';
import { authorizeOrTell } from './authorize.js';
import type { SlackContext } from './context.js';

/** The account's contacts as the modal lists them: merged as planning sees them, each with where it came from. */
export async function contactLines(ctx: SlackContext, customer: CustomerDoc): Promise<ContactLine[]> {
  const entered = (await ctx.states.get(customer._id))?.contacts ?? [];
  const ids = new Set(entered.map((c) => c.id));
  const merged = mergeContacts(customer.contacts, entered);
  const bounced = await bounces(ctx.store.db).bouncedAmong(customer.orgId, merged.flatMap((c) => (c.email ? [c.email] : [])));
  return merged.map((c) => ({
    name: c.name, roles: c.roles, email: c.email, phone: c.phone,
    source: ids.has(c.id) ? 'entered' : 'ledger',
    bounced: c.bouncedAt !== undefined || (c.email !== undefined && bounced.has(c.email.toLowerCase())),
  }));
}

export async function openContactsModal(ctx: SlackContext, c: { customerId: string; userId: string; triggerId: string; channel: string; ts: string }): Promise<void> {
  const customer = await ctx.store.customers.get(c.customerId);
  if (!customer) return ctx.tell(c.channel, c.userId, 'This customer is no longer known to Overdue.');
  if (!(await authorizeOrTell(ctx, customer.orgId, { channel: c.channel, userId: c.userId }, 'editContacts', { customerId: customer._id }))) return;
  await ctx.client.views.open({ trigger_id: c.triggerId, view: contactsModal(customer.displayName, await contactLines(ctx, customer), { id: customer._id, channel: c.channel, ts: c.ts }) });
}

/** A checked submission of the modal: stored as an entered contact, audited, the person told, the account re-planned. */
export async function submitContact(ctx: SlackContext, meta: ModalMeta, userId: string, input: EnteredContactInput): Promise<void> {
  const customer = await ctx.store.customers.get(meta.id);
  if (!customer) return ctx.tell(meta.channel, userId, 'This customer is no longer known to Overdue.');
  // Checked again on submit: the modal may have been opened before the person's role changed.
  const person = await authorizeOrTell(ctx, customer.orgId, { channel: meta.channel, userId }, 'editContacts', { customerId: customer._id });
  if (!person) return;
  const actor = ctx.actorFor(person, userId);
  const now = ctx.now();
  // A retry after a lost acknowledgement finds the contact already there: the first attempt's change counts.
  const applied: { change: EnteredChange | null } = { change: null };
  await ctx.retry(() =>
    ctx.states.updateContacts(customer._id, customer.orgId, (current) => {
      const r = applyEntered(current, input, actor.id, now);
      applied.change = r.change ?? applied.change;
      return r.change ? r.contacts : null;
    }, now),
  );
  const done = applied.change;
  const who = `${esc(input.name)} (${roleLabel(input.role)})`;
  if (!done) return ctx.tell(meta.channel, userId, `${who} is already a contact of *${esc(customer.displayName)}*: nothing changed.`);
  await ctx.audit(enteredContactAudit(customer.orgId, customer._id, actor, 'slack', done, now));
  await ctx.tell(meta.channel, userId, `:bust_in_silhouette: ${done.before ? 'Updated' : 'Added'} ${who} for *${esc(customer.displayName)}*. The ladder uses them from the next plan.`);
  await ctx.replanAfter(customer._id, now);
}

// A person's edits of one account — its entered contacts and its overrides — as one set of functions
// that the admin API (app/http/overrides.ts) and the web console's account page
// (app/console/pages/account-edit.ts) both call: the same pure rules (contacts.ts, overrides.ts), the
// same write (AccountStates, one field or one contact list at a time), the same audit entries and the
// same re-plan request. Slack's Contacts modal (slack/services/contacts.ts) uses the same pure
// functions (applyEntered, enteredContactAudit) with its own retry.
import { localDate } from '../domain/calendar.js';
import type { ContactRole } from '../domain/contact-roles.js';
import type { Store } from '../store/store.js';
import type { AuditActor, CustomerDoc, OrganisationDoc } from '../store/types.js';
import { applyEntered, editEntered, enteredContactAudit, removeEntered, removedContactAudit, type EnteredChange, type EnteredContactInput } from './contacts.js';
import { describeChange, planOverrides, type OverrideChange, type OverridesPatchInput } from './overrides.js';
import { ReplanRequests } from './requests.js';
import { accountStates, type EnteredContactDoc } from './state.js';

export type EditChannel = 'api' | 'console';

export interface EditBy {
  actor: AuditActor;
  channel: EditChannel;
  at: Date;
}

const replanReason = (by: EditBy): string => `${by.channel}:${by.actor.id}`;

/** Add an entered contact (or add the role to the one with that email): stored, audited, re-planned. Null when nothing changed. */
export async function enterContact(store: Store, customer: CustomerDoc, input: EnteredContactInput, by: EditBy): Promise<EnteredChange | null> {
  const applied: { change: EnteredChange | null } = { change: null };
  await accountStates(store.db).updateContacts(customer._id, customer.orgId, (current) => {
    const r = applyEntered(current, input, by.actor.id, by.at);
    applied.change = r.change;
    return r.change ? r.contacts : null;
  }, by.at);
  const change = applied.change;
  if (!change) return null;
  await store.audit.append(enteredContactAudit(customer.orgId, customer._id, by.actor, by.channel, change, by.at));
  await new ReplanRequests(store.db).request(customer._id, replanReason(by), by.at);
  return change;
}

/** Edit an entered contact as a whole (fields and exact roles): stored, audited, re-planned. */
export async function editContact(
  store: Store,
  customer: CustomerDoc,
  id: string,
  input: EnteredContactInput,
  roles: readonly ContactRole[],
  by: EditBy,
): Promise<{ change: EnteredChange | null } | { problem: 'unknown' | 'taken' }> {
  const holder: { outcome: { change: EnteredChange | null } | { problem: 'unknown' | 'taken' } } = { outcome: { problem: 'unknown' } };
  await accountStates(store.db).updateContacts(customer._id, customer.orgId, (current) => {
    const r = editEntered(current, id, input, roles, by.actor.id, by.at);
    holder.outcome = 'problem' in r ? r : { change: r.change };
    return 'problem' in r || !r.change ? null : r.contacts;
  }, by.at);
  const done = holder.outcome;
  const change = 'change' in done ? done.change : null;
  if (change) {
    await store.audit.append(enteredContactAudit(customer.orgId, customer._id, by.actor, by.channel, change, by.at));
    await new ReplanRequests(store.db).request(customer._id, replanReason(by), by.at);
  }
  return done;
}

/** Remove an entered contact: stored, audited, re-planned. Null when there was no such contact. */
export async function removeContact(store: Store, customer: CustomerDoc, id: string, by: EditBy): Promise<EnteredContactDoc | null> {
  let removed: EnteredContactDoc | null = null;
  await accountStates(store.db).updateContacts(customer._id, customer.orgId, (current) => {
    const r = removeEntered(current, id);
    removed = r.removed;
    return r.removed ? r.contacts : null;
  }, by.at);
  const gone: EnteredContactDoc | null = removed;
  if (!gone) return null;
  await store.audit.append(removedContactAudit(customer.orgId, customer._id, by.actor, by.channel, gone, by.at));
  await new ReplanRequests(store.db).request(customer._id, replanReason(by), by.at);
  return gone;
}

export type OverridesOutcome = { ok: true; changes: OverrideChange[]; today: string; zone: string } | { ok: false; problems: { path: string; message: string }[] };

/**
 * Apply a parsed overrides patch (OverridesPatch): checked against the account first (problems: nothing
 * written), a guarantee naming a person enters them as a contact (role guarantor, audited), then each real
 * change written field by field, audited with from → to (`account.override`), and the account re-planned.
 */
export async function applyOverrides(store: Store, customer: CustomerDoc, org: OrganisationDoc, patch: OverridesPatchInput, by: EditBy): Promise<OverridesOutcome> {
  const states = accountStates(store.db);
  const replans = new ReplanRequests(store.db);
  const state = await states.get(customer._id);
  // The end date is the account's: in the zone it is planned in after this change.
  const zone = (patch.timeZone !== undefined ? patch.timeZone : state?.overrides?.timeZone) ?? customer.timeZone ?? org.timeZone;
  const today = localDate(by.at, zone);
  const plan = planOverrides(patch, customer, state, by.actor.id, today, by.at);
  if (plan.problems.length > 0) return { ok: false, problems: plan.problems };
  // A guarantee naming a person: the guarantor becomes an entered contact of the account (role guarantor), audited like any entry.
  let entered: EnteredChange | null = null;
  const person = plan.enterGuarantor;
  if (person) {
    await states.updateContacts(customer._id, customer.orgId, (current) => {
      const applied = applyEntered(current, person, by.actor.id, by.at);
      entered = applied.change;
      return applied.change ? applied.contacts : null;
    }, by.at);
    if (entered) await store.audit.append(enteredContactAudit(customer.orgId, customer._id, by.actor, by.channel, entered, by.at));
  }
  if (entered && plan.changes.length === 0) await replans.request(customer._id, replanReason(by), by.at);
  if (plan.changes.length > 0) {
    await states.setOverrides(customer._id, customer.orgId, plan.set, plan.unset, by.at);
    for (const c of plan.changes) {
      await store.audit.append({
        orgId: customer.orgId, accountId: customer._id, actor: by.actor, channel: by.channel, action: 'account.override', invoiceIds: [],
        outcome: describeChange(c), details: { field: c.field, from: c.from, to: c.to }, at: by.at,
      });
    }
    await replans.request(customer._id, replanReason(by), by.at);
  }
  return { ok: true, changes: plan.changes, today, zone };
}

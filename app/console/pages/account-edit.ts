// The account page's edit forms' routes (the forms themselves: account-edit-view.ts):
//   - contacts: read by the same schema as the admin API's import and Slack's Contacts modal
//     (EnteredContactInput, src/planning/contacts.ts) and written by the same functions
//     (src/planning/account-edits.ts), audited `contact.added` / `contact.updated` / `contact.removed`;
//   - overrides: the form becomes the admin API's PATCH body, read by its parser (OverridesPatch) and
//     applied by the same function as PATCH /api/accounts/:id/overrides (applyOverrides), audited
//     `account.override`;
//   - Request referral: the Slack flow (slack/services/referral-request.ts) that asks the approvers with
//     the ladder's own approval card.
// Every problem is shown at its field with a 422 (the page re-rendered with what was typed).
import { CONTACT_ROLES } from '../../../src/domain/contact-roles.js';
import { enterContact, editContact, removeContact, applyOverrides, type EditBy } from '../../../src/planning/account-edits.js';
import { EnteredContactInput, EnteredRoles } from '../../../src/planning/contacts.js';
import { OverridesPatch } from '../../../src/planning/overrides.js';
import { accountStates } from '../../../src/planning/state.js';
import { requestReferral } from '../../../slack/services/referral-request.js';
import { ConsoleError, formOf, type ConsoleRoute, type Viewer } from '../router.js';
import { accountFor, accountPage } from './account.js';
import { accountHref } from './accounts.js';

type Problems = Record<string, string>;
type Values = Record<string, string>;

const by = (v: Viewer, at: Date): EditBy => ({ actor: { kind: 'person', id: v.person.email, name: v.person.name }, channel: 'console', at });

/** A zod error as problems at the form's fields: `fieldOf(path)` names the field (its input's id). */
function problemsOf(issues: readonly { path: readonly PropertyKey[]; message: string }[], fieldOf: (path: string) => string): Problems {
  const out: Problems = {};
  for (const i of issues) {
    const k = fieldOf(i.path.map(String).join('.'));
    out[k] = out[k] ? `${out[k]}; ${i.message}` : i.message;
  }
  return out;
}

const contactInputOf = (body: Values, role: string): Record<string, unknown> => ({ role, name: body['name'], email: body['email'], phone: body['phone'], timeZone: body['timeZone'], language: body['language'] });
const CONTACT_KEYS = ['role', 'name', 'email', 'phone', 'timeZone', 'language'];
const contactField = (prefix: string) => (path: string): string => `${prefix}-${CONTACT_KEYS.includes(path) ? path : 'name'}`;

export const addContactRoute: ConsoleRoute = {
  method: 'post',
  path: '/accounts/:id/contacts',
  needs: 'editContacts',
  async handle(req, v, deps) {
    const customer = await accountFor(req, v, deps, 'editContacts');
    const body = formOf(req);
    const input = EnteredContactInput.safeParse(contactInputOf(body, body['role'] ?? ''));
    if (!input.success) return accountPage(req, v, deps, customer, problemsOf(input.error.issues, contactField('contact-new')), { ...body, _form: 'contact-add' });
    const change = await enterContact(deps.services.store, customer, input.data, by(v, deps.services.now()));
    return { kind: 'redirect', to: `${accountHref(customer._id)}?done=${change ? (change.before ? 'contact-updated' : 'contact-added') : 'contact-unchanged'}#contacts-h` };
  },
};

export const editContactRoute: ConsoleRoute = {
  method: 'post',
  path: '/accounts/:id/contacts/edit',
  needs: 'editContacts',
  async handle(req, v, deps) {
    const customer = await accountFor(req, v, deps, 'editContacts');
    const body = formOf(req);
    const id = body['contact'] ?? '';
    const entered = (await accountStates(deps.services.store.db).get(customer._id))?.contacts ?? [];
    const i = entered.findIndex((c) => c.id === id);
    if (i < 0) throw new ConsoleError(404, 'Contact not found', 'This contact is not among the contacts entered for this account (it may have been removed meanwhile).');
    const prefix = `contact-${i}`;
    const roles = EnteredRoles.safeParse(CONTACT_ROLES.filter((r) => body[`role_${r}`] === 'on'));
    const input = EnteredContactInput.safeParse(contactInputOf(body, roles.success ? (roles.data[0] ?? '') : 'other'));
    const again = { ...body, _form: 'contact-edit' };
    if (!roles.success || !input.success) {
      const problems = { ...(input.success ? {} : problemsOf(input.error.issues, contactField(prefix))), ...(roles.success ? {} : { [`${prefix}-roles`]: roles.error.issues.map((x) => x.message).join('; ') }) };
      return accountPage(req, v, deps, customer, problems, again);
    }
    const r = await editContact(deps.services.store, customer, id, input.data, roles.data, by(v, deps.services.now()));
    if ('problem' in r) {
      if (r.problem === 'unknown') throw new ConsoleError(404, 'Contact not found', 'This contact is not among the contacts entered for this account (it may have been removed meanwhile).');
      return accountPage(req, v, deps, customer, { [`${prefix}-email`]: 'another entered contact of this account has this email: change or remove that one' }, again);
    }
    return { kind: 'redirect', to: `${accountHref(customer._id)}?done=${r.change ? 'contact-updated' : 'contact-unchanged'}#contacts-h` };
  },
};

export const removeContactRoute: ConsoleRoute = {
  method: 'post',
  path: '/accounts/:id/contacts/remove',
  needs: 'editContacts',
  async handle(req, v, deps) {
    const customer = await accountFor(req, v, deps, 'editContacts');
    const removed = await removeContact(deps.services.store, customer, formOf(req)['contact'] ?? '', by(v, deps.services.now()));
    if (!removed) throw new ConsoleError(404, 'Contact not found', 'This contact is not among the contacts entered for this account (it may have been removed already).');
    return { kind: 'redirect', to: `${accountHref(customer._id)}?done=contact-removed#contacts-h` };
  },
};

const OVERRIDE_FIELDS: Record<string, string> = {
  exclusion: 'ov-exclusion-reason',
  'exclusion.reason': 'ov-exclusion-reason',
  'exclusion.until': 'ov-exclusion-until',
  strategic: 'ov-strategic',
  guarantee: 'ov-guarantee-contact',
  'guarantee.contactId': 'ov-guarantee-contact',
  'guarantee.documentRef': 'ov-guarantee-ref',
  'guarantee.guarantor': 'ov-guarantor-name',
  timeZone: 'ov-timezone',
  language: 'ov-language',
};
const overrideField = (path: string): string => OVERRIDE_FIELDS[path] ?? (path.startsWith('guarantee.guarantor') ? 'ov-guarantor-name' : 'ov-timezone');

const blank = (s: string | undefined): boolean => (s ?? '').trim() === '';

/** The overrides form as the admin API's PATCH body (every field given: an empty one lifts the override; unchanged ones change nothing). */
export function overridesPatchOf(body: Values): Record<string, unknown> {
  const guarantor = body['guarantee_contact'] ?? '';
  return {
    exclusion: body['exclusion_on'] === 'on' ? { reason: body['exclusion_reason'] ?? '', ...(blank(body['exclusion_until']) ? {} : { until: body['exclusion_until'] }) } : null,
    strategic: body['strategic'] === 'yes' ? true : body['strategic'] === 'no' ? false : null,
    guarantee: guarantor === ''
      ? null
      : guarantor === 'new'
        ? { guarantor: { name: body['guarantor_name'] ?? '', email: body['guarantor_email'] ?? '', phone: body['guarantor_phone'] ?? '' }, documentRef: body['guarantee_ref'] ?? '' }
        : { contactId: guarantor, documentRef: body['guarantee_ref'] ?? '' },
    timeZone: blank(body['time_zone']) ? null : (body['time_zone'] ?? '').trim(),
    language: blank(body['language']) ? null : (body['language'] ?? '').trim(),
  };
}

export const overridesRoute: ConsoleRoute = {
  method: 'post',
  path: '/accounts/:id/overrides',
  needs: 'editOverrides',
  async handle(req, v, deps) {
    const customer = await accountFor(req, v, deps, 'editOverrides');
    const body = formOf(req);
    const again = { ...body, _form: 'overrides' };
    const patch = OverridesPatch.safeParse(overridesPatchOf(body));
    if (!patch.success) return accountPage(req, v, deps, customer, problemsOf(patch.error.issues, overrideField), again);
    const org = await deps.services.store.organisations.get(customer.orgId);
    if (!org) throw new ConsoleError(404, 'Account not found', 'The organisation of this account is gone.');
    const r = await applyOverrides(deps.services.store, customer, org, patch.data, by(v, deps.services.now()));
    if (!r.ok) return accountPage(req, v, deps, customer, problemsOf(r.problems.map((x) => ({ path: [x.path], message: x.message })), overrideField), again);
    return { kind: 'redirect', to: `${accountHref(customer._id)}?done=${r.changes.length > 0 ? 'overrides' : 'overrides-unchanged'}#overrides-h` };
  },
};

export const referralRoute: ConsoleRoute = {
  method: 'post',
  path: '/accounts/:id/referral',
  needs: 'requestReferral',
  async handle(req, v, deps) {
    const customer = await accountFor(req, v, deps, 'requestReferral');
    const body = formOf(req);
    const r = await requestReferral(deps.slack, customer, v.session.slackUserId, body['reason'], 'console');
    if (r.kind === 'invalid') return accountPage(req, v, deps, customer, { 'referral-reason': r.problem }, { ...body, _form: 'referral' });
    if (r.kind === 'refused') throw new ConsoleError(r.status, 'Referral not requested', r.message);
    return { kind: 'redirect', to: `${accountHref(customer._id)}?done=referral` };
  },
};

/** The account page's edit forms (app/console/index.ts appends them to consoleRoutes). */
export const accountEditRoutes: ConsoleRoute[] = [addContactRoute, editContactRoute, removeContactRoute, overridesRoute, referralRoute];

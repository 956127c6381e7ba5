// The account page's edit forms, as HTML (account.ts renders them through its hooks; the routes that
// receive them are account-edit.ts):
//   - contacts and roles: add a contact, edit or remove one a person entered (the ledger's are the
//     ledger's: a sync rewrites them);
//   - overrides (do not chase, strategic, personal guarantee and guarantor, time zone, language);
//   - Request referral (a reason).
// A problem is shown at its field (the ids below are the keys of the problems the routes return).
import { CONTACT_ROLES, CONTACT_ROLE_LABELS, type ContactRole } from '../../../src/domain/contact-roles.js';
import type { AccountStateDoc, EnteredContactDoc } from '../../../src/planning/state.js';
import type { CustomerDoc } from '../../../src/store/types.js';
import { html, type Html } from '../html.js';
import { csrfField } from '../layout.js';
import type { Viewer } from '../router.js';
import { accountHref } from './accounts.js';

/** The notices after a successful edit (`?done=`), shown by the account page. */
export const EDIT_DONE: Readonly<Record<string, string>> = {
  'contact-added': 'Contact added (audited). The ladder uses them from the next plan.',
  'contact-updated': 'Contact changed (audited). The ladder uses the change from the next plan.',
  'contact-removed': 'Contact removed (audited).',
  'contact-unchanged': 'Nothing changed: the contact was already so.',
  overrides: 'Overrides saved (each change audited with its before and after); the account is planned again.',
  'overrides-unchanged': 'Nothing changed in the overrides.',
  referral: 'Referral requested: the approvers were asked in Slack, with the same approval card as the ladder’s referral step (audited).',
};

type Problems = Record<string, string>;
type Values = Record<string, string>;

const err = (p: Problems, k: string): Html => (p[k] ? html`<p class="bad" id="${k}-err">${p[k]}</p>` : html``);
const desc = (p: Problems, k: string): Html => (p[k] ? html` aria-describedby="${k}-err" aria-invalid="true"` : html``);

function textField(p: Problems, id: string, name: string, label: string, value: string | undefined, opts: { type?: string; required?: boolean; max?: number; hint?: string } = {}): Html {
  return html`<div><label for="${id}">${label}</label>${opts.hint ? html` <span class="muted">${opts.hint}</span>` : ''}<input id="${id}" name="${name}" type="${opts.type ?? 'text'}"${opts.required ? html` required` : ''} maxlength="${opts.max ?? 200}" value="${value ?? ''}"${desc(p, id)}>${err(p, id)}</div>`;
}

const roleOptions = (selected: string | undefined): Html[] =>
  CONTACT_ROLES.map((r) => html`<option value="${r}"${r === selected ? html` selected` : ''}>${CONTACT_ROLE_LABELS[r].title}</option>`);

function contactFields(p: Problems, prefix: string, v: Values): Html {
  return html`${textField(p, `${prefix}-name`, 'name', 'Name', v['name'], { required: true })}
${textField(p, `${prefix}-email`, 'email', 'Email', v['email'], { type: 'email', max: 254, hint: '(an email or a phone is needed)' })}
${textField(p, `${prefix}-phone`, 'phone', 'Phone', v['phone'], { max: 50 })}
${textField(p, `${prefix}-timeZone`, 'timeZone', 'Time zone', v['timeZone'], { hint: '(IANA, e.g. Europe/London; optional)' })}
${textField(p, `${prefix}-language`, 'language', 'Language', v['language'], { max: 35, hint: '(e.g. en-GB; optional)' })}`;
}

const valuesOfContact = (c: EnteredContactDoc): Values => ({ name: c.name, email: c.email ?? '', phone: c.phone ?? '', timeZone: c.timeZone ?? '', language: c.language ?? '', ...Object.fromEntries(c.roles.map((r) => [`role_${r}`, 'on'])) });

function contactsEdit(v: Viewer, customer: CustomerDoc, entered: readonly EnteredContactDoc[], p: Problems, values: Values): Html {
  const href = accountHref(customer._id);
  const editing = values['_form'] === 'contact-edit' ? values['contact'] : undefined;
  const add = values['_form'] === 'contact-add' ? values : {};
  return html`<section aria-labelledby="contacts-edit-h"><h2 id="contacts-edit-h">Edit contacts</h2>
<p class="muted">Contacts people entered (here, in Slack's <em>Contacts</em> or by the admin API's import) can be changed or removed; the ledger's come from the accounting platform and change there.</p>
${entered.length === 0
  ? html`<p>No contacts were entered for this account yet.</p>`
  : html`<ul class="edit-list">${entered.map((c, i) => {
    const prefix = `contact-${i}`;
    const shown = editing === c.id ? values : valuesOfContact(c);
    return html`<li><details${editing === c.id ? html` open` : ''}><summary>Edit ${c.name} (${c.roles.map((r) => CONTACT_ROLE_LABELS[r as ContactRole]?.title ?? r).join(', ')})</summary>
<form class="action" method="post" action="${href}/contacts/edit">${csrfField(v.session.csrf)}<input type="hidden" name="contact" value="${c.id}">
${contactFields(editing === c.id ? p : {}, prefix, shown)}
<fieldset${desc(editing === c.id ? p : {}, `${prefix}-roles`)}><legend>Roles</legend>
${CONTACT_ROLES.map((r) => html`<span class="check"><input type="checkbox" id="${prefix}-role-${r}" name="role_${r}"${shown[`role_${r}`] === 'on' ? html` checked` : ''}><label for="${prefix}-role-${r}">${CONTACT_ROLE_LABELS[r].title}</label></span> `)}
${err(editing === c.id ? p : {}, `${prefix}-roles`)}</fieldset>
<button type="submit">Save ${c.name}</button></form>
<form class="action" method="post" action="${href}/contacts/remove">${csrfField(v.session.csrf)}<input type="hidden" name="contact" value="${c.id}"><button type="submit">Remove ${c.name}</button></form>
</details></li>`;
  })}</ul>`}
<form class="action" method="post" action="${href}/contacts">${csrfField(v.session.csrf)}
<h3>Add a contact</h3>
<div><label for="contact-new-role">Role</label><select id="contact-new-role" name="role"${desc(p, 'contact-new-role')}>${roleOptions(add['role'])}</select>${err(p, 'contact-new-role')}</div>
${contactFields(values['_form'] === 'contact-add' ? p : {}, 'contact-new', add)}
<button type="submit">Add contact</button></form>
</section>`;
}

function overridesEdit(v: Viewer, customer: CustomerDoc, state: AccountStateDoc | null, p: Problems, values: Values): Html {
  const o = state?.overrides;
  const mine = values['_form'] === 'overrides';
  const val = (k: string, current: string): string => (mine ? (values[k] ?? '') : current);
  const exclusionOn = mine ? values['exclusion_on'] === 'on' : o?.exclusion !== undefined;
  const strategic = val('strategic', o?.strategic === undefined ? '' : o.strategic ? 'yes' : 'no');
  const candidates = [...customer.contacts.filter((c) => c.roles.includes('guarantor')), ...(state?.contacts ?? [])];
  const guarantee = val('guarantee_contact', o?.guarantee?.contactId ?? '');
  return html`<section aria-labelledby="overrides-edit-h"><h2 id="overrides-edit-h">Edit overrides</h2>
<form class="action" method="post" action="${accountHref(customer._id)}/overrides">${csrfField(v.session.csrf)}
<fieldset><legend>Do not chase</legend>
<span class="check"><input type="checkbox" id="ov-exclusion-on" name="exclusion_on"${exclusionOn ? html` checked` : ''}><label for="ov-exclusion-on">Do not chase this customer</label></span>
${textField(p, 'ov-exclusion-reason', 'exclusion_reason', 'Why not to chase', val('exclusion_reason', o?.exclusion?.reason ?? ''), { max: 500 })}
${textField(p, 'ov-exclusion-until', 'exclusion_until', 'Until (last day; empty: until lifted)', val('exclusion_until', o?.exclusion?.until ?? ''), { type: 'date', max: 10 })}
</fieldset>
<div><label for="ov-strategic">Strategic account</label><select id="ov-strategic" name="strategic"${desc(p, 'ov-strategic')}>
<option value=""${strategic === '' ? html` selected` : ''}>As the ledger's tags say</option><option value="yes"${strategic === 'yes' ? html` selected` : ''}>Yes</option><option value="no"${strategic === 'no' ? html` selected` : ''}>No</option></select>${err(p, 'ov-strategic')}</div>
<fieldset><legend>Personal guarantee</legend>
<div><label for="ov-guarantee-contact">Guarantor</label><select id="ov-guarantee-contact" name="guarantee_contact"${desc(p, 'ov-guarantee-contact')}>
<option value=""${guarantee === '' ? html` selected` : ''}>No guarantee</option>
${candidates.map((c) => html`<option value="${c.id}"${guarantee === c.id ? html` selected` : ''}>${c.name}${c.email ? ` <${c.email}>` : ''}</option>`)}
<option value="new"${guarantee === 'new' ? html` selected` : ''}>Someone else (below)</option></select>${err(p, 'ov-guarantee-contact')}</div>
${textField(p, 'ov-guarantee-ref', 'guarantee_ref', 'Signed guarantee (document reference)', val('guarantee_ref', o?.guarantee?.documentRef ?? ''), { max: 500 })}
${textField(p, 'ov-guarantor-name', 'guarantor_name', 'New guarantor: name', val('guarantor_name', ''))}
${textField(p, 'ov-guarantor-email', 'guarantor_email', 'New guarantor: email', val('guarantor_email', ''), { type: 'email', max: 254 })}
${textField(p, 'ov-guarantor-phone', 'guarantor_phone', 'New guarantor: phone', val('guarantor_phone', ''), { max: 50 })}
</fieldset>
${textField(p, 'ov-timezone', 'time_zone', 'Time zone', val('time_zone', o?.timeZone ?? ''), { hint: '(IANA, e.g. America/Chicago; empty: from the contacts, the ledger or the organisation)' })}
${textField(p, 'ov-language', 'language', 'Language', val('language', o?.language ?? ''), { max: 35, hint: '(e.g. fr-CA; empty: the organisation’s)' })}
<button type="submit">Save overrides</button></form>
</section>`;
}

/** The account page's hook: the contacts and overrides edit sections the viewer may use (none for the others). */
export function accountEditSections(v: Viewer, customer: CustomerDoc, state: AccountStateDoc | null, problems: Problems, values: Values): Html {
  const target = { salesRepEmail: customer.salesRepEmail };
  return html`${v.may('editContacts', target).ok ? contactsEdit(v, customer, state?.contacts ?? [], problems, values) : ''}
${v.may('editOverrides', target).ok ? overridesEdit(v, customer, state, problems, values) : ''}`;
}

/** The account page's hook in its Actions: the Request referral form, for who may ask. */
export function referralForm(v: Viewer, customer: CustomerDoc, p: Problems, values: Values): Html {
  if (!v.may('requestReferral', { salesRepEmail: customer.salesRepEmail }).ok) return html``;
  return html`<form class="action" method="post" action="${accountHref(customer._id)}/referral">${csrfField(v.session.csrf)}
<h3>Request referral</h3><p class="muted">Asks the approvers in Slack to refer the account to the collection agency, with the same approval card as the ladder's referral step; an approval sends the referral packet.</p>
<div><label for="referral-reason">Reason for the referral</label><input id="referral-reason" name="reason" required maxlength="500" value="${values['_form'] === 'referral' ? (values['reason'] ?? '') : ''}"${desc(p, 'referral-reason')}>${err(p, 'referral-reason')}</div>
<button type="submit">Request referral</button></form>`;
}


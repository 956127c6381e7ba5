// Settings (GET /console/settings, admins): the organisation's settings (src/settings/org-settings.ts, the one
// definition) as two forms. *Settings*: time zone, home currency, sending hours, holidays, letterhead, sender,
// remittance, agency and default collector. *Sending*: send mode and kill switch. Both are read into the admin
// API's own patch (OrgSettingsPatchSchema) and applied by the admin API's own applySettingsPatch
// (app/http/orgs.ts): merged, validated whole by OrgSettingsSchema (every problem shown at its field, 422,
// nothing written), each changed field audited `org.settings.changed`; the kill switch through
// pauseOutbound/resumeOutbound (`outbound.paused`/`outbound.resumed`) and the send mode through
// setConnectionSendMode (`connection.send-mode`, per connection), by this person.
// GET /console/settings/sample-letter.pdf: a sample letter under the settings as stored
// (src/documents/sample-letter.ts, the real letter builder), to check the letterhead and remittance details.
import type { Request } from 'express';
import { applySettingsPatch } from '../../http/orgs.js';
import { localDate } from '../../../src/domain/calendar.js';
import { sampleLetter } from '../../../src/documents/sample-letter.js';
import { orgSettingsOf, OrgSettingsPatchSchema, type OrgSettings } from '../../../src/settings/org-settings.js';
import type { OrganisationDoc } from '../../../src/store/types.js';
import { fieldError, input, textarea, type Problems } from '../fields.js';
import { html, type Html } from '../html.js';
import { csrfField } from '../layout.js';
import { ConsoleError, formOf, type ConsoleDeps, type ConsoleRoute, type Outcome, type Viewer } from '../router.js';

/** The form's fields: name (also the dotted path of the setting) → label. Ids are the names with '-' for '.'. */
const TEXT_FIELDS: readonly { group: string; fields: readonly { name: string; label: string; type?: string; multiline?: boolean; hint?: string }[] }[] = [
  {
    group: 'Organisation',
    fields: [
      { name: 'timeZone', label: 'Time zone', hint: 'IANA name, e.g. Europe/London' },
      { name: 'homeCurrency', label: 'Home currency', hint: 'three letters, e.g. USD' },
      { name: 'defaultCollectorEmail', label: 'Default collector (email)', type: 'email', hint: 'for customers without their own collector; empty for none' },
    ],
  },
  {
    group: 'Sending hours and holidays',
    fields: [
      { name: 'sendingHours.start', label: 'Sending hours start', type: 'time', hint: "in each customer's time zone; both empty: the ladder's hours" },
      { name: 'sendingHours.end', label: 'Sending hours end', type: 'time' },
      { name: 'holidays', label: 'Holidays', multiline: true, hint: 'one date a line, YYYY-MM-DD: no sends, and letter deadlines skip them' },
    ],
  },
  {
    group: 'Letterhead',
    fields: [
      { name: 'letterhead.name', label: 'Company name' },
      { name: 'letterhead.address', label: 'Address', multiline: true, hint: 'one line a line' },
      { name: 'letterhead.phone', label: 'Phone' },
      { name: 'letterhead.email', label: 'Email', type: 'email' },
      { name: 'letterhead.website', label: 'Website' },
      { name: 'letterhead.registration', label: 'Registration', hint: 'e.g. company number or tax id' },
    ],
  },
  {
    group: 'Sender',
    fields: [
      { name: 'sender.company', label: 'Company' },
      { name: 'sender.name', label: 'Signed by' },
      { name: 'sender.email', label: 'From email', type: 'email' },
      { name: 'sender.phone', label: 'Phone' },
      { name: 'sender.address', label: 'Address', multiline: true },
      { name: 'sender.replyTo', label: 'Reply-To email', type: 'email', hint: "empty: the account's reply address" },
    ],
  },
  {
    group: 'Remittance',
    fields: [
      { name: 'remittance.bankDetails', label: 'Bank details', multiline: true, hint: 'one line a line, at most 12' },
      { name: 'remittance.instructions', label: 'Payment instructions', multiline: true },
    ],
  },
  {
    group: 'Collection agency',
    fields: [
      { name: 'agency.name', label: 'Agency name' },
      { name: 'agency.email', label: 'Agency email', type: 'email' },
      { name: 'agency.address', label: 'Agency address', multiline: true },
    ],
  },
];
const FIELD_NAMES = [...TEXT_FIELDS.flatMap((g) => g.fields.map((f) => f.name)), 'remittance.payLinks', 'sendMode', 'killSwitch.paused', 'killSwitch.reason'];
const idOf = (name: string): string => `set-${name.replace(/\./g, '-')}`;

const DONE: Record<string, string> = {
  saved: 'Settings saved (each change audited).',
  sending: 'Sending saved (audited).',
  unchanged: 'Nothing changed.',
};

/** The form's value of each field, from the stored settings. Pure. */
export function formValues(s: OrgSettings): Record<string, string> {
  const lines = (xs: readonly string[] | undefined) => (xs ?? []).join('\n');
  return {
    timeZone: s.timeZone, homeCurrency: s.homeCurrency, defaultCollectorEmail: s.defaultCollectorEmail ?? '',
    'sendingHours.start': s.sendingHours?.start ?? '', 'sendingHours.end': s.sendingHours?.end ?? '', holidays: lines(s.holidays),
    ...Object.fromEntries((['letterhead', 'sender', 'agency'] as const).flatMap((g) => Object.entries(s[g]).filter(([k]) => k !== 'logoBase64').map(([k, v]) => [`${g}.${k}`, String(v)]))),
    'remittance.bankDetails': lines(s.remittance.bankDetails), 'remittance.instructions': s.remittance.instructions ?? '',
    'remittance.payLinks': s.remittance.payLinks === undefined ? '' : s.remittance.payLinks ? 'yes' : 'no',
    sendMode: s.sendMode, 'killSwitch.paused': s.killSwitch.paused ? 'on' : '', 'killSwitch.reason': s.killSwitch.reason ?? '',
  };
}

const splitLines = (v: string | undefined): string[] => (v ?? '').split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
const orNull = (v: string | undefined): string | null => ((v ?? '').trim() === '' ? null : (v ?? '').trim());

/**
 * The settings form read into the admin API's patch shape (not yet validated). A field the form sent empty is
 * removed (null); a field it did not send at all is left as it is. Pure.
 */
export function settingsPatchOf(f: Record<string, string>): Record<string, unknown> {
  const has = (name: string) => f[name] !== undefined;
  const group = (g: string, keys: readonly string[]) => {
    const present = keys.filter((k) => has(`${g}.${k}`));
    return present.length === 0 ? {} : { [g]: Object.fromEntries(present.map((k) => [k, orNull(f[`${g}.${k}`])])) };
  };
  const start = (f['sendingHours.start'] ?? '').trim();
  const end = (f['sendingHours.end'] ?? '').trim();
  const bank = splitLines(f['remittance.bankDetails']);
  const pay = f['remittance.payLinks'];
  const remittance = {
    ...(has('remittance.bankDetails') ? { bankDetails: bank.length === 0 ? null : bank } : {}),
    ...(has('remittance.instructions') ? { instructions: orNull(f['remittance.instructions']) } : {}),
    ...(has('remittance.payLinks') ? { payLinks: pay === 'yes' ? true : pay === 'no' ? false : null } : {}),
  };
  return {
    ...(has('timeZone') ? { timeZone: (f['timeZone'] ?? '').trim() } : {}),
    ...(has('homeCurrency') ? { homeCurrency: (f['homeCurrency'] ?? '').trim() } : {}),
    ...(has('defaultCollectorEmail') ? { defaultCollectorEmail: orNull(f['defaultCollectorEmail']) } : {}),
    ...(has('sendingHours.start') || has('sendingHours.end') ? { sendingHours: start === '' && end === '' ? null : { start, end } } : {}),
    ...(has('holidays') ? { holidays: splitLines(f['holidays']) } : {}),
    ...group('letterhead', ['name', 'address', 'phone', 'email', 'website', 'registration']),
    ...group('sender', ['company', 'name', 'email', 'phone', 'address', 'replyTo']),
    ...(Object.keys(remittance).length > 0 ? { remittance } : {}),
    ...group('agency', ['name', 'email', 'address']),
  };
}

/** The sending form read into the patch: the send mode when it changes, the kill switch as set. Pure. */
export function sendingPatchOf(f: Record<string, string>, current: OrgSettings): Record<string, unknown> {
  const paused = f['killSwitch.paused'] === 'on';
  const reason = (f['killSwitch.reason'] ?? '').trim();
  const mode = f['sendMode'] ?? '';
  return {
    // Given only when it changes: a given send mode is applied to every connection (app/http/orgs.ts).
    ...(mode !== current.sendMode ? { sendMode: mode } : {}),
    killSwitch: { paused, ...(paused && reason !== '' ? { reason } : {}) },
  };
}

/** Each problem at its field: the longest known field name its path starts with (else the form's own list). Pure. */
export function problemsByField(problems: readonly { path: string; message: string }[]): { byField: Problems; other: string[] } {
  const byField: Problems = {};
  const other: string[] = [];
  for (const p of problems) {
    const parts = p.path.split('.');
    let name: string | undefined;
    for (let n = parts.length; n > 0 && !name; n--) {
      const prefix = parts.slice(0, n).join('.');
      name = FIELD_NAMES.find((f) => f === prefix) ?? (prefix === 'sendingHours' ? 'sendingHours.start' : undefined);
    }
    const msg = p.path.match(/\.(\d+)$/) && name && !name.endsWith(parts.at(-1) ?? '') ? `line ${Number(parts.at(-1)) + 1}: ${p.message}` : p.message;
    if (name) {
      const id = idOf(name);
      byField[id] = byField[id] ? `${byField[id]}; ${msg}` : msg;
    } else other.push(`${p.path || 'form'}: ${p.message}`);
  }
  return { byField, other };
}

function settingsForm(v: Viewer, values: Record<string, string>, problems: Problems): Html {
  return html`<form class="settings" method="post" action="/console/settings" novalidate>${csrfField(v.session.csrf)}
${TEXT_FIELDS.map((g) => html`<fieldset><legend>${g.group}</legend>
${g.fields.map((f) => (f.multiline ? textarea({ id: idOf(f.name), name: f.name, label: f.label, value: values[f.name] ?? '', problems, ...(f.hint ? { hint: f.hint } : {}) }) : input({ id: idOf(f.name), name: f.name, label: f.label, value: values[f.name] ?? '', problems, ...(f.type ? { type: f.type } : {}), ...(f.hint ? { hint: f.hint } : {}) })))}
${g.group === 'Remittance'
  ? html`<div><label for="${idOf('remittance.payLinks')}">Pay links on letters and emails</label><select id="${idOf('remittance.payLinks')}" name="remittance.payLinks">
${[['', 'not set (the default applies)'], ['yes', 'show them'], ['no', 'do not show them']].map(([val, label]) => html`<option value="${val ?? ''}"${values['remittance.payLinks'] === val ? html` selected` : ''}>${label}</option>`)}
</select></div>`
  : ''}
</fieldset>`)}
<button type="submit">Save settings</button></form>`;
}

function sendingForm(v: Viewer, values: Record<string, string>, problems: Problems): Html {
  const reasonId = idOf('killSwitch.reason');
  return html`<form class="settings" method="post" action="/console/settings/sending">${csrfField(v.session.csrf)}
<fieldset><legend>Send mode</legend>
<p class="muted" id="send-mode-hint">Applies to every connection of the organisation. In a dry run, reminders and letters are rendered and recorded, but nothing is sent.</p>
${[['dry-run', 'Dry run: record, send nothing'], ['live', 'Live: customer emails and letters go out']].map(([val, label]) => html`<label class="check"><input type="radio" name="sendMode" value="${val ?? ''}" aria-describedby="send-mode-hint"${values['sendMode'] === val ? html` checked` : ''}> ${label}</label>`)}
${fieldError(problems, idOf('sendMode'))}
</fieldset>
<fieldset><legend>Kill switch</legend>
<label class="check"><input type="checkbox" name="killSwitch.paused" value="on"${values['killSwitch.paused'] === 'on' ? html` checked` : ''}> Pause every customer-facing send (they wait; Slack tasks still flow)</label>
${input({ id: reasonId, name: 'killSwitch.reason', label: 'Reason for pausing', value: values['killSwitch.reason'] ?? '', problems, maxlength: 500 })}
</fieldset>
<button type="submit">Save sending</button></form>`;
}

async function orgOf(v: Viewer, deps: ConsoleDeps): Promise<OrganisationDoc> {
  const org = await deps.services.store.organisations.get(v.session.orgId);
  if (!org) throw new ConsoleError(404, 'Organisation not found', 'Your organisation no longer exists.');
  return org;
}

function settingsPage(v: Viewer, org: OrganisationDoc, o: { notice?: string; values?: Record<string, string>; problems?: Problems; other?: string[]; which?: 'settings' | 'sending' } = {}): Outcome {
  const stored = formValues(orgSettingsOf(org));
  const problems = o.problems ?? {};
  const invalid = Object.keys(problems).length > 0 || (o.other ?? []).length > 0;
  const values = (which: 'settings' | 'sending') => (o.which === which && o.values ? { ...stored, ...o.values } : stored);
  const summary = invalid
    ? html`<div class="problems" role="alert"><p class="bad">Nothing was saved: ${Object.keys(problems).length + (o.other ?? []).length} problem${Object.keys(problems).length + (o.other ?? []).length === 1 ? '' : 's'}, shown at ${Object.keys(problems).length === 1 ? 'its field' : 'their fields'}.</p>${(o.other ?? []).length > 0 ? html`<ul>${(o.other ?? []).map((x) => html`<li>${x}</li>`)}</ul>` : ''}</div>`
    : '';
  const s = orgSettingsOf(org);
  return {
    kind: 'page', title: 'Settings', nav: 'settings', status: invalid ? 422 : 200,
    body: html`${o.notice ? html`<p class="notice" role="status">${o.notice}</p>` : ''}${summary}
<p>Sending: <strong>${s.sendMode === 'live' ? 'live' : 'dry run'}</strong>${s.killSwitch.paused ? html`, <strong class="bad">paused by the kill switch</strong>${s.killSwitch.reason ? ` (${s.killSwitch.reason})` : ''}` : ''}.</p>
<section aria-labelledby="sending-h"><h2 id="sending-h">Sending</h2>${sendingForm(v, values('sending'), o.which === 'sending' ? problems : {})}</section>
<section aria-labelledby="sample-h"><h2 id="sample-h">Sample letter</h2>
<p>A written warning drawn now with these settings (letterhead, sender, remittance details) to a made-up customer: <a href="/console/settings/sample-letter.pdf">Download the sample letter (PDF)</a>. Save your changes first to see them in it.</p>
</section>
<section aria-labelledby="settings-h"><h2 id="settings-h">Organisation settings</h2>${settingsForm(v, values('settings'), o.which === 'settings' ? problems : {})}</section>`,
  };
}

async function save(req: Request, v: Viewer, deps: ConsoleDeps, which: 'settings' | 'sending'): Promise<Outcome> {
  const form = formOf(req);
  const org = await orgOf(v, deps);
  const current = orgSettingsOf(org);
  const raw = which === 'settings' ? settingsPatchOf(form) : sendingPatchOf(form, current);
  const values = Object.fromEntries(FIELD_NAMES.map((n) => [n, form[n] ?? '']));
  const parsed = OrgSettingsPatchSchema.safeParse(raw);
  const fail = (problems: { path: string; message: string }[]) => {
    const { byField, other } = problemsByField(problems);
    return settingsPage(v, org, { values, problems: byField, other, which });
  };
  if (!parsed.success) return fail(parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })));
  const r = await applySettingsPatch(deps.services.store, org, parsed.data, { actor: deps.slack.actorFor(v.person, v.session.slackUserId), at: deps.services.now(), channel: 'slack' });
  if (!r.ok) return fail(r.problems);
  return { kind: 'redirect', to: `/console/settings?done=${r.changes.length === 0 ? 'unchanged' : which === 'settings' ? 'saved' : 'sending'}` };
}

export const settingsRoute: ConsoleRoute = {
  method: 'get',
  path: '/settings',
  needs: 'changeSettings',
  async handle(req, v, deps) {
    const done = typeof req.query['done'] === 'string' ? DONE[req.query['done']] : undefined;
    return settingsPage(v, await orgOf(v, deps), done ? { notice: done } : {});
  },
};

export const saveSettingsRoute: ConsoleRoute = { method: 'post', path: '/settings', needs: 'changeSettings', handle: (req, v, deps) => save(req, v, deps, 'settings') };
export const saveSendingRoute: ConsoleRoute = { method: 'post', path: '/settings/sending', needs: 'changeSettings', handle: (req, v, deps) => save(req, v, deps, 'sending') };

export const sampleLetterRoute: ConsoleRoute = {
  method: 'get',
  path: '/settings/sample-letter.pdf',
  needs: 'changeSettings',
  async handle(_req, v, deps) {
    const org = await orgOf(v, deps);
    const letter = await sampleLetter(org, localDate(deps.services.now(), org.timeZone));
    return { kind: 'file', contentType: 'application/pdf', filename: `sample-${letter.filename}`, body: letter.pdf };
  },
};

export const settingsRoutes: ConsoleRoute[] = [settingsRoute, saveSettingsRoute, saveSendingRoute, sampleLetterRoute];

// The console's account page edits over HTTP (app/console/pages/account-edit.ts), on the web role's whole
// app with the Slack sandbox (the fuzz world): contacts added, edited and removed through the same schema
// and functions as the admin API's import and Slack's Contacts modal; overrides through the admin API's
// PATCH parser and function; Request referral through the Slack flow that asks the approvers with the
// ladder's approval card, decided by an approver's Approve in Slack. Problems at their fields with a 422;
// every change audited on the account's trail, by the person, on the `console` channel.
import { actionIds } from '../slack/ids.js';
import { accountStates } from '../src/planning/state.js';
import { CreditFlags } from '../slack/services/credit-flags.js';
import { ORG, people, SIGNING_SECRET, startWorld, type World } from './fuzz/world.js';
import { blockAction, sendCommand, sendInteraction, slashCommand } from './sandbox/slack/signed.js';
import { buttonsOf, until } from './helpers/web-world.js';

jest.setTimeout(180_000);

let w: World;

async function linkByCommand(user: string): Promise<string> {
  const before = w.sandbox.callsOf('chat.postEphemeral').length;
  expect((await sendCommand(`${w.url}/slack/events`, SIGNING_SECRET, slashCommand({ userId: user }, '/overdue', 'console'))).status).toBe(200);
  const linkIn = (c: { args: Record<string, unknown> }) => /(\/console\/sign-in\/[A-Za-z0-9_-]+)/.exec(String(c.args['text'] ?? ''))?.[1];
  return until('the sign-in link', async () => w.sandbox.callsOf('chat.postEphemeral').slice(before).filter((c) => c.args['user'] === user).map(linkIn).find((l) => l !== undefined), 10_000);
}

const get = (path: string, cookie: string) => fetch(`${w.url}${path}`, { redirect: 'manual', headers: { cookie } });
const post = (path: string, form: Record<string, string>, cookie: string) =>
  fetch(`${w.url}${path}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: w.url, cookie }, body: new URLSearchParams(form).toString() });

async function signIn(user: string): Promise<string> {
  const link = await linkByCommand(user);
  const res = await post(link, {}, '');
  expect(res.status).toBe(303);
  return (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

const csrfOf = (page: string): string => /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
const pathOf = (i: number): string => `/console/accounts/${encodeURIComponent(w.customers[i]?._id ?? '')}`;

let collector: string;
let manager: string;

beforeAll(async () => {
  w = await startWorld('console-account');
  collector = await signIn(people.collector.id);
  manager = await signIn(people.manager.id);
});
afterAll(async () => {
  await w?.stop();
});

describe('contacts and roles on the account page', () => {
  it('adds a CFO contact (listed with its role, audited as the person on the console channel); problems at their fields with a 422', async () => {
    const path = pathOf(0);
    const page = await (await get(path, collector)).text();
    for (const s of ['Edit contacts', 'Add a contact', 'id="contact-new-role"', '<option value="cfo">CFO</option>']) expect(page).toContain(s);
    const token = csrfOf(page);

    const bad = await post(`${path}/contacts`, { _csrf: token, role: 'cfo', name: 'Carla Fo', email: 'not-an-email' }, collector);
    expect(bad.status).toBe(422);
    const badText = await bad.text();
    expect(badText).toContain('id="contact-new-email-err"');
    expect(badText).toContain('not an email address');
    expect(badText).toMatch(/id="contact-new-email"[^>]*aria-invalid="true"/);
    // What was typed is kept.
    expect(badText).toMatch(/id="contact-new-name"[^>]*value="Carla Fo"/);
    const noWay = await post(`${path}/contacts`, { _csrf: token, role: 'cfo', name: 'Carla Fo' }, collector);
    expect(noWay.status).toBe(422);
    expect(await noWay.text()).toContain('an email or a phone is needed');
    const badRole = await post(`${path}/contacts`, { _csrf: token, role: 'emperor', name: 'X', email: 'x@c0.example' }, collector);
    expect(badRole.status).toBe(422);
    expect(await badRole.text()).toContain('id="contact-new-role-err"');
    expect((await accountStates(w.store.db).get(w.customers[0]?._id ?? ''))?.contacts ?? []).toHaveLength(0);

    const ok = await post(`${path}/contacts`, { _csrf: token, role: 'cfo', name: 'Carla Fo', email: 'Carla.Fo@C0.example', phone: '', timeZone: 'Europe/Paris', language: '' }, collector);
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe(`${path}?done=contact-added#contacts-h`);
    const after = await (await get(`${path}?done=contact-added`, collector)).text();
    expect(after).toContain('Contact added');
    expect(after).toMatch(/<th scope="row">Carla Fo<\/th><td>cfo<\/td><td>carla\.fo@c0\.example/);
    const entered = (await accountStates(w.store.db).get(w.customers[0]?._id ?? ''))?.contacts ?? [];
    expect(entered).toEqual([expect.objectContaining({ id: 'entered:email:carla.fo@c0.example', name: 'Carla Fo', roles: ['cfo'], timeZone: 'Europe/Paris', enteredBy: people.collector.email })]);
    const trail = await w.store.audit.list(w.customers[0]?._id ?? '');
    const added = trail.filter((e) => e.action === 'contact.added');
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({ channel: 'console', actor: { kind: 'person', id: people.collector.email }, outcome: 'contact added: Carla Fo <carla.fo@c0.example> as CFO' });
    // The same entry again changes nothing and audits nothing.
    const again = await post(`${path}/contacts`, { _csrf: token, role: 'cfo', name: 'Carla Fo', email: 'carla.fo@c0.example', timeZone: 'Europe/Paris' }, collector);
    expect(again.headers.get('location')).toContain('done=contact-unchanged');
    expect((await w.store.audit.list(w.customers[0]?._id ?? '')).filter((e) => e.action.startsWith('contact.'))).toHaveLength(1);
  });

  it('edits an entered contact (name, email, exact roles) and removes it; the chain stays intact', async () => {
    const path = pathOf(0);
    const id = w.customers[0]?._id ?? '';
    const token = csrfOf(await (await get(path, collector)).text());
    const contact = 'entered:email:carla.fo@c0.example';
    const none = await post(`${path}/contacts/edit`, { _csrf: token, contact, name: 'Carla Fo', email: 'carla.fo@c0.example' }, collector);
    expect(none.status).toBe(422);
    expect(await none.text()).toContain('choose at least one role');
    const unknown = await post(`${path}/contacts/edit`, { _csrf: token, contact: 'entered:email:nobody@c0.example', name: 'N', email: 'n@c0.example', role_cfo: 'on' }, collector);
    expect(unknown.status).toBe(404);

    const edited = await post(`${path}/contacts/edit`, { _csrf: token, contact, name: 'Carla Fonseca', email: 'cfo@c0.example', role_cfo: 'on', role_owner: 'on' }, collector);
    expect(edited.status).toBe(303);
    const entered = (await accountStates(w.store.db).get(id))?.contacts ?? [];
    expect(entered).toEqual([expect.objectContaining({ id: 'entered:email:cfo@c0.example', name: 'Carla Fonseca', email: 'cfo@c0.example', roles: ['cfo', 'owner'] })]);
    expect(entered[0]?.timeZone).toBeUndefined();
    const updated = (await w.store.audit.list(id)).find((e) => e.action === 'contact.updated');
    expect(updated?.details).toMatchObject({ before: { name: 'Carla Fo', roles: ['cfo'] }, after: { name: 'Carla Fonseca', roles: ['cfo', 'owner'] } });

    const removed = await post(`${path}/contacts/remove`, { _csrf: token, contact: 'entered:email:cfo@c0.example' }, collector);
    expect(removed.status).toBe(303);
    expect((await accountStates(w.store.db).get(id))?.contacts ?? []).toHaveLength(0);
    expect((await w.store.audit.list(id)).find((e) => e.action === 'contact.removed')).toMatchObject({ channel: 'console', outcome: expect.stringContaining('contact removed: Carla Fonseca') });
    expect((await post(`${path}/contacts/remove`, { _csrf: token, contact: 'entered:email:cfo@c0.example' }, collector)).status).toBe(404);
    expect((await w.store.audit.verify(id)).ok).toBe(true);
  });
});

describe('overrides on the account page', () => {
  it('are for managers and admins (the table): a collector sees no form and is refused', async () => {
    const page = await (await get(pathOf(2), collector)).text();
    expect(page).not.toContain('Edit overrides');
    const r = await post(`${pathOf(2)}/overrides`, { _csrf: csrfOf(page), time_zone: 'Europe/Paris' }, collector);
    expect(r.status).toBe(403);
  });

  it('saves through the admin API parser and function: problems at their fields, nothing written; then each change audited', async () => {
    const path = pathOf(2);
    const id = w.customers[2]?._id ?? '';
    const page = await (await get(path, manager)).text();
    expect(page).toContain('Edit overrides');
    const token = csrfOf(page);
    const bad = await post(`${path}/overrides`, { _csrf: token, exclusion_on: 'on', exclusion_reason: '', time_zone: 'Mars/Olympus', language: 'not a tag!', strategic: '', guarantee_contact: '' }, manager);
    expect(bad.status).toBe(422);
    const text = await bad.text();
    expect(text).toContain('id="ov-timezone-err"');
    expect(text).toContain('unknown IANA time zone');
    expect(text).toContain('id="ov-language-err"');
    expect(text).toContain('id="ov-exclusion-reason-err"');
    expect(text).toMatch(/id="ov-timezone"[^>]*value="Mars\/Olympus"/);
    expect((await accountStates(w.store.db).get(id))?.overrides ?? {}).toEqual({});
    // A problem only the account can tell (an end date before today), from planOverrides: at its field too.
    const past = await post(`${path}/overrides`, { _csrf: token, exclusion_on: 'on', exclusion_reason: 'in talks', exclusion_until: '2001-01-01', strategic: '', guarantee_contact: '' }, manager);
    expect(past.status).toBe(422);
    expect(await past.text()).toContain('id="ov-exclusion-until-err"');

    const ok = await post(`${path}/overrides`, {
      _csrf: token, exclusion_on: 'on', exclusion_reason: 'in talks with their CFO', exclusion_until: '', strategic: 'yes',
      guarantee_contact: 'new', guarantee_ref: 'PG-2026-7', guarantor_name: 'Gus Arantor', guarantor_email: 'gus@c2.example', guarantor_phone: '',
      time_zone: 'America/Chicago', language: 'fr-ca',
    }, manager);
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toContain('done=overrides');
    const o = (await accountStates(w.store.db).get(id))?.overrides;
    expect(o).toMatchObject({ exclusion: { reason: 'in talks with their CFO', by: people.manager.email }, strategic: true, guarantee: { contactId: 'entered:email:gus@c2.example', documentRef: 'PG-2026-7' }, timeZone: 'America/Chicago', language: 'fr-CA' });
    const trail = await w.store.audit.list(id);
    expect(trail.filter((e) => e.action === 'account.override').map((e) => e.details?.['field']).sort()).toEqual(['exclusion', 'guarantee', 'language', 'strategic', 'timeZone']);
    expect(trail.filter((e) => e.action === 'account.override').every((e) => e.channel === 'console' && e.actor.id === people.manager.email)).toBe(true);
    expect(trail.find((e) => e.action === 'contact.added')?.outcome).toContain('Gus Arantor');
    // The page shows them, and the form is filled with them.
    const shown = await (await get(path, manager)).text();
    expect(shown).toMatch(/<dt>Do not chase<\/dt><dd>in talks with their CFO, by max\.manager@fuzz\.example/);
    expect(shown).toMatch(/<option value="entered:email:gus@c2\.example" selected>/);

    // The same form again changes nothing; an emptied field lifts its override.
    const same = await post(`${path}/overrides`, { _csrf: token, exclusion_on: 'on', exclusion_reason: 'in talks with their CFO', strategic: 'yes', guarantee_contact: 'entered:email:gus@c2.example', guarantee_ref: 'PG-2026-7', time_zone: 'America/Chicago', language: 'fr-CA' }, manager);
    expect(same.headers.get('location')).toContain('done=overrides-unchanged');
    const lifted = await post(`${path}/overrides`, { _csrf: token, strategic: 'yes', guarantee_contact: 'entered:email:gus@c2.example', guarantee_ref: 'PG-2026-7', time_zone: '', language: 'fr-CA' }, manager);
    expect(lifted.status).toBe(303);
    const o2 = (await accountStates(w.store.db).get(id))?.overrides;
    expect(o2?.exclusion).toBeUndefined();
    expect(o2?.timeZone).toBeUndefined();
    expect(o2?.strategic).toBe(true);
    const api = await w.admin('GET', `/accounts/${encodeURIComponent(id)}/overrides`);
    expect(JSON.parse(api.text)).toMatchObject({ overrides: { exclusion: null, timeZone: null, strategic: true, language: 'fr-CA' } });
  });
});

describe('Request referral from the console', () => {
  it('asks the approvers with the approval card; an approver approves in Slack: prepay-only, audited; a second request is refused', async () => {
    const path = pathOf(2);
    const id = w.customers[2]?._id ?? '';
    const page = await (await get(path, collector)).text();
    expect(page).toContain('Request referral');
    const token = csrfOf(page);
    const empty = await post(`${path}/referral`, { _csrf: token, reason: ' ' }, collector);
    expect(empty.status).toBe(422);
    expect(await empty.text()).toContain('id="referral-reason-err"');

    const before = w.sandbox.callsOf('chat.postMessage').length;
    const ok = await post(`${path}/referral`, { _csrf: token, reason: 'no answer since the final demand' }, collector);
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe(`${path}?done=referral`);
    const pending = (await w.store.approvals.listPending(ORG)).filter((a) => a.customerId === id);
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({ kind: 'agency_referral', requestedBy: { kind: 'person', id: people.collector.email }, reason: 'no answer since the final demand' });
    const approvalId = pending[0]?._id ?? '';
    // The card: the same approval message as the ladder's step, to the approver's DM, with Approve / Reject / Give more time.
    const card = w.sandbox.callsOf('chat.postMessage').slice(before).find((c) => buttonsOf(c.args['blocks']).some((b) => b.action_id === actionIds.approve && b.value === approvalId));
    expect(card).toBeDefined();
    expect(buttonsOf(card?.args['blocks']).map((b) => b.action_id)).toEqual(expect.arrayContaining([actionIds.approve, actionIds.reject, actionIds.moreTime]));
    expect(JSON.stringify(card?.args['blocks'])).toContain('no answer since the final demand');
    const trail = await w.store.audit.list(id);
    expect(trail.find((e) => e.action === 'referral.requested')).toMatchObject({ channel: 'console', actor: { id: people.collector.email } });
    expect(trail.find((e) => e.action === 'slack.approval_requested')?.details).toMatchObject({ approvalId });

    const twice = await post(`${path}/referral`, { _csrf: token, reason: 'again' }, collector);
    expect(twice.status).toBe(409);
    expect(await twice.text()).toContain('already waiting for an approver');

    // The requester cannot decide it; the approver does, with the same Approve button.
    const channel = String(card?.args['channel'] ?? '');
    const ts = '1';
    expect((await sendInteraction(`${w.url}/slack/events`, SIGNING_SECRET, blockAction({ userId: people.approver.id }, { actionId: actionIds.approve, value: approvalId, channel, ts }))).status).toBe(200);
    await until('the approval decided', async () => (await w.store.approvals.get(approvalId))?.status === 'approved', 20_000);
    await until('the decision audited', async () => (await w.store.audit.list(id)).some((e) => e.action === 'approval.approved'), 20_000);
    expect((await new CreditFlags(w.store.db).get(id))?.prepayOnly).toBe(true);
    const after = await w.store.audit.list(id);
    expect(after.map((e) => e.action)).toEqual(expect.arrayContaining(['approval.approved', 'account.prepay_only']));
    expect(after.find((e) => e.action === 'approval.approved')?.actor).toMatchObject({ id: people.approver.email });
    const referred = await post(`${path}/referral`, { _csrf: token, reason: 'once more' }, collector);
    expect(referred.status).toBe(409);
    expect(await referred.text()).toContain('already referred');
  });

  it('is refused to a role the table does not allow (an approver sees no form)', async () => {
    const approver = await signIn(people.approver.id);
    const page = await (await get(pathOf(0), approver)).text();
    expect(page).not.toContain('action="/console/accounts/fz0/referral"');
    const r = await post(`${pathOf(0)}/referral`, { _csrf: csrfOf(page), reason: 'r' }, approver);
    expect(r.status).toBe(403);
  });
});

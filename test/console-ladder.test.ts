// The console's ladder editor over HTTP (app/console/pages/ladder*.ts), on the web role's whole app (the
// fuzz world): managers and admins only (`editPolicy`), a form per level whose problems are shown at their
// fields with a 422, the raw view with the problems' paths, the preview listing the accounts whose next step
// moves and one account's 90 days side by side, Save making a version through the policy store (audited
// with the person as actor), the history with its diff, Rollback, and CSRF on every form.
import { orgAuditAccount } from '../src/store/audit.js';
import { defaultPolicy, type LevelSpec } from '../src/engine/index.js';
import { fieldId, levelFromForm, newLevel, placeProblems } from '../app/console/ladder-form.js';
import { sideBySide } from '../app/console/pages/ladder-preview.js';
import { ORG, people, SIGNING_SECRET, startWorld, type World } from './fuzz/world.js';
import { sendCommand, slashCommand } from './sandbox/slack/signed.js';
import { until } from './helpers/web-world.js';

jest.setTimeout(180_000);

let w: World;
let manager = '';
let collector = '';
let rep = '';

const get = (path: string, cookie?: string) => fetch(`${w.url}${path}`, { redirect: 'manual', headers: cookie ? { cookie } : {} });
const post = (path: string, form: Record<string, string>, cookie?: string, headers: Record<string, string> = {}) =>
  fetch(`${w.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: w.url, ...(cookie ? { cookie } : {}), ...headers },
    body: new URLSearchParams(form).toString(),
  });
const csrfOf = (page: string): string => /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';

async function signInAs(user: string): Promise<string> {
  const before = w.sandbox.callsOf('chat.postEphemeral').length;
  expect((await sendCommand(`${w.url}/slack/events`, SIGNING_SECRET, slashCommand({ userId: user }, '/overdue', 'console'))).status).toBe(200);
  await until('the link', async () => w.sandbox.callsOf('chat.postEphemeral').length > before, 10_000);
  const text = String(w.sandbox.callsOf('chat.postEphemeral').filter((c) => c.args['user'] === user).at(-1)?.args['text'] ?? '');
  const link = /\/console\/sign-in\/[A-Za-z0-9_-]+/.exec(text)?.[0];
  if (!link) throw new Error(`no link in ${text}`);
  const res = await post(link, {});
  expect(res.status).toBe(303);
  return (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

/** A level's form as the editor's page sends it (every field of every action). */
function levelFields(level: LevelSpec, csrf: string): Record<string, string> {
  const f: Record<string, string> = { _csrf: csrf, op: 'update', id: level.id, name: level.name, owner: level.owner, trigger: level.trigger.kind, days: 'days' in level.trigger ? String(level.trigger.days) : '', actions: String(level.actions.length) };
  if (level.mandatory) f['mandatory'] = 'on';
  level.actions.forEach((a, j) => {
    const p = `a${j}-`;
    f[`${p}kind`] = a.kind;
    f[`${p}id`] = a.id;
    for (const [k, v] of Object.entries(a)) {
      if (k === 'kind' || k === 'id') continue;
      if (typeof v === 'boolean') {
        if (v) f[`${p}${k}`] = 'on';
      } else f[`${p}${k}`] = Array.isArray(v) ? v.join(', ') : String(v);
    }
  });
  return f;
}

const level = (i: number): LevelSpec => {
  const l = defaultPolicy.levels[i];
  if (!l) throw new Error(`no level ${i}`);
  return l;
};
/** The written warning: level 6 of the default ladder, day 60. */
const WARNING = 6;
/** Up the ladder: level 5, day 45 — the seeded accounts' (40 days past due) next step. */
const UP = 5;

beforeAll(async () => {
  w = await startWorld('console-ladder');
  manager = await signInAs(people.manager.id);
  collector = await signInAs(people.collector.id);
  rep = await signInAs(people.rep.id);
});
afterAll(async () => {
  await w?.stop();
});

describe('the ladder form (pure)', () => {
  it('reads a level form into policy input: numbers as numbers, anything else as typed for the parser to refuse', () => {
    const f = levelFields(level(WARNING), 'x');
    expect(levelFromForm(f)).toEqual(JSON.parse(JSON.stringify(level(WARNING))));
    const bad = levelFromForm({ ...f, days: 'soon', 'a0-responseDays': '' , 'a1-remove': 'on' });
    expect(bad['trigger']).toEqual({ kind: 'daysPastDue', days: 'soon' });
    expect((bad['actions'] as unknown[]).length).toBe(level(WARNING).actions.length - 1);
    expect(levelFromForm({ ...f, trigger: 'deadlineExpired' })['trigger']).toEqual({ kind: 'deadlineExpired' });
    expect(newLevel(defaultPolicy.levels)['id']).toBe('level-1');
  });

  it('places each problem at its field, else on its level, else on the page', () => {
    const placed = placeProblems([
      'levels[6].trigger.days: Invalid input: expected number, received string',
      "levels[7] 'final-demand': levels out of order: day 75 is not after the previous level (day 80)",
      "levels[6] 'written-warning'.actions[0] 'letter': unknown letter template 'nope'",
      "levels[2] 'reminder-2'.actions[0] 'email': unknown contact role 'boss' (not in contactLadder)",
      "levels[3] 'x': duplicate level id",
      "levels[5] 'x'.actions[1] 'y': a level with a writtenWarning letter must be mandatory",
      'calendar.sendingHours: start 18:00 must be before end 17:00',
    ]);
    expect([...placed.fields.keys()].sort()).toEqual([fieldId(6, 'days'), fieldId(7, 'days'), fieldId(6, 'template', 0), fieldId(2, 'to', 0), fieldId(3, 'id'), fieldId(5, 'mandatory')].sort());
    expect(placed.general).toEqual(['calendar.sendingHours: start 18:00 must be before end 17:00']);
  });

  it('lays two 90-day replays side by side by date, marking the days that differ', () => {
    const e = (date: string, levelName: string) => ({ date, at: 0, levelId: levelName, levelName, text: '', action: { kind: 'agencyReferral' } }) as never;
    const rows = sideBySide([e('2026-12-10', 'a'), e('2026-12-20', 'b')], [e('2026-12-10', 'a'), e('2026-12-25', 'b')]);
    expect(rows.map((r) => [r.date, r.differs])).toEqual([['2026-12-10', false], ['2026-12-20', true], ['2026-12-25', true]]);
  });
});

describe('the ladder editor over HTTP', () => {
  it('is for managers and admins: a collector and a sales rep are refused with 403, and see no Ladder link', async () => {
    for (const cookie of [collector, rep]) {
      const page = await get('/console/ladder', cookie);
      expect(page.status).toBe(403);
      expect(await page.text()).toContain('Only managers and admins can do this.');
      expect((await get('/console/ladder/versions', cookie)).status).toBe(403);
      expect((await get('/console/ladder/preview', cookie)).status).toBe(403);
    }
    const accounts = await (await get('/console/accounts', collector)).text();
    expect(accounts).not.toContain('href="/console/ladder"');
    const csrf = csrfOf(accounts);
    const r = await post(`/console/ladder/levels/${WARNING}`, levelFields(level(WARNING), csrf), collector);
    expect(r.status).toBe(403);
    expect(await w.store.db.collection('console_policy_drafts').countDocuments({})).toBe(0);
    expect((await post('/console/ladder/versions/1/rollback', { _csrf: csrf }, collector)).status).toBe(403);
  });

  it('shows the active policy (the default ladder) as a form per level', async () => {
    const res = await get('/console/ladder', manager);
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('href="/console/ladder" aria-current="page"');
    for (let i = 0; i < defaultPolicy.levels.length; i++) expect(page).toContain(`action="/console/ladder/levels/${i}"`);
    expect(page).toMatch(new RegExp(`id="l${WARNING}-days" name="days" type="text" value="60"`));
    expect(page).toContain(`id="l${WARNING}-a0-responseDays"`);
    expect(page).not.toContain('aria-invalid');
  });

  it('shows each problem at its field with a 422: a day that is not a number, a level out of order, an unknown template', async () => {
    const csrf = csrfOf(await (await get('/console/ladder', manager)).text());
    const notNumber = await post(`/console/ladder/levels/${WARNING}`, { ...levelFields(level(WARNING), csrf), days: 'soon' }, manager);
    expect(notNumber.status).toBe(422);
    const a = await notNumber.text();
    expect(a).toContain(`id="l${WARNING}-days" name="days" type="text" value="soon" size="5" aria-invalid="true" aria-describedby="l${WARNING}-days-err"`);
    expect(a).toMatch(new RegExp(`<p class="bad" id="l${WARNING}-days-err">[^<]*expected number`));
    // The summary at the top links to the field.
    expect(a).toContain(`href="#l${WARNING}-days"`);

    const outOfOrder = await post(`/console/ladder/levels/${WARNING}`, { ...levelFields(level(WARNING), csrf), days: '80' }, manager);
    expect(outOfOrder.status).toBe(422);
    const b = await outOfOrder.text();
    // The written warning at day 80 puts the final demand (level 7, day 75) out of order: shown at the final demand's day.
    expect(b).toMatch(new RegExp(`<p class="bad" id="l${WARNING + 1}-days-err">levels out of order: day 75 is not after the previous level \\(day 80\\)`));

    const template = await post(`/console/ladder/levels/${WARNING}`, { ...levelFields(level(WARNING), csrf), 'a0-template': 'nope' }, manager);
    expect(template.status).toBe(422);
    expect(await template.text()).toContain(`<p class="bad" id="l${WARNING}-a0-template-err">action 1: unknown letter template &#39;nope&#39;</p>`);
    // Preview and Save refuse a draft with problems.
    expect((await get('/console/ladder/preview', manager)).status).toBe(422);
    expect((await post('/console/ladder/save', { _csrf: csrf }, manager)).status).toBe(422);
    expect(await w.store.policies.current(ORG)).toBeNull();
  });

  it('the raw view takes JSON or YAML, and lists problems with their path (422) without replacing the draft', async () => {
    const raw = await (await get('/console/ladder/raw', manager)).text();
    const csrf = csrfOf(raw);
    expect(raw).toContain('<textarea id="raw-policy" name="policy"');
    const syntax = await post('/console/ladder/raw', { _csrf: csrf, policy: 'levels: [unclosed' }, manager);
    expect(syntax.status).toBe(422);
    expect(await syntax.text()).toMatch(/line \d+, column \d+/);
    const wrong = JSON.parse(JSON.stringify(defaultPolicy)) as { levels: { trigger: { days?: unknown } }[]; calendar: { sendingHours: { start: string } } };
    const l = wrong.levels[WARNING];
    if (l) l.trigger.days = 'x';
    wrong.calendar.sendingHours.start = '18:00';
    const invalid = await post('/console/ladder/raw', { _csrf: csrf, policy: JSON.stringify(wrong) }, manager);
    expect(invalid.status).toBe(422);
    const text = await invalid.text();
    expect(text).toContain(`levels[${WARNING}].trigger.days: `);
    // The whole default policy as JSON is longer than the console's other form fields may be: the CSRF check still passes.
    const good = JSON.stringify(defaultPolicy, null, 2);
    expect(good.length).toBeGreaterThan(5_000);
    const ok = await post('/console/ladder/raw', { _csrf: csrf, policy: good }, manager);
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/console/ladder?done=raw');
    const yaml = await post('/console/ladder/raw', { _csrf: csrf, policy: `version: 1\nname: tiny\n` }, manager);
    expect(yaml.status).toBe(422);
    expect(await yaml.text()).toContain('contactLadder: ');
  });

  it('previews the edited draft: the accounts whose next step moves, and one account 90 days side by side', async () => {
    const csrf = csrfOf(await (await get('/console/ladder', manager)).text());
    const edited = await post(`/console/ladder/levels/${WARNING}`, { ...levelFields(level(WARNING), csrf), days: '70' }, manager);
    expect(edited.status).toBe(303);
    expect(edited.headers.get('location')).toBe(`/console/ladder?done=updated#level-${WARNING}`);
    // The seeded accounts' next step is up the ladder (day 45, fast-tracked to 36: due now, on the next business day); day 55 (44) moves every one.
    const preview = await post(`/console/ladder/levels/${UP}`, { ...levelFields(level(UP), csrf), days: '55', op: 'preview' }, manager);
    expect(preview.status).toBe(303);
    expect(preview.headers.get('location')).toBe('/console/ladder/preview');
    const res = await get('/console/ladder/preview', manager);
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain(`<code>levels[${UP}].trigger.days</code></th><td>45</td><td>55</td>`);
    expect(page).toContain(`<code>levels[${WARNING}].trigger.days</code></th><td>60</td><td>70</td>`);
    const moved = page.split('<table class="moved">')[1]?.split('</table>')[0] ?? '';
    for (const c of w.customers) expect(moved).toContain(`href="/console/accounts/${encodeURIComponent(c._id)}"`);
    expect(page).toMatch(/<strong>3<\/strong> have their next step or its date changed/);
    expect(page).toContain('<table class="side-by-side">');
    expect(page).toMatch(/<td>yes<\/td>/);
    // Another account chosen in the select.
    const initech = w.customers[2];
    if (!initech) throw new Error('no third customer');
    const other = await (await get(`/console/ladder/preview?account=${encodeURIComponent(initech._id)}`, manager)).text();
    expect(other).toContain(`<caption>Initech: the next 90 days`);
  });

  it('Save creates and activates a version through the policy store, audited with the person as actor', async () => {
    const page = await (await get('/console/ladder/preview', manager)).text();
    const csrf = csrfOf(page);
    // Without the token, or from another origin: refused, nothing saved.
    expect((await post('/console/ladder/save', { note: 'x' }, manager)).status).toBe(403);
    expect((await post('/console/ladder/save', { note: 'x', _csrf: csrf }, manager, { origin: 'https://evil.example' })).status).toBe(403);
    expect(await w.store.policies.current(ORG)).toBeNull();
    const saved = await post('/console/ladder/save', { note: 'written warning ten days later', _csrf: csrf }, manager);
    expect(saved.status).toBe(303);
    expect(saved.headers.get('location')).toBe('/console/ladder/versions?done=saved&version=1');
    const current = await w.store.policies.current(ORG);
    expect(current).toMatchObject({ version: 1, note: 'written warning ten days later', createdBy: { kind: 'person', id: people.manager.email } });
    expect(current?.policy.levels[WARNING]?.trigger).toEqual({ kind: 'daysPastDue', days: 70 });
    const audit = await w.store.audit.list(orgAuditAccount(ORG));
    expect(audit.at(-1)).toMatchObject({ action: 'policy.saved', actor: { kind: 'person', id: people.manager.email }, outcome: expect.stringContaining(`levels[${WARNING}].trigger.days: 60 → 70`) });
    // The draft is gone; the history lists the version with who and the note.
    expect(await w.store.db.collection('console_policy_drafts').countDocuments({})).toBe(0);
    const history = await (await get('/console/ladder/versions?done=saved&version=1', manager)).text();
    expect(history).toContain('Saved and activated as version 1');
    expect(history).toContain(people.manager.name);
    expect(history).toContain('written warning ten days later');
  });

  it('shows any version against the active one, and rolls back (a new version with the earlier content, audited)', async () => {
    // A second version: the written warning at day 65.
    const csrf = csrfOf(await (await get('/console/ladder', manager)).text());
    const v1Level = { ...level(WARNING), trigger: { kind: 'daysPastDue' as const, days: 70 } };
    expect((await post(`/console/ladder/levels/${WARNING}`, { ...levelFields(v1Level, csrf), days: '65' }, manager)).status).toBe(303);
    expect((await post('/console/ladder/save', { _csrf: csrf }, manager)).status).toBe(303);
    expect((await w.store.policies.current(ORG))?.version).toBe(2);

    const diff = await get('/console/ladder/versions/1', manager);
    expect(diff.status).toBe(200);
    expect(await diff.text()).toContain(`<code>levels[${WARNING}].trigger.days</code></th><td>70</td><td>65</td>`);
    expect((await get('/console/ladder/versions/99', manager)).status).toBe(404);
    expect((await get('/console/ladder/versions/abc', manager)).status).toBe(404);

    // Rollback is a CSRF-checked POST.
    expect((await post('/console/ladder/versions/1/rollback', {}, manager)).status).toBe(403);
    expect((await w.store.policies.current(ORG))?.version).toBe(2);
    const back = await post('/console/ladder/versions/1/rollback', { _csrf: csrf }, manager);
    expect(back.status).toBe(303);
    expect(back.headers.get('location')).toBe('/console/ladder/versions?done=rolledback&version=3');
    const current = await w.store.policies.current(ORG);
    expect(current).toMatchObject({ version: 3, rollbackOf: 1 });
    expect(current?.policy.levels[WARNING]?.trigger).toEqual({ kind: 'daysPastDue', days: 70 });
    const audit = await w.store.audit.list(orgAuditAccount(ORG));
    expect(audit.at(-1)).toMatchObject({ action: 'policy.rolledBack', actor: { id: people.manager.email }, details: { version: 3, rollbackOf: 1 } });
    const history = await (await get('/console/ladder/versions', manager)).text();
    expect(history).toContain('(rollback to v1)');
    expect(history).toMatch(/v3 <strong>\(active\)<\/strong>/);
  });

  it('adds and removes a level and an action in the draft', async () => {
    const csrf = csrfOf(await (await get('/console/ladder', manager)).text());
    const added = await post('/console/ladder/levels', { _csrf: csrf }, manager);
    expect(added.status).toBe(303);
    const page = await (await get('/console/ladder', manager)).text();
    const n = defaultPolicy.levels.length;
    expect(page).toContain(`action="/console/ladder/levels/${n}"`);
    const withAction = await post(`/console/ladder/levels/${n}`, { _csrf: csrf, op: 'add-action', id: 'level-1', name: 'level 1', owner: 'collector', trigger: 'daysAfterPrevious', days: '7', actions: '1', 'a0-kind': 'slackNudge', 'a0-id': 'nudge', 'a0-template': 'collector-call', 'a0-to': 'collector', 'new-kind': 'task' }, manager);
    expect(withAction.status).toBe(303);
    const draft = await w.store.db.collection<{ policy: { levels: { actions: { kind: string }[] }[] } }>('console_policy_drafts').findOne({});
    expect(draft?.policy.levels[n]?.actions.map((a) => a.kind)).toEqual(['slackNudge', 'task']);
    const removed = await post(`/console/ladder/levels/${n}`, { _csrf: csrf, op: 'remove' }, manager);
    expect(removed.status).toBe(303);
    const after = await w.store.db.collection<{ policy: { levels: unknown[] } }>('console_policy_drafts').findOne({});
    expect(after?.policy.levels).toHaveLength(n);
    expect((await post(`/console/ladder/levels/${n + 5}`, { _csrf: csrf, op: 'remove' }, manager)).status).toBe(404);
    expect((await post('/console/ladder/discard', { _csrf: csrf }, manager)).status).toBe(303);
    expect(await w.store.db.collection('console_policy_drafts').countDocuments({})).toBe(0);
  });
});

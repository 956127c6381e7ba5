// The web console over HTTP (app/console), on the web role's whole app as production builds it (the fuzz
// world: loadConfig → buildServices → buildWebApp, the Slack sandbox behind the Slack app): signing in
// from a Slack link (`/overdue console`, App Home's *Open Overdue*), single use and expiry, the session
// cookie, roles from the one table, CSRF on every form, the pages, the CSV, and the Pause / Place hold
// forms going through Slack's own flows.
import { actionIds } from '../slack/ids.js';
import { parseCsv } from '../src/planning/assignments.js';
import { accountStates } from '../src/planning/state.js';
import { plannerFor } from '../src/planning/plan.js';
import { ConsoleAuth, SESSION_IDLE_MS, SESSION_MAX_MS, SIGN_IN_TTL_MS } from '../app/console/auth.js';
import { escapeHtml, html, raw } from '../app/console/html.js';
import { consoleStateOf } from '../app/console/pages/overview.js';
import { timelineRowOf } from '../src/documents/timeline.js';
import { customerDoc, invoiceDoc, saveCustomer } from './helpers/accounts.js';
import { ADMIN_TOKEN, ORG, people, SIGNING_SECRET, startWorld, type World } from './fuzz/world.js';
import { blockAction, sendCommand, sendInteraction, slashCommand } from './sandbox/slack/signed.js';
import { buttonsOf, homeOpener, until } from './helpers/web-world.js';

jest.setTimeout(120_000);

let w: World;

/** The link in the last ephemeral answer (or DM) to this user. */
function lastLink(user: string, method: 'chat.postEphemeral' | 'chat.postMessage'): string {
  const calls = w.sandbox.callsOf(method).filter((c) => method === 'chat.postMessage' || c.args['user'] === user);
  const text = String(calls[calls.length - 1]?.args['text'] ?? '');
  const m = /(\/console\/sign-in\/[A-Za-z0-9_-]+)/.exec(text);
  if (!m?.[1]) throw new Error(`no sign-in link in "${text}"`);
  return m[1];
}

async function linkByCommand(user: string): Promise<string> {
  const before = w.sandbox.callsOf('chat.postEphemeral').length;
  expect((await sendCommand(`${w.url}/slack/events`, SIGNING_SECRET, slashCommand({ userId: user }, '/overdue', 'console'))).status).toBe(200);
  await until('the ephemeral answer', async () => w.sandbox.callsOf('chat.postEphemeral').length > before, 10_000);
  return lastLink(user, 'chat.postEphemeral');
}

const get = (path: string, cookie?: string, headers: Record<string, string> = {}) => fetch(`${w.url}${path}`, { redirect: 'manual', headers: { ...(cookie ? { cookie } : {}), ...headers } });
/** A form POST as a browser sends it from our page (Origin: this server), unless `headers` say otherwise. */
const post = (path: string, form: Record<string, string>, cookie?: string, headers: Record<string, string> = {}) =>
  fetch(`${w.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: w.url, ...(cookie ? { cookie } : {}), ...headers },
    body: new URLSearchParams(form).toString(),
  });

/** Sign in through a link: the link's page, its button's POST; the session cookie. */
async function signIn(link: string): Promise<string> {
  const page = await get(link);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain(`action="${link}"`);
  const res = await post(link, {});
  expect(res.status).toBe(303);
  expect(res.headers.get('location')).toBe('/console');
  const set = res.headers.get('set-cookie') ?? '';
  expect(set).toMatch(/^overdue_console=[A-Za-z0-9_-]{43}; /);
  expect(set).toContain('HttpOnly');
  expect(set).toContain('Secure');
  expect(set).toContain('SameSite=Lax');
  return set.split(';')[0] ?? '';
}

const csrfOf = (page: string): string => /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';

beforeAll(async () => {
  w = await startWorld('console');
  // The list reads the accounts' summary rows, which planning writes (a sync plans the accounts it changed).
  for (const c of w.customers) await plannerFor(w.services).plan(c._id, new Date());
});
afterAll(async () => {
  await w?.stop();
});

describe('html templates', () => {
  it('escape every interpolation, join arrays, and write raw() markup as is', () => {
    const name = '<script>alert("x")</script> & \'co\'';
    expect(html`<td>${name}</td>`.text).toBe('<td>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;</td>');
    expect(html`<ul>${['a', 'b'].map((x) => html`<li>${x}</li>`)}</ul>`.text).toBe('<ul><li>a</li><li>b</li></ul>');
    expect(html`${raw('<svg></svg>')}${null}${undefined}${false}${0}`.text).toBe('<svg></svg>0');
    expect(escapeHtml('"')).toBe('&quot;');
  });
});

describe('timeline rows (shared with the demo report)', () => {
  const entry = (action: string, extra: Record<string, unknown> = {}) =>
    ({ _id: 'e', accountId: 'a', orgId: 'o', seq: 1, prevHash: '', hash: '', at: new Date('2026-12-05T15:30:00Z'), actor: { kind: 'system', id: 'planner' }, channel: 'email', action, invoiceIds: [], outcome: 'moved to reminder 1', ...extra }) as never;
  it('labels each entry, in the account time zone, and leaves out the queueing', () => {
    expect(timelineRowOf(entry('account.level', { details: { explanation: '3 days past due' } }), 'America/Chicago')).toEqual({
      date: '2026-12-05', time: '09:30', action: 'level changed', channel: 'email', who: 'Overdue', detail: 'moved to reminder 1 — 3 days past due',
    });
    expect(timelineRowOf(entry('credit_hold.placed', { actor: { kind: 'person', id: 'c@x.example', name: 'Cole' } }), 'UTC')).toMatchObject({ action: 'credit hold placed', who: 'Cole' });
    expect(timelineRowOf(entry('some.new_thing'), 'UTC')?.action).toBe('some new thing');
    expect(timelineRowOf(entry('outbox.enqueued'), 'UTC')).toBeNull();
  });
});

describe('overview state of an account', () => {
  const base = { _id: 'c', orgId: 'o', disputes: [], promises: [], paymentPlans: [], snoozes: [], updatedAt: new Date(0) };
  it('takes the most serious that applies', () => {
    const f = { state: null, onHold: false, referred: false, writtenOff: false };
    expect(consoleStateOf(f, '2026-12-05')).toBe('active');
    expect(consoleStateOf({ ...f, state: { ...base, snoozes: [{ id: 's', by: 'x', createdAt: new Date(0), until: '2026-12-05' }] } }, '2026-12-05')).toBe('paused');
    expect(consoleStateOf({ ...f, state: { ...base, snoozes: [{ id: 's', by: 'x', createdAt: new Date(0), until: '2026-12-04' }] } }, '2026-12-05')).toBe('active');
    expect(consoleStateOf({ ...f, state: { ...base, promises: [{ id: 'p', madeAt: new Date(0), promisedDate: '2026-12-10', status: 'open' }] } }, '2026-12-05')).toBe('promise');
    expect(consoleStateOf({ ...f, state: { ...base, promises: [{ id: 'p', madeAt: new Date(0), promisedDate: '2026-12-10', status: 'broken' }] } }, '2026-12-05')).toBe('active');
    expect(consoleStateOf({ ...f, onHold: true, state: { ...base, disputes: [{ id: 'd', openedAt: new Date(0) }] } }, '2026-12-05')).toBe('hold');
    expect(consoleStateOf({ ...f, state: { ...base, disputes: [{ id: 'd', openedAt: new Date(0) }] } }, '2026-12-05')).toBe('dispute');
    expect(consoleStateOf({ ...f, onHold: true, referred: true }, '2026-12-05')).toBe('referred');
    expect(consoleStateOf({ ...f, referred: true, writtenOff: true }, '2026-12-05')).toBe('written_off');
  });
});

describe('sign-in links and sessions (ConsoleAuth)', () => {
  it('a link works once and within its 10 minutes; a session ends when idle or at its absolute expiry, and at sign-out', async () => {
    const auth = new ConsoleAuth(w.store);
    const t0 = new Date('2030-01-01T10:00:00Z');
    const a = await auth.mintSignIn(ORG, people.collector.id, t0);
    expect(a.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Stored hashed: the token itself is nowhere in the database.
    expect(await w.store.db.collection('console_sign_ins').countDocuments({ _id: a.token as never })).toBe(0);
    const late = await auth.mintSignIn(ORG, people.collector.id, t0);
    expect(await auth.redeem(late.token, new Date(t0.getTime() + SIGN_IN_TTL_MS))).toEqual({ ok: false, why: 'expired' });
    expect(await auth.redeem('x'.repeat(43), t0)).toEqual({ ok: false, why: 'unknown' });
    expect(await auth.redeem('not a token', t0)).toEqual({ ok: false, why: 'unknown' });
    // Two uses at once: one session.
    const both = await Promise.all([auth.redeem(a.token, t0), auth.redeem(a.token, t0)]);
    expect(both.filter((r) => r.ok)).toHaveLength(1);
    expect(both.filter((r) => !r.ok)).toEqual([{ ok: false, why: 'used' }]);
    const r = both.find((x) => x.ok);
    if (!r?.ok) throw new Error('no session');
    expect(await auth.session(r.sessionId, new Date(t0.getTime() + SESSION_IDLE_MS - 1))).not.toBeNull();
    // Seen just now: idle counts from the last request.
    const later = new Date(t0.getTime() + SESSION_IDLE_MS - 1 + SESSION_IDLE_MS - 1);
    expect(await auth.session(r.sessionId, later)).not.toBeNull();
    expect(await auth.session(r.sessionId, new Date(later.getTime() + SESSION_IDLE_MS))).toBeNull();

    const b = await auth.mintSignIn(ORG, people.collector.id, t0);
    const rb = await auth.redeem(b.token, t0);
    if (!rb.ok) throw new Error('no session');
    // Kept alive every 20 minutes, it still ends at its absolute expiry.
    let at = t0.getTime();
    while (at + 20 * 60_000 < t0.getTime() + SESSION_MAX_MS) {
      at += 20 * 60_000;
      expect(await auth.session(rb.sessionId, new Date(at))).not.toBeNull();
    }
    expect(await auth.session(rb.sessionId, new Date(t0.getTime() + SESSION_MAX_MS))).toBeNull();

    const c = await auth.mintSignIn(ORG, people.collector.id, t0);
    const rc = await auth.redeem(c.token, t0);
    if (!rc.ok) throw new Error('no session');
    await auth.signOut(rc.sessionId);
    expect(await auth.session(rc.sessionId, t0)).toBeNull();
  });
});

describe('the console over HTTP', () => {
  let cookie: string;

  it('without a session (or with the admin API token) it answers 401 with a page saying how to sign in', async () => {
    for (const headers of [{}, { authorization: `Bearer ${ADMIN_TOKEN}` }] as Record<string, string>[]) {
      const res = await get('/console', undefined, headers);
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      const text = await res.text();
      expect(text).toContain('/overdue console');
      expect(text).not.toMatch(/at .*\.ts:\d+/);
    }
    expect((await get('/console/accounts', 'overdue_console=' + 'a'.repeat(43))).status).toBe(401);
  });

  it('/overdue console answers a sign-in link that starts a session once; a used, unknown or expired link is a clear 4xx page', async () => {
    const link = await linkByCommand(people.collector.id);
    cookie = await signIn(link);
    const used = await get(link);
    expect(used.status).toBe(410);
    expect(await used.text()).toContain('already been used');
    expect((await post(link, {})).status).toBe(410);
    const unknown = await get('/console/sign-in/' + 'A'.repeat(43));
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('not one Overdue gave out');
    const expired = await new ConsoleAuth(w.store).mintSignIn(ORG, people.collector.id, new Date(Date.now() - 11 * 60_000));
    const exp = await get(`/console/sign-in/${expired.token}`);
    expect(exp.status).toBe(410);
    expect(await exp.text()).toContain('expired');
    // A stranger to Overdue gets no link.
    const before = w.sandbox.callsOf('chat.postEphemeral').length;
    await sendCommand(`${w.url}/slack/events`, SIGNING_SECRET, slashCommand({ userId: 'U0FZSTRNG' }, '/overdue', 'console'));
    await until('the answer', async () => w.sandbox.callsOf('chat.postEphemeral').length > before, 10_000);
    expect(String(w.sandbox.callsOf('chat.postEphemeral').at(-1)?.args['text'])).toContain('does not know you');
  });

  it("App Home shows Open Overdue (console.open) when the console is served", async () => {
    const before = w.sandbox.callsOf('views.publish').length;
    await homeOpener(`${w.url}/slack/events`, SIGNING_SECRET)(people.collector.id);
    const published = await until('App Home', async () => w.sandbox.callsOf('views.publish').slice(before).find((c) => c.args['user_id'] === people.collector.id), 10_000);
    expect(buttonsOf(published.args['view']).find((b) => b.action_id === 'console.open')).toMatchObject({ action_id: 'console.open' });
  });

  it("App Home's Open Overdue button sends a sign-in link by DM", async () => {
    const before = w.sandbox.callsOf('chat.postMessage').length;
    const payload = blockAction({ userId: people.manager.id }, { actionId: actionIds.consoleOpen, value: 'open', channel: 'D0HOME', ts: '1.0' });
    expect((await sendInteraction(`${w.url}/slack/events`, SIGNING_SECRET, payload)).status).toBe(200);
    await until('the DM', async () => w.sandbox.callsOf('chat.postMessage').length > before, 10_000);
    const managerCookie = await signIn(lastLink(people.manager.id, 'chat.postMessage'));
    expect((await get('/console', managerCookie)).status).toBe(200);
  });

  it('serves the overview with a CSP that allows our own stylesheet only, and the stylesheet', async () => {
    const res = await get('/console', cookie);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    const text = await res.text();
    for (const s of ['<a class="skip" href="#main">', '<main id="main"', '<h1>Overview</h1>', 'Aging', 'Accounts by state', 'Promises to pay', '<svg class="chart" role="img"', 'aria-current="page"']) expect(text).toContain(s);
    const css = await get('/console/assets/console.css');
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/text\/css/);
  });

  it('lists, filters and pages accounts, each with its next step; exports the filtered list as CSV with formula cells guarded', async () => {
    const now = new Date();
    const c = customerDoc(ORG, 'fz-formula', '=HYPERLINK("http://evil.example","Click")', [], now);
    await saveCustomer(w.store, c, [invoiceDoc(c, 'fz-formula-1', 'INV-900', new Date(now.getTime() - 20 * 86_400_000).toISOString().slice(0, 10), 99_900, now)]);
    await plannerFor(w.services).plan(c._id, now); // as the sync's plan-accounts job would: it writes the summary row the list reads
    const all = await (await get('/console/accounts', cookie)).text();
    for (const name of ['Acme Industrial', 'Initech', '=HYPERLINK(&quot;http://evil.example&quot;,&quot;Click&quot;)']) expect(all).toContain(name);
    expect(all).toMatch(/<td>[^<]*(email|Slack|nudge|reminder)[^<]*<\/td><td>\d{4}-\d{2}-\d{2}<\/td>/i);
    const acme = await (await get('/console/accounts?q=acme', cookie)).text();
    expect(acme).toContain('Acme Industrial');
    expect(acme).not.toContain('Initech');
    const none = await (await get('/console/accounts?currency=EUR', cookie)).text();
    expect(none).toContain('No account on this page matches.');
    const big = await (await get('/console/accounts?currency=USD&min=12400', cookie)).text();
    expect(big).toContain('Acme Industrial');
    expect(big).not.toContain('HYPERLINK');
    const bad = await get('/console/accounts?min=lots&state=nope', cookie);
    expect(bad.status).toBe(422);
    const badText = await bad.text();
    expect(badText).toContain('min');
    expect(badText).toContain('state');

    const csv = await get('/console/accounts.csv?currency=USD', cookie);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    expect(csv.headers.get('content-disposition')).toMatch(/attachment; filename="accounts-org-fuzz.csv"/);
    const rows = parseCsv(await csv.text()).map((r) => r.cells);
    expect(rows[0]).toEqual(['id', 'name', 'state', 'level', 'open', 'past_due', 'next_step', 'next_date']);
    const names = rows.slice(1).map((r) => r[1]);
    expect(names).toEqual(expect.arrayContaining(['Acme Industrial', 'Initech', `'=HYPERLINK("http://evil.example","Click")`]));
  });

  it('shows an account: timeline, invoices, contacts, overrides, documents and the audit chain check', async () => {
    const id = w.customers[0]?._id ?? '';
    const res = await get(`/console/accounts/${encodeURIComponent(id)}`, cookie);
    expect(res.status).toBe(200);
    const text = await res.text();
    for (const s of ['<h1>Acme Industrial</h1>', 'Timeline', 'INV-100', 'Contacts and roles', 'Overrides', 'Documents', 'Chain check: intact', 'name="_csrf"', 'Pause', 'Place hold']) expect(text).toContain(s);
    const st = await get(`/console/accounts/${encodeURIComponent(id)}/statement.pdf`, cookie);
    expect(st.status).toBe(200);
    expect(Buffer.from(await st.arrayBuffer()).subarray(0, 5).toString()).toBe('%PDF-');
    const audit = await get(`/console/accounts/${encodeURIComponent(id)}/audit.csv`, cookie);
    expect(audit.status).toBe(200);
    expect(await audit.text()).toContain('chain_check');
    expect((await get('/console/accounts/nope', cookie)).status).toBe(404);
  });

  it('refuses a form without the CSRF token, with a wrong one, or from another origin; places a hold through the Slack flow otherwise', async () => {
    const customer = w.customers[2];
    if (!customer) throw new Error('no customer');
    const path = `/console/accounts/${encodeURIComponent(customer._id)}`;
    const token = csrfOf(await (await get(path, cookie)).text());
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const refused = [
      await post(`${path}/hold`, { reason: 'no token' }, cookie),
      await post(`${path}/hold`, { reason: 'wrong token', _csrf: 'x'.repeat(43) }, cookie),
      await post(`${path}/hold`, { reason: 'other origin', _csrf: token }, cookie, { origin: 'https://evil.example' }),
      await post(`${path}/hold`, { reason: 'cross site', _csrf: token }, cookie, { origin: w.url, 'sec-fetch-site': 'cross-site' }),
    ];
    for (const r of refused) {
      expect(r.status).toBe(403);
      expect(await r.text()).toContain('security token');
    }
    expect(await w.store.creditHolds.activeForCustomer(customer._id)).toBeNull();

    const empty = await post(`${path}/hold`, { reason: '  ', _csrf: token }, cookie);
    expect(empty.status).toBe(422);
    expect(await empty.text()).toContain('Give a reason');

    const placed = await post(`${path}/hold`, { reason: 'ninety days late', _csrf: token }, cookie);
    expect(placed.status).toBe(303);
    expect(placed.headers.get('location')).toBe(`${path}?done=hold`);
    const hold = await w.store.creditHolds.activeForCustomer(customer._id);
    expect(hold?.reason).toBe('ninety days late');
    expect(hold?.requestedBy).toMatchObject({ kind: 'person', id: people.collector.email });
    const trail = await w.store.audit.list(customer._id);
    expect(trail.map((e) => e.action)).toContain('credit_hold.placed');
    // The account page offers no second hold.
    expect((await post(`${path}/hold`, { reason: 'again', _csrf: token }, cookie)).status).toBe(409);
  });

  it('pauses an account through the Slack snooze flow, with the same date rules', async () => {
    const customer = w.customers[1];
    if (!customer) throw new Error('no customer');
    const path = `/console/accounts/${encodeURIComponent(customer._id)}`;
    const token = csrfOf(await (await get(path, cookie)).text());
    const past = await post(`${path}/pause`, { until: '2000-01-01', reason: 'x', _csrf: token }, cookie);
    expect(past.status).toBe(422);
    expect(await past.text()).toContain('pick a date after today');
    const until = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
    const ok = await post(`${path}/pause`, { until, reason: 'customer on holiday', _csrf: token }, cookie);
    expect(ok.status).toBe(303);
    const state = await accountStates(w.store.db).get(customer._id);
    expect(state?.snoozes.map((s) => s.until)).toContain(until);
    const trail = await w.store.audit.list(customer._id);
    expect(trail.find((e) => e.action === 'snooze.recorded')?.actor).toMatchObject({ id: people.collector.email });
  });

  it('gives each role what the one table allows: a sales rep their own accounts, an approver no forms', async () => {
    const now = new Date();
    const own = customerDoc(ORG, 'fz-rep', 'Rep Owned Co', [], now, { salesRepEmail: people.rep.email });
    await saveCustomer(w.store, own, [invoiceDoc(own, 'fz-rep-1', 'INV-700', now.toISOString().slice(0, 10), 10_000, now)]);
    await plannerFor(w.services).plan(own._id, now); // as the sync's plan-accounts job would (the summary row the list reads)
    const rep = await signIn(await linkByCommand(people.rep.id));
    const home = await get('/console', rep);
    expect(home.status).toBe(303);
    expect(home.headers.get('location')).toBe('/console/accounts');
    const list = await (await get('/console/accounts', rep)).text();
    expect(list).toContain('Rep Owned Co');
    expect(list).not.toContain('Acme Industrial');
    expect(list).not.toContain('>Overview<');
    expect((await get(`/console/accounts/${encodeURIComponent(w.customers[0]?._id ?? '')}`, rep)).status).toBe(403);

    const approver = await signIn(await linkByCommand(people.approver.id));
    const page = await (await get(`/console/accounts/${encodeURIComponent(w.customers[0]?._id ?? '')}`, approver)).text();
    expect(page).toContain('Your role does not let you act on this account.');
    const token = csrfOf(page);
    const r = await post(`/console/accounts/${encodeURIComponent(w.customers[0]?._id ?? '')}/hold`, { reason: 'r', _csrf: token }, approver);
    expect(r.status).toBe(403);
    expect(await r.text()).toContain('Only');
  });

  it('signs out: the session is gone', async () => {
    const page = await (await get('/console', cookie)).text();
    const out = await post('/console/sign-out', { _csrf: csrfOf(page) }, cookie);
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/console/signed-out');
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
    expect((await get('/console', cookie)).status).toBe(401);
  });

  it('answers an unknown console path with a 404 page, and logged no error', async () => {
    const res = await get('/console/nothing-here');
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('no such page');
    expect([...w.takeErrors().keys()]).toEqual([]);
  });
});

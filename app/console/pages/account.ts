// One account (GET /console/accounts/:id): its state and next step (the accounts API's AccountDetail),
// the timeline (src/documents/timeline.ts, as the demo's report shows it), open invoices, contacts and
// roles, overrides, what was sent, the statement and the audit trail with its chain check (the
// documents API's functions), and the *Pause* and *Place hold* forms. Those forms go through the Slack
// flows themselves — the account view's records that `/overdue <customer>` makes (recordAccountView),
// then submitNudge (a snooze) and submitHold — with the same parsers (src/domain/human-input.ts), the
// same authorization, audit entries and re-plan; the person is told in Slack too, as from `/overdue`.
import type { Request } from 'express';
import { localDate } from '../../../src/domain/calendar.js';
import { formatMoney } from '../../../src/domain/money.js';
import { parseDate, parseText } from '../../../src/domain/human-input.js';
import { auditCsv, chainVerdict } from '../../../src/documents/audit-export.js';
import { loadAccount, partyOf, today as documentToday } from '../../../src/documents/load.js';
import { buildStatement } from '../../../src/documents/statement.js';
import { timelineRowOf } from '../../../src/documents/timeline.js';
import { sentDocuments, type SentDocumentMeta } from '../../../src/store/sent-documents.js';
import { AccountsReader } from '../../../src/planning/accounts.js';
import type { AccountDetail } from '../../../src/planning/account-view.js';
import { Planner } from '../../../src/planning/plan.js';
import { accountStates, type CustomerOverridesDoc } from '../../../src/planning/state.js';
import type { Action } from '../../../src/domain/authorization.js';
import { refusal } from '../../../src/domain/authorization.js';
import type { AuditEntryDoc, CustomerDoc } from '../../../src/store/types.js';
import { recordAccountView } from '../../../slack/services/command.js';
import { openDm } from '../../../slack/services/context.js';
import { submitHold } from '../../../slack/services/holds.js';
import { submitNudge } from '../../../slack/services/nudge-actions.js';
import { html, type Html } from '../html.js';
import { csrfField } from '../layout.js';
import { ConsoleError, formOf, type ConsoleDeps, type ConsoleRoute, type Outcome, type Viewer } from '../router.js';
import { accountHref, STATE_NAMES } from './accounts.js';
import { accountEditSections, EDIT_DONE, referralForm } from './account-edit-view.js';

/** The account behind :id, of the viewer's organisation, that the viewer may `action` on (else a 404 or 403 page). */
export async function accountFor(req: Request, v: Viewer, deps: ConsoleDeps, action: Action): Promise<CustomerDoc> {
  const id = String(req.params['id'] ?? '');
  const customer = id.includes('\u0000') || id.length > 300 ? null : await deps.services.store.customers.get(id);
  if (!customer || customer.orgId !== v.session.orgId) throw new ConsoleError(404, 'Account not found', 'There is no such account in your organisation.');
  const verdict = v.may(action, { salesRepEmail: customer.salesRepEmail });
  if (!verdict.ok) throw new ConsoleError(403, 'Not allowed', refusal(verdict, action, { salesRepEmail: customer.salesRepEmail }));
  return customer;
}

const money = (xs: { currency: string; minor: number }[]): string => (xs.length === 0 ? '—' : xs.map((x) => formatMoney({ amountMinor: x.minor, currency: x.currency })).join(', '));

const DONE: Record<string, string> = {
  paused: 'Paused: the account is snoozed until the date you gave (audited; you are told in Slack too).',
  hold: 'Credit hold done (audited; you are told in Slack too). A strategic account waits for a manager’s approval.',
};

function overridesList(o: CustomerOverridesDoc | undefined): Html {
  const rows: [string, string][] = [];
  if (o?.exclusion) rows.push(['Do not chase', `${o.exclusion.reason}${o.exclusion.until ? ` (until ${o.exclusion.until})` : ''}, by ${o.exclusion.by}`]);
  if (o?.strategic !== undefined) rows.push(['Strategic account', o.strategic ? 'yes' : 'no']);
  if (o?.guarantee) rows.push(['Personal guarantee', `contact ${o.guarantee.contactId}, document ${o.guarantee.documentRef}`]);
  if (o?.policyVersion !== undefined) rows.push(['Custom ladder', `version ${o.policyVersion}`]);
  if (o?.timeZone) rows.push(['Time zone', o.timeZone]);
  if (o?.language) rows.push(['Language', o.language]);
  if (rows.length === 0) return html`<p>None: the organisation's settings apply.</p>`;
  return html`<dl>${rows.map(([k, val]) => html`<dt>${k}</dt><dd>${val}</dd>`)}</dl>`;
}

function actionForms(v: Viewer, customer: CustomerDoc, id: string, today: string, problems: Record<string, string>, values: Record<string, string>): Html {
  const target = { salesRepEmail: customer.salesRepEmail };
  const pause = v.may('snooze', target).ok;
  const hold = v.may('placeHold', target).ok;
  const err = (k: string) => (problems[k] ? html`<p class="bad" id="${k}-err">${problems[k]}</p>` : '');
  const desc = (k: string) => (problems[k] ? html` aria-describedby="${k}-err" aria-invalid="true"` : '');
  return html`<section aria-labelledby="actions-h"><h2 id="actions-h">Actions</h2>
${!pause && !hold && !v.may('requestReferral', target).ok ? html`<p>Your role does not let you act on this account.</p>` : ''}
${pause
  ? html`<form class="action" method="post" action="${accountHref(id)}/pause">${csrfField(v.session.csrf)}
<h3>Pause</h3><p class="muted">Snoozes the ladder until the date, as Slack's <em>Snooze</em> does.</p>
<div><label for="pause-until">Until (a date after ${today})</label><input id="pause-until" name="until" type="date" required value="${values['until'] ?? ''}"${desc('pause-until')}>${err('pause-until')}</div>
<div><label for="pause-reason">Reason</label><input id="pause-reason" name="reason" required maxlength="500" value="${values['pauseReason'] ?? ''}"${desc('pause-reason')}>${err('pause-reason')}</div>
<button type="submit">Pause</button></form>`
  : ''}
${hold
  ? html`<form class="action" method="post" action="${accountHref(id)}/hold">${csrfField(v.session.csrf)}
<h3>Place hold</h3><p class="muted">Places a credit hold, as Slack's <em>Place credit hold</em> does (a strategic account's waits for a manager).</p>
<div><label for="hold-reason">Reason</label><input id="hold-reason" name="reason" required maxlength="500" value="${values['holdReason'] ?? ''}"${desc('hold-reason')}>${err('hold-reason')}</div>
<button type="submit">Place hold</button></form>`
  : ''}
${referralForm(v, customer, problems, values)}
</section>`;
}

function timelineTable(entries: AuditEntryDoc[], timeZone: string): Html {
  const rows = entries.map((e) => timelineRowOf(e, timeZone)).filter((r) => r !== null);
  if (rows.length === 0) return html`<p>Nothing has happened on this account yet.</p>`;
  return html`<table><caption>Timeline (${timeZone})</caption><thead><tr><th scope="col">Date</th><th scope="col">Time</th><th scope="col">What</th><th scope="col">Channel</th><th scope="col">Who</th><th scope="col">Why / details</th></tr></thead>
<tbody>${rows.map((r) => html`<tr><td>${r.date}</td><td>${r.time}</td><td>${r.action}</td><td>${r.channel}</td><td>${r.who}</td><td>${r.detail}</td></tr>`)}</tbody></table>`;
}

/** The documents sent (letters as their stored bytes, `sent_documents`): each links to exactly what went out. */
function sentDocumentsList(docs: readonly SentDocumentMeta[], href: string): Html {
  if (docs.length === 0) return html``;
  return html`<table><caption>Documents sent, as stored (the exact bytes that went out)</caption><thead><tr><th scope="col">Date</th><th scope="col">Document</th><th scope="col">Level</th><th scope="col">Response deadline</th><th scope="col">SHA-256</th></tr></thead>
<tbody>${docs.map((d) => html`<tr><td>${d.sentDate}</td><td><a href="${href}/documents/${d._id}">${d.filename}</a> (${Math.max(1, Math.round(d.byteLength / 1024))} KB)</td><td>${d.levelName}</td><td>${d.deadline ?? '—'}</td><td><code>${d.sha256.slice(0, 16)}…</code></td></tr>`)}</tbody></table>`;
}

function accountBody(v: Viewer, customer: CustomerDoc, a: AccountDetail, entries: AuditEntryDoc[], chain: Awaited<ReturnType<ConsoleDeps['services']['store']['audit']['verify']>>, overrides: CustomerOverridesDoc | undefined, forms: Html, notice: string | undefined, edits: Html = html``, docs: readonly SentDocumentMeta[] = []): Html {
  const sent = entries.filter((e) => e.action === 'outbox.sent' && e.details?.['channel'] !== 'task');
  const href = accountHref(a.id);
  return html`${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
<section aria-labelledby="summary-h"><h2 id="summary-h">Summary</h2>
<dl>
<dt>State</dt><dd>${STATE_NAMES[a.state]}</dd>
<dt>Level</dt><dd>${a.level?.name ?? 'none reached'}</dd>
<dt>Open</dt><dd>${money(a.open)}</dd>
<dt>Past due</dt><dd>${money(a.pastDue)}</dd>
<dt>Next step</dt><dd>${a.next ? `${a.next.step} on ${a.next.date}` : 'none planned'}</dd>
<dt>Why</dt><dd>${a.explanation}</dd>
<dt>Sales rep</dt><dd>${customer.salesRepEmail ?? '—'}</dd>
</dl>
</section>
${forms}
<section aria-labelledby="timeline-h"><h2 id="timeline-h">Timeline</h2>${timelineTable(entries, a.timeZone)}</section>
<section aria-labelledby="invoices-h"><h2 id="invoices-h">Open invoices</h2>
${a.invoices.length === 0
  ? html`<p>No open invoices.</p>`
  : html`<table><caption>Open invoices, oldest due first</caption><thead><tr><th scope="col">Number</th><th scope="col">Issued</th><th scope="col">Due</th><th scope="col" class="num">Total</th><th scope="col" class="num">Balance</th><th scope="col" class="num">Days past due</th></tr></thead>
<tbody>${a.invoices.map((i) => html`<tr><th scope="row">${i.number}</th><td>${i.issueDate}</td><td>${i.dueDate ?? 'no due date'}</td><td class="num">${formatMoney({ amountMinor: i.totalMinor, currency: i.currency })}</td><td class="num">${formatMoney({ amountMinor: i.balanceMinor, currency: i.currency })}</td><td class="num">${i.daysPastDue ?? '—'}</td></tr>`)}</tbody></table>`}
</section>
<section aria-labelledby="contacts-h"><h2 id="contacts-h">Contacts and roles</h2>
${a.contacts.length === 0
  ? html`<p>No contacts.</p>`
  : html`<table><caption>Contacts</caption><thead><tr><th scope="col">Name</th><th scope="col">Roles</th><th scope="col">Email</th><th scope="col">Phone</th><th scope="col">Source</th><th scope="col">Time zone / language</th></tr></thead>
<tbody>${a.contacts.map((c) => html`<tr><th scope="row">${c.name}</th><td>${c.roles.join(', ') || '—'}</td><td>${c.email ?? '—'}${c.bounced ? html` <span class="bad">(bounced)</span>` : ''}</td><td>${c.phone ?? '—'}</td><td>${c.source}</td><td>${[c.timeZone, c.language].filter(Boolean).join(', ') || '—'}</td></tr>`)}</tbody></table>`}
</section>
<section aria-labelledby="overrides-h"><h2 id="overrides-h">Overrides</h2>${overridesList(overrides)}</section>
${edits}
<section aria-labelledby="docs-h"><h2 id="docs-h">Documents</h2>
${sent.length === 0
  ? html`<p>Nothing has been sent to this customer yet.</p>`
  : html`<table><caption>Sent to the customer</caption><thead><tr><th scope="col">When</th><th scope="col">Channel</th><th scope="col">What</th></tr></thead>
<tbody>${sent.map((e) => html`<tr><td>${localDate(e.at, a.timeZone)}</td><td>${String(e.details?.['channel'] ?? e.channel)}</td><td>${e.outcome ?? ''}</td></tr>`)}</tbody></table>`}
${sentDocumentsList(docs, href)}
<ul><li><a href="${href}/statement.pdf">Statement of account (PDF, as of today)</a></li><li><a href="${href}/audit.csv">Audit trail (CSV, with its chain check)</a></li></ul>
</section>
<section aria-labelledby="audit-h"><h2 id="audit-h">Audit trail</h2>
<p class="${chain.ok ? '' : 'bad'}">Chain check: ${chainVerdict(chain)} (${chain.entries} entr${chain.entries === 1 ? 'y' : 'ies'}).</p>
${entries.length === 0
  ? ''
  : html`<table><caption>Audit entries, oldest first</caption><thead><tr><th scope="col" class="num">Seq</th><th scope="col">At (UTC)</th><th scope="col">Action</th><th scope="col">Actor</th><th scope="col">Outcome</th></tr></thead>
<tbody>${entries.map((e) => html`<tr><td class="num">${e.seq}</td><td>${e.at.toISOString().slice(0, 16).replace('T', ' ')}</td><td>${e.action}</td><td>${e.actor.name ?? e.actor.id}</td><td>${e.outcome ?? ''}</td></tr>`)}</tbody></table>`}
</section>`;
}

export async function accountPage(req: Request, v: Viewer, deps: ConsoleDeps, customer: CustomerDoc, problems: Record<string, string> = {}, values: Record<string, string> = {}): Promise<Outcome> {
  const { store, now, policies } = deps.services;
  const at = now();
  const reader = new AccountsReader(store, new Planner(store, { worker: 'console', policies }));
  const [a, entries, chain, state, docs] = await Promise.all([reader.one(customer._id, at), store.audit.list(customer._id), store.audit.verify(customer._id), accountStates(store.db).get(customer._id), sentDocuments(store.db).listSent(customer._id)]);
  if (!a) throw new ConsoleError(404, 'Account not found', 'There is no such account in your organisation.');
  const done = typeof req.query['done'] === 'string' ? (DONE[req.query['done']] ?? EDIT_DONE[req.query['done']]) : undefined;
  const forms = actionForms(v, customer, customer._id, localDate(at, 'UTC'), problems, values);
  return { kind: 'page', status: Object.keys(problems).length > 0 ? 422 : 200, title: a.name, nav: 'accounts', body: accountBody(v, customer, a, entries, chain, state?.overrides, forms, done, accountEditSections(v, customer, state, problems, values), docs) };
}

export const accountRoute: ConsoleRoute = {
  method: 'get',
  path: '/accounts/:id',
  needs: 'viewAccounts',
  async handle(req, v, deps) {
    return accountPage(req, v, deps, await accountFor(req, v, deps, 'viewAccounts'));
  },
};

export const statementRoute: ConsoleRoute = {
  method: 'get',
  path: '/accounts/:id/statement.pdf',
  needs: 'viewAccounts',
  async handle(req, v, deps) {
    const customer = await accountFor(req, v, deps, 'viewAccounts');
    const data = await loadAccount(deps.services.store, customer._id);
    const st = await buildStatement({ settings: data.settings, customer: partyOf(data.customer), invoices: data.invoices, asOf: documentToday(data, deps.services.now()) });
    return { kind: 'file', contentType: 'application/pdf', filename: st.filename, body: st.pdf };
  },
};

/** One sent document: its stored bytes, as sent (the admin API's `…/documents/:docId`, the same store read). */
export const sentDocumentRoute: ConsoleRoute = {
  method: 'get',
  path: '/accounts/:id/documents/:docId',
  needs: 'viewAccounts',
  async handle(req, v, deps) {
    const customer = await accountFor(req, v, deps, 'viewAccounts');
    const doc = await sentDocuments(deps.services.store.db).get(customer._id, String(req.params['docId'] ?? ''));
    if (!doc) throw new ConsoleError(404, 'Document not found', 'This account has no such sent document.');
    return {
      kind: 'file', contentType: doc.contentType, filename: doc.filename, body: doc.bytes,
      headers: { 'X-Content-SHA256': doc.sha256, ...(doc.deadline !== undefined ? { 'X-Response-Deadline': doc.deadline } : {}) },
    };
  },
};

export const auditCsvRoute: ConsoleRoute = {
  method: 'get',
  path: '/accounts/:id/audit.csv',
  needs: 'viewAccounts',
  async handle(req, v, deps) {
    const customer = await accountFor(req, v, deps, 'viewAccounts');
    const { audit } = deps.services.store;
    const checks = new Map([[customer._id, await audit.verify(customer._id)]]);
    return { kind: 'file', contentType: 'text/csv; charset=utf-8', filename: `audit-${customer._id}.csv`, body: auditCsv(await audit.list(customer._id), checks) };
  },
};

/** The Slack flows' message key (the account view's record, as `/overdue` makes it) and the person's DM, where Slack tells them the outcome. */
async function slackFlowOf(v: Viewer, deps: ConsoleDeps, customer: CustomerDoc, which: 'viewId' | 'holdId'): Promise<{ id: string; channel: string } | null> {
  const ids = await recordAccountView(deps.slack, v.person, customer, deps.services.now());
  const id = ids?.[which] ?? null;
  if (id === null) return null;
  return { id, channel: await openDm(deps.slack.client, v.session.slackUserId) };
}

export const pauseRoute: ConsoleRoute = {
  method: 'post',
  path: '/accounts/:id/pause',
  needs: 'snooze',
  async handle(req, v, deps) {
    const customer = await accountFor(req, v, deps, 'snooze');
    const body = formOf(req);
    const today = localDate(deps.services.now(), 'UTC');
    const horizonDays = (await deps.services.policies.forOrg(customer.orgId)).policy.limits.inputHorizonDays;
    const until = parseDate(body['until'], { today, from: 'tomorrow', horizonDays });
    const reason = parseText(body['reason'], 'reason', 'Say why');
    if (!until.ok || !reason.ok) {
      const problems = { ...(until.ok ? {} : { 'pause-until': until.problem }), ...(reason.ok ? {} : { 'pause-reason': reason.problem }) };
      return accountPage(req, v, deps, customer, problems, { until: body['until'] ?? '', pauseReason: body['reason'] ?? '' });
    }
    const flow = await slackFlowOf(v, deps, customer, 'viewId');
    if (!flow) throw new ConsoleError(409, 'Could not pause', 'The account could not be loaded to pause it; try again.');
    await submitNudge(deps.slack, { kind: 'snooze', until: until.value, reason: reason.value ?? '' }, { id: flow.id, channel: flow.channel, ts: '' }, v.session.slackUserId);
    return { kind: 'redirect', to: `${accountHref(customer._id)}?done=paused` };
  },
};

export const holdRoute: ConsoleRoute = {
  method: 'post',
  path: '/accounts/:id/hold',
  needs: 'placeHold',
  async handle(req, v, deps) {
    const customer = await accountFor(req, v, deps, 'placeHold');
    const body = formOf(req);
    const reason = parseText(body['reason'], 'reason', 'Give a reason');
    if (!reason.ok) return accountPage(req, v, deps, customer, { 'hold-reason': reason.problem }, { holdReason: body['reason'] ?? '' });
    const flow = await slackFlowOf(v, deps, customer, 'holdId');
    if (!flow) throw new ConsoleError(409, 'Already on hold', 'This account is already on credit hold: no second hold was placed.');
    await submitHold(deps.slack, 'place', { id: flow.id, channel: flow.channel, ts: '' }, v.session.slackUserId, reason.value ?? '');
    return { kind: 'redirect', to: `${accountHref(customer._id)}?done=hold` };
  },
};

export const accountRoutes: ConsoleRoute[] = [accountRoute, statementRoute, sentDocumentRoute, auditCsvRoute, pauseRoute, holdRoute];

// People (GET /console/people, admins): the organisation's people as Overdue knows them in Slack (the
// `people` collection, slack/services/people.ts: name, email, Slack user, roles), each with a form to change
// their roles through changePersonRoles (slack/services/people-roles.ts: admins only, never the last admin,
// audited `person.roles-changed`). And customers' assignments (sales rep, collector; a `*` row for the
// default collector): the CSV export the admin API's GET answers (assignmentsCsv), and an upload that goes
// through the admin API's own import (rowsFromCsv → importAssignments: all or nothing — with any invalid
// row nothing is written and each row's problem is shown by its line —, each change audited
// `account.assigned`). The upload is a plain multipart form (app/console/multipart.ts): no JavaScript.
import type { Request } from 'express';
import { assignmentsCsv, importAssignments, type AssignmentsImport } from '../../http/assignments.js';
import { rowsFromCsv } from '../../../src/planning/assignments.js';
import { People, personRoles, type PersonDoc, type PersonRole } from '../../../slack/services/people.js';
import { changePersonRoles } from '../../../slack/services/people-roles.js';
import { html, type Html } from '../html.js';
import { csrfField } from '../layout.js';
import { uploadsOf } from '../multipart.js';
import { ConsoleError, formOf, type ConsoleDeps, type ConsoleRoute, type Outcome, type Viewer } from '../router.js';

const ROLE_LABELS: Record<PersonRole, string> = { collector: 'Collector', sales_rep: 'Sales rep', approver: 'Approver', manager: 'Manager', admin: 'Admin' };
const MAX_UPLOAD_BYTES = 5 * 1024 * 1024;

function actorOf(v: Viewer, deps: ConsoleDeps) {
  return deps.slack.actorFor(v.person, v.session.slackUserId);
}

function personRow(v: Viewer, p: PersonDoc, i: number, problem: string | undefined): Html {
  const legend = `Roles of ${p.name}`;
  return html`<tr><th scope="row">${p.name}</th><td>${p.email}</td><td>${p.slackUserId ?? 'not linked'}</td>
<td><form class="roles" method="post" action="/console/people/roles">${csrfField(v.session.csrf)}<input type="hidden" name="email" value="${p.email}">
<fieldset${problem ? html` aria-describedby="roles-${i}-err"` : ''}><legend class="visually-hidden">${legend}</legend>
${personRoles.map((r) => html`<label class="check"><input type="checkbox" name="role_${r}" value="on"${p.roles.includes(r) ? html` checked` : ''}> ${ROLE_LABELS[r]}</label>`)}
</fieldset>${problem ? html`<p class="bad" id="roles-${i}-err">${problem}</p>` : ''}<button type="submit">Save roles of ${p.name}</button></form></td></tr>`;
}

function importResult(r: AssignmentsImport): Html {
  if (r.invalid.length > 0) {
    return html`<div class="problems" role="alert"><p class="bad">Nothing was imported: ${r.invalid.length} row${r.invalid.length === 1 ? ' has a problem' : 's have problems'}. Correct the file and upload it again.</p>
<table><caption>Problems by line of the file</caption><thead><tr><th scope="col" class="num">Line</th><th scope="col">Problem</th></tr></thead>
<tbody>${r.invalid.map((x) => html`<tr><td class="num">${x.line}</td><td>${x.problem}</td></tr>`)}</tbody></table>
${r.unmatched.length > 0 ? html`<p>Also not matched to any customer: ${r.unmatched.join(', ')}.</p>` : ''}</div>`;
  }
  return html`<p class="notice" role="status">Imported: ${r.updated} account${r.updated === 1 ? '' : 's'} changed (each audited)${r.unmatched.length > 0 ? `; not matched to any customer, so skipped: ${r.unmatched.join(', ')}` : ''}. Default collector: ${r.defaultCollectorEmail ?? 'none'}.</p>`;
}

async function peoplePage(v: Viewer, deps: ConsoleDeps, o: { notice?: string; roleProblem?: { email: string; message: string }; imported?: AssignmentsImport; uploadProblem?: string; status?: number } = {}): Promise<Outcome> {
  const list = await deps.services.store.db.collection<PersonDoc>(People.COLLECTION).find({ orgId: v.session.orgId }).sort({ _id: 1 }).toArray();
  const csrf = csrfField(v.session.csrf);
  return {
    kind: 'page', title: 'People', nav: 'people', status: o.status ?? 200,
    body: html`${o.notice ? html`<p class="notice" role="status">${o.notice}</p>` : ''}
<section aria-labelledby="people-h"><h2 id="people-h">People and roles</h2>
<p class="muted">Who Overdue knows in Slack, and what each may do (the roles of the authorization table). Only admins may change roles; the organisation always keeps one admin. Each change is audited.</p>
${list.length === 0
  ? html`<p>Nobody yet.</p>`
  : html`<table><caption>People</caption><thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Slack user</th><th scope="col">Roles</th></tr></thead>
<tbody>${list.map((p, i) => personRow(v, p, i, o.roleProblem && o.roleProblem.email === p.email ? o.roleProblem.message : undefined))}</tbody></table>`}
</section>
<section aria-labelledby="assign-h"><h2 id="assign-h">Assignments</h2>
<p>Each customer's sales rep and collector, as CSV: <code>customer,sales_rep_email,collector_email</code> (the customer by account id, external id, account number or exact name; <code>-</code> clears a cell, an empty cell leaves it; a <code>*</code> customer row sets the default collector).</p>
<p><a href="/console/people/assignments.csv">Download the assignments (CSV)</a></p>
${o.imported ? importResult(o.imported) : ''}
<form class="action" method="post" action="/console/people/assignments" enctype="multipart/form-data">${csrf}
<h3>Import assignments</h3>
<p class="muted">All or nothing: if any row has a problem, nothing is written and each problem is shown by its line.</p>
<div><label for="assign-file">CSV file</label><input id="assign-file" name="file" type="file" accept=".csv,text/csv" required${o.uploadProblem ? html` aria-describedby="assign-file-err" aria-invalid="true"` : ''}>${o.uploadProblem ? html`<p class="bad" id="assign-file-err">${o.uploadProblem}</p>` : ''}</div>
<button type="submit">Import</button></form>
</section>`,
  };
}

export const peopleRoute: ConsoleRoute = {
  method: 'get',
  path: '/people',
  needs: 'changeSettings',
  handle(_req, v, deps) {
    return peoplePage(v, deps);
  },
};

export const rolesRoute: ConsoleRoute = {
  method: 'post',
  path: '/people/roles',
  needs: 'changeSettings',
  async handle(req: Request, v, deps) {
    const body = formOf(req);
    const email = (body['email'] ?? '').trim();
    if (email === '') throw new ConsoleError(400, 'Form not understood', 'The form did not say whose roles to change.');
    const roles = personRoles.filter((r) => body[`role_${r}`] === 'on');
    const r = await changePersonRoles(
      { people: deps.slack.people, audit: deps.services.store.audit },
      { orgId: v.session.orgId, email, roles, by: v.person, actor: actorOf(v, deps), channel: 'slack', via: 'console', at: deps.services.now() },
    );
    if (!r.ok) {
      if (r.reason === 'not_found') throw new ConsoleError(404, 'Person not found', r.message);
      if (r.reason === 'not_allowed') throw new ConsoleError(403, 'Not allowed', r.message);
      return peoplePage(v, deps, { roleProblem: { email, message: r.message }, status: 422 });
    }
    return peoplePage(v, deps, { notice: r.changed ? `Roles of ${r.person.name} saved: ${r.person.roles.length === 0 ? 'no role (no access)' : r.person.roles.map((x) => ROLE_LABELS[x]).join(', ')} (audited).` : `Roles of ${r.person.name} unchanged.` });
  },
};

export const assignmentsCsvRoute: ConsoleRoute = {
  method: 'get',
  path: '/people/assignments.csv',
  needs: 'changeSettings',
  async handle(_req, v, deps) {
    const org = await deps.services.store.organisations.get(v.session.orgId);
    if (!org) throw new ConsoleError(404, 'Organisation not found', 'Your organisation no longer exists.');
    return { kind: 'file', contentType: 'text/csv; charset=utf-8', filename: `assignments-${org._id}.csv`, body: await assignmentsCsv(deps.services.store, org) };
  },
};

export const assignmentsImportRoute: ConsoleRoute = {
  method: 'post',
  path: '/people/assignments',
  needs: 'changeSettings',
  async handle(req, v, deps) {
    formOf(req);
    const file = uploadsOf(req).find((u) => u.field === 'file');
    const problem = !file || (file.filename === '' && file.data.length === 0)
      ? 'Choose a CSV file to import.'
      : file.truncated
        ? `The file is larger than ${MAX_UPLOAD_BYTES / 1024 / 1024} MB.`
        : null;
    if (problem || !file) return peoplePage(v, deps, { uploadProblem: problem ?? 'Choose a CSV file to import.', status: 422 });
    const text = new TextDecoder('utf-8', { fatal: false }).decode(file.data);
    const org = await deps.services.store.organisations.get(v.session.orgId);
    if (!org) throw new ConsoleError(404, 'Organisation not found', 'Your organisation no longer exists.');
    const r = await importAssignments(deps.services.store, org, rowsFromCsv(text), { actor: actorOf(v, deps), channel: 'slack', at: deps.services.now(), details: { via: 'console' } });
    return peoplePage(v, deps, { imported: r, status: r.invalid.length > 0 ? 422 : 200 });
  },
};

export const peopleRoutes: ConsoleRoute[] = [peopleRoute, rolesRoute, assignmentsCsvRoute, assignmentsImportRoute];

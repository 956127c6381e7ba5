// The admin API's contacts (under /api, behind the admin token): PUT a CSV or
// JSON of the contacts people know (the CFO, the owner, a guarantor…) for the
// organisation's customers, GET them back as CSV. All or nothing: every bad row
// is listed with its line and why (422), and then nothing is written. Each
// contact added or changed is audited on its account's trail (who: the
// X-Overdue-Actor header) and the account is asked to be planned again. The
// entered contacts live in the account state (src/planning/state.ts), where no
// sync writes; src/planning/contacts.ts is the pure part.
import express, { Router } from 'express';
import { z } from 'zod';
import { AppError } from '../../src/errors.js';
import { toCsv } from '../../src/documents/audit-export.js';
import {
  CONTACTS_CSV_HEADER,
  ContactsJsonBody,
  contactRowsFromCsv,
  contactRowsFromJson,
  enteredContactAudit,
  planContactImport,
} from '../../src/planning/contacts.js';
import { ReplanRequests } from '../../src/planning/requests.js';
import { accountStates } from '../../src/planning/state.js';
import type { Store } from '../../src/store/store.js';
import { actorOf, parseInput, type ApiRoute } from './parse.js';

const ContactsPutResult = z.object({ updated: z.number().int(), accounts: z.number().int() });

export const contactsRoutes: ApiRoute[] = [
  {
    method: 'put',
    path: '/orgs/:orgId/contacts',
    summary:
      'Import contacts people entered (CSV with the header customer,role,name,email,phone,time_zone,language, or JSON { rows: [...] }); all or nothing: 422 lists every bad row with its line',
    body: ContactsJsonBody,
    bodyMediaTypes: ['text/csv'],
    response: ContactsPutResult,
    statuses: [404, 422],
  },
  { method: 'get', path: '/orgs/:orgId/contacts', summary: 'The contacts people entered, as CSV (the import\'s columns plus account_id and display_name)', statuses: [404] },
];

export function contactsRouter(deps: { store: Store; now?: () => Date }): Router {
  const router = Router();
  const now = deps.now ?? (() => new Date());
  const csvBody = express.text({ type: ['text/csv', 'text/plain'], limit: '5mb' });
  const states = accountStates(deps.store.db);
  const requests = new ReplanRequests(deps.store.db);

  router.put('/orgs/:orgId/contacts', csvBody, async (req, res) => {
    const orgId = String(req.params['orgId']);
    const org = await deps.store.organisations.get(orgId);
    if (!org) throw new AppError('not_found', `organisation ${orgId} does not exist`);
    const parsed = req.is('text/csv') || req.is('text/plain')
      ? contactRowsFromCsv(typeof req.body === 'string' ? req.body : '')
      : { rows: contactRowsFromJson(parseInput(ContactsJsonBody, req.body)), invalid: [] };
    const actor = actorOf(req);
    const at = now();
    const customers = await deps.store.customers.listByOrg(orgId);
    const entered = await states.contactsByOrg(orgId);
    const plan = planContactImport(parsed.rows, customers, (id) => entered.get(id) ?? [], actor.id, at);
    const invalid = [...parsed.invalid, ...plan.invalid];
    if (invalid.length > 0) {
      throw new AppError('unprocessable', `${invalid.length} row(s) are invalid; nothing was written`, invalid.map((i) => ({ path: `line ${i.line}`, line: i.line, message: i.problem })));
    }
    let updated = 0;
    for (const acc of plan.accounts) {
      // Written as "these contacts, by id": an entry made meanwhile (Slack) under another id is kept, and a
      // role added meanwhile to the same contact stays among its roles.
      await states.updateContacts(acc.customer._id, orgId, (current) => {
        const next = [...current];
        for (const ch of acc.changes) {
          const i = next.findIndex((c) => c.id === ch.after.id);
          const now = next[i];
          if (now) next[i] = { ...ch.after, roles: [...ch.after.roles, ...now.roles.filter((r) => !ch.after.roles.includes(r))] };
          else next.push(ch.after);
        }
        return next;
      }, at);
      for (const ch of acc.changes) await deps.store.audit.append(enteredContactAudit(orgId, acc.customer._id, actor, 'api', ch, at));
      await requests.request(acc.customer._id, 'admin-api:contacts', at);
      updated += acc.changes.length;
    }
    res.json(ContactsPutResult.parse({ updated, accounts: plan.accounts.length }));
  });

  router.get('/orgs/:orgId/contacts', async (req, res) => {
    const orgId = String(req.params['orgId']);
    const org = await deps.store.organisations.get(orgId);
    if (!org) throw new AppError('not_found', `organisation ${orgId} does not exist`);
    const customers = new Map((await deps.store.customers.listByOrg(orgId)).map((c) => [c._id, c]));
    const rows: string[][] = [];
    const entered = await states.contactsByOrg(orgId);
    for (const id of [...entered.keys()].sort()) {
      const customer = customers.get(id);
      if (!customer) continue;
      for (const c of entered.get(id) ?? []) {
        for (const role of c.roles) rows.push([customer._id, role, c.name, c.email ?? '', c.phone ?? '', c.timeZone ?? '', c.language ?? '', customer.displayName]);
      }
    }
    res.type('text/csv; charset=utf-8').send(toCsv([...CONTACTS_CSV_HEADER, 'display_name'], rows));
  });

  return router;
}

// The actions a level asks for, made concrete for one account today: who each
// email, letter, nudge or task goes to, when, and under which idempotency key.

import { fromDayNumber } from '../domain/calendar.js';
import { deadlineDayNumber } from '../domain/deadline.js';
import type { Totals } from '../domain/money.js';
import type { Contact, Person } from './account.js';
import { contactsByRank, guarantorRecipient, resolveCc, resolveRole, roleLabel } from './contacts.js';
import { callInstant } from './call-slots.js';
import { addressee, findContactActionId } from './missing-role.js';
import { sendAt, type Ctx } from './context.js';
import type { DueAction, Wording } from './decision-types.js';
import type { CompiledAction, CompiledLevel } from './policy.js';

const UNSAFE = /[:,%]/;
function part(s: string): string {
  return UNSAFE.test(s) ? encodeURIComponent(s) : s;
}

/** A reply asked of the customer within this many hours when a letter goes by post, courier or fax (the seeds). */
export const LETTER_TASK_RESPONSE_HOURS = 48;

const SENT_BY: Record<string, string> = { mail: 'by certified post', courier: 'by courier', fax: 'by fax' };

/**
 * A post, courier or fax task at a level with a letter: what to send, and the ask to the customer to respond
 * within 48 hours (a request to the customer, not a reminder for staff). Else none.
 */
export function letterTaskNote(level: CompiledLevel, task: string): string | undefined {
  const how = SENT_BY[task];
  const letter = level.spec.actions.find((x) => x.kind === 'letter');
  if (how === undefined || letter?.kind !== 'letter') return undefined;
  const name = letter.letter === 'finalDemand' ? 'final demand' : 'written warning';
  return `send the ${name} ${how} and ask the customer to respond within ${LETTER_TASK_RESPONSE_HOURS} hours`;
}

/** The idempotency key of an action: stable for the same account, level, action and invoice set. */
export function actionKey(accountId: string, levelId: string, actionId: string, sortedInvoiceIds: readonly string[]): string {
  return `${part(accountId)}:${part(levelId)}:${part(actionId)}:${joinIds(sortedInvoiceIds)}`;
}

function joinIds(sortedInvoiceIds: readonly string[]): string {
  let ids = '';
  for (let i = 0; i < sortedInvoiceIds.length; i++) ids += (i > 0 ? ',' : '') + part(sortedInvoiceIds[i] ?? '');
  return ids;
}

/** What the customer may be told comes next (Wording): from this level on, on the account's track. */
export function wordingFor(ctx: Ctx, level: CompiledLevel): Wording {
  const later = ctx.cp.levels.slice(level.index);
  const agency = later.some((l) => l.hasAgencyReferral);
  const hold = ctx.a.onHold !== undefined ? 'on-hold' : later.some((l) => l.actions.some((x) => x.spec.kind === 'creditHold')) ? 'possible' : 'none';
  return { agency, hold };
}

/**
 * The due actions for `actions` (of `level`, in its order) over the invoices `ids`. `waitFrom`: the day the
 * level was reached, from which an email waits for a missing role (undefined: no wait; missing-role.ts).
 */
export function buildActions(ctx: Ctx, level: CompiledLevel, actions: readonly CompiledAction[], ids: readonly string[], amounts: Totals, writeOff: boolean | undefined, waitFrom?: number): DueAction[] {
  const { a, cp } = ctx;
  const out: DueAction[] = [];
  const at = sendAt(ctx);
  const keyPrefix = part(a.id) + ':' + part(level.id) + ':';
  const keySuffix = ':' + joinIds(ids);
  let emailContacts: (Contact | undefined)[] | undefined;
  let phoneContacts: (Contact | undefined)[] | undefined;
  let calls = -1;
  let wording: Wording | undefined;
  const strategic = a.tags.some((t) => cp.strategicTags.has(t));
  const collector = a.collector ?? null;
  const guarantee = a.guarantee ? { guarantee: { contactId: a.guarantee.contactId, name: a.guarantee.name, documentRef: a.guarantee.documentRef } } : {};

  for (const act of actions) {
    const spec = act.spec;
    const common = {
      key: keyPrefix + part(spec.id) + keySuffix,
      levelId: level.id,
      levelName: level.name,
      actionId: spec.id,
      invoiceIds: ids,
      at,
      customerFacing: act.customerFacing,
      amounts,
    };
    switch (spec.kind) {
      case 'email':
      case 'letter': {
        emailContacts ??= contactsByRank(a, cp, true);
        const to = addressee(ctx, { level, spec, byRank: emailContacts, waitFrom, findKey: keyPrefix + part(findContactActionId(spec.to)), invoiceIds: ids, at, amounts, collector }, out);
        if (to === 'waiting') break;
        if (!to) {
          ctx.reasons.push({ code: 'contact-missing', text: `no reachable contact for ${roleLabel(spec.to)}: find-contact task instead of '${spec.template}'` });
          out.push({
            key: common.key,
            levelId: common.levelId,
            levelName: common.levelName,
            actionId: common.actionId,
            invoiceIds: common.invoiceIds,
            at: common.at,
            amounts: common.amounts,
            customerFacing: false,
            kind: 'task',
            task: 'find-contact',
            assignee: 'collector',
            person: collector,
            target: null,
            note: `no contact with a working email to send '${spec.template}' to`,
          });
          break;
        }
        const missingCc: string[] = [];
        const cc = resolveCc(spec.cc, to, emailContacts, cp, missingCc);
        wording ??= wordingFor(ctx, level);
        for (const role of missingCc) ctx.reasons.push({ code: 'contact-missing', text: `no reachable ${roleLabel(role)} contact to copy on '${spec.template}'` });
        // A personal guarantee on record: the guarantor receives the final demand too (its wording addresses them).
        if (spec.kind === 'letter' && spec.letter === 'finalDemand') {
          const g = guarantorRecipient(a, to, cc);
          if (g === 'unreachable') ctx.reasons.push({ code: 'contact-missing', text: `the guarantor (${a.guarantee?.name ?? 'unnamed'}) has no working email: the final demand is not emailed to them` });
          else if (g) cc.push(g);
        }
        if (spec.kind === 'email') {
          out.push({ key: common.key, levelId: common.levelId, levelName: common.levelName, actionId: common.actionId, invoiceIds: common.invoiceIds, at: common.at, customerFacing: common.customerFacing, amounts: common.amounts, kind: 'email', template: spec.template, to, cc, urgent: spec.urgent, readReceipt: spec.readReceipt, personalGuarantee: a.personalGuarantee, ...guarantee, ...(spec.via === 'platform' ? { via: 'platform' as const } : {}), wording });
        } else {
          // The one deadline rule (src/domain/deadline.ts): the dispatcher dates the letter it sends by the same.
          const responseDays = spec.responseDays ?? 0;
          const responseBy = fromDayNumber(deadlineDayNumber(ctx.today, responseDays, cp.deadlineDays, ctx.cal));
          out.push({ key: common.key, levelId: common.levelId, levelName: common.levelName, actionId: common.actionId, invoiceIds: common.invoiceIds, at: common.at, customerFacing: common.customerFacing, amounts: common.amounts, kind: 'letter', letter: spec.letter, template: spec.template, to, cc, responseBy, responseDays, deadlineDays: cp.deadlineDays, personalGuarantee: a.personalGuarantee, ...guarantee, wording });
        }
        break;
      }
      case 'slackNudge': {
        let person: Person | null = null;
        if (spec.to === 'salesRep') {
          person = a.salesRep ?? collector;
          if (!a.salesRep) ctx.reasons.push({ code: 'no-sales-rep', text: 'no sales rep on the account: the collector gets the nudge' });
        } else if (spec.to === 'collector') person = collector;
        out.push({ key: common.key, levelId: common.levelId, levelName: common.levelName, actionId: common.actionId, invoiceIds: common.invoiceIds, at: common.at, customerFacing: common.customerFacing, amounts: common.amounts, kind: 'slackNudge', template: spec.template, to: spec.to, person });
        break;
      }
      case 'task': {
        phoneContacts ??= contactsByRank(a, cp, false);
        const target = spec.target !== undefined ? resolveRole(spec.target, phoneContacts, cp) : null;
        const person = spec.assignee === 'salesRep' ? (a.salesRep ?? collector) : collector;
        let taskAt = at;
        if (spec.task === 'call') {
          // The Nth call attempt on the account: the Nth slot, in the contact's zone (else the account's).
          if (calls < 0) calls = a.history.reduce((n, h) => (h.kind === 'task' && h.task === 'call' ? n + 1 : n), 0);
          taskAt = callInstant(cp.callSlots, calls, ctx.now, target?.timeZone ?? ctx.tz, cp.sendStart);
          calls++;
        }
        out.push({ key: common.key, levelId: common.levelId, levelName: common.levelName, actionId: common.actionId, invoiceIds: common.invoiceIds, at: taskAt, customerFacing: common.customerFacing, amounts: common.amounts, kind: 'task', task: spec.task, assignee: spec.assignee, person, target, note: letterTaskNote(level, spec.task) });
        break;
      }
      case 'creditHold': {
        const approval = strategic ? 'manager' : spec.mode === 'propose' ? 'collector' : null;
        if (strategic) ctx.reasons.push({ code: 'strategic-approval', text: 'strategic account: the credit hold needs a manager’s approval' });
        out.push({ key: common.key, levelId: common.levelId, levelName: common.levelName, actionId: common.actionId, invoiceIds: common.invoiceIds, at: common.at, customerFacing: common.customerFacing, amounts: common.amounts, kind: 'creditHold', mode: spec.mode, approval });
        break;
      }
      case 'agencyReferral':
        out.push({ key: common.key, levelId: common.levelId, levelName: common.levelName, actionId: common.actionId, invoiceIds: common.invoiceIds, at: common.at, customerFacing: common.customerFacing, amounts: common.amounts, kind: writeOff === true ? 'writeOffSuggestion' : 'agencyReferral', approval: 'approver' });
        break;
    }
  }
  return out;
}

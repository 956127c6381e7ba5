// The actions a level asks for, made concrete for one account today: who each
// email, letter, nudge or task goes to, when, and under which idempotency key.

import { fromDayNumber, zonedInstantOfDayNumber } from '../domain/calendar.js';
import { deadlineDayNumber } from '../domain/deadline.js';
import type { Totals } from '../domain/money.js';
import type { Contact, Person } from './account.js';
import { contactsByRank, resolveCc, resolveRole, roleLabel } from './contacts.js';
import { addressee, findContactActionId } from './missing-role.js';
import { sendAt, type Ctx } from './context.js';
import type { DueAction } from './decision-types.js';
import type { CompiledAction, CompiledLevel } from './policy.js';

const UNSAFE = /[:,%]/;
function part(s: string): string {
  return UNSAFE.test(s) ? encodeURIComponent(s) : s;
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
        const cc = resolveCc(spec.cc, to, emailContacts, cp);
        if (spec.kind === 'email') {
          out.push({ key: common.key, levelId: common.levelId, levelName: common.levelName, actionId: common.actionId, invoiceIds: common.invoiceIds, at: common.at, customerFacing: common.customerFacing, amounts: common.amounts, kind: 'email', template: spec.template, to, cc, urgent: spec.urgent, readReceipt: spec.readReceipt, personalGuarantee: a.personalGuarantee, ...guarantee, ...(spec.via === 'platform' ? { via: 'platform' as const } : {}) });
        } else {
          // The one deadline rule (src/domain/deadline.ts): the dispatcher dates the letter it sends by the same.
          const responseDays = spec.responseDays ?? 0;
          const responseBy = fromDayNumber(deadlineDayNumber(ctx.today, responseDays, cp.deadlineDays, ctx.cal));
          out.push({ key: common.key, levelId: common.levelId, levelName: common.levelName, actionId: common.actionId, invoiceIds: common.invoiceIds, at: common.at, customerFacing: common.customerFacing, amounts: common.amounts, kind: 'letter', letter: spec.letter, template: spec.template, to, cc, responseBy, responseDays, deadlineDays: cp.deadlineDays, personalGuarantee: a.personalGuarantee, ...guarantee });
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
          if (calls < 0) calls = a.history.reduce((n, h) => (h.kind === 'task' && h.task === 'call' ? n + 1 : n), 0);
          const slot = cp.callSlots[calls % cp.callSlots.length] ?? cp.sendStart;
          taskAt = zonedInstantOfDayNumber(ctx.today, slot, ctx.tz);
          calls++;
        }
        out.push({ key: common.key, levelId: common.levelId, levelName: common.levelName, actionId: common.actionId, invoiceIds: common.invoiceIds, at: taskAt, customerFacing: common.customerFacing, amounts: common.amounts, kind: 'task', task: spec.task, assignee: spec.assignee, person, target, note: undefined });
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

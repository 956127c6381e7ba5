// The escalation policy: a versioned, validated description of the ladder and
// its modifiers. `PolicySchema` checks the shape; `validatePolicy` adds the
// consistency rules and lists every problem it finds, not just the first.

import { z } from 'zod';
import { compileCalendar, isValidDate, parseTimeOfDay, type CompiledCalendar } from '../domain/calendar.js';
import { DEADLINE_DAY_KINDS, DEFAULT_DEADLINE_DAYS, type DeadlineDays } from '../domain/deadline.js';
import { EMAIL_ROUTE_NAMES, isCustomerFacing } from './action-kinds.js';
import { TEMPLATE_CATALOGUE, type TemplateCatalogue } from './templates.js';

export const POLICY_VERSION = 1;

const Id = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a lower-case slug (a-z, 0-9, -)');
const Role = z.string().min(1);
const TimeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a time of day hh:mm');
const CalendarDate = z.string().refine(isValidDate, 'expected a calendar date YYYY-MM-DD');
const Currency = z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 currency code');
/** Amounts in minor units per currency, e.g. { "USD": 1000000, "EUR": 1000000 }. */
const Threshold = z.record(Currency, z.number().int().nonnegative());

export const TriggerSchema = z.discriminatedUnion('kind', [
  /** When the oldest past-due invoice is this many days past due (negative: before the due date). */
  z.object({ kind: z.literal('daysPastDue'), days: z.number().int() }),
  /** This many days after the previous level was reached. */
  z.object({ kind: z.literal('daysAfterPrevious'), days: z.number().int() }),
  /** The day after the response deadline of the previous level's letter. */
  z.object({ kind: z.literal('deadlineExpired') }),
]);

export const ActionSpecSchema = z.discriminatedUnion('kind', [
  z.object({
    id: Id,
    kind: z.literal('email'),
    template: z.string(),
    to: Role,
    cc: z.array(Role).default([]),
    urgent: z.boolean().default(false),
    readReceipt: z.boolean().default(false),
    /** 'platform': QuickBooks/Xero email the invoices themselves (their template and pay link); default our SMTP. */
    via: z.enum(EMAIL_ROUTE_NAMES).default('smtp'),
  }),
  z.object({
    id: Id,
    kind: z.literal('letter'),
    letter: z.enum(['writtenWarning', 'finalDemand']),
    template: z.string(),
    to: Role,
    cc: z.array(Role).default([]),
    /** Days the customer has to respond; required (checked by validatePolicy). */
    responseDays: z.number().int().optional(),
  }),
  z.object({
    id: Id,
    kind: z.literal('slackNudge'),
    template: z.string(),
    to: z.enum(['salesRep', 'collector', 'approver', 'manager']),
  }),
  z.object({
    id: Id,
    kind: z.literal('task'),
    task: z.enum(['call', 'voicemail', 'mail', 'courier', 'fax']),
    assignee: z.enum(['salesRep', 'collector']),
    target: Role.optional(),
  }),
  z.object({ id: Id, kind: z.literal('creditHold'), mode: z.enum(['propose', 'place']) }),
  z.object({ id: Id, kind: z.literal('agencyReferral') }),
]);

export const LevelSchema = z.object({
  id: Id,
  name: z.string().min(1),
  owner: z.enum(['automatic', 'salesRep', 'collector', 'approver']),
  trigger: TriggerSchema,
  /** A mandatory level is never skipped, even when an account is first seen far past due. */
  mandatory: z.boolean().default(false),
  actions: z.array(ActionSpecSchema),
});

/** The look-alike threshold measured on the written pair set (`npm run bench -- lookalike`, docs/lookalike.md). */
export const DEFAULT_LOOKALIKE_THRESHOLD = 0.7;
/** Above the most a name alone can score (src/lookalike/score.ts WEIGHTS.nameMax), so a name alone never alerts. */
export const LOOKALIKE_MIN_THRESHOLD = 0.55;

export const PolicySchema = z.object({
  version: z.literal(POLICY_VERSION),
  name: z.string().min(1),
  /** Contact roles from the first addressed to the most senior; a missing role falls back up this list. */
  contactLadder: z.array(Role).min(1),
  calendar: z.object({
    /** Non-business weekdays, 0 = Sunday. */
    weekend: z.array(z.number().int().min(0).max(6)).default([0, 6]),
    holidays: z.array(CalendarDate).default([]),
    sendingHours: z.object({ start: TimeOfDay, end: TimeOfDay }),
    /** Call tasks rotate through these local times of day, one per attempt. */
    callSlots: z.array(TimeOfDay).min(1),
  }),
  pauses: z.object({
    /** Days after a promised date before the promise counts as broken. */
    promiseGraceDays: z.number().int(),
    /** Days after an instalment's due date before it counts as missed. */
    instalmentGraceDays: z.number().int(),
    /** Days the ladder waits after the customer's last reply. */
    replyPauseDays: z.number().int(),
  }),
  /** Balances at or above a tier's threshold run the schedule at `schedulePercent` of its days. */
  fastTrack: z
    .array(z.object({ name: z.string().min(1), minPastDue: Threshold, schedulePercent: z.number().int() }))
    .default([]),
  /** Past-due balances under this get a write-off suggestion instead of an agency referral. */
  writeOff: z.object({ below: Threshold }).nullable().default(null),
  /**
   * The small-balance track: an account whose past-due balance is under `writeOff.below` goes only through
   * these ladder levels (each may only send emails), then, `writeOffAfterDays` days after the last of them,
   * a write-off suggestion to the approver. No letters, credit holds, calls or agency referral.
   * Absent: the ladder's email-only past-due levels, then the suggestion 14 days later (smallBalanceOf).
   */
  smallBalance: z
    .object({ levels: z.array(Id).min(1), writeOffAfterDays: z.number().int().min(1).max(365).default(14) })
    .optional(),
  /** Accounts with one of these tags need a manager's approval for any credit hold. */
  strategic: z.object({ tags: z.array(z.string().min(1)) }).default({ tags: ['strategic'] }),
  /** Limits on what people may enter: a date (promise, instalment, snooze, more time) at most this many days ahead. */
  limits: z
    .object({
      inputHorizonDays: z.number().int().min(7).max(730).default(366),
      /**
       * The agency decision (the referral's approval request) by this many days past due (the seeds: 90); the
       * ladder brings its mandatory levels forward to meet it (src/engine/decision-limit.ts). null: no limit.
       */
      agencyDecisionByDay: z.number().int().min(14, 'agencyDecisionByDay must be at least 14').max(730, 'agencyDecisionByDay must be at most 730').nullable().default(90),
    })
    .default({ inputHorizonDays: 366, agencyDecisionByDay: 90 }),
  /**
   * A level's email or letter needs a role no reachable contact holds: the collector gets a task to find
   * one, and the email waits this many business days (counted from the day the level was reached) before
   * it goes to the nearest higher role (else the nearest lower one, said so). 0: no wait.
   */
  contacts: z
    .object({ missingRoleWaitDays: z.number().int().min(0, 'missingRoleWaitDays must be 0 or more').max(60, 'missingRoleWaitDays must be at most 60').default(5) })
    .default({ missingRoleWaitDays: 5 }),
  /**
   * The look-alike check (docs/lookalike.md): a new or edited customer scoring at or above `threshold` against an
   * account referred to the agency, written off or made prepay-only is flagged to the managers.
   */
  lookalike: z
    .object({
      threshold: z
        .number()
        .min(LOOKALIKE_MIN_THRESHOLD, `lookalike.threshold must be at least ${LOOKALIKE_MIN_THRESHOLD} (a name alone must not alert)`)
        .max(1, 'lookalike.threshold must be at most 1')
        .default(DEFAULT_LOOKALIKE_THRESHOLD),
    })
    .default({ threshold: DEFAULT_LOOKALIKE_THRESHOLD }),
  /** A dispute open longer than this many days goes on the collector's list (digest and App Home) with the reason. */
  disputes: z
    .object({ escalateAfterDays: z.number().int().min(1, 'escalateAfterDays must be at least 1').max(365, 'escalateAfterDays must be at most 365').default(14) })
    .default({ escalateAfterDays: 14 }),
  /**
   * Letters: how a letter's `responseDays` are counted to the deadline it states (src/domain/deadline.ts):
   * 'business' (default: the weekend and holidays do not count) or 'calendar' (every day counts; a deadline
   * on a weekend day or holiday moves to the next business day). The letter, its email, the engine's
   * 'deadlineExpired' trigger and the referral packet's cover sheet all date the deadline by it.
   */
  letters: z.object({ deadlineDays: z.enum(DEADLINE_DAY_KINDS, "letters.deadlineDays must be 'business' or 'calendar'").default(DEFAULT_DEADLINE_DAYS) }).default({ deadlineDays: DEFAULT_DEADLINE_DAYS }),
  levels: z.array(LevelSchema).min(1),
});

export type Policy = z.output<typeof PolicySchema>;
export type PolicyInput = z.input<typeof PolicySchema>;
export type LevelSpec = z.output<typeof LevelSchema>;
export type ActionSpec = z.output<typeof ActionSpecSchema>;
export type Trigger = z.output<typeof TriggerSchema>;

export type PolicyValidation = { ok: true; policy: Policy } | { ok: false; problems: string[] };

export class PolicyError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid escalation policy:\n- ${problems.join('\n- ')}`);
    this.name = 'PolicyError';
  }
}

function pathText(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(policy)' : path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[');
}

/** Parses and checks a policy; on failure lists every problem found. */
export function validatePolicy(input: unknown, templates: TemplateCatalogue = TEMPLATE_CATALOGUE): PolicyValidation {
  const parsed = PolicySchema.safeParse(input);
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.map((i) => `${pathText(i.path)}: ${i.message}`) };
  }
  const problems = consistencyProblems(parsed.data, templates);
  return problems.length === 0 ? { ok: true, policy: parsed.data } : { ok: false, problems };
}

/** Like validatePolicy but throws a PolicyError listing the problems. */
export function parsePolicy(input: unknown, templates: TemplateCatalogue = TEMPLATE_CATALOGUE): Policy {
  const v = validatePolicy(input, templates);
  if (!v.ok) throw new PolicyError(v.problems);
  return v.policy;
}

function consistencyProblems(p: Policy, templates: TemplateCatalogue): string[] {
  const problems: string[] = [];
  const roles = new Set<string>();
  for (const r of p.contactLadder) {
    if (roles.has(r)) problems.push(`contactLadder: role '${r}' is listed twice`);
    roles.add(r);
  }
  const role = (where: string, r: string | undefined): void => {
    if (r !== undefined && !roles.has(r)) problems.push(`${where}: unknown contact role '${r}' (not in contactLadder)`);
  };

  const { sendingHours, weekend, callSlots } = p.calendar;
  if (parseTimeOfDay(sendingHours.start) >= parseTimeOfDay(sendingHours.end)) {
    problems.push(`calendar.sendingHours: start ${sendingHours.start} must be before end ${sendingHours.end}`);
  }
  if (new Set(weekend).size >= 7) problems.push('calendar.weekend: every day is a weekend day; nothing could ever be sent');
  if (new Set(callSlots).size !== callSlots.length) problems.push('calendar.callSlots: a time is listed twice');
  for (const [k, v] of Object.entries(p.pauses)) {
    if (v < 0) problems.push(`pauses.${k}: negative days (${v})`);
  }
  p.fastTrack.forEach((t, i) => {
    if (t.schedulePercent < 1 || t.schedulePercent > 100) {
      problems.push(`fastTrack[${i}] '${t.name}': schedulePercent must be 1–100, got ${t.schedulePercent}`);
    }
    if (Object.keys(t.minPastDue).length === 0) problems.push(`fastTrack[${i}] '${t.name}': no threshold amount`);
  });

  const levelIds = new Set<string>();
  let preDueSeen = 0;
  let pastDueSeen = false;
  let lastDay = Number.NEGATIVE_INFINITY; // earliest day past due at which the previous level can trigger
  let previous: LevelSpec | undefined;
  let writtenWarningBefore = false;
  let finalDemandBefore = false;

  p.levels.forEach((level, i) => {
    const at = `levels[${i}] '${level.id}'`;
    if (levelIds.has(level.id)) problems.push(`${at}: duplicate level id`);
    levelIds.add(level.id);
    if (level.actions.length === 0) problems.push(`${at}: no actions`);

    const t = level.trigger;
    if (t.kind === 'daysPastDue') {
      if (t.days <= 0) {
        preDueSeen++;
        if (pastDueSeen) problems.push(`${at}: levels out of order: a level before the due date (day ${t.days}) comes after past-due levels`);
        if (preDueSeen > 1) problems.push(`${at}: only one level before the due date is supported`);
        if (level.mandatory) problems.push(`${at}: a level before the due date cannot be mandatory`);
      } else {
        pastDueSeen = true;
      }
      if (t.days <= lastDay) {
        problems.push(`${at}: levels out of order: day ${t.days} is not after the previous level (day ${lastDay})`);
      }
      lastDay = Math.max(lastDay, t.days);
    } else if (t.kind === 'daysAfterPrevious') {
      pastDueSeen = true;
      if (t.days < 0) problems.push(`${at}: negative days (${t.days}) after the previous level`);
      else if (t.days === 0) problems.push(`${at}: must come at least 1 day after the previous level`);
      if (!previous) problems.push(`${at}: the first level cannot trigger relative to a previous level`);
      lastDay += Math.max(t.days, 1);
    } else {
      pastDueSeen = true;
      const deadline = previous?.actions.find((a) => a.kind === 'letter')?.responseDays;
      if (!previous || deadline === undefined) {
        problems.push(`${at}: trigger 'deadlineExpired' needs a previous level with a letter that has a response deadline`);
      } else {
        lastDay += deadline + 1;
      }
    }
    if (previous?.trigger.kind === 'daysPastDue' && previous.trigger.days <= 0 && t.kind !== 'daysPastDue') {
      problems.push(`${at}: the first past-due level must trigger on days past due`);
    }

    const actionIds = new Set<string>();
    let customerFacing = 0;
    let warningHere = false;
    let demandHere = false;
    level.actions.forEach((a, j) => {
      const aw = `${at}.actions[${j}] '${a.id}'`;
      if (actionIds.has(a.id)) problems.push(`${aw}: duplicate action id in the level`);
      actionIds.add(a.id);
      if (isCustomerFacing(a.kind)) customerFacing++;
      switch (a.kind) {
        case 'email':
          if (!templates.email.includes(a.template)) problems.push(`${aw}: unknown email template '${a.template}'`);
          role(aw, a.to);
          a.cc.forEach((r) => role(aw, r));
          if (a.via === 'platform' && (a.cc.length > 0 || a.readReceipt || a.urgent)) {
            problems.push(`${aw}: the platform's invoice email has its own template: no cc, read receipt or urgent flag`);
          }
          break;
        case 'letter':
          if (!templates.letter.includes(a.template)) problems.push(`${aw}: unknown letter template '${a.template}'`);
          role(aw, a.to);
          a.cc.forEach((r) => role(aw, r));
          if (a.responseDays === undefined) problems.push(`${aw}: letter without a response deadline (responseDays)`);
          else if (a.responseDays < 1) problems.push(`${aw}: responseDays must be at least 1, got ${a.responseDays}`);
          if (!level.mandatory) problems.push(`${aw}: a level with a ${a.letter} letter must be mandatory`);
          if (a.letter === 'writtenWarning') warningHere = true;
          if (a.letter === 'finalDemand') {
            if (!writtenWarningBefore) problems.push(`${aw}: a final demand needs a written warning at an earlier level`);
            demandHere = true;
          }
          break;
        case 'slackNudge':
          if (!templates.slackNudge.includes(a.template)) problems.push(`${aw}: unknown Slack template '${a.template}'`);
          break;
        case 'task':
          role(aw, a.target);
          break;
        case 'creditHold':
          break;
        case 'agencyReferral':
          if (!finalDemandBefore) {
            problems.push(`${aw}: an agency referral needs a written warning and a final demand at earlier, mandatory levels`);
          }
          break;
      }
    });
    if (customerFacing > 1) problems.push(`${at}: more than one customer email or letter in one level (at most one customer email per day)`);
    if (t.kind === 'daysPastDue' && t.days <= 0 && level.actions.some((a) => a.kind !== 'email')) {
      problems.push(`${at}: a level before the due date may only send emails`);
    }
    writtenWarningBefore ||= warningHere;
    finalDemandBefore ||= demandHere;
    previous = level;
  });
  problems.push(...smallBalanceProblems(p));
  return problems;
}

/** The level id of the small-balance track's last step (smallBalanceOf). */
export const WRITE_OFF_LEVEL_ID = 'write-off';

function emailOnly(l: LevelSpec): boolean {
  return l.actions.length > 0 && l.actions.every((a) => a.kind === 'email');
}

function isPreDueSpec(l: LevelSpec): boolean {
  return l.trigger.kind === 'daysPastDue' && l.trigger.days <= 0;
}

function smallBalanceProblems(p: Policy): string[] {
  const problems: string[] = [];
  if (p.levels.some((l) => l.id === WRITE_OFF_LEVEL_ID)) problems.push(`levels: '${WRITE_OFF_LEVEL_ID}' is reserved for the small-balance track's write-off suggestion`);
  const sb = p.smallBalance;
  if (sb === undefined) return problems;
  if (p.writeOff === null) problems.push('smallBalance: needs writeOff.below, the threshold under which an account follows it');
  const seen = new Set<string>();
  sb.levels.forEach((id, i) => {
    const at = `smallBalance.levels[${i}] '${id}'`;
    if (seen.has(id)) problems.push(`${at}: listed twice`);
    seen.add(id);
    const level = p.levels.find((l) => l.id === id);
    if (!level) problems.push(`${at}: no such level in the ladder`);
    else if (isPreDueSpec(level)) problems.push(`${at}: the level before the due date applies to every account; list past-due levels only`);
    else if (!emailOnly(level)) problems.push(`${at}: a small-balance level may only send emails (no letters, holds, calls or referrals)`);
  });
  return problems;
}

/**
 * The small-balance track's levels, in ladder order: the level before the due date (if any), the listed
 * levels, then the write-off suggestion to the approver. Null when the policy has no write-off threshold.
 */
export function smallBalanceOf(policy: Policy): LevelSpec[] | null {
  if (policy.writeOff === null) return null;
  const listed = policy.smallBalance?.levels;
  const levels = policy.levels.filter((l) => isPreDueSpec(l) || (listed ? listed.includes(l.id) : emailOnly(l)));
  const writeOff: LevelSpec = {
    id: WRITE_OFF_LEVEL_ID,
    name: 'write-off suggestion',
    owner: 'approver',
    trigger: { kind: 'daysAfterPrevious', days: policy.smallBalance?.writeOffAfterDays ?? 14 },
    mandatory: false,
    // The track's only approver step: buildActions makes it a writeOffSuggestion (CompiledPolicy.smallBalance).
    actions: [{ id: 'write-off', kind: 'agencyReferral' }],
  };
  return [...levels, writeOff];
}

// ---- compiled form: compile once, pass it where decide() runs in a loop ----------

export interface CompiledAction {
  readonly spec: ActionSpec;
  readonly customerFacing: boolean;
}

export interface CompiledLevel {
  readonly index: number;
  readonly spec: LevelSpec;
  readonly id: string;
  readonly name: string;
  readonly preDue: boolean;
  readonly actions: readonly CompiledAction[];
  readonly actionById: ReadonlyMap<string, CompiledAction>;
  readonly customerFacing: boolean;
  readonly responseDays: number | undefined;
  readonly hasAgencyReferral: boolean;
}

export interface CompiledPolicy {
  readonly policy: Policy;
  readonly levels: readonly CompiledLevel[];
  readonly levelById: ReadonlyMap<string, CompiledLevel>;
  readonly preDue: CompiledLevel | undefined;
  readonly firstPastDue: number;
  readonly roleRank: ReadonlyMap<string, number>;
  readonly calendar: CompiledCalendar;
  readonly sendStart: number;
  /** Sending hours are [sendStart, sendEnd), minutes after local midnight (src/engine/sending-window.ts). */
  readonly sendEnd: number;
  readonly callSlots: readonly number[];
  readonly strategicTags: ReadonlySet<string>;
  /** Fast-track tiers, strongest compression first. */
  readonly fastTrack: Policy['fastTrack'];
  /** Business days an email waits for a missing role (src/engine/missing-role.ts). */
  readonly missingRoleWaitDays: number;
  /** True for the small-balance track itself: its last level suggests a write-off, never an agency referral. */
  readonly isSmallBalance: boolean;
  /** The small-balance track, compiled (smallBalanceOf); null without a write-off threshold, and on the track itself. */
  readonly smallBalance: CompiledPolicy | null;
  /** How letters' response days are counted (policy `letters.deadlineDays`). */
  readonly deadlineDays: DeadlineDays;
}

/** Minutes after midnight at which sending hours end (excluded). 23:59, the latest time a policy can name, means until midnight. */
function sendingEnd(hhmm: string): number {
  const end = parseTimeOfDay(hhmm);
  return end === 23 * 60 + 59 ? 24 * 60 : end;
}

/** A policy, or its compiled form (callers that decide many times compile once and pass that). */
export type PolicyLike = Policy | CompiledPolicy;

/** The compiled form of a policy: as given when it is compiled already. */
export function compiledOf(p: PolicyLike): CompiledPolicy {
  return 'levelById' in p ? p : compilePolicy(p);
}

/** Precomputes the lookups decide() needs. Pure: nothing is cached here (compile once per loop, see PolicyLike). */
export function compilePolicy(policy: Policy): CompiledPolicy {
  const track = smallBalanceOf(policy);
  return compileLevels(policy, policy.levels, false, track ? compileLevels(policy, track, true, null) : null);
}

function compileLevels(policy: Policy, specs: readonly LevelSpec[], isSmallBalance: boolean, smallBalance: CompiledPolicy | null): CompiledPolicy {
  const levels = specs.map((spec, index): CompiledLevel => {
    const actions = spec.actions.map((a): CompiledAction => ({ spec: a, customerFacing: isCustomerFacing(a.kind) }));
    const letter = spec.actions.find((a) => a.kind === 'letter');
    return {
      index,
      spec,
      id: spec.id,
      name: spec.name,
      preDue: spec.trigger.kind === 'daysPastDue' && spec.trigger.days <= 0,
      actions,
      actionById: new Map(actions.map((a) => [a.spec.id, a])),
      customerFacing: actions.some((a) => a.customerFacing),
      responseDays: letter?.kind === 'letter' ? letter.responseDays : undefined,
      hasAgencyReferral: !isSmallBalance && spec.actions.some((a) => a.kind === 'agencyReferral'),
    };
  });
  const preDue = levels.find((l) => l.preDue);
  const c: CompiledPolicy = {
    policy,
    levels,
    levelById: new Map(levels.map((l) => [l.id, l])),
    preDue,
    firstPastDue: levels.findIndex((l) => !l.preDue),
    roleRank: new Map(policy.contactLadder.map((r, i) => [r, i])),
    calendar: compileCalendar({ weekend: policy.calendar.weekend, holidays: policy.calendar.holidays }),
    sendStart: parseTimeOfDay(policy.calendar.sendingHours.start),
    sendEnd: sendingEnd(policy.calendar.sendingHours.end),
    callSlots: policy.calendar.callSlots.map(parseTimeOfDay),
    strategicTags: new Set(policy.strategic.tags),
    fastTrack: [...policy.fastTrack].sort((a, b) => a.schedulePercent - b.schedulePercent),
    missingRoleWaitDays: policy.contacts.missingRoleWaitDays,
    isSmallBalance,
    smallBalance,
    deadlineDays: policy.letters.deadlineDays,
  };
  return c;
}

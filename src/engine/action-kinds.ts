// The action kinds, in one table: per kind, whether it reaches the customer, the
// outbox channel that carries it, the audit trail's channel for it, whether
// people are alerted when it bounces or fails, and the sentence the audit trail
// says once it was sent. The engine's actions and the two kinds people's
// decisions make (a credit-hold write-back, the agency referral packet) alike.
// Every reader of "is this customer-facing", "which channel", "what do we say it
// did" goes through here (policy validation, planning, the dispatcher, the
// preview); a new kind is one row.

import { taskTitle, templateTitle } from './templates.js';
/** The kinds of actions the engine decides (DueAction['kind']). */
export const ENGINE_ACTION_KINDS = ['email', 'letter', 'slackNudge', 'task', 'creditHold', 'agencyReferral', 'writeOffSuggestion'] as const;
/** Outbox entries that people's decisions make (the Slack app), not the engine: planning neither plans, cancels nor counts them. */
export const DECISION_ACTION_KINDS = ['writeback', 'agencyPacket', 'creditCheck'] as const;

export type EngineActionKind = (typeof ENGINE_ACTION_KINDS)[number];
export type ActionKind = EngineActionKind | (typeof DECISION_ACTION_KINDS)[number];

/** The outbox's channels (src/store/types.ts OutboxChannel is this type). */
export const OUTBOX_CHANNELS = ['email', 'platform_email', 'slack', 'letter', 'writeback', 'agency', 'task'] as const;
export type OutboxChannelName = (typeof OUTBOX_CHANNELS)[number];
/** The audit trail's channels an action can be recorded under. */
export type ActionAuditChannel = 'email' | 'letter' | 'platform' | 'slack' | 'system';

/** The ways a customer email can leave, as a policy's email action names them (`via`). */
export const EMAIL_ROUTE_NAMES = ['smtp', 'platform'] as const;
export type EmailRoute = (typeof EMAIL_ROUTE_NAMES)[number];

interface Person {
  readonly name: string;
  readonly email?: string | undefined;
  /** Set when the email went to another role than the policy asked for (src/engine/missing-role.ts). */
  readonly fallbackNote?: string | undefined;
}

/** " (no CFO contact after 5 business days: sent to the controller)" when the recipient is a fallback. */
const fallback = (to: Person): string => (to.fallbackNote !== undefined ? ` (${to.fallbackNote})` : '');

/** What each kind's "sent" sentence reads of the action (structural: the engine's DueAction and the outbox payload both fit). */
export interface SentInputs {
  email: { template: string; to: Person; cc: readonly { name: string }[]; via?: EmailRoute | undefined };
  letter: { letter: 'writtenWarning' | 'finalDemand'; to: Person; responseBy: string | undefined };
  slackNudge: { template: string; to: string; person: { name: string } | null | undefined };
  task: { task: string; assignee: string; person: { name: string } | null | undefined };
  creditHold: object;
  agencyReferral: object;
  writeOffSuggestion: object;
  writeback: { event: string; line: string };
  agencyPacket: object;
  creditCheck: { knownName: string; by: string };
}

/** How it went, as far as the sentence needs it: the channel's result (e.g. `to`, `dryRun`). */
export interface SentOutcome {
  readonly result: Readonly<Record<string, unknown>>;
}

export interface ActionKindRow<K extends ActionKind> {
  /** Reaches the customer: the kill switch, sending hours, one email a day, dry run and the contact count apply. */
  readonly customerFacing: boolean;
  /** People get an alert task when it bounces or fails for good (customer-facing ones, and the agency packet). */
  readonly alertOnFailure: boolean;
  /** The outbox channel that carries it. */
  readonly channel: (a: { via?: EmailRoute | undefined }) => OutboxChannelName;
  /** The audit trail's channel for what happens to it. */
  readonly auditChannel: (a: { via?: EmailRoute | undefined }) => ActionAuditChannel;
  /** The audit sentence once it was carried out. */
  readonly sent: (a: SentInputs[K], outcome: SentOutcome) => string;
  /** What it was, in words, for the alert people get when it bounced or failed (alertOnFailure kinds). */
  readonly what: (a: SentInputs[K]) => string;
}

interface EmailRouteRow {
  readonly channel: OutboxChannelName;
  readonly auditChannel: ActionAuditChannel;
  readonly sent: (a: SentInputs['email']) => string;
  readonly what: (a: SentInputs['email']) => string;
}

/** Per way out of a customer email: its outbox channel, audit channel and words. A new reminder channel is a row here. */
export const EMAIL_ROUTES: { readonly [R in EmailRoute]: EmailRouteRow } = {
  smtp: {
    channel: 'email',
    auditChannel: 'email',
    sent: (a) => `${templateTitle(a.template)} email sent to ${a.to.name} <${a.to.email ?? ''}>${fallback(a.to)}${a.cc.length > 0 ? `, cc ${a.cc.map((c) => c.name).join(', ')}` : ''}`,
    what: (a) => `${templateTitle(a.template)} email`,
  },
  // The platform's own invoice email (QuickBooks / Xero: their template and pay link).
  platform: {
    channel: 'platform_email',
    auditChannel: 'platform',
    sent: (a) => `${templateTitle(a.template)} sent by the platform's own invoice email to ${a.to.name} <${a.to.email ?? ''}>${fallback(a.to)}`,
    what: (a) => `${templateTitle(a.template)} platform invoice email`,
  },
};

const routeOf = (a: { via?: EmailRoute | undefined }): EmailRouteRow => EMAIL_ROUTES[a.via ?? 'smtp'];

/** The email route an outbox channel carries, if any (to read an entry whose payload is unreadable). */
export function emailRouteOf(channel: string): EmailRoute | undefined {
  return EMAIL_ROUTE_NAMES.find((r) => EMAIL_ROUTES[r].channel === channel);
}

/** 'salesRep' → "the sales rep". */
function roleWords(role: string): string {
  const words: Record<string, string> = { salesRep: 'the sales rep', collector: 'the collector', approver: 'the approver', manager: 'the manager' };
  return words[role] ?? role;
}

const task = (kind: string): ActionKindRow<'creditHold' | 'agencyReferral' | 'writeOffSuggestion'> => ({
  customerFacing: false,
  alertOnFailure: false,
  channel: () => 'task',
  auditChannel: () => 'system',
  sent: () => `${kind} sent for approval`,
  what: () => kind,
});

export const ACTION_KINDS: { readonly [K in ActionKind]: ActionKindRow<K> } = {
  email: {
    customerFacing: true,
    alertOnFailure: true,
    // Our SMTP, or another way out the policy names (`via`): EMAIL_ROUTES.
    channel: (a) => routeOf(a).channel,
    auditChannel: (a) => routeOf(a).auditChannel,
    sent: (a) => routeOf(a).sent(a),
    what: (a) => routeOf(a).what(a),
  },
  letter: {
    customerFacing: true,
    alertOnFailure: true,
    // Letters go out by email, the PDF attached.
    channel: () => 'email',
    auditChannel: () => 'letter',
    sent: (a) => `${a.letter === 'finalDemand' ? 'final demand' : 'written warning'} sent to ${a.to.name} <${a.to.email ?? ''}>${fallback(a.to)}, response by ${a.responseBy ?? ''}`,
    what: (a) => (a.letter === 'finalDemand' ? 'final demand letter' : 'written warning letter'),
  },
  slackNudge: {
    customerFacing: false,
    alertOnFailure: false,
    channel: () => 'slack',
    auditChannel: () => 'slack',
    sent: (a) => `Slack message to ${a.person?.name ?? roleWords(a.to)}: ${templateTitle(a.template)}`,
    what: (a) => `Slack message (${templateTitle(a.template)})`,
  },
  task: {
    customerFacing: false,
    alertOnFailure: false,
    channel: () => 'task',
    auditChannel: () => 'system',
    sent: (a) => `${taskTitle(a.task)} task given to ${a.person?.name ?? roleWords(a.assignee)}`,
    what: (a) => `${taskTitle(a.task)} task`,
  },
  creditHold: task('credit hold'),
  agencyReferral: task('agency referral'),
  writeOffSuggestion: task('write-off suggestion'),
  writeback: {
    customerFacing: false,
    alertOnFailure: false,
    channel: () => 'writeback',
    auditChannel: () => 'system',
    sent: (a) => `credit hold ${a.event} written back to the accounting platform: ${a.line}`,
    what: (a) => `credit hold ${a.event} write-back`,
  },
  agencyPacket: {
    // It goes to the collection agency, not to the customer; a failure is still worth a person's look.
    customerFacing: false,
    alertOnFailure: true,
    channel: () => 'agency',
    auditChannel: () => 'email',
    sent: (_a, { result }) => {
      const to = typeof result['to'] === 'string' ? result['to'] : 'the agency';
      return result['dryRun'] === true ? `referral packet for ${to} recorded, not sent (dry run: sending is off)` : `referral packet sent to ${to}`;
    },
    what: () => 'referral packet to the collection agency',
  },
  // A manager's *Ask for a credit check* on a look-alike alert (docs/lookalike.md): a task for the collector.
  creditCheck: {
    customerFacing: false,
    alertOnFailure: false,
    channel: () => 'task',
    auditChannel: () => 'system',
    sent: (a) => `credit check task stored (looks like ${a.knownName}; asked by ${a.by})`,
    what: () => 'credit check task',
  },
};

export function isActionKind(kind: string): kind is ActionKind {
  return Object.hasOwn(ACTION_KINDS, kind);
}

/** Whether an action of this kind reaches the customer (email and letter). Unknown kinds do not. */
export function isCustomerFacing(kind: string): boolean {
  return isActionKind(kind) && ACTION_KINDS[kind].customerFacing;
}

/** Whether people are alerted when an action of this kind bounces or fails for good. */
export function alertsOnFailure(kind: string): boolean {
  return isActionKind(kind) && ACTION_KINDS[kind].alertOnFailure;
}

/** The outbox channel that carries an action. */
export function channelOf(a: { kind: ActionKind; via?: EmailRoute | undefined }): OutboxChannelName {
  return ACTION_KINDS[a.kind].channel(a);
}

/** The audit trail's channel of an action (an unknown kind: 'system'). */
export function auditChannelOf(a: { kind: string; via?: EmailRoute | undefined }): ActionAuditChannel {
  return isActionKind(a.kind) ? ACTION_KINDS[a.kind].auditChannel(a) : 'system';
}

export type SentAction = { [K in ActionKind]: { kind: K } & SentInputs[K] }[ActionKind];

/** The audit trail's sentence for an action that was carried out. */
export function sentSentence<K extends ActionKind>(a: { kind: K } & SentInputs[K], outcome: SentOutcome): string {
  const row: ActionKindRow<K> = ACTION_KINDS[a.kind];
  return row.sent(a, outcome);
}

/** What an action was, in words (the alert people get when it bounced or failed). */
export function actionWhat<K extends ActionKind>(a: { kind: K } & SentInputs[K]): string {
  const row: ActionKindRow<K> = ACTION_KINDS[a.kind];
  return row.what(a);
}

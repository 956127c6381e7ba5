// The default collections ladder (shared/DESIGN.md, "The ladder"). Organisations
// start from this and override it; it is validated like any other policy.

import { parsePolicy, type Policy, type PolicyInput } from './policy.js';

export const DEFAULT_POLICY_INPUT = {
  version: 1,
  name: 'Overdue default ladder',
  contactLadder: ['billing', 'ap', 'ap_manager', 'controller', 'cfo', 'owner'],
  calendar: {
    weekend: [0, 6],
    holidays: [],
    sendingHours: { start: '09:00', end: '17:00' },
    callSlots: ['09:30', '13:30', '16:00', '11:00'],
  },
  pauses: { promiseGraceDays: 2, instalmentGraceDays: 3, replyPauseDays: 3 },
  fastTrack: [
    {
      name: 'fast-track',
      minPastDue: { USD: 1_000_000, EUR: 1_000_000, GBP: 800_000, CAD: 1_300_000, AUD: 1_500_000, NZD: 1_600_000, JPY: 1_500_000 },
      schedulePercent: 80,
    },
    {
      name: 'priority',
      minPastDue: { USD: 5_000_000, EUR: 5_000_000, GBP: 4_000_000, CAD: 6_500_000, AUD: 7_500_000, NZD: 8_000_000, JPY: 7_500_000 },
      schedulePercent: 60,
    },
  ],
  writeOff: { below: { USD: 10_000, EUR: 10_000, GBP: 8_000, CAD: 13_000, AUD: 15_000, NZD: 16_000, JPY: 15_000 } },
  // Under the write-off threshold: the two reminder emails, then a write-off suggestion 14 days after the second.
  smallBalance: { levels: ['reminder-1', 'reminder-2'], writeOffAfterDays: 14 },
  strategic: { tags: ['strategic'] },
  // A level's email waits 5 business days for a missing role (a find-contact task asks the collector for it).
  contacts: { missingRoleWaitDays: 5 },
  levels: [
    {
      id: 'courtesy',
      name: 'courtesy',
      owner: 'automatic',
      trigger: { kind: 'daysPastDue', days: -3 },
      actions: [{ id: 'email', kind: 'email', template: 'courtesy', to: 'billing' }],
    },
    {
      id: 'reminder-1',
      name: 'reminder 1',
      owner: 'automatic',
      trigger: { kind: 'daysPastDue', days: 1 },
      actions: [{ id: 'email', kind: 'email', template: 'reminder-1', to: 'billing' }],
    },
    {
      id: 'reminder-2',
      name: 'reminder 2',
      owner: 'automatic',
      trigger: { kind: 'daysPastDue', days: 7 },
      actions: [{ id: 'email', kind: 'email', template: 'reminder-2', to: 'billing', cc: ['ap'] }],
    },
    {
      id: 'rep-call',
      name: 'rep call',
      owner: 'salesRep',
      trigger: { kind: 'daysPastDue', days: 15 },
      actions: [
        { id: 'nudge', kind: 'slackNudge', template: 'rep-call', to: 'salesRep' },
        { id: 'call', kind: 'task', task: 'call', assignee: 'salesRep', target: 'ap' },
      ],
    },
    {
      id: 'collector-call',
      name: 'collector call',
      owner: 'collector',
      trigger: { kind: 'daysPastDue', days: 30 },
      actions: [
        { id: 'email', kind: 'email', template: 'urgent-account-matter', to: 'ap', cc: ['billing'], urgent: true, readReceipt: true },
        { id: 'call', kind: 'task', task: 'call', assignee: 'collector', target: 'ap_manager' },
      ],
    },
    {
      id: 'up-the-ladder',
      name: 'up the ladder',
      owner: 'collector',
      trigger: { kind: 'daysPastDue', days: 45 },
      actions: [
        { id: 'email', kind: 'email', template: 'decision-makers', to: 'ap_manager', cc: ['controller'] },
        { id: 'call', kind: 'task', task: 'call', assignee: 'collector', target: 'controller' },
        { id: 'hold', kind: 'creditHold', mode: 'propose' },
      ],
    },
    {
      id: 'written-warning',
      name: 'written warning',
      owner: 'collector',
      mandatory: true,
      trigger: { kind: 'daysPastDue', days: 60 },
      actions: [
        { id: 'letter', kind: 'letter', letter: 'writtenWarning', template: 'written-warning', to: 'controller', cc: ['ap'], responseDays: 7 },
        { id: 'voicemail', kind: 'task', task: 'voicemail', assignee: 'collector', target: 'controller' },
        { id: 'hold', kind: 'creditHold', mode: 'place' },
      ],
    },
    {
      id: 'final-demand',
      name: 'final demand',
      owner: 'collector',
      mandatory: true,
      trigger: { kind: 'daysPastDue', days: 75 },
      actions: [
        { id: 'letter', kind: 'letter', letter: 'finalDemand', template: 'final-demand', to: 'cfo', cc: ['controller'], responseDays: 10 },
        { id: 'mail', kind: 'task', task: 'mail', assignee: 'collector', target: 'cfo' },
        { id: 'fax', kind: 'task', task: 'fax', assignee: 'collector', target: 'cfo' },
      ],
    },
    {
      id: 'agency-referral',
      name: 'agency referral',
      owner: 'approver',
      trigger: { kind: 'deadlineExpired' },
      actions: [{ id: 'referral', kind: 'agencyReferral' }],
    },
  ],
} satisfies PolicyInput;

/** The default ladder, parsed and validated. */
export const defaultPolicy: Policy = parsePolicy(DEFAULT_POLICY_INPUT);

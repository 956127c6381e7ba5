import { ACTION_KINDS, alertsOnFailure, auditChannelOf, channelOf, emailRouteOf, ENGINE_ACTION_KINDS, isCustomerFacing, sentSentence, type EngineActionKind } from './action-kinds.js';
import type { DueAction } from './index.js';

// The engine's kinds listed here are exactly DueAction's (a compile error otherwise).
const sameKinds: [EngineActionKind, DueAction['kind']] extends [DueAction['kind'], EngineActionKind] ? true : false = true;

describe('the action-kinds table', () => {
  it('lists every engine kind', () => {
    expect(sameKinds).toBe(true);
    for (const k of ENGINE_ACTION_KINDS) expect(ACTION_KINDS[k]).toBeDefined();
  });

  it('customer-facing is email and letter; the agency packet is not, but its failure is alerted', () => {
    expect(Object.keys(ACTION_KINDS).filter(isCustomerFacing).sort()).toEqual(['email', 'letter']);
    expect(Object.keys(ACTION_KINDS).filter(alertsOnFailure).sort()).toEqual(['agencyPacket', 'email', 'letter']);
    expect(isCustomerFacing('sms')).toBe(false);
  });

  it('gives the outbox channel and the audit channel', () => {
    expect(channelOf({ kind: 'email' })).toBe('email');
    expect(channelOf({ kind: 'email', via: 'platform' })).toBe('platform_email');
    expect(channelOf({ kind: 'letter' })).toBe('email');
    expect(channelOf({ kind: 'slackNudge' })).toBe('slack');
    expect(channelOf({ kind: 'creditHold' })).toBe('task');
    expect(channelOf({ kind: 'agencyPacket' })).toBe('agency');
    expect(auditChannelOf({ kind: 'letter' })).toBe('letter');
    expect(auditChannelOf({ kind: 'email', via: emailRouteOf('platform_email') })).toBe('platform');
    expect(auditChannelOf({ kind: 'agencyPacket' })).toBe('email');
    expect(auditChannelOf({ kind: 'unknown' })).toBe('system');
  });

  it('says what was sent', () => {
    const to = { name: 'Bea', email: 'bea@x.example' };
    expect(sentSentence({ kind: 'email', template: 'reminder-1', to, cc: [{ name: 'Al' }] }, { result: {} })).toBe('first reminder email sent to Bea <bea@x.example>, cc Al');
    // No template ids or internal words in what people read (the rep nudge's "What was tried" shows these).
    expect(sentSentence({ kind: 'slackNudge', template: 'rep-call', to: 'salesRep', person: { name: 'Sam Rep' } }, { result: {} })).toBe('Slack message to Sam Rep: request to call the customer');
    expect(sentSentence({ kind: 'task', task: 'find-contact', assignee: 'collector', person: null }, { result: {} })).toBe('find a contact task given to the collector');
    expect(sentSentence({ kind: 'writeOffSuggestion' }, { result: {} })).toBe('write-off suggestion sent for approval');
    expect(sentSentence({ kind: 'letter', letter: 'finalDemand', to, responseBy: '2025-03-20' }, { result: {} })).toBe('final demand sent to Bea <bea@x.example>, response by 2025-03-20');
    expect(sentSentence({ kind: 'agencyPacket' }, { result: { to: 'agency@x.example', dryRun: true } })).toBe('referral packet for agency@x.example recorded, not sent (dry run: sending is off)');
  });
});

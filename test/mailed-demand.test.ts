// The mailed-demand rule (src/planning/mailed-demand.ts), pure: the newest mail task decides; a tracking
// number confirms it; else an approver's override; else missing (a referral needs the override); no mail task:
// nothing asked. And the completion form's parser.
import { letterTaskCompletionSchema, mailedDemandLine, mailedDemandStatus, referralNeedsOverride } from '../src/planning/mailed-demand.js';

const at = (d: string) => new Date(`${d}T15:00:00Z`);
const by = { id: 'cole@northwind.example', name: 'Cole Lector' };

describe('the mailed demand', () => {
  it('confirmed by the newest mail task’s tracking number; an older confirmation does not cover a newer demand', () => {
    const older = { status: 'done', createdAt: at('2025-03-01'), completion: { by, at: at('2025-03-02'), trackingNumber: 'RR1111US' } };
    const newer = { status: 'delivered', createdAt: at('2025-05-01') };
    expect(mailedDemandStatus([older], undefined)).toEqual({ state: 'confirmed', trackingNumber: 'RR1111US', by: 'Cole Lector', at: at('2025-03-02') });
    const m = mailedDemandStatus([older, newer], undefined);
    expect(m).toEqual({ state: 'missing' });
    expect(referralNeedsOverride(m)).toBe(true);
    // Done without a tracking number (a follow-up's Done) does not confirm it.
    expect(mailedDemandStatus([{ status: 'done', createdAt: at('2025-05-01'), completion: { by, at: at('2025-05-02') } }], undefined).state).toBe('missing');
  });

  it('an override names who and why; no mail task: nothing was asked', () => {
    const o = mailedDemandStatus([{ status: 'open', createdAt: at('2025-05-01') }], { by: { id: 'ada@x', name: 'Ada Approver' }, reason: 'receipt confirmed by phone', at: at('2025-05-20') });
    expect(o).toEqual({ state: 'override', by: 'Ada Approver', reason: 'receipt confirmed by phone', at: at('2025-05-20') });
    expect(referralNeedsOverride(o)).toBe(false);
    expect(mailedDemandLine(o)).toBe('Not confirmed: referred without mailed-demand confirmation by Ada Approver (2025-05-20): receipt confirmed by phone');
    expect(mailedDemandStatus([], undefined)).toEqual({ state: 'not-asked' });
    expect(referralNeedsOverride({ state: 'not-asked' })).toBe(false);
  });

  it('the completion form: a tracking number for post and courier, optional for a fax', () => {
    expect(letterTaskCompletionSchema('mail').safeParse({ trackingNumber: ' 9400 1000 0000 ' }).data).toEqual({ trackingNumber: '9400 1000 0000' });
    expect(letterTaskCompletionSchema('mail').safeParse({}).success).toBe(false);
    expect(letterTaskCompletionSchema('courier').safeParse({ trackingNumber: 'ab' }).success).toBe(false);
    expect(letterTaskCompletionSchema('mail').safeParse({ trackingNumber: 'RR<script>' }).success).toBe(false);
    expect(letterTaskCompletionSchema('fax').safeParse({}).success).toBe(true);
  });
});

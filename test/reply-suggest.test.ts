// The suggestion rules for a customer's reply (src/inbound/suggest.ts): each rule on its own, then the
// written corpus (test/fixtures/replies/corpus.yaml): accuracy at or above the floor measured, and every
// example marked `must` right.
import { freshText, mentionedInvoices, suggestReplyAction, type SuggestContext } from '../src/inbound/suggest.js';
import { isRight, KINDS, loadReplyCorpus, scoreCorpus, suggestFor } from './helpers/reply-corpus.js';

// Thursday 2025-03-20, 11:00 in New York.
const ctx: SuggestContext = { now: new Date('2025-03-20T15:00:00Z'), timeZone: 'America/New_York', openInvoiceNumbers: ['INV-1042', 'INV-1050'] };
const suggest = (text: string, o: { subject?: string; attachments?: { filename: string; contentType: string }[]; ctx?: Partial<SuggestContext> } = {}) =>
  suggestReplyAction({ subject: o.subject ?? 'Re: Invoice overdue', text, attachments: o.attachments ?? [] }, { ...ctx, ...o.ctx });

describe('reply suggestion rules', () => {
  it('a date with "pay" is a promise on that date, in every written form', () => {
    expect(suggest('We will pay on Friday')).toMatchObject({ kind: 'promise', date: '2025-03-21' });
    expect(suggest('we will pay on 12 June')).toMatchObject({ kind: 'promise', date: '2025-06-12' });
    expect(suggest('we will pay on June 12th')).toMatchObject({ kind: 'promise', date: '2025-06-12' });
    expect(suggest('payment on 2025-04-02')).toMatchObject({ kind: 'promise', date: '2025-04-02' });
    expect(suggest('pay tomorrow')).toMatchObject({ kind: 'promise', date: '2025-03-21' });
    expect(suggest('we pay next week')).toMatchObject({ kind: 'promise', date: '2025-03-28' });
    expect(suggest('we pay at the end of the month')).toMatchObject({ kind: 'promise', date: '2025-03-31' });
    expect(suggest('we pay in 10 days')).toMatchObject({ kind: 'promise', date: '2025-03-30' });
  });

  it('12/06 is read month first in a US zone and day first elsewhere', () => {
    expect(suggest('we will pay on 4/5')).toMatchObject({ kind: 'promise', date: '2025-04-05' });
    expect(suggest('we will pay on 4/5', { ctx: { timeZone: 'Europe/London' } })).toMatchObject({ kind: 'promise', date: '2025-05-04' });
    // Only one reading is a date: that one, wherever.
    expect(suggest('we will pay on 25/04')).toMatchObject({ kind: 'promise', date: '2025-04-25' });
  });

  it('relative dates are resolved in the customer\'s zone', () => {
    // 02:00 UTC on the 21st is still the 20th in New York, already the 21st in London.
    const late = { now: new Date('2025-03-21T02:00:00Z') };
    expect(suggest('will pay tomorrow', { ctx: late })).toMatchObject({ date: '2025-03-21' });
    expect(suggest('will pay tomorrow', { ctx: { ...late, timeZone: 'Europe/London' } })).toMatchObject({ date: '2025-03-22' });
  });

  it('a promised date is never in the past', () => {
    // A date without a year six months behind is next year's; a recent one is no promise date.
    expect(suggest('we will pay on 10 January', { ctx: { now: new Date('2025-12-20T15:00:00Z') } })).toMatchObject({ kind: 'promise', date: '2026-01-10' });
    expect(suggest('we will pay you, as we said on 10 March').kind).not.toBe('promise');
    expect(suggest('We will pay on Thursday')).toMatchObject({ kind: 'promise', date: '2025-03-20' });
    expect(suggest('We will pay next Thursday')).toMatchObject({ kind: 'promise', date: '2025-03-27' });
  });

  it('"pay" without a date, or a date without "pay", is nothing', () => {
    expect(suggest('We will pay as soon as we can').kind).toBe('none');
    expect(suggest('I am out of the office until Monday').kind).toBe('none');
  });

  it('dispute words make a dispute; "we do not dispute" does not', () => {
    for (const t of ['We dispute this', 'The invoice is incorrect', 'wrong quantity', 'we never ordered this', 'it arrived damaged', 'we never received the goods', 'please send a credit note']) {
      expect(suggest(t).kind).toBe('dispute');
    }
    expect(suggest("We don't dispute it, we'll pay on Friday")).toMatchObject({ kind: 'promise', date: '2025-03-21' });
    expect(suggest('You have the wrong person, write to ap@acme.example').kind).toBe('none');
  });

  it('paid words make it paid; past tense wins over a promise', () => {
    for (const t of ['paid', 'Payment sent', 'remittance below', 'we transferred the money', 'wired it this morning', 'cheque sent', 'check was mailed']) {
      expect(suggest(t).kind).toBe('paid');
    }
    expect(suggest('paid last Friday')).toMatchObject({ kind: 'paid', date: '2025-03-14' });
    expect(suggest('It will be paid on Friday')).toMatchObject({ kind: 'promise', date: '2025-03-21' });
    expect(suggest('Payment sent tomorrow')).toMatchObject({ kind: 'promise', date: '2025-03-21' });
    expect(suggest('We have not paid yet').kind).toBe('none');
    expect(suggest('Which invoices are unpaid?').kind).toBe('none');
  });

  it('an attachment that looks like a remittance or proof of payment is paid; a signature image is not', () => {
    expect(suggest('see attached', { attachments: [{ filename: 'Remittance-0319.pdf', contentType: 'application/pdf' }] }).kind).toBe('paid');
    expect(suggest('see attached', { attachments: [{ filename: 'payment_confirmation.jpg', contentType: 'image/jpeg' }] }).kind).toBe('paid');
    expect(suggest('see attached', { attachments: [{ filename: 'proof.png', contentType: 'image/png' }] }).kind).toBe('paid');
    expect(suggest('see attached', { attachments: [{ filename: 'image001.png', contentType: 'image/png' }] }).kind).toBe('none');
    expect(suggest('see attached', { attachments: [{ filename: 'payment.exe', contentType: 'application/octet-stream' }] }).kind).toBe('none');
  });

  it('quoted history and the signature are ignored, a forwarded message is read', () => {
    const quoted = "Thanks, we'll pay on Monday.\n\nOn Wed, Mar 19, 2025 at 9:00 AM Northwind <ar@northwind.example> wrote:\n> If you have already paid, ignore this.\n> We dispute nothing.";
    expect(suggest(quoted)).toMatchObject({ kind: 'promise', date: '2025-03-24' });
    expect(freshText('ok\n> paid\n>> disputed')).toBe('ok');
    expect(freshText('Hello\nOn Tue, 18 Mar 2025, Ann Lee <a@b.example>\nwrote:\n> paid')).toBe('Hello');
    expect(freshText('Hi\n-----Original Message-----\nFrom: x')).toBe('Hi');
    expect(freshText('Hi\nFrom: Northwind <ar@x>\nSent: Monday\nSubject: paid')).toBe('Hi');
    expect(freshText('Regards\n-- \nAcme — all invoices paid within terms')).toBe('Regards');
    expect(suggest('FYI\n---------- Forwarded message ---------\nFrom: bank\nDate: Wed, Mar 19, 2025\nYour payment has been executed.').kind).toBe('paid');
  });

  it('the open invoice numbers the reply names are returned, and only those', () => {
    expect(mentionedInvoices('about inv-1042 and INV-9999', ['INV-1042', 'INV-1050'])).toEqual(['INV-1042']);
    expect(mentionedInvoices('invoice #1050 and invoice 1042', ['INV-1042', 'INV-1050'])).toEqual(['INV-1042', 'INV-1050']);
    expect(mentionedInvoices('INV-10420 and 1,042.00 and 1050 units', ['INV-1042', 'INV-1050'])).toEqual([]);
    // Those the customer wrote win over the subject's (our reminder's); the subject's when they name none.
    expect(suggest('We dispute INV-1050', { subject: 'Re: INV-1042 overdue' })).toMatchObject({ kind: 'dispute', invoiceNumbers: ['INV-1050'] });
    expect(suggest('We dispute this', { subject: 'Re: INV-1042 overdue' })).toMatchObject({ kind: 'dispute', invoiceNumbers: ['INV-1042'] });
  });

  it('other languages: accented words are words', () => {
    expect(suggest('Der Betrag wurde gestern überwiesen.', { ctx: { timeZone: 'Europe/Berlin' } })).toMatchObject({ kind: 'paid', date: '2025-03-19' });
    expect(suggest('La facture a été payée.', { ctx: { timeZone: 'Europe/Paris' } }).kind).toBe('paid');
    expect(suggest('Nous allons régler la facture le 28 mars.', { ctx: { timeZone: 'Europe/Paris' } })).toMatchObject({ kind: 'promise', date: '2025-03-28' });
  });

  it('says why in one line', () => {
    expect(suggest('We will pay on Friday').why).toBe('"pay" and "on friday" → 2025-03-21');
    expect(suggest('hello').why).toMatch(/no date/);
  });
});

describe('the replies corpus', () => {
  const corpus = loadReplyCorpus();
  const score = scoreCorpus(corpus);

  it('holds at least 60 written examples of every kind', () => {
    expect(corpus.examples.length).toBeGreaterThanOrEqual(60);
    for (const k of KINDS) expect(score.perKind[k].total).toBeGreaterThanOrEqual(10);
  });

  it('accuracy stays at or above the measured floor: 0.95 overall, 0.85 for each kind', () => {
    // Measured: 90 of 90 (the 15 holdout examples scored 10 of 15 when first run; docs/inbound-mail.md).
    expect(score.accuracy).toBeGreaterThanOrEqual(0.95);
    for (const k of KINDS) expect(score.perKind[k].accuracy).toBeGreaterThanOrEqual(0.85);
  });

  it.each(corpus.examples.filter((e) => e.must).map((e) => [e.id, e] as const))('must: %s', (_id, e) => {
    const s = suggestFor(corpus, e);
    expect({ kind: s.kind, ...(e.expect.date ? { date: s.date } : {}) }).toEqual({ kind: e.expect.kind, ...(e.expect.date ? { date: e.expect.date } : {}) });
    expect(isRight(e, s)).toBe(true);
    if (e.expect.invoices) expect(s.invoiceNumbers).toEqual(e.expect.invoices);
  });

  it('names the invoices each example expects', () => {
    const wrong = corpus.examples.filter((e) => e.expect.invoices && JSON.stringify(suggestFor(corpus, e).invoiceNumbers) !== JSON.stringify(e.expect.invoices));
    expect(wrong.map((e) => e.id)).toEqual([]);
  });
});

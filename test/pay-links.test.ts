// Payable (issue 17 §4): the "each invoice below has a link to pay online" sentence
// only when every listed invoice has a link; otherwise the links there are plus the
// organisation's remittance details and the reference to quote (the account
// number, else the name; never a ledger id). Letters and statements share one
// How-to-pay block that is never empty and never says "Please quote -".
import { compose, payLines, type MessageInput } from '../src/email/templates.js';
import { accountReference, howToPayFacts } from '../src/documents/how-to-pay.js';
import type { DocInvoice } from '../src/documents/model.js';

const inv = (n: string, payUrl?: string): DocInvoice => ({ id: n, number: n, issueDate: '2025-01-01', dueDate: '2025-02-01', currency: 'USD', totalMinor: 1000, balanceMinor: 1000, status: 'open', ...(payUrl ? { payUrl } : {}) });
const msgInv = (n: string, payUrl?: string) => ({ number: n, issueDate: '2025-01-01', dueDate: '2025-02-01', currency: 'USD', totalMinor: 1000, balanceMinor: 1000, daysPastDue: 20, payUrl });
const PAY = 'Each invoice below has a link to pay online.';

describe('the account reference', () => {
  it('is the account number, else the name — never the ledger id', () => {
    expect(accountReference({ accountNumber: ' CC-0058 ', displayName: 'Cool Cars' })).toBe('CC-0058');
    expect(accountReference({ displayName: 'Moana Outfitters' })).toBe('Moana Outfitters');
    expect(accountReference({ accountNumber: '  ', displayName: 'Moana Outfitters' })).toBe('Moana Outfitters');
  });
});

describe('emails: how to pay', () => {
  const remittance = { bankDetails: ['Bank: First National', 'Account: 12-3456-7890123-00'], reference: 'CC-0058' };

  it('every invoice linked: the pay-online sentence', () => {
    expect(payLines({ invoices: [msgInv('A', 'https://pay/a'), msgInv('B', 'https://pay/b')], remittance }).join(' ')).toContain(PAY);
  });

  it('some linked: no such sentence; the linked ones can be paid online, the others by transfer with the reference', () => {
    const text = payLines({ invoices: [msgInv('A', 'https://pay/a'), msgInv('B')], remittance }).join(' ');
    expect(text).not.toContain(PAY);
    expect(text).toContain('The invoice with a link below can be paid online.');
    expect(text).toContain('How to pay the others: by bank transfer (Bank: First National; Account: 12-3456-7890123-00). Please quote CC-0058 as the reference.');
  });

  it('none linked and no bank details: how to get them, never an empty how-to-pay, the name as reference', () => {
    const text = payLines({ invoices: [msgInv('A')], remittance: { bankDetails: [], reference: 'Northwind Supply Co.' } }).join(' ');
    expect(text).not.toContain(PAY);
    expect(text).toContain('How to pay: reply to this email and we will send you our payment details. Please quote Northwind Supply Co. as the reference.');
    expect(text).not.toMatch(/\.\./);
  });

  it('every template: the sentence appears exactly when every invoice has a link', () => {
    const base: Omit<MessageInput, 'template' | 'invoices'> = {
      customerName: 'Acme', recipientName: 'Bea Billing', totals: { USD: 2000 }, sender: { company: 'Northwind', email: 'ar@northwind.example' },
      today: '2025-03-01', responseBy: '2025-03-10', personalGuarantee: false, previousContacts: 2, remittance,
    };
    for (const template of ['courtesy', 'reminder-1', 'reminder-2', 'urgent-account-matter', 'decision-makers', 'payment-plan-missed', 'written-warning', 'final-demand']) {
      const all = compose({ ...base, template, invoices: [msgInv('A', 'https://pay/a'), msgInv('B', 'https://pay/b')] });
      const some = compose({ ...base, template, invoices: [msgInv('A', 'https://pay/a'), msgInv('B')] });
      if (!all.ok || !some.ok) throw new Error(template);
      expect([template, all.message.outro.join(' ').includes(PAY)]).toEqual([template, true]);
      expect([template, some.message.outro.join(' ').includes(PAY)]).toEqual([template, false]);
      expect([template, some.message.outro.join(' ').includes('Please quote CC-0058')]).toEqual([template, true]);
    }
  });
});

describe('letters and statements: the How-to-pay block', () => {
  const settings = (bankDetails: string[], payLinks = true) => ({ payment: { bankDetails, payLinks } });

  it('pay links, bank transfer, and the reference with the invoice numbers', () => {
    expect(howToPayFacts([inv('INV-1', 'https://pay/1'), inv('INV-2')], settings(['Bank: First National']), 'CC-0058')).toEqual([
      ['Pay online', 'Invoice INV-1: https://pay/1'],
      ['Bank transfer', 'Bank: First National'],
      ['Please quote', 'CC-0058, invoices INV-1, INV-2'],
    ]);
  });

  it('no bank details and not every invoice linked: how to get them; never "Please quote -"', () => {
    const rows = howToPayFacts([inv('INV-2')], settings([]), 'Moana Outfitters');
    expect(rows).toEqual([['Payment details', 'Ask your direct contact below for our bank details.'], ['Please quote', 'Moana Outfitters, invoice INV-2']]);
    expect(howToPayFacts([], settings([]), 'Moana Outfitters')).toEqual([['Payment details', 'Ask your direct contact below for our bank details.'], ['Please quote', 'Moana Outfitters']]);
  });

  it('links turned off by the organisation are not shown; a long list is capped with how many more', () => {
    expect(howToPayFacts([inv('INV-1', 'https://pay/1')], settings(['Bank: X'], false), 'R')[0]).toEqual(['Bank transfer', 'Bank: X']);
    const many = Array.from({ length: 15 }, (_, i) => inv(`INV-${i + 1}`, `https://pay/${i + 1}`));
    const [links] = howToPayFacts(many, settings([]), 'R', 12);
    expect(links?.[1].split('\n')).toHaveLength(13);
    expect(links?.[1]).toContain('and 3 more invoices with a pay link');
  });
});

// Documents, pure builders: money and date formatting per locale, the letters'
// content (amounts, dates, deadline, names), reproducible output.
import { buildLetter, letterDeadline } from '../src/documents/letter.js';
import { decimalString, fill, formatAmount, formatDate, formatTotalsLocale, responseDeadline } from '../src/documents/format.js';
import { resolveDocumentSettings, DEFAULT_TEXTS } from '../src/documents/settings.js';
import { inv, pdfText, settings, squash } from './documents.helpers.js';

describe('money formatting per currency and locale', () => {
  it('turns minor units into exact decimal strings by currency exponent', () => {
    expect(decimalString(123456, 'USD')).toBe('1234.56');
    expect(decimalString(-5, 'KWD')).toBe('-0.005');
    expect(decimalString(1200, 'JPY')).toBe('1200');
    expect(decimalString(7, 'EUR')).toBe('0.07');
    expect(() => decimalString(1.5, 'USD')).toThrow(RangeError);
  });

  it('formats like the locale does: 1.234,56 € (de-DE) vs $1,234.56 (en-US)', () => {
    expect(formatAmount(123456, 'EUR', 'de-DE')).toBe('1.234,56\u00a0€');
    expect(formatAmount(123456, 'USD', 'en-US')).toBe('$1,234.56');
    expect(formatAmount(123456, 'EUR', 'en-IE')).toBe('€1,234.56');
    expect(formatAmount(120000, 'JPY', 'en-US')).toBe('¥120,000');
    expect(formatAmount(1234567, 'KWD', 'en-US')).toBe('KWD\u00a01,234.567');
    expect(formatAmount(-250, 'GBP', 'en-GB')).toBe('-£2.50');
    expect(formatAmount(123456, 'CHF', 'de-CH')).toBe("CHF\u00a01'234.56");
  });

  it('keeps the narrow spaces of fr-FR drawable by the standard PDF fonts', () => {
    const s = formatAmount(123456789, 'EUR', 'fr-FR');
    expect(s).toBe('1\u00a0234\u00a0567,89\u00a0€');
    expect(s).not.toMatch(/[\u202f\u2009]/);
  });

  it('never goes through a float: amounts past 2^53 / 100 stay exact', () => {
    expect(formatAmount(Number.MAX_SAFE_INTEGER, 'USD', 'en-US')).toBe('$90,071,992,547,409.91');
  });

  it('joins per-currency totals in currency order', () => {
    expect(formatTotalsLocale({ USD: 100, EUR: 250 }, 'de-DE', 'USD')).toBe('2,50\u00a0€ + 1,00\u00a0$');
    expect(formatTotalsLocale({}, 'en-US', 'USD')).toBe('$0.00');
  });
});

describe('dates and deadlines', () => {
  it('formats calendar dates per locale without a time zone shifting them', () => {
    expect(formatDate('2025-03-12', 'en-US')).toBe('March 12, 2025');
    expect(formatDate('2025-03-12', 'de-DE')).toBe('12. März 2025');
    expect(formatDate('2025-01-01', 'en-GB', 'medium')).toBe('1 Jan 2025');
  });

  it('counts the deadline in business days, skipping weekends and holidays', () => {
    expect(responseDeadline('2025-03-12', 10)).toBe('2025-03-26'); // Wed → Wed two weeks on
    expect(responseDeadline('2025-03-14', 1)).toBe('2025-03-17'); // Fri → Mon
    expect(responseDeadline('2025-03-15', 1)).toBe('2025-03-17'); // sent on a Saturday
    expect(responseDeadline('2025-12-19', 5, ['2025-12-25', '2025-12-26'])).toBe('2025-12-30');
    expect(letterDeadline('final-demand', settings({ responseBusinessDays: { 'final-demand': 15 } }), '2025-03-12')).toBe('2025-04-02');
  });

  it('fills placeholders, leaves unknown ones visible and avoids a doubled full stop', () => {
    expect(fill('with {company}. Due {total}; {nope}', { company: 'Acme Co.', total: '$1.00' })).toBe('with Acme Co. Due $1.00; {nope}');
  });
});

describe('settings', () => {
  it('falls back to safe defaults and reports a malformed field without losing the others', () => {
    const s = resolveDocumentSettings({ name: 'Org', settings: { documents: { locale: 'xx-not-a-locale-!!', responseBusinessDays: { 'final-demand': 500 }, collector: { name: 'Pat' } } } });
    expect(s.locale).toBe('en-US');
    expect(s.responseBusinessDays['final-demand']).toBe(10);
    expect(s.collector.name).toBe('Pat');
    expect(s.letterhead.name).toBe('Org');
    expect(s.texts['final-demand']).toEqual(DEFAULT_TEXTS['final-demand']);
    expect(s.problems.join('\n')).toMatch(/documents\.locale/);
    expect(s.problems.join('\n')).toMatch(/documents\.responseBusinessDays/);
  });

  it('uses A4 outside North America and Letter in the US', () => {
    expect(settings().paperSize).toBe('LETTER');
    expect(settings({ locale: 'de-DE' }).paperSize).toBe('A4');
  });

  it('rejects a logo that is not an image', () => {
    const s = settings({ letterhead: { logoBase64: Buffer.from('not an image').toString('base64') } });
    expect(s.letterhead.logo).toBeUndefined();
    expect(s.problems.join()).toMatch(/logo/);
  });
});

const customer = { name: 'Contoso Builders LLC', attention: 'Ann Lee, CFO', addressLines: ['42 Harbor Rd', 'Springfield, IL 62701'], reference: 'Contoso Builders' };
const invoices = [
  inv('INV-1001', '2024-11-01', '2024-12-01', 1234567, 1000000),
  inv('INV-1002', '2024-12-01', '2024-12-31', 500000),
  inv('INV-1003', '2025-01-01', '2025-01-31', 250000, 250000, 'EUR'),
  inv('INV-1004', '2025-03-01', '2025-04-30', 99900), // not yet due: not in the letter
  inv('INV-0999', '2024-10-01', '2024-10-31', 10000, 0), // paid: not in the letter
];

describe('final demand letter', () => {
  let text: string;
  beforeAll(async () => {
    const l = await buildLetter({ kind: 'final-demand', settings: settings(), customer, invoices, sentDate: '2025-03-12' });
    expect(l.deadline).toBe('2025-03-26');
    expect(l.totals).toEqual({ USD: 1500000, EUR: 250000 });
    expect(l.invoiceIds).toEqual(['id-INV-1001', 'id-INV-1002', 'id-INV-1003']);
    text = squash(await pdfText(l.pdf));
  });

  it('carries the letterhead, date, addressee and account', () => {
    for (const s of ['Northwind Supply Co.', '100 Market St', 'Chicago, IL 60601', 'March 12, 2025', 'Contoso Builders LLC', 'Attn: Ann Lee, CFO', '42 Harbor Rd', 'Dear Ann Lee,', 'FINAL DEMAND FOR PAYMENT']) {
      expect(text).toContain(s);
    }
  });

  it('states every past-due invoice with dates, original, paid and balance, and totals per currency', () => {
    expect(text).toMatch(/INV-1001 Nov 1, 2024 Dec 1, 2024 101 \$12,345\.67 \$2,345\.67 \$10,000\.00/);
    expect(text).toMatch(/INV-1002 Dec 1, 2024 Dec 31, 2024 71 \$5,000\.00 \$0\.00 \$5,000\.00/);
    expect(text).toMatch(/INV-1003 Jan 1, 2025 Jan 31, 2025 40 €2,500\.00 €0\.00 €2,500\.00/);
    expect(text).toMatch(/Total USD \$17,345\.67 \$2,345\.67 \$15,000\.00/);
    expect(text).toMatch(/Total EUR €2,500\.00 €0\.00 €2,500\.00/);
    expect(text).not.toContain('INV-1004');
    expect(text).not.toContain('INV-0999');
  });

  it('gives the full balance, the dated deadline and the action that follows', () => {
    expect(text).toContain('Full balance due €2,500.00 + $15,000.00');
    expect(text).toContain('Respond by March 26, 2025 (10 business days from the date of this letter)');
    expect(text).toMatch(/refer the account to a\s+collection agency \(Southwest Recovery\)/);
  });

  it('says how to pay and who to call, and makes no threat beyond the referral', () => {
    expect(text).toContain('Invoice INV-1001: https://pay.example/INV-1001');
    expect(text).toContain('Routing 071000013');
    expect(text).toContain('Cole Lector, Credit Manager');
    expect(text).toContain('Phone: +1 312 555 0199');
    expect(text).not.toMatch(/lawsuit|sue |court|arrest|credit bureau|criminal|police/i);
  });

  it('is reproducible: the same input gives the same bytes', async () => {
    const a = await buildLetter({ kind: 'final-demand', settings: settings(), customer, invoices, sentDate: '2025-03-12' });
    const b = await buildLetter({ kind: 'final-demand', settings: settings(), customer, invoices, sentDate: '2025-03-12' });
    expect(a.pdf.equals(b.pdf)).toBe(true);
  });
});

describe('written warning and configured texts', () => {
  it('renders the warning with its own deadline and the organisation’s wording and locale', async () => {
    const s = settings({
      locale: 'de-DE',
      texts: { 'written-warning': { title: 'ZAHLUNGSERINNERUNG', opening: 'Trotz unserer Erinnerungen sind die folgenden Rechnungen an {company} offen.' } },
    });
    const l = await buildLetter({ kind: 'written-warning', settings: s, customer, invoices, sentDate: '2025-03-12' });
    const text = squash(await pdfText(l.pdf));
    expect(l.deadline).toBe('2025-03-21'); // 7 business days
    expect(text).toContain('ZAHLUNGSERINNERUNG');
    expect(text).toContain('Trotz unserer Erinnerungen sind die folgenden Rechnungen an Northwind Supply Co. offen.');
    expect(text).toContain('12. März 2025');
    expect(text).toContain('21. März 2025');
    expect(text).toMatch(/10\.000,00 \$/);
    expect(text).toMatch(/2\.500,00 €/);
    expect(text).toContain('may be referred to a collection agency (Southwest Recovery)');
  });
});

describe('letter attachment for the email channel', () => {
  it('builds the PDF from the action’s invoices with the planned deadline, and nothing for other kinds', async () => {
    const { letterAttachment } = await import('../src/documents/attach.js');
    const { customerDoc, invoiceDoc, standardContacts } = await import('./helpers/accounts.js');
    const now = new Date('2025-03-12T15:00:00Z');
    const c = customerDoc('org-1', 'C-1', 'Contoso Builders', standardContacts('contoso.example'), now, { legalName: 'Contoso Builders LLC' });
    const invs = [invoiceDoc(c, 'I-1', 'INV-1001', '2025-01-15', 250000, now)];
    const to = { contactId: 'c-cfo', name: 'Ann Lee', email: 'ann@contoso.example', role: 'cfo' };
    const action = { key: 'k', levelId: 'final-demand', levelName: 'Final demand', actionId: 'letter', invoiceIds: [invs[0]!._id], at: now.getTime(), customerFacing: true, amounts: { USD: 250000 }, kind: 'letter' as const, letter: 'finalDemand' as const, template: 'final-demand', to, cc: [], responseBy: '2025-03-27', personalGuarantee: false };
    const org = { _id: 'org-1', name: 'Northwind', homeCurrency: 'USD', timeZone: 'America/Chicago', settings: {}, createdAt: now, updatedAt: now };
    const entry = { _id: 'k', orgId: 'org-1', customerId: c._id, channel: 'email' as const, kind: 'letter', payload: {}, invoiceIds: action.invoiceIds, state: 'sending' as const, attempts: 1, dueAt: now, nextAttemptAt: now, createdAt: now, updatedAt: now };
    const att = await letterAttachment({ entry, action, accountName: 'Contoso Builders', customer: c, org, invoices: invs, now, previousContacts: 6 });
    expect(att?.filename).toBe('final-demand-2025-03-12.pdf');
    const text = squash(await pdfText(att!.content as Buffer));
    expect(text).toContain('Attn: Ann Lee');
    expect(text).toContain('Respond by March 27, 2025');
    expect(text).toContain('Full balance due $2,500.00');
    const email = { ...action, kind: 'email' as const, urgent: false, readReceipt: false };
    expect(await letterAttachment({ entry, action: email, accountName: 'x', customer: c, org, invoices: invs, now, previousContacts: 0 })).toBeNull();
  });
});

// A sample letter for an organisation's settings page: the real letter builder (letter.ts) with the
// organisation's own document settings (letterhead, sender, collector, remittance, agency, locale),
// addressed to a made-up customer with made-up past-due invoices in the organisation's home currency, so
// the letterhead and remittance details can be checked before any real letter goes out. Dated `today`;
// the response deadline by the one deadline rule on the organisation's business days and holidays.
import { addDays, type LocalDate } from '../domain/calendar.js';
import type { OrganisationDoc } from '../store/types.js';
import { buildLetter, letterDeadline, type BuiltLetter } from './letter.js';
import type { DocInvoice } from './model.js';
import { resolveDocumentSettings, type LetterKind } from './settings.js';

/** The made-up customer a sample letter is addressed to. */
export const SAMPLE_CUSTOMER = { name: 'Sample Customer Ltd', addressLines: ['1 Example Street', 'Sample Town'], attention: 'Accounts Payable', reference: 'SAMPLE-0001' };

/** Two past-due invoices (and one not yet due) in the currency, dated from `today`. Pure. */
export function sampleInvoices(currency: string, today: LocalDate): DocInvoice[] {
  const inv = (n: string, issuedDaysAgo: number, dueDaysAgo: number, totalMinor: number, balanceMinor: number): DocInvoice => ({
    id: `sample-${n}`, number: n, issueDate: addDays(today, -issuedDaysAgo), dueDate: addDays(today, -dueDaysAgo), currency, totalMinor, balanceMinor, status: 'open',
  });
  return [inv('SAMPLE-1001', 75, 45, 482_000, 482_000), inv('SAMPLE-1002', 50, 20, 1_275_000, 775_000), inv('SAMPLE-1003', 10, -20, 96_500, 96_500)];
}

/** The sample letter of this kind under the organisation's settings as stored now. */
export function sampleLetter(org: Pick<OrganisationDoc, 'name' | 'settings' | 'homeCurrency'>, today: LocalDate, kind: LetterKind = 'written-warning'): Promise<BuiltLetter> {
  const settings = resolveDocumentSettings({ name: org.name, settings: org.settings });
  return buildLetter({ kind, settings, customer: SAMPLE_CUSTOMER, invoices: sampleInvoices(org.homeCurrency, today), sentDate: today, deadline: letterDeadline(kind, settings, today) });
}

// The customer's place: its country (from the billing address, both connectors)
// sets its letters' paper (A4 outside the US and Canada) and the date style of
// its letters and emails alike (22 May 2026 in New Zealand, May 22, 2026 in the US).
import { mapCustomer, QboCustomer } from '../connectors/quickbooks/records.js';
import { mapContact, XeroContact } from '../connectors/xero/records.js';
import { countryCode, localeFor, paperSizeFor } from '../src/domain/locale.js';
import { letterAttachment } from '../src/documents/attach.js';
import { buildLetter } from '../src/documents/letter.js';
import { resolveDocumentSettings } from '../src/documents/settings.js';
import { renderMessage } from '../src/email/render.js';
import type { PayloadAction } from '../src/planning/payload.js';
import type { CustomerDoc, InvoiceDoc, OrganisationDoc } from '../src/store/types.js';
import { pdfText } from './documents.helpers.js';

const org = { name: 'Northwind Supply Co.', settings: { sender: { company: 'Northwind Supply Co.', name: 'Cole Lector', email: 'ar@northwind.example' } } };
const SENT = '2026-05-08';
const DEADLINE = '2026-05-22';

/** The first page's MediaBox, as pdfkit writes it (the page dictionary is not compressed). */
function mediaBox(pdf: Buffer): string {
  return /\/MediaBox \[([^\]]+)\]/.exec(pdf.toString('latin1'))?.[1]?.trim() ?? '';
}

async function letterFor(country: string | undefined): Promise<{ box: string; text: string }> {
  const settings = resolveDocumentSettings(org, { country });
  const letter = await buildLetter({
    kind: 'final-demand',
    settings,
    customer: { name: 'Kiwi Kitchens Ltd', addressLines: ['1 Queen St', 'Auckland 1010'], attention: 'Ann Lee, CFO' },
    invoices: [{ id: 'i1', number: 'INV-1', issueDate: '2026-02-01', dueDate: '2026-03-03', currency: 'NZD', totalMinor: 120_000, balanceMinor: 120_000, status: 'open' }],
    sentDate: SENT,
    deadline: DEADLINE,
    compress: false,
  });
  return { box: mediaBox(letter.pdf), text: await pdfText(letter.pdf) };
}

describe("the customer's country", () => {
  it('is read from the billing address as an ISO code, and sets paper and locale', () => {
    expect(['New Zealand', 'nz', 'NZ', 'USA', 'United States', 'uk', 'Canada', '', undefined, 'Narnia'].map(countryCode)).toEqual(['NZ', 'NZ', 'NZ', 'US', 'US', 'GB', 'CA', undefined, undefined, undefined]);
    expect(['US', 'CA', 'NZ', 'GB', 'AU', 'DE'].map((c) => paperSizeFor(c, 'LETTER'))).toEqual(['LETTER', 'LETTER', 'A4', 'A4', 'A4', 'A4']);
    expect(paperSizeFor(undefined, 'LETTER')).toBe('LETTER');
    expect(['NZ', 'US', 'GB', 'AU'].map((c) => localeFor(c, 'en-US'))).toEqual(['en-NZ', 'en-US', 'en-GB', 'en-AU']);
    expect(localeFor(undefined, 'en-GB')).toBe('en-GB');
  });

  it('is stored on the customer by both connectors', () => {
    const ctx = { orgId: 'o', connectionId: 'c', companyId: '1', homeCurrency: 'NZD', syncedAt: new Date(0) };
    const qbo = mapCustomer(QboCustomer.parse({ Id: '1', SyncToken: '0', DisplayName: 'Kiwi Kitchens', BillAddr: { Line1: '1 Queen St', City: 'Auckland', Country: 'New Zealand' }, MetaData: { LastUpdatedTime: '2026-01-01T00:00:00Z' } }), ctx);
    expect(qbo.country).toBe('NZ');
    const xero = mapContact(XeroContact.parse({ ContactID: 'c-1', Name: 'Kiwi Kitchens', ContactStatus: 'ACTIVE', Addresses: [{ AddressType: 'POBOX', AddressLine1: 'PO Box 1', City: 'Wellington', Country: 'NZ' }], UpdatedDateUTC: '/Date(1700000000000+0000)/' }), ctx);
    expect(xero.country).toBe('NZ');
    const none = mapContact(XeroContact.parse({ ContactID: 'c-2', Name: 'Somewhere', ContactStatus: 'ACTIVE', UpdatedDateUTC: '/Date(1700000000000+0000)/' }), ctx);
    expect(none.country).toBeUndefined();
  });

  it('puts an NZ letter on A4 with NZ dates, a US one on Letter with US dates', async () => {
    const nz = await letterFor('NZ');
    expect(nz.box).toBe('0 0 595.28 841.89');
    expect(nz.text).toContain('22 May 2026');
    expect(nz.text).toContain('8 May 2026');
    expect(nz.text).not.toContain('May 22, 2026');
    const us = await letterFor('US');
    expect(us.box).toBe('0 0 612 792');
    expect(us.text).toContain('May 22, 2026');
    expect(us.text).not.toContain('22 May 2026');
  });

  it('dates the emails as the letters: the letter email and its attached PDF name the same deadline', async () => {
    const email = (country: string | undefined) =>
      renderMessage({
        template: 'final-demand',
        customerName: 'Kiwi Kitchens Ltd',
        recipientName: 'Ann Lee',
        invoices: [{ number: 'INV-1', issueDate: '2026-02-01', dueDate: '2026-03-03', currency: 'NZD', totalMinor: 120_000, balanceMinor: 120_000, daysPastDue: 66 }],
        totals: { NZD: 120_000 },
        sender: { company: 'Northwind Supply Co.', email: 'ar@northwind.example' },
        today: SENT,
        responseBy: DEADLINE,
        personalGuarantee: false,
        previousContacts: 5,
        locale: resolveDocumentSettings(org, { country }).locale,
      });
    const nz = email('NZ');
    const us = email('US');
    if (!nz.ok || !us.ok) throw new Error('not rendered');
    expect(nz.rendered.text).toContain('by 22 May 2026');
    expect(nz.rendered.text).toContain('due 3 March 2026');
    expect(us.rendered.text).toContain('by May 22, 2026');
    expect(us.rendered.html).toContain('March 3, 2026');

    // the letter the email channel attaches for an NZ customer: A4, the same date
    const customer = { _id: 'c1', orgId: 'o', connectionId: 'c', provider: 'xero', companyId: 't', externalId: 'x', displayName: 'Kiwi Kitchens Ltd', country: 'NZ', timeZone: 'Pacific/Auckland', contacts: [], tags: [], active: true, syncedAt: new Date(0) } as CustomerDoc;
    const action = { kind: 'letter', letter: 'finalDemand', template: 'final-demand', to: { contactId: 'k', name: 'Ann Lee', role: 'cfo', email: 'ann@kiwi.example' }, cc: [], responseBy: DEADLINE, personalGuarantee: false, key: 'k', levelId: 'final-demand', levelName: 'final demand', actionId: 'letter', invoiceIds: ['i1'], at: 0, customerFacing: true, amounts: { NZD: 120_000 } } as PayloadAction;
    const invoices = [{ _id: 'i1', number: 'INV-1', issueDate: '2026-02-01', dueDate: '2026-03-03', currency: 'NZD', totalMinor: 120_000, balanceMinor: 120_000, status: 'open' }] as InvoiceDoc[];
    const attached = await letterAttachment({ action, customer, org: { _id: 'o', ...org, homeCurrency: 'NZD', timeZone: 'Pacific/Auckland' } as unknown as OrganisationDoc, invoices, now: new Date('2026-05-07T22:00:00Z') });
    const pdf = attached?.content;
    if (!Buffer.isBuffer(pdf)) throw new Error('no letter attached');
    expect(/\/MediaBox \[([^\]]+)\]/.exec(pdf.toString('latin1'))?.[1]?.trim()).toBe('0 0 595.28 841.89');
    expect(await pdfText(pdf)).toContain('22 May 2026');
  });
});

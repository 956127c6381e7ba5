// The representative set of what a customer receives, rendered through the
// product's own renderers (src/email/render.ts for emails, src/documents/letter.ts
// and statement.ts for the PDFs): every email level of the default ladder, the
// written warning, the final demand and a statement, for a US customer (USD, pay
// links) and a New Zealand customer (NZD, no pay links: remittance details).
// `npm run docs:pictures` (scripts/docs-pictures.ts) photographs this set; the
// jest test test/docs-pictures.test.ts renders the same set without a browser.
//
// Independent of wording: only sample inputs built from the renderers' types.
// If a renderer's input shape changes, adapt `sampleInputs` (the one place that
// builds them) and nothing else.
import type { LocalDate } from '../src/domain/calendar.js';
import { daysPastDue } from '../src/documents/format.js';
import { buildLetter } from '../src/documents/letter.js';
import { balances, pastDue, type DocInvoice, type DocParty } from '../src/documents/model.js';
import { resolveDocumentSettings, type DocumentSettings, type LetterKind } from '../src/documents/settings.js';
import { buildStatement } from '../src/documents/statement.js';
import { renderMessage } from '../src/email/render.js';
import type { MessageInput, Sender } from '../src/email/templates.js';
import { senderOf } from '../src/outbox/email-channel.js';
import type { OrganisationDoc } from '../src/store/types.js';

/** The email levels of the default ladder (src/engine/default-policy.ts), in ladder order. */
export const EMAIL_LEVELS = ['courtesy', 'reminder-1', 'reminder-2', 'urgent-account-matter', 'decision-makers'] as const;
export const LETTERS: readonly LetterKind[] = ['written-warning', 'final-demand'];

export interface SampleCustomer {
  /** Short, file-name safe: "us", "nz". */
  key: string;
  label: string;
  party: DocParty;
  recipientName: string;
  /** The recipient's address, shown above the email in its picture. */
  emailAddress: string;
  invoices: DocInvoice[];
}

export interface SampleInputs {
  today: LocalDate;
  customers: SampleCustomer[];
  /** The organisation's settings (organisation.settings), as stored. */
  orgSettings: Record<string, unknown>;
  documentSettings: (c: SampleCustomer) => DocumentSettings;
  sender: Sender;
  /** The From line of the emails. */
  from: string;
  /** The email input for one level, as the dispatcher would build it. */
  email: (c: SampleCustomer, template: string) => MessageInput;
}

export interface Sample {
  /** Deterministic file stem, e.g. "email-reminder-1-us", "letter-final-demand-nz". */
  name: string;
  title: string;
  customer: string;
  kind: 'email' | 'pdf';
  /** Emails: the From and To lines a mail client shows. */
  from?: string;
  to?: string;
  /** Emails: the subject line. */
  subject?: string;
  /** Emails: the HTML body. */
  html?: string;
  /** Emails: the plain-text body. */
  text?: string;
  /** Letters and statements: the PDF bytes. */
  pdf?: Buffer;
}

const TODAY: LocalDate = '2026-05-12';

function invoice(number: string, issueDate: LocalDate, dueDate: LocalDate, currency: string, totalMinor: number, balanceMinor: number, payUrl?: string): DocInvoice {
  return { id: `sample-${number}`, number, issueDate, dueDate, currency, totalMinor, balanceMinor, status: balanceMinor === 0 ? 'paid' : 'open', ...(payUrl ? { payUrl } : {}) };
}

/** The one place that builds the renderers' inputs. */
export function sampleInputs(): SampleInputs {
  const orgSettings: Record<string, unknown> = {
    sender: { company: 'Northwind Supply Co', name: 'Cole Lector', email: 'ar@northwind.example', phone: '+1 312 555 0100', address: '100 Market St, Chicago, IL 60601, United States' },
    documents: {
      letterhead: { name: 'Northwind Supply Co', address: '100 Market St; Chicago, IL 60601; United States', phone: '+1 312 555 0100', email: 'ar@northwind.example', website: 'northwind.example', registration: 'EIN 36-1234567' },
      collector: { title: 'Credit Manager', phone: '+1 312 555 0199' },
      payment: { bankDetails: ['First Lake Bank, Chicago', 'Routing 071000013', 'Account 123456789', 'SWIFT FLBKUS44'], instructions: 'Please quote the invoice numbers with your payment.' },
      agency: { name: 'Southwest Recovery', email: 'referrals@swrecovery.example' },
    },
  };
  const settings = resolveDocumentSettings({ name: 'Northwind Supply', settings: orgSettings });
  // as the email channel reads it: the organisation's settings.sender
  const from = 'Northwind Supply Co <ar@northwind.example>';
  const sender: Sender = senderOf({ name: 'Northwind Supply', settings: orgSettings } as unknown as OrganisationDoc, from);

  const us: SampleCustomer = {
    key: 'us',
    label: 'US customer (USD, pay links)',
    party: { name: 'Harbor Fittings Inc.', addressLines: ['2200 Alaskan Way', 'Seattle, WA 98121', 'United States'], attention: 'Dana Whitfield, Controller', reference: 'HARBOR-0042' },
    recipientName: 'Dana Whitfield',
    emailAddress: 'dana@harborfittings.example',
    invoices: [
      invoice('INV-1041', '2026-01-20', '2026-02-19', 'USD', 482_000, 482_000, 'https://connect.intuit.example/pay/INV-1041'),
      invoice('INV-1068', '2026-02-16', '2026-03-18', 'USD', 1_275_050, 775_050, 'https://connect.intuit.example/pay/INV-1068'),
      invoice('INV-1090', '2026-03-10', '2026-04-09', 'USD', 96_500, 96_500, 'https://connect.intuit.example/pay/INV-1090'),
      invoice('INV-1012', '2025-12-01', '2025-12-31', 'USD', 210_000, 0),
    ],
  };
  us.invoices[3] = { ...us.invoices[3]!, paidDate: '2026-03-02' };
  const nz: SampleCustomer = {
    key: 'nz',
    label: 'New Zealand customer (NZD, remittance details)',
    party: { name: 'Kōwhai Orchard Supplies Ltd', addressLines: ['14 Queen Street', 'Auckland 1010', 'New Zealand'], attention: 'Aroha Ngata, Accounts Payable', reference: 'KOWHAI-0117' },
    recipientName: 'Aroha Ngata',
    emailAddress: 'ap@kowhai-orchard.example',
    invoices: [
      invoice('INV-2003', '2026-02-02', '2026-03-04', 'NZD', 318_900, 318_900),
      invoice('INV-2019', '2026-03-01', '2026-03-31', 'NZD', 144_250, 144_250),
    ],
  };
  const customers = [us, nz];

  // The customer's country decides the paper and the date style (src/documents/settings.ts forCountry), as the
  // letters, statements and the email channel resolve them.
  const countryOf = (c: SampleCustomer): string => (c.key === 'nz' ? 'NZ' : 'US');
  const documentSettings = (c: SampleCustomer): DocumentSettings => resolveDocumentSettings({ name: 'Northwind Supply', settings: orgSettings }, { country: countryOf(c) });

  const email = (c: SampleCustomer, template: string): MessageInput => {
    // The courtesy email is about invoices coming due; the others about past-due ones.
    const comingDue = template === 'courtesy';
    const chosen = comingDue
      ? c.invoices.filter((i) => i.status === 'open').slice(-1).map((i) => ({ ...i, dueDate: '2026-05-19' }))
      : pastDue(c.invoices, TODAY);
    const invoices = chosen.map((i) => ({
      number: i.number,
      issueDate: i.issueDate,
      dueDate: i.dueDate,
      currency: i.currency,
      totalMinor: i.totalMinor,
      balanceMinor: i.balanceMinor,
      daysPastDue: daysPastDue(i.dueDate, TODAY),
      payUrl: i.payUrl,
    }));
    const level = EMAIL_LEVELS.indexOf(template as (typeof EMAIL_LEVELS)[number]);
    return {
      template,
      customerName: c.party.name,
      recipientName: c.recipientName,
      invoices,
      totals: balances(chosen),
      sender,
      today: TODAY,
      personalGuarantee: false,
      previousContacts: Math.max(0, level),
      // As the email channel passes them: the date style of the customer's country, the recipient's role, and how
      // to pay without a link (the organisation's remittance details, the reference to quote).
      locale: documentSettings(c).locale,
      recipientRole: c.key === 'nz' ? 'ap' : 'controller',
      remittance: { bankDetails: settings.payment.bankDetails, instructions: settings.payment.instructions, reference: c.party.reference ?? c.party.name },
    };
  };

  return { today: TODAY, customers, orgSettings, documentSettings, sender, from, email };
}

/** Renders the whole set, in a fixed order with deterministic names. */
export async function renderSamples(inputs: SampleInputs = sampleInputs()): Promise<Sample[]> {
  const out: Sample[] = [];
  for (const c of inputs.customers) {
    for (const level of EMAIL_LEVELS) {
      const r = renderMessage(inputs.email(c, level));
      if (!r.ok) throw new Error(`email ${level} for ${c.key}: ${r.problem}`);
      out.push({ name: `email-${level}-${c.key}`, title: `Email, ${level}`, customer: c.label, kind: 'email', from: inputs.from, to: `${c.recipientName} <${c.emailAddress}>`, subject: r.rendered.subject, html: r.rendered.html, text: r.rendered.text });
    }
    for (const kind of LETTERS) {
      const letter = await buildLetter({ kind, settings: inputs.documentSettings(c), customer: c.party, invoices: c.invoices, sentDate: inputs.today });
      out.push({ name: `letter-${kind}-${c.key}`, title: `Letter, ${kind}`, customer: c.label, kind: 'pdf', pdf: letter.pdf });
    }
    const statement = await buildStatement({ settings: inputs.documentSettings(c), customer: c.party, invoices: c.invoices, asOf: inputs.today });
    out.push({ name: `statement-${c.key}`, title: 'Statement of account', customer: c.label, kind: 'pdf', pdf: statement.pdf });
  }
  return out;
}

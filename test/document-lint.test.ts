// The document linter (src/documents/lint.ts) over everything a customer or a
// colleague reads: every customer template (emails, and the emails that carry the
// letters) × level × locale × state, the letters' PDFs as text, and the Slack
// texts (the rep nudge and the audit sentences its "What was tried" shows).
// States: on hold or not, small balance (no agency, no hold ahead), one or many
// invoices, one or many currencies, a recipient of each role (a missing role's
// fallback among them), with and without pay links, remittance and sender details.
import { ENGINE_ACTION_KINDS, sentSentence, type Wording } from '../src/engine/index.js';
import { TEMPLATE_CATALOGUE } from '../src/engine/templates.js';
import { renderMessage } from '../src/email/render.js';
import { CUSTOMER_TEMPLATES, type MessageInput, type MessageInvoice, type Sender } from '../src/email/templates.js';
import { buildLetter } from '../src/documents/letter.js';
import { htmlText, lintText, type LintFacts, type LintProblem } from '../src/documents/lint.js';
import { forCountry, resolveDocumentSettings, type LetterKind } from '../src/documents/settings.js';
import type { DocInvoice } from '../src/documents/model.js';
import { nudgeMessage, suggestedScript, type NudgeSnapshot } from '../slack/blocks/nudge.js';
import { pdfText } from './documents.helpers.js';
import { customerPageUrl } from '../src/crypto/customer-link.js';

const TODAY = '2025-05-22';

/** A customer page link as the email channel mints it (src/crypto/customer-link.ts). */
const PAGE_URL = customerPageUrl('https://overdue.example.com', Buffer.alloc(32, 9), { orgId: 'org-64b7f1c2a9e4b3d2c1f0a9e8', customerId: 'xero:3f2504e0-4f89-41d3-9a0c-0305e82c3301:9a8b7c6d-1111-2222-3333-444455556666', issuedAt: new Date('2025-05-22T09:00:00Z') });

/** The wordings a ladder can give: the default ladder's, on hold, a ladder without holds, and the small-balance track. */
const WORDINGS: readonly Wording[] = [
  { agency: true, hold: 'possible' },
  { agency: true, hold: 'on-hold' },
  { agency: true, hold: 'none' },
  { agency: false, hold: 'possible' },
  { agency: false, hold: 'on-hold' },
  { agency: false, hold: 'none' }, // the small-balance track
];

const LOCALES = ['en-US', 'en-NZ', 'en-GB'] as const;

const emailInvoice = (n: number, currency: string, minor: number, pay: boolean): MessageInvoice => ({
  number: `INV-${2000 + n}`,
  issueDate: '2025-02-01',
  dueDate: '2025-03-03',
  currency,
  totalMinor: minor + 1_000,
  balanceMinor: minor,
  daysPastDue: 80,
  ...(pay ? { payUrl: `https://pay.example/INV-${2000 + n}` } : {}),
});

const INVOICE_SETS: Record<string, (pay: boolean) => MessageInvoice[]> = {
  one: (pay) => [emailInvoice(1, 'USD', 6_400, pay)],
  many: (pay) => [emailInvoice(1, 'USD', 120_000, pay), emailInvoice(2, 'USD', 45_050, pay), emailInvoice(3, 'USD', 9_900, pay)],
  currencies: (pay) => [emailInvoice(1, 'USD', 120_000, pay), emailInvoice(2, 'NZD', 45_050, pay), emailInvoice(3, 'EUR', 9_900, pay)],
};

const SENDERS: Record<string, Sender> = {
  full: { company: 'Northwind Supply Co.', name: 'Cole Lector', email: 'ar@northwind.example', phone: '+1 312 555 0100', address: '100 Market St, Chicago, IL 60601.' },
  bare: { company: 'Northwind Supply Co.', name: '', email: 'ar@northwind.example', phone: '', address: '' },
  none: { company: 'Northwind Supply Co.', email: 'ar@northwind.example' },
};

/** The roles a customer email may reach, a missing role's fallbacks among them. */
const ROLES = ['billing', 'ap', 'ap_manager', 'controller', 'cfo'] as const;

function totalsOf(invoices: readonly MessageInvoice[]): Record<string, number> {
  const t: Record<string, number> = {};
  for (const i of invoices) t[i.currency] = (t[i.currency] ?? 0) + i.balanceMinor;
  return t;
}

function report(found: Map<string, { count: number; example: string }>, label: string, problems: readonly LintProblem[]): void {
  for (const p of problems) {
    const key = `${p.rule}: ${p.at}`;
    const seen = found.get(key);
    if (seen) seen.count++;
    else found.set(key, { count: 1, example: label });
  }
}

function summary(found: Map<string, { count: number; example: string }>): string[] {
  return [...found.entries()].map(([k, v]) => `${k} (×${v.count}, e.g. ${v.example})`);
}

describe('the document linter', () => {
  it('finds what it is for in a text made to fail', () => {
    const facts: LintFacts = { agency: false, hold: 'on-hold', payLinks: false, recipientRole: 'billing' };
    const bad = [
      'Dear {recipient}, your balance of undefined is NaN.',
      'Thank you, Northwind Supply Co.. Call Cole Lector , +1 312 555 0100.',
      'Total: 0.00 USD',
      'Account: 3f2504e0-4f89-41d3-9a0c-0305e82c3301 and 64b7f1c2a9e4b3d2c1f0a9e8',
      "Slack nudge 'rep-call' stored for Sam",
      'the account will be referred to a collection agency',
      'the account may be placed on credit hold',
      'Each invoice below has a link to pay online.',
      'our reminders to your accounts payable team have not been answered',
      'How to pay\nPlease quote INV-2003',
    ].join('\n');
    const rules = new Set(lintText(bad, facts).map((p) => p.rule));
    expect([...rules].sort()).toEqual(
      [
        'unresolved placeholder',
        'double punctuation',
        'space before punctuation',
        'zero demand',
        'GUID or database id',
        'template id',
        'agency wording without an agency referral ahead',
        'hold named as possible while on hold',
        'pay-online sentence without a link',
        'tells the AP team their own team did not answer',
        'empty How to pay',
      ].sort(),
    );
    expect(lintText('Northwind Supply Co., Inc. owes $1,200.00; paid $0.00 of it. Total: 1,200.00 USD', { agency: true, hold: 'possible', payLinks: true })).toEqual([]);
  });

  it('passes every customer email, text and HTML, in every template × locale × state', () => {
    const found = new Map<string, { count: number; example: string }>();
    let rendered = 0;
    expect([...TEMPLATE_CATALOGUE.email, ...TEMPLATE_CATALOGUE.letter].every((t) => CUSTOMER_TEMPLATES.includes(t))).toBe(true);
    for (const template of CUSTOMER_TEMPLATES) {
      for (const locale of LOCALES) {
        for (const wording of WORDINGS) {
          for (const [setName, set] of Object.entries(INVOICE_SETS)) {
            for (const pay of [true, false]) {
              for (const role of ROLES) {
                {
                  {
                    // the sender's details and the count of earlier contacts rotate, so each value meets each template and state
                    const senderName = Object.keys(SENDERS)[rendered % 3] ?? 'full';
                    const sender = SENDERS[senderName] ?? SENDERS['full']!;
                    const previousContacts = [0, 4][Math.floor(rendered / 3) % 2] ?? 0;
                    const invoices = set(pay);
                    const input: MessageInput = {
                      template,
                      customerName: 'Acme Industrial Inc.',
                      recipientName: role === 'billing' ? 'Bea Billing' : 'Ann Lee',
                      invoices,
                      totals: totalsOf(invoices),
                      sender,
                      today: TODAY,
                      responseBy: '2025-06-05',
                      personalGuarantee: previousContacts > 0,
                      previousContacts,
                      wording,
                      recipientRole: role,
                      locale,
                      // Every other email carries the customer's page link (a real signed token, with its base64url).
                      ...(rendered % 2 === 0 ? { customerPageUrl: PAGE_URL } : {}),
                    };
                    const r = renderMessage(input);
                    if (!r.ok) throw new Error(r.problem);
                    rendered++;
                    const facts: LintFacts = { ...wording, payLinks: pay, recipientRole: role };
                    const label = `${template} ${locale} ${JSON.stringify(wording)} ${setName} pay=${pay} ${role} sender=${senderName} prev=${previousContacts}`;
                    report(found, label, lintText(`${r.rendered.subject}\n${r.rendered.text}`, facts));
                    report(found, `${label} (HTML)`, lintText(htmlText(r.rendered.html), facts));
                  }
                }
              }
            }
          }
        }
      }
    }
    expect(rendered).toBe(CUSTOMER_TEMPLATES.length * LOCALES.length * WORDINGS.length * 3 * 2 * ROLES.length);
    expect(summary(found)).toEqual([]);
  });

  it('passes every letter PDF (written warning, final demand) in each country × state', async () => {
    const found = new Map<string, { count: number; example: string }>();
    const org = (payment: Record<string, unknown>) => ({
      name: 'Northwind Supply Co.',
      settings: {
        sender: { company: 'Northwind Supply Co.', name: 'Cole Lector', email: 'ar@northwind.example', phone: '+1 312 555 0100', address: '100 Market St; Chicago, IL 60601' },
        documents: { payment, agency: { name: 'Southwest Recovery' } },
      },
    });
    const PAYMENTS: Record<string, Record<string, unknown>> = {
      'links+bank': { bankDetails: ['First Lake Bank', 'Account 123456789'] },
      links: {},
      bank: { bankDetails: ['First Lake Bank', 'Account 123456789'], payLinks: false },
      neither: { payLinks: false },
    };
    const doc = (n: number, currency: string, minor: number): DocInvoice => ({
      id: `id-${n}`, number: `INV-${2000 + n}`, issueDate: '2025-02-01', dueDate: '2025-03-03', currency, totalMinor: minor, balanceMinor: minor, status: 'open', payUrl: `https://pay.example/INV-${2000 + n}`,
    });
    const SETS: Record<string, DocInvoice[]> = {
      one: [doc(1, 'USD', 120_000)],
      many: [doc(1, 'USD', 120_000), doc(2, 'USD', 45_050), doc(3, 'USD', 9_900)],
      currencies: [doc(1, 'USD', 120_000), doc(2, 'NZD', 45_050)],
    };
    const kinds: LetterKind[] = ['written-warning', 'final-demand'];
    const countries = ['US', 'NZ', 'GB'];
    const setNames = Object.keys(SETS);
    const payNames = Object.keys(PAYMENTS);
    let n = 0;
    for (const kind of kinds) {
      for (const country of countries) {
        for (const wording of WORDINGS) {
          // the other dimensions rotate, so each value meets each kind, country and wording
          const setName = setNames[n % setNames.length] ?? 'one';
          const payName = payNames[n % payNames.length] ?? 'links';
          const attention = n % 2 === 0 ? 'Ann Lee, CFO' : undefined; // without: a missing role, "Dear Sir or Madam"
          n++;
          const settings = forCountry(resolveDocumentSettings(org(PAYMENTS[payName] ?? {})), country);
          const letter = await buildLetter({
            kind,
            settings,
            customer: { name: 'Acme Industrial Inc.', addressLines: ['1 Main St', 'Springfield'], reference: 'ACME-001', ...(attention ? { attention } : {}) },
            invoices: SETS[setName] ?? [],
            sentDate: TODAY,
            deadline: '2025-06-05',
            wording,
            ...(n % 2 === 0 ? { customerPageUrl: PAGE_URL } : {}),
          });
          const text = await pdfText(letter.pdf);
          const payLinks = payName === 'links+bank' || payName === 'links';
          report(found, `${kind} ${country} ${JSON.stringify(wording)} ${setName} ${payName}`, lintText(text, { ...wording, payLinks }));
        }
      }
    }
    expect(summary(found)).toEqual([]);
  }, 120_000);

  it('passes the Slack texts: the rep nudge and every audit sentence its "What was tried" shows', () => {
    const found = new Map<string, { count: number; example: string }>();
    const person = { name: 'Bea Billing', email: 'bea@acme.example', role: 'billing' };
    const inputs: Record<(typeof ENGINE_ACTION_KINDS)[number], Parameters<typeof sentSentence>[0]> = {
      email: { kind: 'email', template: 'reminder-2', to: person, cc: [{ name: 'Al Payable' }] },
      letter: { kind: 'letter', letter: 'finalDemand', to: person, responseBy: '2025-06-05' },
      slackNudge: { kind: 'slackNudge', template: 'rep-call', to: 'salesRep', person: { name: 'Sam Rep' } },
      task: { kind: 'task', task: 'find-contact', assignee: 'collector', person: null },
      creditHold: { kind: 'creditHold' },
      agencyReferral: { kind: 'agencyReferral' },
      writeOffSuggestion: { kind: 'writeOffSuggestion' },
    };
    const touches = ENGINE_ACTION_KINDS.map((k) => ({ at: '2025-05-20', what: sentSentence(inputs[k], { result: {} }) }));
    for (const t of [...TEMPLATE_CATALOGUE.email, ...TEMPLATE_CATALOGUE.slackNudge]) {
      touches.push({ at: '2025-05-21', what: sentSentence({ kind: 'email', template: t, to: person, cc: [] }, { result: {} }) });
    }
    for (const buyer of [{ name: 'Bea Billing', role: 'Billing', phone: '+1 555 0100' }, null]) {
      const base = {
        rep: { name: 'Sam Rep', email: 'sam@northwind.example' },
        buyer,
        invoices: [{ id: 'i1', number: 'INV-2001', dueDate: '2025-03-03', daysPastDue: 80, currency: 'USD', balanceMinor: 120_000 }],
        oldestDays: 80,
        totals: { USD: 120_000 },
      };
      const s: NudgeSnapshot = { ...base, taskId: 't1', customerId: 'c1', accountName: 'Acme Industrial Inc.', levelName: 'rep call', touches, script: suggestedScript(base, 'Northwind Supply Co.') };
      const m = nudgeMessage(s);
      // every string in the message's blocks, as Slack shows them
      const texts: string[] = [m.text];
      const walk = (x: unknown): void => {
        if (typeof x !== 'object' || x === null) return;
        if ('type' in x && (x.type === 'mrkdwn' || x.type === 'plain_text') && 'text' in x && typeof x.text === 'string') texts.push(x.text);
        for (const v of Object.values(x)) walk(v);
      };
      walk(m.blocks);
      // Slack shows &lt; &gt; &amp; as the characters they stand for
      report(found, `nudge buyer=${buyer ? 'yes' : 'none'}`, lintText(htmlText(texts.join('\n')), { agency: true, hold: 'possible', payLinks: true }));
    }
    expect(summary(found)).toEqual([]);
  });
});

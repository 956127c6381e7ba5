// The customer's page, as HTML (docs/customer-page.md): the organisation's letterhead (name, logo, address), the
// statement of open invoices with their pay links, how to pay (src/documents/how-to-pay.ts, as the letters say
// it), and the three forms. Built with the console's escaping templates (app/console/html.ts); no script.
import { html, raw, type Html } from '../console/html.js';
import { daysPastDue, formatAmount, formatDate } from '../../src/documents/format.js';
import { howToPayFacts } from '../../src/documents/how-to-pay.js';
import type { DocumentSettings } from '../../src/documents/settings.js';
import { toDocInvoice } from '../../src/documents/load.js';
import { collectorLines } from '../../src/documents/letter.js';
import type { CustomerDoc, InvoiceDoc } from '../../src/store/types.js';

export const PAGE_CSS_PATH = '/c-assets/page.css';

export const PAGE_CSS = `
:root { --ink: #1b1f24; --muted: #4a5360; --line: #c9ced6; --accent: #0b5cad; --band: #f3f5f8; --bad: #a3161a; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #fff; }
a { color: var(--accent); }
a:focus, button:focus, input:focus, select:focus, textarea:focus { outline: 3px solid #f5a700; outline-offset: 2px; }
header.letterhead { display: flex; gap: 1rem; align-items: center; padding: 1rem 1.5rem; background: var(--band); border-bottom: 1px solid var(--line); }
header.letterhead img { max-height: 3.5rem; max-width: 12rem; }
header.letterhead p { margin: 0; }
.org { font-weight: 700; font-size: 1.15rem; }
.muted { color: var(--muted); }
main { padding: 1rem 1.5rem 3rem; max-width: 60rem; }
h1 { font-size: 1.6rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .5rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { text-align: left; padding: .35rem .75rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--band); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; white-space: pre-line; }
form.answer { border: 1px solid var(--line); padding: .75rem 1rem; margin: .5rem 0 1.5rem; max-width: 36rem; }
form.answer div { display: flex; flex-direction: column; margin: 0 0 .75rem; }
label { font-weight: 600; font-size: .95rem; }
input, select, button, textarea { font: inherit; padding: .3rem .5rem; }
button { background: var(--accent); color: #fff; border: 1px solid var(--accent); border-radius: 3px; cursor: pointer; align-self: flex-start; }
.error { color: var(--bad); font-weight: 600; margin: .25rem 0 0; }
.notice { border-left: 4px solid var(--accent); background: var(--band); padding: .5rem 1rem; }
`;

export interface PageView {
  lang: string;
  title: string;
  settings: DocumentSettings;
  body: Html;
}

function logoOf(settings: DocumentSettings): Html {
  const logo = settings.letterhead.logo;
  if (!logo || logo.length === 0) return html``;
  const type = logo[0] === 0x89 ? 'image/png' : logo[0] === 0xff ? 'image/jpeg' : null;
  if (!type) return html``;
  return html`<img src="${`data:${type};base64,${logo.toString('base64')}`}" alt="">`;
}

/** The page: letterhead, then the main content. */
export function page(v: PageView): string {
  const lh = v.settings.letterhead;
  return html`<!doctype html>
<html lang="${v.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${v.title} — ${lh.name}</title>
<link rel="stylesheet" href="${PAGE_CSS_PATH}">
</head>
<body>
<header class="letterhead">${logoOf(v.settings)}<div><p class="org">${lh.name}</p>${lh.addressLines.length > 0 ? html`<p class="muted">${lh.addressLines.join(', ')}</p>` : ''}</div></header>
<main>
<h1>${v.title}</h1>
${v.body}
</main>
</body>
</html>
`.text;
}

/** A page for a link that does not work: what happened and whom to contact; never a stack trace. */
export function refusalPage(lang: string, settings: DocumentSettings, title: string, explanation: string): string {
  const contact = settings.collector.email ?? settings.letterhead.email;
  return page({
    lang, settings, title,
    body: html`<p>${explanation}</p><p>Please contact ${contact ? html`<a href="mailto:${contact}">${contact}</a>, who sent you this link,` : 'the person who sent you this link'} and ask for a new one.</p>`,
  });
}

export type Field = 'promiseDate' | 'promiseAmount' | 'paidDate' | 'paidAmount' | 'paidReference' | 'disputeInvoice' | 'disputeReason' | 'disputeText';

export interface FormState {
  values: Partial<Record<Field, string>>;
  errors: Partial<Record<Field, string>>;
}

export const DISPUTE_REASONS: readonly { value: string; label: string }[] = [
  { value: 'not-received', label: 'Goods or services not received' },
  { value: 'wrong-amount', label: 'Wrong amount or price' },
  { value: 'quality', label: 'Damaged or not as ordered' },
  { value: 'already-credited', label: 'Already credited or cancelled' },
  { value: 'duplicate', label: 'Invoiced twice' },
  { value: 'other', label: 'Something else' },
];

export interface StatementView {
  token: string;
  csrf: string;
  customer: CustomerDoc;
  invoices: InvoiceDoc[];
  settings: DocumentSettings;
  today: string;
  /** The last day a promise may name (the policy's input horizon). */
  latestPromise: string;
  currency: string;
  owedMinor: number;
  form: FormState;
}

function input(id: Field, label: string, attrs: Html, f: FormState, hint?: string): Html {
  const err = f.errors[id];
  const described = [hint ? `${id}-hint` : '', err ? `${id}-error` : ''].filter((x) => x !== '').join(' ');
  return html`<div><label for="${id}">${label}</label>${hint ? html`<span class="muted" id="${id}-hint">${hint}</span>` : ''}<input id="${id}" name="${id}" ${attrs} value="${f.values[id] ?? ''}"${described ? html` aria-describedby="${described}"` : ''}${err ? raw(' aria-invalid="true"') : ''}>${err ? html`<p class="error" id="${id}-error">${err}</p>` : ''}</div>`;
}

/** The statement and the three forms. */
export function statementBody(v: StatementView): Html {
  const s = v.settings;
  const locale = s.locale;
  const f = v.form;
  const rows = v.invoices.map((i) => {
    const late = daysPastDue(i.dueDate, v.today);
    return html`<tr><th scope="row">${i.number}</th><td>${formatDate(i.issueDate, locale, 'medium')}</td><td>${formatDate(i.dueDate, locale, 'medium')}</td><td class="num">${late > 0 ? String(late) : '—'}</td><td class="num">${formatAmount(i.balanceMinor, i.currency, locale)}</td><td>${s.payment.payLinks && i.payUrl ? html`<a href="${i.payUrl}">Pay invoice ${i.number} online</a>` : ''}</td></tr>`;
  });
  const totals = new Map<string, number>();
  for (const i of v.invoices) totals.set(i.currency, (totals.get(i.currency) ?? 0) + i.balanceMinor);
  const reference = v.customer.accountNumber?.trim() || v.customer.displayName;
  const howToPay = howToPayFacts(v.invoices.map((i) => toDocInvoice(i)), s, reference);
  const action = (kind: string) => `/c/${v.token}/${kind}`;
  const csrf = html`<input type="hidden" name="_csrf" value="${v.csrf}">`;
  const reasonErr = f.errors.disputeReason;
  const invoiceErr = f.errors.disputeInvoice;
  const textErr = f.errors.disputeText;
  const legal = v.customer.legalName && v.customer.legalName !== v.customer.displayName ? html` (${v.customer.legalName})` : '';
  return html`<p>Statement for <strong>${v.customer.displayName}</strong>${legal}${v.customer.accountNumber ? html` (account ${v.customer.accountNumber})` : ''}, as of ${formatDate(v.today, locale)}.</p>
${v.invoices.length === 0
    ? html`<p class="notice">Nothing is open on your account. Thank you.</p>`
    : html`<table><caption>Open invoices</caption><thead><tr><th scope="col">Invoice</th><th scope="col">Date</th><th scope="col">Due</th><th scope="col" class="num">Days late</th><th scope="col" class="num">Open balance</th><th scope="col">Pay</th></tr></thead>
<tbody>${rows}</tbody>
<tfoot>${[...totals].map(([c, m]) => html`<tr><th scope="row" colspan="4">Total ${c}</th><td class="num">${formatAmount(m, c, locale)}</td><td></td></tr>`)}</tfoot></table>`}
<h2>How to pay</h2>
<dl class="facts">${howToPay.map(([k, t]) => html`<dt>${k}</dt><dd>${t}</dd>`)}</dl>
${v.invoices.length === 0 ? '' : html`<h2 id="promise">I'll pay on…</h2>
<form class="answer" method="post" action="${action('promise')}" aria-labelledby="promise">${csrf}
${input('promiseDate', 'Date you will pay', html`type="date" required min="${v.today}" max="${v.latestPromise}"`, f, `A date from today up to ${v.latestPromise}.`)}
${input('promiseAmount', `Amount (${v.currency})`, html`type="text" inputmode="decimal" required autocomplete="off"`, f)}
<button type="submit">Send my promise</button></form>
<h2 id="paid">I've already paid</h2>
<form class="answer" method="post" action="${action('paid')}" aria-labelledby="paid">${csrf}
${input('paidDate', 'Date you paid', html`type="date" required max="${v.today}"`, f)}
${input('paidAmount', `Amount (${v.currency})`, html`type="text" inputmode="decimal" required autocomplete="off"`, f)}
${input('paidReference', 'Payment reference (optional)', html`type="text" maxlength="200" autocomplete="off"`, f)}
<button type="submit">Tell us you paid</button></form>
<h2 id="dispute">I dispute this invoice</h2>
<form class="answer" method="post" action="${action('dispute')}" aria-labelledby="dispute">${csrf}
<div><label for="disputeInvoice">Invoice</label><select id="disputeInvoice" name="disputeInvoice" required${invoiceErr ? html` aria-describedby="disputeInvoice-error" aria-invalid="true"` : ''}>${v.invoices.map((i) => html`<option value="${i.number}"${f.values.disputeInvoice === i.number ? raw(' selected') : ''}>${i.number} (${formatAmount(i.balanceMinor, i.currency, locale)})</option>`)}</select>${invoiceErr ? html`<p class="error" id="disputeInvoice-error">${invoiceErr}</p>` : ''}</div>
<div><label for="disputeReason">Reason</label><select id="disputeReason" name="disputeReason" required${reasonErr ? html` aria-describedby="disputeReason-error" aria-invalid="true"` : ''}>${DISPUTE_REASONS.map((r) => html`<option value="${r.value}"${f.values.disputeReason === r.value ? raw(' selected') : ''}>${r.label}</option>`)}</select>${reasonErr ? html`<p class="error" id="disputeReason-error">${reasonErr}</p>` : ''}</div>
<div><label for="disputeText">What is wrong</label><textarea id="disputeText" name="disputeText" rows="4" maxlength="500" required${textErr ? html` aria-describedby="disputeText-error" aria-invalid="true"` : ''}>${f.values.disputeText ?? ''}</textarea>${textErr ? html`<p class="error" id="disputeText-error">${textErr}</p>` : ''}</div>
<button type="submit">Send my dispute</button></form>`}
<h2>Your contact</h2>
<p>${collectorLines(s).join(' · ')}</p>`;
}

export const CONFIRMATIONS: Readonly<Record<'promise' | 'paid' | 'dispute', { title: string; text: string }>> = {
  promise: { title: 'Thank you: your promise is recorded', text: 'We have recorded the date you will pay. We will not send reminders before then, and your contact has been told.' },
  paid: { title: 'Thank you: we will check your payment', text: 'We have told your contact that you have paid. We pause reminders while we match your payment.' },
  dispute: { title: 'Thank you: your dispute is recorded', text: 'We have recorded your dispute and paused reminders about that invoice. Your contact will be in touch.' },
};

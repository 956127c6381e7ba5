// The demo's report, from the run's facts: the per-account timeline (HTML and
// Markdown, from the audit trail plus the payments the customers made), the
// summary (accounts by final state, DSO before and after, amounts collected per
// level) and a rendered preview of the Slack messages. Pure: facts in, file
// contents out; scripts/demo/index.ts writes them.
import { timelineRowOf, timeOf, type TimelineRow } from '../../src/documents/timeline.js';
import type { AuditEntryDoc } from '../../src/store/types.js';
import { decimal, ORG, USD_RATES } from './scenario.js';
import type { AccountFacts, DemoFacts, SlackFact } from './run.js';

/** An account's page in the web console, under the run's PUBLIC_BASE_URL (the report links every account to it). */
export function consoleHref(base: string, customerId: string): string {
  return `${base.replace(/\/$/, '')}/console/accounts/${encodeURIComponent(customerId)}`;
}

export type { TimelineRow };

/** The report's file name of an archived letter: `<letter>-<account>-<sent date>.pdf`. */
export function archivedLetterName(letter: string, account: string, sentDate: string): string {
  return `${letter}-${account}-${sentDate}.pdf`;
}

/** The archived copy a `document.sent` audit entry names (its file name is `<letter>-<date>.pdf`), if any. */
function archivedCopyOf(e: AuditEntryDoc, account: string): string | undefined {
  const m = e.action === 'document.sent' ? /^(.+)-(\d{4}-\d{2}-\d{2})\.pdf$/.exec(String(e.details?.['filename'] ?? '')) : null;
  return m?.[1] && m[2] ? `documents/${archivedLetterName(m[1], account, m[2])}` : undefined;
}


/** One account's timeline: every audit entry but the queueing, and the payments, in time order. */
export function timelineRows(a: AccountFacts, facts: Pick<DemoFacts, 'payments' | 'timeZone'>): TimelineRow[] {
  const rows: { at: number; row: TimelineRow }[] = [];
  for (const e of a.audit) {
    const row = timelineRowOf(e, facts.timeZone);
    const document = archivedCopyOf(e, a.spec.key);
    if (row) rows.push({ at: e.at.getTime(), row: document !== undefined ? { ...row, document } : row });
  }
  for (const p of facts.payments.filter((x) => x.account === a.spec.key)) {
    rows.push({
      at: new Date(p.at).getTime(),
      row: { date: p.date, time: timeOf(new Date(p.at), facts.timeZone), action: 'payment received', channel: 'platform', who: a.spec.name, detail: `${decimal(p.amountMinor)} ${p.currency} on ${p.invoice} (${p.note}; level ${p.level})` },
    });
  }
  return rows.sort((x, y) => x.at - y.at || 0).map((r) => r.row);
}

// ------------------------------------------------------------------ summary

export interface AccountSummary {
  key: string;
  name: string;
  platform: string;
  currency: string;
  story: string;
  finalState: string;
  invoicedMinor: number;
  collectedMinor: number;
  openMinor: number;
  emails: number;
  slackNudges: number;
}

export function finalState(a: AccountFacts, facts: Pick<DemoFacts, 'payments'>): string {
  const approved = (kind: string) => a.approvals.some((x) => x.kind === kind && x.status === 'approved');
  const hold = a.holds.some((h) => h.status === 'active') ? ', on credit hold' : '';
  if (approved('write_off')) return 'written off (approved)';
  if (approved('agency_referral')) return `referred to the agency (approved)${hold}`;
  const paid = facts.payments.filter((p) => p.account === a.spec.key);
  if (a.openMinor === 0 && paid.length > 0) {
    const last = paid[paid.length - 1];
    return `paid in full at level ${last?.level ?? '?'}${hold}`;
  }
  const actions = new Set(a.audit.map((e) => e.action));
  if (actions.has('dispute.recorded')) return `in dispute (ladder paused)${hold}`;
  if (actions.has('payment_plan.recorded')) return `payment plan broken, at level ${a.level}${hold}`;
  if (actions.has('promise.recorded')) return `promise broken, at level ${a.level}${hold}`;
  return `open at level ${a.level}${hold}`;
}

export function accountSummaries(facts: DemoFacts): AccountSummary[] {
  return facts.accounts.map((a) => ({
    key: a.spec.key,
    name: a.spec.name,
    platform: a.spec.provider === 'quickbooks' ? 'QuickBooks' : 'Xero',
    currency: a.spec.currency,
    story: a.spec.story,
    finalState: finalState(a, facts),
    invoicedMinor: a.spec.invoices.reduce((n, i) => n + i.amountMinor, 0),
    collectedMinor: facts.payments.filter((p) => p.account === a.spec.key).reduce((n, p) => n + p.amountMinor, 0),
    openMinor: a.openMinor,
    emails: facts.emails.filter((e) => e.account === a.spec.key).length,
    slackNudges: a.audit.filter((e) => e.action === 'slack.nudge_delivered').length,
  }));
}

const usd = (minor: number, currency: string) => Math.round(minor * (USD_RATES[currency] ?? 1));

/**
 * Days sales outstanding = receivables ÷ average daily credit sales. The seeded
 * invoices are the quarter's credit sales (90 days); amounts in other currencies
 * are converted at the demo's fixed rates.
 */
export function dso(facts: DemoFacts): { before: number; after: number; salesUsdMinor: number; arBeforeUsdMinor: number; arAfterUsdMinor: number } {
  const sales = facts.accounts.reduce((n, a) => n + a.spec.invoices.reduce((m, i) => m + usd(i.amountMinor, a.spec.currency), 0), 0);
  const arAfter = facts.accounts.reduce((n, a) => n + usd(a.openMinor, a.spec.currency), 0);
  const perDay = sales / 90;
  return { before: sales / perDay, after: arAfter / perDay, salesUsdMinor: sales, arBeforeUsdMinor: sales, arAfterUsdMinor: arAfter };
}

export function collectedPerLevel(facts: DemoFacts): { level: string; payments: number; usdMinor: number; byCurrency: Record<string, number> }[] {
  const order = ['current', 'courtesy', 'reminder-1', 'reminder-2', 'rep-call', 'collector-call', 'up-the-ladder', 'written-warning', 'final-demand', 'agency-referral'];
  const map = new Map<string, { level: string; payments: number; usdMinor: number; byCurrency: Record<string, number> }>();
  for (const p of facts.payments) {
    const row = map.get(p.level) ?? { level: p.level, payments: 0, usdMinor: 0, byCurrency: {} };
    row.payments += 1;
    row.usdMinor += usd(p.amountMinor, p.currency);
    row.byCurrency[p.currency] = (row.byCurrency[p.currency] ?? 0) + p.amountMinor;
    map.set(p.level, row);
  }
  return [...map.values()].sort((a, b) => order.indexOf(a.level) - order.indexOf(b.level));
}

const totalsText = (t: Record<string, number>) => Object.entries(t).map(([c, m]) => `${decimal(m)} ${c}`).join(' + ');

export function summaryMarkdown(facts: DemoFacts): string {
  const rows = accountSummaries(facts);
  const d = dso(facts);
  const lines = [
    `# Overdue demo: summary`,
    '',
    `${facts.days} simulated days, ${facts.start} to ${facts.end} (${ORG.timeZone}); ${facts.accounts.length} accounts; ${facts.emails.length} emails, ` +
      `${facts.slack.filter((s) => s.method === 'chat.postMessage').length} Slack messages, ${facts.people.length} people's actions, ${facts.payments.length} payments; ` +
      `wall time ${(facts.wallMs / 1000).toFixed(1)} s.`,
    '',
    '## Accounts by final state',
    '',
    '| account | platform | invoiced | collected | open at end | final state |',
    '|---|---|---:|---:|---:|---|',
    ...rows.map((r) => `| ${r.name} | ${r.platform} | ${decimal(r.invoicedMinor)} ${r.currency} | ${decimal(r.collectedMinor)} ${r.currency} | ${decimal(r.openMinor)} ${r.currency} | ${r.finalState} |`),
    '',
    '## Days sales outstanding',
    '',
    '| | receivables (USD) | DSO |',
    '|---|---:|---:|',
    `| before (${facts.start}) | ${decimal(d.arBeforeUsdMinor)} | ${d.before.toFixed(0)} days |`,
    `| after (${facts.end}) | ${decimal(d.arAfterUsdMinor)} | ${d.after.toFixed(0)} days |`,
    '',
    `DSO = receivables ÷ average daily credit sales; the seeded invoices (${decimal(d.salesUsdMinor)} USD) are the quarter's credit sales (90 days). Other currencies at fixed demo rates (${Object.entries(USD_RATES).filter(([c]) => c !== 'USD').map(([c, r]) => `${c} ${r}`).join(', ')}).`,
    '',
    '## Amounts collected per level',
    '',
    '| level when paid | payments | amount (USD) | as paid |',
    '|---|---:|---:|---|',
    ...collectedPerLevel(facts).map((r) => `| ${r.level} | ${r.payments} | ${decimal(r.usdMinor)} | ${totalsText(r.byCurrency)} |`),
    '',
    '## Returning bad payers',
    '',
    'New customers the look-alike check flagged: they resemble an account referred to the agency, written off or made prepay-only (docs/lookalike.md).',
    '',
    '| flagged | new customer | looks like | score | evidence (new / known) | decision | credit status |',
    '|---|---|---|---:|---|---|---|',
    ...lookalikeRows(facts).map((r) => `| ${r.date} | ${r.customer} | ${r.known} | ${r.score} | ${r.evidence.replace(/\|/g, '\\|')} | ${r.decision} | ${r.creditStatus} |`),
    '',
  ];
  return lines.join('\n');
}

const DECISIONS: Record<string, string> = { open: 'waiting for a manager', prepay: 'made prepay-only', dismissed: 'not the same business', credit_check: 'credit check asked for' };

/** One line per look-alike flag, for the summary. */
export function lookalikeRows(facts: Pick<DemoFacts, 'lookalikes'>): { date: string; customer: string; known: string; score: string; evidence: string; decision: string; creditStatus: string }[] {
  return facts.lookalikes.map((f) => {
    const lk = f.creditStatus['lookalike'] as { flagged?: boolean } | undefined;
    return {
      date: f.date, customer: f.customerName, known: f.knownName, score: `${f.score.toFixed(2)} (≥ ${f.threshold.toFixed(2)})`,
      evidence: f.matched.map((m) => `${m.field}: ${m.new} / ${m.known}`).join('; '),
      decision: DECISIONS[f.status] ?? f.status,
      creditStatus: `${lk?.flagged === true ? 'flagged' : 'not flagged'}${f.creditStatus['prepayOnly'] === true ? ', prepay-only' : ''}`,
    };
  });
}

// ------------------------------------------------------------------ timeline

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const mdCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function timelineMarkdown(facts: DemoFacts): string {
  const out = [summaryMarkdown(facts), '# Timeline per account', ''];
  const summaries = accountSummaries(facts);
  for (const a of facts.accounts) {
    const s = summaries.find((x) => x.key === a.spec.key);
    out.push(`## ${a.spec.name} (${s?.platform ?? ''}, ${a.spec.currency})`, '', `Story: ${a.spec.story}. Final state: **${s?.finalState ?? ''}**. [Open in the console](${consoleHref(facts.consoleBaseUrl, a.customerId)})`, '');
    out.push('| date | time | action | channel | by | details |', '|---|---|---|---|---|---|');
    for (const r of timelineRows(a, facts)) out.push(`| ${r.date} | ${r.time} | ${mdCell(r.action)} | ${r.channel} | ${mdCell(r.who)} | ${mdCell(r.detail)}${r.document !== undefined ? ` [the copy sent](${r.document})` : ''} |`);
    out.push('');
  }
  return out.join('\n');
}

const CSS = `
body{font:14px/1.45 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#1d2330;margin:0;background:#f5f6f8}
main{max-width:1180px;margin:0 auto;padding:24px 28px 60px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px}
.lede{color:#5a6272;margin:0 0 16px}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #dde1e8;border-radius:6px;overflow:hidden}
th,td{padding:6px 9px;border-bottom:1px solid #eceff3;text-align:left;vertical-align:top}
th{background:#eef1f5;font-weight:600;font-size:12px;text-transform:uppercase;letter-spacing:.03em;color:#4a5262}
td.num{text-align:right;white-space:nowrap}
.account{background:#fff;border:1px solid #dde1e8;border-radius:8px;margin:22px 0;padding:4px 16px 14px}
.account h2{margin-top:14px}.story{color:#5a6272;margin:2px 0 10px}
.state{display:inline-block;border-radius:10px;padding:1px 9px;font-size:12px;font-weight:600;background:#e8eefc;color:#2849a8}
.state.paid{background:#e3f5e8;color:#1d6b35}.state.referred{background:#fde7e7;color:#9b1c1c}.state.written{background:#f2ecfb;color:#5b2b9c}.state.dispute{background:#fff3d6;color:#8a5a00}
.account table{border:none}.account td{font-size:13px}
td.date{white-space:nowrap;color:#3b4352}td.time{color:#8a91a0;white-space:nowrap}
tr.level td{background:#f7f9fd}tr.payment td{background:#eefaf1}tr.person td{background:#fffaf0}
.chan{font-size:11px;border-radius:4px;padding:1px 5px;background:#eef1f5;color:#4a5262;white-space:nowrap}
footer{color:#8a91a0;margin-top:30px;font-size:12px}
`;

function stateClass(s: string): string {
  if (s.startsWith('paid')) return 'state paid';
  if (s.startsWith('referred')) return 'state referred';
  if (s.startsWith('written')) return 'state written';
  if (s.startsWith('in dispute')) return 'state dispute';
  return 'state';
}

function rowClass(r: TimelineRow): string {
  if (r.action === 'payment received') return 'payment';
  if (r.action === 'level changed') return 'level';
  if (r.who !== 'Overdue') return 'person';
  return '';
}

/** Markdown tables as HTML (the summary's three tables) — enough for what summaryMarkdown writes. */
function summaryHtml(facts: DemoFacts): string {
  const rows = accountSummaries(facts);
  const d = dso(facts);
  const accounts = rows
    .map((r) => `<tr><td>${esc(r.name)}</td><td>${r.platform}</td><td class="num">${decimal(r.invoicedMinor)} ${r.currency}</td><td class="num">${decimal(r.collectedMinor)} ${r.currency}</td><td class="num">${decimal(r.openMinor)} ${r.currency}</td><td><span class="${stateClass(r.finalState)}">${esc(r.finalState)}</span></td></tr>`)
    .join('');
  const levels = collectedPerLevel(facts)
    .map((r) => `<tr><td>${esc(r.level)}</td><td class="num">${r.payments}</td><td class="num">${decimal(r.usdMinor)}</td><td>${esc(totalsText(r.byCurrency))}</td></tr>`)
    .join('');
  return `
<h2>Accounts by final state</h2>
<table><tr><th>account</th><th>platform</th><th>invoiced</th><th>collected</th><th>open at end</th><th>final state</th></tr>${accounts}</table>
<h2>Days sales outstanding</h2>
<table><tr><th></th><th>receivables (USD)</th><th>DSO</th></tr>
<tr><td>before (${facts.start})</td><td class="num">${decimal(d.arBeforeUsdMinor)}</td><td class="num">${d.before.toFixed(0)} days</td></tr>
<tr><td>after (${facts.end})</td><td class="num">${decimal(d.arAfterUsdMinor)}</td><td class="num">${d.after.toFixed(0)} days</td></tr></table>
<p class="lede">DSO = receivables ÷ average daily credit sales (the seeded invoices are the quarter's credit sales); other currencies at fixed demo rates.</p>
<h2>Amounts collected per level</h2>
<table><tr><th>level when paid</th><th>payments</th><th>amount (USD)</th><th>as paid</th></tr>${levels}</table>
<h2>Returning bad payers</h2>
<p class="lede">New customers the look-alike check flagged: they resemble an account referred to the agency, written off or made prepay-only.</p>
<table><tr><th>flagged</th><th>new customer</th><th>looks like</th><th>score</th><th>evidence (new / known)</th><th>decision</th><th>credit status</th></tr>${lookalikeRows(facts)
    .map((r) => `<tr><td>${r.date}</td><td>${esc(r.customer)}</td><td>${esc(r.known)}</td><td class="num">${esc(r.score)}</td><td>${esc(r.evidence)}</td><td>${esc(r.decision)}</td><td>${esc(r.creditStatus)}</td></tr>`)
    .join('') || '<tr><td colspan="7">none</td></tr>'}</table>`;
}

export function timelineHtml(facts: DemoFacts): string {
  const summaries = accountSummaries(facts);
  const sections = facts.accounts
    .map((a) => {
      const s = summaries.find((x) => x.key === a.spec.key);
      const rows = timelineRows(a, facts)
        .map((r) => `<tr class="${rowClass(r)}"><td class="date">${r.date}</td><td class="time">${r.time}</td><td>${esc(r.action)}</td><td><span class="chan">${esc(r.channel)}</span></td><td>${esc(r.who)}</td><td>${esc(r.detail)}${r.document !== undefined ? ` <a href="${esc(r.document)}">the copy sent</a>` : ''}</td></tr>`)
        .join('\n');
      return `<section class="account" id="${esc(a.spec.key)}">
<h2>${esc(a.spec.name)} <span class="${stateClass(s?.finalState ?? '')}">${esc(s?.finalState ?? '')}</span></h2>
<p class="story">${s?.platform ?? ''} · ${esc(a.spec.invoices.map((i) => `${i.number} ${decimal(i.amountMinor)} ${a.spec.currency}`).join(', '))} · ${esc(a.spec.story)} · <a class="console" href="${esc(consoleHref(facts.consoleBaseUrl, a.customerId))}">Open in the console</a></p>
<table><tr><th>date</th><th>time</th><th>action</th><th>channel</th><th>by</th><th>details</th></tr>
${rows}
</table></section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Overdue demo: timeline</title><style>${CSS}</style></head>
<body><main>
<h1>Overdue demo: ${facts.days} days of collections</h1>
<p class="lede">${ORG.name} · ${facts.start} to ${facts.end} (${ORG.timeZone}) · ${facts.accounts.length} accounts in QuickBooks and Xero · ${facts.emails.length} emails, ${facts.slack.filter((x) => x.method === 'chat.postMessage').length} Slack messages, ${facts.people.length} people's actions, ${facts.payments.length} payments</p>
${summaryHtml(facts)}
<h2>Timeline per account</h2>
<p class="lede">From each account's audit trail (the plan's queueing left out) and the payments the customers made. Times are ${ORG.timeZone}.</p>
${sections}
<footer>Generated by <code>npm run demo</code>. Emails in emails/, letters and packets in documents/, Slack messages in slack/ and slack.html.</footer>
</main></body></html>
`;
}

// ------------------------------------------------------------------ Slack preview

/** Slack mrkdwn → HTML, the parts our messages use: *bold*, _italic_, `code`, > quotes, :emoji: names, line breaks. */
export function mrkdwn(text: string): string {
  const unslack = (l: string) => l.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  return text
    .split('\n')
    .map((raw) => {
      const quote = raw.startsWith('>');
      const l = esc(unslack(quote ? raw.slice(1) : raw))
        .replace(/\*([^*\n]+)\*/g, '<b>$1</b>')
        .replace(/(^|[\s(])_([^_\n]+)_/g, '$1<i>$2</i>')
        .replace(/`([^`\n]+)`/g, '<code>$1</code>')
        .replace(/:([a-z_+-]+):/g, '<span class="emoji">:$1:</span>');
      return quote ? `<blockquote>${l}</blockquote>` : l;
    })
    .join('<br>');
}

function textOf(t: unknown): string {
  if (typeof t === 'object' && t !== null && 'text' in t && typeof t.text === 'string') return 'type' in t && t.type === 'plain_text' ? esc(t.text) : mrkdwn(t.text);
  return '';
}

function blockHtml(b: unknown): string {
  if (typeof b !== 'object' || b === null || !('type' in b)) return '';
  switch (b.type) {
    case 'header':
      return `<div class="b-header">${'text' in b ? textOf(b.text) : ''}</div>`;
    case 'section': {
      const text = 'text' in b ? `<div>${textOf(b.text)}</div>` : '';
      const fields = 'fields' in b && Array.isArray(b.fields) ? `<div class="b-fields">${b.fields.map((f) => `<div>${textOf(f)}</div>`).join('')}</div>` : '';
      return `<div class="b-section">${text}${fields}</div>`;
    }
    case 'divider':
      return '<hr>';
    case 'context':
      return `<div class="b-context">${'elements' in b && Array.isArray(b.elements) ? b.elements.map(textOf).join(' ') : ''}</div>`;
    case 'actions':
      return `<div class="b-actions">${'elements' in b && Array.isArray(b.elements) ? b.elements.map((e) => {
        const style = typeof e === 'object' && e !== null && 'style' in e && typeof e.style === 'string' ? ` ${e.style}` : '';
        return `<span class="btn${style}">${typeof e === 'object' && e !== null && 'text' in e ? textOf(e.text) : ''}</span>`;
      }).join('') : ''}</div>`;
    default:
      return `<div class="b-other">[${esc(String(b.type))} block]</div>`;
  }
}

const SLACK_CSS = `
body{font:15px/1.46 Lato,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;background:#f8f8f8;color:#1d1c1d;margin:0}
main{max-width:760px;margin:0 auto;padding:24px}
.msg{background:#fff;border:1px solid #e2e2e2;border-radius:8px;padding:12px 16px;margin:14px 0}
.meta{font-size:12px;color:#616061;margin-bottom:6px}.meta b{color:#1d1c1d}
.b-header{font-size:18px;font-weight:900;margin:4px 0 8px}.b-section{margin:6px 0}
.b-fields{display:grid;grid-template-columns:1fr 1fr;gap:6px 18px;margin-top:6px}
.b-context{font-size:12px;color:#616061;margin:6px 0}.b-actions{margin:8px 0;display:flex;flex-wrap:wrap;gap:8px}
.btn{border:1px solid #bbb;border-radius:4px;padding:3px 12px;font-size:13px;font-weight:700;background:#fff}
.btn.primary{background:#007a5a;border-color:#007a5a;color:#fff}.btn.danger{color:#e01e5a;border-color:#e01e5a}
blockquote{border-left:4px solid #ddd;margin:4px 0;padding-left:10px;color:#454245}
hr{border:none;border-top:1px solid #eee;margin:8px 0}.emoji{color:#8a6d00}.update{border-style:dashed}
`;

export function slackHtml(posts: readonly SlackFact[], names: Readonly<Record<string, string>>): string {
  const body = posts
    .map((p) => {
      const to = names[p.channel] ?? p.channel;
      const blocks = Array.isArray(p.blocks) ? p.blocks.map(blockHtml).join('') : `<div>${mrkdwn(p.text)}</div>`;
      return `<div class="msg${p.method === 'chat.update' ? ' update' : ''}"><div class="meta"><b>Overdue</b> → ${esc(to)} · ${p.date}${p.method === 'chat.update' ? ' · message updated after someone acted' : ''}</div>${blocks}</div>`;
    })
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Overdue demo: Slack messages</title><style>${SLACK_CSS}</style></head><body><main>
<h1>Slack messages (${posts.length})</h1>
<p>Every message Overdue posted or updated in the Slack sandbox, rendered from its Block Kit JSON (slack/*.json). Buttons are drawn, not live.</p>
${body}
</main></body></html>
`;
}

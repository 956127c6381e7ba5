// The demo's scenario, shortened (seven of its ten accounts, 88 simulated days),
// end to end: the OAuth connect flows over HTTP, sync, webhooks, the worker's
// job handlers on a simulated clock, the Slack sandbox with people clicking
// signed buttons, the SMTP sink. The same code as `npm run demo`
// (scripts/demo/run.ts); here the outcomes per account are asserted.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeReport } from '../scripts/demo/output.js';
import { runDemo, type AccountFacts, type DemoFacts, type EmailFact } from '../scripts/demo/run.js';
import { consoleHref, finalState, summaryMarkdown, timelineHtml, timelineMarkdown } from '../scripts/demo/report.js';
import { PEOPLE } from '../scripts/demo/scenario.js';
import { addDays, daysBetween, localDate } from '../src/domain/calendar.js';
import JSZip from 'jszip';
import { simpleParser, type ParsedMail } from 'mailparser';
import { testDatabaseUri } from './helpers/db.js';
import { escapeHtml } from '../app/console/html.js';
import { pdfPageSizes, pdfText } from './documents.helpers.js';

jest.setTimeout(400_000);

const DAYS = 88;
const ONLY = ['acme', 'copperline', 'evergreen', 'falcon', 'kauri', 'moana', 'pipi'];
const AGENCY = 'referrals@summit-recovery.example';

let facts: DemoFacts;
/** The customer page link of the demo's last email to a customer, followed while the demo's web app still served. */
let followed: { account: string | null; url: string; status: number; body: string } | null = null;

beforeAll(async () => {
  facts = await runDemo({
    days: DAYS, only: ONLY, mongoUri: testDatabaseUri(), dbName: `t_e2edemo_${Date.now().toString(36)}`,
    beforeStop: async ({ emails }) => {
      for (const e of [...emails].reverse()) {
        const text = (await simpleParser(e.raw)).text ?? '';
        const url = /View your statement and answer online: (\S+)/.exec(text)?.[1];
        if (!url) continue;
        const res = await fetch(url);
        followed = { account: e.account, url, status: res.status, body: await res.text() };
        return;
      }
    },
  });
});

const account = (key: string): AccountFacts => {
  const a = facts.accounts.find((x) => x.spec.key === key);
  if (!a) throw new Error(`no account ${key}`);
  return a;
};
/** The emails the customer received (to their address), as "date level". */
const customerMail = (key: string): EmailFact[] => facts.emails.filter((e) => e.account === key && e.to.includes(account(key).spec.contact.email));
const levels = (key: string) => customerMail(key).map((e) => e.level);
const audit = (key: string, action: string) => account(key).audit.filter((e) => e.action === action);
const day = (d: Date) => localDate(d, facts.timeZone);
const paidOn = (key: string) => facts.payments.filter((p) => p.account === key).map((p) => p.date);

it('connects QuickBooks and Xero through the OAuth pages, like a browser', () => {
  expect(facts.connected.map((c) => [c.provider, c.status])).toEqual([['quickbooks', 200], ['xero', 200]]);
  expect(facts.connected[0]?.text).toContain('Northwind Supply Co. (QuickBooks)');
  expect(facts.connected[1]?.text).toContain('Northwind Pacific Ltd (Xero)');
});

it('sends every message once: one SMTP delivery per outbox key, one sent audit entry per key', () => {
  const keys = facts.emails.map((e) => e.key);
  expect(keys.length).toBeGreaterThan(20);
  expect(new Set(keys).size).toBe(keys.length);
  for (const a of facts.accounts) {
    const sent = a.audit.filter((e) => e.action === 'outbox.sent').map((e) => String(e.details?.['key']));
    expect({ account: a.spec.key, duplicates: sent.filter((k, i) => sent.indexOf(k) !== i) }).toEqual({ account: a.spec.key, duplicates: [] });
    expect(a.outbox.filter((e) => e.state === 'sending')).toEqual([]);
    expect(a.chainOk).toBe(true);
  }
});

it('acme: courtesy and first reminder, pays two days later, nothing after', () => {
  expect(levels('acme')).toEqual(['courtesy', 'reminder-1']);
  const reminder = customerMail('acme')[1];
  expect(paidOn('acme')).toEqual([addDaysIso(reminder?.date ?? '', 2)]);
  expect(account('acme').openMinor).toBe(0);
  expect(finalState(account('acme'), facts)).toBe('paid in full at level reminder-1');
});

it('acme replies "we paid last Friday" to the first reminder through Mailgun\'s inbound route: on the timeline, the ladder paused, the reply card in the Slack log', () => {
  const reminder = customerMail('acme')[1];
  const received = audit('acme', 'reply.received');
  expect(received).toHaveLength(1);
  expect(day(received[0]?.at ?? new Date(0))).toBe(reminder?.date);
  expect(received[0]?.outcome).toMatch(/^bea@acme\.example replied: .*the ladder pauses$/);
  const cards = facts.slack.filter((p) => p.method === 'chat.postMessage' && JSON.stringify(p.blocks ?? []).includes('reply.promise'));
  expect(cards).toHaveLength(1);
  expect(cards[0]?.channel).toBe('D0COLE001');
  expect(JSON.stringify(cards[0]?.blocks)).toContain('we paid last Friday');
  expect(audit('acme', 'slack.reply_delivered')).toMatchObject([{ details: { suggestion: 'paid' } }]);
  // The report: the timeline's row for the reply, right after the reminder it answers.
  const md = timelineMarkdown(facts);
  expect(md).toMatch(new RegExp(`\\| ${reminder?.date ?? ''} \\| 09:10 \\| reply received \\| email \\| Overdue \\| bea@acme\\.example replied: `));
});

it('copperline: the rep is nudged in Slack, logs the call and the promise; the customer pays on the date; nothing after', () => {
  expect(levels('copperline')).toEqual(['courtesy', 'reminder-1', 'reminder-2']);
  const [nudge] = audit('copperline', 'slack.nudge_delivered');
  expect(nudge?.outcome).toContain(PEOPLE.rep.name);
  const [call] = audit('copperline', 'call.logged');
  const [promise] = audit('copperline', 'promise.recorded');
  expect(call?.actor).toMatchObject({ kind: 'person', id: PEOPLE.rep.email });
  expect(promise?.actor).toMatchObject({ kind: 'person', id: PEOPLE.rep.email });
  const promised = String(promise?.details?.['date']);
  expect(paidOn('copperline')).toEqual([promised]);
  expect(finalState(account('copperline'), facts)).toBe('paid in full at level rep-call');
});

it('evergreen: the dispute recorded from Slack stops the ladder', () => {
  const [dispute] = audit('evergreen', 'dispute.recorded');
  expect(dispute?.actor).toMatchObject({ id: PEOPLE.rep.email });
  expect(customerMail('evergreen').filter((e) => e.date > day(dispute?.at ?? new Date(0)))).toEqual([]);
  expect(account('evergreen').openMinor).toBe(310_000);
  expect(finalState(account('evergreen'), facts)).toBe('in dispute (ladder paused)');
});

it('falcon (fast track): hold placed once by the collector and written back to QuickBooks; letters; pays after the final demand; hold lifted; nothing after', () => {
  const f = account('falcon');
  expect(levels('falcon')).toEqual(['courtesy', 'reminder-1', 'reminder-2', 'collector-call', 'up-the-ladder', 'written-warning', 'final-demand']);
  const placed = audit('falcon', 'credit_hold.placed');
  expect(placed).toHaveLength(1);
  // on hold from 'up the ladder' on: the written warning proposes no second hold (issue #7 §4)
  expect(f.outbox.filter((e) => e.kind === 'creditHold').map((e) => e._id.split(':')[1])).toEqual(['up-the-ladder']);
  expect(placed[0]?.actor).toMatchObject({ kind: 'person', id: PEOPLE.collector.email });
  expect(f.holds.map((h) => h.status)).toEqual(['released']);
  const [lifted] = audit('falcon', 'credit_hold.lifted');
  expect(lifted?.actor).toMatchObject({ kind: 'person', id: PEOPLE.collector.email });
  expect(f.outbox.filter((e) => e.kind === 'writeback' && e.state === 'sent').length).toBeGreaterThanOrEqual(1);
  expect(f.platformNotes.some((n) => n.includes('Credit hold placed'))).toBe(true);
  expect(f.platformNotes.some((n) => /lifted/i.test(n))).toBe(true);
  const demand = customerMail('falcon').find((e) => e.level === 'final-demand');
  expect(paidOn('falcon')).toEqual([addDaysIso(demand?.date ?? '', 4), addDaysIso(demand?.date ?? '', 4)]);
  const last = paidOn('falcon')[0] ?? '';
  expect(day(lifted?.at ?? new Date(0)) >= last).toBe(true);
  expect(customerMail('falcon').filter((e) => e.date > last)).toEqual([]);
  expect(f.audit.filter((e) => e.action === 'slack.nudge_delivered' && day(e.at) > last)).toEqual([]);
  expect(facts.documents.map((d) => d.name)).toEqual(expect.arrayContaining([`written-warning-falcon-${customerMail('falcon')[5]?.date}.pdf`, `final-demand-falcon-${demand?.date}.pdf`]));
});

it('kauri: the payment plan agreed in Slack holds while the first instalment is paid; the ladder resumes only when the second lapses', () => {
  const [plan] = audit('kauri', 'payment_plan.recorded');
  expect(plan?.actor).toMatchObject({ kind: 'person', id: PEOPLE.rep2.email });
  const instalments = plan?.details?.['instalments'];
  if (!Array.isArray(instalments)) throw new Error('no instalments recorded');
  const dueDates = instalments.map((i: unknown) => (typeof i === 'object' && i !== null && 'dueDate' in i ? String(i.dueDate) : ''));
  expect(facts.payments.filter((p) => p.account === 'kauri').map((p) => [p.date, p.amountMinor])).toEqual([[dueDates[0], 480_000]]);
  const after = account('kauri').audit.filter((e) => plan && e.seq > plan.seq);
  const resumed = after.find((e) => e.action === 'account.level' || e.action === 'outbox.revived');
  expect(day(resumed?.at ?? new Date(0)) > String(dueDates[1])).toBe(true);
  expect(customerMail('kauri').filter((e) => e.date > day(plan?.at ?? new Date(0)) && e.date <= String(dueDates[1]))).toEqual([]);
  expect(after.some((e) => e.action === 'account.level' && String(e.details?.['explanation']).includes('missed'))).toBe(true);
});

it('moana: the referral waits for the approver; the packet goes to the agency only after the approval', () => {
  const m = account('moana');
  const [approval] = m.approvals;
  expect(approval).toMatchObject({ kind: 'agency_referral', status: 'approved', decidedBy: { id: PEOPLE.approver.email } });
  const [requested] = audit('moana', 'slack.approval_requested');
  const [approved] = audit('moana', 'approval.approved');
  expect(requested && approved && requested.seq < approved.seq).toBe(true);
  const approvedOn = day(approval?.decidedAt ?? new Date(0));
  const toAgency = facts.emails.filter((e) => e.to.includes(AGENCY));
  expect(toAgency).toHaveLength(1);
  expect(toAgency[0]?.account).toBe('moana');
  expect(String(toAgency[0]?.date) >= approvedOn).toBe(true);
  expect(toAgency[0]?.raw).toContain('application/zip');
  expect(m.outbox.filter((e) => e.kind === 'agencyPacket').map((e) => e.state)).toEqual(['sent']);
  const prepay = audit('moana', 'account.prepay_only')[0];
  expect(prepay && requested && prepay.seq > requested.seq && day(prepay.at) === approvedOn).toBe(true);
  expect(facts.documents.filter((d) => d.name.startsWith('referral-packet-')).map((d) => d.account)).toEqual(['moana']);
  expect(finalState(m, facts)).toMatch(/^referred to the agency \(approved\)/);
  // Issue #17: the decision asked by day 90 past due, and the mailed demand confirmed (a tracking number) before the approval.
  const due = addDays(facts.start, m.spec.invoices[0]?.due ?? 0);
  expect(requested && daysBetween(due, day(requested.at))).toBeLessThanOrEqual(90);
  const mailed = audit('moana', 'task.done').filter((e) => typeof e.details?.['trackingNumber'] === 'string');
  expect(mailed.length).toBeGreaterThan(0);
  expect(approved && mailed.every((e) => e.seq < approved.seq)).toBe(true);
});

it('moana comes back as Tide Line Apparel Ltd (same phone and email domain): flagged, the manager makes it prepay-only, the report shows it', () => {
  const approvedOn = day(account('moana').approvals[0]?.decidedAt ?? new Date(0));
  expect(facts.lookalikes).toHaveLength(1);
  const f = facts.lookalikes[0];
  expect(f).toMatchObject({ account: 'moana', customerName: 'Tide Line Apparel Ltd', knownName: 'Moana Outfitters', status: 'prepay' });
  expect(f?.matched.map((m) => m.field)).toEqual(['phone', 'emailDomain']);
  expect(String(f?.date) > approvedOn).toBe(true);
  expect(f?.creditStatus).toMatchObject({ prepayOnly: true, lookalike: { flagged: true, flags: [{ knownAccountName: 'Moana Outfitters', status: 'prepay' }] } });
  expect(facts.people.filter((p) => p.account === 'moana' && p.what.startsWith('made Tide Line Apparel Ltd prepay-only'))).toHaveLength(1);
  const alert = facts.slack.filter((s) => s.method === 'chat.postMessage' && s.text.startsWith('Returning bad payer? Tide Line Apparel Ltd looks like Moana Outfitters'));
  expect(alert.map((s) => s.channel)).toEqual(['D0ADA0001']);
  expect(summaryMarkdown(facts)).toContain('| Tide Line Apparel Ltd | Moana Outfitters |');
});

it('pipi: the small balance ends with an approved write-off, voided in Xero, never referred', () => {
  const p = account('pipi');
  expect(p.approvals.map((a) => [a.kind, a.status])).toEqual([['write_off', 'approved']]);
  expect(p.openMinor).toBe(0);
  expect(p.outbox.filter((e) => e.kind === 'agencyPacket')).toEqual([]);
  expect(finalState(p, facts)).toBe('written off (approved)');
});

it('writes the report: timeline for every account, every email as .eml, the documents, the Slack messages', () => {
  const html = timelineHtml(facts);
  const md = timelineMarkdown(facts);
  for (const a of facts.accounts) {
    expect(html).toContain(a.spec.name.replace(/&/g, '&#38;'));
    expect(md).toContain(`## ${a.spec.name}`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'overdue-e2e-report-'));
  try {
    writeReport(dir, facts);
    expect(readdirSync(join(dir, 'emails'))).toHaveLength(facts.emails.length);
    expect(readdirSync(join(dir, 'slack'))).toHaveLength(facts.slack.length);
    expect(readdirSync(join(dir, 'documents')).sort()).toEqual(facts.documents.map((d) => d.name).sort());
    expect(readFileSync(join(dir, 'slack.html'), 'utf8')).toContain('<span class="btn primary">Approve</span>');
    expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toContain('| Moana Outfitters | Xero |');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('#18: the report links every account to its console page; one link, fetched signed in while the demo served, answers with the account', () => {
  const html = timelineHtml(facts);
  const md = timelineMarkdown(facts);
  expect(facts.consoleBaseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  for (const a of facts.accounts) {
    const href = consoleHref(facts.consoleBaseUrl, a.customerId);
    expect(href).toBe(`${facts.consoleBaseUrl}/console/accounts/${encodeURIComponent(a.customerId)}`);
    expect(html).toContain(`<a class="console" href="${href}">Open in the console</a>`);
    expect(md).toContain(`[Open in the console](${href})`);
  }
  const first = facts.accounts[0];
  expect(facts.consoleCheck).toEqual({ href: consoleHref(facts.consoleBaseUrl, first?.customerId ?? ''), status: 200, heading: first?.spec.name.replace(/&/g, '&amp;') });
});

// Issue #17's defects, one test each, over the same run.
const sha = (b: Buffer | Uint8Array) => createHash('sha256').update(b).digest('hex');
const parsed = new Map<string, ParsedMail>();
const parse = async (e: EmailFact): Promise<ParsedMail> => {
  const hit = parsed.get(e.key);
  if (hit) return hit;
  const p = await simpleParser(e.raw);
  parsed.set(e.key, p);
  return p;
};
/** The letters as archived when they went out (the admin API's stored bytes), per account. */
const archivedLetters = (key: string) => facts.documents.filter((d) => d.account === key && !d.name.startsWith('statement-') && !d.name.startsWith('referral-packet-'));
const customerEmails = () => facts.emails.filter((e) => e.account !== null && !e.to.includes(AGENCY));
const XERO_NZ = ['kauri', 'moana', 'pipi']; // Xero contacts with a Wellington billing address (scripts/demo/ledger.ts)

it('#17: the letters in the agency packet are the letters sent, byte for byte (email attachment = archive = packet)', async () => {
  const letters = archivedLetters('moana');
  expect(letters.length).toBeGreaterThan(0);
  const archived = letters.map((d) => sha(d.body)).sort();
  const [toAgency] = facts.emails.filter((e) => e.to.includes(AGENCY));
  if (!toAgency) throw new Error('no agency email');
  const zipAttachment = (await parse(toAgency)).attachments.find((a) => a.contentType === 'application/zip');
  if (!zipAttachment) throw new Error('no zip attached to the agency email');
  const zip = await JSZip.loadAsync(zipAttachment.content);
  const inPacket = await Promise.all(Object.values(zip.files).filter((f) => !f.dir).map(async (f) => sha(await f.async('uint8array'))));
  expect(archived.filter((h) => !inPacket.includes(h))).toEqual([]);
  // and what the customer's emails carried is what was archived
  const mailedPdfs: string[] = [];
  for (const e of customerMail('moana')) for (const a of (await parse(e)).attachments) if (a.contentType === 'application/pdf' && !/statement/i.test(a.filename ?? '')) mailedPdfs.push(sha(a.content));
  expect(mailedPdfs.length).toBeGreaterThan(0);
  expect(mailedPdfs.filter((h) => !archived.includes(h))).toEqual([]);
});

it('#17: no demand for zero, and no agency wording on the small balance (pipi, 64.00 USD)', async () => {
  // a line asks for zero when the last amount on it (the balance column, the total, the sum in a sentence) is 0.00;
  // a "Paid $0.00" column before a balance is not a demand
  const money = /(?:USD|NZD|AUD|EUR|GBP|\$)\s?[\d,]+\.\d{2}\b/g;
  const asksZero = (text: string) => text.split('\n').filter((l) => /\b0\.00$/.test(l.match(money)?.at(-1) ?? ''));
  for (const e of customerEmails()) {
    const m = await parse(e);
    expect({ key: e.key, zero: asksZero(`${m.subject ?? ''}\n${m.text ?? ''}`) }).toEqual({ key: e.key, zero: [] });
  }
  for (const d of facts.documents.filter((x) => !x.name.startsWith('referral-packet-') && !x.name.startsWith('statement-'))) {
    expect({ name: d.name, zero: asksZero(await pdfText(d.body)) }).toEqual({ name: d.name, zero: [] });
  }
  const pipi = customerMail('pipi');
  expect(pipi.length).toBeGreaterThan(0);
  for (const e of pipi) {
    const m = await parse(e);
    expect({ key: e.key, agency: /agency|collections? (?:firm|partner)/i.test(`${m.subject ?? ''}\n${m.text ?? ''}`) }).toEqual({ key: e.key, agency: false });
  }
  for (const d of archivedLetters('pipi')) expect({ name: d.name, agency: /agency/i.test(await pdfText(d.body)) }).toEqual({ name: d.name, agency: false });
});

it('#17: every "pay online" sentence comes with a link', async () => {
  let offered = 0;
  for (const e of customerEmails()) {
    const m = await parse(e);
    const text = m.text ?? '';
    if (!/pay online/i.test(text)) continue;
    offered++;
    expect({ key: e.key, link: /https?:\/\/\S+/.test(text) }).toEqual({ key: e.key, link: true });
    if (typeof m.html === 'string') expect({ key: e.key, href: /<a [^>]*href="https?:/i.test(m.html) }).toEqual({ key: e.key, href: true });
  }
  expect(offered).toBeGreaterThan(0);
});

it('#17: the Cc the level names is on the email (copperline\'s accounts-payable contact on reminder-2)', () => {
  const ap = account('copperline').spec.ap?.email ?? '';
  const r2 = customerMail('copperline').filter((e) => e.level === 'reminder-2');
  expect(r2).toHaveLength(1);
  expect(r2[0]?.cc).toContain(ap);
  expect(r2[0]?.to).toContain(ap);
  // courtesy and reminder-1 name no Cc
  expect(customerMail('copperline').filter((e) => e.level !== 'reminder-2').flatMap((e) => e.cc)).toEqual([]);
});

it('#17: New Zealand customers get A4 letters, sent inside their business hours (09:00-17:00 Pacific/Auckland, Monday-Friday)', async () => {
  const nzLetters = XERO_NZ.flatMap(archivedLetters);
  expect(nzLetters.length).toBeGreaterThan(0);
  for (const d of nzLetters) for (const [w, h] of await pdfPageSizes(d.body)) expect({ name: d.name, w, h }).toEqual({ name: d.name, w: 595.28, h: 841.89 });
  // the US customers' letters stay on US Letter
  for (const d of archivedLetters('falcon')) for (const [w, h] of await pdfPageSizes(d.body)) expect({ name: d.name, w, h }).toEqual({ name: d.name, w: 612, h: 792 });
  const local = new Intl.DateTimeFormat('en-NZ', { timeZone: 'Pacific/Auckland', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const nzMail = facts.emails.filter((e) => e.account !== null && XERO_NZ.includes(e.account) && !e.to.includes(AGENCY));
  expect(nzMail.length).toBeGreaterThan(5);
  for (const e of nzMail) {
    const parts = Object.fromEntries(local.formatToParts(e.at).map((p) => [p.type, p.value]));
    const minutes = Number(parts['hour']) * 60 + Number(parts['minute']);
    const inHours = !['Sat', 'Sun'].includes(String(parts['weekday'])) && minutes >= 9 * 60 && minutes < 17 * 60;
    expect({ key: e.key, at: local.format(e.at), inHours }).toEqual({ key: e.key, at: local.format(e.at), inHours: true });
  }
});

it('#17: the referral is decided and sent by day 90 past due', () => {
  const m = account('moana');
  const due = addDays(facts.start, m.spec.invoices[0]?.due ?? 0);
  const [requested] = audit('moana', 'slack.approval_requested');
  const [toAgency] = facts.emails.filter((e) => e.to.includes(AGENCY));
  expect(requested && daysBetween(due, day(requested.at))).toBeLessThanOrEqual(90);
  expect(toAgency && daysBetween(due, toAgency.date)).toBeLessThanOrEqual(90);
});

function addDaysIso(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

it("#18: the demo's emails carry the customer's page link, and following the last one gives that customer's statement", async () => {
  if (!followed) throw new Error('no customer page link in any demo email');
  const f: { account: string | null; url: string; status: number; body: string } = followed;
  expect(f.url).toMatch(/\/c\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
  expect(f.status).toBe(200);
  const a = account(f.account ?? '');
  expect(f.body).toContain('Your account with');
  expect(f.body).toContain(`Statement for <strong>${escapeHtml(a.spec.name)}</strong>`);
  // Every customer email the demo sent carries a link.
  const customerEmails = facts.emails.filter((e) => e.account !== null && e.to.some((t) => !t.includes('summit-recovery')));
  expect(customerEmails.length).toBeGreaterThan(0);
  for (const e of customerEmails) expect(`${e.key}: ${(await simpleParser(e.raw)).text ?? ''}`).toMatch(/View your statement and answer online: http:\/\/127\.0\.0\.1:\d+\/c\//);
});

// The demo run: set up the world, connect QuickBooks and Xero over HTTP like a
// browser, sync, then walk the simulated clock day by day. Each day the
// customers act first (payments land in the sandboxes and reach Overdue by
// webhook), then the worker's jobs run at their times of day — webhooks, sync,
// the 07:00 planning pass, the collectors' 08:00 digest, dispatch and Slack
// delivery at each call slot — and the people answer what Slack showed them.
// `runDemo` returns the facts the report and the end-to-end test read.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { addDays, localDate, zonedInstant, type LocalDate } from '../../src/domain/calendar.js';
import { DEFAULT_POLICY_INPUT } from '../../src/engine/index.js';
import { parsePayload } from '../../src/planning/payload.js';
import { connectionId } from '../../src/store/organisations.js';
import { recordId } from '../../src/store/records.js';
import { collections } from '../../src/store/store.js';
import type { ApprovalDoc, AuditEntryDoc, CreditHoldDoc, OutboxEntryDoc } from '../../src/store/types.js';
import type { TaskDoc } from '../../src/outbox/task-channel.js';
import { dispatchOutbox } from '../../jobs/dispatch.js';
import { followUpTasks } from '../../jobs/follow-up.js';
import { planDaily, planDue, planRequested } from '../../jobs/plan.js';
import { slackDeliver } from '../../jobs/slack-deliver.js';
import { slackDigest } from '../../jobs/slack-digest.js';
import { processInboundMail } from '../../jobs/inbound.js';
import { mailgunSignature, MAILGUN_INBOUND_PATH } from '../../src/inbound/mailgun.js';
import { processWebhooks, syncFull, syncIncremental } from '../../jobs/sync.js';
import { LOOKALIKE_FLAGS, type LookalikeFlagDoc } from '../../src/store/lookalike.js';
import { addReturningCustomer, openBalance, pay, seedLedgers, voidInvoice } from './ledger.js';
import { People, type PersonAction } from './people.js';
import { ORG, PEOPLE, REALM, scenario, TENANT, slackUsers, type AccountSpec, type ScenarioOptions } from './scenario.js';
import { archivedLetterName, consoleHref } from './report.js';
import { startWorld, type World } from './world.js';

const TZ = ORG.timeZone;
/** When the dispatcher runs each day (the policy's sending hours start at 09:00; call slots 09:30, 11:00, 13:30, 16:00). */
export const SLOTS = ['09:00', '09:30', '11:00', '13:30', '16:00'] as const;

export interface DemoOptions extends ScenarioOptions {
  /** An existing server (tests); unset: a local one in a temp folder. */
  mongoUri?: string;
  dbName?: string;
  logLevel?: string;
  /** One line per simulated week. */
  progress?: (line: string) => void;
  /** Called at the end while the demo's web app still serves (its address and the emails sent), e.g. to follow a customer page link. */
  beforeStop?: (world: { url: string; emails: readonly EmailFact[] }) => Promise<void>;
}

export interface PaymentFact {
  account: string;
  at: Date;
  date: LocalDate;
  invoice: string;
  currency: string;
  amountMinor: number;
  /** The account's ladder level when the money arrived. */
  level: string;
  note: string;
}

export interface EmailFact {
  key: string;
  account: string | null;
  /** Every recipient (the envelope: To and Cc). */
  to: string[];
  /** The Cc header's addresses. */
  cc: string[];
  subject: string;
  date: LocalDate;
  /** When it was sent (the outbox entry's sentAt, on the simulated clock). */
  at: Date;
  level: string | null;
  raw: string;
}

export interface SlackFact {
  method: string;
  channel: string;
  text: string;
  blocks: unknown;
  date: LocalDate;
}

export interface DocumentFact {
  account: string;
  name: string;
  date: LocalDate;
  body: Buffer;
}

export interface AccountFacts {
  spec: AccountSpec;
  customerId: string;
  audit: AuditEntryDoc[];
  outbox: OutboxEntryDoc[];
  tasks: TaskDoc[];
  approvals: ApprovalDoc[];
  holds: CreditHoldDoc[];
  /** What is still open at the platform at the end (minor units). */
  openMinor: number;
  /** The engine's level at the end. */
  level: string;
  chainOk: boolean;
  /** Notes Overdue wrote on the customer at the platform (credit-hold write-backs). */
  platformNotes: string[];
}

/** A new customer the look-alike check flagged as a known bad payer under a new name (docs/lookalike.md). */
export interface LookalikeFact {
  /** The scenario account it resembles (its key). */
  account: string;
  customerId: string;
  customerName: string;
  knownName: string;
  score: number;
  threshold: number;
  matched: { field: string; new: string; known: string }[];
  /** open, prepay, dismissed or credit_check. */
  status: string;
  date: LocalDate;
  /** GET /api/accounts/:id/credit-status of the new customer at the end. */
  creditStatus: Record<string, unknown>;
}

export interface DemoFacts {
  /** Customers flagged as returning bad payers. */
  lookalikes: LookalikeFact[];
  start: LocalDate;
  end: LocalDate;
  days: number;
  timeZone: string;
  accounts: AccountFacts[];
  payments: PaymentFact[];
  emails: EmailFact[];
  slack: SlackFact[];
  people: PersonAction[];
  documents: DocumentFact[];
  /** Connect flow answers (the page a person would see). */
  connected: { provider: string; status: number; text: string }[];
  wallMs: number;
  /** Real time per job and per simulation step (ms). */
  timings: Record<string, number>;
  /** PUBLIC_BASE_URL of the run: the report links each account to `${consoleBaseUrl}/console/accounts/<id>`. */
  consoleBaseUrl: string;
  /** One of those links fetched while the demo's server was up, signed in as the collector: its status and page heading. */
  consoleCheck: { href: string; status: number; heading: string | null } | null;
}

/** Sign in to the console as `slackUserId` (a link minted as /overdue console would) and fetch `href`. */
async function fetchSignedIn(w: World, slackUserId: string, href: string): Promise<NonNullable<DemoFacts['consoleCheck']>> {
  const { token } = await w.consoleAuth.mintSignIn(ORG.id, slackUserId, w.now());
  const signIn = await fetch(`${w.url}/console/sign-in/${token}`, { method: 'POST', redirect: 'manual', headers: { origin: w.url, 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
  const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const res = await fetch(href, { redirect: 'manual', headers: { cookie } });
  const heading = /<h1>([^<]*)<\/h1>/.exec(await res.text())?.[1] ?? null;
  return { href, status: res.status, heading };
}

export function customerIdOf(a: AccountSpec): string {
  return recordId({ provider: a.provider, companyId: a.provider === 'quickbooks' ? REALM : TENANT, externalId: a.externalId });
}

interface Due {
  date: LocalDate;
  account: AccountSpec;
  kind: 'pay-all' | 'pay' | 'void' | 'return';
  amountMinor?: number;
  note: string;
}

export async function runDemo(o: DemoOptions): Promise<DemoFacts> {
  const began = Date.now();
  const sc = scenario(o);
  const at = (date: LocalDate, hhmm: string) => new Date(zonedInstant(date, hhmm, TZ));
  const w = await startWorld({
    ...(o.mongoUri ? { mongoUri: o.mongoUri } : {}),
    dbName: o.dbName ?? `overdue_demo_${Date.now()}_${randomBytes(2).toString('hex')}`,
    start: at(addDays(sc.start, -1), '17:00'),
    slackUsers,
    ...(o.logLevel ? { logLevel: o.logLevel } : {}),
    ...(o.progress ? { progress: o.progress } : {}),
  });
  try {
    const connected = await setUp(w, sc.accounts, sc.start, o.progress);
    const dueList: Due[] = [];
    const payments: PaymentFact[] = [];
    const emails: EmailFact[] = [];
    const slackPosts: SlackFact[] = [];
    const documents: DocumentFact[] = [];
    const people = new People(w, sc.accounts, customerIdOf, (a, kind, schedule) => {
      // Promise kept, promise broken, a plan's first instalment paid and the second missed.
      if (kind === 'promise' && a.answer === 'promise-keep') dueList.push({ date: schedule[0]?.date ?? '', account: a, kind: 'pay-all', note: 'pays on the promised date' });
      if (kind === 'payment-plan' && schedule[0]) dueList.push({ date: schedule[0].date, account: a, kind: 'pay', amountMinor: schedule[0].amountMinor, note: 'pays the first instalment' });
    });
    const reacted = new Set<string>();
    const replied = new Set<string>();
    let seenMail = 0;
    let seenSlack = 0;
    const approvalsSeen = new Set<string>();

    const levelOf = async (a: AccountSpec): Promise<string> => {
      const s = await w.store.db.collection<{ _id: string; levelId?: string }>(collections.accountStates).findOne({ _id: customerIdOf(a) });
      return s?.levelId ?? 'current';
    };

    /** Customers read their email: the first message of a level they react to starts the countdown to payment. */
    /**
     * The customer answers a reminder: the message as Mailgun forwards it (POST to the web app's inbound route, signed
     * with the route's key), then the worker's process-inbound-mail job on it (the ladder pauses, the reply card goes
     * to the collector). Ten minutes after the reminder's slot.
     */
    const replyByEmail = async (a: AccountSpec, replyTo: string, inReplyTo: string, subject: string, text: string) => {
      const sentAt = w.clock.now;
      w.clock.now = new Date(sentAt.getTime() + 10 * 60_000);
      const mime = [
        `From: ${a.contact.name} <${a.contact.email}>`, `To: ${replyTo}`, `Subject: Re: ${subject}`, `Message-ID: <reply-${a.key}@demo.example>`,
        `In-Reply-To: ${inReplyTo}`, `Date: ${w.clock.now.toUTCString()}`, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', text, '',
      ].join('\r\n');
      const timestamp = String(Math.floor(w.clock.now.getTime() / 1000));
      const token = randomBytes(25).toString('hex');
      const form = new FormData();
      for (const [k, v] of Object.entries({ 'body-mime': mime, timestamp, token, signature: mailgunSignature(w.mailgunKey, timestamp, token) })) form.append(k, v);
      const res = await fetch(`${w.url}${MAILGUN_INBOUND_PATH}`, { method: 'POST', body: form });
      if (res.status !== 200) throw new Error(`Mailgun's inbound route answered ${res.status}: ${await res.text()}`);
      for (const id of w.inbound.splice(0)) await w.runJob(processInboundMail, { inboundMailId: id });
      w.clock.now = sentAt;
    };

    const readMail = async (today: LocalDate) => {
      for (; seenMail < w.sink.messages.length; seenMail++) {
        const m = w.sink.messages[seenMail];
        if (!m) continue;
        const key = m.headers.get('x-overdue-key') ?? '';
        const entry = await w.store.db.collection<OutboxEntryDoc>(collections.outbox).findOne({ _id: key });
        const parsed = entry ? parsePayload(entry.payload) : null;
        const level = parsed?.ok && 'levelId' in parsed.payload.action ? parsed.payload.action.levelId : null;
        const account = entry ? sc.accounts.find((a) => customerIdOf(a) === entry.customerId) : undefined;
        const cc = (m.headers.get('cc') ?? '').split(',').map((x) => /<([^>]+)>/.exec(x)?.[1] ?? x.trim()).filter((x) => x !== '');
        emails.push({ key, account: account?.key ?? null, to: m.to, cc, subject: m.headers.get('subject') ?? '', date: today, at: entry?.sentAt ?? w.now(), level, raw: m.raw });
        if (account?.replies && level === account.replies.level && m.to.includes(account.contact.email) && !replied.has(account.key)) {
          replied.add(account.key);
          await replyByEmail(account, m.headers.get('reply-to') ?? '', m.headers.get('message-id') ?? '', m.headers.get('subject') ?? '', account.replies.text);
        }
        if (account?.paysAfter && level === account.paysAfter.level && !reacted.has(account.key)) {
          reacted.add(account.key);
          dueList.push({ date: addDays(today, account.paysAfter.days), account, kind: 'pay-all', note: `pays ${account.paysAfter.days} day(s) after the ${level} email` });
        }
      }
    };

    const readSlack = (today: LocalDate) => {
      const calls = w.slackSandbox.calls;
      for (; seenSlack < calls.length; seenSlack++) {
        const c = calls[seenSlack];
        if (!c || c.status !== 200 || (c.method !== 'chat.postMessage' && c.method !== 'chat.update')) continue;
        slackPosts.push({ method: c.method, channel: String(c.args['channel'] ?? ''), text: String(c.args['text'] ?? ''), blocks: c.args['blocks'] ?? null, date: today });
      }
    };

    /** Approved referrals and write-offs: the packet is fetched (admin API) and the bookkeeper voids written-off invoices. */
    const afterApprovals = async (today: LocalDate) => {
      const approved = await w.store.db.collection<ApprovalDoc>(collections.approvals).find({ status: 'approved' }).toArray();
      for (const ap of approved) {
        if (approvalsSeen.has(ap._id)) continue;
        approvalsSeen.add(ap._id);
        const a = sc.accounts.find((x) => customerIdOf(x) === ap.customerId);
        if (!a) continue;
        if (ap.kind === 'agency_referral') {
          const res = await fetch(`${w.url}/api/accounts/${encodeURIComponent(ap.customerId)}/referral-packet.zip`, { headers: { authorization: `Bearer ${w.adminToken}` } });
          if (res.status !== 200) throw new Error(`referral packet answered ${res.status}`);
          documents.push({ account: a.key, name: `referral-packet-${a.key}-${today}.zip`, date: today, body: Buffer.from(await res.arrayBuffer()) });
        }
        if (ap.kind === 'agency_referral' && a.returnsAs) {
          dueList.push({ date: addDays(today, a.returnsAs.days), account: a, kind: 'return', note: `comes back as ${a.returnsAs.name}` });
        }
        if (ap.kind === 'write_off' && a.voidOnWriteOff) {
          dueList.push({ date: addDays(today, 1), account: a, kind: 'void', note: 'written off in the ledger' });
        }
      }
    };

    const customersAct = async (today: LocalDate) => {
      for (const d of dueList.filter((x) => x.date === today)) {
        const a = d.account;
        if (d.kind === 'return') {
          await addReturningCustomer(w.qbo, w.xero, w, a);
          continue;
        }
        const level = await levelOf(a);
        for (const inv of a.invoices) {
          const open = openBalance(w.qbo, w.xero, a, inv);
          if (open <= 0) continue;
          if (d.kind === 'void') {
            await voidInvoice(w.qbo, w.xero, w, a, inv);
            continue;
          }
          const amount = d.kind === 'pay' ? Math.min(open, d.amountMinor ?? 0) : open;
          if (amount <= 0) continue;
          await pay(w.qbo, w.xero, w, a, inv, amount);
          payments.push({ account: a.key, at: w.now(), date: today, invoice: inv.number, currency: a.currency, amountMinor: amount, level, note: d.note });
          if (d.kind === 'pay') break;
        }
      }
    };

    const timed = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
      const t0 = performance.now();
      try {
        return await f();
      } finally {
        w.timings.set(name, (w.timings.get(name) ?? 0) + performance.now() - t0);
      }
    };
    let last = { emails: 0, slack: 0, payments: 0, actions: 0 };
    for (let day = 0; day < sc.days; day++) {
      const today = addDays(sc.start, day);
      w.clock.now = at(today, '06:00');
      await timed('customers', () => customersAct(today));
      w.clock.now = at(today, '06:05');
      await w.runJob(processWebhooks, {});
      w.clock.now = at(today, '06:30');
      await w.runJob(syncIncremental, {});
      w.clock.now = at(today, '07:00');
      await w.runJob(planDaily, { pageSize: 200, hour: 7 });
      w.clock.now = at(today, '08:00');
      await w.runJob(slackDigest, { hour: 8 });
      for (const slot of SLOTS) {
        w.clock.now = at(today, slot);
        await w.runJob(dispatchOutbox, { maxEntries: 5_000, concurrency: 4 });
        await w.runJob(slackDeliver, { limit: 200, repWindowHours: 48 });
        await timed('read-mail', () => readMail(today));
        readSlack(today);
        w.clock.now = new Date(w.clock.now.getTime() + 10 * 60_000); // people answer ten minutes later
        await timed('people', () => people.act());
        if (slot === '09:30') await timed('people', () => people.liftHolds((a) => a.invoices.every((inv) => openBalance(w.qbo, w.xero, a, inv) === 0)));
        // The accounts people acted on are planned by the worker within a minute.
        w.clock.now = new Date(w.clock.now.getTime() + 60_000);
        await w.runJob(planRequested, { limit: 500 });
        await timed('approvals', () => afterApprovals(today));
        if (slot === '11:00') {
          w.clock.now = at(today, '12:05');
          await w.runJob(planDue, { pageSize: 200 });
        }
      }
      w.clock.now = at(today, '17:25');
      await w.runJob(followUpTasks, { limit: 500 });
      readSlack(today);
      if (day % 7 === 6 || day === sc.days - 1) {
        o.progress?.(
          `week ${String(Math.floor(day / 7) + 1).padStart(2)} (to ${today}): ${String(emails.length - last.emails).padStart(3)} emails, ` +
          `${String(slackPosts.length - last.slack).padStart(3)} Slack posts/updates, ${String(people.actions.length - last.actions).padStart(2)} people's actions, ` +
          `${String(payments.length - last.payments).padStart(2)} payments · ${((Date.now() - began) / 1000).toFixed(1)} s`,
        );
        last = { emails: emails.length, slack: slackPosts.length, payments: payments.length, actions: people.actions.length };
      }
    }

    const end = addDays(sc.start, sc.days - 1);
    w.clock.now = at(end, '18:00');
    documents.push(...(await fetchDocuments(w, sc.accounts)));
    const accounts: AccountFacts[] = [];
    for (const a of sc.accounts) {
      const id = customerIdOf(a);
      const db = w.store.db;
      accounts.push({
        spec: a,
        customerId: id,
        audit: await w.store.audit.list(id),
        outbox: await w.store.outbox.listByCustomer(id),
        tasks: await db.collection<TaskDoc>(collections.tasks).find({ customerId: id }).toArray(),
        approvals: await db.collection<ApprovalDoc>(collections.approvals).find({ customerId: id }).toArray(),
        holds: await db.collection<CreditHoldDoc>(collections.creditHolds).find({ customerId: id }).toArray(),
        openMinor: a.invoices.reduce((n, inv) => n + openBalance(w.qbo, w.xero, a, inv), 0),
        level: await levelOf(a),
        chainOk: (await w.store.audit.verify(id)).ok,
        platformNotes: platformNotes(w, a),
      });
    }
    const lookalikes: LookalikeFact[] = [];
    for (const f of await w.store.db.collection<LookalikeFlagDoc>(LOOKALIKE_FLAGS).find({}).sort({ createdAt: 1 }).toArray()) {
      const known = sc.accounts.find((x) => customerIdOf(x) === f.knownId);
      const res = await fetch(`${w.url}/api/accounts/${encodeURIComponent(f.customerId)}/credit-status`, { headers: { authorization: `Bearer ${w.adminToken}` } });
      lookalikes.push({
        account: known?.key ?? f.knownId, customerId: f.customerId, customerName: f.accountName, knownName: f.knownName, score: f.score, threshold: f.threshold,
        matched: f.matched, status: f.status, date: localDate(f.createdAt, TZ), creditStatus: (await res.json()) as Record<string, unknown>,
      });
    }
    const consoleBaseUrl = w.config.http.publicBaseUrl;
    const firstAccount = accounts[0];
    const consoleCheck = firstAccount ? await fetchSignedIn(w, PEOPLE.collector.id, consoleHref(consoleBaseUrl, firstAccount.customerId)) : null;
    await o.beforeStop?.({ url: w.url, emails });
    return { lookalikes, start: sc.start, end, days: sc.days, timeZone: TZ, accounts, payments, emails, slack: slackPosts, people: people.actions, documents, connected, wallMs: Date.now() - began, timings: Object.fromEntries([...w.timings].map(([k, v]) => [k, Math.round(v)])), consoleBaseUrl, consoleCheck };
  } finally {
    await w.stop();
  }
}

function platformNotes(w: World, a: AccountSpec): string[] {
  if (a.provider === 'quickbooks') {
    const notes = w.qbo.company(REALM).records.Customer.get(a.externalId)?.['Notes'];
    return typeof notes === 'string' && notes !== '' ? notes.split('\n') : [];
  }
  return (w.xero.tenant(TENANT).history.get(a.externalId) ?? []).map((h) => h.Details);
}

/** The organisation, its people, the two ledgers, the OAuth connect flows (over HTTP, like a browser), the first full sync. */
async function setUp(w: World, accounts: readonly AccountSpec[], start: LocalDate, progress?: (line: string) => void): Promise<DemoFacts['connected']> {
  const now = w.now();
  await w.store.organisations.upsert({ _id: ORG.id, name: ORG.name, homeCurrency: ORG.homeCurrency, timeZone: ORG.timeZone }, now);
  await w.store.organisations.setSettings(ORG.id, {
    sender: { company: ORG.name, name: PEOPLE.collector.name, email: 'ar@northwind.example', phone: '+1 312 555 0100', address: '100 Market St, Chicago, IL 60601' },
    documents: { agency: { name: 'Summit Recovery Partners', email: 'referrals@summit-recovery.example', address: '200 Lake St, Chicago, IL 60606' } },
  }, now);
  const people = await admin(w, 'PUT', '/api/slack/people', {
    orgId: ORG.id,
    people: Object.values(PEOPLE).map((p) => ({ email: p.email, name: p.name, slackUserId: p.id, roles: [...p.roles] })),
  });
  if (people.status !== 200) throw new Error(`PUT /api/slack/people answered ${people.status}`);
  // The demo's customers are small businesses with one contact on file. The default ladder would have each
  // level whose role nobody holds wait 5 business days for one (docs/escalation.md, "A missing role"); the
  // demo's ladder does not wait, so its story keeps its dates: each missing role still becomes a find-contact
  // task for the collector, and every email says to whom it fell back.
  // The demo's organisation counts letters' response days as calendar days (policy letters.deadlineDays; the default is
  // business days), so its 88-day story keeps its dates: one rule still dates the letter, its email, the ladder's wait
  // and the referral packet's cover sheet alike.
  const policy = await admin(w, 'PUT', `/api/orgs/${ORG.id}/policy`, { ...DEFAULT_POLICY_INPUT, contacts: { missingRoleWaitDays: 0 }, letters: { deadlineDays: 'calendar' } });
  if (policy.status !== 201) throw new Error(`PUT /api/orgs/${ORG.id}/policy answered ${policy.status}: ${JSON.stringify(policy.json)}`);
  seedLedgers(w.qbo, w.xero, accounts, start);

  const connected: DemoFacts['connected'] = [];
  for (const provider of ['quickbooks', 'xero'] as const) {
    const r = await browserConnect(w, provider);
    if (r.status !== 200) throw new Error(`${provider} connect failed (${r.status}): ${r.text}`);
    connected.push({ provider, ...r });
    progress?.(`connected ${provider} over its OAuth pages: ${r.text}`);
  }
  // New connections start in dry-run: the organisation turns sending on (the demo's email goes to the local SMTP sink).
  for (const id of [connectionId('quickbooks', REALM), connectionId('xero', TENANT)]) {
    const r = await admin(w, 'POST', `/api/connections/${encodeURIComponent(id)}/send-mode`, { mode: 'live', by: PEOPLE.collector.email });
    if (r.status !== 200) throw new Error(`send-mode for ${id} answered ${r.status}: ${JSON.stringify(r.json)}`);
  }
  await w.runJob(syncFull, {});
  await assignPeople(w, accounts);
  await enterContacts(w, accounts);
  return connected;
}

/** The contacts the administrator enters (admin API): each account's accounts-payable contact, where it has one. */
async function enterContacts(w: World, accounts: readonly AccountSpec[]): Promise<void> {
  const rows = accounts.flatMap((a) => (a.ap ? [{ customer: customerIdOf(a), role: 'ap', name: a.ap.name, email: a.ap.email }] : []));
  if (rows.length === 0) return;
  const r = await admin(w, 'PUT', `/api/orgs/${encodeURIComponent(ORG.id)}/contacts`, { rows });
  if (r.status !== 200) throw new Error(`PUT contacts answered ${r.status}: ${JSON.stringify(r.json)}`);
}

/** GET our connect link → 302 to the platform's consent page → 302 back to our callback → the page a person sees. */
async function browserConnect(w: World, provider: 'quickbooks' | 'xero'): Promise<{ status: number; text: string }> {
  const start = await fetch(`${w.url}/connect/${provider}?${w.states.connectLink(provider, ORG.id, w.now())}`, { redirect: 'manual' });
  const consent = start.headers.get('location');
  if (start.status !== 302 || !consent) throw new Error(`${provider}: the connect link answered ${start.status}`);
  // Like a browser, keep the cookie the connect link set: the callback checks the state against it.
  const cookie = start.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const approve = await fetch(consent, { redirect: 'manual' });
  const callback = approve.headers.get('location');
  if (approve.status !== 302 || !callback) throw new Error(`${provider}: the consent page answered ${approve.status}`);
  const done = await fetch(callback, { headers: { cookie } });
  const html = await done.text();
  const body = /<p>([\s\S]*?)(<\/p>|$)/.exec(html)?.[1] ?? html;
  return { status: done.status, text: body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim() };
}

async function admin(w: World, method: string, path: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${w.url}${path}`, { method, headers: { authorization: `Bearer ${w.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

/**
 * Sales rep and collector of each account. Neither platform has a field for them in the demo's ledgers, so the
 * administrator imports them once, after the first sync, through the admin API; later syncs keep them.
 */
async function assignPeople(w: World, accounts: readonly AccountSpec[]): Promise<void> {
  const rows = [
    ...accounts.map((a) => ({ customer: customerIdOf(a), salesRepEmail: a.rep.email, collectorEmail: PEOPLE.collector.email })),
    { customer: '*', collectorEmail: PEOPLE.collector.email },
  ];
  const r = await admin(w, 'PUT', `/api/orgs/${encodeURIComponent(ORG.id)}/assignments`, { rows });
  const body = z.object({ updated: z.number() }).safeParse(r.json);
  if (r.status !== 200 || body.data?.updated !== accounts.length) throw new Error(`PUT assignments answered ${r.status}: ${JSON.stringify(r.json)}`);
}

/** The letters each account was sent (the archived bytes) and its statement at the end, through the admin API. */
async function fetchDocuments(w: World, accounts: readonly AccountSpec[]): Promise<DocumentFact[]> {
  const out: DocumentFact[] = [];
  const today = localDate(w.now(), TZ);
  const get = async (path: string): Promise<Buffer> => {
    const res = await fetch(`${w.url}${path}`, { headers: { authorization: `Bearer ${w.adminToken}` } });
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}`);
    return Buffer.from(await res.arrayBuffer());
  };
  const SentList = z.object({ documents: z.array(z.object({ kind: z.string(), letter: z.string().optional(), sentDate: z.string(), url: z.string() })) });
  for (const a of accounts) {
    const id = encodeURIComponent(customerIdOf(a));
    // The letters as they were sent: the archive's stored bytes (never drawn again).
    const list = SentList.parse(JSON.parse((await get(`/api/orgs/${encodeURIComponent(ORG.id)}/accounts/${id}/documents`)).toString('utf8')));
    for (const d of list.documents.filter((x) => x.kind === 'letter')) {
      out.push({ account: a.key, name: archivedLetterName(d.letter ?? 'letter', a.key, d.sentDate), date: d.sentDate, body: await get(`/api${d.url}`) });
    }
    out.push({ account: a.key, name: `statement-${a.key}-${today}.pdf`, date: today, body: await get(`/api/accounts/${id}/statement.pdf?date=${today}`) });
  }
  return out;
}

// `npm run cli -- preview`: what the ladder would do to a company's accounts over
// the coming days if nothing changes (no payment, no reply, every action carried
// out as decided). Pure: accounts, policy and `now` in, a report and its text or
// JSON out. Loading from the store is in preview-load.ts; the command in scripts/cli.ts.
import { toDayNumber, fromDayNumber, weekdayOfDayNumber, type LocalDate } from '../domain/calendar.js';
import { formatTotals, type Totals } from '../domain/money.js';
import { compiledOf, isCustomerFacing, preview, roleLabel, type Account, type DueAction, type PolicyLike, type Recipient } from '../engine/index.js';

export const DEFAULT_DAYS = 90;
export const MAX_DAYS = 365;

export const USAGE = `usage: npm run cli -- <command> [options]

commands:
  preview --company <id> [--days N] [--json]
      What the current policy would do to a connected company's accounts over
      the next N days (default ${DEFAULT_DAYS}, 1–${MAX_DAYS}) if nothing changes: no payment,
      no reply, every action carried out as decided. A dry run: nothing is sent
      and nothing is written. <id> is the QuickBooks realmId or Xero tenantId,
      or the connection id (quickbooks:<realmId>, xero:<tenantId>).
      --json prints the report as JSON instead of text.

Database: MONGODB_URI / MONGODB_DB, else the local server (like the service).
Exit codes: 0 done, 2 bad usage, unknown company or no database.`;

export interface PreviewArgs {
  command: 'preview';
  company: string;
  days: number;
  json: boolean;
}

export type CliArgs = PreviewArgs | { command: 'help' } | { error: string };

/** Parse the command line (without `node script`). */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  if (argv.length === 0) return { error: 'missing command (try --help)' };
  if (argv.includes('--help') || argv.includes('-h') || argv[0] === 'help') return { command: 'help' };
  const [command, ...rest] = argv;
  if (command !== 'preview') return { error: `unknown command: ${command ?? ''} (try --help)` };
  let company: string | undefined;
  let days = DEFAULT_DAYS;
  let json = false;
  for (let i = 0; i < rest.length; i++) {
    const raw = rest[i] ?? '';
    const eq = raw.indexOf('=');
    const flag = raw.startsWith('--') && eq > 0 ? raw.slice(0, eq) : raw;
    const inline = raw.startsWith('--') && eq > 0 ? raw.slice(eq + 1) : undefined;
    const value = (): string | undefined => {
      if (inline !== undefined) return inline;
      const v = rest[i + 1];
      if (v === undefined || v.startsWith('--')) return undefined;
      i++;
      return v;
    };
    if (flag === '--company') {
      const v = value();
      if (v === undefined || v.trim() === '') return { error: '--company needs a company id (QuickBooks realmId, Xero tenantId or connection id)' };
      company = v.trim();
    } else if (flag === '--days') {
      const v = value();
      if (v === undefined || !/^\d+$/.test(v) || Number(v) < 1 || Number(v) > MAX_DAYS) return { error: `--days must be a whole number from 1 to ${MAX_DAYS}${v !== undefined ? ` (got ${v})` : ''}` };
      days = Number(v);
    } else if (flag === '--json' && inline === undefined) {
      json = true;
    } else return { error: `unknown argument: ${raw} (try --help)` };
  }
  if (company === undefined) return { error: 'missing --company <id> (QuickBooks realmId, Xero tenantId or connection id)' };
  return { command: 'preview', company, days, json };
}

export interface PreviewCompany {
  connectionId: string;
  provider: string;
  companyId: string;
  companyName: string;
  status: string;
  sendMode: string;
  orgId: string;
  orgName: string | undefined;
}

export interface PreviewRow {
  date: LocalDate;
  at: string;
  accountId: string;
  account: string;
  level: string;
  kind: DueAction['kind'];
  /** "email 'reminder-2' → Bea Billing <bea@contoso.example> (billing)" */
  action: string;
  amounts: Totals;
  customerFacing: boolean;
}

export interface CompanyPreview {
  dryRun: true;
  company: PreviewCompany;
  from: string;
  to: LocalDate;
  days: number;
  policy: string;
  accounts: number;
  rows: PreviewRow[];
  /** Level name → number of accounts there at the end of the window, in ladder order (current first). */
  finalLevels: { level: string; accounts: number }[];
  /** Emails (letters included: they go by email) per week, weeks starting on Monday. */
  emailsPerWeek: { weekOf: LocalDate; emails: number }[];
  /** Actions of each kind in the window. */
  actionsByKind: Partial<Record<DueAction['kind'], number>>;
}

function recipient(r: Recipient): string {
  return `${r.name}${r.email !== undefined ? ` <${r.email}>` : ''} (${roleLabel(r.role)})`;
}

/** One line for one action: what, through which channel, to whom. */
export function actionText(a: DueAction): string {
  switch (a.kind) {
    case 'email':
      return `email '${a.template}' → ${recipient(a.to)}${a.cc.length > 0 ? `, cc ${a.cc.map(recipient).join(', ')}` : ''}${a.via === 'platform' ? ' (sent by the platform)' : ''}${a.urgent ? ' (urgent)' : ''}`;
    case 'letter':
      return `letter '${a.template}' (${a.letter === 'finalDemand' ? 'final demand' : 'written warning'}) → ${recipient(a.to)}, response by ${a.responseBy}`;
    case 'slackNudge':
      return `Slack nudge '${a.template}' → ${a.person?.name ?? a.to}`;
    case 'task':
      return `task: ${a.task} for ${a.person?.name ?? a.assignee}${a.target ? ` → ${recipient(a.target)}` : ''}${a.note !== undefined ? ` (${a.note})` : ''}`;
    case 'creditHold':
      return `hold: credit hold ${a.mode === 'place' ? 'placed' : 'proposed'}${a.approval ? ` (approval: ${a.approval})` : ''}`;
    case 'agencyReferral':
      return 'approval: agency referral (approver)';
    case 'writeOffSuggestion':
      return 'approval: write-off suggestion (approver)';
  }
}

/** The Monday on or before `date`. */
export function weekOf(date: LocalDate): LocalDate {
  const n = toDayNumber(date);
  return fromDayNumber(n - ((weekdayOfDayNumber(n) + 6) % 7));
}

export interface PreviewInput {
  company: PreviewCompany;
  accounts: readonly Account[];
  policy: PolicyLike;
  /** A name for the policy in the header ("default ladder"). */
  policyName: string;
  /** Accounts with a custom ladder (a stored version of the organisation's policy), by account id: previewed by it. */
  accountPolicies?: ReadonlyMap<string, PolicyLike>;
  now: Date;
  days: number;
}

/** Run the engine's preview for every account and put the timelines together. */
export function companyPreview(input: PreviewInput): CompanyPreview {
  const policy = compiledOf(input.policy); // once for every account's preview
  const rows: PreviewRow[] = [];
  const finalCounts = new Map<string, number>();
  for (const account of input.accounts) {
    const own = input.accountPolicies?.get(account.id);
    const p = preview(account, own ? compiledOf(own) : policy, input.now, input.days);
    finalCounts.set(p.finalLevel, (finalCounts.get(p.finalLevel) ?? 0) + 1);
    for (const e of p.entries) {
      rows.push({
        date: e.date,
        at: new Date(e.at).toISOString(),
        accountId: account.id,
        account: account.name,
        level: e.levelName,
        kind: e.action.kind,
        action: actionText(e.action),
        amounts: e.action.amounts,
        customerFacing: e.action.customerFacing,
      });
    }
  }
  rows.sort((a, b) => (a.date !== b.date ? (a.date < b.date ? -1 : 1) : a.at !== b.at ? (a.at < b.at ? -1 : 1) : a.account.localeCompare(b.account)));

  const ladder = ['current', ...policy.levels.map((l) => l.name)];
  const rank = (name: string): number => {
    const i = ladder.indexOf(name);
    return i < 0 ? ladder.length : i;
  };
  const finalLevels = [...finalCounts.entries()].sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b)).map(([level, accounts]) => ({ level, accounts }));

  const weeks = new Map<LocalDate, number>();
  const actionsByKind: CompanyPreview['actionsByKind'] = {};
  for (const r of rows) {
    actionsByKind[r.kind] = (actionsByKind[r.kind] ?? 0) + 1;
    if (isCustomerFacing(r.kind)) weeks.set(weekOf(r.date), (weeks.get(weekOf(r.date)) ?? 0) + 1);
  }
  const emailsPerWeek = [...weeks.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([w, emails]) => ({ weekOf: w, emails }));

  const firstDay = new Date(input.now).toISOString().slice(0, 10);
  return {
    dryRun: true,
    company: input.company,
    from: input.now.toISOString(),
    to: fromDayNumber(toDayNumber(firstDay) + input.days - 1),
    days: input.days,
    policy: input.policyName,
    accounts: input.accounts.length,
    rows,
    finalLevels,
    emailsPerWeek,
    actionsByKind,
  };
}

const KIND_LABEL: Record<DueAction['kind'], string> = {
  email: 'email(s)',
  letter: 'letter(s)',
  slackNudge: 'Slack nudge(s)',
  task: 'task(s)',
  creditHold: 'credit hold(s)',
  agencyReferral: 'agency referral(s)',
  writeOffSuggestion: 'write-off suggestion(s)',
};

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** The report as text: a header, the timeline grouped by date, a summary. */
export function formatPreview(p: CompanyPreview): string {
  const c = p.company;
  const out: string[] = [];
  out.push(`DRY RUN: nothing is sent and nothing is written.`);
  out.push(`Preview for ${c.provider} company ${c.companyId} "${c.companyName}" (connection ${c.connectionId}, ${c.status}, send mode ${c.sendMode}), organisation ${c.orgName ?? c.orgId}`);
  out.push(`${p.days} day(s) from ${p.from.slice(0, 10)} to ${p.to}, policy: ${p.policy}, ${p.accounts} account(s); assumes no payment, no reply, every action carried out as decided.`);
  out.push('');
  if (p.rows.length === 0) out.push('Nothing would happen in this window.');
  const accountWidth = Math.min(32, Math.max(7, ...p.rows.map((r) => r.account.length)));
  const levelWidth = Math.min(24, Math.max(5, ...p.rows.map((r) => r.level.length)));
  let day: string | undefined;
  for (const r of p.rows) {
    if (r.date !== day) {
      if (day !== undefined) out.push('');
      day = r.date;
      out.push(`${r.date} ${WEEKDAYS[weekdayOfDayNumber(toDayNumber(r.date))] ?? ''}`);
    }
    const amount = Object.keys(r.amounts).length > 0 ? `  [${formatTotals(r.amounts)}]` : '';
    out.push(`  ${pad(r.account, accountWidth)}  ${pad(r.level, levelWidth)}  ${r.action}${amount}`);
  }
  out.push('');
  out.push('Summary');
  out.push(`  accounts per level on ${p.to}: ${p.finalLevels.length > 0 ? p.finalLevels.map((l) => `${l.level} ${l.accounts}`).join(', ') : 'none'}`);
  const kinds = (Object.keys(KIND_LABEL) as DueAction['kind'][]).filter((k) => (p.actionsByKind[k] ?? 0) > 0);
  out.push(`  actions: ${p.rows.length}${kinds.length > 0 ? ` (${kinds.map((k) => `${p.actionsByKind[k] ?? 0} ${KIND_LABEL[k]}`).join(', ')})` : ''}`);
  out.push(`  emails per week (letters included, weeks from Monday): ${p.emailsPerWeek.length > 0 ? p.emailsPerWeek.map((w) => `${w.weekOf} ${w.emails}`).join(', ') : 'none'}`);
  return out.join('\n') + '\n';
}

export function previewJson(p: CompanyPreview): string {
  return JSON.stringify(p, null, 2) + '\n';
}

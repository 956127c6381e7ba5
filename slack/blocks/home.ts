// App Home: the collector's day — today's call list (amount × age first), with a
// suggested local time per account, and the counts that need attention.
import { formatTotals } from '../../src/domain/money.js';
import { actionIds } from '../ids.js';
import { button, context, divider, esc, fields, header, section, type Block, type HomeView } from './kit.js';

export interface CallRow {
  accountName: string;
  totals: Record<string, number>;
  oldestDays: number;
  who: string;
  phone?: string;
  /** Suggested time, the contact's local time: "09:30 (America/Chicago)". */
  suggestedTime: string;
  /** The same moment in the viewer's (the collector's) own zone: "16:30 (Europe/London)". */
  yourTime?: string;
  levelName: string;
  /** The ledger no longer lists the customer as active (it may still owe). */
  ledgerStatus?: 'inactive' | 'archived';
  /** Open invoices of the account without a due date or terms (not chased). */
  undated?: number;
}

export interface HomeSnapshot {
  name: string;
  today: string;
  calls: CallRow[];
  pendingApprovals: number;
  activeHolds: number;
  needsReconnect: string[];
  lastSyncs: { company: string; at: string | null }[];
  /** Accounts planning set aside because planning them failed (src/planning/quarantine.ts); empty for sales reps. */
  quarantined: { accountName: string; error: string; since: string }[];
  /** Disputes open longer than the policy's disputes.escalateAfterDays, with the reason (not for sales reps). */
  disputes?: { accountName: string; days: number; reason: string }[];
  /** Admins only: connections whose last ledger reconciliation found differences that persisted (src/ledger/runs.ts). */
  ledgerMismatches?: { company: string; asOf: string; accounts: string[] }[];
  /** The web console is served: an *Open Overdue* button (a sign-in link by DM, app/console). */
  console?: boolean;
}

const MAX_ROWS = 40;

export function homeView(s: HomeSnapshot): HomeView {
  const blocks: Block[] = [
    header(`Today's calls — ${s.today}`),
    section(`Hi ${esc(s.name.split(/\s+/)[0] ?? s.name)}, ${s.calls.length === 0 ? 'no account is due a call today.' : `${s.calls.length} account${s.calls.length === 1 ? ' is' : 's are'} due a call, biggest and oldest first.`}`),
  ];
  if (s.console) blocks.push({ type: 'actions', block_id: 'console_open', elements: [button('Open Overdue', actionIds.consoleOpen, 'open')] });
  for (const [i, c] of s.calls.slice(0, MAX_ROWS).entries()) {
    blocks.push(
      section(
        `*${i + 1}. ${esc(c.accountName)}* — ${formatTotals(c.totals)}, oldest ${c.oldestDays} days\n` +
          `Call ${esc(c.who)}${c.phone ? ` on ${esc(c.phone)}` : ''} around ${esc(c.suggestedTime)} their time${c.yourTime !== undefined && c.yourTime !== c.suggestedTime ? `, ${esc(c.yourTime)} yours` : ''} · ${esc(c.levelName)}` +
          (c.ledgerStatus ? ` · _${c.ledgerStatus} in the ledger_` : '') +
          (c.undated ? ` · ${c.undated} invoice${c.undated === 1 ? '' : 's'} with no due date (not chased)` : ''),
      ),
    );
  }
  if (s.calls.length > MAX_ROWS) blocks.push(context(`…and ${s.calls.length - MAX_ROWS} more`));
  if ((s.disputes ?? []).length > 0) {
    blocks.push(divider());
    blocks.push(section(`*Disputes open too long* — settle or escalate:`));
    for (const d of (s.disputes ?? []).slice(0, 10)) blocks.push(section(`*${esc(d.accountName)}*: ${esc(d.reason)}`));
  }
  blocks.push(divider());
  blocks.push(
    fields([
      `*Pending approvals*\n${s.pendingApprovals}`,
      `*Credit holds in place*\n${s.activeHolds}`,
      `*Connections to reconnect*\n${s.needsReconnect.length === 0 ? 'none' : s.needsReconnect.map(esc).join(', ')}`,
      `*Last sync*\n${s.lastSyncs.length === 0 ? '—' : s.lastSyncs.map((l) => `${esc(l.company)}: ${l.at ?? 'never'}`).join('\n')}`,
    ]),
  );
  for (const m of s.ledgerMismatches ?? []) {
    blocks.push(divider());
    const names = m.accounts.slice(0, 5).map(esc).join(', ') + (m.accounts.length > 5 ? ` and ${m.accounts.length - 5} more` : '');
    blocks.push(section(`:scales: *Ledger differs* — ${esc(m.company)}'s aged receivables report (${esc(m.asOf)}) disagrees with Overdue for ${m.accounts.length} account${m.accounts.length === 1 ? '' : 's'} after a re-sync: ${names}. Their customer sends are held (GET /api/connections/:id/reconciliation).`));
  }
  if (s.quarantined.length > 0) {
    blocks.push(divider());
    blocks.push(section(`*Set aside by planning* — ${s.quarantined.length} account${s.quarantined.length === 1 ? '' : 's'} Overdue could not plan; everything else goes on, and each is retried on the next pass:`));
    for (const q of s.quarantined.slice(0, 10)) blocks.push(context(`*${esc(q.accountName)}* since ${esc(q.since)}: ${esc(q.error.slice(0, 200))}`));
    if (s.quarantined.length > 10) blocks.push(context(`…and ${s.quarantined.length - 10} more (GET /api/orgs/:orgId/quarantine)`));
  }
  return { type: 'home', blocks };
}

// Connections in Slack: App Home's *Connections* section for admins (connect
// buttons carrying fresh signed links, each company's status with Reconnect and
// Disconnect), and the first sync's progress message and summary. Pure.
import type { Button } from '@slack/types';
import { actionIds } from '../ids.js';
import { button, context, esc, header, section, type Block } from './kit.js';

export type ProviderName = 'quickbooks' | 'xero';

export const providerLabel: Record<ProviderName, string> = { quickbooks: 'QuickBooks', xero: 'Xero' };

export interface ConnectionRow {
  id: string;
  provider: ProviderName;
  companyName: string;
  status: 'active' | 'needs_reconnect' | 'disconnected';
  statusReason?: string;
  /** "2026-12-05 04:10 UTC", or null: never synced. */
  lastSync: string | null;
  lastError?: string;
  /** A fresh connect link for this provider (Reconnect), or null when the provider is not configured. */
  reconnectUrl: string | null;
}

export interface ConnectionsSection {
  /** Fresh connect links per provider; null: the provider is not configured on this server. */
  connectUrls: Record<ProviderName, string | null>;
  connections: ConnectionRow[];
}

const connectActions: Record<ProviderName, string> = { quickbooks: actionIds.connectQuickbooks, xero: actionIds.connectXero };

function urlButton(text: string, actionId: string, url: string, value: string, style?: 'primary' | 'danger'): Button {
  return { ...button(text, actionId, value, style), url };
}

const statusText: Record<ConnectionRow['status'], string> = { active: 'connected', needs_reconnect: '*needs reconnect*', disconnected: 'disconnected' };

/** The *Connections* section of an admin's App Home. */
export function connectionsBlocks(s: ConnectionsSection): Block[] {
  const blocks: Block[] = [header('Connections')];
  const connect: Button[] = [];
  for (const p of ['quickbooks', 'xero'] as const) {
    const url = s.connectUrls[p];
    if (url) connect.push(urlButton(`Connect ${providerLabel[p]}`, connectActions[p], url, p, 'primary'));
  }
  if (connect.length > 0) blocks.push({ type: 'actions', block_id: 'connections_connect', elements: connect });
  else blocks.push(context('Neither QuickBooks nor Xero is configured on this Overdue server (see docs/quickbooks.md and docs/xero.md).'));
  if (s.connections.length === 0) blocks.push(section('No company is connected yet. Connect one: its first sync starts at once and reports here in Slack.'));
  for (const c of s.connections) {
    const lines = [
      `*${esc(c.companyName)}* · ${providerLabel[c.provider]} · ${statusText[c.status]}${c.statusReason && c.status !== 'active' ? ` (${esc(c.statusReason)})` : ''}`,
      `Last sync: ${c.lastSync ?? 'never'}${c.lastError ? ` · last error: ${esc(c.lastError.slice(0, 200))}` : ''}`,
    ];
    const accessory: Button[] = [];
    if (c.status !== 'active' && c.reconnectUrl) accessory.push(urlButton('Reconnect', actionIds.reconnectConnection, c.reconnectUrl, c.id, 'primary'));
    if (c.status !== 'disconnected') {
      accessory.push({
        ...button('Disconnect', actionIds.disconnectConnection, c.id, 'danger'),
        confirm: {
          title: { type: 'plain_text', text: 'Disconnect?' },
          text: { type: 'mrkdwn', text: `Overdue stops syncing *${esc(c.companyName)}*, revokes its access at ${providerLabel[c.provider]} and cancels the reminders it had queued. You can connect it again later.` },
          confirm: { type: 'plain_text', text: 'Disconnect' },
          deny: { type: 'plain_text', text: 'Cancel' },
          style: 'danger',
        },
      });
    }
    blocks.push(section(lines.join('\n')));
    if (accessory.length > 0) blocks.push({ type: 'actions', block_id: `connection_${c.id}`.slice(0, 255), elements: accessory });
  }
  return blocks;
}

const count = (n: number): string => n.toLocaleString('en-US');

export interface SyncProgressText {
  company: string;
  provider: ProviderName;
  done: number;
  /** The provider's count of what the sync reads (null: it did not say). */
  total: number | null;
}

/** "Syncing Acme Ltd from QuickBooks: 1,200 of 2,480 invoices" (or "1,200 invoices so far" without a total). */
export function syncProgressText(p: SyncProgressText): string {
  if (p.done === 0 && p.total === null) return `Syncing ${p.company} from ${providerLabel[p.provider]}: starting (customers first, then invoices)`;
  const of = p.total !== null ? `${count(Math.min(p.done, p.total))} of ${count(p.total)} invoices` : `${count(p.done)} invoices so far`;
  return `Syncing ${p.company} from ${providerLabel[p.provider]}: ${of}`;
}

export interface FirstSyncSummary {
  company: string;
  provider: ProviderName;
  openInvoices: number;
  customers: number;
  /** Accounts with a past-due invoice today (the engine's rule). */
  pastDue: number;
  /** Accounts the plan would send a customer-facing step today. */
  remindersToday: number;
  sendMode: 'dry-run' | 'live';
}

/** The summary and preview the first sync ends with. */
export function firstSyncSummaryText(s: FirstSyncSummary): string {
  const accounts = (n: number) => `${count(n)} account${n === 1 ? '' : 's'}`;
  const sends = s.sendMode === 'live' ? 'send mode is live, so they go out as planned.' : 'the first sends wait until you switch send mode to live.';
  return (
    `Synced ${s.company} from ${providerLabel[s.provider]}: ${count(s.openInvoices)} open invoice${s.openInvoices === 1 ? '' : 's'}, ${count(s.customers)} customer${s.customers === 1 ? '' : 's'}.\n` +
    `${accounts(s.pastDue)} past due; ${count(s.remindersToday)} would get a reminder today; ${sends}`
  );
}

/** The first sync failed: what happened and what comes next. */
export function firstSyncFailedText(company: string, provider: ProviderName, error: string): string {
  return `The first sync of ${company} from ${providerLabel[provider]} failed: ${error.slice(0, 300)}. Overdue tries again on the next scheduled sync; App Home shows the connection's status.`;
}

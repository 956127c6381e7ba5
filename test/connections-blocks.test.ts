// The connection texts and App Home blocks: progress with and without the provider's total, the
// summary's preview sentence by send mode, and Disconnect offered only behind a confirm dialog.
import { connectionsBlocks, firstSyncSummaryText, syncProgressText } from '../slack/blocks/connections.js';

it('progress: "N of TOTAL invoices" with the provider\'s count, "N invoices so far" without one', () => {
  expect(syncProgressText({ company: 'Acme Ltd', provider: 'quickbooks', done: 1_200, total: 2_480 })).toBe('Syncing Acme Ltd from QuickBooks: 1,200 of 2,480 invoices');
  expect(syncProgressText({ company: 'Acme Ltd', provider: 'xero', done: 1_200, total: null })).toBe('Syncing Acme Ltd from Xero: 1,200 invoices so far');
  expect(syncProgressText({ company: 'Acme Ltd', provider: 'xero', done: 3_000, total: 2_480 })).toBe('Syncing Acme Ltd from Xero: 2,480 of 2,480 invoices');
});

it('summary: the preview sentence says the first sends wait for live, or that they go out', () => {
  const s = { company: 'Acme Ltd', provider: 'quickbooks' as const, openInvoices: 2_480, customers: 310, pastDue: 48, remindersToday: 14 };
  expect(firstSyncSummaryText({ ...s, sendMode: 'dry-run' })).toBe('Synced Acme Ltd from QuickBooks: 2,480 open invoices, 310 customers.\n48 accounts past due; 14 would get a reminder today; the first sends wait until you switch send mode to live.');
  expect(firstSyncSummaryText({ ...s, pastDue: 1, sendMode: 'live' })).toContain('1 account past due; 14 would get a reminder today; send mode is live');
});

it('App Home: connect buttons only for configured providers; Reconnect for a connection that needs it; no Disconnect once disconnected', () => {
  const blocks = connectionsBlocks({
    connectUrls: { quickbooks: 'https://o.example/connect/quickbooks?x', xero: null },
    connections: [
      { id: 'quickbooks:1', provider: 'quickbooks', companyName: 'Acme', status: 'needs_reconnect', statusReason: 'refresh token expired', lastSync: null, reconnectUrl: 'https://o.example/connect/quickbooks?y' },
      { id: 'quickbooks:2', provider: 'quickbooks', companyName: 'Beta', status: 'disconnected', lastSync: '2026-12-05 04:00 UTC', reconnectUrl: 'https://o.example/connect/quickbooks?z' },
    ],
  });
  const buttons = blocks.flatMap((b) => (b.type === 'actions' ? b.elements : [])) as { action_id?: string; value?: string; url?: string; confirm?: unknown }[];
  expect(buttons.map((b) => `${b.action_id}:${b.value}`)).toEqual(['connect_quickbooks:quickbooks', 'reconnect_connection:quickbooks:1', 'disconnect_connection:quickbooks:1', 'reconnect_connection:quickbooks:2']);
  expect(buttons.find((b) => b.action_id === 'disconnect_connection')?.confirm).toBeDefined();
  expect(JSON.stringify(blocks)).toContain('needs reconnect* (refresh token expired)');
});

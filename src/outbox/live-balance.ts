// The dispatcher's live-balance hook from the connectors: fetch the invoice from
// its platform (the connector saves what it finds), then read it back from the
// store, so the balance and status come from the same mapping the sync uses.
import type { Store } from '../store/store.js';
import type { InvoiceDoc, Provider } from '../store/types.js';
import type { LiveBalance } from './dispatcher.js';

/** What the hook needs of a connector (connectors/types.ts Connector.fetchRecord). */
export interface RecordFetcher {
  fetchRecord(connectionId: string, kind: 'invoice', externalId: string): Promise<{ found: boolean }>;
}

/**
 * `fetchLiveBalance` for FreshnessOptions. No connector for the invoice's provider: null (the
 * store's copy is trusted). Not found at the platform: deleted. A throw (platform down, connection
 * needs reconnecting) is left to the dispatcher, which retries the entry later.
 */
export function liveBalanceFrom(store: Store, connectors: Partial<Record<Provider, RecordFetcher>>): (invoice: InvoiceDoc) => Promise<LiveBalance | null> {
  return async (invoice) => {
    const connector = connectors[invoice.provider];
    if (!connector) return null;
    const fetched = await connector.fetchRecord(invoice.connectionId, 'invoice', invoice.externalId);
    if (!fetched.found) return { balanceMinor: 0, status: 'deleted' };
    const fresh = await store.invoices.get(invoice._id);
    return fresh ? { balanceMinor: fresh.balanceMinor, status: fresh.status } : null;
  };
}

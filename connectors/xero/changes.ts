// Webhook changes into targeted reads: the inbox (connectors/inbox.ts) hands over
// the change events of a delivery; per active tenant, changed contacts and
// invoices are read again a hundred ids per request, credit notes one by one.
// Payments send no webhooks: the incremental sync polls them.
import { applyPerConnection, inChunks } from '../connector-kit.js';
import type { AppliedChanges, ChangeEvent } from '../types.js';
import type { XeroKit } from './kit.js';
import { xero } from './provider.js';
import { creditNoteExternalId, pageOf } from './records.js';
import { fetchOne, savePage, withTerms } from './save.js';

export function applyChanges(kit: XeroKit, events: ChangeEvent[]): Promise<AppliedChanges> {
  return applyPerConnection(kit, 'xero', events, async (api, mapCtx, list) => {
    const ctx = withTerms(mapCtx, api);
    let saved = 0;
    let deleted = 0;
    const changed = (kind: ChangeEvent['kind']) => [...new Set(list.filter((e) => e.kind === kind).map((e) => e.externalId))];
    for (const kind of ['customer', 'invoice'] as const) {
      for (const ids of inChunks(changed(kind), xero.api.idsPerRequest)) {
        const r = kind === 'invoice' ? await api.invoices({ ids }) : await api.contacts({ ids, includeArchived: true });
        const got = await savePage(kit, kind, pageOf(r.data, kind === 'invoice' ? 'Invoices' : 'Contacts'), ctx);
        saved += got.saved;
        deleted += got.deleted;
      }
    }
    for (const id of changed('credit_memo')) saved += (await fetchOne(kit, api, 'credit_memo', id, ctx))?.saved ?? 0;
    return { saved, deleted };
  }, (kind, id) => (kind === 'credit_memo' ? creditNoteExternalId(id) : id));
}

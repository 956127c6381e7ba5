// Webhook changes into targeted reads: the inbox (connectors/inbox.ts) hands over
// the change events of a delivery; per active connection and entity, deletions are
// marked and everything else is read again by id, a page of ids per query.
import { applyPerConnection, inChunks } from '../connector-kit.js';
import type { ChangeEvent } from '../types.js';
import type { QboKit } from './kit.js';
import { quickbooks } from './provider.js';
import { markDeleted } from './save.js';
import { readPages, steps, whereFor } from './sync.js';

export function applyChanges(kit: QboKit, events: ChangeEvent[]): Promise<{ saved: number; deleted: number; skipped: number }> {
  return applyPerConnection(kit, 'quickbooks', events, async (client, ctx, list) => {
    let saved = 0;
    let deleted = 0;
    for (const step of steps) {
      const ofKind = list.filter((e) => e.kind === step.kind);
      const gone = [...new Set(ofKind.filter((e) => e.operation === 'delete').map((e) => e.externalId))];
      for (const id of gone) if (await markDeleted(kit, step.kind, id, ctx)) deleted += 1;
      const changed = [...new Set(ofKind.filter((e) => e.operation !== 'delete').map((e) => e.externalId))].filter((id) => /^\d+$/.test(id));
      for (const ids of inChunks(changed, quickbooks.api.pageSize)) {
        saved += (await readPages(kit, client, step, whereFor(step, `Id IN (${ids.map((id) => `'${id}'`).join(',')})`), 1, ctx)).saved;
      }
    }
    return { saved, deleted };
  });
}

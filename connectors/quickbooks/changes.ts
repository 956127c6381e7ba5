// Webhook changes into targeted reads: the inbox (connectors/inbox.ts) hands over
// the change events of a delivery; per active connection and entity, deletions are
// marked and everything else is read again by id, a page of ids per query.
import { applyPerConnection } from '../connector-kit.js';
import type { AppliedChanges, ChangeEvent } from '../types.js';
import type { QboKit } from './kit.js';
import { creditMemoExternalId } from './records.js';
import { markDeleted, withTerms } from './save.js';
import { readByIds, steps } from './sync.js';

export function applyChanges(kit: QboKit, events: ChangeEvent[]): Promise<AppliedChanges> {
  return applyPerConnection(kit, 'quickbooks', events, async (client, mapCtx, list) => {
    const ctx = withTerms(mapCtx, client);
    let saved = 0;
    let deleted = 0;
    for (const step of steps) {
      const ofKind = list.filter((e) => e.kind === step.kind);
      const gone = [...new Set(ofKind.filter((e) => e.operation === 'delete').map((e) => e.externalId))];
      for (const id of gone) if (await markDeleted(kit, step.kind, id, ctx)) deleted += 1;
      saved += (await readByIds(kit, client, step, ofKind.filter((e) => e.operation !== 'delete').map((e) => e.externalId), ctx)).saved;
    }
    return { saved, deleted };
  }, (kind, id) => (kind === 'credit_memo' ? creditMemoExternalId(id) : id));
}

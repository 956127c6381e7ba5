// Indexes of the Slack collections, created at start-up when missing (by name:
// FerretDB 1.24 drops the connection when asked to create one that exists).
import type { Db, IndexDescription } from 'mongodb';
import { createMissingIndexes } from '../../src/store/store.js';
import { INSTALLATIONS_COLLECTION } from './installations.js';
import { PEOPLE_COLLECTION } from './people.js';

export const slackIndexes: Record<string, IndexDescription[]> = {
  [PEOPLE_COLLECTION]: [
    { key: { slackUserId: 1 }, name: 'slack_user' },
    { key: { orgId: 1, roles: 1 }, name: 'org_roles' },
  ],
  [INSTALLATIONS_COLLECTION]: [{ key: { orgId: 1 }, name: 'org' }],
};

export async function ensureSlackIndexes(db: Db): Promise<void> {
  for (const [name, specs] of Object.entries(slackIndexes)) await createMissingIndexes(db, name, specs);
}

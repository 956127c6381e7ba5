// Indexes of the Slack collections, created at start-up when missing (by name:
// FerretDB 1.24 drops the connection when asked to create one that exists).
import { MongoServerError, type Db, type IndexDescription } from 'mongodb';
import { INSTALLATIONS_COLLECTION } from './installations.js';
import { PEOPLE_COLLECTION } from './people.js';

const slackIndexes: Record<string, IndexDescription[]> = {
  [PEOPLE_COLLECTION]: [
    { key: { slackUserId: 1 }, name: 'slack_user' },
    { key: { orgId: 1, roles: 1 }, name: 'org_roles' },
  ],
  [INSTALLATIONS_COLLECTION]: [{ key: { orgId: 1 }, name: 'org' }],
};

export async function ensureSlackIndexes(db: Db): Promise<void> {
  for (const [name, specs] of Object.entries(slackIndexes)) {
    const col = db.collection(name);
    const existing = new Set(
      (
        await col
          .listIndexes()
          .toArray()
          .catch((err: unknown) => {
            if (err instanceof MongoServerError && err.code === 26) return []; // no collection yet
            throw err;
          })
      ).map((i) => String(i.name)),
    );
    const missing = specs.filter((s) => s.name === undefined || !existing.has(s.name));
    if (missing.length === 0) continue;
    try {
      await col.createIndexes(missing);
    } catch (err) {
      if (!(err instanceof MongoServerError && (err.code === 85 || err.code === 86))) throw err;
    }
  }
}

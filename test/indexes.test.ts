// The one list of indexes (src/store/store.ts `indexes`, slack/services/indexes.ts
// `slackIndexes`): created on an empty database, creating them again is safe, and
// docs/database.md's table names exactly these, no more and no fewer.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureSlackIndexes, slackIndexes } from '../slack/services/indexes.js';
import { collections, ensureIndexes, indexes } from '../src/store/store.js';
import { openTestDatabase } from './helpers/db.js';

function listed(): Set<string> {
  const out = new Set<string>();
  for (const [name, specs] of Object.entries(indexes) as [keyof typeof collections, { name?: string }[]][]) for (const s of specs) out.add(`${collections[name]}.${s.name}`);
  for (const [collection, specs] of Object.entries(slackIndexes)) for (const s of specs) out.add(`${collection}.${s.name}`);
  return out;
}

function documented(): Set<string> {
  const doc = readFileSync(join(__dirname, '..', 'docs', 'database.md'), 'utf8');
  const section = doc.split('## Indexes')[1]?.split('\n## ')[0] ?? '';
  const out = new Set<string>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 5 || cells[1] === 'collection' || cells[1]?.startsWith('---')) continue;
    out.add(`${cells[1]}.${(cells[2] ?? '').replace(/ \(unique\)$/, '')}`);
  }
  return out;
}

describe('indexes', () => {
  it('are created on an empty database, and creating them again changes nothing', async () => {
    const database = await openTestDatabase('indexes');
    try {
      await ensureIndexes(database.db);
      await ensureSlackIndexes(database.db);
      await ensureIndexes(database.db);
      await ensureSlackIndexes(database.db);
      const present = new Set<string>();
      for (const collection of new Set([...listed()].map((k) => k.split('.')[0] ?? ''))) {
        for (const ix of await database.db.collection(collection).listIndexes().toArray()) present.add(`${collection}.${String(ix['name'])}`);
      }
      for (const k of listed()) expect(present).toContain(k);
    } finally {
      await database.drop();
    }
  });

  it('docs/database.md lists exactly the indexes the code creates', () => {
    expect([...documented()].sort()).toEqual([...listed()].sort());
  });
});

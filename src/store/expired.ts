// Documents that carry their own end (`expiresAt`): the console's sign-in links, sessions and the ladder
// editor's drafts (which end with their session). One rule forgets them once past, for the console
// (ConsoleAuth.prune, PolicyDrafts.prune) and the daily housekeeping job alike.
import type { Db } from 'mongodb';
import { collections } from './store.js';

/** The collections whose documents end at their `expiresAt` (each has an `expires` index, docs/database.md). */
export const EXPIRING = [collections.consoleSignIns, collections.consoleSessions, collections.consolePolicyDrafts] as const;
export type ExpiringCollection = (typeof EXPIRING)[number];

/** Forget the documents past their `expiresAt` in these collections (default: all of them); how many, per collection. */
export async function pruneExpired(db: Db, now: Date, which: readonly ExpiringCollection[] = EXPIRING): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const name of which) out[name] = (await db.collection(name).deleteMany({ expiresAt: { $lt: now } })).deletedCount;
  return out;
}

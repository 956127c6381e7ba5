// Documents that carry their own end (`expiresAt`): the console's sign-in links and sessions. One rule
// forgets them once past, for the console (ConsoleAuth.prune) and the daily housekeeping job alike.
import type { Db } from 'mongodb';
import { collections } from './store.js';

/** The collections whose documents end at their `expiresAt` (each has an `expires` index, docs/database.md). */
export const EXPIRING = [collections.consoleSignIns, collections.consoleSessions] as const;

/** Forget the documents past their `expiresAt`; how many, per collection. */
export async function pruneExpired(db: Db, now: Date): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const name of EXPIRING) out[name] = (await db.collection(name).deleteMany({ expiresAt: { $lt: now } })).deletedCount;
  return out;
}

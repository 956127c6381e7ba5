// Transient database errors and retrying idempotent store operations.
//
// Under concurrent writers FerretDB 1.24 on SQLite answers some writes with
// SQLITE_BUSY once its busy timeout has passed. The mongodb driver surfaces it
// as a MongoServerError with code 1, codeName 'InternalError' and FerretDB's
// call chain in the message, e.g. (observed, 120 concurrent writers):
//   "[msg_update.go:133 handler.(*Handler).updateDocument] … database is locked (5) (SQLITE_BUSY)"
//   "[msg_insert.go:168 handler.(*Handler).MsgInsert] … database is locked (5) (SQLITE_BUSY)"
// The SQLite transaction was rolled back, so nothing of that write happened and
// an idempotent operation can simply be run again. A real MongoDB labels
// retryable failures 'RetryableWriteError' (the driver retries those once).
import { MongoServerError } from 'mongodb';
import { backoffDelay, type RetryPolicy } from '../domain/retry.js';
import { auditEntryId } from './audit.js';
import { collections, type Store } from './store.js';
import type { AuditEntryDoc, AuditInput } from './types.js';

const LOCKED = /SQLITE_BUSY|SQLITE_LOCKED|database (table )?is locked/i;

/** True for a failure that nothing was written by and that may succeed when tried again. */
export function isTransientDbError(err: unknown): boolean {
  if (!(err instanceof MongoServerError)) return false;
  if (err.hasErrorLabel('RetryableWriteError')) return true;
  return (err.code === 1 || err.codeName === 'InternalError') && LOCKED.test(err.message);
}

/** Store retries: 5 tries in all, full jitter under a ceiling of 25 ms doubling up to 800 ms. */
export const storeRetry: RetryPolicy = { attempts: 5, baseMs: 25, maxMs: 800 };

export interface RetryOptions extends Partial<RetryPolicy> {
  sleep?: (ms: number) => Promise<void>;
  /** [0, 1): the jitter. */
  random?: () => number;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

/**
 * Run `op`, and again after a jittered back-off while it fails with a transient database error.
 * Only for operations that are safe to repeat ($set updates, inserts that treat a duplicate key as done, reads).
 */
export async function retryTransient<T>(op: () => Promise<T>, o: RetryOptions = {}): Promise<T> {
  const policy: RetryPolicy = { ...storeRetry, ...o };
  const attempts = Math.max(1, policy.attempts);
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (err) {
      if (attempt >= attempts || !isTransientDbError(err)) throw err;
      const delay = backoffDelay(attempt, policy, o.random);
      o.onRetry?.(err, attempt, delay);
      await sleep(delay);
    }
  }
}

const same = (e: AuditEntryDoc, i: AuditInput): boolean =>
  e.action === i.action && e.at.getTime() === i.at.getTime() && e.actor.id === i.actor.id && e.actor.kind === i.actor.kind && (e.outcome ?? null) === (i.outcome ?? null);

/**
 * Append to the audit trail, retrying transient errors without appending twice: an append is an entry insert
 * and then a head update, so after a failure the entry may be there already. Before each retry the entries
 * around the account's head are read by _id; if one is ours, it is returned.
 */
export async function appendAuditOnce(store: Store, input: AuditInput, o: RetryOptions = {}): Promise<AuditEntryDoc> {
  let failed = false;
  return retryTransient(async () => {
    if (failed) {
      const found = await findRecent(store, input);
      if (found) return found;
    }
    try {
      return await store.audit.append(input);
    } catch (err) {
      failed = true;
      throw err;
    }
  }, o);
}

async function findRecent(store: Store, input: AuditInput): Promise<AuditEntryDoc | null> {
  const head = await store.audit.head(input.accountId);
  const col = store.db.collection<AuditEntryDoc>(collections.audit);
  // Concurrent appends may have moved the head past our entry: look a little below it, then forward.
  for (let seq = Math.max(1, (head?.seq ?? 0) - 20); ; seq++) {
    const e = await col.findOne({ _id: auditEntryId(input.accountId, seq) });
    if (!e) return null;
    if (same(e, input)) return e;
  }
}
